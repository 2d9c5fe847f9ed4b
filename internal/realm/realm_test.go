package realm

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/nativeusers"
	"github.com/esauth/esauth/internal/passhash"
	"github.com/esauth/esauth/internal/store/boltstore"
	"github.com/esauth/esauth/internal/user"
)

// counting wraps passhash.Verify and records which hashes were checked.
type counting struct{ hashes []string }

func (c *counting) verify(password, hash string) (bool, error) {
	c.hashes = append(c.hashes, hash)
	return passhash.Verify(password, hash)
}

func setup(t *testing.T) (Chain, *counting, string) {
	t.Helper()
	db, err := boltstore.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	users := nativeusers.New(db)
	h, _ := passhash.Resolve("bcrypt4")
	fake, _ := h.FakeHash()
	ctx := context.Background()
	joeHash, _ := h.Hash("joe-secret")
	elasticHash, _ := h.Hash("elastic-secret")
	mustNil(t, users.ChangeReservedPassword(ctx, "elastic", elasticHash))
	_, err = users.Put(ctx, user.User{Username: "joe", Roles: []string{"r"}, Enabled: true}, joeHash)
	mustNil(t, err)
	_, err = users.Put(ctx, user.User{Username: "off", Enabled: false}, joeHash)
	mustNil(t, err)
	// A native user named like a built-in one, as with the reserved realm off.
	_, err = users.Put(ctx, user.User{Username: "kibana_system", Enabled: true}, joeHash)
	mustNil(t, err)
	c := &counting{}
	res, nat := NewReserved(users, fake), NewNative(DefaultNativeRef, users)
	res.verify, nat.verify = c.verify, c.verify
	return Chain{Realms: []Realm{res, nat}, FakeHash: fake, verify: c.verify}, c, fake
}

func mustNil(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestChain(t *testing.T) {
	tests := []struct {
		user, password string
		ok             bool
		realm          Ref
		// verified says which hash was checked: "fake" or "stored".
		verified string
	}{
		{"joe", "joe-secret", true, DefaultNativeRef, "stored"},
		{"joe", "wrong-pass", false, Ref{}, "stored"},
		{"nobody", "joe-secret", false, Ref{}, "fake"},
		{"off", "joe-secret", false, Ref{}, "stored"},
		{"elastic", "elastic-secret", true, ReservedRef, "stored"},
		{"elastic", "wrong-pass", false, Ref{}, "stored"},
		// A built-in user without a password is refused after a fake
		// check, and the chain ends there: the native kibana_system with
		// the same password is never consulted.
		{"kibana_system", "joe-secret", false, Ref{}, "fake"},
		{"joe", "", false, Ref{}, "stored"},
	}
	for _, tt := range tests {
		chain, c, fake := setup(t)
		p, ok, err := chain.Authenticate(context.Background(), tt.user, tt.password)
		if err != nil {
			t.Fatal(err)
		}
		if ok != tt.ok || (ok && p.Realm != tt.realm) {
			t.Errorf("%s/%s: ok=%v realm=%v, want ok=%v realm=%v", tt.user, tt.password, ok, p.Realm, tt.ok, tt.realm)
		}
		if len(c.hashes) != 1 {
			t.Errorf("%s/%s: %d hash verifications, want exactly 1", tt.user, tt.password, len(c.hashes))
			continue
		}
		if got := map[bool]string{true: "fake", false: "stored"}[c.hashes[0] == fake]; got != tt.verified {
			t.Errorf("%s/%s: verified the %s hash, want the %s one", tt.user, tt.password, got, tt.verified)
		}
	}
}

func TestPrincipal(t *testing.T) {
	chain, _, _ := setup(t)
	p, ok, _ := chain.Authenticate(context.Background(), "elastic", "elastic-secret")
	if !ok || p.User.Username != "elastic" || len(p.User.Roles) != 1 || p.User.Roles[0] != "superuser" ||
		string(p.User.Metadata) != `{"_reserved":true}` || !p.User.Enabled {
		t.Errorf("elastic principal: %+v", p)
	}
	p, ok, _ = chain.Authenticate(context.Background(), "joe", "joe-secret")
	if !ok || p.User.Username != "joe" || p.User.Roles[0] != "r" || p.Realm != DefaultNativeRef {
		t.Errorf("joe principal: %+v", p)
	}
}

func TestReservedRealmOff(t *testing.T) {
	chain, _, _ := setup(t)
	// Without the reserved realm, built-in names are ordinary native users.
	_, ok, _ := Chain{Realms: chain.Realms[1:]}.Authenticate(context.Background(), "kibana_system", "joe-secret")
	if !ok {
		t.Error("native kibana_system cannot log in with the reserved realm off")
	}
}

// Observe learns the deciding realm and the result of every attempt, and
// the gate reports how long each slow check took.
func TestChainObserve(t *testing.T) {
	chain, _, _ := setup(t)
	type result struct {
		realm string
		ok    bool
	}
	var got []result
	chain.Observe = func(realm string, ok bool) { got = append(got, result{realm, ok}) }
	var slow []time.Duration
	chain.Gate = NewGate(1, 0)
	chain.Gate.Observe = func(d time.Duration) { slow = append(slow, d) }
	for _, try := range [][2]string{{"joe", "joe-secret"}, {"joe", "wrong-pass"}, {"off", "joe-secret"}, {"nobody", "x-secret"}, {"elastic", "wrong-pass"}} {
		if _, _, err := chain.Authenticate(context.Background(), try[0], try[1]); err != nil {
			t.Fatal(err)
		}
	}
	want := []result{{"default_native", true}, {"default_native", false}, {"default_native", false}, {"", false}, {"reserved", false}}
	if !slices.Equal(got, want) {
		t.Errorf("observed %v, want %v", got, want)
	}
	// Only the fake check of the unknown user passes the chain's gate.
	if len(slow) != 1 || slow[0] <= 0 {
		t.Errorf("gate observed %v, want one positive duration", slow)
	}
}
