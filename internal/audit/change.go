package audit

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/esauth/esauth/internal/roles"
	"github.com/esauth/esauth/internal/user"
)

// changeKind is one of the security configuration changes esauth audits.
type changeKind uint8

const (
	changePutUser changeKind = iota + 1
	changeDeleteUser
	changePassword
	changeEnableUser
	changeDisableUser
	changePutRole
	changeDeleteRole
	changeCreateAPIKey
	changeUpdateAPIKey
	changeUpdateAPIKeys
	changeInvalidateAPIKeys
	changeCreateServiceToken
	changeDeleteServiceToken
)

// Change is a security configuration change, made with one of the
// constructors below. Like Elasticsearch, it records what a change
// establishes, never a password or a password hash: a put user records only
// whether one was given.
type Change struct {
	kind        changeKind
	name        string
	user        user.User
	hasPassword bool
	role        roles.Descriptor
	key         *APIKeyChange
	invalidated *APIKeyInvalidation
	tokenName   ServiceToken
}

// APIKeyChange is what an API key write establishes, as
// LoggingAuditTrail records it: never the key's secret.
type APIKeyChange struct {
	// IDs are the keys changed: one for a create or an update.
	IDs  []string
	Name string
	// Expiration is the request's expiration as Elasticsearch prints a
	// time value ("1d"); "" when it gave none.
	Expiration string
	// RoleDescriptors are the key's roles; nil on an update that keeps
	// them.
	RoleDescriptors []roles.Descriptor
	// Metadata is the request's metadata object; nil when absent.
	Metadata []byte
	// Grant is set on a grant: who the key was granted for.
	Grant *Grant
	// Type is the key's type, "rest" or "cross_cluster"; "" is "rest".
	Type string
}

// keyType is the change's "type".
func (k *APIKeyChange) keyType() string {
	if k.Type == "" {
		return "rest"
	}
	return k.Type
}

// Grant is Grant's audit form: its type and user, whether a password or
// token was given, never either.
type Grant struct {
	Type, Username, RunAs string
	HasPassword, HasToken bool
}

// APIKeyInvalidation is an invalidate API key request.
type APIKeyInvalidation struct {
	IDs                      []string
	Name, Username, Realm    string
	OwnedByAuthenticatedUser bool
}

// ServiceToken names a service account token.
type ServiceToken struct{ Namespace, Service, Name string }

// CreateAPIKeyChange is the create_apikey change of create and grant.
func CreateAPIKeyChange(k APIKeyChange) Change { return Change{kind: changeCreateAPIKey, key: &k} }

// UpdateAPIKeyChange is the change_apikey change of PUT /_security/api_key/{id}.
func UpdateAPIKeyChange(k APIKeyChange) Change { return Change{kind: changeUpdateAPIKey, key: &k} }

// UpdateAPIKeysChange is the change_apikeys change of a bulk update.
func UpdateAPIKeysChange(k APIKeyChange) Change { return Change{kind: changeUpdateAPIKeys, key: &k} }

// InvalidateAPIKeysChange is the invalidate_apikeys change.
func InvalidateAPIKeysChange(inv APIKeyInvalidation) Change {
	return Change{kind: changeInvalidateAPIKeys, invalidated: &inv}
}

// ServiceTokenChange is the create_service_token (created) or
// delete_service_token change.
func ServiceTokenChange(t ServiceToken, created bool) Change {
	if created {
		return Change{kind: changeCreateServiceToken, tokenName: t}
	}
	return Change{kind: changeDeleteServiceToken, tokenName: t}
}

// PutUserChange is the put_user change of PUT /_security/user/{name}.
// hasPassword tells whether the request gave a password or password_hash.
func PutUserChange(u user.User, hasPassword bool) Change {
	return Change{kind: changePutUser, name: u.Username, user: u, hasPassword: hasPassword}
}

// DeleteUserChange is the delete_user change of DELETE /_security/user/{name}.
func DeleteUserChange(name string) Change { return Change{kind: changeDeleteUser, name: name} }

