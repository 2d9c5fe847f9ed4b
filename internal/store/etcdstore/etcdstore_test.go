package etcdstore_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"

	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/store/etcdstore"
	"github.com/esauth/esauth/internal/store/etcdstore/etcdtest"
	"github.com/esauth/esauth/internal/store/storetest"
)

// open connects a store to members under a fresh prefix, so that one
// member can serve many tests without them seeing each other's keys.
func open(t testing.TB, cfg etcdstore.Config, members ...*etcdtest.Member) *etcdstore.Store {
	t.Helper()
	if cfg.Endpoints == nil {
		cfg.Endpoints = etcdtest.Endpoints(members...)
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "/t/" + rand.Text() + "/"
	}
	s, err := etcdstore.Open(t.Context(), cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	m := etcdtest.StartMember(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		return open(t, etcdstore.Config{}, m)
	})
}

func TestOpen(t *testing.T) {
	m := etcdtest.StartMember(t)

	if _, err := etcdstore.Open(t.Context(), etcdstore.Config{}); err == nil {
		t.Error("Open without endpoints = nil error")
	}
	if _, err := etcdstore.Open(t.Context(), etcdstore.Config{Endpoints: []string{m.ClientURL}, Username: "u"}); err == nil {
		t.Error("Open with a username but no password = nil error")
	}

	s := open(t, etcdstore.Config{Prefix: "/custom"}, m)
	if got := s.Prefix(); got != "/custom/" {
		t.Errorf("Prefix() = %q, want a trailing slash added", got)
	}
	d, err := etcdstore.Open(t.Context(), etcdstore.Config{Endpoints: []string{m.ClientURL}})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Prefix(); got != etcdstore.DefaultPrefix {
		t.Errorf("default Prefix() = %q, want %q", got, etcdstore.DefaultPrefix)
	}
	if err := d.Close(); err != nil {
		t.Error(err)
	}

	// Nothing listens there: Open must give up within DialTimeout and say
	// the cluster is unavailable.
	dead := "http://" + deadAddr(t)
	start := time.Now()
	_, err = etcdstore.Open(t.Context(), etcdstore.Config{Endpoints: []string{dead}, DialTimeout: 300 * time.Millisecond})
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Open(unreachable) = %v, want ErrUnavailable", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("Open(unreachable) took %v, want about the 300ms DialTimeout", el)
	}
}

// deadAddr returns a loopback address where nothing listens.
func deadAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// TestAuth runs against a member with etcd authentication on: the right
// credentials work, wrong ones fail Open with a non-retryable error.
func TestAuth(t *testing.T) {
	// etcd hashes user passwords with bcrypt; the lowest cost keeps every
	// authentication cheap under -race.
	m := etcdtest.StartMember(t, func(c *embed.Config) { c.BcryptCost = 4 })
	raw := m.Client(t)
	ctx := t.Context()
	if _, err := raw.UserAdd(ctx, "root", "root-secret"); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.UserGrantRole(ctx, "root", "root"); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.AuthEnable(ctx); err != nil {
		t.Fatal(err)
	}

	s := open(t, etcdstore.Config{Username: "root", Password: "root-secret"}, m)
	mustDo(t, s.Create(ctx, store.Users, "alice", []byte("a")))
	if got, err := s.Get(ctx, store.Users, "alice"); err != nil || string(got) != "a" {
		t.Errorf("Get with auth = (%q, %v)", got, err)
	}

	_, err := etcdstore.Open(ctx, etcdstore.Config{Endpoints: []string{m.ClientURL}, Username: "root", Password: "wrong"})
	if err == nil || errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Open with a wrong password = %v, want a non-retryable error", err)
	}
	_, err = etcdstore.Open(ctx, etcdstore.Config{Endpoints: []string{m.ClientURL}})
	if err == nil || errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Open without credentials on an auth-enabled cluster = %v, want a non-retryable error", err)
	}
}

