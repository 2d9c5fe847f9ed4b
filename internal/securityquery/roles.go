package securityquery

// Roles is the Query Role API's schema (ROLE_FIELD_NAME_TRANSLATORS, as
// of 8.15): name and the applications' application, resources and
// privileges are keywords, description is text (standard analyzer), and
// metadata is a flattened field. A role's _id is "role-" + its name. The
// translator lets description be sorted on, which the shard then refuses
// (a text field has no fielddata).
var Roles = (&Schema{
	Payload:       "query_role_request_payload",
	IDPrefix:      "role-",
	MalformedSort: "malformed sort object",
	Fields: []Field{
		{Name: "name", Index: "name", Kind: Keyword},
		{Name: "description", Index: "description", Kind: Text, Analyzer: "standard"},
		{Name: "applications.application", Index: "applications.application", Kind: Keyword},
		{Name: "applications.resources", Index: "applications.resources", Kind: Keyword},
		{Name: "applications.privileges", Index: "applications.privileges", Kind: Keyword},
		{Name: "metadata", Index: "metadata_flattened", Kind: Flattened},
	},
}).init()

// The Roles fields by number.
const (
	roleName = iota
	roleDescription
	roleApplication
	roleResources
	rolePrivileges
	roleMetadata
)

// RoleDoc is what the query API reads of one role.
type RoleDoc struct {
	Name        string
	Description string // "" when none
	// Applications are the role's application privileges.
	Applications []RoleApplication
	// Metadata are the leaves of the role's metadata (FlattenJSON).
	Metadata []Leaf
}

// RoleApplication is one entry of a role's "applications".
type RoleApplication struct {
	Application           string
	Resources, Privileges []string
}

// RoleDocs are roles in index order, as a Source.
type RoleDocs []RoleDoc

// Len implements Source.
func (s RoleDocs) Len() int { return len(s) }

// Key implements Source: the role's name.
func (s RoleDocs) Key(i int) string { return s[i].Name }

// Strings implements Source.
func (s RoleDocs) Strings(i, f int, dst []string) []string {
	r := &s[i]
	switch f {
	case roleName:
		return append(dst, r.Name)
	case roleDescription:
		if r.Description != "" {
			return append(dst, r.Description)
		}
	case roleApplication:
		for _, a := range r.Applications {
			dst = append(dst, a.Application)
		}
	case roleResources:
		for _, a := range r.Applications {
			dst = append(dst, a.Resources...)
		}
	case rolePrivileges:
		for _, a := range r.Applications {
			dst = append(dst, a.Privileges...)
		}
	}
	return dst
}

// Leaves implements Source.
func (s RoleDocs) Leaves(i, f int) []Leaf {
	if f == roleMetadata {
		return s[i].Metadata
	}
	return nil
}

// Bool implements Source: roles have no boolean field.
func (s RoleDocs) Bool(int, int) (bool, bool) { return false, false }

// Date implements Source: roles have no date field.
func (s RoleDocs) Date(int, int) (int64, bool) { return 0, false }
