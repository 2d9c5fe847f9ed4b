package authn

import (
	"encoding/json"

	"github.com/esauth/esauth/internal/roles"

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
	TypeAPIKey    Type = "api_key"
)

// Authentication is the outcome of authenticating one request: who proved
// their identity (Authenticating) and who the request runs as (Effective;
// the same subject unless it runs as another user).
type Authentication struct {
	Authenticating realm.Principal
	Effective      realm.Principal
	Type           Type
	// APIKey is the key that authenticated, for TypeAPIKey.
	APIKey *APIKey
	// ServiceAccount is the account a service token proved, for TypeToken.
	ServiceAccount *ServiceAccount
	runAs          bool
}

// APIKey is what authorization needs of an API key: who it is, and the
// privileges it carries instead of its owner's roles.
type APIKey struct {
	ID, Name string
	// Roles are the key's own role descriptors, LimitedBy the owner's,
	// snapshotted when the key was created or last updated. A key may do
	// only what both allow; with no Roles, LimitedBy alone applies.
	Roles, LimitedBy []roles.Descriptor
	// Digest identifies Roles and LimitedBy, so that their compiled form
	// can be shared by every request of the key until they change.
	Digest string
	// OwnerRealm is the realm of the user who created the key: an owner
	// is the same username in the same realm.
	OwnerRealm realm.Ref
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
