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
	acc, err := n.users.Get(ctx, username)
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, Unknown, nil
	}
	if err != nil {
		return Principal{}, Continue, err
	}
	if !matches(n.verify, password, acc.PasswordHash) {
		return Principal{}, Continue, nil
	}
	return Principal{User: acc.User, Realm: n.ref}, Success, nil
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
