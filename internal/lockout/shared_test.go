package lockout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/store/etcdstore"
	"github.com/esauth/esauth/internal/store/etcdstore/etcdtest"
)

// follow plays the server's watch loop for one node: every event of the
// Lockouts collection is handed to Refresh.
func follow(t *testing.T, w store.Watcher, tr *Tracker) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	rev, err := w.Revision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = w.Watch(ctx, rev, func(e store.Event) {
			if e.Collection == store.Lockouts {
				if err := tr.Refresh(ctx, e.Key); err != nil && ctx.Err() == nil {
					t.Errorf("Refresh(%q): %v", e.Key, err)
				}
			}
		})
	}()
	t.Cleanup(func() { cancel(); <-done })
}

func openEtcd(t *testing.T, m *etcdtest.Member) *etcdstore.Store {
	t.Helper()
	s, err := etcdstore.Open(t.Context(), etcdstore.Config{Endpoints: etcdtest.Endpoints(m), Prefix: "/lockout-test/"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestBlocksHoldAcrossNodes runs two nodes on one real etcd: a block
// started on A holds on B, an Unlock on B lifts it on A, and a node that
// starts later loads the blocks in force.
func TestBlocksHoldAcrossNodes(t *testing.T) {
	m := etcdtest.StartMember(t)
	c := newClock()
	dbA, dbB := openEtcd(t, m), openEtcd(t, m)
	a := newTracker(t, testConfig(c, dbA))
	b := newTracker(t, testConfig(c, dbB))
	follow(t, dbA, a)
	follow(t, dbB, b)

	// Counts are per node: two failures on each of two nodes block nothing.
	for _, tr := range []*Tracker{a, b, a, b} {
		fail(t, tr, "alice", "", c.Now())
	}
	check(t, b, "alice", "", c.Now(), open)
	// The third on A blocks alice on A at once, and on B once the record
	// has travelled.
	if u, _ := fail(t, a, "alice", "", c.Now()); !u {
		t.Fatal("third failure on A did not block")
	}
	check(t, a, "alice", "", c.Now(), wantCheck{true, 15 * time.Minute, KindUser})
	start := time.Now()
	waitFor(t, 10*time.Second, "B to apply A's block", func() bool {
		return probe(b, "alice", "", c.Now()).blocked
	})
	t.Logf("a block reached the other node in %v", time.Since(start))
	check(t, b, "alice", "", c.Now(), wantCheck{true, 15 * time.Minute, KindUser})
	if got := b.Locked(c.Now()); len(got) != 1 || got[0].Key != "alice" || got[0].Failures != 3 {
		t.Errorf("B's Locked = %+v", got)
	}
	// An address block travels the same way.
	for range 5 {
		fail(t, b, fmt.Sprint("user", c.Now().UnixNano()), "192.0.2.7", c.Add(time.Second))
	}
	waitFor(t, 10*time.Second, "A to apply B's address block", func() bool {
		return probe(a, "", "192.0.2.7", c.Now()).kind == KindIP
	})

	// A third node started now loads both blocks.
	dbC := openEtcd(t, m)
	late := newTracker(t, testConfig(c, dbC))
	if err := late.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := late.Locked(c.Now()); len(got) != 2 {
		t.Errorf("the late node loaded %+v, want alice and 192.0.2.7", got)
	}

	// Unlock on B lifts the block on A too.
	if ok, err := b.Unlock(t.Context(), KindUser, "alice"); !ok || err != nil {
		t.Fatalf("Unlock = %v, %v", ok, err)
	}
	check(t, b, "alice", "", c.Now(), open)
	waitFor(t, 10*time.Second, "A to apply B's unlock", func() bool {
		return !probe(a, "alice", "", c.Now()).blocked
	})
	if _, err := dbA.Get(t.Context(), store.Lockouts, "user/alice"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the record outlived Unlock: %v", err)
	}
}

// TestBlocksSurviveRestart uses the embedded store: a block written before
// a restart holds after it.
func TestBlocksSurviveRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "esauth.db")
	c := newClock()
	db := openBolt(t, path)
	tr, err := New(testConfig(c, db))
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		fail(t, tr, "alice", "", c.Now())
	}
	if err := tr.Close(t.Context()); err != nil { // writes what is still queued
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = openBolt(t, path)
	after := newTracker(t, testConfig(c, db))
	if err := after.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	check(t, after, "alice", "", c.Add(time.Minute), wantCheck{true, 14 * time.Minute, KindUser})
}

func TestStoreKeepsTheLongerBlock(t *testing.T) {
	c := newClock()
	db := openBolt(t, "")
	ctx := t.Context()
	long := record{Since: t0, Until: t0.Add(time.Hour), Failures: 9}
	val, _ := json.Marshal(long)
	if err := db.Create(ctx, store.Lockouts, "user/alice", val); err != nil {
		t.Fatal(err)
	}
	tr := newTracker(t, testConfig(c, db))
	for range 3 {
		fail(t, tr, "alice", "", c.Now())
	}
	if err := tr.flush(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := db.Get(ctx, store.Lockouts, "user/alice")
	if err != nil {
		t.Fatal(err)
	}
	var r record
	if err := json.Unmarshal(got, &r); err != nil || !r.Until.Equal(long.Until) {
		t.Errorf("stored %s, want the longer block kept", got)
	}
}

func TestFailedWritesAreRetried(t *testing.T) {
	c := newClock()
	db := &flakyStore{Store: openBolt(t, "")}
	db.down.Store(true)
	tr := newTracker(t, testConfig(c, db))
	ctx := t.Context()
	for range 3 {
		fail(t, tr, "alice", "", c.Now())
	}
	// The background writer tries at once and fails.
	waitFor(t, 5*time.Second, "a first write attempt", func() bool { return db.writes.Load() > 0 })
	if _, err := db.Get(ctx, store.Lockouts, "user/alice"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("record written while the store was down: %v", err)
	}
	// Back up: the queued block gets written (here by Close, which also
	// waits for the writer).
	db.down.Store(false)
	if err := tr.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Get(ctx, store.Lockouts, "user/alice"); err != nil {
		t.Errorf("the block was lost after a failed write: %v", err)
	}
}

func TestSweepRemovesEndedRecords(t *testing.T) {
	c := newClock()
	db := openBolt(t, "")
	tr := newTracker(t, testConfig(c, db))
	ctx := t.Context()
	for range 3 {
		fail(t, tr, "old", "", t0)
	}
	later := t0.Add(10 * time.Minute)
	for range 3 {
		fail(t, tr, "new", "", later)
	}
	if err := db.Create(ctx, store.Lockouts, "user/garbage", []byte("{")); err != nil {
		t.Fatal(err)
	}
	if err := tr.flush(ctx); err != nil {
		t.Fatal(err)
	}
	// old's block ended at +15m; with the grace it goes after +16m.
	for _, tt := range []struct {
		at   time.Duration
		want []string
	}{
		{15 * time.Minute, []string{"user/new", "user/old"}},
		{16*time.Minute + time.Second, []string{"user/new"}},
		{26*time.Minute + time.Second, nil},
	} {
		if err := tr.sweep(ctx, t0.Add(tt.at)); err != nil {
			t.Fatal(err)
		}
		var keys []string
		if err := db.List(ctx, store.Lockouts, func(k string, _ []byte) error { keys = append(keys, k); return nil }); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, keys); diff != "" {
			t.Errorf("records after a sweep at +%v (-want +got):\n%s", tt.at, diff)
		}
	}
}

func TestApply(t *testing.T) {
	c := newClock()
	tr := newTracker(t, testConfig(c, nil))
	rec := func(since, until time.Duration, failures int) []byte {
		b, _ := json.Marshal(record{Since: t0.Add(since), Until: t0.Add(until), Failures: failures})
		return b
	}
	for _, bad := range []struct {
		key string
		val []byte
	}{{"alice", rec(0, time.Hour, 3)}, {"user/", rec(0, time.Hour, 3)}, {"group/x", rec(0, time.Hour, 3)}, {"user/x", []byte("[]")}, {"user/x", []byte("{}")}} {
		if err := tr.Apply(bad.key, bad.val); err == nil {
			t.Errorf("Apply(%q, %s) accepted", bad.key, bad.val)
		}
	}
	// An ended block is ignored; a running one applies.
	if err := tr.Apply("user/alice", rec(-time.Hour, -time.Minute, 3)); err != nil {
		t.Fatal(err)
	}
	check(t, tr, "alice", "", t0, open)
	if err := tr.Apply("user/alice", rec(0, 10*time.Minute, 3)); err != nil {
		t.Fatal(err)
	}
	check(t, tr, "alice", "", t0, wantCheck{true, 10 * time.Minute, KindUser})
	// A shorter remote block does not cut a longer one short.
	_ = tr.Apply("user/alice", rec(0, 5*time.Minute, 3))
	check(t, tr, "alice", "", t0, wantCheck{true, 10 * time.Minute, KindUser})
	_ = tr.Apply("user/alice", rec(0, 20*time.Minute, 3))
	check(t, tr, "alice", "", t0, wantCheck{true, 20 * time.Minute, KindUser})
	// A deletion lifts a block...
	_ = tr.Apply("user/alice", nil)
	check(t, tr, "alice", "", t0, open)
	// ...but does not reset a run in progress: a sweep deleting an old
	// record must not hand out free attempts.
	fail(t, tr, "bob", "", t0)
	fail(t, tr, "bob", "", t0)
	_ = tr.Apply("user/bob", nil)
	if u, _ := fail(t, tr, "bob", "", t0); !u {
		t.Error("a deletion reset bob's run")
	}
}
