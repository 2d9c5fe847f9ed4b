package securityapi

import (
	"context"
	"errors"
	"time"

	"github.com/esauth/esauth/internal/authz"
	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/lockout"
	"github.com/esauth/esauth/internal/pipeline"
	"github.com/esauth/esauth/internal/rest"
	"github.com/esauth/esauth/internal/xcontent"
)

// The locked-users API is esauth's own, under a prefix Elasticsearch does
// not use (_esauth), so it can never shadow one of Elasticsearch's routes.
const lockedUsersPath = "/_security/_esauth/locked_users"

// lockoutOff is the answer when there is no lockout to inspect.
func lockoutOff() error {
	return eserr.IllegalArgument("login lockout is disabled (esauth.security.lockout.enabled is false)")
}

// lockedUsers is GET /_security/_esauth/locked_users: the blocks in force.
func (a *API) lockedUsers(*pipeline.Call) (pipeline.Prepared, error) {
	return pipeline.Prepared{Run: func(context.Context, authz.Decision) (*rest.Response, error) {
		if a.Lockout == nil {
			return nil, lockoutOff()
		}
		list := []any{}
		for _, e := range a.Lockout.Locked(time.Now()) {
			list = append(list, xcontent.Obj("kind", e.Kind, "name", e.Key,
				"failures", e.Failures, "locked_at", e.Since.UnixMilli(), "locked_until", e.Until.UnixMilli()))
		}
		return rest.OK(xcontent.Obj("locked_users", list))
	}}, nil
}

// unlock is DELETE /_security/_esauth/locked_users/{kind}/{name}: lifts one
// block on every node; 404 {"found":false} when there was none.
func (a *API) unlock(c *pipeline.Call) (pipeline.Prepared, error) {
	kind, name := c.PathParam("kind"), c.PathParam("name")
	return pipeline.Prepared{Run: func(ctx context.Context, _ authz.Decision) (*rest.Response, error) {
		if a.Lockout == nil {
			return nil, lockoutOff()
		}
		if kind == lockout.KindIP {
			// Blocks are kept by ClientKey: an IPv6 address by its /64.
			if k := lockout.ClientKey(name); k != "" {
				name = k
			}
		}
		found, err := a.Lockout.Unlock(ctx, kind, name)
		if errors.Is(err, lockout.ErrUnknownKind) {
			return nil, eserr.IllegalArgument("unknown lock kind [%s], expected [user] or [ip]", kind)
		}
		if err != nil {
			return nil, err
		}
		return rest.Found(found)
	}}, nil
}
