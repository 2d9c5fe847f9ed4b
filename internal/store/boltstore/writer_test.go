package boltstore

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/esauth/esauth/internal/store"
)

// Concurrent writers share commits, and every write is applied exactly once.
func TestGroupCommit(t *testing.T) {
	s := openTemp(t)
	ctx := t.Context()
	const writers, each = 8, 100
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if _, err := s.Update(ctx, store.Users, "counter", func(cur []byte) ([]byte, error) {
					return append(cur, 'x'), nil
				}); err != nil {
					t.Error(err)
				}
				if err := s.Create(ctx, store.Users, fmt.Sprintf("w%d-%d", w, i), []byte("v")); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	got, err := s.Get(ctx, store.Users, "counter")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != writers*each {
		t.Errorf("counter has %d increments, want %d: a write was lost or applied twice", len(got), writers*each)
	}
	writes := int64(2 * writers * each)
	if c := s.commits.Load(); c >= writes {
		t.Errorf("%d commits for %d concurrent writes: nothing was grouped", c, writes)
	} else {
		t.Logf("%d writes in %d commits", writes, c)
	}
}

// A write that fails its own check (a duplicate create, a missing delete)
// fails alone; the rest of its group commits.
func TestGroupFailuresStayLocal(t *testing.T) {
	s := openTemp(t)
	ctx := t.Context()
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			err := s.Create(ctx, store.Users, "same", []byte(fmt.Sprint(i)))
			switch {
			case err == nil:
				wins.Add(1)
			case !errors.Is(err, store.ErrExists):
				t.Errorf("duplicate create: %v", err)
			}
			if err := s.Create(ctx, store.Users, fmt.Sprintf("own-%d", i), []byte("v")); err != nil {
				t.Error(err)
			}
			if err := s.Delete(ctx, store.Users, fmt.Sprintf("missing-%d", i)); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("delete of a missing key: %v", err)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Errorf("%d creates of one key succeeded, want 1", wins.Load())
	}
	for i := range 16 {
		if _, err := s.Get(ctx, store.Users, fmt.Sprintf("own-%d", i)); err != nil {
			t.Errorf("own-%d: %v", i, err)
		}
	}
}

// When bbolt itself refuses a write (a key over its size limit), the group
// is rolled back and every write retried alone: only the bad one fails.
func TestGroupRetriesAlone(t *testing.T) {
	s := openTemp(t)
	ctx := t.Context()
	huge := strings.Repeat("k", 40000) // over bbolt's 32768-byte key limit
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Go(func() {
			key := fmt.Sprintf("good-%d", i)
			if i == 7 {
				key = huge
			}
			errs[i] = s.Create(ctx, store.Users, key, []byte("v"))
		})
	}
	wg.Wait()
	for i, err := range errs {
		if (err != nil) != (i == 7) {
			t.Errorf("write %d: %v", i, err)
		}
	}
	n := 0
	if err := s.List(ctx, store.Users, func(string, []byte) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != 19 {
		t.Errorf("%d records, want the 19 good ones", n)
	}
}

// Writes after Close fail; Close waits for queued writes.
func TestWriteAfterClose(t *testing.T) {
	s := openTemp(t)
	if err := s.Create(t.Context(), store.Users, "a", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(t.Context(), store.Users, "b", []byte("v")); err == nil {
		t.Error("a write after Close succeeded")
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// BenchmarkUpdateParallel is BenchmarkUpdate from 8 writers: the commits
// they share are the gain of grouping.
func BenchmarkUpdateParallel(b *testing.B) {
	s := openTemp(b)
	keys := fill(b, s, store.Users, 10_000, []byte(userDoc))
	ctx := b.Context()
	set := func([]byte) ([]byte, error) { return []byte(userDoc), nil }
	var next atomic.Int64
	b.SetParallelism(4) // 8 goroutines on 2 cores
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			k := keys[next.Add(1)%int64(len(keys))]
			if _, err := s.Update(ctx, store.Users, k, set); err != nil {
				b.Fatal(err)
			}
		}
	})
}
