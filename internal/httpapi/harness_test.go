package httpapi

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/authz"
	"github.com/esauth/esauth/internal/config"
	"github.com/esauth/esauth/internal/nativeusers"
	"github.com/esauth/esauth/internal/passhash"
	"github.com/esauth/esauth/internal/realm"
	"github.com/esauth/esauth/internal/roles"
	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/store/boltstore"
	"github.com/esauth/esauth/internal/user"
)

// The elastic user's password in every test server.
const elasticPW = "elastic-secret"

// testServer is a real API over a real bbolt file, hashing with bcrypt
// cost 4 so tests stay fast.
type testServer struct {
	*httptest.Server
	api *API
	log *strings.Builder
}

func newTestServer(t testing.TB) *testServer {
	t.Helper()
	return newTestServerOver(t, func(db store.Store) store.Store { return db })
}

// newTestServerOver builds the server over wrap(a real bbolt store).
func newTestServerOver(t testing.TB, wrap func(store.Store) store.Store) *testServer {
	t.Helper()
	bolt, err := boltstore.Open(filepath.Join(t.TempDir(), "esauth.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bolt.Close() })
	db := wrap(bolt)
	users := nativeusers.New(db)
	h, err := passhash.Resolve("bcrypt4")
	if err != nil {
		t.Fatal(err)
	}
	fake, err := h.FakeHash()
	if err != nil {
		t.Fatal(err)
	}
	hash, err := h.Hash(elasticPW)
	if err != nil {
		t.Fatal(err)
	}
	if err := users.ChangeReservedPassword(context.Background(), user.Elastic, hash); err != nil {
		t.Fatal(err)
	}
	index := nativeusers.NewIndex(users)
	users.Changed = func(name string) { _ = index.Refresh(context.Background(), name) }
	roleStore := roles.NewStore(db)
	roleSource := authz.NewSource(nil, roleStore)
	roleStore.Changed = roleSource.Invalidate
	logs := &strings.Builder{}
	api := &API{
		Node:             Node{Name: "node-1", ClusterName: "test-cluster", ClusterUUID: "uuid-123"},
		Users:            users,
		UserIndex:        index,
		Realms:           realm.Chain{Realms: []realm.Realm{realm.NewReserved(users, fake), realm.NewNative(realm.DefaultNativeRef, users)}, FakeHash: fake},
		Authz:            authz.New(roleSource),
		RoleStore:        roleStore,
		RoleCache:        roleSource,
		Hasher:           h,
		ReservedRealm:    true,
		Anonymous:        config.Anonymous{Username: "_anonymous", AuthzException: true},
		MaxContentLength: 1 << 20,
		Log:              slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	return &testServer{Server: srv, api: api, log: logs}
}

// reply is what a test request got back.
type reply struct {
	status int
	header http.Header
	body   string
}

// call sends one request; auth is "user:password" or "" for none.
func (s *testServer) call(t testing.TB, method, path, auth, body string) reply {
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
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(auth)))
	}
	return s.do(t, req)
}

func (s *testServer) do(t testing.TB, req *http.Request) reply {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// admin is the elastic superuser's credentials.
const admin = "elastic:" + elasticPW

// mustCall sends a request and fails unless the status is want.
func (s *testServer) mustCall(t testing.TB, want int, method, path, auth, body string) string {
	t.Helper()
	r := s.call(t, method, path, auth, body)
	if r.status != want {
		t.Fatalf("%s %s: status %d, want %d; body %s", method, path, r.status, want, r.body)
	}
	return r.body
}

// esError renders Elasticsearch's error body for one exception.
func esError(typ, reason string, status int) string {
	e := `{"type":` + quote(typ) + `,"reason":` + quote(reason) + `}`
	return `{"error":{"root_cause":[` + e + `],` + e[1:len(e)-1] + `},"status":` + itoa(status) + `}`
}

func quote(s string) string { b, _ := marshal(s); return string(b) }

func itoa(n int) string { b, _ := marshal(n); return string(b) }

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
