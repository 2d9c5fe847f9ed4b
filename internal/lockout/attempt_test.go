package lockout

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// burst is the outcome of many logins begun at once.
type burst struct {
	admitted, refused int
	refusals          map[wantCheck]int
}

// guessAtOnce starts n logins together (user(i) from ip(i)), all of which
// have Begin answered before any admitted one finishes its "hash" with
// Failed: the shape of the reported attack, where hundreds of guesses
// wait behind a slow hash.
func guessAtOnce(tr *Tracker, n int, user, ip func(int) string) burst {
	start, hashed := make(chan struct{}), make(chan struct{})
	var begun, done sync.WaitGroup
	var mu sync.Mutex
	b := burst{refusals: make(map[wantCheck]int)}
	begun.Add(n)
	for i := range n {
		done.Go(func() {
			<-start
			a, ok, after, kind := tr.Begin(user(i), ip(i), false, t0)
			mu.Lock()
			if ok {
				b.admitted++
			} else {
				b.refused++
				b.refusals[wantCheck{true, after, kind}]++
			}
			mu.Unlock()
			begun.Done()
			if ok {
				<-hashed
				a.Failed(t0)
			}
		})
	}
	close(start)
	begun.Wait()
	close(hashed)
	done.Wait()
	return b
}

// TestConcurrentGuessesForOneUser is the review finding: 300 guesses for
// one username at once must get no more than MaxAttempts passwords
// checked, and block the username.
func TestConcurrentGuessesForOneUser(t *testing.T) {
	cfg := testConfig(newClock(), nil)
	cfg.MaxAttempts, cfg.IPMaxAttempts = 5, 50
	tr := newTracker(t, cfg)
	got := guessAtOnce(tr, 300, func(int) string { return "alice" },
		func(i int) string { return fmt.Sprintf("198.51.100.%d", i%250) })
	if got.admitted != 5 || got.refused != 295 || got.refusals[busyUser] != 295 {
		t.Errorf("300 guesses at once: %d admitted, %d refused %v; want 5 admitted, 295 refused as busy", got.admitted, got.refused, got.refusals)
	}
	// The right password, now, is refused too.
	check(t, tr, "alice", "203.0.113.1", t0, wantCheck{true, 15 * time.Minute, KindUser})
	if l := tr.Locked(t0); len(l) != 1 || l[0].Failures != 5 {
		t.Errorf("Locked = %+v, want alice's block with 5 failures", l)
	}
	checkIdle(t, tr)
}

// TestConcurrentGuessesFromOneAddress: 300 names guessed at once from one
// address get at most IPMaxAttempts passwords checked.
func TestConcurrentGuessesFromOneAddress(t *testing.T) {
	cfg := testConfig(newClock(), nil)
	cfg.IPMaxAttempts = 20
	tr := newTracker(t, cfg)
	got := guessAtOnce(tr, 300, func(i int) string { return fmt.Sprint("user-", i) },
		func(int) string { return "198.51.100.7" })
	if got.admitted != 20 || got.refused != 280 || got.refusals[busyIP] != 280 {
		t.Errorf("300 guesses at once: %d admitted, %d refused %v; want 20 admitted, 280 refused as busy", got.admitted, got.refused, got.refusals)
	}
	check(t, tr, "somebody", "198.51.100.7", t0, wantCheck{true, 15 * time.Minute, KindIP})
	// The address is left out for an account that must stay reachable.
	a, ok, _, _ := tr.Begin("elastic", "198.51.100.7", true, t0)
	if !ok {
		t.Fatal("a login leaving out the blocked address was refused")
	}
	a.Failed(t0)
	if l := tr.Locked(t0); len(l) != 1 || l[0].Failures != 20 {
		t.Errorf("Locked = %+v, want the address's block, its count untouched by the login leaving it out", l)
	}
	checkIdle(t, tr)
}

// TestGuessesRacingHashes lets every guess run free: each goroutine keeps
// guessing, hashing for a moment when admitted, until it meets the block.
// However the outcomes interleave with the Begins, no more than
// MaxAttempts passwords are checked, nor in flight at once.
func TestGuessesRacingHashes(t *testing.T) {
	cfg := testConfig(newClock(), nil)
	cfg.MaxAttempts, cfg.IPMaxAttempts = 5, 0
	tr := newTracker(t, cfg)
	var admitted, inFlight, peak atomic.Int64
	start := make(chan struct{})
	var wg sync.WaitGroup
	for range 300 {
		wg.Go(func() {
			<-start
			for {
				a, ok, after, _ := tr.Begin("alice", "", false, t0)
				if !ok {
					if after == busyRetry {
						runtime.Gosched() // the client retrying
						continue
					}
					return // blocked
				}
				admitted.Add(1)
				n := inFlight.Add(1)
				for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
				}
				time.Sleep(time.Millisecond) // the hash
				inFlight.Add(-1)
				a.Failed(t0)
			}
		})
	}
	close(start)
	wg.Wait()
	if admitted.Load() != 5 || peak.Load() > 5 {
		t.Errorf("%d passwords checked, at most %d at once; want 5, at most 5", admitted.Load(), peak.Load())
	}
	check(t, tr, "alice", "", t0, wantCheck{true, 15 * time.Minute, KindUser})
	checkIdle(t, tr)
}

