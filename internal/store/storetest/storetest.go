package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/esauth/esauth/internal/store"
)

// Run runs the conformance suite against the backend that open creates.
// Every subtest gets a fresh, empty store from open; open must register the
// store's cleanup (Close, removal of files) with t.Cleanup, because the
// suite never closes a store itself: the interface only promises that Close
// is safe once.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"GetMissing", testGetMissing},
		{"CreateThenGet", testCreateThenGet},
		{"CreateExisting", testCreateExisting},
		{"UpdateUpsertMissing", testUpdateUpsertMissing},
		{"UpdateExisting", testUpdateExisting},
		{"UpdateFuncError", testUpdateFuncError},
		{"UpdateNilNext", testUpdateNilNext},
		{"EmptyValue", testEmptyValue},
		{"Delete", testDelete},
		{"EmptyKeyRejected", testEmptyKeyRejected},
		{"ListOrderAndIsolation", testListOrderAndIsolation},
		{"ListStopsAtError", testListStopsAtError},
		{"ListEmpty", testListEmpty},
		{"OddKeys", testOddKeys},
		{"LargeValues", testLargeValues},
		{"NoAliasing", testNoAliasing},
		{"ConcurrentUpdate", testConcurrentUpdate},
		{"ConcurrentCreate", testConcurrentCreate},
		{"CancelledContext", testCancelledContext},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			if s == nil {
				t.Fatal("open returned a nil store")
			}
			tc.fn(t, s)
		})
	}
}

// RunShared runs the cases that need two clients of one store, as two
// nodes sharing a backend hold them: open returns two stores over the same
// fresh, empty data (a single-node backend may return one store twice).
func RunShared(t *testing.T, open func(t *testing.T) (a, b store.Store)) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, a, b store.Store)
	}{
		{"HotKeyUpdate", testHotKeyUpdate},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := open(t)
			if a == nil || b == nil {
				t.Fatal("open returned a nil store")
			}
			tc.fn(t, a, b)
		})
	}
}

// boomError is what UpdateFunc and List callbacks return to check that the
// backend hands a caller's error back instead of swallowing or replacing it.
// It is a comparable type rather than a package-level variable so the
// package keeps no mutable state.
type boomError struct{}

func (boomError) Error() string { return "storetest: boom" }

// record is a (key, value) pair as List reports it; strings make cmp diffs
// readable.
type record struct {
	Key, Val string
}

func testGetMissing(t *testing.T, s store.Store) {
	ctx := t.Context()
	for _, c := range []store.Collection{store.Users, store.ReservedUsers, store.Meta} {
		wantNotFound(t, s, c, "nobody")
	}
	mustCreate(t, s, store.Users, "somebody", "v")
	wantNotFound(t, s, store.Users, "nobody")
	// Keys that are prefixes or extensions of an existing key must not match
	// it: backends built on prefix scans get this wrong.
	wantNotFound(t, s, store.Users, "some")
	wantNotFound(t, s, store.Users, "somebody2")
	if _, err := s.Get(ctx, store.Users, "somebody"); err != nil {
		t.Fatalf("Get(existing) = %v, want nil", err)
	}
}

func testCreateThenGet(t *testing.T, s store.Store) {
	mustCreate(t, s, store.Users, "alice", `{"roles":["superuser"]}`)
	mustCreate(t, s, store.Users, "bob", "bob's value")
	wantValue(t, s, store.Users, "alice", `{"roles":["superuser"]}`)
	wantValue(t, s, store.Users, "bob", "bob's value")
}

func testCreateExisting(t *testing.T, s store.Store) {
	ctx := t.Context()
	mustCreate(t, s, store.Users, "alice", "first")
	err := s.Create(ctx, store.Users, "alice", []byte("second"))
	if !errors.Is(err, store.ErrExists) {
		t.Fatalf("second Create = %v, want ErrExists", err)
	}
	wantValue(t, s, store.Users, "alice", "first")
}