func TestCloseIdempotent(t *testing.T) {
	m := etcdtest.StartMember(t)
	s := open(t, etcdstore.Config{}, m)
	if err := s.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
	ctx := t.Context()
	if _, err := s.Get(ctx, store.Users, "a"); !errors.Is(err, etcdstore.ErrClosed) {
		t.Errorf("Get after Close = %v, want ErrClosed", err)
	}
	if err := s.Create(ctx, store.Users, "a", []byte("v")); !errors.Is(err, etcdstore.ErrClosed) {
		t.Errorf("Create after Close = %v, want ErrClosed", err)
	}
	if err := s.Watch(ctx, 0, func(store.Event) {}); !errors.Is(err, etcdstore.ErrClosed) {
		t.Errorf("Watch after Close = %v, want ErrClosed", err)
	}
}

// TestKeyLayout pins the layout other tools (etcdctl, backups) rely on.
func TestKeyLayout(t *testing.T) {
	m := etcdtest.StartMember(t)
	raw := m.Client(t)
	ctx := t.Context()
	s := open(t, etcdstore.Config{Prefix: "/esauth-layout/"}, m)
	other := open(t, etcdstore.Config{Prefix: "/esauth-layout2/"}, m)

	if err := s.Create(ctx, store.Users, "a/b", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, store.ReservedUsers, "elastic", []byte("r")); err != nil {
		t.Fatal(err)
	}
	resp, err := raw.Get(ctx, "/esauth-layout", clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, kv := range resp.Kvs {
		keys = append(keys, string(kv.Key))
	}
	want := []string{"/esauth-layout/reserved-users/elastic", "/esauth-layout/users/a/b"}
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("etcd keys (-want +got):\n%s", diff)
	}
	// A prefix that extends another sees none of its records.
	if _, err := other.Get(ctx, store.Users, "a/b"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get under another prefix = %v, want ErrNotFound", err)
	}
	if err := s.Create(ctx, store.Collection("bad/name"), "k", []byte("v")); err == nil {
		t.Error(`Create in collection "bad/name" = nil, want an error`)
	}
}

// TestListSnapshot checks that List pages at one revision: writes made
// while it runs (through another client) are not seen.
func TestListSnapshot(t *testing.T) {
	m := etcdtest.StartMember(t)
	ctx := t.Context()
	s := open(t, etcdstore.Config{}, m)
	writer := open(t, etcdstore.Config{Prefix: s.Prefix()}, m)

	const n = 2500 // several pages whatever the page size
	var want []string
	var puts []clientv3.Op
	for i := range n {
		k := fmt.Sprintf("user-%05d", i)
		want = append(want, k)
		puts = append(puts, clientv3.OpPut(s.Prefix()+"users/"+k, k))
	}
	// Seed in batches (etcd allows 128 operations per transaction): one
	// Create per record would take seconds under -race.
	for batch := range slices.Chunk(puts, 100) {
		if _, err := s.Client().Txn(ctx).Then(batch...).Commit(); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	err := s.List(ctx, store.Users, func(key string, val []byte) error {
		if string(val) != key {
			return fmt.Errorf("value of %q is %q", key, val)
		}
		if len(got) == 0 {
			// Change the rest of the collection behind List's back.
			if err := writer.Create(ctx, store.Users, "user-01000x", []byte("new")); err != nil {
				return err
			}
			if err := writer.Delete(ctx, store.Users, "user-02000"); err != nil {
				return err
			}
			if err := writer.Create(ctx, store.Users, "zzz", []byte("new")); err != nil {
				return err
			}
		}
		got = append(got, key)
		return nil
	})
	if err != nil {
		t.Fatalf("List = %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("List during writes (-want +got):\n%s", diff)
	}
}

// TestValueTooLarge: values above etcd's request limit (1.5 MiB by
// default) fail with a clear, non-retryable error and write nothing.
func TestValueTooLarge(t *testing.T) {
	m := etcdtest.StartMember(t)
	ctx := t.Context()
	s := open(t, etcdstore.Config{}, m)
	for _, size := range []int{1<<20 + 600<<10, 3 << 20} { // above the server's limit, above the client's
		big := make([]byte, size)
		err := s.Create(ctx, store.Users, "big", big)
		if err == nil || errors.Is(err, store.ErrUnavailable) || !strings.Contains(err.Error(), "too large") {
			t.Errorf("Create(%d bytes) = %v, want a non-retryable 'too large' error", size, err)
		}
		_, err = s.Update(ctx, store.Users, "big", func([]byte) ([]byte, error) { return big, nil })
		if err == nil || errors.Is(err, store.ErrUnavailable) {
			t.Errorf("Update(%d bytes) = %v, want a non-retryable error", size, err)
		}
	}
	if _, err := s.Get(ctx, store.Users, "big"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get after rejected writes = %v, want ErrNotFound", err)
	}
}

// collector gathers watch events for a test to wait on.
type collector struct {
	mu     sync.Mutex
	events []store.Event
}

func (c *collector) add(e store.Event) {
	c.mu.Lock()
	c.events = append(c.events, e)
	c.mu.Unlock()
}

func (c *collector) get() []store.Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.events)
}

