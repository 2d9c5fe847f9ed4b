package cli

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binary is the esauth command, built once for the package: the commands
// are tested as operators run them.
var binary string

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "esauth-cli-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "cli:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	binary = filepath.Join(dir, "esauth")
	// Never with -race, even when the tests run with it: a race-enabled
	// esauth takes about a second to start here, against 20 ms, and these
	// tests start it some 150 times. The tools' only concurrency (reads
	// abandoned on a signal) is tested in-process, under the detector.
	args := []string{"build", "-o", binary}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", append(args, "github.com/esauth/esauth/cmd/esauth")...)
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "cli: building esauth: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// Time limits of the helpers.
const (
	commandTimeout = 60 * time.Second // one tool run (race builds are slow)
	startTimeout   = 20 * time.Second // until the server logs "esauth started"
	stopTimeout    = 10 * time.Second // SIGTERM to exit, before SIGKILL
)

// result is what one run of the binary produced.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

// hashPattern finds password hashes of the formats esauth writes; no
// output but esauth hash's may contain one.
var hashPattern = regexp.MustCompile(`\$2[aby]\$\d\d\$|\{PBKDF2(_STRETCH)?\}`)

// home is one installation: a configuration directory and path.data,
// with fast hashing. Every password a test uses is registered with secret
// so that every output can be checked for it.
type home struct {
	conf, data string
	mu         sync.Mutex
	secrets    []string
}

func newHome(t *testing.T) *home {
	t.Helper()
	return &home{conf: t.TempDir(), data: t.TempDir()}
}

// secret registers s as a string no output may contain, and returns it.
func (h *home) secret(s string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.secrets = append(h.secrets, s)
	return s
}

// settings are the -E arguments that point a command at this home.
func (h *home) settings(extra ...string) []string {
	args := []string{"-E", "path.conf=" + h.conf, "-E", "path.data=" + h.data,
		"-E", "xpack.security.authc.password_hashing.algorithm=bcrypt4"}
	for _, e := range extra {
		args = append(args, "-E", e)
	}
	return args
}

// run runs esauth with args followed by the home's settings, feeding
// stdin, and checks that neither output holds a secret or a hash.
func (h *home) run(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	r := execute(t, stdin, nil, append(args, h.settings()...)...)
	h.checkClean(t, "stdout", r.stdout)
	h.checkClean(t, "stderr", r.stderr)
	return r
}

// checkClean fails t if out contains a registered secret or a hash.
func (h *home) checkClean(t *testing.T, what, out string) {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range h.secrets {
		if strings.Contains(out, s) {
			t.Errorf("%s contains the secret %q:\n%s", what, s, out)
		}
	}
	if hashPattern.MatchString(out) {
		t.Errorf("%s contains a password hash:\n%s", what, out)
	}
}

// execute runs the binary without checks. env is added to a copy of the
// test's environment without ELASTIC_PASSWORD.
func execute(t *testing.T, stdin string, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append(baseEnv(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String(), code: cmd.ProcessState.ExitCode()}
	if err != nil && r.code < 0 {
		t.Fatalf("esauth %s: %v\n%s", strings.Join(args, " "), err, r)
	}
	return r
}

func baseEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ELASTIC_PASSWORD=") {
			env = append(env, kv)
		}
	}
	return env
}

// expect checks the exit code and both outputs exactly.
func expect(t *testing.T, r result, code int, stdout, stderr string) {
	t.Helper()
	if r.code != code || r.stdout != stdout || r.stderr != stderr {
		t.Errorf("got %s\nwant exit %d\nstdout:\n%s\nstderr:\n%s", r, code, stdout, stderr)
	}
}

// expectError checks a failure: the exit code and Elasticsearch's error
// line, alone on stderr except after a usage error, which prints the
// usage first.
func expectError(t *testing.T, r result, code int, msg string) {
	t.Helper()
	line := fmt.Sprintf("ERROR: %s, with exit code %d\n", msg, code)
	if r.code != code || r.stdout != "" || !strings.HasSuffix(r.stderr, line) {
		t.Errorf("got %s\nwant exit %d and stderr ending with\n%s", r, code, line)
	}
	if code == exitUsage {
		if !strings.HasPrefix(r.stderr, "Usage: esauth") && !strings.Contains(r.stderr, "\nUsage: esauth") {
			t.Errorf("a usage error should print the usage first:\n%s", r.stderr)
		}
	} else if r.stderr != line {
		t.Errorf("stderr has more than the error line:\n%s", r.stderr)
	}
}

// readFile returns a file of the configuration directory ("" if missing).
func (h *home) readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(h.conf, name))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(b)
}

