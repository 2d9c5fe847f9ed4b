package authcache

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
)

// errLoadExited is returned when load neither returned nor panicked, i.e.
// it called runtime.Goexit.
var errLoadExited = errors.New("authcache: load exited without returning")

// call is one load shared by every concurrent call with the same flight key.
// Its result fields are written before done is closed and read after.
type call[V any] struct {
	done chan struct{}
	// cancel cancels the load's context once no caller is waiting.
	cancel context.CancelFunc
	// waiters counts the callers waiting for done; guarded by the shard's
	// mu.
	waiters int

	v      V
	ok     bool
	err    error
	panicv *panicError
}

// panicError carries a load's panic to the callers waiting for it, with the
// stack of the goroutine that panicked, which their own stacks do not show.
type panicError struct {
	value any
	stack []byte
}

func (p *panicError) Error() string {
	return fmt.Sprintf("authcache: load panicked: %v\n\n%s", p.value, p.stack)
}

// miss joins the load in flight for username and password or starts one,
// unless the same attempt failed recently: then it returns that answer
// with recalled set.
//
// A call only stores its result if it is still the shard's flight for its
// key when it finishes. Invalidate and InvalidateAll detach flights, under
// the same lock, so a load that started before an invalidation can neither
// cache its possibly stale result nor be joined by calls made after it.
func (c *Cache[V]) miss(ctx context.Context, s *shard[V], username, password string, load func(context.Context) (V, bool, error)) (v V, ok, recalled bool, err error) {
	if err = ctx.Err(); err != nil {
		return v, false, false, err
	}
	key := flightKey{user: username, digest: c.digest(password)}
	s.mu.Lock()
	if c.failTTL > 0 {
		if remembered, found := s.failedBefore(key, c.now()); found {
			s.mu.Unlock()
			s.failedHits.Add(1)
			return remembered, false, true, nil
		}
	}
	f := s.flights[key]
	if f != nil {
		f.waiters++
		s.mu.Unlock()
		v, ok, err = c.wait(ctx, s, key, f)
		return v, ok, false, err
	}
	// The key outlives this call, in the entry or failure it leaves;
	// the caller's username may be cut out of "user:password", and
	// would keep the password reachable all that time.
	key.user = strings.Clone(username)
	lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	f = &call[V]{done: make(chan struct{}), cancel: cancel, waiters: 1}
	s.flights[key] = f
	s.mu.Unlock()
	go c.run(lctx, s, key, f, password, load)
	v, ok, err = c.wait(ctx, s, key, f)
	return v, ok, false, err
}

func (c *Cache[V]) wait(ctx context.Context, s *shard[V], key flightKey, f *call[V]) (V, bool, error) {
	select {
	case <-f.done:
	case <-ctx.Done():
		select {
		case <-f.done:
			// Finished as well: the result is worth more than the error.
		default:
			s.mu.Lock()
			f.waiters--
			if f.waiters == 0 {
				// Nobody wants the result any more; later calls start
				// afresh rather than join a load being cancelled.
				f.cancel()
				if s.flights[key] == f {
					delete(s.flights, key)
				}
			}
			s.mu.Unlock()
			var zero V
			return zero, false, ctx.Err()
		}
	}
	if f.panicv != nil {
		panic(f.panicv)
	}
	return f.v, f.ok, f.err
}

// run calls load for f and publishes its result. It runs on its own
// goroutine so that any waiting caller can leave when its context ends.
func (c *Cache[V]) run(ctx context.Context, s *shard[V], key flightKey, f *call[V], password string, load func(context.Context) (V, bool, error)) {
	s.loads.Add(1)
	returned := false
	defer func() {
		f.cancel()
		if returned {
			return
		}
		// A panic here would kill the process, since no caller's
		// recovery covers this goroutine; the waiters re-panic instead.
		if r := recover(); r != nil {
			f.panicv = &panicError{value: r, stack: debug.Stack()}
		} else {
			f.err = errLoadExited
		}
		s.mu.Lock()
		if s.flights[key] == f {
			delete(s.flights, key)
		}
		s.mu.Unlock()
		close(f.done)
	}()

	v, ok, err := load(ctx)
	returned = true
	ok = ok && err == nil

	var e *entry[V]
	if ok {
		// Hash outside the lock: cache.hash_algo may be a slow one.
		if h, herr := c.hasher.Hash(password); herr == nil {
			e = &entry[V]{user: key.user, hash: h, value: v}
		}
	}
	now := c.now()
	s.mu.Lock()
	if s.flights[key] == f {
		delete(s.flights, key)
		if e != nil {
			e.expires = now.Add(c.ttl)
			s.put(e, now)
		} else if !ok {
			s.dropExpired(key.user, now)
			if err == nil && c.failTTL > 0 {
				s.addFailure(key, v, now.Add(c.failTTL), now)
			}
		}
	}
	s.mu.Unlock()

	f.v, f.ok, f.err = v, ok, err
	close(f.done)
}
