package servertest

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/esauth/esauth/internal/config"
	"github.com/esauth/esauth/internal/pipeline"
	"github.com/esauth/esauth/internal/server"
	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/xcontent"
)

// The elastic user's password on every test node, and its credentials.
const (
	ElasticPassword = "elastic-secret"
	Admin           = "elastic:" + ElasticPassword
)

// Options vary a test node.
type Options struct {
	// Settings are name=value overrides, as -E takes them.
	Settings []string
	// Files are written into the config directory before the node starts
	// (users, users_roles, roles.yml), by name.
	Files map[string]string
	// WrapStore and Routes are server.Options' test hooks.
	WrapStore func(store.Store) store.Store
	Routes    func([]pipeline.Route) []pipeline.Route
}

// Server is a running node.
type Server struct {
	*httptest.Server
	Node *server.Node
	// ConfDir is the node's config directory, DataDir its path.data and
	// LogsDir its path.logs (where the audit log goes).
	ConfDir, DataDir, LogsDir string
	logs                      *syncBuffer
}

// Start runs a node with the settings overrides; it stops with the test.
func Start(t testing.TB, settings ...string) *Server {
	t.Helper()
	return StartWith(t, Options{Settings: settings})
}

// StartWith runs a node as opt says; it stops with the test. Passwords are
// hashed with bcrypt cost 4 so that tests stay fast, unless the settings
// choose another algorithm.
func StartWith(t testing.TB, opt Options) *Server {
	t.Helper()
	s := &Server{ConfDir: t.TempDir(), DataDir: t.TempDir(), LogsDir: t.TempDir(), logs: &syncBuffer{}}
	for name, content := range opt.Files {
		if err := os.WriteFile(filepath.Join(s.ConfDir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	base := []string{"path.data=" + s.DataDir, "path.conf=" + s.ConfDir, "path.logs=" + s.LogsDir}
	const hashing = "xpack.security.authc.password_hashing.algorithm="
	if !slices.ContainsFunc(opt.Settings, func(kv string) bool { return strings.HasPrefix(kv, hashing) }) {
		base = append(base, hashing+"bcrypt4")
	}
	settings, err := config.Load("", append(base, opt.Settings...), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := settings.Config()
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(s.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	n, err := server.New(context.Background(), server.Options{Config: cfg, Log: log, Stdout: io.Discard,
		Getenv:    func(k string) string { return map[string]string{"ELASTIC_PASSWORD": ElasticPassword}[k] },
		WrapStore: opt.WrapStore, Routes: opt.Routes})
	if err != nil {
		t.Fatal(err)
	}
	s.Node = n
	s.Server = httptest.NewServer(n.Handler())
	t.Cleanup(func() {
		s.Server.Close()
		if err := n.Close(); err != nil {
			t.Errorf("closing the node: %v", err)
		}
	})
	return s
}

// Logs is what the node logged so far.
func (s *Server) Logs() string { return s.logs.String() }

// Reply is what a test request got back.
type Reply struct {
	Status int
	Header http.Header
	Body   string
}

// Call sends one request; auth is "user:password" or "" for none, and a
// non-empty body is sent as JSON.
func (s *Server) Call(t testing.TB, method, path, auth, body string) Reply {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", "Basic "+B64(auth))
	}
	return s.Do(t, req)
}

// Do sends req and reads the whole answer.
func (s *Server) Do(t testing.TB, req *http.Request) Reply {
	t.Helper()
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return Reply{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
}

// MustCall sends a request and fails the test unless the status is want.
func (s *Server) MustCall(t testing.TB, want int, method, path, auth, body string) string {
	t.Helper()
	r := s.Call(t, method, path, auth, body)
	if r.Status != want {
		t.Fatalf("%s %s: status %d, want %d; body %s", method, path, r.Status, want, r.Body)
	}
	return r.Body
}

// ESError renders Elasticsearch's error body for one exception.
func ESError(typ, reason string, status int) string {
	e := `{"type":` + quote(typ) + `,"reason":` + quote(reason) + `}`
	return `{"error":{"root_cause":[` + e + `],` + e[1:len(e)-1] + `},"status":` + strconv.Itoa(status) + `}`
}

func quote(s string) string { b, _ := xcontent.Marshal(s); return string(b) }

// B64 is standard base64, as Basic credentials are encoded.
func B64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// syncBuffer is a log sink safe for the node's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
