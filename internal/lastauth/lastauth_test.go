package lastauth

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/google/go-cmp/cmp"

	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/store/boltstore"
	"github.com/esauth/esauth/internal/store/etcdstore"
	"github.com/esauth/esauth/internal/store/etcdstore/etcdtest"
)

// t0 is an arbitrary start, in whole milliseconds as the store keeps them.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// countingStore counts writes and can fail them, as an unreachable etcd
// would.
type countingStore struct {
	store.Store
	writes atomic.Int64
	down   atomic.Bool
}

func (c *countingStore) Update(ctx context.Context, col store.Collection, key string, fn store.UpdateFunc) (bool, error) {
	c.writes.Add(1)
	if c.down.Load() {
		return false, fmt.Errorf("counting: %w", store.ErrUnavailable)
	}
	return c.Store.Update(ctx, col, key, fn)
}

func openBolt(t testing.TB) *countingStore {
	t.Helper()
	s, err := boltstore.Open(filepath.Join(t.TempDir(), "esauth.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return &countingStore{Store: s}
}

// newRecorder returns a recorder whose periodic flush never fires during
// the test, unless opt says otherwise.
func newRecorder(t testing.TB, db store.Store, opt Options) *Recorder {
	t.Helper()
	if opt.Interval == 0 {
		opt.Interval = time.Hour
	}
	r := New(db, opt)
	t.Cleanup(func() {
		if err := r.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return r
}

func wantGet(t *testing.T, r *Recorder, name string, want time.Time) {
	t.Helper()
	got, ok, err := r.Get(t.Context(), name)
	if err != nil || ok != !want.IsZero() || !got.Equal(want) {
		t.Errorf("Get(%q) = %v, %v, %v; want %v", name, got, ok, err, want)
	}
}

func TestRecordFlushGet(t *testing.T) {
	db := openBolt(t)
	r := newRecorder(t, db, Options{})
	ctx := t.Context()
	r.Record("alice", t0)
	r.Record("bob", t0.Add(time.Minute))
	if db.writes.Load() != 0 {
		t.Fatal("Record wrote to the store")
	}
	wantGet(t, r, "alice", t0) // from memory
	wantGet(t, r, "carol", time.Time{})
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	// A node with empty memory reads the store.
	fresh := newRecorder(t, db, Options{})
	wantGet(t, fresh, "alice", t0)
	wantGet(t, fresh, "bob", t0.Add(time.Minute))
	all, err := fresh.All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]time.Time{"alice": t0, "bob": t0.Add(time.Minute)}, all); diff != "" {
		t.Errorf("All (-want +got):\n%s", diff)
	}
	// Nothing changed: the next flush writes nothing.
	before := db.writes.Load()
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := db.writes.Load() - before; n != 0 {
		t.Errorf("a flush with nothing new made %d writes", n)
	}
}

func TestResolution(t *testing.T) {
	db := openBolt(t)
	r := newRecorder(t, db, Options{})
	r.Record("alice", t0)
	r.Record("alice", t0.Add(999*time.Millisecond)) // within a second: not recorded
	wantGet(t, r, "alice", t0)
	r.Record("alice", t0.Add(-time.Hour)) // older: ignored
	wantGet(t, r, "alice", t0)
	r.Record("alice", t0.Add(time.Second))
	wantGet(t, r, "alice", t0.Add(time.Second))

	// A login within the resolution after a flush leaves nothing to write.
	if err := r.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	before := db.writes.Load()
	r.Record("alice", t0.Add(1500*time.Millisecond))
	if err := r.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := db.writes.Load() - before; n != 0 {
		t.Errorf("%d writes for a login within the resolution", n)
	}
	r.Record("", t0) // ignored
	if all, _ := r.All(t.Context()); len(all) != 1 {
		t.Errorf("All = %v, want alice only", all)
	}
}

func TestFlushWritesOneRecordPerBucket(t *testing.T) {
	db := openBolt(t)
	r := newRecorder(t, db, Options{})
	for i := range 5000 {
		r.Record(fmt.Sprint("user-", i), t0)
	}
	if err := r.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := db.writes.Load(); n != buckets {
		t.Errorf("flushing 5000 users made %d writes, want %d", n, buckets)
	}
	fresh := newRecorder(t, db, Options{})
	wantGet(t, fresh, "user-4321", t0)
}

// TestTwoNodesKeepTheLatest runs two recorders against one real etcd
// through separate clients, as two nodes would: each bucket ends with the
// later time of every user, whoever flushed last.
func TestTwoNodesKeepTheLatest(t *testing.T) {
	m := etcdtest.StartMember(t)
	open := func() store.Store {
		s, err := etcdstore.Open(t.Context(), etcdstore.Config{Endpoints: etcdtest.Endpoints(m), Prefix: "/lastauth-test/"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	a := newRecorder(t, open(), Options{})
	b := newRecorder(t, open(), Options{})
	ctx := t.Context()
	a.Record("alice", t0.Add(2*time.Minute))
	a.Record("bob", t0)
	b.Record("alice", t0)
	b.Record("bob", t0.Add(3*time.Minute))
	// Many users on both nodes, flushed at the same moment: the buckets
	// are contended and every compare-and-swap retry must merge.
	for i := range 500 {
		a.Record(fmt.Sprint("u", i), t0.Add(time.Duration(i%2)*time.Hour))
		b.Record(fmt.Sprint("u", i), t0.Add(time.Duration(1-i%2)*time.Hour))
	}
	var wg sync.WaitGroup
	for _, r := range []*Recorder{a, b} {
		wg.Go(func() {
			if err := r.Flush(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	c := newRecorder(t, open(), Options{})
	all, err := c.All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 502 {
		t.Fatalf("All has %d users, want 502", len(all))
	}
	for name, at := range all {
		want := t0.Add(time.Hour)
		switch name {
		case "alice":
			want = t0.Add(2 * time.Minute)
		case "bob":
			want = t0.Add(3 * time.Minute)
		}
		if !at.Equal(want) {
			t.Errorf("%s: %v, want %v", name, at, want)
		}
	}
	// Each node's Get merges memory with the other node's flush.
	wantGet(t, a, "bob", t0.Add(3*time.Minute))
	wantGet(t, b, "alice", t0.Add(2*time.Minute))
}

func TestCloseFlushes(t *testing.T) {
	db := openBolt(t)
	r := New(db, Options{Interval: time.Hour})
	r.Record("alice", t0)
	if err := r.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(t.Context()); err != nil {
		t.Errorf("second Close = %v", err)
	}
	wantGet(t, newRecorder(t, db, Options{}), "alice", t0)
}

func TestPeriodicFlush(t *testing.T) {
	db := openBolt(t)
	r := newRecorder(t, db, Options{Interval: 10 * time.Millisecond})
	r.Record("alice", t0)
	fresh := newRecorder(t, db, Options{})
	deadline := time.Now().Add(5 * time.Second)
	for {
		if at, ok, _ := fresh.Get(t.Context(), "alice"); ok && at.Equal(t0) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the periodic flush never wrote alice")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestFailedFlushIsRetried(t *testing.T) {
	db := openBolt(t)
	r := newRecorder(t, db, Options{})
	db.down.Store(true)
	r.Record("alice", t0)
	if err := r.Flush(t.Context()); err == nil {
		t.Fatal("Flush to a store that is down = nil")
	}
	db.down.Store(false)
	if err := r.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	wantGet(t, newRecorder(t, db, Options{}), "alice", t0)
}

func TestForgetAndDrop(t *testing.T) {
	db := openBolt(t)
	r := newRecorder(t, db, Options{})
	ctx := t.Context()
	// alice and alice's bucket neighbour share a record.
	neighbour := ""
	for i := 0; neighbour == ""; i++ {
		if n := fmt.Sprint("n", i); bucket(n) == bucket("alice") {
			neighbour = n
		}
	}
	r.Record("alice", t0)
	r.Record(neighbour, t0)
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.Forget(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	wantGet(t, r, "alice", time.Time{})
	wantGet(t, newRecorder(t, db, Options{}), "alice", time.Time{})
	wantGet(t, r, neighbour, t0)
	// Forgetting a name never stored writes nothing.
	before := db.writes.Load()
	if err := r.Forget(ctx, "nobody"); err != nil {
		t.Fatal(err)
	}
	if db.writes.Load() != before+1 { // the attempt, aborted before writing
		t.Errorf("Forget(nobody) made %d update calls", db.writes.Load()-before)
	}
	val, _ := db.Get(ctx, store.LastAuth, bucketKey("alice"))
	var m map[string]int64
	if err := json.Unmarshal(val, &m); err != nil || len(m) != 1 {
		t.Errorf("bucket after Forget = %s", val)
	}

	// Drop forgets memory only, as on nodes that see another delete.
	other := newRecorder(t, db, Options{})
	other.Record("bob", t0)
	other.Drop("bob")
	wantGet(t, other, "bob", time.Time{})
}

func TestNilRecorder(t *testing.T) {
	var r *Recorder
	ctx := t.Context()
	r.Record("a", t0)
	r.Drop("a")
	if _, ok, err := r.Get(ctx, "a"); ok || err != nil {
		t.Error(ok, err)
	}
	if all, err := r.All(ctx); all != nil || err != nil {
		t.Error(all, err)
	}
	for _, err := range []error{r.Flush(ctx), r.Forget(ctx, "a"), r.Close(ctx)} {
		if err != nil {
			t.Error(err)
		}
	}
}

func TestBucketIsStable(t *testing.T) {
	for _, name := range []string{"", "elastic", "alice", "ünïcode", strings.Repeat("x", 600)} {
		h := fnv.New32a()
		h.Write([]byte(name))
		if got, want := bucket(name), int(h.Sum32()%buckets); got != want {
			t.Errorf("bucket(%q) = %d, want FNV-1a's %d", name, got, want)
		}
	}
	// Pinned: a change here strands every stored time.
	if got := bucketKey("elastic"); got != "08" {
		t.Errorf(`bucketKey("elastic") = %q, want "08"`, got)
	}
}

func TestRecordDoesNotAllocate(t *testing.T) {
	r := newRecorder(t, openBolt(t), Options{})
	r.Record("alice", t0)
	now := t0
	if n := testing.AllocsPerRun(1000, func() {
		now = now.Add(time.Second) // every call records, the costlier path
		r.Record("alice", now)
	}); n != 0 {
		t.Errorf("Record of a known user allocates %v times", n)
	}
	decoded := strings.Clone("mallory:hunter2")
	r.Record(decoded[:len("mallory")], t0)
	s := r.shard("mallory")
	for key := range s.m {
		if unsafe.StringData(key) == unsafe.StringData(decoded) {
			t.Fatal("the recorded name shares memory with the credentials")
		}
	}
}

func TestConcurrentRecordAndFlush(t *testing.T) {
	db := openBolt(t)
	r := newRecorder(t, db, Options{})
	ctx := t.Context()
	var wg sync.WaitGroup
	var latest [4]atomic.Int64
	for g := range 4 {
		wg.Go(func() {
			for i := range 2000 {
				at := t0.Add(time.Duration(i) * time.Second)
				r.Record(fmt.Sprint("user-", g), at)
				latest[g].Store(at.UnixNano())
				if i%500 == 0 {
					r.Drop("someone-else")
					_, _, _ = r.Get(ctx, fmt.Sprint("user-", g))
				}
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			if err := r.Flush(ctx); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	fresh := newRecorder(t, db, Options{})
	for g := range 4 {
		wantGet(t, fresh, fmt.Sprint("user-", g), time.Unix(0, latest[g].Load()).UTC())
	}
}

func BenchmarkRecord(b *testing.B) {
	r := newRecorder(b, openBolt(b), Options{})
	r.Record("alice", t0)
	b.Run("within-resolution", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r.Record("alice", t0)
		}
	})
	b.Run("advancing", func(b *testing.B) {
		now := t0
		b.ReportAllocs()
		for b.Loop() {
			now = now.Add(time.Second)
			r.Record("alice", now)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		names := make([]string, 1024)
		for i := range names {
			names[i] = fmt.Sprint("user-", i)
			r.Record(names[i], t0)
		}
		var next atomic.Uint64
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			i := next.Add(7919)
			for pb.Next() {
				i++
				r.Record(names[i%1024], t0)
			}
		})
	})
}
