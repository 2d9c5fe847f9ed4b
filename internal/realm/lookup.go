package realm

import (
	"context"
	"errors"

	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/user"
)

// Lookuper is a realm that can find one of its users without a password,
// as Elasticsearch's realms do for run-as.
type Lookuper interface {
	LookupUser(ctx context.Context, username string) (user.User, bool, error)
}

// LookupUser implements Lookuper: a native user by name.
func (n *Native) LookupUser(ctx context.Context, username string) (user.User, bool, error) {
	acc, err := n.users.Get(ctx, username)
	if errors.Is(err, store.ErrNotFound) {
		return user.User{}, false, nil
	}
	return acc.User, err == nil, err
}

// LookupUser implements Lookuper: a built-in user, enabled or not.
func (r *Reserved) LookupUser(ctx context.Context, username string) (user.User, bool, error) {
	b, ok := user.LookupBuiltin(username)
	if !ok {
		return user.User{}, false, nil
	}
	st, err := r.users.GetReserved(ctx, username)
	if err != nil {
		return user.User{}, false, err
	}
	return b.User(st.Enabled), true, nil
}

// LookupUser implements Lookuper when the realm behind the cache does;
// lookups are not cached.
func (c *Cached) LookupUser(ctx context.Context, username string) (user.User, bool, error) {
	if l, ok := c.inner.(Lookuper); ok {
		return l.LookupUser(ctx, username)
	}
	return user.User{}, false, nil
}

// Lookup asks realms in order for a user by name, as Elasticsearch's
// realms look up a run-as user: the first realm that has it wins. A realm
// that cannot look users up is skipped.
func Lookup(ctx context.Context, realms []Realm, username string) (Principal, bool, error) {
	for _, r := range realms {
		l, ok := r.(Lookuper)
		if !ok {
			continue
		}
		u, found, err := l.LookupUser(ctx, username)
		if err != nil {
			return Principal{}, false, err
		}
		if found {
			return Principal{User: u, Realm: r.Ref()}, true, nil
		}
	}
	return Principal{}, false, nil
}
