package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/esauth/esauth/internal/metrics"
	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/store/boltstore"
	"github.com/esauth/esauth/internal/store/storetest"
)

// TestStoreConformance runs the store suite through the wrapper, which
// must change nothing a caller sees, while it records every operation.
func TestStoreConformance(t *testing.T) {
	m := metrics.New()
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := boltstore.Open(filepath.Join(t.TempDir(), "esauth.db"))
		if err != nil {
			t.Fatal(err)
		}
		w := m.Store(s)
		t.Cleanup(func() {
			if err := w.Close(); err != nil {
				t.Error(err)
			}
		})
		return w
	})
	for _, op := range []string{metrics.OpGet, metrics.OpList, metrics.OpCreate, metrics.OpUpdate, metrics.OpDelete} {
		h := m.StoreDuration.With(op)
		if h.Count() == 0 || h.Sum() <= 0 {
			t.Errorf("operation %s: %d timings summing to %v, want some", op, h.Count(), h.Sum())
		}
	}
	if _, ok := m.Store(nil).(store.Watcher); ok {
		t.Error("the wrapper of a store that does not watch claims to be a Watcher")
	}
}

// fakeStore answers every operation with err; Update and List first call
// the caller's function.
type fakeStore struct{ err error }

func (f fakeStore) Get(context.Context, store.Collection, string) ([]byte, error) { return nil, f.err }
func (f fakeStore) List(_ context.Context, _ store.Collection, fn func(string, []byte) error) error {
	if err := fn("k", nil); err != nil {
		return err
	}
	return f.err
}
func (f fakeStore) Create(context.Context, store.Collection, string, []byte) error { return f.err }
func (f fakeStore) Update(_ context.Context, _ store.Collection, _ string, fn store.UpdateFunc) (bool, error) {
	if _, err := fn(nil); err != nil {
		return false, err
	}
	return false, f.err
}
func (f fakeStore) Delete(context.Context, store.Collection, string) error { return f.err }
func (f fakeStore) Close() error                                           { return nil }

// fakeWatcher is a shared store, as etcd is.
type fakeWatcher struct {
	fakeStore
	rev int64
}

func (f fakeWatcher) Revision(context.Context) (int64, error) { return f.rev, nil }
func (f fakeWatcher) Watch(_ context.Context, after int64, fn func(store.Event)) error {
	fn(store.Event{Collection: store.Users, Key: "joe", Revision: after + 1})
	return store.ErrCompacted
}

func TestStoreKeepsWatcher(t *testing.T) {
	w, ok := metrics.New().Store(fakeWatcher{rev: 42}).(store.Watcher)
	if !ok {
		t.Fatal("the wrapper of a Watcher is not a Watcher")
	}
	if rev, err := w.Revision(t.Context()); rev != 42 || err != nil {
		t.Errorf("Revision = %d, %v", rev, err)
	}
	var got []store.Event
	err := w.Watch(t.Context(), 42, func(e store.Event) { got = append(got, e) })
	if !errors.Is(err, store.ErrCompacted) || len(got) != 1 || got[0].Revision != 43 {
		t.Errorf("Watch = %v with events %v", err, got)
	}
}

// TestStoreErrors checks which errors count as backend failures.
func TestStoreErrors(t *testing.T) {
	type callerError struct{ error }
	callers := callerError{errors.New("invalid user")}
	for _, tt := range []struct {
		name     string
		err      error // what the backend answers
		fnErr    error // what the caller's function returns
		failures uint64
	}{
		{"success", nil, nil, 0},
		{"not found", fmt.Errorf("users/joe: %w", store.ErrNotFound), nil, 0},
		{"exists", store.ErrExists, nil, 0},
		{"caller gave up", context.Canceled, nil, 0},
		{"caller's own error", nil, callers, 0},
		{"unavailable", fmt.Errorf("etcd: %w", store.ErrUnavailable), nil, 5},
		{"timeout", context.DeadlineExceeded, nil, 5},
		{"disk", errors.New("input/output error"), nil, 5},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := metrics.New()
			s := m.Store(fakeStore{err: tt.err})
			ctx := t.Context()
			// The caller's function's error wins where there is one.
			withFn := tt.err
			if tt.fnErr != nil {
				withFn = tt.fnErr
			}
			check := func(op string, got, want error) {
				t.Helper()
				if got != want {
					t.Errorf("%s returned %v, want %v", op, got, want)
				}
			}
			_, err := s.Get(ctx, store.Users, "joe")
			check("Get", err, tt.err)
			check("List", s.List(ctx, store.Users, func(string, []byte) error { return tt.fnErr }), withFn)
			check("Create", s.Create(ctx, store.Users, "joe", []byte("v")), tt.err)
			_, err = s.Update(ctx, store.Users, "joe", func([]byte) ([]byte, error) { return []byte("v"), tt.fnErr })
			check("Update", err, withFn)
			check("Delete", s.Delete(ctx, store.Users, "joe"), tt.err)
			var failures uint64
			for _, op := range []string{metrics.OpGet, metrics.OpList, metrics.OpCreate, metrics.OpUpdate, metrics.OpDelete} {
				failures += m.StoreErrors.With(op).Value()
				if n := m.StoreDuration.With(op).Count(); n != 1 {
					t.Errorf("%s timed %d times, want 1", op, n)
				}
			}
			if failures != tt.failures {
				t.Errorf("%d failures counted, want %d", failures, tt.failures)
			}
		})
	}
}
