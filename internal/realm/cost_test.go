package realm

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/authcache"
	"github.com/esauth/esauth/internal/passhash"
)

// cost is what one attempt spent: checks run in the gate, pauses taken
// in it instead of a check, and slow hashes verified.
type cost struct{ checks, pauses, hashes int64 }

// TestOneSlowCheckPerAttempt: every failed attempt, first or repeated,
// costs exactly one slow check's worth: a real check the first time (the
// stored hash, or the fake one when no realm knows the user) and a pause
// in the gate, without hashing, once the failure is remembered. A user of
// a later realm is not slowed down by an earlier realm's memory that it
// does not know him.
func TestOneSlowCheckPerAttempt(t *testing.T) {
	n := newNode(t, "bcrypt4", 0)
	var p pauses
	n.gate.sleep = p.sleep
	check, pause := cost{1, 0, 1}, cost{0, 1, 0}
	for _, tc := range []struct {
		name, user, password string
		ok                   bool
		first, repeat        cost
	}{
		{"wrong password", "joe", "wrong-pw", false, check, pause},
		{"unknown user", "nobody", "some-pw", false, check, pause},
		{"disabled, right password", "off", "off-secret", false, check, pause},
		{"disabled, wrong password", "off", "wrong-pw", false, check, pause},
		{"built-in, wrong password", "elastic", "wrong-pw", false, check, pause},
		{"built-in without a password", "kibana_system", "some-pw", false, check, pause},
		{"later realm, wrong password", "bob", "wrong-pw", false, check, pause},
		{"right password", "joe", "joe-secret", true, check, cost{}},
		{"later realm, right password", "bob", "bob-secret", true, check, cost{}},
	} {
		for i, want := range []cost{tc.first, tc.repeat} {
			before := cost{n.gate.checks.Load(), n.gate.pauses.Load(), n.hashes.Load()}
			_, ok, err := n.chain.Authenticate(context.Background(), tc.user, tc.password)
			got := cost{n.gate.checks.Load() - before.checks, n.gate.pauses.Load() - before.pauses, n.hashes.Load() - before.hashes}
			if ok != tc.ok || err != nil {
				t.Errorf("%s (attempt %d): ok %v err %v, want ok %v", tc.name, i+1, ok, err, tc.ok)
			}
			if got != want {
				t.Errorf("%s (attempt %d): %d checks, %d pauses, %d hashes; want %d, %d, %d",
					tc.name, i+1, got.checks, got.pauses, got.hashes, want.checks, want.pauses, want.hashes)
			}
		}
	}
}

// TestChainBusy: with the gate's queue full, a first attempt, a repeat and
// an unknown user all fail with ErrBusy, for a 429 rather than a 401. A
// refused check is not remembered as a failure: once there is room, the
// new password is checked. (The unknown user's lookup, which needs no
// slot, was remembered, so he pauses as on any repeat.)
func TestChainBusy(t *testing.T) {
	n := newNode(t, "bcrypt4", time.Millisecond)
	var p pauses
	n.gate.sleep = p.sleep
	ctx := context.Background()
	if _, ok, err := n.chain.Authenticate(ctx, "joe", "wrong-a"); ok || err != nil {
		t.Fatalf("ok %v err %v", ok, err)
	}
	n.gate.maxTotal = 0
	release := holdSlots(t, n.gate, 1)
	attempts := [][2]string{{"joe", "wrong-a"}, {"joe", "wrong-b"}, {"nobody", "some-pw"}}
	for _, a := range attempts {
		if _, ok, err := n.chain.Authenticate(ctx, a[0], a[1]); ok || !errors.Is(err, ErrBusy) {
			t.Errorf("%s/%s with the queue full: ok %v err %v, want ErrBusy", a[0], a[1], ok, err)
		}
	}
	release()
	before := cost{n.gate.checks.Load(), n.gate.pauses.Load(), n.hashes.Load()}
	for _, a := range attempts {
		if _, ok, err := n.chain.Authenticate(ctx, a[0], a[1]); ok || err != nil {
			t.Errorf("%s/%s: ok %v err %v", a[0], a[1], ok, err)
		}
	}
	got := cost{n.gate.checks.Load() - before.checks, n.gate.pauses.Load() - before.pauses, n.hashes.Load() - before.hashes}
	if want := (cost{1, 2, 1}); got != want {
		t.Errorf("after the refusals: %+v, want %+v", got, want)
	}
}

// TestCachedPausesOnItsOwn: asked outside a chain, a cached realm takes
// the pause a remembered failure owes itself.
func TestCachedPausesOnItsOwn(t *testing.T) {
	inner := &slowRealm{password: "right-pw", enabled: true}
	g := NewGate(1, time.Millisecond)
	var p pauses
	g.sleep = p.sleep
	h, _ := passhash.ResolveCache("ssha256")
	c := NewCached(inner, authcache.Config{TTL: time.Hour, MaxUsers: 10, Hasher: h, FailTTL: time.Hour}, g)
	for range 2 {
		if _, out, err := c.Authenticate(context.Background(), "joe", "wrong-pw"); out != Continue || err != nil {
			t.Fatalf("out %v err %v, want Continue", out, err)
		}
	}
	if inner.calls.Load() != 1 || len(p.slept) != 1 {
		t.Errorf("%d checks and %d pauses, want 1 and 1", inner.calls.Load(), len(p.slept))
	}
}

// TestChainQueuesByClientAndUser: a check in a realm's cache load, the
// fake hash and a pause all queue under the client the caller's context
// names and the username tried, which the gate's fairness rests on.
func TestChainQueuesByClientAndUser(t *testing.T) {
	n := newNode(t, "bcrypt4", time.Millisecond)
	ctx := WithClient(context.Background(), "10.0.0.9")
	if _, _, err := n.chain.Authenticate(ctx, "off", "remembered-pw"); err != nil {
		t.Fatal(err)
	}
	release := holdSlots(t, n.gate, 1)
	var wg sync.WaitGroup
	attempts := [][2]string{{"joe", "wrong-pw"}, {"nobody", "some-pw"}, {"off", "remembered-pw"}}
	for _, a := range attempts {
		wg.Go(func() {
			if _, ok, err := n.chain.Authenticate(ctx, a[0], a[1]); ok || err != nil {
				t.Errorf("%s: ok %v err %v", a[0], ok, err)
			}
		})
	}
	waitFor(t, "the attempts to queue", func() bool { return n.gate.queued() == len(attempts) })
	n.gate.mu.Lock()
	c := n.gate.clients["10.0.0.9"]
	if len(n.gate.clients) != 1 || c == nil || len(c.users) != 3 || c.users["joe"] == nil || c.users["nobody"] == nil || c.users["off"] == nil {
		t.Errorf("queued by client and user: %v", n.gate.clients)
	}
	n.gate.mu.Unlock()
	release()
	wg.Wait()
}
