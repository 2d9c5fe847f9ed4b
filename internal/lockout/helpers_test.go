package lockout

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/store/boltstore"
)

// t0 is an arbitrary fixed start for the fake clocks.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// clock is a fake clock for Config.Now; tests move it by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: t0} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// testConfig: 3 failures per user, 5 per address, 10 minute runs, 15
// minute blocks; the sweep is left to the tests.
func testConfig(c *clock, db store.Store) Config {
	return Config{MaxAttempts: 3, IPMaxAttempts: 5, Window: 10 * time.Minute, Duration: 15 * time.Minute,
		Store: db, Now: c.Now, SweepInterval: time.Hour}
}

func newTracker(t testing.TB, cfg Config) *Tracker {
	t.Helper()
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := tr.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return tr
}

func openBolt(t testing.TB, path string) *boltstore.Store {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "esauth.db")
	}
	s, err := boltstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// flakyStore fails every write while down is set, as an unreachable etcd
// would.
type flakyStore struct {
	store.Store
	down   atomic.Bool
	writes atomic.Int64
}

var errDown = fmt.Errorf("flaky: %w", store.ErrUnavailable)

func (f *flakyStore) Update(ctx context.Context, c store.Collection, key string, fn store.UpdateFunc) (bool, error) {
	f.writes.Add(1)
	if f.down.Load() {
		return false, errDown
	}
	return f.Store.Update(ctx, c, key, fn)
}

// wantCheck is what Begin answers: refused or not, for how long, and
// which kind of key refused.
type wantCheck struct {
	blocked bool
	after   time.Duration
	kind    string
}

// probe asks Begin about a login and abandons the attempt if admitted, so
// that it counts nothing.
func probe(tr *Tracker, user, ip string, now time.Time) wantCheck {
	a, ok, after, kind := tr.Begin(user, ip, false, now)
	a.Abandon()
	return wantCheck{!ok, after, kind}
}

func check(t *testing.T, tr *Tracker, user, ip string, now time.Time, want wantCheck) {
	t.Helper()
	if got := probe(tr, user, ip, now); got != want {
		t.Errorf("Begin(%q, %q) at +%v = %+v, want %+v", user, ip, now.Sub(t0), got, want)
	}
}

var (
	open = wantCheck{}
	// The refusals of a login whose key has no room for another attempt
	// in flight.
	busyUser = wantCheck{true, busyRetry, KindUser}
	busyIP   = wantCheck{true, busyRetry, KindIP}
)

// begin reserves an attempt the test needs admitted.
func begin(t testing.TB, tr *Tracker, user, ip string, now time.Time) Attempt {
	t.Helper()
	a, ok, after, kind := tr.Begin(user, ip, false, now)
	if !ok {
		t.Fatalf("Begin(%q, %q) at +%v refused: %v, %q", user, ip, now.Sub(t0), after, kind)
	}
	return a
}

// fail plays one login with a wrong password: Begin, then Failed.
func fail(t testing.TB, tr *Tracker, user, ip string, now time.Time) (userBlocked, ipBlocked bool) {
	t.Helper()
	return begin(t, tr, user, ip, now).Failed(now)
}

// succeed plays one login with the right password.
func succeed(t testing.TB, tr *Tracker, user, ip string, now time.Time) {
	t.Helper()
	begin(t, tr, user, ip, now).Succeeded(now)
}

// inject counts a failure without a reservation, as no login can once the
// limit is reached: for fixtures only.
func inject(tr *Tracker, user, ip string, now time.Time) {
	n := now.UnixNano()
	for _, k := range []struct {
		tab *table
		key string
	}{{tr.users, user}, {tr.ips, ip}} {
		if k.tab.tracks(k.key) {
			k.tab.failed(k.key, k.tab.hash(k.key), false, n)
		}
	}
}

// remoteBlock applies a block of key started at since by another node.
func remoteBlock(t *testing.T, tr *Tracker, key string, since, until time.Time, failures int) {
	t.Helper()
	val, err := json.Marshal(record{Since: since, Until: until, Failures: failures})
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Apply(key, val); err != nil {
		t.Fatal(err)
	}
}

// inFlight returns the attempts in flight for key in tab.
func inFlight(tab *table, key string) int {
	h := tab.hash(key)
	s := tab.shard(h)
	s.mu.Lock()
	defer s.mu.Unlock()
	return int(s.inflight[h])
}

// waitFor polls cond until it holds or fails the test after timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// checkInvariants verifies the bookkeeping of every shard: map, list and
// counters agree.
func checkInvariants(t *testing.T, tr *Tracker) {
	t.Helper()
	for _, tab := range []*table{tr.users, tr.ips} {
		if tab == nil {
			continue
		}
		total := 0
		for i := range tab.shards {
			s := &tab.shards[i]
			s.mu.Lock()
			listed, blocks := 0, 0
			for e := s.lru.next; e != &s.lru; e = e.next {
				listed++
				if s.m[e.key] != e {
					t.Errorf("%s shard %d: listed entry %q is not the mapped one", tab.kind, i, e.key)
				}
				if e.until != 0 {
					blocks++
				}
			}
			if listed != len(s.m) || int32(blocks) != s.blocks.Load() || len(s.m) > s.capacity {
				t.Errorf("%s shard %d: %d mapped, %d listed, %d blocks counted as %d, capacity %d",
					tab.kind, i, len(s.m), listed, blocks, s.blocks.Load(), s.capacity)
			}
			for h, n := range s.inflight {
				if n <= 0 {
					t.Errorf("%s shard %d: %d attempts in flight for hash %x", tab.kind, i, n, h)
				}
			}
			total += len(s.m)
			s.mu.Unlock()
		}
		if int64(total) != tab.tracked.Load() {
			t.Errorf("%s: %d entries, tracked counts %d", tab.kind, total, tab.tracked.Load())
		}
	}
}

// checkIdle verifies that no attempt is left in flight once every login
// has finished.
func checkIdle(t *testing.T, tr *Tracker) {
	t.Helper()
	checkInvariants(t, tr)
	if n := tr.Stats().InFlight; n != 0 {
		t.Errorf("Stats().InFlight = %d with no login in progress", n)
	}
	for _, tab := range []*table{tr.users, tr.ips} {
		if tab == nil {
			continue
		}
		for i := range tab.shards {
			s := &tab.shards[i]
			s.mu.Lock()
			if len(s.inflight) != 0 {
				t.Errorf("%s shard %d: reservations left: %v", tab.kind, i, s.inflight)
			}
			s.mu.Unlock()
		}
	}
}
