package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Time limits of the server helper.
const (
	startTimeout = 20 * time.Second // until "esauth started" (race builds are slow)
	stopTimeout  = 10 * time.Second // SIGTERM to exit, before SIGKILL
	exitTimeout  = 10 * time.Second // a process that should exit by itself
)

// options says how to run one esauth process.
type options struct {
	// dataDir is path.data; empty means a new t.TempDir().
	dataDir string
	// password is ELASTIC_PASSWORD; empty leaves it unset.
	password string
	// defaultHashing keeps the default algorithm (bcrypt cost 10) instead
	// of the fast bcrypt4 the other tests use.
	defaultHashing bool
	// args come after the default -E settings.
	args []string
	// ownArgs replaces every default argument: the caller passes them all.
	ownArgs bool
}

// server is one esauth subprocess. Its stdout and stderr are read into
// buffers for as long as it runs, so the pipes never fill.
type server struct {
	name    string
	dataDir string
	cmd     *exec.Cmd
	stdout  *syncBuffer
	stderr  *syncBuffer
	done    chan struct{} // closed once the process has exited
	// url is the base URL, http://127.0.0.1:PORT, once started.
	url string
}

var serverCount atomic.Int64

// startServer runs esauth and waits until it serves. The server is
// stopped, and its logs checked for secrets, when the test ends.
func startServer(t *testing.T, opt options) *server {
	t.Helper()
	s := launch(t, opt)
	if err := s.waitStarted(); err != nil {
		s.kill(t)
		t.Fatalf("%s: %v\nstderr:\n%s", s.name, err, s.logs())
	}
	return s
}

// launch starts esauth without waiting for it to serve.
func launch(t *testing.T, opt options) *server {
	t.Helper()
	if opt.dataDir == "" {
		opt.dataDir = t.TempDir()
	}
	var args []string
	if !opt.ownArgs {
		args = []string{"-E", "http.port=0", "-E", "path.data=" + opt.dataDir, "-E", "node.name=e2e"}
		if !opt.defaultHashing {
			args = append(args, "-E", "xpack.security.authc.password_hashing.algorithm=bcrypt4")
		}
	}
	args = append(args, opt.args...)
	s := &server{
		name:    fmt.Sprintf("%s/esauth#%d", t.Name(), serverCount.Add(1)),
		dataDir: opt.dataDir,
		cmd:     exec.Command(binary, args...),
		stdout:  newSyncBuffer(),
		stderr:  newSyncBuffer(),
		done:    make(chan struct{}),
	}
	env := make([]string, 0, len(os.Environ())+1)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ELASTIC_PASSWORD=") {
			env = append(env, kv)
		}
	}
	if opt.password != "" {
		env = append(env, "ELASTIC_PASSWORD="+secret(opt.password))
	}
	s.cmd.Env = env
	s.cmd.Stdout = s.stdout
	s.cmd.Stderr = s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("starting esauth: %v", err)
	}
	go func() {
		_ = s.cmd.Wait()
		close(s.done)
	}()
	secrets.Lock()
	secrets.servers = append(secrets.servers, s)
	secrets.Unlock()
	t.Cleanup(func() {
		if s.running() {
			s.stop(t)
		}
		checkNoLeaks(t, s)
	})
	return s
}

var startedLine = regexp.MustCompile(`msg="esauth started" address=(https?://127\.0\.0\.1:\d+) `)

// waitStarted waits for the "esauth started" log line and reads the
// address from it.
func (s *server) waitStarted() error {
	deadline := time.NewTimer(startTimeout)
	defer deadline.Stop()
	for {
		if m := startedLine.FindStringSubmatch(s.stderr.String()); m != nil {
			s.url = m[1]
			return nil
		}
		select {
		case <-s.stderr.changed:
		case <-s.done:
			if m := startedLine.FindStringSubmatch(s.stderr.String()); m != nil {
				return fmt.Errorf("exited (code %d) right after starting", s.exitCode())
			}
			return fmt.Errorf("exited with code %d before serving", s.exitCode())
		case <-deadline.C:
			return fmt.Errorf("not started within %v", startTimeout)
		}
	}
}

// logs returns everything the server wrote to stderr so far.
func (s *server) logs() string { return s.stderr.String() }

// output returns everything the server wrote to stdout so far.
func (s *server) output() string { return s.stdout.String() }

func (s *server) running() bool {
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// exitCode is the process's exit code, -1 when a signal ended it. Only
// meaningful once done is closed.
func (s *server) exitCode() int { return s.cmd.ProcessState.ExitCode() }

// wait waits up to d for the process to exit by itself.
func (s *server) wait(d time.Duration) (code int, exited bool) {
	select {
	case <-s.done:
		return s.exitCode(), true
	case <-time.After(d):
		return 0, false
	}
}

// terminate sends SIGTERM without waiting.
func (s *server) terminate(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("%s: SIGTERM: %v", s.name, err)
	}
}

// stop sends SIGTERM and waits for the exit, killing the process if it
// takes longer than stopTimeout. It returns the exit code.
func (s *server) stop(t *testing.T) int {
	t.Helper()
	s.terminate(t)
	if code, ok := s.wait(stopTimeout); ok {
		return code
	}
	t.Errorf("%s: still running %v after SIGTERM; killing it", s.name, stopTimeout)
	s.kill(t)
	return s.exitCode()
}

// kill sends SIGKILL and waits for the process to be gone.
func (s *server) kill(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("%s: SIGKILL: %v", s.name, err)
	}
	if _, ok := s.wait(stopTimeout); !ok {
		t.Errorf("%s: still running %v after SIGKILL", s.name, stopTimeout)
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and many readers, with
// a channel that is signalled after writes.
type syncBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{changed: make(chan struct{}, 1)} }

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	n, err := b.buf.Write(p)
	b.mu.Unlock()
	select {
	case b.changed <- struct{}{}:
	default:
	}
	return n, err
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