// wait returns the events once there are at least n, or fails the test.
func (c *collector) wait(t *testing.T, n int, timeout time.Duration) []store.Event {
	t.Helper()
	if !etcdtest.WaitFor(t.Context(), timeout, func() bool { return len(c.get()) >= n }) {
		t.Fatalf("got %d watch events within %v, want %d: %+v", len(c.get()), timeout, n, c.get())
	}
	return c.get()
}

// watching is a Watch running in the background until stop or the end of
// the test.
type watching struct {
	*collector
	cancel context.CancelFunc
	done   chan struct{} // closed when Watch has returned err
	err    error
}

func watch(t *testing.T, s *etcdstore.Store, after int64) *watching {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	w := &watching{collector: &collector{}, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		w.err = s.Watch(ctx, after, w.add)
	}()
	t.Cleanup(func() { w.stop() })
	return w
}

// stop cancels the watch and returns what Watch returned.
func (w *watching) stop() error {
	w.cancel()
	<-w.done
	return w.err
}

// ended returns Watch's result once it has returned by itself within
// timeout, or false.
func (w *watching) ended(timeout time.Duration) (error, bool) {
	select {
	case <-w.done:
		return w.err, true
	case <-time.After(timeout):
		return nil, false
	}
}

// eventKeys drops revisions, which tests check separately.
func eventKeys(evs []store.Event) []store.Event {
	out := make([]store.Event, len(evs))
	for i, e := range evs {
		e.Revision = 0
		out[i] = e
	}
	return out
}

