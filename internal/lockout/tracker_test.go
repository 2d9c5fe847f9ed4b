package lockout

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/google/go-cmp/cmp"

	"github.com/esauth/esauth/internal/store"
)

func TestNewRejectsBadConfig(t *testing.T) {
	for _, cfg := range []Config{
		{MaxAttempts: 0, Window: time.Minute, Duration: time.Minute},
		{MaxAttempts: 1, IPMaxAttempts: -1, Window: time.Minute, Duration: time.Minute},
		{MaxAttempts: 1, Window: 0, Duration: time.Minute},
		{MaxAttempts: 1, Window: time.Minute, Duration: -time.Second},
	} {
		if tr, err := New(cfg); err == nil {
			_ = tr.Close(context.Background())
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}

func TestThreshold(t *testing.T) {
	tr := newTracker(t, testConfig(newClock(), nil))
	now := t0
	for i := 1; i <= 2; i++ {
		if u, a := fail(t, tr, "alice", "10.0.0.1", now); u || a {
			t.Fatalf("failure %d started a block (%v, %v)", i, u, a)
		}
		check(t, tr, "alice", "10.0.0.1", now, open)
		now = now.Add(time.Minute)
	}
	if u, a := fail(t, tr, "alice", "10.0.0.1", now); !u || a {
		t.Fatalf("third failure = (%v, %v), want a user block only", u, a)
	}
	check(t, tr, "alice", "10.0.0.1", now, wantCheck{true, 15 * time.Minute, KindUser})

	// An attempt in flight when a block starts (here on another node)
	// fails during it: counted, but it neither starts nor extends one.
	late := begin(t, tr, "bob", "", now)
	remoteBlock(t, tr, "user/bob", now, now.Add(15*time.Minute), 3)
	if u, _ := late.Failed(now.Add(time.Minute)); u {
		t.Error("a failure during the block reported a new block")
	}
	check(t, tr, "bob", "", now.Add(time.Minute), wantCheck{true, 14 * time.Minute, KindUser})
	if got := tr.Locked(now); len(got) != 2 || got[1].Key != "bob" || got[1].Failures != 4 {
		t.Errorf("Locked = %+v, want bob's block with 4 failures", got)
	}
}

func TestWindow(t *testing.T) {
	tr := newTracker(t, testConfig(newClock(), nil))
	// Two failures, then the run's window passes: the next failure starts
	// a new run instead of completing the old one.
	fail(t, tr, "alice", "", t0)
	fail(t, tr, "alice", "", t0.Add(9*time.Minute))
	if u, _ := fail(t, tr, "alice", "", t0.Add(10*time.Minute)); u {
		t.Fatal("a failure one window after the run's first started a block")
	}
	check(t, tr, "alice", "", t0.Add(10*time.Minute), open)
	fail(t, tr, "alice", "", t0.Add(11*time.Minute))
	if u, _ := fail(t, tr, "alice", "", t0.Add(19*time.Minute)); !u {
		t.Fatal("three failures within one window did not block")
	}
}

func TestBlockExpiryAndRetryAfter(t *testing.T) {
	tr := newTracker(t, testConfig(newClock(), nil))
	for range 3 {
		fail(t, tr, "alice", "", t0)
	}
	for _, tt := range []struct {
		at   time.Duration
		want wantCheck
	}{
		{0, wantCheck{true, 15 * time.Minute, KindUser}},
		{time.Minute, wantCheck{true, 14 * time.Minute, KindUser}},
		{15*time.Minute - time.Nanosecond, wantCheck{true, time.Nanosecond, KindUser}},
		{15 * time.Minute, open},
		{time.Hour, open},
	} {
		check(t, tr, "alice", "", t0.Add(tt.at), tt.want)
	}
	// After the block a new run starts from zero: it takes three more.
	after := t0.Add(15 * time.Minute)
	fail(t, tr, "alice", "", after)
	fail(t, tr, "alice", "", after)
	check(t, tr, "alice", "", after, open)
	if u, _ := fail(t, tr, "alice", "", after); !u {
		t.Error("third failure after the block ended did not block again")
	}
}

func TestSuccessResetsUserNotAddress(t *testing.T) {
	tr := newTracker(t, testConfig(newClock(), nil))
	fail(t, tr, "alice", "10.0.0.1", t0)
	fail(t, tr, "alice", "10.0.0.1", t0)
	succeed(t, tr, "alice", "10.0.0.1", t0)
	fail(t, tr, "alice", "10.0.0.1", t0)
	fail(t, tr, "alice", "10.0.0.1", t0)
	check(t, tr, "alice", "", t0, open)
	// The address has now seen four failures; a success did not reset it,
	// so the fifth, under another name, blocks the address.
	if u, a := fail(t, tr, "bob", "10.0.0.1", t0); u || !a {
		t.Fatalf("fifth failure from the address = (%v, %v), want an address block", u, a)
	}
	check(t, tr, "carol", "10.0.0.1", t0, wantCheck{true, 15 * time.Minute, KindIP})
}

// TestCorrectPasswordRefusedWhileBlocked plays the HTTP layer's sequence:
// Begin, then authenticate only if admitted, then Failed or Succeeded.
func TestCorrectPasswordRefusedWhileBlocked(t *testing.T) {
	tr := newTracker(t, testConfig(newClock(), nil))
	verified := 0
	login := func(user, password string, now time.Time) string {
		a, ok, _, _ := tr.Begin(user, "10.0.0.1", false, now)
		if !ok {
			return "blocked"
		}
		verified++
		if user != "alice" || password != "correct horse" {
			a.Failed(now)
			return "wrong"
		}
		a.Succeeded(now)
		return "ok"
	}
	var got []string
	for _, pw := range []string{"guess1", "guess2", "guess3", "correct horse"} {
		got = append(got, login("alice", pw, t0))
	}
	got = append(got, login("alice", "correct horse", t0.Add(14*time.Minute)))
	got = append(got, login("alice", "correct horse", t0.Add(15*time.Minute)))
	want := []string{"wrong", "wrong", "wrong", "blocked", "blocked", "ok"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("login results (-want +got):\n%s", diff)
	}
	if verified != 4 {
		t.Errorf("passwords verified %d times, want 4: a blocked login must not reach the realm", verified)
	}

	// Even a success that was in flight when a block started (here on
	// another node) does not lift it.
	pending := begin(t, tr, "bob", "", t0)
	remoteBlock(t, tr, "user/bob", t0, t0.Add(15*time.Minute), 3)
	pending.Succeeded(t0.Add(time.Minute))
	check(t, tr, "bob", "", t0.Add(time.Minute), wantCheck{true, 14 * time.Minute, KindUser})
}

func TestKindsAreIndependent(t *testing.T) {
	tr := newTracker(t, testConfig(newClock(), nil))
	for range 3 {
		fail(t, tr, "alice", "10.0.0.1", t0)
	}
	check(t, tr, "bob", "10.0.0.1", t0, open) // the address is not blocked
	check(t, tr, "alice", "10.0.0.2", t0, wantCheck{true, 15 * time.Minute, KindUser})

	// Five different names from one address: no name reaches its limit,
	// the address does.
	later := t0.Add(5 * time.Minute)
	for i := range 5 {
		fail(t, tr, fmt.Sprintf("spray%d", i), "10.0.0.3", later)
	}
	check(t, tr, "spray0", "10.0.0.4", later, open)
	check(t, tr, "carol", "10.0.0.3", later, wantCheck{true, 15 * time.Minute, KindIP})
	// Both blocked: the longer wait wins (alice's block is 5 minutes older).
	check(t, tr, "alice", "10.0.0.3", later, wantCheck{true, 15 * time.Minute, KindIP})
	later2 := later.Add(time.Minute)
	for range 3 {
		fail(t, tr, "dave", "10.0.0.5", later2)
	}
	check(t, tr, "dave", "10.0.0.3", later2, wantCheck{true, 15 * time.Minute, KindUser})

	// Empty keys are not tracked; IPMaxAttempts 0 tracks no addresses.
	cfg := testConfig(newClock(), nil)
	cfg.IPMaxAttempts = 0
	noIP := newTracker(t, cfg)
	for i := range 100 {
		if _, a := fail(t, noIP, fmt.Sprint(i), "10.0.0.1", t0); a {
			t.Fatal("an address was blocked with IPMaxAttempts 0")
		}
		if u, a := fail(t, noIP, "", "", t0); u || a {
			t.Fatal("a login without keys was counted")
		}
	}
	if s := noIP.Stats(); s.IPs != 0 || s.Users != 100 {
		t.Errorf("Stats = %+v, want 100 users and no addresses", s)
	}
}

func TestLockedAndUnlock(t *testing.T) {
	c := newClock()
	tr := newTracker(t, testConfig(c, nil))
	for range 3 {
		fail(t, tr, "bob", "10.0.0.9", t0)
	}
	for range 3 {
		fail(t, tr, "alice", "10.0.0.8", t0.Add(time.Minute))
	}
	fail(t, tr, "carol", "10.0.0.9", t0.Add(time.Minute)) // under the limit
	fail(t, tr, "dave", "10.0.0.9", t0.Add(time.Minute))  // the address's fifth
	got := tr.Locked(t0.Add(2 * time.Minute))
	want := []Entry{
		{Kind: KindUser, Key: "alice", Since: t0.Add(time.Minute), Until: t0.Add(16 * time.Minute), Failures: 3},
		{Kind: KindUser, Key: "bob", Since: t0, Until: t0.Add(15 * time.Minute), Failures: 3},
		{Kind: KindIP, Key: "10.0.0.9", Since: t0.Add(time.Minute), Until: t0.Add(16 * time.Minute), Failures: 5},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Locked (-want +got):\n%s", diff)
	}
	if got := tr.Locked(t0.Add(15 * time.Minute)); len(got) != 2 {
		t.Errorf("Locked after bob's block ended lists %d, want 2", len(got))
	}

	ctx := t.Context()
	c.Add(2 * time.Minute)
	if ok, err := tr.Unlock(ctx, KindUser, "alice"); !ok || err != nil {
		t.Fatalf("Unlock(alice) = %v, %v", ok, err)
	}
	check(t, tr, "alice", "", c.Now(), open)
	// Unlock forgets the failures too: a full run is needed again.
	fail(t, tr, "alice", "", c.Now())
	fail(t, tr, "alice", "", c.Now())
	check(t, tr, "alice", "", c.Now(), open)
	if ok, err := tr.Unlock(ctx, KindIP, "10.0.0.9"); !ok || err != nil {
		t.Fatalf("Unlock(ip) = %v, %v", ok, err)
	}
	check(t, tr, "bob", "10.0.0.9", c.Now(), wantCheck{true, 13 * time.Minute, KindUser})
	if ok, err := tr.Unlock(ctx, KindUser, "nobody"); ok || err != nil {
		t.Errorf("Unlock(nobody) = %v, %v, want false, nil", ok, err)
	}
	if _, err := tr.Unlock(ctx, "realm", "x"); !errors.Is(err, ErrUnknownKind) {
		t.Errorf("Unlock(unknown kind) = %v, want ErrUnknownKind", err)
	}
}

func TestNilTrackerIsOff(t *testing.T) {
	var tr *Tracker
	ctx := t.Context()
	for _, finish := range []func(Attempt){
		func(a Attempt) {
			if u, i := a.Failed(t0); u || i {
				t.Error("a nil tracker started a block")
			}
		},
		func(a Attempt) { a.Succeeded(t0) },
		Attempt.Abandon,
	} {
		a, ok, after, kind := tr.Begin("a", "b", false, t0)
		if !ok || after != 0 || kind != "" || a != (Attempt{}) {
			t.Errorf("a nil tracker's Begin = %+v, %v, %v, %q", a, ok, after, kind)
		}
		finish(a)
		finish(Attempt{}) // the zero Attempt is safe to finish
	}
	if tr.Locked(t0) != nil || tr.Stats() != (Stats{}) {
		t.Error("a nil tracker reported state")
	}
	if ok, err := tr.Unlock(ctx, KindUser, "a"); ok || err != nil {
		t.Error(ok, err)
	}
	for _, err := range []error{tr.Apply("user/a", nil), tr.Refresh(ctx, "user/a"), tr.Load(ctx), tr.Close(ctx)} {
		if err != nil {
			t.Error(err)
		}
	}
}

// TestSprayingBoundsMemory sprays far more usernames than the cap; the
// table must stay within it, evicting the least recently failed keys, and
// sprayed names before blocks.
func TestSprayingBoundsMemory(t *testing.T) {
	cfg := testConfig(newClock(), nil)
	cfg.MaxKeys = 100 // one shard: eviction order is exact
	tr := newTracker(t, cfg)
	for range 3 {
		fail(t, tr, "victim", "", t0)
	}
	now := t0.Add(time.Second)
	for i := range 99 {
		fail(t, tr, fmt.Sprintf("spray-%d", i), "", now.Add(time.Duration(i)))
	}
	// The 101st key evicts the least recently failed key that is not
	// blocked: spray-0, not the older victim.
	fail(t, tr, "spray-99", "", now.Add(time.Second))
	check(t, tr, "victim", "", now, wantCheck{true, 15*time.Minute - time.Second, KindUser})
	if s := tr.Stats(); s.Users != 100 || s.Evicted != 1 {
		t.Errorf("Stats = %+v, want 100 users, 1 evicted", s)
	}
	fail(t, tr, "spray-0", "", now.Add(time.Second))
	fail(t, tr, "spray-0", "", now.Add(time.Second))
	check(t, tr, "spray-0", "", now.Add(time.Second), open) // its first failure was forgotten
	fail(t, tr, "spray-50", "", now.Add(time.Second))
	if u, _ := fail(t, tr, "spray-50", "", now.Add(time.Second)); !u {
		t.Error("spray-50 lost its count to an eviction")
	}

	// When every cold key is blocked, the least recently failed block goes:
	// memory stays bounded whatever the keys hold.
	cfg.MaxKeys = 20
	full := newTracker(t, cfg)
	for i := range 20 {
		for range 3 {
			fail(t, full, fmt.Sprint("b", i), "", now.Add(time.Duration(i)))
		}
	}
	fail(t, full, "newcomer", "", now.Add(time.Second))
	check(t, full, "b0", "", now.Add(time.Second), open)
	check(t, full, "b1", "", now.Add(time.Second), wantCheck{true, 15*time.Minute - time.Second + 1, KindUser})

	// A large spray over many shards stays within the cap.
	cfg.MaxKeys = 20_000
	big := newTracker(t, cfg)
	for i := range 200_000 {
		fail(t, big, fmt.Sprintf("user-%d", i), fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255), now)
	}
	s := big.Stats()
	limit := cfg.MaxKeys + maxShards // each shard's capacity is rounded up
	if s.Users > limit || s.IPs > limit || s.Users < cfg.MaxKeys/2 {
		t.Errorf("after spraying 200000 keys: %+v, want at most %d of each", s, limit)
	}
	if s.Evicted < 200_000*2-2*uint64(limit) {
		t.Errorf("Evicted = %d, want most of the sprayed keys", s.Evicted)
	}
	checkInvariants(t, big)
	checkInvariants(t, tr)
	checkInvariants(t, full)
}

func TestExpiredKeysMakeRoomFirst(t *testing.T) {
	c := newClock()
	cfg := testConfig(c, nil)
	cfg.MaxKeys = 10
	tr := newTracker(t, cfg)
	for range 3 {
		fail(t, tr, "blocked", "", t0)
	}
	for i := range 9 {
		fail(t, tr, fmt.Sprint("old", i), "", t0.Add(time.Second))
	}
	// Eleven minutes on, the old runs are over but the block is not: new
	// keys replace the dead ones, not the block, although it is older.
	now := t0.Add(11 * time.Minute)
	for i := range 9 {
		fail(t, tr, fmt.Sprint("new", i), "", now)
	}
	check(t, tr, "blocked", "", now, wantCheck{true, 4 * time.Minute, KindUser})
	if s := tr.Stats(); s.Evicted != 0 || s.Users != 10 {
		t.Errorf("Stats = %+v, want 10 users and no live key evicted", s)
	}
	// The sweep drops what no longer matters.
	if err := tr.sweep(t.Context(), t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if s := tr.Stats(); s.Users != 0 {
		t.Errorf("after the sweep %d users remain, want 0", s.Users)
	}
	checkInvariants(t, tr)
}

// TestKeyDoesNotRetainCredentials: the HTTP layer passes a username that
// shares memory with the decoded "user:password", and an address cut from
// RemoteAddr; the tracker must keep its own copies, whether it stores the
// key at Failed or holds an attempt in flight.
func TestKeyDoesNotRetainCredentials(t *testing.T) {
	tr := newTracker(t, testConfig(newClock(), nil))
	decoded := strings.Clone("mallory:hunter2")
	name := decoded[:len("mallory")]
	remote := strings.Clone("192.0.2.1:54321")
	ip := ClientKey(remote)
	shares := func(when string) {
		t.Helper()
		for _, tab := range []*table{tr.users, tr.ips} {
			for i := range tab.shards {
				s := &tab.shards[i]
				s.mu.Lock()
				for key := range s.m {
					if within(key, decoded) || within(key, remote) {
						t.Errorf("%s: the tracked %s key %q shares memory with the request", when, tab.kind, key)
					}
				}
				s.mu.Unlock()
			}
		}
	}
	a := begin(t, tr, name, ip, t0)
	shares("in flight")
	a.Failed(t0)
	shares("after Failed")
	if tr.Stats().Users != 1 || tr.Stats().IPs != 1 {
		t.Fatalf("Stats = %+v, want one key of each", tr.Stats())
	}
	a = begin(t, tr, name, ip, t0)
	a.Succeeded(t0)
	fail(t, tr, name, ip, t0)
	shares("after another run")
}

// within reports whether s points into the memory of buf.
func within(s, buf string) bool {
	p, start := uintptr(unsafe.Pointer(unsafe.StringData(s))), uintptr(unsafe.Pointer(unsafe.StringData(buf)))
	return p >= start && p < start+uintptr(len(buf))
}

func TestConcurrentUse(t *testing.T) {
	c := newClock()
	db := openBolt(t, "")
	tr := newTracker(t, testConfig(c, db))
	ctx := t.Context()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 300 {
				now := c.Now()
				user := fmt.Sprintf("u%d", i%20)
				ip := fmt.Sprintf("10.0.%d.%d", g, i%7)
				if a, ok, _, _ := tr.Begin(user, ip, false, now); ok {
					switch i % 10 {
					case 0:
						a.Succeeded(now)
					case 5:
						a.Abandon()
					default:
						a.Failed(now)
					}
				}
				if a, ok, _, _ := tr.Begin("target", ip, i%3 == 0, now); ok {
					a.Failed(now)
				}
				if i%10 == 0 {
					_ = tr.Locked(now)
					_, _ = tr.Unlock(ctx, KindUser, fmt.Sprintf("u%d", i%20))
					_ = tr.Apply("user/remote", []byte(fmt.Sprintf(`{"since":%q,"until":%q,"failures":3}`,
						t0.Format(time.RFC3339Nano), t0.Add(time.Hour).Format(time.RFC3339Nano))))
				}
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			c.Add(time.Second)
			_ = tr.Stats()
		}
	})
	wg.Wait()
	if got := probe(tr, "target", "", c.Now()); !got.blocked || got.kind != KindUser {
		t.Errorf("after 2400 guesses target is not blocked: %+v", got)
	}
	checkIdle(t, tr)
	if err := tr.flush(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Get(ctx, store.Lockouts, "user/target"); err != nil {
		t.Errorf("the target's block is not in the store: %v", err)
	}
}
