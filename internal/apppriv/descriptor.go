package apppriv

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/roles"
	"github.com/esauth/esauth/internal/xcontent"
)

// Descriptor is ApplicationPrivilegeDescriptor: a stored privilege.
type Descriptor struct {
	Application string
	Name        string
	// Actions are an ordered set: repeats dropped, first order kept (the
	// LinkedHashSet Elasticsearch builds).
	Actions []string
	// Metadata is a JSON object, compacted; nil reads as {}.
	Metadata json.RawMessage
}

// AppendJSON writes the GET shape, which is also the stored record.
func (d Descriptor) AppendJSON(dst []byte) ([]byte, error) {
	md := d.Metadata
	if len(md) == 0 {
		md = json.RawMessage("{}")
	}
	actions := d.Actions
	if actions == nil {
		actions = []string{}
	}
	return xcontent.Obj("application", d.Application, "name", d.Name, "actions", actions, "metadata", md).AppendJSON(dst)
}

// MarshalJSON implements json.Marshaler.
func (d Descriptor) MarshalJSON() ([]byte, error) { return d.AppendJSON(nil) }

// key is the record's key: application names cannot hold "/", so the
// first "/" ends the application.
func (d Descriptor) key() string { return d.Application + "/" + d.Name }

// parserName is ApplicationPrivilegeDescriptor's ObjectParser name.
const parserName = "application-privilege"

// ParsePut reads a put privileges body as
// PutPrivilegesRequestBuilder.source: {app: {name: {descriptor}}}, where a
// descriptor's own application and name, when given, must equal the keys.
func ParsePut(body []byte) ([]Descriptor, error) {
	apps, err := xcontent.TopMembers(body)
	if err != nil {
		return nil, err
	}
	out := []Descriptor{}
	for _, app := range apps {
		if app.Token() != xcontent.StartObject {
			return nil, eserr.Parse("expected the value for %s to be an object, but found %s instead", app.Key, app.Token())
		}
		for _, priv := range xcontent.Members(body, app.ValOff, app.Raw) {
			if priv.Token() != xcontent.StartObject {
				// Elasticsearch names the application here too.
				return nil, eserr.Parse("expected the value for %s to be an object, but found %s instead", app.Key, priv.Token())
			}
			d, err := parseDescriptor(body, priv, app.Key, priv.Key)
			if err != nil {
				return nil, err
			}
			out = append(out, d)
		}
	}
	return out, nil
}

// parseDescriptor is ApplicationPrivilegeDescriptor.parse with the keys as
// defaults, then checkPrivilegeName.
func parseDescriptor(body []byte, obj xcontent.Member, app, name string) (Descriptor, error) {
	d := Descriptor{Application: app, Name: name}
	var appGiven, nameGiven bool
	for _, f := range xcontent.Members(body, obj.ValOff, obj.Raw) {
		var err error
		switch f.Key {
		case "application":
			d.Application, err = str(body, f)
			appGiven = true
		case "name":
			d.Name, err = str(body, f)
			nameGiven = true
		case "actions":
			d.Actions, err = actions(body, f)
		case "metadata":
			if f.Token() != xcontent.StartObject {
				return Descriptor{}, xcontent.WrongType(body, f, parserName)
			}
			var b bytes.Buffer
			_ = json.Compact(&b, f.Raw)
			d.Metadata = b.Bytes()
		case "type":
			// Allowed only in the security index's documents.
			e := xcontent.ErrorAt(body, f.ValOff, "[%s] failed to parse field [type]", parserName)
			e.CausedBy = &eserr.Error{Type: "illegal_state_exception", Status: 500, Reason: "Field type cannot be specified here"}
			return Descriptor{}, e
		default:
			return Descriptor{}, xcontent.UnknownField(body, f, parserName, []string{"application", "name", "actions", "metadata", "type"})
		}
		if err != nil {
			return Descriptor{}, err
		}
	}
	if appGiven && app != "" && d.Application != app {
		return Descriptor{}, eserr.IllegalArgument("privilege application [%s] in source does not match the provided application [%s]", d.Application, app)
	}
	if nameGiven && name != "" && d.Name != name {
		return Descriptor{}, eserr.IllegalArgument("privilege name [%s] in source does not match the provided name [%s]", d.Name, name)
	}
	return d, nil
}

func str(body []byte, f xcontent.Member) (string, error) {
	if f.Token() != xcontent.String {
		return "", xcontent.WrongType(body, f, parserName)
	}
	return f.Str(), nil
}

// actions reads declareStringArray into an ordered set.
func actions(body []byte, f xcontent.Member) ([]string, error) {
	var list []string
	switch f.Token() {
	case xcontent.String:
		list = []string{f.Str()}
	case xcontent.StartArray:
		for _, it := range xcontent.Elements(f.ValOff, f.Raw) {
			if it.Token() != xcontent.String {
				return nil, xcontent.ErrorAt(body, f.ValOff, "[%s] failed to parse field [%s]", parserName, f.Key)
			}
			list = append(list, it.Str())
		}
	default:
		return nil, xcontent.WrongType(body, f, parserName)
	}
	out := make([]string, 0, len(list))
	seen := make(map[string]bool, len(list))
	for _, a := range list {
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out, nil
}

var (
	// validName is ApplicationPrivilege.VALID_NAME: what a privilege is
	// named; anything else in a role or a check is an action pattern.
	validName = regexp.MustCompile(`^[a-z][a-zA-Z0-9_.-]*$`)
	// graph is VALID_NAME_OR_ACTION, ^\p{Graph}*$ in ASCII.
	graph = regexp.MustCompile(`^[\x21-\x7E]*$`)
)

// IsPrivilegeName reports whether name names a stored privilege rather
// than being an action pattern.
func IsPrivilegeName(name string) bool { return validName.MatchString(name) }

// Validate is PutPrivilegesRequest.validate: every message, in order, in
// one action_request_validation_exception.
func Validate(ds []Descriptor) error {
	var v eserr.Validator
	if len(ds) == 0 {
		v.Add("At least one application privilege must be provided")
		return v.Err()
	}
	for _, d := range ds {
		if msg := roles.ApplicationNameError(d.Application, false); msg != "" {
			v.Add("%s", msg)
		}
		if !IsPrivilegeName(d.Name) {
			v.Add("Application privilege names must match the pattern %s (found '%s')", validName.String(), d.Name)
		}
		if len(d.Actions) == 0 {
			v.Add("Application privileges must have at least one action")
		}
		for _, a := range d.Actions {
			if msg := actionNameError(a); msg != "" {
				v.Add("%s", msg)
			}
		}
		if roles.HasReservedMetadata(d.Metadata) {
			v.Add("metadata keys may not start with [_] (in privilege %s %s)", d.Application, d.Name)
		}
	}
	return v.Err()
}

// actionNameError is ApplicationPrivilege.validateActionName: an action
// must hold one of '/', '*', ':' (which tells it from a privilege name)
// and be printable ASCII without spaces.
func actionNameError(action string) string {
	if !strings.ContainsAny(action, "/*:") {
		return "action [" + action + "] must contain one of [ '/' , '*' , ':' ]"
	}
	if !graph.MatchString(action) {
		return `Application privilege names and actions must match the pattern ^\p{Graph}*$ (found '` + action + "')"
	}
	return ""
}