func (h *home) writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(h.conf, name), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// node is a running esauth server of a home.
type node struct {
	url    string
	cmd    *exec.Cmd
	stderr *syncBuffer
	done   chan struct{}
	// client sends the test's requests; trust sets it for a node
	// serving HTTPS.
	client *http.Client
}

// trust makes the test's requests to the node trust the CA in caFile.
func (n *node) trust(t *testing.T, caFile string) {
	t.Helper()
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		t.Fatalf("%s holds no certificate", caFile)
	}
	n.client = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
}

// syncBuffer collects a process's output while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var startedPattern = regexp.MustCompile(`msg="esauth started" address=(https?://\S+)`)

// start runs the server of the home (on a free port unless extra sets
// http.port) with ELASTIC_PASSWORD set, and waits until it serves.
func (h *home) start(t *testing.T, elasticPassword string, extra ...string) *node {
	t.Helper()
	args := h.settings(extra...)
	if !slices.ContainsFunc(extra, func(e string) bool { return strings.HasPrefix(e, "http.port=") }) {
		args = append(args, "-E", "http.port=0")
	}
	return h.startArgs(t, elasticPassword, args...)
}

// startArgs runs the server with exactly args. It is stopped when the test
// ends, and its log is checked for the home's secrets then.
func (h *home) startArgs(t *testing.T, elasticPassword string, args ...string) *node {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(baseEnv(), "ELASTIC_PASSWORD="+elasticPassword)
	n := &node{cmd: cmd, stderr: &syncBuffer{}, done: make(chan struct{}), client: &http.Client{Timeout: 10 * time.Second}}
	cmd.Stdout, cmd.Stderr = n.stderr, n.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = cmd.Wait()
		close(n.done)
	}()
	t.Cleanup(func() {
		n.stop(t)
		h.checkClean(t, "the server log", n.stderr.String())
	})
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		if m := startedPattern.FindStringSubmatch(n.stderr.String()); m != nil {
			n.url = m[1]
			if strings.HasPrefix(n.url, "https://") {
				// Certificates come from certutil http's default place.
				n.trust(t, filepath.Join(h.conf, "certs", "ca.crt"))
			}
			return n
		}
		select {
		case <-n.done:
			t.Fatalf("the server exited:\n%s", n.stderr)
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("the server did not start within %v:\n%s", startTimeout, n.stderr)
	return nil
}

// stop ends the server with SIGTERM, as an operator would, so that the
// store's lock is released.
func (n *node) stop(t *testing.T) {
	t.Helper()
	select {
	case <-n.done:
		return
	default:
	}
	_ = n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.done:
	case <-time.After(stopTimeout):
		_ = n.cmd.Process.Kill()
		<-n.done
		t.Errorf("the server did not stop within %v", stopTimeout)
	}
}

// authenticate calls GET /_security/_authenticate as name and returns the
// status and the realm type that authenticated the user.
func (n *node) authenticate(t *testing.T, name, password string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, n.url+"/_security/_authenticate", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(name, password)
	res, err := n.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		Realm struct {
			Type string `json:"type"`
		} `json:"authentication_realm"`
	}
	_ = json.NewDecoder(res.Body).Decode(&body)
	return res.StatusCode, body.Realm.Type
}

// expectLogin checks that name logs in with password through realmType.
func (n *node) expectLogin(t *testing.T, name, password, realmType string) {
	t.Helper()
	status, typ := n.authenticate(t, name, password)
	if status != http.StatusOK || typ != realmType {
		t.Errorf("authenticating as %s: status %d, realm type %q; want 200, %q", name, status, typ, realmType)
	}
}

// expectNoLogin checks that the password is refused.
func (n *node) expectNoLogin(t *testing.T, name, password string) {
	t.Helper()
	if status, _ := n.authenticate(t, name, password); status != http.StatusUnauthorized {
		t.Errorf("authenticating as %s with a wrong password: status %d, want 401", name, status)
	}
}

func writeString(path, content string) error {
	return os.WriteFile(path, []byte(content), 0o600)
}

// request sends one request to the node, with a JSON body if body is not
// empty, and returns the status and the body.
func (n *node) request(t *testing.T, method, path, name, password, body string) (int, string) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, n.url+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.SetBasicAuth(name, password)
	res, err := n.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

// waitExit waits for a started command and returns its exit code.
func waitExit(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(commandTimeout):
		_ = cmd.Process.Kill()
		<-done
		t.Fatal("esauth did not exit")
	}
	return cmd.ProcessState.ExitCode()
}
