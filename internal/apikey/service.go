package apikey

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/esauth/esauth/internal/authcache"
	"github.com/esauth/esauth/internal/config"
	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/store"
)

// Options are what a Service needs besides its store and settings.
type Options struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Log receives failures the answers do not carry (store errors,
	// unreadable documents); never a secret or a hash. Nil discards.
	Log *slog.Logger
	// Gate, if set, is taken around every slow hash (verifying a secret
	// that is not cached, hashing a new one), so that API keys share the
	// realms' bound on concurrent hashes. Its error is returned as the
	// cause of a "server is too busy to respond" failure.
	Gate func(ctx context.Context) (release func(), err error)
}

// Service is Elasticsearch's ApiKeyService on a store.Store. It is safe for
// concurrent use.
type Service struct {
	db   store.Store
	cfg  config.APIKeyConfig
	now  func() time.Time
	log  *slog.Logger
	gate func(ctx context.Context) (func(), error)
	ids  *idGenerator

	// secrets remembers verified secrets by key id, as a fast salted hash
	// (cache.*); its value is the stored hash the secret was verified
	// against.
	secrets *authcache.Cache[string]
	docs    *docCache
	used    *lastUsed
}

// New returns a Service on db. It starts the periodic flush of last use,
// which Close stops.
func New(db store.Store, cfg config.APIKeyConfig, opt Options) *Service {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	docTTL := cfg.DocCacheTTL
	if cfg.CacheTTL <= 0 {
		docTTL = 0 // cache.ttl 0 turns both caches off, as in Elasticsearch
	}
	s := &Service{
		db: db, cfg: cfg, now: opt.Now, log: opt.Log, gate: opt.Gate,
		ids: newIDGenerator(opt.Now),
		secrets: authcache.New[string](authcache.Config{
			TTL: cfg.CacheTTL, MaxUsers: cfg.CacheMaxKeys, Hasher: cfg.CacheHasher, Now: opt.Now,
			// The same wrong secret fails without a slow hash for as long
			// as a right one would be remembered.
			FailTTL: cfg.CacheTTL,
		}),
		docs: newDocCache(docTTL, cfg.CacheMaxKeys),
	}
	s.used = newLastUsed(db, cfg.LastUsedFlushInterval, opt.Log)
	return s
}

// Close stops the flush of last use and flushes once more, within ctx.
func (s *Service) Close(ctx context.Context) error { return s.used.close(ctx) }

// Enabled reports xpack.security.authc.api_key.enabled.
func (s *Service) Enabled() bool { return s.cfg.Enabled }

// ErrDisabled is what every API key endpoint answers when the service is
// disabled (ApiKeyService.ensureEnabled, FeatureNotEnabledException).
func ErrDisabled() *eserr.Error {
	return &eserr.Error{Type: "feature_not_enabled_exception", Status: http.StatusBadRequest,
		Reason: "api keys are not enabled", Metadata: [][2]string{{"disabled.feature", "api_keys"}}}
}

// Invalidate drops what this node has cached about key id: call it after
// any change to the key in the store seen from another node (the store's
// watch) or made outside this Service. Once it returns, Authenticate reads
// the key from the store.
func (s *Service) Invalidate(id string) {
	if strings.ContainsAny(id, ":/") {
		return // not a key id (ids are URL-safe base64)
	}
	s.docs.invalidate(id)
	s.secrets.Invalidate(id)
}

// InvalidateAll drops every cached key (the clear-cache API with no ids,
// or a watch that missed changes).
func (s *Service) InvalidateAll() {
	s.docs.invalidateAll()
	s.secrets.InvalidateAll()
}

// ClearCache is POST /_security/api_key/{ids}/_clear_cache on this node:
// "*" or no ids clears everything.
func (s *Service) ClearCache(ids []string) {
	if len(ids) == 0 || len(ids) == 1 && ids[0] == "*" {
		s.InvalidateAll()
		return
	}
	for _, id := range ids {
		s.Invalidate(id)
	}
}

func (s *Service) enter(ctx context.Context) (func(), error) {
	if s.gate == nil {
		return func() {}, nil
	}
	return s.gate(ctx)
}
