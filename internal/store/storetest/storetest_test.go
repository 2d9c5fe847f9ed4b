package storetest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/store/storetest"
)

// memStore is a minimal, obviously correct store.Store. It shows that the
// suite demands nothing a correct backend cannot give, and, with one bug
// switched on, that the suite notices the bug.
type memStore struct {
	bug string // one of the mutants below, or "" for the correct store

	mu   sync.Mutex
	data map[store.Collection]map[string][]byte
}

func newMemStore(bug string) *memStore {
	return &memStore{bug: bug, data: make(map[store.Collection]map[string][]byte)}
}

func (m *memStore) ctxErr(ctx context.Context) error {
	if m.bug == "ignore-ctx" {
		return nil
	}
	return ctx.Err()
}

// key maps a caller's key to the map key, where the key-mangling mutants
// live.
func (m *memStore) key(k string) string {
	if m.bug == "trim-keys" {
		return strings.TrimSpace(k)
	}
	return k
}

func (m *memStore) out(v []byte) []byte {
	if m.bug == "alias" {
		return v
	}
	if m.bug == "truncate" && len(v) > 64<<10 {
		v = v[:64<<10]
	}
	return bytes.Clone(v)
}

func (m *memStore) coll(c store.Collection) map[string][]byte {
	if m.bug == "shared-collections" {
		c = store.Users
	}
	if m.data[c] == nil {
		m.data[c] = make(map[string][]byte)
	}
	return m.data[c]
}

func (m *memStore) Get(ctx context.Context, c store.Collection, key string) ([]byte, error) {
	if err := m.ctxErr(ctx); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.coll(c)[m.key(key)]
	if m.bug == "empty-is-missing" && len(v) == 0 {
		ok = false
	}
	if !ok {
		if m.bug == "get-missing-nil" {
			return nil, nil
		}
		if key == "" {
			return nil, errors.New("empty key")
		}
		return nil, store.ErrNotFound
	}
	return m.out(v), nil
}

func (m *memStore) List(ctx context.Context, c store.Collection, fn func(string, []byte) error) error {
	if err := m.ctxErr(ctx); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	keys := slices.Sorted(maps.Keys(m.coll(c)))
	if m.bug == "list-unsorted" {
		slices.Reverse(keys)
	}
	if m.bug == "list-calls-empty" && len(keys) == 0 {
		_ = fn("", nil)
	}
	for _, k := range keys {
		if err := fn(k, m.out(m.coll(c)[k])); err != nil && m.bug != "list-ignores-error" {
			return err
		}
	}
	return nil
}

func (m *memStore) Create(ctx context.Context, c store.Collection, key string, val []byte) error {
	if err := m.ctxErr(ctx); err != nil {
		return err
	}
	if key == "" && m.bug != "empty-key-ok" {
		return errors.New("empty key")
	}
	m.mu.Lock()
	_, exists := m.coll(c)[m.key(key)]
	if m.bug == "create-race" {
		// Check, then act without the lock: the classic race. The pause
		// makes the losing interleaving certain rather than likely, even
		// on a loaded machine.
		m.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
		m.mu.Lock()
	}
	defer m.mu.Unlock()
	if exists {
		if m.bug == "create-overwrites" {
			m.coll(c)[m.key(key)] = bytes.Clone(val)
		}
		return store.ErrExists
	}
	if m.bug == "alias" {
		m.coll(c)[m.key(key)] = val
	} else {
		m.coll(c)[m.key(key)] = m.out(val)
	}
	return nil
}

