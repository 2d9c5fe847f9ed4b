package realm

import (
	"context"

	"github.com/esauth/esauth/internal/authcache"
)

// Cached fronts a realm with its verified-credential cache, as
// Elasticsearch's CachingUsernamePasswordRealm does: a repeat request with
// the same password costs a fast hash, not the realm's slow one.
type Cached struct {
	inner Realm
	cache *authcache.Cache[verdict]
	gate  *Gate // bounds the realm's slow checks on cache misses; nil: none
}

// verdict is what the cache keeps per user: only successful, enabled
// principals are ever stored as entries; failures are remembered for the
// cache's FailTTL.
type verdict struct {
	p   Principal
	out Outcome
	// checked: the load ran the slow check, not just a lookup.
	checked bool
}

// NewCached wraps inner with a cache configured by cfg; misses, which run
// the realm's slow hash, pass through gate (nil: unbounded), and so do the
// pauses that stand for the checks remembered failures save.
func NewCached(inner Realm, cfg authcache.Config, gate *Gate) *Cached {
	return &Cached{inner: inner, cache: authcache.New[verdict](cfg), gate: gate}
}

// Ref implements Realm.
func (c *Cached) Ref() Ref { return c.inner.Ref() }

// Authenticate implements Realm. A failure remembered from an identical
// attempt is answered after a pause in the gate, as long as a check
// would take; a Chain takes that pause once per request instead.
func (c *Cached) Authenticate(ctx context.Context, username, password string) (Principal, Outcome, error) {
	p, out, cost, err := c.authenticate(ctx, username, password)
	if err == nil && cost == owed {
		if err := c.gate.Pause(ctx, username); err != nil {
			return Principal{}, Unknown, err
		}
	}
	return p, out, err
}

// authenticate is Authenticate without the pause, with what the answer
// cost.
func (c *Cached) authenticate(ctx context.Context, username, password string) (Principal, Outcome, spent, error) {
	if o, ok := c.inner.(Owner); ok && !o.Owns(username) {
		return Principal{}, Unknown, free, nil
	}
	// The hit is tried first so that it does not pay for the load closure.
	if v, ok := c.cache.Get(username, password); ok {
		return v.p, v.out, free, nil
	}
	v, _, recalled, err := c.cache.Load(ctx, username, password, func(ctx context.Context) (verdict, bool, error) {
		return c.load(ctx, username, password)
	})
	switch {
	case err != nil:
		return v.p, v.out, free, err
	case recalled:
		return v.p, v.out, owed, nil
	case v.checked:
		return v.p, v.out, paid, nil
	}
	return v.p, v.out, free, nil
}

// load asks the realm, holding a gate slot for its slow check. Disabled
// users are not cached, so they are checked again on every request
// (unless their failure is remembered).
func (c *Cached) load(ctx context.Context, username, password string) (verdict, bool, error) {
	var v verdict
	var err error
	if l, ok := c.inner.(lookuper); ok {
		check, lerr := l.lookup(ctx, username)
		if lerr != nil {
			return verdict{out: Continue}, false, lerr
		}
		if check == nil {
			return verdict{out: Unknown}, false, nil
		}
		if gerr := c.gate.Do(ctx, username, func() { v.p, v.out = check(password) }); gerr != nil {
			return verdict{}, false, gerr
		}
	} else if gerr := c.gate.Do(ctx, username, func() { v.p, v.out, err = c.inner.Authenticate(ctx, username, password) }); gerr != nil {
		return verdict{}, false, gerr
	}
	v.checked = v.out != Unknown
	return v, err == nil && v.out == Success && v.p.User.Enabled, err
}

// Invalidate evicts one user, after any write to it.
func (c *Cached) Invalidate(username string) { c.cache.Invalidate(username) }

// InvalidateAll evicts everyone.
func (c *Cached) InvalidateAll() { c.cache.InvalidateAll() }

// Stats reports the cache's counters.
func (c *Cached) Stats() authcache.Stats { return c.cache.Stats() }
