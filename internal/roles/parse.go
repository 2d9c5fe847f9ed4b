package roles

import (
	"bytes"
	"encoding/json"
	"slices"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/suggest"
	"github.com/esauth/esauth/internal/xcontent"
)

// Validation names where a role body comes from. Elasticsearch reads all
// of them with one parser (RoleDescriptor.Parser) but with different
// options.
type Validation int

const (
	// FromAPI is a put-role request body (PutRoleRequestBuilder).
	FromAPI Validation = iota
	// FromFile is a roles.yml entry. The 2.x field-security form
	// "fields": [...] is still accepted, so that old files keep loading.
	FromFile
	// FromStore is a document Store wrote; parsed like a file entry.
	FromStore
)

// ParseDescriptor parses a role body the way RoleDescriptor.Parser.parse
// does, with Elasticsearch's exceptions: validation_exception for a name
// that no role may have, parse_exception (some with a caused_by) for a body
// of the wrong shape, x_content_parse_exception for malformed JSON and for
// the "applications" entries, and illegal_argument_exception for empty
// privilege lists. It does not check privilege names or the reserved role
// names: that is Validate, as in Elasticsearch where request validation
// follows parsing.
func ParseDescriptor(name string, body []byte, v Validation) (Descriptor, error) {
	// The parser checks the generic name rules (1024 characters, reserved
	// names allowed) before anything else; the put-role request adds the
	// native realm's limits later.
	if !validRoleName(name, maxFileRoleNameLength) {
		return Descriptor{}, eserr.Validation(roleNameMessage(maxFileRoleNameLength))
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if len(body) == 0 {
			return Descriptor{}, xcontent.ErrBodyRequired
		}
		return Descriptor{}, eserr.Parse("failed to parse role [%s]. expected an object but found [null] instead", name)
	}
	// Only a well-formed first token can be named in the message; leave
	// malformed input to xcontent.Fields, which reports it as Jackson does.
	if tok, err := json.NewDecoder(bytes.NewReader(body)).Token(); err == nil {
		if d, ok := tok.(json.Delim); !ok || d != '{' {
			return Descriptor{}, eserr.Parse("failed to parse role [%s]. expected an object but found [%s] instead", name, tokenOf(tok))
		}
	}
	p := parser{role: name, v: v}
	d := Descriptor{Name: name}
	cursor := 0
	err := xcontent.Fields(body, func(f xcontent.Value) error {
		off := locate(body, &cursor, len(f.Raw))
		return p.field(&d, value{body: body, off: off, raw: f.Raw, field: f.Field})
	})
	if err != nil {
		return Descriptor{}, err
	}
	return d, nil
}

// locate finds where the next member's value starts in body, given that
// *cursor is just past the previous member (or at the start of the body),
// and moves the cursor past the value. The body is well-formed up to the
// value, so the bytes before it are only whitespace, '{' or ',', the
// member's name and ':'.
func locate(body []byte, cursor *int, n int) int {
	i := xcontent.SkipSpace(body, *cursor)
	if i < len(body) && (body[i] == '{' || body[i] == ',') {
		i = xcontent.SkipSpace(body, i+1)
	}
	i = xcontent.SkipSpace(body, xcontent.StringEnd(body, i))
	i = xcontent.SkipSpace(body, i+1) // past ':'
	*cursor = i + n
	return i
}

func tokenOf(tok json.Token) xcontent.Token {
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			return xcontent.StartArray
		}
		return xcontent.StartObject
	case string:
		return xcontent.String
	case bool:
		return xcontent.Boolean
	case nil:
		return xcontent.Null
	}
	return xcontent.Number
}

// parser holds what every message of one parse needs.
type parser struct {
	role string
	v    Validation
	// predefined, when set, are the privileges of every index entry,
	// which then may not name any (parseIndexWithPredefinedPrivileges).
	predefined []string
}