func TestWatch(t *testing.T) {
	m := etcdtest.StartMember(t)
	ctx := t.Context()
	s := open(t, etcdstore.Config{}, m)
	set := func(v string) store.UpdateFunc { return func([]byte) ([]byte, error) { return []byte(v), nil } }

	start, err := s.Revision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	live := watch(t, s, start)

	mustDo(t, s.Create(ctx, store.Users, "alice", []byte("1")))
	_, err = s.Update(ctx, store.Users, "alice", set("2"))
	mustDo(t, err)
	mustDo(t, s.Delete(ctx, store.Users, "alice"))
	mustDo(t, s.Create(ctx, store.Roles, "a/b", []byte("r")))
	_, err = s.Update(ctx, store.Meta, "uuid", set("u"))
	mustDo(t, err)
	// Failed writes change nothing and must not produce events.
	if err := s.Create(ctx, store.Roles, "a/b", []byte("again")); !errors.Is(err, store.ErrExists) {
		t.Fatalf("Create(existing) = %v", err)
	}
	if err := s.Delete(ctx, store.Users, "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Delete(missing) = %v", err)
	}
	// A key outside the collection layout under the prefix is ignored.
	if _, err := s.Client().Put(ctx, s.Prefix()+"stray", "x"); err != nil {
		t.Fatal(err)
	}
	mustDo(t, s.Create(ctx, store.Users, "last", []byte("x")))

	want := []store.Event{
		{Collection: store.Users, Key: "alice"},
		{Collection: store.Users, Key: "alice"},
		{Collection: store.Users, Key: "alice", Deleted: true},
		{Collection: store.Roles, Key: "a/b"},
		{Collection: store.Meta, Key: "uuid"},
		{Collection: store.Users, Key: "last"},
	}
	got := live.wait(t, len(want), 10*time.Second)
	if diff := cmp.Diff(want, eventKeys(got)); diff != "" {
		t.Fatalf("live events (-want +got):\n%s", diff)
	}
	for i := 1; i < len(got); i++ {
		if got[i].Revision <= got[i-1].Revision {
			t.Errorf("event %d has revision %d after %d, want increasing", i, got[i].Revision, got[i-1].Revision)
		}
	}
	if got[0].Revision <= start {
		t.Errorf("first event revision %d, want > start %d", got[0].Revision, start)
	}
	rev, err := s.Revision(ctx)
	if err != nil || rev < got[len(got)-1].Revision {
		t.Errorf("Revision() = %d, %v; want >= last event %d", rev, err, got[len(got)-1].Revision)
	}

	// A watch resumed after any event replays exactly what followed it.
	for i := range got {
		resumed := watch(t, s, got[i].Revision)
		resumed.wait(t, len(got)-i-1, 10*time.Second)
		// Give a wrong extra event a moment to show up.
		time.Sleep(20 * time.Millisecond)
		resumed.stop()
		if diff := cmp.Diff(got[i+1:], resumed.get(), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("watch after revision %d (-want +got):\n%s", got[i].Revision, diff)
		}
	}
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestWatchEnds(t *testing.T) {
	m := etcdtest.StartMember(t)
	ctx := t.Context()
	s := open(t, etcdstore.Config{}, m)

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.Watch(cctx, 0, func(store.Event) {}); !errors.Is(err, context.Canceled) {
		t.Errorf("Watch(cancelled ctx) = %v, want context.Canceled", err)
	}
	if err := s.Watch(ctx, -1, func(store.Event) {}); err == nil {
		t.Error("Watch(after=-1) = nil, want an error")
	}

	w := watch(t, s, 0)
	time.Sleep(50 * time.Millisecond)
	w.cancel()
	if err, ok := w.ended(5 * time.Second); !ok {
		t.Fatal("Watch did not return after its context was cancelled")
	} else if !errors.Is(err, context.Canceled) {
		t.Errorf("Watch after cancel = %v, want context.Canceled", err)
	}

	// Closing the store ends running watches instead of leaving them to
	// retry forever.
	s2 := open(t, etcdstore.Config{}, m)
	w = watch(t, s2, 0)
	time.Sleep(50 * time.Millisecond)
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}
	if err, ok := w.ended(5 * time.Second); !ok {
		t.Fatal("Watch did not return after Close")
	} else if !errors.Is(err, etcdstore.ErrClosed) {
		t.Errorf("Watch after Close = %v, want ErrClosed", err)
	}
}

func TestWatchCompacted(t *testing.T) {
	m := etcdtest.StartMember(t)
	ctx := t.Context()
	s := open(t, etcdstore.Config{}, m)

	old, err := s.Revision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		mustDo(t, s.Create(ctx, store.Users, strconv.Itoa(i), []byte("v")))
	}
	now, err := s.Revision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Client().Compact(ctx, now, clientv3.WithCompactPhysical()); err != nil {
		t.Fatal(err)
	}

	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	calls := 0
	err = s.Watch(wctx, old, func(store.Event) { calls++ })
	if !errors.Is(err, store.ErrCompacted) {
		t.Fatalf("Watch(after a compacted revision) = %v, want ErrCompacted", err)
	}
	if calls != 0 {
		t.Errorf("Watch reported %d events before ErrCompacted", calls)
	}

	// Watching from the compaction revision on is fine.
	col := watch(t, s, now)
	mustDo(t, s.Create(ctx, store.Users, "after", []byte("v")))
	got := col.wait(t, 1, 10*time.Second)
	if got[0].Key != "after" {
		t.Errorf("event after compaction = %+v, want key %q", got[0], "after")
	}
}

