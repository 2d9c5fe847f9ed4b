package realm

import (
	"context"
	"errors"

	"github.com/esauth/esauth/internal/nativeusers"
	"github.com/esauth/esauth/internal/passhash"
	"github.com/esauth/esauth/internal/store"
)

// Native authenticates the users of the native users store.
type Native struct {
	ref    Ref
	users  *nativeusers.Store
	verify verifier
}

// verifier checks a password against a stored hash; tests count calls.
type verifier func(password, hash string) (bool, error)

// NewNative returns the native realm.
func NewNative(ref Ref, users *nativeusers.Store) *Native {
	return &Native{ref: ref, users: users, verify: passhash.Verify}
}

// Ref implements Realm.
func (n *Native) Ref() Ref { return n.ref }

// Authenticate implements Realm.
func (n *Native) Authenticate(ctx context.Context, username, password string) (Principal, Outcome, error) {
	return lookThenCheck(ctx, n, username, password)
}

func (n *Native) lookup(ctx context.Context, username string) (func(password string) (Principal, Outcome), error) {
	acc, err := n.users.Get(ctx, username)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return func(password string) (Principal, Outcome) {
		if !matches(n.verify, password, acc.PasswordHash) {
			return Principal{}, Continue
		}
		return Principal{User: acc.User, Realm: n.ref}, Success
	}, nil
}

// lookuper is a realm that finds a user apart from checking a password,
// so that its cache can hold a gate slot for the slow check alone: an
// unknown user then waits in the gate once, for the chain's fake hash,
// as a known user waits once for his own. check is nil, with a nil error,
// when the user is not the realm's.
type lookuper interface {
	lookup(ctx context.Context, username string) (check func(password string) (Principal, Outcome), err error)
}

// lookThenCheck is Authenticate for a lookuper.
func lookThenCheck(ctx context.Context, r lookuper, username, password string) (Principal, Outcome, error) {
	check, err := r.lookup(ctx, username)
	if err != nil {
		return Principal{}, Continue, err
	}
	if check == nil {
		return Principal{}, Unknown, nil
	}
	p, out := check(password)
	return p, out, nil
}

// matches treats an empty or unreadable stored hash as a mismatch: an
// empty hash would otherwise match an empty password as clear text.
func matches(verify verifier, password, hash string) bool {
	if hash == "" {
		return false
	}
	ok, err := verify(password, hash)
	return err == nil && ok
}
