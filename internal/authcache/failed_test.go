package authcache

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

const testFailTTL = time.Minute

func newFailCache(tb testing.TB, maxUsers int) (*Cache[string], *fakeClock) {
	tb.Helper()
	clock := newFakeClock()
	c := New[string](Config{TTL: testTTL, MaxUsers: maxUsers, FailTTL: testFailTTL,
		Hasher: mustHasher(tb, "ssha256"), Now: clock.Now})
	return c, clock
}

// A repeated wrong password is answered from memory, without a new load,
// until FailTTL has passed; the right password still loads.
func TestRepeatedFailureSkipsLoad(t *testing.T) {
	c, clock := newFailCache(t, 100)
	l := newLoader(map[string]string{"alice": "s3cret-pw"})
	for range 10 {
		if _, ok, err := c.Authenticate(t.Context(), "alice", "wrong-pw", l.load("alice", "wrong-pw")); ok || err != nil {
			t.Fatalf("wrong password: ok %v err %v", ok, err)
		}
	}
	if n := l.count(); n != 1 {
		t.Errorf("10 identical wrong attempts ran %d loads, want 1", n)
	}
	if st := c.Stats(); st.FailedHits != 9 {
		t.Errorf("FailedHits = %d, want 9", st.FailedHits)
	}
	if _, ok, _ := c.Authenticate(t.Context(), "alice", "s3cret-pw", l.load("alice", "s3cret-pw")); !ok {
		t.Error("the right password failed after wrong ones")
	}
	clock.Advance(testFailTTL)
	_, _, _ = c.Authenticate(t.Context(), "alice", "wrong-pw", l.load("alice", "wrong-pw"))
	if n := l.count(); n != 3 {
		t.Errorf("after FailTTL the wrong password ran %d loads in all, want 3", n)
	}
}

// A write to the user forgets its failures: the password that failed may
// be the new one.
func TestInvalidateForgetsFailures(t *testing.T) {
	c, _ := newFailCache(t, 100)
	l := newLoader(map[string]string{"alice": "old-pw-1"})
	if _, ok, _ := c.Authenticate(t.Context(), "alice", "new-pw-2", l.load("alice", "new-pw-2")); ok {
		t.Fatal("new password worked before the change")
	}
	l.setPassword("alice", "new-pw-2")
	c.Invalidate("alice")
	if _, ok, _ := c.Authenticate(t.Context(), "alice", "new-pw-2", l.load("alice", "new-pw-2")); !ok {
		t.Error("the new password was refused from the failure memory after Invalidate")
	}
	if _, ok, _ := c.Authenticate(t.Context(), "bob", "pw-3", l.load("bob", "pw-3")); ok {
		t.Fatal("bob authenticated")
	}
	l.setPassword("bob", "pw-3")
	c.InvalidateAll()
	if _, ok, _ := c.Authenticate(t.Context(), "bob", "pw-3", l.load("bob", "pw-3")); !ok {
		t.Error("the failure survived InvalidateAll")
	}
}

// Errors are not failures: the next attempt tries again.
func TestErrorsAreNotRemembered(t *testing.T) {
	c, _ := newFailCache(t, 100)
	calls := 0
	load := func(context.Context) (string, bool, error) { calls++; return "", false, errors.New("store down") }
	for range 3 {
		_, _, _ = c.Authenticate(t.Context(), "alice", "pw", load)
	}
	if calls != 3 {
		t.Errorf("%d loads for 3 attempts that errored, want 3", calls)
	}
}

// Each user keeps a few distinct wrong passwords, and the number of users
// with remembered failures stays within the cache's capacity under a
// spray of usernames.
func TestFailureMemoryIsBounded(t *testing.T) {
	c, _ := newFailCache(t, 128)
	l := newLoader(map[string]string{})
	for i := range maxFailuresPerUser + 2 {
		pw := fmt.Sprintf("wrong-%d", i)
		_, _, _ = c.Authenticate(t.Context(), "alice", pw, l.load("alice", pw))
	}
	if n := len(c.shards[0].failed["alice"]); n != maxFailuresPerUser {
		t.Errorf("alice has %d remembered failures, want %d", n, maxFailuresPerUser)
	}
	// The newest is remembered, the oldest forgotten.
	before := l.count()
	last := fmt.Sprintf("wrong-%d", maxFailuresPerUser+1)
	_, _, _ = c.Authenticate(t.Context(), "alice", last, l.load("alice", last))
	_, _, _ = c.Authenticate(t.Context(), "alice", "wrong-0", l.load("alice", "wrong-0"))
	if got := l.count() - before; got != 1 {
		t.Errorf("%d loads for the newest and the oldest failure, want 1 (the oldest only)", got)
	}
	for i := range 2000 {
		u := fmt.Sprintf("user-%d", i)
		_, _, _ = c.Authenticate(t.Context(), u, "pw", l.load(u, "pw"))
	}
	total := 0
	for i := range c.shards {
		total += len(c.shards[i].failed)
	}
	if total > 128 {
		t.Errorf("%d users with remembered failures, want at most the capacity 128", total)
	}
}

// Without FailTTL every wrong attempt loads, as before.
func TestFailureMemoryOff(t *testing.T) {
	c, _ := newTestCache(t, 100)
	l := newLoader(map[string]string{})
	for range 3 {
		_, _, _ = c.Authenticate(t.Context(), "alice", "wrong-pw", l.load("alice", "wrong-pw"))
	}
	if n := l.count(); n != 3 {
		t.Errorf("%d loads, want 3", n)
	}
}

// Load tells a remembered failure from a load: the caller, which knows
// what a check costs, spends that time itself (realm.Chain pauses in its
// gate). The remembered value comes back; a load and a caller whose
// context has ended are not recalls.
func TestLoadReportsRecalledFailures(t *testing.T) {
	c, _ := newFailCache(t, 100)
	loads := 0
	load := func(context.Context) (string, bool, error) { loads++; return "why", false, nil }
	type result struct {
		V            string
		OK, Recalled bool
		Err          error
	}
	call := func(ctx context.Context) result {
		v, ok, recalled, err := c.Load(ctx, "alice", "wrong-pw", load)
		return result{v, ok, recalled, err}
	}
	done, cancel := context.WithCancel(t.Context())
	cancel()
	got := []result{call(t.Context()), call(t.Context()), call(done)}
	want := []result{{"why", false, false, nil}, {"why", false, true, nil}, {"", false, false, context.Canceled}}
	if diff := cmp.Diff(want, got, cmpopts.EquateErrors()); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	if loads != 1 {
		t.Errorf("%d loads, want 1", loads)
	}
}
