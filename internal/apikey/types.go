package apikey

import (
	"encoding/json"
	"log/slog"
	"slices"
	"time"

	"github.com/esauth/esauth/internal/roles"
	"github.com/esauth/esauth/internal/user"
)

// Owner is the user a key belongs to, as the document's "creator" keeps
// it: the effective user of the request that created or last updated it.
type Owner struct {
	Username  string
	FullName  *string
	Email     *string
	Metadata  json.RawMessage // nil is {}
	Realm     string
	RealmType string
}

// Caller is who creates or updates keys.
type Caller struct {
	Owner Owner
	// Realms are the realm names that count as the owner's for update
	// (the realms of its security domain); empty means Owner.Realm.
	Realms []string
	// RoleDescriptors are the owner's roles, snapshotted as the key's
	// limited_by_role_descriptors. Ignored when ViaAPIKey: a key made by
	// a key is limited by nothing (an empty snapshot).
	RoleDescriptors []roles.Descriptor
	// ViaAPIKey reports that the caller authenticated with an API key.
	ViaAPIKey bool
}

func (c Caller) realms() []string {
	if len(c.Realms) > 0 {
		return c.Realms
	}
	return []string{c.Owner.Realm}
}

// OwnedBy restricts get and invalidate to one owner's keys (owner=true, or
// manage_own_api_key): the username and the names of its realms.
type OwnedBy struct {
	Username string
	Realms   []string
}

func (o *OwnedBy) owns(d *document) bool {
	return o == nil || d.Creator.Principal == o.Username && slices.Contains(o.Realms, d.Creator.Realm)
}

// Authenticated is the outcome of a successful Authenticate: the key, and
// the owner as the user the request runs as (no roles of its own; its
// privileges are RoleDescriptors intersected with LimitedBy). It is shared
// between requests: treat it as read-only.
type Authenticated struct {
	ID   string
	Name string // "" for keys created without one (before 7.10)
	Type string // always "rest" here
	// User is the owner as ApiKeyService builds it from the document:
	// username, full name, email and metadata, roles [], enabled.
	User user.User
	// OwnerRealm and OwnerRealmType name the realm that authenticated the
	// owner; the key itself authenticates in realm "_es_api_key".
	OwnerRealm, OwnerRealmType string
	// RoleDescriptors are the key's own roles. Empty means the key has the
	// owner's snapshot (LimitedBy) alone; otherwise a request must be
	// allowed by both sets.
	RoleDescriptors []roles.Descriptor
	LimitedBy       []roles.Descriptor
	// Digest changes whenever RoleDescriptors or LimitedBy do.
	Digest string
	// Metadata is the key's metadata (nil when none).
	Metadata   json.RawMessage
	Expiration *time.Time
}

// Realm names of an API key authentication (AuthenticationField).
const (
	RealmName = "_es_api_key"
	RealmType = "_es_api_key"
)

// Credentials are a decoded "ApiKey" credential. The secret never prints.
type Credentials struct {
	ID     string
	secret string
}

// Secret returns the secret.
func (c Credentials) Secret() string { return c.secret }

// String shows the id only.
func (c Credentials) String() string { return "ApiKey id [" + c.ID + "]" }

// GoString shows the id only, so %#v cannot reveal the secret either.
func (c Credentials) GoString() string { return c.String() }

// LogValue shows the id only.
func (c Credentials) LogValue() slog.Value { return slog.StringValue(c.String()) }
