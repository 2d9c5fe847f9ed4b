package cli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/passhash"
	"github.com/esauth/esauth/internal/serviceaccount"
	"github.com/esauth/esauth/internal/store/boltstore"
)

const allPrincipals = "elastic/fleet-server,elastic/fleet-server-remote,elastic/auto-ops,elastic/kibana,elastic/enterprise-search-server"

var serviceTokenLine = regexp.MustCompile(`^SERVICE_TOKEN (\S+) = (AAEAA[A-Za-z0-9+/]+)\n$`)

// createToken runs "service-tokens create" and returns the printed token.
func (h *home) createToken(t *testing.T, principal, name string, extra ...string) string {
	t.Helper()
	r := execute(t, "", nil, append(append([]string{"service-tokens", "create", principal, name}, h.settings()...), extra...)...)
	h.checkClean(t, "stdout", r.stdout)
	h.checkClean(t, "stderr", r.stderr)
	m := serviceTokenLine.FindStringSubmatch(r.stdout)
	if r.code != 0 || r.stderr != "" || m == nil || m[1] != principal+"/"+name {
		t.Fatalf("create %s %s: %s", principal, name, r)
	}
	return m[2]
}

// service is what a node reads from the home's configuration directory.
func (h *home) service(t *testing.T) *serviceaccount.Service {
	t.Helper()
	db, err := boltstore.Open(filepath.Join(t.TempDir(), "esauth.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s, err := serviceaccount.New(h.conf, db, serviceaccount.Options{Cache: serviceaccount.DefaultCache})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// authenticates reports how a node authenticates a token: "file:<name>",
// or the refusal.
func authenticates(s *serviceaccount.Service, token string) string {
	p, err := s.Authenticate(context.Background(), token)
	if err != nil {
		return err.Error()
	}
	return string(p.Source) + ":" + p.Account.Principal() + "/" + p.TokenName
}

func TestServiceTokensCreate(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	token := h.createToken(t, "elastic/fleet-server", "my-token")
	file := h.readFile(t, "service_tokens")
	key, hash, ok := strings.Cut(strings.TrimSuffix(file, "\n"), ":")
	if !ok || key != "elastic/fleet-server/my-token" || !strings.HasPrefix(hash, "{PBKDF2_STRETCH}10000$") || strings.Count(file, "\n") != 1 {
		t.Fatalf("service_tokens = %q; want one pbkdf2_stretch line", file)
	}
	tok, err := serviceaccount.ParseBearer(token)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := passhash.Verify(tok.Secret(), hash); !ok || err != nil || strings.Contains(file, tok.Secret()) {
		t.Errorf("the file does not hold the secret's hash, or holds the secret: %v %v", ok, err)
	}
	if fi, err := os.Stat(filepath.Join(h.conf, "service_tokens")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode: %v %v", fi.Mode(), err)
	}
	// The node reads what the tool wrote.
	if got := authenticates(h.service(t), token); got != "file:elastic/fleet-server/my-token" {
		t.Errorf("node: %s", got)
	}

	// The configured algorithm; another account; options after the arguments.
	kibana := h.createToken(t, "elastic/kibana", "k1", "-E", "xpack.security.authc.service_token_hashing.algorithm=bcrypt4")
	if !strings.Contains(h.readFile(t, "service_tokens"), "elastic/kibana/k1:$2a$04$") {
		t.Errorf("not bcrypt4:\n%s", h.readFile(t, "service_tokens"))
	}
	s := h.service(t)
	if got := authenticates(s, kibana); got != "file:elastic/kibana/k1" {
		t.Errorf("node: %s", got)
	}
	if got := authenticates(s, token); got != "file:elastic/fleet-server/my-token" {
		t.Errorf("the first token after the second was added: %s", got)
	}

	expectError(t, h.run(t, "", "service-tokens", "create", "elastic/fleet-server", "my-token"), exitCodeError,
		"Service token [elastic/fleet-server/my-token] already exists")
	expectError(t, h.run(t, "", "service-tokens", "create", "elastic/foo", "t"), exitNoUser,
		"Unknown service account principal: [elastic/foo]. Must be one of ["+allPrincipals+"]")
	expectError(t, h.run(t, "", "service-tokens", "create", "elastic/fleet-server", "_bad"), exitCodeError,
		"invalid service token name [_bad]. "+serviceaccount.InvalidTokenNameMessage)
	expectError(t, h.run(t, "", "service-tokens", "create"), exitUsage, "Missing service-account-principal and token-name arguments")
	expectError(t, h.run(t, "", "service-tokens", "create", "elastic/fleet-server"), exitUsage, "Missing token-name argument")
	expectError(t, h.run(t, "", "service-tokens", "create", "a", "b", "c"), exitUsage,
		"Expected two arguments, service-account-principal and token-name, found extra: [a,b,c]")
	expectError(t, h.run(t, "", "service-tokens", "create", "elastic/fleet-server", "t", "-E", "xpack.security.authc.service_token_hashing.algorithm=md5"),
		exitConfig, "Invalid algorithm: md5. Valid values for password hashing are "+storedAlgorithms())
	// No failed command changed the file.
	if got := strings.Count(h.readFile(t, "service_tokens"), "\n"); got != 2 {
		t.Errorf("the file has %d lines, want 2", got)
	}
}

func storedAlgorithms() string { return "[" + strings.Join(passhash.StoredAlgorithms(), ", ") + "]" }

func TestServiceTokensListAndDelete(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	a := h.createToken(t, "elastic/kibana", "b")
	h.createToken(t, "elastic/fleet-server", "z")
	h.createToken(t, "elastic/kibana", "a")

	expect(t, h.run(t, "", "service-tokens", "list"), 0, "elastic/fleet-server/z\nelastic/kibana/a\nelastic/kibana/b\n", "")
	expect(t, h.run(t, "", "service-tokens", "list", "elastic/kibana"), 0, "elastic/kibana/a\nelastic/kibana/b\n", "")
	expect(t, h.run(t, "", "service-tokens", "list", "elastic/auto-ops"), 0, "", "")
	expectError(t, h.run(t, "", "service-tokens", "list", "elastic/kib"), exitNoUser,
		"Unknown service account principal: [elastic/kib]. Must be one of ["+allPrincipals+"]")
	expectError(t, h.run(t, "", "service-tokens", "list", "a", "b"), exitUsage,
		"Expected at most one argument, service-account-principal, found extra: [a,b]")

	expect(t, h.run(t, "", "service-tokens", "delete", "elastic/kibana", "b"), 0, "", "")
	expect(t, h.run(t, "", "service-tokens", "list"), 0, "elastic/fleet-server/z\nelastic/kibana/a\n", "")
	if got := authenticates(h.service(t), a); got != "failed to authenticate service account [elastic/kibana] with token name [b]" {
		t.Errorf("deleted token: %s", got)
	}
	expectError(t, h.run(t, "", "service-tokens", "delete", "elastic/kibana", "b"), exitCodeError,
		"Service token [elastic/kibana/b] does not exist")
	expectError(t, h.run(t, "", "service-tokens", "delete", "elastic/nope", "b"), exitNoUser,
		"Unknown service account principal: [elastic/nope]. Must be one of ["+allPrincipals+"]")
	expectError(t, h.run(t, "", "service-tokens", "delete", "elastic/kibana"), exitUsage, "Missing token-name argument")
	// Listing an empty home.
	expect(t, newHome(t).run(t, "", "service-tokens", "list"), 0, "", "")
}

func TestServiceTokensFileProblems(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	path := filepath.Join(h.conf, "service_tokens")
	// A plain-text line is skipped with a warning, and the rewrite drops it.
	h.writeFile(t, "service_tokens", "# tokens\nelastic/kibana/plain:"+h.secret("plain-text-secret")+"\n")
	warning := "Warning: " + path + ":2: skipping plaintext service account token for key [elastic/kibana/plain]: " +
		"the part after ':' must be a hash (create tokens with the service-tokens tool)\n"
	expect(t, h.run(t, "", "service-tokens", "list"), 0, "", warning)
	r := h.run(t, "", "service-tokens", "create", "elastic/kibana", "k")
	if r.code != 0 || r.stderr != warning || !serviceTokenLine.MatchString(r.stdout) {
		t.Errorf("create beside a plain-text line: %s", r)
	}
	if got := h.readFile(t, "service_tokens"); strings.Contains(got, "plain") || strings.Contains(got, "#") {
		t.Errorf("the rewrite kept skipped lines: %q", got)
	}

	// A file that cannot be parsed stops every command and is left alone.
	h.writeFile(t, "service_tokens", "elastic/kibana/k\n")
	for _, args := range [][]string{{"list"}, {"create", "elastic/kibana", "x"}, {"delete", "elastic/kibana", "k"}} {
		expectError(t, h.run(t, "", append([]string{"service-tokens"}, args...)...), exitCodeError,
			"failed to parse service tokens file ["+path+"]: Missing ':' character at line #1")
	}
	// The arguments are checked before the file is read.
	expectError(t, h.run(t, "", "service-tokens", "create", "elastic/kibana", "_x"), exitCodeError,
		"invalid service token name [_x]. "+serviceaccount.InvalidTokenNameMessage)
	if got := h.readFile(t, "service_tokens"); got != "elastic/kibana/k\n" {
		t.Errorf("a failed command rewrote the file: %q", got)
	}

	// No configuration directory.
	h.conf = filepath.Join(h.conf, "nowhere")
	expectError(t, h.run(t, "", "service-tokens", "create", "elastic/kibana", "x"), exitConfig,
		"Configuration directory ["+h.conf+"] is missing")
}

func TestServiceTokensUsage(t *testing.T) {
	t.Parallel()
	r := execute(t, "", nil, "service-tokens", "--help")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "Manages elasticsearch service account file-tokens") || r.stderr != "" {
		t.Errorf("--help: %s", r)
	}
	r = execute(t, "", nil, "service-tokens", "create", "--help")
	if r.code != 0 || !strings.Contains(r.stdout, "Usage: esauth service-tokens create SERVICE_ACCOUNT_PRINCIPAL TOKEN_NAME") {
		t.Errorf("create --help: %s", r)
	}
	expectError(t, execute(t, "", nil, "service-tokens"), exitUsage, "Missing command")
	expectError(t, execute(t, "", nil, "service-tokens", "remove"), exitUsage, "Unknown command [remove]")
}

// TestServiceTokensReachARunningNode: a node watching its configuration
// directory follows the tool's edits without a restart.
func TestServiceTokensReachARunningNode(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	s := h.service(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.WatchFile(ctx, 20*time.Millisecond, nil) }()
	t.Cleanup(func() { cancel(); <-done })

	token := h.createToken(t, "elastic/fleet-server", "live")
	waitUntil(t, "the new token", func() bool { return authenticates(s, token) == "file:elastic/fleet-server/live" })
	expect(t, h.run(t, "", "service-tokens", "delete", "elastic/fleet-server", "live"), 0, "", "")
	waitUntil(t, "the deleted token", func() bool {
		return authenticates(s, token) == "failed to authenticate service account [elastic/fleet-server] with token name [live]"
	})
	var r *serviceaccount.Refused
	if _, err := s.Authenticate(context.Background(), token); !errors.As(err, &r) {
		t.Errorf("not a refusal: %v", err)
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
