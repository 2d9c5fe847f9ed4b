package tokens

import (
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/config"
	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/store/boltstore"
	"github.com/esauth/esauth/internal/store/etcdstore"
	"github.com/esauth/esauth/internal/store/etcdstore/etcdtest"
	"github.com/esauth/esauth/internal/user"
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

var defaultCfg = config.TokenConfig{Enabled: true, Timeout: 20 * time.Minute, DeleteInterval: 30 * time.Minute}

// stores are the backends every store-touching test runs on.
var stores = []struct {
	name string
	open func(t *testing.T) store.Store
}{
	{"bolt", func(t *testing.T) store.Store {
		db, err := boltstore.Open(filepath.Join(t.TempDir(), "t.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		return db
	}},
	{"etcd", func(t *testing.T) store.Store { return openEtcd(t, etcdtest.StartMember(t), "/tokens-test/") }},
}

func openEtcd(t *testing.T, m *etcdtest.Member, prefix string) *etcdstore.Store {
	db, err := etcdstore.Open(t.Context(), etcdstore.Config{Endpoints: etcdtest.Endpoints(m), Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func newService(db store.Store, clk *clock) *Service {
	return New(db, defaultCfg, Options{Now: clk.Now})
}

func subject(name, realm string, roles ...string) Subject {
	return Subject{User: user.User{Username: name, Roles: roles, Metadata: user.EmptyMetadata, Enabled: true},
		Realm: realm, RealmType: "native"}
}

// joe is a native user; kibana the client that asks for joe's tokens.
var (
	joe       = Authentication{Authenticating: subject("joe", "default_native", "viewer")}
	kibana    = Client{Username: "kibana_system", Realm: "reserved"}
	otherUser = Client{Username: "someone", Realm: "reserved"}
)