// TestAbandonCountsNothing: an abandoned attempt frees its place and
// counts no failure.
func TestAbandonCountsNothing(t *testing.T) {
	tr := newTracker(t, testConfig(newClock(), nil))
	var held []Attempt
	for range 3 {
		held = append(held, begin(t, tr, "alice", "10.0.0.1", t0))
	}
	check(t, tr, "alice", "10.0.0.2", t0, busyUser)
	if n := tr.Stats().InFlight; n != 3 {
		t.Errorf("Stats().InFlight = %d, want 3", n)
	}
	held[0].Abandon()
	held[0] = begin(t, tr, "alice", "10.0.0.1", t0)
	for _, a := range held {
		a.Abandon()
	}
	checkIdle(t, tr)
	// Nothing was counted: two failures still leave alice open, for the
	// username and for the address alike (five from it would block it).
	fail(t, tr, "alice", "10.0.0.1", t0)
	fail(t, tr, "alice", "10.0.0.1", t0)
	check(t, tr, "alice", "10.0.0.1", t0, open)
	for i := range 3 {
		fail(t, tr, fmt.Sprint("other", i), "10.0.0.1", t0)
	}
	check(t, tr, "bob", "10.0.0.1", t0, wantCheck{true, 15 * time.Minute, KindIP})
}

// TestSucceededFreesBothKeys: a success releases the address's place as
// well as the username's, and resets only the username's run.
func TestSucceededFreesBothKeys(t *testing.T) {
	cfg := testConfig(newClock(), nil)
	cfg.IPMaxAttempts = 3
	tr := newTracker(t, cfg)
	fail(t, tr, "alice", "10.0.0.1", t0)
	fail(t, tr, "alice", "10.0.0.1", t0)
	a := begin(t, tr, "alice", "10.0.0.1", t0)
	check(t, tr, "alice", "10.0.0.2", t0, busyUser)
	check(t, tr, "bob", "10.0.0.1", t0, busyIP)
	a.Succeeded(t0)
	check(t, tr, "bob", "10.0.0.1", t0, open)
	// alice's run is reset, the address's is not: its third failure blocks.
	if u, ip := fail(t, tr, "alice", "10.0.0.1", t0); u || !ip {
		t.Errorf("a failure after the success = (%v, %v), want an address block only", u, ip)
	}
	fail(t, tr, "alice", "10.0.0.2", t0)
	check(t, tr, "alice", "10.0.0.3", t0, open)
	checkIdle(t, tr)
}

// TestRefusalReleasesTheOtherKey: a login admitted for its username but
// refused for its address must not keep the username's place.
func TestRefusalReleasesTheOtherKey(t *testing.T) {
	tr := newTracker(t, testConfig(newClock(), nil))
	for i := range 5 {
		fail(t, tr, fmt.Sprint("spray", i), "10.0.0.1", t0)
	}
	for range 10 {
		check(t, tr, "alice", "10.0.0.1", t0, wantCheck{true, 15 * time.Minute, KindIP})
	}
	var held []Attempt
	for range 3 {
		held = append(held, begin(t, tr, "alice", "10.0.0.2", t0))
	}
	// The address's block says more than alice being busy.
	check(t, tr, "alice", "10.0.0.1", t0, wantCheck{true, 15 * time.Minute, KindIP})
	for _, a := range held {
		a.Failed(t0.Add(time.Minute))
	}
	// Both blocked: the longer one is reported.
	check(t, tr, "alice", "10.0.0.1", t0.Add(time.Minute), wantCheck{true, 15 * time.Minute, KindUser})
	check(t, tr, "bob", "10.0.0.1", t0.Add(time.Minute), wantCheck{true, 14 * time.Minute, KindIP})
	checkIdle(t, tr)
}

