package profiles

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/esauth/esauth/internal/eserr"
	users "github.com/esauth/esauth/internal/user"
	"github.com/esauth/esauth/internal/xcontent"
)

// Grant is an activate request's credentials (Grant), as the body gave
// them; nil strings were not given.
type Grant struct {
	Type, Username, Password, AccessToken *string
}

// ParseActivate reads an activate request body as RestActivateProfileAction.
func ParseActivate(body []byte) (Grant, error) {
	const parser = "activate_profile_request"
	fs, err := xcontent.TopMembers(body)
	if err != nil {
		return Grant{}, err
	}
	var g Grant
	for _, f := range fs {
		var to **string
		switch f.Key {
		case "grant_type":
			to = &g.Type
		case "username":
			to = &g.Username
		case "password":
			to = &g.Password
		case "access_token":
			to = &g.AccessToken
		default:
			return Grant{}, unknownField(body, f, parser, "grant_type", "username", "password", "access_token")
		}
		s, err := str(body, f, parser)
		if err != nil {
			return Grant{}, err
		}
		*to = &s
	}
	return g, nil
}

// Validate is Grant.validate.
func (g Grant) Validate() error {
	var v eserr.Validator
	deref := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	users.Grant{Type: deref(g.Type), Username: deref(g.Username), Password: deref(g.Password),
		AccessToken: deref(g.AccessToken), TypeSent: g.Type != nil}.Check(&v)
	return v.Err()
}

// DataUpdate is an update-data request's body.
type DataUpdate struct {
	// Labels and Data are objects, or nil when not given.
	Labels, Data []byte
	names        []string // the application names, labels' then data's
}

// ParseDataUpdate reads an update-data body as RestUpdateProfileDataAction.
func ParseDataUpdate(body []byte) (DataUpdate, error) {
	const parser = "update_profile_data_request_payload"
	fs, err := xcontent.TopMembers(body)
	if err != nil {
		return DataUpdate{}, err
	}
	var u DataUpdate
	for _, f := range fs {
		var to *[]byte
		switch f.Key {
		case "labels":
			to = &u.Labels
		case "data":
			to = &u.Data
		default:
			return DataUpdate{}, unknownField(body, f, parser, "labels", "data")
		}
		if *to, err = object(body, f, parser); err != nil {
			return DataUpdate{}, err
		}
		for _, m := range xcontent.Members(body, f.ValOff, body[f.ValOff:]) {
			if !slices.Contains(u.names, m.Key) {
				u.names = append(u.names, m.Key)
			}
		}
	}
	return u, nil
}

// Validate is UpdateProfileDataRequest.validate.
func (u DataUpdate) Validate() error {
	var v eserr.Validator
	if len(u.names) == 0 {
		v.Add("update request is empty")
	}
	var dots, underscores []string
	for _, n := range u.names {
		if strings.Contains(n, ".") {
			dots = append(dots, n)
		}
		if strings.HasPrefix(n, "_") {
			underscores = append(underscores, n)
		}
	}
	if len(dots) > 0 {
		v.Add("application name must not contain dot, but found [%s]", strings.Join(dots, ","))
	}
	if len(underscores) > 0 {
		v.Add("application name must not start with underscore, but found [%s]", strings.Join(underscores, ","))
	}
	return v.Err()
}

// ParseSuggest reads a suggest body as RestSuggestProfilesAction (an empty
// body is every default). dataParam is the data query parameter, if given;
// the body may not name data too.
func ParseSuggest(body []byte, dataParam *string) (SuggestRequest, error) {
	const parser = "suggest_profile_request_payload"
	req := SuggestRequest{Size: 10}
	var data *string
	var hint []byte
	var hintField field
	if len(body) > 0 {
		fs, err := xcontent.TopMembers(body)
		if err != nil {
			return SuggestRequest{}, err
		}
		for _, f := range fs {
			switch f.Key {
			case "name":
				req.Name, err = str(body, f, parser)
			case "size":
				req.Size, err = integer(body, f, parser)
			case "data":
				var s string
				if s, err = str(body, f, parser); err == nil {
					data = &s
				}
			case "hint":
				if f.Token() != xcontent.StartObject {
					err = xcontent.WrongType(body, f, parser)
				}
				hint, hintField = f.Raw, f
			default:
				err = unknownField(body, f, parser, "name", "size", "hint", "data")
			}
			if err != nil {
				return SuggestRequest{}, err
			}
		}
	}
	if hint != nil {
		if err := req.parseHint(body, hintField); err != nil {
			return SuggestRequest{}, err
		}
	}
	if dataParam != nil && data != nil {
		return SuggestRequest{}, eserr.IllegalArgument("The [data] parameter must be specified in either request body or as query parameter, but not both")
	}
	if dataParam != nil {
		data = dataParam
	}
	if data != nil {
		req.DataKeys = DataKeys(*data)
	}
	return req, nil
}

// hintState records which parts of a hint were given, for validation.
type hintState struct {
	given, uids, labels bool
	labelKeys           []string
	emptyLabel          bool
}

