package authn

import (
	"encoding/json"

	"github.com/esauth/esauth/internal/config"
	"github.com/esauth/esauth/internal/realm"
	"github.com/esauth/esauth/internal/user"
)

// Type is how a request authenticated, as _authenticate's
// "authentication_type" names it.
type Type string

// The authentication types esauth knows.
const (
	TypeRealm     Type = "realm"
	TypeAnonymous Type = "anonymous"
)

// Authentication is the outcome of authenticating one request: who proved
// their identity (Authenticating) and who the request runs as (Effective;
// the same subject unless it runs as another user).
type Authentication struct {
	Authenticating realm.Principal
	Effective      realm.Principal
	Type           Type
	runAs          bool
}

// RunAs returns a running as effective: a user found by a realm's
// lookup, or, when none had it, a user with only a name (and no realm),
// whom authorization refuses.
func (a Authentication) RunAs(effective realm.Principal) Authentication {
	a.Effective, a.runAs = effective, true
	return a
}

// IsRunAs reports a request that runs as another user than the one who
// authenticated.
func (a Authentication) IsRunAs() bool { return a.runAs }

// User is the user the request runs as.
func (a Authentication) User() user.User { return a.Effective.User }

// IsAnonymous reports a request that carried no credentials and runs as
// the anonymous user.
func (a Authentication) IsAnonymous() bool { return a.Type == TypeAnonymous }

// AnonymousRealm is the realm Elasticsearch reports for anonymous access.
var AnonymousRealm = realm.Ref{Name: "__anonymous", Type: "__anonymous"}

// AnonymousUser is the anonymous user as GET user and _authenticate show it.
func AnonymousUser(cfg config.Anonymous) user.User {
	return user.User{Username: cfg.Username, Roles: cfg.Roles,
		Metadata: json.RawMessage(`{"_reserved":true}`), Enabled: true}
}

func anonymous(cfg config.Anonymous) Authentication {
	p := realm.Principal{User: AnonymousUser(cfg), Realm: AnonymousRealm}
	return Authentication{Authenticating: p, Effective: p, Type: TypeAnonymous}
}