// TestUnavailable stops the only member: every operation must fail with
// ErrUnavailable within about RequestTimeout, write nothing, and work again
// by itself once the member is back.
func TestUnavailable(t *testing.T) {
	if testing.Short() {
		t.Skip("stops and restarts a member")
	}
	m := etcdtest.StartMember(t)
	ctx := t.Context()
	const timeout = 500 * time.Millisecond
	s := open(t, etcdstore.Config{RequestTimeout: timeout}, m)
	mustDo(t, s.Create(ctx, store.Users, "alice", []byte("before")))
	col := watch(t, s, 0)
	col.wait(t, 1, 10*time.Second)

	m.Stop()

	set := func([]byte) ([]byte, error) { return []byte("during"), nil }
	ops := []struct {
		name string
		do   func(context.Context) error
	}{
		{"Get", func(ctx context.Context) error { _, err := s.Get(ctx, store.Users, "alice"); return err }},
		{"Create", func(ctx context.Context) error { return s.Create(ctx, store.Users, "bob", []byte("during")) }},
		{"Update(existing)", func(ctx context.Context) error { _, err := s.Update(ctx, store.Users, "alice", set); return err }},
		{"Update(missing)", func(ctx context.Context) error { _, err := s.Update(ctx, store.Users, "carol", set); return err }},
		{"Delete", func(ctx context.Context) error { return s.Delete(ctx, store.Users, "alice") }},
		{"List", func(ctx context.Context) error {
			return s.List(ctx, store.Users, func(string, []byte) error { return nil })
		}},
		{"Revision", func(ctx context.Context) error { _, err := s.Revision(ctx); return err }},
	}
	for _, op := range ops {
		start := time.Now()
		err := op.do(ctx)
		el := time.Since(start)
		if !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("%s with the member down = %v, want ErrUnavailable", op.name, err)
		}
		if el > timeout+time.Second {
			t.Errorf("%s with the member down took %v, want at most %v", op.name, el, timeout+time.Second)
		}
	}
	// A caller that gives up gets its own cancellation, not ErrUnavailable.
	cctx, cancel := context.WithCancel(ctx)
	time.AfterFunc(50*time.Millisecond, cancel)
	if _, err := s.Get(cctx, store.Users, "alice"); !errors.Is(err, context.Canceled) || errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Get cancelled while the member is down = %v, want context.Canceled only", err)
	}
	// The watch keeps waiting rather than failing.
	if err, ok := col.ended(0); ok {
		t.Fatalf("Watch returned %v while the member was down, want it to wait", err)
	}

	m.Restart(t)

	// The client reconnects by itself; allow for its reconnect backoff.
	var err error
	if !etcdtest.WaitFor(ctx, 15*time.Second, func() bool {
		_, err = s.Get(ctx, store.Users, "alice")
		return err == nil
	}) {
		t.Fatalf("Get after restart still fails: %v", err)
	}
	wantRecords := []string{"alice=before"}
	var got []string
	mustDo(t, s.List(ctx, store.Users, func(k string, v []byte) error {
		got = append(got, k+"="+string(v))
		return nil
	}))
	if diff := cmp.Diff(wantRecords, got); diff != "" {
		t.Errorf("records after the outage (-want +got):\n%s", diff)
	}
	// Writes work again, and the watch that lived through the outage sees
	// them.
	mustDo(t, s.Create(ctx, store.Users, "dave", []byte("after")))
	evs := col.wait(t, 2, 15*time.Second)
	if diff := cmp.Diff([]store.Event{{Collection: store.Users, Key: "alice"}, {Collection: store.Users, Key: "dave"}}, eventKeys(evs)); diff != "" {
		t.Errorf("watch events across the restart (-want +got):\n%s", diff)
	}
}