func testUpdateUpsertMissing(t *testing.T, s store.Store) {
	ctx := t.Context()
	calls := 0
	created, err := s.Update(ctx, store.Users, "alice", func(cur []byte) ([]byte, error) {
		calls++
		if cur != nil {
			return nil, fmt.Errorf("cur = %q, want nil for a missing record", cur)
		}
		return []byte("new"), nil
	})
	if err != nil {
		t.Fatalf("Update(missing) = %v", err)
	}
	if calls == 0 {
		t.Fatal("Update did not call fn")
	}
	if !created {
		t.Error("Update(missing) reported created=false, want true")
	}
	wantValue(t, s, store.Users, "alice", "new")
}

func testUpdateExisting(t *testing.T, s store.Store) {
	ctx := t.Context()
	mustCreate(t, s, store.Users, "alice", "v1")
	var seen []string
	created, err := s.Update(ctx, store.Users, "alice", func(cur []byte) ([]byte, error) {
		seen = append(seen, string(cur))
		if cur == nil {
			return nil, errors.New("cur is nil for an existing record")
		}
		return append(cur, "+v2"...), nil
	})
	if err != nil {
		t.Fatalf("Update(existing) = %v", err)
	}
	if created {
		t.Error("Update(existing) reported created=true, want false")
	}
	if len(seen) == 0 {
		t.Fatal("Update did not call fn")
	}
	// fn may be retried, but every call must have seen the stored value.
	for i, cur := range seen {
		if cur != "v1" {
			t.Errorf("fn call %d got cur %q, want %q", i, cur, "v1")
		}
	}
	wantValue(t, s, store.Users, "alice", "v1+v2")

	// A second update sees the first one's result.
	mustUpdate(t, s, store.Users, "alice", func(cur []byte) ([]byte, error) {
		if string(cur) != "v1+v2" {
			return nil, fmt.Errorf("cur = %q, want %q", cur, "v1+v2")
		}
		return []byte("v3"), nil
	})
	wantValue(t, s, store.Users, "alice", "v3")
}

func testUpdateFuncError(t *testing.T, s store.Store) {
	ctx := t.Context()
	mustCreate(t, s, store.Users, "alice", "keep")
	created, err := s.Update(ctx, store.Users, "alice", func(cur []byte) ([]byte, error) {
		// Returning a value alongside the error must not write it either.
		return []byte("must not be written"), boomError{}
	})
	if !errors.Is(err, boomError{}) {
		t.Errorf("Update(existing, fn fails) = %v, want fn's error", err)
	}
	if created {
		t.Error("failed Update reported created=true")
	}
	wantValue(t, s, store.Users, "alice", "keep")

	created, err = s.Update(ctx, store.Users, "bob", func(cur []byte) ([]byte, error) {
		return nil, boomError{}
	})
	if !errors.Is(err, boomError{}) {
		t.Errorf("Update(missing, fn fails) = %v, want fn's error", err)
	}
	if created {
		t.Error("failed Update reported created=true")
	}
	wantNotFound(t, s, store.Users, "bob")
	wantList(t, s, store.Users, []record{{"alice", "keep"}})
}

func testUpdateNilNext(t *testing.T, s store.Store) {
	ctx := t.Context()
	nilNext := func(cur []byte) ([]byte, error) { return nil, nil }

	created, err := s.Update(ctx, store.Users, "ghost", nilNext)
	if err == nil {
		t.Error("Update(missing) with fn returning (nil, nil) = nil, want an error")
	}
	if created {
		t.Error("rejected Update reported created=true")
	}
	wantNotFound(t, s, store.Users, "ghost")

	mustCreate(t, s, store.Users, "alice", "keep")
	if _, err := s.Update(ctx, store.Users, "alice", nilNext); err == nil {
		t.Error("Update(existing) with fn returning (nil, nil) = nil, want an error")
	}
	wantValue(t, s, store.Users, "alice", "keep")
}

