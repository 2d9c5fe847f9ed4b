package realm

import (
	"context"

	"github.com/esauth/esauth/internal/passhash"

	"github.com/esauth/esauth/internal/user"
)

// Ref names a realm the way _authenticate reports it.
type Ref struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// The realm references Elasticsearch uses for its built-in realms.
var (
	ReservedRef      = Ref{Name: "reserved", Type: "reserved"}
	DefaultNativeRef = Ref{Name: "default_native", Type: "native"}
)

// Principal is an authenticated user and the realm that vouched for it.
type Principal struct {
	User  user.User
	Realm Ref
}

// Outcome is a realm's verdict on one set of credentials.
type Outcome int

const (
	// Unknown: not this realm's user; no password was checked.
	Unknown Outcome = iota
	// Continue: this realm's user with a wrong password; ask the next realm.
	Continue
	// Success: the credentials are valid.
	Success
	// Terminate: fail now without asking other realms (a built-in user).
	Terminate
)

// Realm verifies credentials against one source of users.
type Realm interface {
	Ref() Ref
	Authenticate(ctx context.Context, username, password string) (Principal, Outcome, error)
}

// Owner is a realm that can tell from memory, at no cost, whether a user
// is its own; the chain then skips it (and its cache) for other users.
type Owner interface {
	Owns(username string) bool
}

// Chain asks realms in order until one succeeds or terminates.
type Chain struct {
	Realms []Realm
	// FakeHash, in the configured algorithm, is verified when no realm knew
	// the user, so an unknown user costs the same time as a wrong password
	// while realms that do not know a user stay cheap.
	FakeHash string
	// Gate bounds the fake verification like every other slow check.
	Gate *Gate
	// Observe, when set, learns every result: the deciding realm's name
	// and whether it authenticated the user; "" when no realm knew him.
	Observe func(realm string, success bool)
	verify  verifier // nil: passhash.Verify; tests count calls
}

// Authenticate returns the principal, or ok=false for bad credentials,
// unknown users and disabled users alike. An error means a realm could not
// decide (its store failed); the caller must not treat it as a bad password.
func (c Chain) Authenticate(ctx context.Context, username, password string) (p Principal, ok bool, err error) {
	observe := c.Observe
	if observe == nil {
		observe = func(string, bool) {}
	}
	last := "" // the last realm that knew the user
	for _, r := range c.Realms {
		p, out, err := r.Authenticate(ctx, username, password)
		if err != nil {
			return Principal{}, false, err
		}
		switch out {
		case Success:
			// Elasticsearch checks enabled after the realm succeeded, so a
			// disabled user fails exactly like a wrong password.
			observe(r.Ref().Name, p.User.Enabled)
			return p, p.User.Enabled, nil
		case Terminate:
			observe(r.Ref().Name, false)
			return Principal{}, false, nil
		case Continue:
			last = r.Ref().Name
		}
	}
	observe(last, false)
	if last == "" {
		verify := c.verify
		if verify == nil {
			verify = passhash.Verify
		}
		if err := c.Gate.Do(ctx, func() { _, _ = verify(password, c.FakeHash) }); err != nil {
			return Principal{}, false, err
		}
	}
	return Principal{}, false, nil
}