// TestCluster runs three members in one process: reads through one member
// see writes through another at once (linearizable reads), concurrent
// updates through different members lose nothing, and a watch whose member
// was down catches up on what happened meanwhile.
func TestCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a three-member cluster")
	}
	ms := etcdtest.StartCluster(t, 3)
	ctx := t.Context()
	a := open(t, etcdstore.Config{}, ms[0])
	b := open(t, etcdstore.Config{Prefix: a.Prefix()}, ms[1])
	both := open(t, etcdstore.Config{Prefix: a.Prefix()}, ms...)

	t.Run("ReadYourWritesAcrossMembers", func(t *testing.T) {
		for i := range 20 {
			k := "rw-" + strconv.Itoa(i)
			mustDo(t, a.Create(ctx, store.Users, k, []byte(k)))
			got, err := b.Get(ctx, store.Users, k)
			if err != nil || string(got) != k {
				t.Fatalf("Get through member 1 right after Create through member 0 = (%q, %v)", got, err)
			}
			if err := both.Delete(ctx, store.Users, k); err != nil {
				t.Fatal(err)
			}
			if _, err := a.Get(ctx, store.Users, k); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("Get through member 0 after Delete = %v, want ErrNotFound", err)
			}
		}
	})

	t.Run("ConcurrentUpdates", func(t *testing.T) {
		const workers, perWorker = 8, 25
		increment := func(cur []byte) ([]byte, error) {
			n := 0
			if cur != nil {
				var err error
				if n, err = strconv.Atoi(string(cur)); err != nil {
					return nil, err
				}
			}
			return strconv.AppendInt(nil, int64(n+1), 10), nil
		}
		errs := make([]error, workers)
		var wg sync.WaitGroup
		for w := range workers {
			s := a
			if w%2 == 1 {
				s = b
			}
			wg.Go(func() {
				for range perWorker {
					if _, err := s.Update(ctx, store.Meta, "counter", increment); err != nil {
						errs[w] = err
						return
					}
				}
			})
		}
		wg.Wait()
		mustDo(t, errors.Join(errs...))
		got, err := b.Get(ctx, store.Meta, "counter")
		if err != nil || string(got) != strconv.Itoa(workers*perWorker) {
			t.Errorf("counter = (%q, %v), want %d", got, err, workers*perWorker)
		}
	})

	t.Run("WatchCatchesUpAfterMemberRestart", func(t *testing.T) {
		start, err := b.Revision(ctx)
		if err != nil {
			t.Fatal(err)
		}
		col := watch(t, a, start) // a talks to member 0 only
		mustDo(t, b.Create(ctx, store.Users, "w1", nil))
		col.wait(t, 1, 10*time.Second)

		ms[0].Stop()
		etcdtest.WaitLeader(t, ms...) // member 0 may have been the leader
		// Quorum remains: these land while a's member is down.
		mustDo(t, b.Create(ctx, store.Users, "w2", nil))
		mustDo(t, b.Delete(ctx, store.Users, "w1"))
		ms[0].Restart(t)
		mustDo(t, b.Create(ctx, store.Users, "w3", nil))

		want := []store.Event{
			{Collection: store.Users, Key: "w1"},
			{Collection: store.Users, Key: "w2"},
			{Collection: store.Users, Key: "w1", Deleted: true},
			{Collection: store.Users, Key: "w3"},
		}
		got := col.wait(t, len(want), 20*time.Second)
		if diff := cmp.Diff(want, eventKeys(got)); diff != "" {
			t.Errorf("events across a member restart (-want +got):\n%s", diff)
		}
	})

	// With two members down, member 0 has no leader: etcd ends the watch
	// (it requires a leader), and Watch must keep retrying rather than
	// fail, then deliver what is written once the quorum is back.
	t.Run("WatchSurvivesQuorumLoss", func(t *testing.T) {
		start, err := a.Revision(ctx)
		if err != nil {
			t.Fatal(err)
		}
		col := watch(t, a, start)
		const timeout = 500 * time.Millisecond
		short := open(t, etcdstore.Config{Prefix: a.Prefix(), RequestTimeout: timeout}, ms[0])
		var wg sync.WaitGroup
		wg.Go(ms[1].Stop)
		wg.Go(ms[2].Stop)
		wg.Wait()
		// Member 0 runs but is leaderless: operations through it fail as
		// unavailable within the timeout, and write nothing.
		for name, do := range map[string]func() error{
			"Create": func() error { return short.Create(ctx, store.Users, "lost", nil) },
			"Get":    func() error { _, err := short.Get(ctx, store.Users, "q1"); return err },
		} {
			start := time.Now()
			err := do()
			if el := time.Since(start); !errors.Is(err, store.ErrUnavailable) || el > timeout+time.Second {
				t.Errorf("%s without a leader = %v after %v, want ErrUnavailable within %v", name, err, el, timeout+time.Second)
			}
		}
		// Long enough for member 0 to notice (election timeout 100 ms) and
		// for Watch to go through a few retries.
		time.Sleep(300 * time.Millisecond)
		if err, ok := col.ended(0); ok {
			t.Fatalf("Watch returned %v during quorum loss, want it to keep retrying", err)
		}
		ms[1].Restart(t) // with member 0, a quorum again
		ms[2].Restart(t)
		etcdtest.WaitLeader(t, ms...)
		mustDo(t, b.Create(ctx, store.Users, "q1", nil))
		got := col.wait(t, 1, 20*time.Second)
		if diff := cmp.Diff([]store.Event{{Collection: store.Users, Key: "q1"}}, eventKeys(got)); diff != "" {
			t.Errorf("events after quorum loss (-want +got):\n%s", diff)
		}
		if _, err := b.Get(ctx, store.Users, "lost"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get(lost) after the quorum is back = %v, want ErrNotFound", err)
		}
	})
}

