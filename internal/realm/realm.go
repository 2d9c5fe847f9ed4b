package realm

import (
	"context"

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
	// Continue: not this realm's user, or a wrong password; ask the next realm.
	Continue Outcome = iota
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

// Chain asks realms in order until one succeeds or terminates.
type Chain []Realm

// Authenticate returns the principal, or ok=false for bad credentials,
// unknown users and disabled users alike. An error means a realm could not
// decide (its store failed); the caller must not treat it as a bad password.
func (c Chain) Authenticate(ctx context.Context, username, password string) (p Principal, ok bool, err error) {
	for _, r := range c {
		p, out, err := r.Authenticate(ctx, username, password)
		if err != nil {
			return Principal{}, false, err
		}
		switch out {
		case Success:
			// Elasticsearch checks enabled after the realm succeeded, so a
			// disabled user fails exactly like a wrong password.
			return p, p.User.Enabled, nil
		case Terminate:
			return Principal{}, false, nil
		}
	}
	return Principal{}, false, nil
}
