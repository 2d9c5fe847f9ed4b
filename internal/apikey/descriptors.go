package apikey

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/roles"
	"github.com/esauth/esauth/internal/xcontent"
)

// parseRoleDescriptors reads a role_descriptors field as ObjectParser's
// declareNamedObjects does: an object of name to role, each parsed as a
// put-role body (RoleDescriptor.parse). Every failure comes back wrapped
// twice, as in Elasticsearch: "[<parser>] failed to parse field
// [role_descriptors]" caused by "[role_descriptors] failed to parse field
// [<role>]". The result is never nil, so that {} differs from absent.
func parseRoleDescriptors(body []byte, parser string, m member) ([]roles.Descriptor, error) {
	switch m.Token() {
	case xcontent.StartObject:
	case xcontent.StartArray:
		return nil, failedField(body, m.ValOff, parser, m.Key,
			eserr.IllegalArgument("[role_descriptors] doesn't support arrays. Use a single object with multiple fields."))
	default:
		return nil, xcontent.WrongType(body, m, parser)
	}
	out := []roles.Descriptor{}
	for _, c := range xcontent.Members(body, m.ValOff, m.Raw) {
		d, err := parseDescriptor(body, c)
		if err != nil {
			inner := asES(err)
			loc := innerLocation(body, c, inner)
			named := xcpLoc(loc, "[role_descriptors] failed to parse field [%s]", c.Key)
			named.CausedBy = inner
			outer := xcpLoc(loc, "[%s] failed to parse field [%s]", parser, m.Key)
			outer.CausedBy = named
			return nil, outer
		}
		out = append(out, d)
	}
	return out, nil
}

func xcpLoc(loc, format string, args ...any) *eserr.Error {
	return &eserr.Error{Type: "x_content_parse_exception", Status: http.StatusBadRequest,
		Reason: "[" + loc + "] " + fmt.Sprintf(format, args...)}
}

// parseDescriptor parses one role of an API key. The role's JSON is laid
// after blanks standing for the bytes before it, so that the line and
// column roles reports are those of the whole body.
func parseDescriptor(body []byte, c member) (roles.Descriptor, error) {
	padded := make([]byte, c.ValOff, c.ValOff+len(c.Raw))
	for i := range padded {
		padded[i] = ' '
		if body[i] == '\n' {
			padded[i] = '\n'
		}
	}
	padded = append(padded, c.Raw...)
	d, err := roles.ParseDescriptor(c.Key, padded, roles.FromAPI)
	if err != nil {
		return roles.Descriptor{}, err
	}
	// API key roles have no description (Elasticsearch 8.15+ parses them
	// without it); roles accepts one for native roles.
	for _, f := range xcontent.Members(body, c.ValOff, c.Raw) {
		if f.Key == "description" {
			return roles.Descriptor{}, eserr.Parse("failed to parse role [%s]. unexpected field [%s]", c.Key, f.Key)
		}
	}
	return d, nil
}

// innerLocation is where Elasticsearch's parser stood when a role failed:
// the location in the failure itself, the value of an unexpected field,
// else the role's value.
func innerLocation(body []byte, c member, inner *eserr.Error) string {
	if loc, ok := locatedAt(inner); ok {
		return loc
	}
	if c.Token() == xcontent.StartObject {
		if _, field, ok := strings.Cut(inner.Reason, ". unexpected field ["); ok {
			field = strings.TrimSuffix(field, "]")
			for _, f := range xcontent.Members(body, c.ValOff, c.Raw) {
				if f.Key == field {
					return xcontent.Location(body, f.ValOff)
				}
			}
		}
	}
	return xcontent.Location(body, c.ValOff)
}

