package lockout

import (
	"context"
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

type wantCheck struct {
	blocked bool
	after   time.Duration
	kind    string
}

func check(t *testing.T, tr *Tracker, user, ip string, now time.Time, want wantCheck) {
	t.Helper()
	b, after, kind := tr.Check(user, ip, now)
	if got := (wantCheck{b, after, kind}); got != want {
		t.Errorf("Check(%q, %q) at +%v = %+v, want %+v", user, ip, now.Sub(t0), got, want)
	}
}

var open = wantCheck{}

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
			s.mu.RLock()
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
			total += len(s.m)
			s.mu.RUnlock()
		}
		if int64(total) != tab.tracked.Load() {
			t.Errorf("%s: %d entries, tracked counts %d", tab.kind, total, tab.tracked.Load())
		}
	}
}
