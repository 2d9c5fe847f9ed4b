package server

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/config"
)

// node is a running server for a test.
type node struct {
	url  string
	conf string // the config directory (file realm files)
	stop func()
}

// startNode runs a node on a free port with bcrypt cost 4, elastic's
// password "elastic-pw", and settings overrides; it stops with the test.
func startNode(t *testing.T, overrides ...string) node {
	t.Helper()
	return startNodeWith(t, nodeOptions{overrides: overrides, elasticPassword: "elastic-pw"})
}

// nodeOptions vary a test node: settings, ELASTIC_PASSWORD ("" for none)
// and where its one-time password message goes.
type nodeOptions struct {
	overrides       []string
	elasticPassword string
	stdout          io.Writer
	// metricsReady, when set, learns the metrics listener's address.
	metricsReady func(net.Addr)
	// conf is the configuration directory; a new one when empty.
	conf string
	// data is path.data; a new one when empty.
	data string
}

func startNodeWith(t *testing.T, opt nodeOptions) node {
	t.Helper()
	overrides, stdout := opt.overrides, opt.stdout
	if stdout == nil {
		stdout = io.Discard
	}
	conf := opt.conf
	if conf == "" {
		conf = t.TempDir()
	}
	data := opt.data
	if data == "" {
		data = t.TempDir()
	}
	base := []string{"http.port=0", "path.data=" + data, "path.conf=" + conf,
		"xpack.security.authc.password_hashing.algorithm=bcrypt4"}
	s, err := config.Load("", append(base, overrides...), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := s.Config()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{Config: cfg, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Stdout: stdout,
			Getenv: func(string) string { return opt.elasticPassword }, Ready: func(a net.Addr) { ready <- a },
			MetricsReady: opt.metricsReady})
	}()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("node stopped with %v", err)
			}
		})
	}
	t.Cleanup(stop)
	select {
	case a := <-ready:
		return node{url: "http://" + a.String(), conf: conf, stop: stop}
	case err := <-done:
		t.Fatalf("node did not start: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("node did not start within 10 s")
	}
	return node{}
}

// runOnce starts a node with overrides and returns its start-up error,
// stopping it at once if it did start.
func runOnce(t *testing.T, overrides ...string) error {
	t.Helper()
	base := []string{"http.port=0", "path.data=" + t.TempDir(), "path.conf=" + t.TempDir()}
	s, err := config.Load("", append(base, overrides...), func(string) (string, bool) { return "", false })
	if err != nil {
		return err
	}
	cfg, err := s.Config()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	return Run(ctx, Options{Config: cfg, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Stdout: io.Discard,
		Getenv: func(string) string { return "elastic-pw" }, Ready: func(net.Addr) { cancel() }})
}

func (n node) status(t *testing.T, method, path, auth, body string) int {
	t.Helper()
	code, _ := n.call(t, method, path, auth, body)
	return code
}

// call returns the status and body of one request.
func (n node) call(t *testing.T, method, path, auth, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, n.url+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(auth)))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (n node) expect(t *testing.T, want int, method, path, auth, body string) {
	t.Helper()
	if got := n.status(t, method, path, auth, body); got != want {
		t.Fatalf("%s %s as %q: %d, want %d", method, path, auth, got, want)
	}
}

const admin = "elastic:elastic-pw"

// TestWritesEvictCachedCredentials checks that every write to a user takes
// effect on the very next request although its credentials are cached.
func TestWritesEvictCachedCredentials(t *testing.T) {
	n := startNode(t)
	n.expect(t, 200, "PUT", "/_security/user/joe", admin, `{"password":"joe-pw-1","roles":["superuser"]}`)
	n.expect(t, 200, "GET", "/_security/_authenticate", "joe:joe-pw-1", "") // now cached
	n.expect(t, 200, "POST", "/_security/user/joe/_password", admin, `{"password":"joe-pw-2"}`)
	n.expect(t, 401, "GET", "/_security/_authenticate", "joe:joe-pw-1", "")
	n.expect(t, 200, "GET", "/_security/_authenticate", "joe:joe-pw-2", "")
	n.expect(t, 200, "PUT", "/_security/user/joe/_disable", admin, "")
	n.expect(t, 401, "GET", "/_security/_authenticate", "joe:joe-pw-2", "")
	n.expect(t, 200, "PUT", "/_security/user/joe/_enable", admin, "")
	n.expect(t, 200, "GET", "/_security/_authenticate", "joe:joe-pw-2", "")
	n.expect(t, 200, "PUT", "/_security/user/joe", admin, `{"password":"joe-pw-3","roles":[]}`)
	n.expect(t, 401, "GET", "/_security/_authenticate", "joe:joe-pw-2", "")
	n.expect(t, 200, "GET", "/_security/_authenticate", "joe:joe-pw-3", "")
	// Roles come from the cache too, so a role change must evict as well.
	n.expect(t, 403, "GET", "/_cluster/health", "joe:joe-pw-3", "")
	n.expect(t, 200, "PUT", "/_security/user/joe", admin, `{"roles":["superuser"]}`)
	n.expect(t, 200, "GET", "/_cluster/health", "joe:joe-pw-3", "")
	n.expect(t, 200, "DELETE", "/_security/user/joe", admin, "")
	n.expect(t, 401, "GET", "/_security/_authenticate", "joe:joe-pw-3", "")
	// Built-in users are cached and evicted the same way.
	n.expect(t, 200, "GET", "/_security/_authenticate", admin, "")
	n.expect(t, 200, "POST", "/_security/user/_password", admin, `{"password":"elastic-pw-2"}`)
	n.expect(t, 401, "GET", "/_security/_authenticate", admin, "")
	n.expect(t, 200, "GET", "/_security/_authenticate", "elastic:elastic-pw-2", "")
}

