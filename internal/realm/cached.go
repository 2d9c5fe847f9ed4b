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
// principals are ever stored.
type verdict struct {
	p   Principal
	out Outcome
}

// NewCached wraps inner with a cache configured by cfg; misses, which run
// the realm's slow hash, pass through gate (nil: unbounded).
func NewCached(inner Realm, cfg authcache.Config, gate *Gate) *Cached {
	return &Cached{inner: inner, cache: authcache.New[verdict](cfg), gate: gate}
}

// Ref implements Realm.
func (c *Cached) Ref() Ref { return c.inner.Ref() }

// Authenticate implements Realm. Failures and disabled users are not
// cached, so they are checked again on every request.
func (c *Cached) Authenticate(ctx context.Context, username, password string) (Principal, Outcome, error) {
	if o, ok := c.inner.(Owner); ok && !o.Owns(username) {
		return Principal{}, Unknown, nil
	}
	// The hit is tried first so that it does not pay for the load closure.
	if v, ok := c.cache.Get(username, password); ok {
		return v.p, v.out, nil
	}
	v, _, err := c.cache.Load(ctx, username, password, func(ctx context.Context) (verdict, bool, error) {
		var v verdict
		var err error
		if gerr := c.gate.Do(ctx, func() { v.p, v.out, err = c.inner.Authenticate(ctx, username, password) }); gerr != nil {
			return verdict{}, false, gerr
		}
		return v, err == nil && v.out == Success && v.p.User.Enabled, err
	})
	return v.p, v.out, err
}

// Invalidate evicts one user, after any write to it.
func (c *Cached) Invalidate(username string) { c.cache.Invalidate(username) }

// InvalidateAll evicts everyone.
func (c *Cached) InvalidateAll() { c.cache.InvalidateAll() }

// Stats reports the cache's counters.
func (c *Cached) Stats() authcache.Stats { return c.cache.Stats() }