// ParseIndexWithPredefinedPrivileges is
// RoleDescriptor.parseIndexWithPredefinedPrivileges: one index entry whose
// privileges are fixed by the caller (the access of a cross-cluster API
// key), so that naming any fails ("field [privileges] must not present").
// The entry is the value at off in body, which is well-formed from there;
// the bytes before it keep Jackson's lines and columns right. field is what
// Jackson's currentName() returns on the entry.
func ParseIndexWithPredefinedPrivileges(role, field string, body []byte, off int, privileges []string) (IndexPrivileges, error) {
	p := parser{role: role, v: FromAPI, predefined: privileges}
	raw := body[off : off+xcontent.ValueLen(body[off:])]
	ip, err := p.index(value{body: body, off: off, raw: raw, field: field}, false)
	return ip.IndexPrivileges, err
}

func (p parser) field(d *Descriptor, v value) error {
	switch v.field {
	case "index", "indices":
		ips, err := p.indices(v, false)
		if err != nil {
			return err
		}
		d.Indices = make([]IndexPrivileges, len(ips))
		for i, ip := range ips {
			d.Indices[i] = ip.IndexPrivileges
		}
	case "run_as":
		ss, err := p.strings(v, true)
		if err != nil {
			return err
		}
		d.RunAs = ss
	case "cluster":
		ss, err := p.strings(v, true)
		if err != nil {
			return err
		}
		d.Cluster = ss
	case "applications", "application":
		aps, err := p.applications(v)
		if err != nil {
			return err
		}
		d.Applications = aps
	case "global":
		g, err := p.global(v)
		if err != nil {
			return err
		}
		d.Global = g
	case "metadata":
		if v.token() != xcontent.StartObject {
			return eserr.Parse("expected field [%s] to be of type object, but found [%s] instead", v.field, v.token())
		}
		d.Metadata = v.compact()
	case "metadata_flattened":
		// Written by some 8.x versions next to metadata; read and dropped.
		if v.token() != xcontent.StartObject {
			return eserr.Parse("expected field [%s] to be of type object, but found [%s] instead", v.field, v.token())
		}
	case "transient_metadata":
		// Computed by Elasticsearch, never taken from a body.
		if v.token() != xcontent.StartObject {
			return eserr.Parse("failed to parse role [%s]. unexpected field [%s]", p.role, v.field)
		}
	case "remote_indices":
		if v.token() != xcontent.StartArray {
			return eserr.Parse("failed to parse remote indices privileges for role [%s]. expected field [%s] value to be an array, but found [%s] instead",
				p.role, v.field, v.token())
		}
		rips, err := p.indices(v, true)
		if err != nil {
			return err
		}
		d.RemoteIndices = rips
	case "type":
		// The security index's document type; ignored whatever its value.
	case "description":
		if v.token() != xcontent.String {
			return eserr.Parse("expected field [%s] to be of type string, but found [%s] instead", v.field, v.token())
		}
		d.Description = v.str()
	default:
		return eserr.Parse("failed to parse role [%s]. unexpected field [%s]", p.role, v.field)
	}
	return nil
}

// strings is RoleDescriptor.readStringArray: XContentUtils.readStringArray
// with its error wrapped in one that names the role. A null is nil when
// allowed.
func (p parser) strings(v value, allowNull bool) ([]string, error) {
	ss, err := stringArray(v, allowNull)
	if err != nil {
		cause := err.(*eserr.Error)
		wrapped := eserr.Parse("failed to parse role [%s]", p.role)
		wrapped.CausedBy = cause
		return nil, wrapped
	}
	return ss, nil
}

// stringArray is XContentUtils.readStringArray.
func stringArray(v value, allowNull bool) ([]string, error) {
	switch tok := v.token(); tok {
	case xcontent.Null:
		if allowNull {
			return nil, nil
		}
		return nil, eserr.Parse("could not parse [%s] field. expected a string array but found null value instead", v.field)
	case xcontent.StartArray:
	default:
		return nil, eserr.Parse("could not parse [%s] field. expected a string array but found [%s] value instead", v.field, tok)
	}
	out := []string{}
	err := v.elems(func(el value) error {
		if el.token() != xcontent.String {
			return eserr.Parse("could not parse [%s] field. expected a string array but one of the value in the array is [%s]", el.field, el.token())
		}
		out = append(out, el.str())
		return nil
	})
	return out, err
}

