package tokens

import (
	"context"
	"crypto/sha256"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/esauth/esauth/internal/config"
	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/store"
)

// Options are what a Service needs besides its store and settings.
type Options struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Log receives failures the answers do not carry (store errors,
	// unreadable documents); never a token or a digest. Nil discards.
	Log *slog.Logger
	// MaxCached bounds the token documents kept in memory; 0 means
	// DefaultMaxCached.
	MaxCached int
}

// DefaultMaxCached is how many token documents a node keeps in memory.
const DefaultMaxCached = 100_000

// Service is Elasticsearch's TokenService on a store.Store. It is safe for
// concurrent use.
type Service struct {
	db    store.Store
	cfg   config.TokenConfig
	now   func() time.Time
	log   *slog.Logger
	cache *docCache
}

// New returns a Service on db.
func New(db store.Store, cfg config.TokenConfig, opt Options) *Service {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.MaxCached <= 0 {
		opt.MaxCached = DefaultMaxCached
	}
	return &Service{db: db, cfg: cfg, now: opt.Now, log: opt.Log, cache: newDocCache(opt.MaxCached)}
}

// Enabled reports xpack.security.authc.token.enabled.
func (s *Service) Enabled() bool { return s.cfg.Enabled }

// ExpiresIn is how long new access tokens live (token.timeout).
func (s *Service) ExpiresIn() time.Duration { return s.cfg.Timeout }

// ErrDisabled is what every token endpoint answers while the service is
// off (TokenService.ensureEnabled, FeatureNotEnabledException).
func ErrDisabled() *eserr.Error {
	return &eserr.Error{Type: "feature_not_enabled_exception", Status: http.StatusBadRequest,
		Reason: "security tokens are not enabled", Metadata: [][2]string{{"disabled.feature", "security_tokens"}}}
}

// Forget drops what this node has cached of the token document under key:
// call it for every change to it seen in the store's watch. Once it
// returns, Verify reads the document from the store.
func (s *Service) Forget(key string) {
	if id, ok := idOf(key); ok {
		s.cache.invalidate(id)
	}
}

// ForgetAll drops every cached document (a watch that missed changes).
func (s *Service) ForgetAll() { s.cache.invalidateAll() }

// Follow drops every token document another node changes from this
// node's cache, until ctx ends: w is the shared store's watch. If the
// watch missed changes, everything cached is dropped.
func (s *Service) Follow(ctx context.Context, w store.Watcher) {
	rev := s.revision(ctx, w)
	for ctx.Err() == nil {
		err := w.Watch(ctx, rev, func(e store.Event) {
			rev = e.Revision
			if e.Collection == store.Tokens {
				s.Forget(e.Key)
			}
		})
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, store.ErrCompacted):
			s.log.Warn("missed changes of the shared store; dropping every cached token")
			s.ForgetAll()
			rev = s.revision(ctx, w)
		default:
			s.log.Warn("watching the shared store for tokens failed; resuming", "err", err)
			sleep(ctx, time.Second)
		}
	}
}

func (s *Service) revision(ctx context.Context, w store.Watcher) int64 {
	for ctx.Err() == nil {
		rev, err := w.Revision(ctx)
		if err == nil {
			return rev
		}
		sleep(ctx, time.Second)
	}
	return 0
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// docCache keeps token documents read by Verify, by store key, so that a
// request with a warm cache reads no store. A generation counter stops a
// document read before an invalidation from being cached after it.
type docCache struct {
	max     int
	gen     atomic.Uint64
	mu      sync.RWMutex
	entries map[docID]*cached
}

// docID is the digest in a document's key.
type docID = [sha256.Size]byte

// cached is what Verify needs of a document.
type cached struct {
	access      [sha256.Size]byte // the access token's SHA-256
	invalidated bool
	expires     time.Time
	auth        *Authentication
}

func newDocCache(max int) *docCache {
	return &docCache{max: max, entries: make(map[docID]*cached)}
}

func (c *docCache) get(key docID) *cached {
	c.mu.RLock()
	e := c.entries[key]
	c.mu.RUnlock()
	return e
}

// put caches e unless key was invalidated since gen was read.
func (c *docCache) put(key docID, e *cached, gen uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen.Load() != gen {
		return
	}
	if _, ok := c.entries[key]; !ok && len(c.entries) >= c.max {
		for k, old := range c.entries {
			if old.invalidated || !now.Before(old.expires) {
				delete(c.entries, k)
			}
		}
		for k := range c.entries { // still full: drop any
			if len(c.entries) < c.max {
				break
			}
			delete(c.entries, k)
		}
	}
	c.entries[key] = e
}

func (c *docCache) invalidate(key docID) {
	c.mu.Lock()
	c.gen.Add(1)
	delete(c.entries, key)
	c.mu.Unlock()
}

func (c *docCache) invalidateAll() {
	c.mu.Lock()
	c.gen.Add(1)
	clear(c.entries)
	c.mu.Unlock()
}

func (c *docCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}