// TestInFlightAcrossWindow: attempts begun in one run and failing after
// its window count in the next, and keep their place meanwhile.
func TestInFlightAcrossWindow(t *testing.T) {
	tr := newTracker(t, testConfig(newClock(), nil))
	fail(t, tr, "alice", "", t0)
	a := begin(t, tr, "alice", "", t0.Add(time.Minute))
	b := begin(t, tr, "alice", "", t0.Add(time.Minute))
	check(t, tr, "alice", "", t0.Add(9*time.Minute), busyUser)
	// The run is over: its failure no longer counts, the attempts in
	// flight still do.
	end := t0.Add(10 * time.Minute)
	c := begin(t, tr, "alice", "", end)
	check(t, tr, "alice", "", end, busyUser)
	for _, at := range []Attempt{a, b} {
		if u, _ := at.Failed(end); u {
			t.Fatal("a failure short of the limit blocked")
		}
	}
	check(t, tr, "alice", "", end, busyUser) // two failures of the new run and c
	if u, _ := c.Failed(end.Add(time.Second)); !u {
		t.Fatal("the third failure of the new run did not block")
	}
	check(t, tr, "alice", "", end.Add(time.Second), wantCheck{true, 15 * time.Minute, KindUser})
	if l := tr.Locked(end); len(l) != 1 || l[0].Failures != 3 || !l[0].Since.Equal(end.Add(time.Second)) {
		t.Errorf("Locked = %+v, want a block of the new run's 3 failures", l)
	}
	checkIdle(t, tr)
}

// TestEvictionKeepsAttemptsInFlight: evicting a key under MaxKeys pressure
// loses its failures (as ever) but not its attempts in flight, and
// releasing them later touches no other key.
func TestEvictionKeepsAttemptsInFlight(t *testing.T) {
	cfg := testConfig(newClock(), nil)
	cfg.MaxKeys, cfg.IPMaxAttempts = 10, 0 // one shard: eviction order is exact
	tr := newTracker(t, cfg)
	fail(t, tr, "victim", "", t0)
	fail(t, tr, "victim", "", t0)
	v1 := begin(t, tr, "victim", "", t0)
	now := t0.Add(time.Second)
	for i := range 20 {
		fail(t, tr, fmt.Sprint("spray", i), "", now)
	}
	if s := tr.Stats(); s.Evicted != 11 || s.Users != 10 {
		t.Fatalf("Stats = %+v, want 10 users, 11 evicted", s)
	}
	if n := inFlight(tr.users, "victim"); n != 1 {
		t.Fatalf("victim has %d attempts in flight after its eviction, want 1", n)
	}
	// Its two failures are gone, its attempt in flight is not.
	v2 := begin(t, tr, "victim", "", now)
	v3 := begin(t, tr, "victim", "", now)
	check(t, tr, "victim", "", now, busyUser)
	v1.Failed(now)
	v2.Failed(now)
	if u, _ := v3.Failed(now); !u {
		t.Error("three failures after the eviction did not block")
	}
	// The sprayed keys kept their counts and have no stray reservation:
	// each has room for exactly two more attempts.
	for i := 11; i < 20; i++ { // spray10 made room for the victim's new entry
		name := fmt.Sprint("spray", i)
		a, b := begin(t, tr, name, "", now), begin(t, tr, name, "", now)
		check(t, tr, name, "", now, busyUser)
		a.Abandon()
		b.Abandon()
	}
	checkIdle(t, tr)
}

// TestUnlockWithAttemptsInFlight: Unlock forgets a key's block and run
// but not its attempts in flight, which then count in a fresh run.
func TestUnlockWithAttemptsInFlight(t *testing.T) {
	c := newClock()
	tr := newTracker(t, testConfig(c, nil))
	now := c.Now()
	a := begin(t, tr, "alice", "", now)
	remoteBlock(t, tr, "user/alice", now, now.Add(time.Hour), 3) // another node's
	check(t, tr, "alice", "", now, wantCheck{true, time.Hour, KindUser})
	if ok, err := tr.Unlock(t.Context(), KindUser, "alice"); !ok || err != nil {
		t.Fatalf("Unlock = %v, %v", ok, err)
	}
	b := begin(t, tr, "alice", "", now)
	d := begin(t, tr, "alice", "", now)
	check(t, tr, "alice", "", now, busyUser) // a still holds its place
	if u, _ := a.Failed(now); u {
		t.Error("the first failure after Unlock blocked")
	}
	b.Failed(now)
	if u, _ := d.Failed(now); !u {
		t.Error("three failures after Unlock did not block")
	}
	if l := tr.Locked(now); len(l) != 1 || l[0].Failures != 3 {
		t.Errorf("Locked = %+v, want a fresh block of 3 failures", l)
	}
	checkIdle(t, tr)
}

// TestFinishingTwiceGrantsNoExtraRoom: finishing an attempt twice is a
// caller's bug, but it must not push a count below zero, which would
// admit one attempt too many for good.
func TestFinishingTwiceGrantsNoExtraRoom(t *testing.T) {
	tr := newTracker(t, testConfig(newClock(), nil))
	a := begin(t, tr, "alice", "10.0.0.1", t0)
	a.Abandon()
	a.Abandon()
	for range 3 {
		begin(t, tr, "alice", "10.0.0.1", t0)
	}
	check(t, tr, "alice", "10.0.0.1", t0, busyUser)
}