// indices parses "indices" (remote false; the caller has checked for an
// array) or "remote_indices" (remote true).
func (p parser) indices(v value, remote bool) ([]RemoteIndexPrivileges, error) {
	if v.token() != xcontent.StartArray {
		return nil, eserr.Parse("failed to parse indices privileges for role [%s]. expected field [%s] value to be an array, but found [%s] instead",
			p.role, v.field, v.token())
	}
	out := []RemoteIndexPrivileges{}
	err := v.elems(func(el value) error {
		ip, err := p.index(el, remote)
		if err != nil {
			return err
		}
		out = append(out, ip)
		return nil
	})
	return out, err
}

// index is RoleDescriptor.parseIndexWithOptionalRemoteClusters.
func (p parser) index(v value, remote bool) (RemoteIndexPrivileges, error) {
	var ip RemoteIndexPrivileges
	if v.token() != xcontent.StartObject {
		return ip, eserr.Parse("failed to parse indices privileges for role [%s]. expected field [%s] value to be an array of objects, but found an array element of type [%s]",
			p.role, v.field, v.token())
	}
	var names, privileges, granted, denied []string
	err := v.fields(func(name string, _ int, f value) error {
		var err error
		switch name {
		case "names":
			switch f.token() {
			case xcontent.String:
				names = []string{f.str()}
			case xcontent.StartArray:
				if names, err = p.strings(f, false); err != nil {
					return err
				}
				if len(names) == 0 {
					return eserr.Parse("failed to parse indices privileges for role [%s]. [%s] cannot be an empty array", p.role, name)
				}
			default:
				return eserr.Parse("failed to parse indices privileges for role [%s]. expected field [%s] value to be a string or an array of strings, but found [%s] instead",
					p.role, name, f.token())
			}
		case "allow_restricted_indices":
			if f.token() != xcontent.Boolean {
				return eserr.Parse("failed to parse indices privileges for role [%s]. expected field [%s] value to be a boolean, but found [%s] instead",
					p.role, name, f.token())
			}
			ip.AllowRestrictedIndices = f.raw[0] == 't'
		case "query":
			switch f.token() {
			case xcontent.StartObject:
				ip.Query = string(f.compact())
			case xcontent.String:
				ip.Query = f.str()
			case xcontent.Null:
				ip.Query = ""
			default:
				// The message offers an array, which is not accepted.
				return eserr.Parse("failed to parse indices privileges for role [%s]. expected field [%s] value to be null, a string, an array, or an object, but found [%s] instead",
					p.role, name, f.token())
			}
		case "field_security":
			if f.token() != xcontent.StartObject {
				return eserr.Parse(`failed to parse indices privileges for role [%s]. expected START_OBJECT but got %s in "field_security".`, p.role, f.token())
			}
			empty := true
			err := f.fields(func(option string, _ int, o value) error {
				empty = false
				switch option {
				case "grant", "except":
					ss, err := p.strings(o, true)
					if err != nil {
						return err
					}
					if ss == nil {
						return eserr.Parse("failed to parse indices privileges for role [%s]. %s must not be null.", p.role, option)
					}
					if option == "grant" {
						granted = ss
					} else {
						denied = ss
					}
					return nil
				}
				return eserr.Parse(`failed to parse indices privileges for role [%s]. "field_security" only accepts options grant and except, but got: %s`, p.role, option)
			})
			if err != nil {
				return err
			}
			if empty {
				return eserr.Parse(`failed to parse indices privileges for role [%s]. "field_security" must not be empty.`, p.role)
			}
		case "privileges":
			if p.predefined != nil {
				return eserr.Parse("failed to parse indices privileges for role [%s]. field [%s] must not present", p.role, name)
			}
			if privileges, err = p.strings(f, true); err != nil {
				return err
			}
		case "fields":
			if p.v == FromAPI || remote {
				return eserr.Parse(`["fields": [...]] format has changed for field permissions in role [%s], use ["field_security": {"grant":[...],"except":[...]}] instead`, p.role)
			}
			if granted, err = p.strings(f, true); err != nil {
				return err
			}
		case "transient_metadata":
			if f.token() != xcontent.StartObject {
				return eserr.Parse(`failed to parse transient metadata for role [%s]. expected START_OBJECT but got %s in "transient_metadata".`, p.role, f.token())
			}
		case "clusters":
			if !remote {
				return eserr.Parse("failed to parse indices privileges for role [%s]. unexpected field [%s]", p.role, name)
			}
			if ip.Clusters, err = p.strings(f, false); err != nil {
				return err
			}
		default:
			return eserr.Parse("failed to parse indices privileges for role [%s]. unexpected field [%s]", p.role, name)
		}
		return nil
	})
	if err != nil {
		return ip, err
	}
	if names == nil {
		return ip, eserr.Parse("failed to parse indices privileges for role [%s]. missing required [names] field", p.role)
	}
	if p.predefined != nil {
		privileges = slices.Clone(p.predefined)
	}
	if privileges == nil {
		return ip, eserr.Parse("failed to parse indices privileges for role [%s]. missing required [privileges] field", p.role)
	}
	if denied != nil && granted == nil {
		return ip, eserr.Parse("failed to parse indices privileges for role [%s]. field_security requires grant if except is given", p.role)
	}
	// IndicesPrivileges.Builder.build.
	if len(privileges) == 0 {
		return ip, eserr.IllegalArgument("indices privileges must define at least one privilege")
	}
	if remote && ip.Clusters == nil {
		return ip, eserr.Parse("failed to parse remote indices privileges for role [%s]. missing required [clusters] field", p.role)
	}
	ip.Names, ip.Privileges = names, privileges
	if granted != nil || denied != nil {
		ip.FieldSecurity = &FieldSecurity{Grant: granted, Except: denied}
	}
	return ip, nil
}

