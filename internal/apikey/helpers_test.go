package apikey

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/config"
	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/passhash"
	"github.com/esauth/esauth/internal/roles"
	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/store/boltstore"
)

// t0 is an arbitrary start in whole milliseconds, as documents keep them.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// clock is a fake clock tests move by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// countingStore counts reads of API key documents, and can hold one read
// after it has read the record, to line up a race.
type countingStore struct {
	store.Store
	gets atomic.Int64
	// afterGet, if set, runs once, after the next API key read.
	afterGet atomic.Pointer[func()]
}

func (c *countingStore) Get(ctx context.Context, col store.Collection, key string) ([]byte, error) {
	if col != store.APIKeys {
		return c.Store.Get(ctx, col, key)
	}
	c.gets.Add(1)
	val, err := c.Store.Get(ctx, col, key)
	if hook := c.afterGet.Swap(nil); hook != nil {
		(*hook)()
	}
	return val, err
}

// syncBuffer is a log destination tests read while the service writes.
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

type fixture struct {
	t     *testing.T
	db    *countingStore
	clock *clock
	log   *syncBuffer
	cfg   config.APIKeyConfig
	svc   *Service
}

func mustHasher(name string) passhash.Hasher {
	h, err := passhash.Resolve(name)
	if err != nil {
		panic(err)
	}
	return h
}

// defaultConfig is Elasticsearch 8.x's defaults, with a fast stored hash
// unless a test wants pbkdf2.
func defaultConfig() config.APIKeyConfig {
	return config.APIKeyConfig{Enabled: true, Hasher: mustHasher("pbkdf2_1000"), CacheTTL: 24 * time.Hour, CacheMaxKeys: 25000,
		CacheHasher: mustHasher("ssha256"), DocCacheTTL: 5 * time.Minute, RetentionPeriod: 7 * 24 * time.Hour,
		DeleteInterval: 24 * time.Hour, LastUsedFlushInterval: time.Hour}
}

func openBolt(t testing.TB) store.Store {
	db, err := boltstore.Open(filepath.Join(t.TempDir(), "esauth.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func newFixture(t *testing.T, edit ...func(*config.APIKeyConfig)) *fixture {
	t.Helper()
	f := &fixture{t: t, db: &countingStore{Store: openBolt(t)}, clock: &clock{now: t0}, log: &syncBuffer{}, cfg: defaultConfig()}
	for _, e := range edit {
		e(&f.cfg)
	}
	f.svc = f.newService()
	return f
}

func (f *fixture) newService() *Service {
	svc := New(f.db, f.cfg, Options{Now: f.clock.Now, Log: slog.New(slog.NewTextHandler(f.log, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	f.t.Cleanup(func() { _ = svc.Close(context.Background()) })
	return svc
}

func strp(s string) *string { return &s }

// alice is a native user with one role, the owner of most test keys.
var alice = Owner{Username: "alice", FullName: strp("Alice Liddell"), Email: nil,
	Metadata: json.RawMessage(`{"team":"blue"}`), Realm: "default_native", RealmType: "native"}

func aliceRoles() []roles.Descriptor {
	return []roles.Descriptor{{Name: "logs_reader", Cluster: []string{"monitor"},
		Indices: []roles.IndexPrivileges{{Names: []string{"logs-*"}, Privileges: []string{"read"}}}, Description: "reads logs"}}
}

func aliceCaller() Caller { return Caller{Owner: alice, RoleDescriptors: aliceRoles()} }

// create makes a key from a body, failing the test on any error.
func (f *fixture) create(body string, caller Caller) *CreateResponse {
	f.t.Helper()
	req, err := ParseCreateRequest([]byte(body))
	if err != nil {
		f.t.Fatalf("parse %s: %v", body, err)
	}
	if err := req.Validate(); err != nil {
		f.t.Fatalf("validate %s: %v", body, err)
	}
	resp, err := f.svc.Create(context.Background(), req, caller)
	if err != nil {
		f.t.Fatalf("create %s: %v", body, err)
	}
	return resp
}

// errJSON renders an error as the REST layer renders the exception inside
// "error" (type, reason, metadata, caused_by), for byte comparisons.
func errJSON(err error) string {
	if err == nil {
		return "<nil>"
	}
	e, ok := err.(*eserr.Error)
	if !ok {
		return "not an eserr.Error: " + err.Error()
	}
	b, _ := exceptionJSON(e).AppendJSON(nil)
	return string(b)
}

func jsonOf(t *testing.T, v interface{ AppendJSON([]byte) ([]byte, error) }) string {
	t.Helper()
	b, err := v.AppendJSON(nil)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// storedDoc returns the raw document of id.
func (f *fixture) storedDoc(id string) string {
	f.t.Helper()
	raw, err := f.db.Store.Get(context.Background(), store.APIKeys, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return string(raw)
}

func contains(haystack, needle string) bool { return strings.Contains(haystack, needle) }
