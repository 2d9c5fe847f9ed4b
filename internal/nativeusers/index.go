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

	mu     sync.Mutex
	loaded bool
	// loading is closed when the load under way ends; nil while none
	// runs. The store is read without the lock, so that writes meanwhile
	// wait for nothing: they are noted in dirty and re-read once the load
	// is in. generation tells a load that a Reset made it stale.
	loading    chan struct{}
	loadErr    error
	dirty      map[string]bool
	generation uint64
	list       []user.User
	pos        map[string]int32      // username to its place in list
	shared     bool                  // list has been handed out
	pending    map[string]*user.User // writes since then; nil means deleted
	roles      map[string]string     // one copy of each role name
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
		if x.loading != nil {
			x.dirty[name] = true // the load may have read it before the write
		}
		return nil // the load reads everything anyway
	}
	return x.refreshLocked(ctx, name)
}

// refreshLocked re-reads one user into the loaded index; x.mu is held.
func (x *Index) refreshLocked(ctx context.Context, name string) error {
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

// Preload loads the index now, in the background of start-up, so that
// the first query does not wait for a store of a million users to be
// read. It returns once the load is in (or failed: the first query then
// tries again).
func (x *Index) Preload(ctx context.Context) {
	x.mu.Lock()
	done := x.startLoad(ctx)
	x.mu.Unlock()
	<-done
}

// startLoad starts a load unless one runs or the index is in; it returns
// a channel closed when the index is in or the load failed. Called with
// x.mu held.
func (x *Index) startLoad(ctx context.Context) chan struct{} {
	if x.loaded {
		closed := make(chan struct{})
		close(closed)
		return closed
	}
	if x.loading == nil {
		x.loading, x.dirty, x.loadErr = make(chan struct{}), map[string]bool{}, nil
		go x.load(context.WithoutCancel(ctx), x.generation, x.loading)
	}
	return x.loading
}

// load reads every user and installs them, then re-reads the users
// written meanwhile.
func (x *Index) load(ctx context.Context, generation uint64, done chan struct{}) {
	defer close(done)
	list, err := x.users.ListAll(ctx)
	x.mu.Lock()
	defer x.mu.Unlock()
	if generation != x.generation {
		return // a Reset came first: a later call loads afresh
	}
	x.loading = nil
	if err != nil {
		x.loadErr = err
		return
	}
	x.list, x.pos, x.roles = slices.Clip(list), make(map[string]int32, len(list)), map[string]string{}
	for i := range x.list {
		x.intern(&x.list[i])
		x.pos[x.list[i].Username] = int32(i)
	}
	x.loaded, x.shared, x.pending = true, false, map[string]*user.User{}
	for name := range x.dirty {
		if err := x.refreshLocked(ctx, name); err != nil {
			x.loadErr = err
			return
		}
	}
	x.dirty = nil
	if len(x.list) >= bigLoad {
		// Decoding a large store leaves several times the index's own
		// size as garbage, which the runtime would keep from the OS for
		// minutes; a load happens once, so give it back now.
		debug.FreeOSMemory()
	}
}

// Users returns every native user, in no particular order. The slice is
// shared: callers must not modify it.
func (x *Index) Users(ctx context.Context) ([]user.User, error) {
	x.mu.Lock()
	for !x.loaded {
		done := x.startLoad(ctx)
		x.mu.Unlock()
		select {
		case <-done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		x.mu.Lock()
		if err := x.loadErr; err != nil && !x.loaded {
			x.loadErr = nil
			x.mu.Unlock()
			return nil, err
		}
	}
	defer x.mu.Unlock()
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
	if x.loading != nil {
		// The load under way may have read the store before what made
		// this reset necessary: its result is dropped and its waiters
		// start a new one.
		x.generation++
		x.loading, x.dirty = nil, nil
	}
}