// testEmptyValue pins down that existence is signalled by a nil cur, not by
// an empty one: a stored zero-length value is still a record.
func testEmptyValue(t *testing.T, s store.Store) {
	ctx := t.Context()
	mustCreate(t, s, store.Meta, "empty", "")
	got, err := s.Get(ctx, store.Meta, "empty")
	if err != nil {
		t.Fatalf("Get(empty value) = %v", err)
	}
	if len(got) != 0 {
		t.Errorf("Get(empty value) = %q, want empty", got)
	}
	if err := s.Create(ctx, store.Meta, "empty", []byte("x")); !errors.Is(err, store.ErrExists) {
		t.Errorf("Create over an empty value = %v, want ErrExists", err)
	}
	created, err := s.Update(ctx, store.Meta, "empty", func(cur []byte) ([]byte, error) {
		if cur == nil {
			return nil, errors.New("cur is nil for an existing empty record")
		}
		if len(cur) != 0 {
			return nil, fmt.Errorf("cur = %q, want empty", cur)
		}
		return []byte{}, nil
	})
	if err != nil {
		t.Fatalf("Update(empty value) = %v", err)
	}
	if created {
		t.Error("Update of an existing empty record reported created=true")
	}

	// An upsert may create an empty record too.
	created, err = s.Update(ctx, store.Meta, "empty2", func(cur []byte) ([]byte, error) {
		return []byte{}, nil
	})
	if err != nil || !created {
		t.Fatalf("Update(missing) to an empty value = (%v, %v), want (true, nil)", created, err)
	}
	wantList(t, s, store.Meta, []record{{"empty", ""}, {"empty2", ""}})
	if err := s.Delete(ctx, store.Meta, "empty"); err != nil {
		t.Errorf("Delete(empty value) = %v", err)
	}
	wantNotFound(t, s, store.Meta, "empty")
}

func testDelete(t *testing.T, s store.Store) {
	ctx := t.Context()
	mustCreate(t, s, store.Users, "alice", "a")
	mustCreate(t, s, store.Users, "bob", "b")
	if err := s.Delete(ctx, store.Users, "alice"); err != nil {
		t.Fatalf("Delete(existing) = %v", err)
	}
	wantNotFound(t, s, store.Users, "alice")
	wantValue(t, s, store.Users, "bob", "b")
	if err := s.Delete(ctx, store.Users, "alice"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second Delete = %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx, store.Users, "never"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Delete(never existed) = %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx, store.ReservedUsers, "bob"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Delete in a collection never written = %v, want ErrNotFound", err)
	}
	wantValue(t, s, store.Users, "bob", "b")

	// A deleted key is gone for good: it can be created again, and an
	// upsert sees it as missing.
	mustCreate(t, s, store.Users, "alice", "again")
	wantValue(t, s, store.Users, "alice", "again")
	if err := s.Delete(ctx, store.Users, "alice"); err != nil {
		t.Fatalf("Delete = %v", err)
	}
	created, err := s.Update(ctx, store.Users, "alice", func(cur []byte) ([]byte, error) {
		if cur != nil {
			return nil, fmt.Errorf("cur = %q after Delete, want nil", cur)
		}
		return []byte("upserted"), nil
	})
	if err != nil || !created {
		t.Fatalf("Update after Delete = (%v, %v), want (true, nil)", created, err)
	}
	wantList(t, s, store.Users, []record{{"alice", "upserted"}, {"bob", "b"}})
}

// testEmptyKeyRejected holds backends to the interface's "keys are
// non-empty": an empty key is a caller bug and must not become a record that
// List then reports.
func testEmptyKeyRejected(t *testing.T, s store.Store) {
	ctx := t.Context()
	if err := s.Create(ctx, store.Users, "", []byte("v")); err == nil {
		t.Error(`Create("") = nil, want an error`)
	}
	if _, err := s.Update(ctx, store.Users, "", func([]byte) ([]byte, error) { return []byte("v"), nil }); err == nil {
		t.Error(`Update("") = nil, want an error`)
	}
	if _, err := s.Get(ctx, store.Users, ""); err == nil {
		t.Error(`Get("") = nil, want an error`)
	}
	wantList(t, s, store.Users, nil)
}

