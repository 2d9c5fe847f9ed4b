package httpapi

import (
	"context"
	"errors"
	"time"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/lockout"
)

// The locked-users API is esauth's own, under a prefix Elasticsearch does
// not use (_esauth), so it can never shadow one of Elasticsearch's routes.
const lockedUsersPath = "/_security/_esauth/locked_users"

// lockoutOff is the answer when there is no lockout to inspect.
func lockoutOff() error {
	return eserr.IllegalArgument("login lockout is disabled (esauth.security.lockout.enabled is false)")
}

// lockedUsers is GET /_security/_esauth/locked_users: the blocks in force.
func (a *API) lockedUsers(r *request) (exec, error) {
	return func(ctx context.Context) (*response, error) {
		if err := r.authorize(ctx, ""); err != nil {
			return nil, err
		}
		if a.Lockout == nil {
			return nil, lockoutOff()
		}
		list := []any{}
		for _, e := range a.Lockout.Locked(time.Now()) {
			list = append(list, orderedObject{{"kind", e.Kind}, {"name", e.Key},
				{"failures", e.Failures}, {"locked_at", e.Since.UnixMilli()}, {"locked_until", e.Until.UnixMilli()}})
		}
		return ok(orderedObject{{"locked_users", list}})
	}, nil
}

// unlock is DELETE /_security/_esauth/locked_users/{kind}/{name}: lifts one
// block on every node; 404 {"found":false} when there was none.
func (a *API) unlock(r *request) (exec, error) {
	kind, name := r.pathParam("kind"), r.pathParam("name")
	return func(ctx context.Context) (*response, error) {
		if err := r.authorize(ctx, ""); err != nil {
			return nil, err
		}
		if a.Lockout == nil {
			return nil, lockoutOff()
		}
		found, err := a.Lockout.Unlock(ctx, kind, name)
		if errors.Is(err, lockout.ErrUnknownKind) {
			return nil, eserr.IllegalArgument("unknown lock kind [%s], expected [user] or [ip]", kind)
		}
		if err != nil {
			return nil, err
		}
		return foundResponse(found)
	}, nil
}
