package nativeusers

import (
	"context"
	"errors"
	"runtime/debug"
	"slices"
	"sync"

	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/user"
)

// Index keeps every native user (without hashes) in memory for queries, so
// searching 100,000 users does not decode 100,000 records per request. It
// loads on first use and follows every write through Refresh.
//
// Users hands out the list itself, without copying. Once handed out the
// list is never changed: writes wait in pending, and the next Users call
// applies them to a fresh copy. Between queries, writes change the list in
// place. Each user is thus held once, plus its position by name.
type Index struct {
	users *Store

	mu      sync.Mutex
	loaded  bool
	list    []user.User
	pos     map[string]int32      // username to its place in list
	shared  bool                  // list has been handed out
	pending map[string]*user.User // writes since then; nil means deleted
	roles   map[string]string     // one copy of each role name
}

// bigLoad is the number of users above which a load returns its garbage
// to the operating system at once.
const bigLoad = 50000

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
	var u *user.User
	acc, err := x.users.Get(ctx, name)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		// Unknown state: drop the index so the next query reloads it.
		x.reset()
		return err
	default:
		u = &acc.User
		x.intern(u)
	}
	if x.shared {
		x.pending[name] = u
		return nil
	}
	x.apply(name, u)
	return nil
}

// Users returns every native user, in no particular order. The slice is
// shared: callers must not modify it.
func (x *Index) Users(ctx context.Context) ([]user.User, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.loaded {
		x.list, x.pos, x.roles = nil, map[string]int32{}, map[string]string{}
		err := x.users.List(ctx, func(u user.User) error {
			x.intern(&u)
			x.pos[u.Username] = int32(len(x.list))
			x.list = append(x.list, u)
			return nil
		})
		if err != nil {
			x.reset()
			return nil, err
		}
		x.list = slices.Clip(x.list)
		x.loaded, x.shared, x.pending = true, false, map[string]*user.User{}
		if len(x.list) >= bigLoad {
			// Decoding a large store leaves several times the index's own
			// size as garbage, which the runtime would keep from the OS
			// for minutes; a load happens once, so give it back now.
			debug.FreeOSMemory()
		}
	}
	if len(x.pending) > 0 {
		x.list = slices.Clone(x.list)
		for name, u := range x.pending {
			x.apply(name, u)
		}
		clear(x.pending)
	}
	x.shared = true
	return x.list, nil
}

// apply puts u (nil: removes the user) into the unshared list.
func (x *Index) apply(name string, u *user.User) {
	i, ok := x.pos[name]
	switch {
	case u != nil && ok:
		x.list[i] = *u
	case u != nil:
		x.pos[name] = int32(len(x.list))
		x.list = append(x.list, *u)
	case ok:
		last := len(x.list) - 1
		if int(i) != last {
			x.list[i] = x.list[last]
			x.pos[x.list[i].Username] = i
		}
		x.list[last] = user.User{}
		x.list = x.list[:last]
		delete(x.pos, name)
	}
}

// intern makes users share one copy of each role name: a million users
// with a handful of roles would otherwise hold millions of equal strings.
func (x *Index) intern(u *user.User) {
	for i, r := range u.Roles {
		if c, ok := x.roles[r]; ok {
			u.Roles[i] = c
		} else {
			x.roles[r] = r
		}
	}
}

// Reset forgets everything; the next Users call reloads from the store.
// A node that may have missed changes (a compacted watch) calls it.
func (x *Index) Reset() {
	x.mu.Lock()
	x.reset()
	x.mu.Unlock()
}

func (x *Index) reset() {
	x.loaded, x.list, x.pos, x.pending, x.roles, x.shared = false, nil, nil, nil, nil, false
}