// BenchmarkUpdate measures durable read-modify-write commits on one
// embedded member (each one a linearizable read plus a fsynced raft
// commit).
func BenchmarkUpdate(b *testing.B) {
	m := etcdtest.StartMember(b)
	s := open(b, etcdstore.Config{}, m)
	ctx := b.Context()
	val := []byte(strings.Repeat("x", 300)) // about one user record
	fn := func([]byte) ([]byte, error) { return val, nil }
	for i := 0; b.Loop(); i++ {
		if _, err := s.Update(ctx, store.Users, "user-"+strconv.Itoa(i%1000), fn); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commits/s")
}

// BenchmarkUpdateParallel shows how etcd batches concurrent commits.
func BenchmarkUpdateParallel(b *testing.B) {
	m := etcdtest.StartMember(b)
	s := open(b, etcdstore.Config{}, m)
	ctx := b.Context()
	val := []byte(strings.Repeat("x", 300))
	fn := func([]byte) ([]byte, error) { return val, nil }
	var mu sync.Mutex
	next := 0
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		mu.Lock()
		id := next
		next++
		mu.Unlock()
		for i := 0; pb.Next(); i++ {
			if _, err := s.Update(ctx, store.Users, fmt.Sprintf("user-%d-%d", id, i%100), fn); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commits/s")
}

// BenchmarkGet measures linearizable point reads.
func BenchmarkGet(b *testing.B) {
	m := etcdtest.StartMember(b)
	s := open(b, etcdstore.Config{}, m)
	ctx := b.Context()
	val := []byte(strings.Repeat("x", 300))
	for i := range 1000 {
		if err := s.Create(ctx, store.Users, "user-"+strconv.Itoa(i), val); err != nil {
			b.Fatal(err)
		}
	}
	for i := 0; b.Loop(); i++ {
		if _, err := s.Get(ctx, store.Users, "user-"+strconv.Itoa(i%1000)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reads/s")
}

// TestConformanceShared runs the two-client cases with two stores on one
// member, as two esauth nodes would hold them.
func TestConformanceShared(t *testing.T) {
	m := etcdtest.StartMember(t)
	storetest.RunShared(t, func(t *testing.T) (store.Store, store.Store) {
		a := open(t, etcdstore.Config{}, m)
		return a, open(t, etcdstore.Config{Prefix: a.Prefix()}, m)
	})
}

// TestHotKeyUnavailable: writers queued behind each other on one key while
// etcd is down still fail as unavailable, all within two request timeouts
// (one waiting for their turn, one for etcd), not one timeout per writer.
func TestHotKeyUnavailable(t *testing.T) {
	if testing.Short() {
		t.Skip("stops a member")
	}
	m := etcdtest.StartMember(t)
	const timeout, writers = 500 * time.Millisecond, 10
	s := open(t, etcdstore.Config{RequestTimeout: timeout}, m)
	m.Stop()
	set := func([]byte) ([]byte, error) { return []byte("during"), nil }
	errs := make([]error, writers)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() { _, errs[w] = s.Update(t.Context(), store.Users, "hot", set) })
	}
	wg.Wait()
	took := time.Since(start)
	for w, err := range errs {
		if !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("writer %d with the member down = %v, want ErrUnavailable", w, err)
		}
	}
	if limit := 2*timeout + time.Second; took > limit {
		t.Errorf("%d writers of one key with the member down took %v, want at most %v", writers, took, limit)
	}
}

// TestPutLeased: the record lives while its context does, comes back when
// its lease is lost meanwhile, and vanishes within the TTL of its writer's
// end; renewal stops with the context or the store.
func TestPutLeased(t *testing.T) {
	m := etcdtest.StartMember(t)
	s := open(t, etcdstore.Config{}, m)
	cli := m.Client(t)
	const ttl = time.Second
	key := s.Prefix() + string(store.Nodes) + "/n1"
	leaseOf := func() clientv3.LeaseID {
		resp, err := cli.Get(t.Context(), key)
		if err != nil || len(resp.Kvs) == 0 {
			return 0
		}
		return clientv3.LeaseID(resp.Kvs[0].Lease)
	}

	ctx, stop := context.WithCancel(t.Context())
	done, err := s.PutLeased(ctx, store.Nodes, "n1", []byte(`{"name":"one"}`), ttl)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(t.Context(), store.Nodes, "n1"); err != nil || string(got) != `{"name":"one"}` {
		t.Fatalf("Get after PutLeased = (%q, %v)", got, err)
	}
	first := leaseOf()
	if first == 0 {
		t.Fatal("the record is not under a lease")
	}
	// Renewal holds it through three TTLs.
	for start := time.Now(); time.Since(start) < 3*ttl; time.Sleep(50 * time.Millisecond) {
		if leaseOf() != first {
			t.Fatalf("the record lost its lease %v after PutLeased", time.Since(start))
		}
	}
	// A lost lease (here revoked, as etcd does once it expires) takes the
	// record with it; the writer puts it back under a new one.
	if _, err := cli.Revoke(t.Context(), first); err != nil {
		t.Fatal(err)
	}
	if !etcdtest.WaitFor(t.Context(), 10*time.Second, func() bool { l := leaseOf(); return l != 0 && l != first }) {
		t.Fatal("the record did not come back after its lease was lost")
	}

	stop()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("renewal goes on after its context ended")
	}
	ended := time.Now()
	if !etcdtest.WaitFor(t.Context(), 10*time.Second, func() bool { return leaseOf() == 0 }) {
		t.Fatal("the record outlived its writer's context")
	}
	if took := time.Since(ended); took > ttl+time.Second {
		t.Errorf("the record outlived its writer by %v, want at most the TTL %v and etcd's 500 ms expiry tick", took, ttl)
	}

	// Closing the store ends renewal too.
	done, err = s.PutLeased(t.Context(), store.Nodes, "n2", []byte("v"), ttl)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("renewal goes on after Close")
	}

	ctx, stop = context.WithCancel(t.Context())
	stop()
	if _, err := open(t, etcdstore.Config{}, m).PutLeased(ctx, store.Nodes, "n3", []byte("v"), ttl); !errors.Is(err, context.Canceled) {
		t.Errorf("PutLeased with a cancelled context = %v, want context.Canceled", err)
	}
}
