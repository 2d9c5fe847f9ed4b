package realm

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/authcache"
	"github.com/esauth/esauth/internal/nativeusers"
	"github.com/esauth/esauth/internal/passhash"
	"github.com/esauth/esauth/internal/store/boltstore"
	"github.com/esauth/esauth/internal/user"
)

// ownerRealm is a file-like realm: it knows its users from memory (an
// Owner) and checks their passwords with a slow hash.
type ownerRealm struct {
	hashes map[string]string
	verify verifier
}

func (o *ownerRealm) Ref() Ref              { return Ref{Name: "file1", Type: "file"} }
func (o *ownerRealm) Owns(name string) bool { _, ok := o.hashes[name]; return ok }

func (o *ownerRealm) Authenticate(_ context.Context, username, password string) (Principal, Outcome, error) {
	hash, ok := o.hashes[username]
	if !ok {
		return Principal{}, Unknown, nil
	}
	if !matches(o.verify, password, hash) {
		return Principal{}, Continue, nil
	}
	return Principal{User: user.User{Username: "bob", Enabled: true}, Realm: o.Ref()}, Success, nil
}

// node is a node's chain over a real store, as the server assembles it:
// the reserved realm, the native realm and a file-like realm, each behind
// its cache with failure memory, all sharing one gate.
type node struct {
	chain    Chain
	reserved *Cached
	native   *Cached
	gate     *Gate
	hashes   atomic.Int64 // slow hash verifications
}

// newNode stores joe, off (disabled) and the repeat classes' users with
// algo's hashes; bob is the file-like realm's user. estimate starts the
// gate's idea of a slow check.
func newNode(t *testing.T, algo string, estimate time.Duration) *node {
	t.Helper()
	db, err := boltstore.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	users := nativeusers.New(db)
	h, err := passhash.Resolve(algo)
	mustNil(t, err)
	fake, err := h.FakeHash()
	mustNil(t, err)
	hash := func(pw string) string {
		s, err := h.Hash(pw)
		mustNil(t, err)
		return s
	}
	ctx := context.Background()
	mustNil(t, users.ChangeReservedPassword(ctx, "elastic", hash("elastic-secret")))
	for _, u := range []struct {
		name    string
		enabled bool
	}{{"joe", true}, {"off", false}, {"rep-joe", true}, {"rep-off", false}} {
		_, err := users.Put(ctx, user.User{Username: u.name, Enabled: u.enabled}, hash(u.name+"-secret"))
		mustNil(t, err)
	}
	n := &node{gate: NewGate(1, estimate)}
	verify := func(password, hash string) (bool, error) {
		n.hashes.Add(1)
		return passhash.Verify(password, hash)
	}
	res, nat := NewReserved(users, fake), NewNative(DefaultNativeRef, users)
	res.verify, nat.verify = verify, verify
	file := &ownerRealm{hashes: map[string]string{"bob": hash("bob-secret")}, verify: verify}
	cache, _ := passhash.ResolveCache("ssha256")
	cfg := authcache.Config{TTL: time.Hour, MaxUsers: 1000, Hasher: cache, FailTTL: time.Hour}
	n.reserved, n.native = NewCached(res, cfg, n.gate), NewCached(nat, cfg, n.gate)
	n.chain = Chain{Realms: []Realm{n.reserved, n.native, NewCached(file, cfg, n.gate)}, FakeHash: fake, Gate: n.gate, verify: verify}
	return n
}
