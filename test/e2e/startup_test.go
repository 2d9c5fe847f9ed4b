package e2e

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var generatedPassword = regexp.MustCompile(`Password for the elastic user[^\n]*\n\s*(\S+)\n`)

// TestFirstStartAndRestarts checks the elastic user's bootstrap: a password
// generated and printed once, kept across restarts, never replaced by a
// later ELASTIC_PASSWORD; and a cluster UUID that survives restarts.
func TestFirstStartAndRestarts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()

	// First start without ELASTIC_PASSWORD: a generated password on stdout.
	// It keeps every default, the hashing algorithm (bcrypt cost 10)
	// included; the restarts use bcrypt4, which must not matter for the
	// stored hash.
	s1 := startServer(t, options{dataDir: dir, defaultHashing: true})
	var pw string
	deadline := time.Now().Add(5 * time.Second)
	for {
		if m := generatedPassword.FindStringSubmatch(s1.output()); m != nil {
			pw = secret(m[1])
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no generated password on stdout within 5s; stdout:\n%s", s1.output())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(pw) != 20 {
		t.Errorf("generated password %q has %d characters, want 20", pw, len(pw))
	}
	elastic := cred{"elastic", pw}
	s1.mustAuthenticate(t, elastic)
	uuid := s1.info(t, elastic).ClusterUUID
	if uuid == "" || uuid == "_na_" {
		t.Fatalf("cluster_uuid = %q", uuid)
	}
	if !strings.Contains(s1.logs(), "cluster_uuid="+uuid) {
		t.Errorf("the start-up log does not show cluster_uuid=%s:\n%s", uuid, s1.logs())
	}
	if code := s1.stop(t); code != 0 {
		t.Fatalf("first start: exit code %d after SIGTERM", code)
	}
	if n := strings.Count(s1.output(), "Password for the elastic user"); n != 1 {
		t.Errorf("the password message appears %d times on stdout, want once:\n%s", n, s1.output())
	}

	// Restart without ELASTIC_PASSWORD: same password, nothing printed.
	s2 := startServer(t, options{dataDir: dir})
	s2.mustAuthenticate(t, elastic)
	if got := s2.info(t, elastic).ClusterUUID; got != uuid {
		t.Errorf("cluster_uuid after restart = %q, want %q", got, uuid)
	}
	if code := s2.stop(t); code != 0 {
		t.Fatalf("second start: exit code %d after SIGTERM", code)
	}
	if out := s2.output(); out != "" {
		t.Errorf("a restart printed to stdout:\n%s", out)
	}

	// Restart with ELASTIC_PASSWORD: the stored password stays.
	other := newPassword("env")
	s3 := startServer(t, options{dataDir: dir, password: other})
	s3.mustAuthenticate(t, elastic)
	s3.mustNotAuthenticate(t, cred{"elastic", other})
	if got := s3.info(t, elastic).ClusterUUID; got != uuid {
		t.Errorf("cluster_uuid after the second restart = %q, want %q", got, uuid)
	}
	if code := s3.stop(t); code != 0 {
		t.Fatalf("third start: exit code %d after SIGTERM", code)
	}
	if out := s3.output(); out != "" {
		t.Errorf("a restart with ELASTIC_PASSWORD printed to stdout:\n%s", out)
	}
	if strings.Contains(s3.logs(), "password set from ELASTIC_PASSWORD") {
		t.Errorf("a restart claims to have used ELASTIC_PASSWORD:\n%s", s3.logs())
	}
}

// TestFirstStartWithElasticPassword checks that ELASTIC_PASSWORD on the
// first start becomes elastic's password and nothing is printed.
func TestFirstStartWithElasticPassword(t *testing.T) {
	t.Parallel()
	pw := newPassword("first")
	s := startServer(t, options{password: pw})
	s.mustAuthenticate(t, cred{"elastic", pw})
	s.mustNotAuthenticate(t, cred{"elastic", pw + "x"})
	if code := s.stop(t); code != 0 {
		t.Fatalf("exit code %d after SIGTERM", code)
	}
	if out := s.output(); out != "" {
		t.Errorf("stdout is not empty:\n%s", out)
	}
}