// PasswordChange is the change_password change of .../_password, naming
// the user whose password changes.
func PasswordChange(name string) Change { return Change{kind: changePassword, name: name} }

// EnabledChange is the change_enable_user (enabled) or change_disable_user
// change of .../_enable and .../_disable.
func EnabledChange(name string, enabled bool) Change {
	if enabled {
		return Change{kind: changeEnableUser, name: name}
	}
	return Change{kind: changeDisableUser, name: name}
}

// PutRoleChange is the put_role change of PUT /_security/role/{name}.
func PutRoleChange(name string, d roles.Descriptor) Change {
	return Change{kind: changePutRole, name: name, role: d}
}

// DeleteRoleChange is the delete_role change of DELETE /_security/role/{name}.
func DeleteRoleChange(name string) Change { return Change{kind: changeDeleteRole, name: name} }

// action is the change's "event.action".
func (c *Change) action() string {
	switch c.kind {
	case changePutUser:
		return "put_user"
	case changeDeleteUser:
		return "delete_user"
	case changePassword:
		return "change_password"
	case changeEnableUser:
		return "change_enable_user"
	case changeDisableUser:
		return "change_disable_user"
	case changePutRole:
		return "put_role"
	case changeDeleteRole:
		return "delete_role"
	case changeCreateAPIKey:
		return "create_apikey"
	case changeUpdateAPIKey:
		return "change_apikey"
	case changeUpdateAPIKeys:
		return "change_apikeys"
	case changeInvalidateAPIKeys:
		return "invalidate_apikeys"
	case changeCreateServiceToken:
		return "create_service_token"
	case changeDeleteServiceToken:
		return "delete_service_token"
	}
	return ""
}

// appendField appends the change's field: "put", "delete" or "change" and
// the object LoggingAuditTrail builds for it, key for key.
func (c *Change) appendField(b []byte) []byte {
	switch c.kind {
	case changePutUser:
		b = append(b, `, "put":{"user":{"name":`...)
		b = appendQuoted(b, c.name)
		b = append(b, `,"enabled":`...)
		b = appendBool(b, c.user.Enabled)
		b = append(b, `,"roles":`...)
		b = appendStrings(b, c.user.Roles)
		if c.user.FullName != nil {
			b = append(b, `,"full_name":`...)
			b = appendQuoted(b, *c.user.FullName)
		}
		if c.user.Email != nil {
			b = append(b, `,"email":`...)
			b = appendQuoted(b, *c.user.Email)
		}
		b = append(b, `,"has_password":`...)
		b = appendBool(b, c.hasPassword)
		b = appendMetadata(b, c.user.Metadata)
		return append(b, "}}"...)
	case changeDeleteUser:
		return appendNamed(b, `, "delete":{"user":{"name":`, c.name)
	case changePassword:
		return appendNamed(b, `, "change":{"password":{"user":{"name":`, c.name)
	case changeEnableUser:
		return appendNamed(b, `, "change":{"enable":{"user":{"name":`, c.name)
	case changeDisableUser:
		return appendNamed(b, `, "change":{"disable":{"user":{"name":`, c.name)
	case changePutRole:
		b = append(b, `, "put":{"role":{"name":`...)
		b = appendQuoted(b, c.name)
		b = append(b, `,"role_descriptor":`...)
		b = appendRoleDescriptor(b, &c.role)
		return append(b, "}}"...)
	case changeDeleteRole:
		return appendNamed(b, `, "delete":{"role":{"name":`, c.name)
	case changeCreateAPIKey:
		return appendCreateAPIKey(b, c.key)
	case changeUpdateAPIKey, changeUpdateAPIKeys:
		return appendUpdateAPIKeys(b, c.key, c.kind == changeUpdateAPIKeys)
	case changeInvalidateAPIKeys:
		return appendInvalidation(b, c.invalidated)
	case changeCreateServiceToken, changeDeleteServiceToken:
		field := `, "delete":{"service_token":{"namespace":`
		if c.kind == changeCreateServiceToken {
			field = `, "create":{"service_token":{"namespace":`
		}
		b = append(b, field...)
		b = appendQuoted(b, c.tokenName.Namespace)
		b = append(b, `,"service":`...)
		b = appendQuoted(b, c.tokenName.Service)
		b = append(b, `,"name":`...)
		b = appendQuoted(b, c.tokenName.Name)
		return append(b, "}}"...)
	}
	return b
}