func testListOrderAndIsolation(t *testing.T, s store.Store) {
	// Inserted out of order, with keys that sort differently as bytes than
	// as a human would sort them.
	users := []string{"mallory", "alice", "Zed", "bob", "alice2", "alice/x", "ärger", "carol", "_x", "alice "}
	for _, k := range users {
		mustCreate(t, s, store.Users, k, "u:"+k)
	}
	// The same keys in other collections with different values: collections
	// are independent namespaces.
	for _, k := range []string{"bob", "alice", "zz"} {
		mustCreate(t, s, store.ReservedUsers, k, "r:"+k)
	}
	mustCreate(t, s, store.Meta, "alice", "m:alice")

	sorted := slices.Clone(users)
	slices.Sort(sorted) // Go string order is byte order, which List promises
	var want []record
	for _, k := range sorted {
		want = append(want, record{k, "u:" + k})
	}
	wantList(t, s, store.Users, want)
	wantList(t, s, store.ReservedUsers, []record{{"alice", "r:alice"}, {"bob", "r:bob"}, {"zz", "r:zz"}})
	wantList(t, s, store.Meta, []record{{"alice", "m:alice"}})

	wantValue(t, s, store.Users, "alice", "u:alice")
	wantValue(t, s, store.ReservedUsers, "alice", "r:alice")
	wantValue(t, s, store.Meta, "alice", "m:alice")
	wantNotFound(t, s, store.ReservedUsers, "carol")

	// Writes to one collection leave the same key elsewhere alone.
	ctx := t.Context()
	if err := s.Delete(ctx, store.ReservedUsers, "alice"); err != nil {
		t.Fatalf("Delete = %v", err)
	}
	mustUpdate(t, s, store.Meta, "alice", func([]byte) ([]byte, error) { return []byte("m:changed"), nil })
	wantValue(t, s, store.Users, "alice", "u:alice")
	wantNotFound(t, s, store.ReservedUsers, "alice")
	wantValue(t, s, store.Meta, "alice", "m:changed")
	if err := s.Create(ctx, store.ReservedUsers, "alice", []byte("r:again")); err != nil {
		t.Errorf("Create in ReservedUsers after Delete there = %v", err)
	}
	wantList(t, s, store.Users, want)
}

func testListStopsAtError(t *testing.T, s store.Store) {
	for _, k := range []string{"a", "b", "c", "d", "e"} {
		mustCreate(t, s, store.Users, k, k)
	}
	var visited []string
	err := s.List(t.Context(), store.Users, func(key string, _ []byte) error {
		visited = append(visited, key)
		if key == "c" {
			return boomError{}
		}
		return nil
	})
	if !errors.Is(err, boomError{}) {
		t.Errorf("List = %v, want fn's error", err)
	}
	if diff := cmp.Diff([]string{"a", "b", "c"}, visited); diff != "" {
		t.Errorf("List visited (-want +got):\n%s", diff)
	}
}

func testListEmpty(t *testing.T, s store.Store) {
	ctx := t.Context()
	list := func() {
		t.Helper()
		calls := 0
		err := s.List(ctx, store.Users, func(string, []byte) error {
			calls++
			return nil
		})
		if err != nil {
			t.Errorf("List(empty) = %v", err)
		}
		if calls != 0 {
			t.Errorf("List(empty) called fn %d times, want 0", calls)
		}
	}
	list() // never written
	// Data in another collection, then a collection emptied by Delete.
	mustCreate(t, s, store.Meta, "x", "x")
	list()
	mustCreate(t, s, store.Users, "x", "x")
	if err := s.Delete(ctx, store.Users, "x"); err != nil {
		t.Fatalf("Delete = %v", err)
	}
	list()
}

func testOddKeys(t *testing.T, s store.Store) {
	keys := []string{
		"with space",
		" leading",
		"trailing ",
		"alice",
		"Alice", // keys are case-sensitive
		"ünïcødé",
		"日本語",
		"emoji-🔑",
		"a/b",
		"/",
		"//x//",
		"..",
		"a,b",
		"a:b",
		":",
		"%2F",
		"tab\tand\nnewline",
		"quote\"and'back\\slash",
		"*",
		"?x=1&y=2",
		strings.Repeat("k", 507),
	}
	var want []record
	for i, k := range keys {
		v := fmt.Sprintf("value %d", i)
		mustCreate(t, s, store.Users, k, v)
		want = append(want, record{k, v})
	}
	for _, r := range want {
		wantValue(t, s, store.Users, r.Key, r.Val)
	}
	slices.SortFunc(want, func(a, b record) int { return strings.Compare(a.Key, b.Key) })
	wantList(t, s, store.Users, want)
	// Keys that collide after path cleaning or case folding must still be
	// distinct; a backend mapping keys to paths would fail here.
	wantNotFound(t, s, store.Users, "a")
	wantNotFound(t, s, store.Users, "b")
	wantNotFound(t, s, store.Users, "x")
	wantNotFound(t, s, store.Users, "ALICE")
	wantNotFound(t, s, store.Users, strings.Repeat("k", 506))
	for _, k := range keys {
		if err := s.Delete(t.Context(), store.Users, k); err != nil {
			t.Errorf("Delete(%q) = %v", k, err)
		}
	}
	wantList(t, s, store.Users, nil)
}