// TestFileRealmThroughTheServer checks the default chain: a file user logs
// in with its roles, and edits of the files apply without a restart.
func TestFileRealmThroughTheServer(t *testing.T) {
	// The polls below fail on purpose until the file is read; lockout
	// would block filejoe after five of them.
	n := startNode(t, "esauth.security.lockout.enabled=false")
	// {SHA} of "test123" and bcrypt of "test123", from the hash vectors.
	write := func(name, content string) {
		tmp := filepath.Join(n.conf, name+".tmp")
		if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(n.conf, name)); err != nil {
			t.Fatal(err)
		}
	}
	write("users", "filejoe:{SHA}cojt0Pw//L6ToM8G41aOKFIWh7w=\n")
	write("users_roles", "superuser:filejoe\n")
	waitFor(t, func() bool { return n.status(t, "GET", "/_cluster/health", "filejoe:test123", "") == 200 })
	_, who := n.call(t, "GET", "/_security/_authenticate", "filejoe:test123", "")
	if want := `{"username":"filejoe","roles":["superuser"],"full_name":null,"email":null,"metadata":{},"enabled":true,` +
		`"authentication_realm":{"name":"default_file","type":"file"},"lookup_realm":{"name":"default_file","type":"file"},"authentication_type":"realm"}`; who != want {
		t.Errorf("file user _authenticate:\n got %s\nwant %s", who, want)
	}
	// The user API cannot manage file users.
	n.expect(t, 400, "POST", "/_security/user/filejoe/_password", admin, `{"password":"changed"}`)
	// A changed password in the file replaces the cached credentials.
	write("users", "filejoe:other-plain-password\n")
	waitFor(t, func() bool { return n.status(t, "GET", "/_cluster/health", "filejoe:test123", "") == 401 })
	n.expect(t, 200, "GET", "/_cluster/health", "filejoe:other-plain-password", "")
	// Removing the role takes it away.
	write("users_roles", "")
	waitFor(t, func() bool { return n.status(t, "GET", "/_cluster/health", "filejoe:other-plain-password", "") == 403 })
}

// waitFor polls cond until it holds, for at most the file realm's 5 s bound.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestDisabledFileRealm checks that a disabled file realm ignores the
// users file. The file is in place before the nodes start, and an enabled
// file realm reads it as it starts: the node with the realm enabled
// accepts the user at once, which shows the file valid and read, and the
// node with it disabled, sharing the directory, refuses the same user.
func TestDisabledFileRealm(t *testing.T) {
	conf := t.TempDir()
	if err := os.WriteFile(filepath.Join(conf, "users"), []byte("filejoe:test123x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	enabled := startNodeWith(t, nodeOptions{conf: conf, elasticPassword: "elastic-pw"})
	enabled.expect(t, 200, "GET", "/_security/_authenticate", "filejoe:test123x", "")
	disabled := startNodeWith(t, nodeOptions{conf: conf, elasticPassword: "elastic-pw",
		overrides: []string{"xpack.security.authc.realms.file.file1.enabled=false"}})
	disabled.expect(t, 401, "GET", "/_security/_authenticate", "filejoe:test123x", "")
	disabled.expect(t, 200, "GET", "/_security/_authenticate", admin, "")
}

// TestRolesFile checks roles.yml: its roles grant privileges and edits
// apply without a restart; the roles API cannot see or change them.
func TestRolesFile(t *testing.T) {
	n := startNode(t)
	write := func(content string) {
		tmp := filepath.Join(n.conf, "roles.yml.tmp")
		if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(n.conf, "roles.yml")); err != nil {
			t.Fatal(err)
		}
	}
	n.expect(t, 200, "PUT", "/_security/user/joe", admin, `{"password":"joe-secret","roles":["health_checker"]}`)
	n.expect(t, 403, "GET", "/_cluster/health", "joe:joe-secret", "")
	write("health_checker:\n  cluster: [ 'monitor' ]\n")
	waitFor(t, func() bool { return n.status(t, "GET", "/_cluster/health", "joe:joe-secret", "") == 200 })
	n.expect(t, 404, "GET", "/_security/role/health_checker", admin, "")
	write("health_checker:\n  cluster: [ 'none' ]\n")
	waitFor(t, func() bool { return n.status(t, "GET", "/_cluster/health", "joe:joe-secret", "") == 403 })
}
