package realm

import (
	"context"

	"github.com/esauth/esauth/internal/nativeusers"
	"github.com/esauth/esauth/internal/passhash"
	"github.com/esauth/esauth/internal/user"
)

// Reserved authenticates the built-in users (elastic, kibana_system, ...).
// It ends the chain for their names, so no other realm can impersonate them.
type Reserved struct {
	users  *nativeusers.Store
	fake   string
	verify verifier
}

// NewReserved returns the reserved realm. fakeHash is verified for a
// built-in user that has no password yet, since the chain ends there.
func NewReserved(users *nativeusers.Store, fakeHash string) *Reserved {
	return &Reserved{users: users, fake: fakeHash, verify: passhash.Verify}
}

// Ref implements Realm.
func (r *Reserved) Ref() Ref { return ReservedRef }

// Authenticate implements Realm.
func (r *Reserved) Authenticate(ctx context.Context, username, password string) (Principal, Outcome, error) {
	return lookThenCheck(ctx, r, username, password)
}

func (r *Reserved) lookup(ctx context.Context, username string) (func(password string) (Principal, Outcome), error) {
	b, ok := user.LookupBuiltin(username)
	if !ok {
		return nil, nil
	}
	st, err := r.users.GetReserved(ctx, username)
	if err != nil {
		return nil, err
	}
	return func(password string) (Principal, Outcome) {
		if st.PasswordHash == "" {
			// Never given a password: it cannot log in, but it costs the same.
			_, _ = r.verify(password, r.fake)
			return Principal{}, Terminate
		}
		if !matches(r.verify, password, st.PasswordHash) {
			return Principal{}, Terminate
		}
		return Principal{User: b.User(st.Enabled), Realm: ReservedRef}, Success
	}, nil
}

// Owns implements Owner: the reserved realm has only the built-in users.
func (r *Reserved) Owns(username string) bool { return user.IsBuiltin(username) }