func (m *memStore) Update(ctx context.Context, c store.Collection, key string, fn store.UpdateFunc) (bool, error) {
	if err := m.ctxErr(ctx); err != nil {
		return false, err
	}
	if key == "" && m.bug != "empty-key-ok" {
		return false, errors.New("empty key")
	}
	if m.bug == "busy-unavailable" {
		// Give up when another writer holds the store, as a CAS loop that
		// stops retrying under contention does. Holding it a moment makes
		// the contention certain rather than likely.
		if !m.mu.TryLock() {
			return false, store.ErrUnavailable
		}
		time.Sleep(time.Millisecond)
	} else {
		m.mu.Lock()
	}
	cur, exists := m.coll(c)[m.key(key)]
	if exists {
		cur = m.out(cur)
	} else if m.bug == "missing-cur-empty" {
		cur = []byte{}
	}
	if m.bug == "lost-update" {
		// Read, then compute and write without the lock or a CAS.
		m.mu.Unlock()
		time.Sleep(time.Millisecond)
		m.mu.Lock()
	}
	defer m.mu.Unlock()
	next, err := fn(cur)
	switch {
	case err != nil && m.bug == "wrap-fn-error":
		return false, errors.New(err.Error())
	case err != nil && m.bug == "write-despite-error":
		m.coll(c)[m.key(key)] = bytes.Clone(next)
		return false, err
	case err != nil:
		return false, err
	case next == nil && m.bug != "nil-next-ok":
		return false, errors.New("nil value")
	}
	if m.bug == "alias" {
		m.coll(c)[m.key(key)] = next
	} else {
		m.coll(c)[m.key(key)] = m.out(next)
	}
	if m.bug == "created-always-false" {
		return false, nil
	}
	return !exists, nil
}

func (m *memStore) Delete(ctx context.Context, c store.Collection, key string) error {
	if err := m.ctxErr(ctx); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.coll(c)[m.key(key)]; !ok {
		if m.bug == "delete-missing-ok" {
			return nil
		}
		return store.ErrNotFound
	}
	delete(m.coll(c), m.key(key))
	return nil
}

func (m *memStore) Close() error { return nil }

func TestMemStore(t *testing.T) {
	storetest.Run(t, func(*testing.T) store.Store { return newMemStore("") })
	storetest.RunShared(t, func(*testing.T) (store.Store, store.Store) {
		s := newMemStore("")
		return s, s
	})
}

const mutantEnv = "STORETEST_MUTANT"

// TestMutantHelper runs the suite against a buggy memStore; it only runs as
// a child of TestSuiteCatchesBugs, which expects it to fail.
func TestMutantHelper(t *testing.T) {
	bug := os.Getenv(mutantEnv)
	if bug == "" {
		t.Skip("only runs as the child of TestSuiteCatchesBugs")
	}
	storetest.Run(t, func(*testing.T) store.Store { return newMemStore(bug) })
	storetest.RunShared(t, func(*testing.T) (store.Store, store.Store) {
		s := newMemStore(bug)
		return s, s
	})
}

// TestSuiteCatchesBugs guards the suite itself: a check that stops asserting
// (a lost t.Error, a comparison of the wrong variable) shows up here as a
// bug that no longer fails the subtest meant to catch it.
func TestSuiteCatchesBugs(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a child process per mutant")
	}
	mutants := []struct{ bug, subtest string }{
		{"get-missing-nil", "GetMissing"},
		{"create-overwrites", "CreateExisting"},
		{"missing-cur-empty", "UpdateUpsertMissing"},
		{"created-always-false", "UpdateUpsertMissing"},
		{"wrap-fn-error", "UpdateFuncError"},
		{"write-despite-error", "UpdateFuncError"},
		{"nil-next-ok", "UpdateNilNext"},
		{"empty-is-missing", "EmptyValue"},
		{"delete-missing-ok", "Delete"},
		{"empty-key-ok", "EmptyKeyRejected"},
		{"list-unsorted", "ListOrderAndIsolation"},
		{"shared-collections", "ListOrderAndIsolation"},
		{"list-ignores-error", "ListStopsAtError"},
		{"list-calls-empty", "ListEmpty"},
		{"trim-keys", "OddKeys"},
		{"truncate", "LargeValues"},
		{"alias", "NoAliasing"},
		{"lost-update", "ConcurrentUpdate"},
		{"create-race", "ConcurrentCreate"},
		{"ignore-ctx", "CancelledContext"},
		{"busy-unavailable", "HotKeyUpdate"},
		{"lost-update", "HotKeyUpdate"},
	}
	for _, m := range mutants {
		t.Run(m.bug, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestMutantHelper$/^"+m.subtest+"$", "-test.count=1")
			cmd.Env = append(os.Environ(), mutantEnv+"="+m.bug)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) {
				t.Fatalf("suite passed a store with bug %q (err %v); output:\n%s", m.bug, err, out)
			}
			if want := fmt.Sprintf("--- FAIL: TestMutantHelper/%s ", m.subtest); !strings.Contains(string(out), want) {
				t.Errorf("bug %q did not fail subtest %s; output:\n%s", m.bug, m.subtest, out)
			}
		})
	}
}