// descriptorMessages is RoleDescriptorRequestValidator.validate for one
// role, message by message in Elasticsearch's order. roles.Validate joins
// its messages into one reason, so each check runs on a role that can
// fail it at most once.
func descriptorMessages(d roles.Descriptor) []string {
	var out []string
	check := func(probe roles.Descriptor) {
		probe.Name = "x" // a valid, unreserved name: only the body is checked
		err := probe.Validate()
		if err == nil {
			return
		}
		reason := err.(*eserr.Error).Reason
		out = append(out, strings.TrimSuffix(strings.TrimPrefix(reason, "Validation Failed: 1: "), ";"))
	}
	for _, c := range d.Cluster {
		check(roles.Descriptor{Cluster: []string{c}})
	}
	for _, ip := range d.Indices {
		check(roles.Descriptor{Indices: []roles.IndexPrivileges{{Privileges: ip.Privileges}}})
	}
	for _, rip := range d.RemoteIndices {
		check(roles.Descriptor{RemoteIndices: []roles.RemoteIndexPrivileges{{Clusters: rip.Clusters}}})
		check(roles.Descriptor{RemoteIndices: []roles.RemoteIndexPrivileges{{IndexPrivileges: roles.IndexPrivileges{Privileges: rip.Privileges}}}})
	}
	for _, ap := range d.Applications {
		check(roles.Descriptor{Applications: []roles.ApplicationPrivileges{{Application: ap.Application}}})
		for _, p := range ap.Privileges {
			check(roles.Descriptor{Applications: []roles.ApplicationPrivileges{{Application: "app", Privileges: []string{p}}}})
		}
	}
	check(roles.Descriptor{Metadata: d.Metadata})
	return out
}

// isEmpty is RoleDescriptor.isEmpty: a role that grants nothing.
func isEmpty(d roles.Descriptor) bool {
	return len(d.Cluster) == 0 && d.Global == nil && len(d.Indices) == 0 && len(d.Applications) == 0 &&
		len(d.RunAs) == 0 && isEmptyObject(d.Metadata) && len(d.RemoteIndices) == 0
}

func isEmptyObject(raw json.RawMessage) bool {
	return len(raw) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("{}")) || bytes.Equal(raw, []byte("null"))
}

// descriptorJSON renders a role as Elasticsearch writes it into the API key
// document (toXContent with docCreation): "type":"role" where the GET
// shape has transient_metadata.
func descriptorJSON(d roles.Descriptor) []byte {
	d.TransientMetadata = nil
	b, _ := d.MarshalJSON() // never fails
	const transient = `,"transient_metadata":{"enabled":true}`
	// transient_metadata is the last key before remote_indices and
	// description, whose strings cannot hold an unescaped quote: the last
	// match is the field itself, whatever metadata holds.
	if i := bytes.LastIndex(b, []byte(transient)); i >= 0 {
		b = slices.Concat(b[:i], []byte(`,"type":"role"`), b[i+len(transient):])
	}
	return b
}

// descriptorsJSON renders {"name":role,...} in the given order; doc selects
// the stored shape, else the GET shape.
func descriptorsJSON(ds []roles.Descriptor, doc bool) json.RawMessage {
	b := []byte{'{'}
	for i, d := range ds {
		if i > 0 {
			b = append(b, ',')
		}
		b = xcontent.AppendString(b, d.Name)
		b = append(b, ':')
		if doc {
			b = append(b, descriptorJSON(d)...)
		} else {
			r, _ := d.MarshalJSON()
			b = append(b, r...)
		}
	}
	return append(b, '}')
}

// parseStoredDescriptors reads a document's role_descriptors or
// limited_by_role_descriptors.
func parseStoredDescriptors(raw json.RawMessage) ([]roles.Descriptor, error) {
	out := []roles.Descriptor{}
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return out, nil
	}
	if (xcontent.Value{Raw: raw}).Token() != xcontent.StartObject {
		return nil, fmt.Errorf("role descriptors are not an object")
	}
	for _, c := range xcontent.Members(raw, 0, raw) {
		d, err := roles.ParseDescriptor(c.Key, c.Raw, roles.FromStore)
		if err != nil {
			return nil, fmt.Errorf("role descriptor [%s]: %w", c.Key, err)
		}
		out = append(out, d)
	}
	return out, nil
}

// sameDescriptors compares two role sets as Elasticsearch's noop check does:
// the same size and every role of one in the other.
func sameDescriptors(a, b []roles.Descriptor) bool {
	if len(a) != len(b) {
		return false
	}
	set := make(map[string]bool, len(a))
	for _, d := range a {
		set[d.Name+"\x00"+string(descriptorJSON(d))] = true
	}
	for _, d := range b {
		if !set[d.Name+"\x00"+string(descriptorJSON(d))] {
			return false
		}
	}
	return true
}

// withoutDescriptions is removeUserRoleDescriptorDescriptions: the owner's
// roles are kept in the limited-by snapshot without their descriptions.
func withoutDescriptions(ds []roles.Descriptor) []roles.Descriptor {
	out := make([]roles.Descriptor, len(ds))
	for i, d := range ds {
		d.Description = ""
		d.TransientMetadata = nil
		out[i] = d
	}
	return out
}