func (req *SuggestRequest) parseHint(body []byte, hf field) error {
	const parser = "suggest_profile_request_payload_hint"
	st := hintState{given: true}
	for _, f := range xcontent.Members(body, hf.ValOff, body[hf.ValOff:]) {
		switch f.Key {
		case "uids":
			uids, err := stringArray(body, f, parser)
			if err != nil {
				return err
			}
			req.HintUIDs, st.uids = uids, true
		case "labels":
			if f.Token() != xcontent.StartObject {
				return xcontent.WrongType(body, f, parser)
			}
			st.labels = true
			for _, l := range xcontent.Members(body, f.ValOff, body[f.ValOff:]) {
				var values []string
				switch l.Token() {
				case xcontent.String:
					s, _ := str(body, l, parser)
					values = []string{s}
				case xcontent.StartArray:
					for _, it := range elements(l) {
						if (xcontent.Value{Raw: it}).Token() != xcontent.String {
							return eserr.Parse("[labels] hint supports either string value or list of strings")
						}
						s, _ := str(body, field{Raw: it}, parser)
						values = append(values, s)
					}
				default:
					return eserr.Parse("[labels] hint supports either string or list of strings as its value")
				}
				if !slices.Contains(st.labelKeys, l.Key) {
					st.labelKeys = append(st.labelKeys, l.Key)
				}
				req.HintLabel, req.HintLabelIn = l.Key, values
				st.emptyLabel = len(values) == 0
			}
		default:
			return unknownField(body, f, parser, "uids", "labels")
		}
	}
	req.hint = &st
	return nil
}

func elements(f field) [][]byte {
	var items []json.RawMessage
	_ = json.Unmarshal(f.Raw, &items)
	out := make([][]byte, len(items))
	for i, it := range items {
		out[i] = it
	}
	return out
}

// Validate is SuggestProfilesRequest.validate.
func (req SuggestRequest) Validate() error {
	var v eserr.Validator
	if req.Size < 0 {
		v.Add("[size] parameter cannot be negative but was [%d]", req.Size)
	}
	if h := req.hint; h != nil {
		if !h.uids && !h.labels {
			v.Add("[hint] parameter cannot be empty")
			return v.Err()
		}
		if h.uids && len(req.HintUIDs) == 0 {
			v.Add("[uids] hint cannot be empty")
		}
		if h.labels {
			if len(h.labelKeys) != 1 {
				v.Add("[labels] hint supports a single key, got [%s]", strings.Join(h.labelKeys, ","))
				return v.Err()
			}
			if strings.Contains(h.labelKeys[0], "*") {
				v.Add("[labels] hint key cannot contain wildcard")
			}
			if h.emptyLabel {
				v.Add("[labels] hint value cannot be empty")
			}
		}
	}
	return v.Err()
}

// DataKeys is Strings.tokenizeByCommaToSet: trimmed, non-empty, without
// repeats.
func DataKeys(s string) []string {
	set := map[string]bool{}
	for _, k := range strings.Split(s, ",") {
		if k = strings.TrimSpace(k); k != "" {
			set[k] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// HasPrivilegesRequest is a profile has_privileges body: the uids, and the
// privileges object as given (RoleDescriptor.parsePrivilegesToCheck reads
// it, the caller's business).
type HasPrivilegesRequest struct {
	UIDs       []string
	uidsGiven  bool
	Privileges []byte
}

// ParseHasPrivileges reads the body as ProfileHasPrivilegesRequest.PARSER.
func ParseHasPrivileges(body []byte) (HasPrivilegesRequest, error) {
	const parser = "profile_has_privileges_request"
	if len(body) == 0 {
		return HasPrivilegesRequest{}, eserr.Parse("request body or source parameter is required")
	}
	fs, err := xcontent.TopMembers(body)
	if err != nil {
		return HasPrivilegesRequest{}, err
	}
	var req HasPrivilegesRequest
	for _, f := range fs {
		switch f.Key {
		case "uids":
			if req.UIDs, err = stringArray(body, f, parser); err != nil {
				return HasPrivilegesRequest{}, err
			}
			req.uidsGiven = true
		case "privileges":
			if f.Token() != xcontent.StartObject {
				return HasPrivilegesRequest{}, xcontent.WrongType(body, f, parser)
			}
			req.Privileges = f.Raw
		default:
			return HasPrivilegesRequest{}, unknownField(body, f, parser, "uids", "privileges")
		}
	}
	var missing []string
	if !req.uidsGiven {
		missing = append(missing, "uids")
	}
	if req.Privileges == nil {
		missing = append(missing, "privileges")
	}
	if len(missing) > 0 {
		return HasPrivilegesRequest{}, eserr.IllegalArgument("Required [%s]", strings.Join(missing, ", "))
	}
	return req, nil
}

// ValidateUIDs is the uid part of ProfileHasPrivilegesRequest.validate.
func (req HasPrivilegesRequest) ValidateUIDs(v *eserr.Validator) {
	if len(req.UIDs) == 0 {
		v.Add("profile uids list must not be empty")
	}
}
