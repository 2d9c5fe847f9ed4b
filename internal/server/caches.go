package server

import (
	"context"
	"log/slog"
	"slices"

	"github.com/esauth/esauth/internal/apikey"
	"github.com/esauth/esauth/internal/apppriv"
	"github.com/esauth/esauth/internal/serviceaccount"

	"github.com/esauth/esauth/internal/authz"
	"github.com/esauth/esauth/internal/lastauth"
	"github.com/esauth/esauth/internal/lockout"
	"github.com/esauth/esauth/internal/nativeusers"
	"github.com/esauth/esauth/internal/realm"
)

// caches is the node's one invalidation fan-out: a write to a user or a
// role, made here or on another node, and every clear-cache request reach
// each cache that holds what changed through it. It implements
// peers.Handler and securityapi.Caches.
type caches struct {
	ctx      context.Context
	log      *slog.Logger
	realms   []*realm.Cached
	roles    *authz.Source
	authz    *authz.Authorizer
	index    *nativeusers.Index
	lastAuth *lastauth.Recorder
	lockout  *lockout.Tracker
	apiKeys  *apikey.Service
	services *serviceaccount.Service
	appPrivs *apppriv.Store
}

// UserChanged evicts the user from every realm's cache, as Elasticsearch
// clears a changed user in all realms, and refreshes the query index.
func (c *caches) UserChanged(name string, deleted bool) {
	for _, r := range c.realms {
		r.Invalidate(name)
	}
	if err := c.index.Refresh(c.ctx, name); err != nil {
		c.log.Error("refreshing the user index", "user", name, "err", err)
	}
	if deleted {
		c.lastAuth.Drop(name)
	}
}

// RoleChanged evicts a native role and every compiled role set.
func (c *caches) RoleChanged(name string) {
	c.roles.Invalidate(name)
	c.authz.Invalidate()
}

// FileRolesChanged follows a reload of roles.yml, which the source reads
// live but compiled role sets hold.
func (c *caches) FileRolesChanged() { c.authz.Invalidate() }

// LockoutChanged re-reads a block another node started or lifted.
func (c *caches) LockoutChanged(key string) {
	if err := c.lockout.Refresh(c.ctx, key); err != nil {
		c.log.Warn("following a lockout of another node", "key", key, "err", err)
	}
}

// ClearRealms evicts users (nil: all) from the named realms (nil: all),
// ignoring names this node does not have.
func (c *caches) ClearRealms(names, users []string) {
	for _, r := range c.realms {
		if names != nil && !slices.Contains(names, r.Ref().Name) {
			continue
		}
		if users == nil {
			r.InvalidateAll()
		}
		for _, u := range users {
			r.Invalidate(u)
		}
	}
}

// ClearRoles evicts the named native roles (nil: all).
func (c *caches) ClearRoles(names []string) {
	if names == nil {
		c.roles.InvalidateAll()
	}
	for _, n := range names {
		c.roles.Invalidate(n)
	}
	c.authz.Invalidate()
}

// APIKeyChanged drops a key another node wrote (invalidated, updated).
func (c *caches) APIKeyChanged(id string) { c.apiKeys.Invalidate(id) }

// ClearAPIKeys evicts keys (nil: all) from the API key caches.
func (c *caches) ClearAPIKeys(ids []string) { c.apiKeys.ClearCache(ids) }

// ServiceTokenChanged drops a token another node created or deleted.
func (c *caches) ServiceTokenChanged(key string) { c.services.IndexTokenChanged(key) }

// ClearServiceTokens evicts service tokens from the cache.
func (c *caches) ClearServiceTokens(keys []string) { c.services.ClearCache(keys) }

// AppPrivilegeChanged drops the stored application privileges after a
// write here or on another node; role sets resolved against them follow
// the new snapshot.
func (c *caches) AppPrivilegeChanged(string) { c.appPrivs.Invalidate() }

// ClearAppPrivileges applies a clear-cache request. The snapshot holds
// every application, so clearing some clears all.
func (c *caches) ClearAppPrivileges([]string) { c.appPrivs.Invalidate() }

// Reset forgets everything: this node missed changes of the shared store.
func (c *caches) Reset() {
	c.ClearRealms(nil, nil)
	c.ClearRoles(nil)
	c.apiKeys.InvalidateAll()
	c.services.Reset()
	c.appPrivs.Invalidate()
	c.index.Reset()
	if err := c.lockout.Load(c.ctx); err != nil {
		c.log.Warn("reloading the lockouts", "err", err)
	}
}
