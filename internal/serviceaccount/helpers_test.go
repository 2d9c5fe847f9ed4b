package serviceaccount

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/authcache"
	"github.com/esauth/esauth/internal/passhash"
	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/store/boltstore"
)

// logBuffer collects a Service's log so that tests can look for secrets.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// countingStore counts reads and can fail them, to tell cache hits from
// store reads.
type countingStore struct {
	store.Store
	gets atomic.Int64
	fail atomic.Pointer[error]
}

func (c *countingStore) Get(ctx context.Context, col store.Collection, key string) ([]byte, error) {
	c.gets.Add(1)
	if err := c.fail.Load(); err != nil {
		return nil, *err
	}
	return c.Store.Get(ctx, col, key)
}

// fixture is a node: a configuration directory, a store and a Service.
type fixture struct {
	dir string
	db  *countingStore
	svc *Service
	log *logBuffer
}

// fastHasher keeps the tests quick; the default is checked elsewhere.
func fastHasher(t *testing.T) passhash.Hasher {
	t.Helper()
	h, err := passhash.ResolveStored("pbkdf2_stretch_1000")
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func openBolt(t *testing.T) store.Store {
	t.Helper()
	db, err := boltstore.Open(filepath.Join(t.TempDir(), "esauth.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// newFixture starts a node over a new store with the service_tokens file
// content given ("" for none).
func newFixture(t *testing.T, file string) *fixture {
	t.Helper()
	return newNode(t, t.TempDir(), openBolt(t), file, DefaultCache)
}

// newNode starts a node over dir and db, as a second node sharing a store.
func newNode(t *testing.T, dir string, db store.Store, file string, cache authcache.Config) *fixture {
	t.Helper()
	if file != "" {
		writeFile(t, dir, file)
	}
	f := &fixture{dir: dir, db: &countingStore{Store: db}, log: &logBuffer{}}
	log := slog.New(slog.NewTextHandler(f.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	svc, err := New(dir, f.db, Options{Hasher: fastHasher(t), Cache: cache, Log: log,
		Now: func() time.Time { return time.UnixMilli(1700000000123) }})
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	return f
}

func writeFile(t *testing.T, dir, content string) {
	t.Helper()
	path := filepath.Join(dir, TokensFile)
	tmp := path + ".new"
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

var fleet = func() *Account { a, _ := Lookup("elastic/fleet-server"); return a }()

// creator is the user who creates tokens in the tests.
var creator = Creator{Principal: "elastic", Metadata: []byte(`{"_reserved":true}`), Realm: "reserved", RealmType: "reserved"}

// create makes a token in the store and returns its bearer value.
func (f *fixture) create(t *testing.T, service, name string) string {
	t.Helper()
	c, err := f.svc.CreateToken(context.Background(), "elastic", service, name, creator)
	if err != nil {
		t.Fatal(err)
	}
	return c.Value()
}

// auth authenticates and reduces the outcome to a comparable string:
// "file:token1", "index:token1", "refused: <reason>", "not mine" or
// "error: <err>".
func (f *fixture) auth(bearer string) string {
	p, err := f.svc.Authenticate(context.Background(), bearer)
	var r *Refused
	switch {
	case errors.Is(err, ErrNotServiceToken):
		return "not mine"
	case errors.As(err, &r):
		return "refused: " + r.Error()
	case err != nil:
		return "error: " + err.Error()
	}
	return string(p.Source) + ":" + p.Account.Principal() + "/" + p.TokenName
}

// checkNoSecrets fails t if the log holds any of the secrets.
func (f *fixture) checkNoSecrets(t *testing.T, secrets ...string) {
	t.Helper()
	log := f.log.String()
	for _, s := range secrets {
		if s != "" && strings.Contains(log, s) {
			t.Errorf("the log holds a secret or hash %q:\n%s", s, log)
		}
	}
}
