package audit

import (
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
	}
	return b
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