func testLargeValues(t *testing.T, s store.Store) {
	ctx := t.Context()
	const mib = 1 << 20
	big := randomBytes(1, mib)
	if err := s.Create(ctx, store.Users, "big", big); err != nil {
		t.Fatalf("Create(1 MiB) = %v", err)
	}
	wantBytes(t, s, store.Users, "big", big)

	// Update reads and rewrites a large value.
	big2 := randomBytes(2, mib)
	mustUpdate(t, s, store.Users, "big", func(cur []byte) ([]byte, error) {
		if !bytes.Equal(cur, big) {
			return nil, fmt.Errorf("cur: got %d bytes, not the 1 MiB value stored", len(cur))
		}
		return big2, nil
	})
	wantBytes(t, s, store.Users, "big", big2)

	mustCreate(t, s, store.Users, "small", "s")
	var got [][]byte
	err := s.List(ctx, store.Users, func(key string, val []byte) error {
		got = append(got, bytes.Clone(val))
		return nil
	})
	if err != nil {
		t.Fatalf("List = %v", err)
	}
	if len(got) != 2 || !bytes.Equal(got[0], big2) || string(got[1]) != "s" {
		t.Errorf("List returned %d records, want the 1 MiB value then \"s\"", len(got))
	}
}

// testNoAliasing checks that the bytes a caller hands in or gets back are
// the caller's own. For mmap-based backends this is about more than
// corruption: bytes from a closed transaction may be unmapped or reused.
func testNoAliasing(t *testing.T, s store.Store) {
	ctx := t.Context()

	// Enough data that the collection cannot live inline in a parent page:
	// bbolt copies small unaligned inline buckets to the heap, which would
	// hide a missing copy.
	for i := range 8 {
		mustCreate(t, s, store.Users, fmt.Sprintf("filler-%d", i), strings.Repeat("f", 1024))
	}
	in := []byte("original")
	if err := s.Create(ctx, store.Users, "k", in); err != nil {
		t.Fatalf("Create = %v", err)
	}
	copy(in, "XXXXXXXX")
	wantValue(t, s, store.Users, "k", "original")

	got, err := s.Get(ctx, store.Users, "k")
	if err != nil {
		t.Fatalf("Get = %v", err)
	}
	copy(got, "YYYYYYYY")
	wantValue(t, s, store.Users, "k", "original")

	// Scribbling on cur and then aborting must leave the record alone.
	_, err = s.Update(ctx, store.Users, "k", func(cur []byte) ([]byte, error) {
		copy(cur, "ZZZZZZZZ")
		return nil, boomError{}
	})
	if !errors.Is(err, boomError{}) {
		t.Fatalf("Update = %v, want fn's error", err)
	}
	wantValue(t, s, store.Users, "k", "original")

	// Editing cur in place and returning it is a natural way to write fn.
	mustUpdate(t, s, store.Users, "k", func(cur []byte) ([]byte, error) {
		copy(cur, "ORIGINAL")
		return cur, nil
	})
	wantValue(t, s, store.Users, "k", "ORIGINAL")

	next := []byte("next-value")
	mustUpdate(t, s, store.Users, "k", func([]byte) ([]byte, error) { return next, nil })
	copy(next, "WWWWWWWWWW")
	wantValue(t, s, store.Users, "k", "next-value")

	err = s.List(ctx, store.Users, func(_ string, val []byte) error {
		copy(val, "VVVVVVVVVV")
		return nil
	})
	if err != nil {
		t.Fatalf("List = %v", err)
	}
	wantValue(t, s, store.Users, "k", "next-value")

	// A value read earlier must survive later writes that grow, rewrite and
	// free the backend's storage.
	held, err := s.Get(ctx, store.Users, "k")
	if err != nil {
		t.Fatalf("Get = %v", err)
	}
	for i := range 4 {
		mustCreate(t, s, store.Users, fmt.Sprintf("large-%d", i), string(randomBytes(uint64(10+i), 1<<20)))
	}
	mustUpdate(t, s, store.Users, "k", func([]byte) ([]byte, error) { return []byte("overwritten"), nil })
	if err := s.Delete(ctx, store.Users, "k"); err != nil {
		t.Fatalf("Delete = %v", err)
	}
	if string(held) != "next-value" {
		t.Errorf("value returned by an earlier Get changed to %q after later writes", held)
	}
}