// applications is RoleDescriptor.parseApplicationPrivileges; each entry
// goes through an ObjectParser named "application", whose errors are
// x_content_parse_exceptions with a location.
func (p parser) applications(v value) ([]ApplicationPrivileges, error) {
	if v.token() != xcontent.StartArray {
		return nil, eserr.Parse("failed to parse application privileges for role [%s]. expected field [%s] value to be an array, but found [%s] instead",
			p.role, v.field, v.token())
	}
	out := []ApplicationPrivileges{}
	err := v.elems(func(el value) error {
		if el.token() != xcontent.StartObject {
			return eserr.Parse("failed to parse application privileges for role [%s]. expected field [%s] value to be an array of objects, but found an array element of type [%s]",
				p.role, el.field, el.token())
		}
		var ap ApplicationPrivileges
		var hasApp bool
		err := el.fields(func(name string, nameOff int, f value) error {
			switch name {
			case "application":
				if f.token() != xcontent.String {
					return f.xerr(f.off, "[application] %s doesn't support values of type: %s", name, f.token())
				}
				ap.Application, hasApp = f.str(), true
			case "privileges", "resources":
				ss, err := objectParserStrings(f)
				if err != nil {
					return err
				}
				if name == "privileges" {
					ap.Privileges = ss
				} else {
					ap.Resources = ss
				}
			default:
				return f.xerr(nameOff, "[application] unknown field [%s]%s", name,
					didYouMean(name, []string{"application", "privileges", "resources"}))
			}
			return nil
		})
		if err != nil {
			return err
		}
		if ap.Resources == nil {
			return eserr.Parse("failed to parse application privileges for role [%s]. missing required [resources] field", p.role)
		}
		if ap.Privileges == nil {
			return eserr.Parse("failed to parse application privileges for role [%s]. missing required [privileges] field", p.role)
		}
		// ApplicationResourcePrivileges.Builder.build.
		switch {
		case !hasApp || ap.Application == "":
			return eserr.IllegalArgument("application privileges must have an application name")
		case len(ap.Privileges) == 0:
			return eserr.IllegalArgument("application privileges must define at least one privilege")
		case len(ap.Resources) == 0:
			return eserr.IllegalArgument("application privileges must refer to at least one resource")
		}
		out = append(out, ap)
		return nil
	})
	return out, err
}

