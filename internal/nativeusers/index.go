package nativeusers

import (
	"context"
	"errors"
	"sync"

	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/user"
)

// Index keeps every native user (without hashes) in memory for queries, so
// searching 100,000 users does not decode 100,000 records per request. It
// loads on first use and follows every write through Refresh.
type Index struct {
	users *Store

	mu       sync.Mutex
	loaded   bool
	byName   map[string]user.User
	snapshot []user.User // nil when it must be rebuilt from byName
}

// NewIndex returns an index over users.
func NewIndex(users *Store) *Index { return &Index{users: users} }

// Refresh re-reads one user after a write. Reading under the lock keeps
// concurrent refreshes of one user from installing an older state last.
func (x *Index) Refresh(ctx context.Context, name string) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.loaded {
		return nil // the first Users call loads everything anyway
	}
	acc, err := x.users.Get(ctx, name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		delete(x.byName, name)
	case err != nil:
		// Unknown state: drop the index so the next query reloads it.
		x.loaded, x.byName = false, nil
		return err
	default:
		x.byName[name] = acc.User
	}
	x.snapshot = nil
	return nil
}

// Users returns every native user, in no particular order. The slice is
// shared: callers must not modify it.
func (x *Index) Users(ctx context.Context) ([]user.User, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.loaded {
		byName := map[string]user.User{}
		err := x.users.List(ctx, func(u user.User) error {
			byName[u.Username] = u
			return nil
		})
		if err != nil {
			return nil, err
		}
		x.byName, x.loaded, x.snapshot = byName, true, nil
	}
	if x.snapshot == nil {
		x.snapshot = make([]user.User, 0, len(x.byName))
		for _, u := range x.byName {
			x.snapshot = append(x.snapshot, u)
		}
	}
	return x.snapshot, nil
}

// Reset forgets everything; the next Users call reloads from the store.
// A node that may have missed changes (a compacted watch) calls it.
func (x *Index) Reset() {
	x.mu.Lock()
	x.loaded, x.byName, x.snapshot = false, nil, nil
	x.mu.Unlock()
}