// testConcurrentUpdate checks for lost updates: every increment must land.
func testConcurrentUpdate(t *testing.T, s store.Store) {
	const workers, perWorker = 8, 50
	ctx := t.Context()
	increment := func(cur []byte) ([]byte, error) {
		n := 0
		if cur != nil {
			var err error
			if n, err = strconv.Atoi(string(cur)); err != nil {
				return nil, fmt.Errorf("counter holds %q: %w", cur, err)
			}
		}
		return strconv.AppendInt(nil, int64(n+1), 10), nil
	}

	errs := make([]error, workers)
	createdCount := make([]int, workers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			<-start
			for range perWorker {
				created, err := s.Update(ctx, store.Meta, "counter", increment)
				if err != nil {
					errs[w] = err
					return
				}
				if created {
					createdCount[w]++
				}
			}
		})
	}
	close(start)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("concurrent Update failed: %v", err)
	}
	wantValue(t, s, store.Meta, "counter", strconv.Itoa(workers*perWorker))
	total := 0
	for _, n := range createdCount {
		total += n
	}
	if total != 1 {
		t.Errorf("%d concurrent Updates reported created=true, want exactly 1", total)
	}
}

// testHotKeyUpdate is many requests writing one user at once through two
// nodes: contention on one key may cost latency, never a failed or lost
// update.
func testHotKeyUpdate(t *testing.T, a, b store.Store) {
	const perClient, rounds = 32, 4 // 64 concurrent writers, 256 updates
	ctx := t.Context()
	increment := func(cur []byte) ([]byte, error) {
		n := 0
		if cur != nil {
			var err error
			if n, err = strconv.Atoi(string(cur)); err != nil {
				return nil, fmt.Errorf("counter holds %q: %w", cur, err)
			}
		}
		return strconv.AppendInt(nil, int64(n+1), 10), nil
	}
	errs := make([]error, 2*perClient)
	done := make([]int, 2*perClient)
	slowest := make([]time.Duration, 2*perClient)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 2 * perClient {
		s := a
		if w%2 == 1 {
			s = b
		}
		wg.Go(func() {
			<-start
			for range rounds {
				begin := time.Now()
				_, err := s.Update(ctx, store.Users, "hot", increment)
				slowest[w] = max(slowest[w], time.Since(begin))
				if err != nil {
					errs[w] = err
					return
				}
				done[w]++
			}
		})
	}
	close(start)
	wg.Wait()
	failed, total := 0, 0
	for w, err := range errs {
		if err != nil {
			failed++
		}
		total += done[w]
	}
	if failed > 0 {
		t.Errorf("%d of %d writers failed; first: %v", failed, len(errs), errors.Join(errs...))
	}
	// Every acknowledged update landed, whatever happened to the others.
	wantValue(t, a, store.Users, "hot", strconv.Itoa(total))
	t.Logf("slowest of %d updates of one key from two clients: %v", 2*perClient*rounds, slices.Max(slowest))
}