// objectParserStrings is ObjectParser's declareStringArray: a single
// string is a list of one, and numbers and booleans are taken as their
// text; anything else fails the field.
func objectParserStrings(f value) ([]string, error) {
	switch f.token() {
	case xcontent.String:
		return []string{f.str()}, nil
	case xcontent.StartArray:
	default:
		return nil, f.xerr(f.off, "[application] %s doesn't support values of type: %s", f.field, f.token())
	}
	out := []string{}
	err := f.elems(func(el value) error {
		switch el.token() {
		case xcontent.String, xcontent.Number, xcontent.Boolean:
			out = append(out, el.text())
			return nil
		}
		return f.xerr(f.off, "[application] failed to parse field [%s]", f.field)
	})
	return out, err
}

// global is ConfigurableClusterPrivileges.parse for the two categories of
// Elasticsearch 8.15: {"application":{"manage":{"applications":[...]}},
// "profile":{"write":{"applications":[...]}}}.
func (p parser) global(v value) (*GlobalPrivileges, error) {
	expect := func(f value, tok xcontent.Token) error {
		if f.token() != tok {
			return f.xerr(f.off, "failed to parse privilege. expected [%s] but found [%s] instead", tok, f.token())
		}
		return nil
	}
	if err := expect(v, xcontent.StartObject); err != nil {
		return nil, err
	}
	var g GlobalPrivileges
	err := v.fields(func(category string, off int, c value) error {
		var priv, target string
		switch category {
		case "application":
			priv, target = "manage", "ManageApplications"
		case "profile":
			priv, target = "write", "WriteProfileData"
		default:
			return c.xerr(off, "failed to parse privilege. expected one of application,profile but found [%s] instead", category)
		}
		if err := expect(c, xcontent.StartObject); err != nil {
			return err
		}
		return c.fields(func(name string, off int, pv value) error {
			if name != priv {
				return pv.xerr(off, "failed to parse privilege. expected field name %s but found [%s] instead", priv, name)
			}
			if err := expect(pv, xcontent.StartObject); err != nil {
				return err
			}
			var apps []string
			found := false
			err := pv.fields(func(name string, off int, a value) error {
				if found || name != "applications" {
					return a.xerr(off, "failed to parse privilege. expected field name applications but found [%s] instead", name)
				}
				found = true
				if err := expect(a, xcontent.StartArray); err != nil {
					return err
				}
				ss, err := stringArray(a, false)
				apps = ss
				return err
			})
			if err != nil {
				return err
			}
			if !found {
				return pv.xerr(pv.off, "failed to parse privilege. expected [FIELD_NAME] but found [END_OBJECT] instead")
			}
			// The applications are a set: repeated names collapse.
			apps = dedupe(apps)
			if target == "ManageApplications" {
				g.ManageApplications = append(g.ManageApplications, apps...)
			} else {
				g.WriteProfileData = append(g.WriteProfileData, apps...)
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	if g.ManageApplications == nil && g.WriteProfileData == nil {
		return nil, nil
	}
	return &g, nil
}

func dedupe(ss []string) []string {
	seen := make(map[string]bool, len(ss))
	out := []string{}
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// didYouMean is SuggestingErrorOnUnknown.suggest: the candidates closer
// than 0.5 by Lucene's Levenshtein distance, best first.
func didYouMean(unknown string, candidates []string) string {
	if p := suggest.Phrase(suggest.Closest(unknown, candidates, 0.5)); p != "" {
		return " " + p
	}
	return ""
}