// appendCreateAPIKey is withRequestBody(AbstractCreateApiKeyRequest), and
// withGrant for a grant.
func appendCreateAPIKey(b []byte, k *APIKeyChange) []byte {
	b = append(b, `, "create":{"apikey":{"id":`...)
	b = appendQuoted(b, first(k.IDs))
	b = append(b, `,"name":`...)
	b = appendQuoted(b, k.Name)
	b = append(b, `,"type":`...)
	b = appendQuoted(b, k.keyType())
	b = append(b, `,"expiration":`...)
	b = appendOptional(b, k.Expiration)
	b = appendDescriptors(b, k.RoleDescriptors)
	b = appendMetadata(b, k.Metadata) // only when not empty
	b = append(b, '}')
	if g := k.Grant; g != nil {
		b = append(b, `,"grant":{"type":`...)
		b = appendQuoted(b, g.Type)
		if g.Username != "" {
			b = append(b, `,"user":{"name":`...)
			b = appendQuoted(b, g.Username)
			b = append(b, `,"has_password":`...)
			b = appendBool(b, g.HasPassword)
			b = append(b, '}')
		}
		if g.HasToken {
			b = append(b, `,"has_access_token":true`...)
		}
		if g.RunAs != "" {
			b = append(b, `,"run_as":`...)
			b = appendQuoted(b, g.RunAs)
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

// appendUpdateAPIKeys is withRequestBody of the single and bulk updates:
// role descriptors only when given, metadata even when empty (it replaces
// the key's), expiration always.
func appendUpdateAPIKeys(b []byte, k *APIKeyChange, bulk bool) []byte {
	if bulk {
		b = append(b, `, "change":{"apikeys":{"ids":`...)
		b = appendStrings(b, k.IDs)
	} else {
		b = append(b, `, "change":{"apikey":{"id":`...)
		b = appendQuoted(b, first(k.IDs))
	}
	b = append(b, `,"type":`...)
	b = appendQuoted(b, k.keyType())
	if k.RoleDescriptors != nil {
		b = appendDescriptors(b, k.RoleDescriptors)
	}
	if k.Metadata != nil {
		// Even empty: it replaces the key's metadata.
		if out, ok := appendObject(append(b, `,"metadata":`...), k.Metadata); ok {
			b = out
		} else if emptyObject(k.Metadata) {
			b = append(b, `,"metadata":{}`...)
		}
	}
	b = append(b, `,"expiration":`...)
	b = appendOptional(b, k.Expiration)
	return append(b, "}}"...)
}

// appendInvalidation is withRequestBody(InvalidateApiKeyRequest).
func appendInvalidation(b []byte, inv *APIKeyInvalidation) []byte {
	b = append(b, `, "invalidate":{"apikeys":{`...)
	if len(inv.IDs) > 0 {
		b = append(b, `"ids":`...)
		b = appendStrings(b, inv.IDs)
		b = append(b, ',')
	}
	if inv.Name != "" {
		b = append(b, `"name":`...)
		b = appendQuoted(b, inv.Name)
		b = append(b, ',')
	}
	b = append(b, `"owned_by_authenticated_user":`...)
	b = appendBool(b, inv.OwnedByAuthenticatedUser)
	if inv.Username != "" || inv.Realm != "" {
		b = append(b, `,"user":{"name":`...)
		b = appendOptional(b, inv.Username)
		b = append(b, `,"realm":`...)
		b = appendOptional(b, inv.Realm)
		b = append(b, '}')
	}
	return append(b, "}}"...)
}

func appendDescriptors(b []byte, ds []roles.Descriptor) []byte {
	b = append(b, `,"role_descriptors":[`...)
	for i := range ds {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendRoleDescriptor(b, &ds[i])
	}
	return append(b, ']')
}

// appendOptional appends s, or null for "" (a Java null).
func appendOptional(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return appendQuoted(b, s)
}

func first(ss []string) string {
	if len(ss) == 0 {
		return ""
	}
	return ss[0]
}

func emptyObject(raw []byte) bool {
	var c bytes.Buffer
	return json.Compact(&c, raw) == nil && c.String() == "{}"
}

// appendNamed appends a change that records only a name, closing the
// objects open opened.
func appendNamed(b []byte, open, name string) []byte {
	b = append(b, open...)
	b = appendQuoted(b, name)
	for range strings.Count(open, "{") {
		b = append(b, '}')
	}
	return b
}

// appendRoleDescriptor is LoggingAuditTrail.withRoleDescriptor, which
// differs from GET's rendering: no transient_metadata, metadata only when
// not empty, allow_restricted_indices only when true, and field_security
// only when it restricts something.
func appendRoleDescriptor(b []byte, d *roles.Descriptor) []byte {
	b = append(b, `{"cluster":`...)
	b = appendStrings(b, d.Cluster)
	if g := d.Global; g != nil && (g.ManageApplications != nil || g.WriteProfileData != nil) {
		b = append(b, `,"global":{"application":{`...)
		if g.ManageApplications != nil {
			b = append(b, `"manage":{"applications":`...)
			b = appendStrings(b, g.ManageApplications)
			b = append(b, '}')
		}
		b = append(b, `},"profile":{`...)
		if g.WriteProfileData != nil {
			b = append(b, `"write":{"applications":`...)
			b = appendStrings(b, g.WriteProfileData)
			b = append(b, '}')
		}
		b = append(b, "}}"...)
	}
	b = append(b, `,"indices":[`...)
	for i := range d.Indices {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendIndexPrivileges(b, &d.Indices[i])
	}
	b = append(b, `],"applications":[`...)
	for i, ap := range d.Applications {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"application":`...)
		b = appendQuoted(b, ap.Application)
		b = append(b, `,"privileges":`...)
		b = appendStrings(b, ap.Privileges)
		b = append(b, `,"resources":`...)
		b = appendStrings(b, ap.Resources)
		b = append(b, '}')
	}
	b = append(b, `],"run_as":`...)
	b = appendStrings(b, d.RunAs)
	b = appendMetadata(b, d.Metadata)
	return append(b, '}')
}

func appendIndexPrivileges(b []byte, ip *roles.IndexPrivileges) []byte {
	b = append(b, `{"names":`...)
	b = appendStrings(b, ip.Names)
	b = append(b, `,"privileges":`...)
	b = appendStrings(b, ip.Privileges)
	if fs := ip.FieldSecurity; fs != nil && restrictsFields(fs) {
		// Elasticsearch always prints grant here, even when it is the "*"
		// that grants everything, so that except never stands alone.
		b = append(b, `,"field_security":{"grant":`...)
		b = appendStrings(b, fs.Grant)
		if len(fs.Except) > 0 {
			b = append(b, `,"except":`...)
			b = appendStrings(b, fs.Except)
		}
		b = append(b, '}')
	}
	if ip.Query != "" {
		b = append(b, `,"query":`...)
		b = appendQuoted(b, ip.Query)
	}
	if ip.AllowRestrictedIndices {
		b = append(b, `,"allow_restricted_indices":true`...)
	}
	return append(b, '}')
}

// restrictsFields is IndicesPrivileges.isUsingFieldLevelSecurity: a grant
// of just "*" without exceptions is no field-level security at all.
func restrictsFields(fs *roles.FieldSecurity) bool {
	if len(fs.Except) > 0 {
		return true
	}
	return fs.Grant != nil && (len(fs.Grant) != 1 || fs.Grant[0] != "*")
}

func appendMetadata(b []byte, raw []byte) []byte {
	n := len(b)
	b = append(b, `,"metadata":`...)
	if out, ok := appendObject(b, raw); ok {
		return out
	}
	return b[:n]
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, "true"...)
	}
	return append(b, "false"...)
}