func testConcurrentCreate(t *testing.T, s store.Store) {
	const workers = 8
	ctx := t.Context()
	errs := make([]error, workers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			<-start
			errs[w] = s.Create(ctx, store.Users, "contested", fmt.Appendf(nil, "worker-%d", w))
		})
	}
	close(start)
	wg.Wait()

	winner := -1
	for w, err := range errs {
		switch {
		case err == nil:
			if winner >= 0 {
				t.Errorf("workers %d and %d both created the record", winner, w)
			}
			winner = w
		case errors.Is(err, store.ErrExists):
		default:
			t.Errorf("worker %d: Create = %v, want nil or ErrExists", w, err)
		}
	}
	if winner < 0 {
		t.Fatal("no concurrent Create succeeded")
	}
	wantValue(t, s, store.Users, "contested", fmt.Sprintf("worker-%d", winner))
}

// testCancelledContext checks that a dead context stops an operation before
// it takes effect, so a caller that gave up is never surprised by a late
// write.
func testCancelledContext(t *testing.T, s store.Store) {
	mustCreate(t, s, store.Users, "alice", "keep")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()

	wantCanceled := func(op string, err error) {
		t.Helper()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context = %v, want an error wrapping context.Canceled", op, err)
		}
	}

	_, err := s.Get(ctx, store.Users, "alice")
	wantCanceled("Get", err)

	calls := 0
	err = s.List(ctx, store.Users, func(string, []byte) error {
		calls++
		return nil
	})
	wantCanceled("List", err)
	if calls != 0 {
		t.Errorf("List with a cancelled context called fn %d times", calls)
	}

	set := func([]byte) ([]byte, error) { return []byte("changed"), nil }
	_, err = s.Update(ctx, store.Users, "alice", set)
	wantCanceled("Update(existing)", err)
	_, err = s.Update(ctx, store.Users, "bob", set)
	wantCanceled("Update(missing)", err)

	wantCanceled("Create", s.Create(ctx, store.Users, "carol", []byte("v")))
	wantCanceled("Delete", s.Delete(ctx, store.Users, "alice"))

	wantList(t, s, store.Users, []record{{"alice", "keep"}})
}

func mustCreate(t *testing.T, s store.Store, c store.Collection, key, val string) {
	t.Helper()
	if err := s.Create(t.Context(), c, key, []byte(val)); err != nil {
		t.Fatalf("Create(%s, %q) = %v", c, key, err)
	}
}

func mustUpdate(t *testing.T, s store.Store, c store.Collection, key string, fn store.UpdateFunc) {
	t.Helper()
	if _, err := s.Update(t.Context(), c, key, fn); err != nil {
		t.Fatalf("Update(%s, %q) = %v", c, key, err)
	}
}

func wantValue(t *testing.T, s store.Store, c store.Collection, key, want string) {
	t.Helper()
	got, err := s.Get(t.Context(), c, key)
	if err != nil {
		t.Errorf("Get(%s, %q) = %v, want %q", c, key, err, want)
		return
	}
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("Get(%s, %q) (-want +got):\n%s", c, key, diff)
	}
}

// wantBytes is wantValue for values too large for a readable diff.
func wantBytes(t *testing.T, s store.Store, c store.Collection, key string, want []byte) {
	t.Helper()
	got, err := s.Get(t.Context(), c, key)
	if err != nil {
		t.Errorf("Get(%s, %q) = %v", c, key, err)
		return
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Get(%s, %q) returned %d bytes that differ from the %d stored", c, key, len(got), len(want))
	}
}

func wantNotFound(t *testing.T, s store.Store, c store.Collection, key string) {
	t.Helper()
	if got, err := s.Get(t.Context(), c, key); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get(%s, %q) = (%q, %v), want ErrNotFound", c, key, got, err)
	}
}

func wantList(t *testing.T, s store.Store, c store.Collection, want []record) {
	t.Helper()
	var got []record
	err := s.List(t.Context(), c, func(key string, val []byte) error {
		got = append(got, record{key, string(val)})
		return nil
	})
	if err != nil {
		t.Errorf("List(%s) = %v", c, err)
		return
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("List(%s) (-want +got):\n%s", c, diff)
	}
}

// randomBytes returns n reproducible bytes that do not compress or repeat,
// so a backend cannot pass by storing something shorter.
func randomBytes(seed uint64, n int) []byte {
	var key [32]byte
	key[0] = byte(seed)
	b := make([]byte, n)
	_, _ = rand.NewChaCha8(key).Read(b) // ChaCha8.Read never fails
	return b
}