// TestStartupErrors checks that bad settings stop the process at once with
// Elasticsearch's messages.
func TestStartupErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		opt      options
		contains string
	}{
		{
			name:     "unknown setting",
			opt:      options{password: "e2e-unused-1", args: []string{"-E", "foo.bar=1"}},
			contains: "unknown setting [foo.bar]",
		},
		{
			name: "unknown hashing algorithm",
			opt: options{password: "e2e-unused-2", defaultHashing: true,
				args: []string{"-E", "xpack.security.authc.password_hashing.algorithm=sha1"}},
			contains: "Invalid algorithm: sha1. Valid values for password hashing are [bcrypt,",
		},
		{
			name:     "ELASTIC_PASSWORD too short",
			opt:      options{password: "Qz!5x"},
			contains: "ELASTIC_PASSWORD",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := launch(t, tt.opt)
			code, exited := s.wait(exitTimeout)
			if !exited {
				s.kill(t)
				t.Fatalf("still running after %v; stderr:\n%s", exitTimeout, s.logs())
			}
			if code == 0 {
				t.Errorf("exit code 0, want non-zero")
			}
			if !strings.Contains(s.logs(), tt.contains) {
				t.Errorf("stderr does not contain %q:\n%s", tt.contains, s.logs())
			}
			if strings.Contains(s.logs(), "esauth started") {
				t.Errorf("the server started:\n%s", s.logs())
			}
		})
	}
}

// TestDataDirectoryInUse checks that a second node on a running node's
// path.data refuses to start and leaves the first one serving.
func TestDataDirectoryInUse(t *testing.T) {
	t.Parallel()
	pw := newPassword("elastic")
	first := startServer(t, options{password: pw})
	second := launch(t, options{dataDir: first.dataDir, password: pw})
	code, exited := second.wait(exitTimeout)
	if !exited {
		second.kill(t)
		t.Fatalf("the second node still runs after %v; stderr:\n%s", exitTimeout, second.logs())
	}
	if code == 0 || !strings.Contains(second.logs(), "in use") {
		t.Errorf("the second node: exit code %d, stderr:\n%s\nwant non-zero and the store in use", code, second.logs())
	}
	first.mustAuthenticate(t, cred{"elastic", pw})
}

// TestConfigFile checks that --config reads an elasticsearch.yml with
// nested keys and that -E overrides it.
func TestConfigFile(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "elasticsearch.yml")
	yml := "http:\n  port: 0\ncluster:\n  name: from-file\nnode.name: file-node\n" +
		"xpack:\n  security:\n    authc:\n      password_hashing:\n        algorithm: bcrypt4\n"
	if err := os.WriteFile(file, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	pw := newPassword("config")
	elastic := cred{"elastic", pw}
	tests := []struct {
		name              string
		args              []string
		cluster, nodeName string
	}{
		{"file", nil, "from-file", "file-node"},
		{"-E overrides", []string{"-E", "cluster.name=from-flag"}, "from-flag", "file-node"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"--config", file, "-E", "path.data=" + t.TempDir()}, tt.args...)
			s := startServer(t, options{password: pw, ownArgs: true, args: args})
			got := s.info(t, elastic)
			if got.ClusterName != tt.cluster || got.Name != tt.nodeName {
				t.Errorf("GET / shows cluster_name %q, name %q; want %q, %q", got.ClusterName, got.Name, tt.cluster, tt.nodeName)
			}
			var health struct {
				ClusterName string `json:"cluster_name"`
			}
			s.mustJSON(t, elastic, "GET", "/_cluster/health", "", http.StatusOK, &health)
			if health.ClusterName != tt.cluster {
				t.Errorf("GET /_cluster/health shows cluster_name %q, want %q", health.ClusterName, tt.cluster)
			}
		})
	}
}
