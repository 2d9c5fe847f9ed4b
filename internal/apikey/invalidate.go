package apikey

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/xcontent"
)

// InvalidateRequest is InvalidateApiKeyRequest.
type InvalidateRequest struct {
	// IDs is nil when absent.
	IDs                       []string
	Name, Username, RealmName string
	// Owner asks to invalidate the caller's own keys: pass the caller as
	// OwnedBy.
	Owner bool
	// CrossCluster says the caller may invalidate cross-cluster keys (it
	// holds manage_security); without it each matching one is skipped
	// with an error (ErrCannotInvalidateCrossCluster). Not part of the body.
	CrossCluster bool
}

var invalidateFields = []string{"realm_name", "username", "name", "owner", "ids"}

// ParseInvalidateRequest parses a DELETE /_security/api_key body as
// RestInvalidateApiKeyAction's parser ("invalidate_api_key") does. The
// ids checks InvalidateApiKeyRequest makes while it is built come back
// wrapped as the parser wraps them.
func ParseInvalidateRequest(body []byte) (*InvalidateRequest, error) {
	const parser = "invalidate_api_key"
	ms, err := xcontent.TopMembers(body)
	if err != nil {
		return nil, err
	}
	r := &InvalidateRequest{}
	seen := 0
	for _, m := range ms {
		switch m.Key {
		case "realm_name", "username", "name":
			if m.Token() != xcontent.String {
				return nil, xcontent.WrongType(body, m, parser)
			}
			switch m.Key {
			case "realm_name":
				r.RealmName = m.Str()
			case "username":
				r.Username = m.Str()
			default:
				r.Name = m.Str()
			}
		case "owner":
			// declareBoolean also takes the strings "true" and "false".
			switch {
			case m.Token() == xcontent.Boolean:
				r.Owner = m.Raw[0] == 't'
			case m.Token() == xcontent.String && (m.Str() == "true" || m.Str() == "false"):
				r.Owner = m.Str() == "true"
			case m.Token() == xcontent.String:
				return nil, failedField(body, m.ValOff, parser, m.Key,
					eserr.IllegalArgument("Failed to parse value [%s] as only [true] or [false] are allowed.", m.Str()))
			default:
				return nil, xcontent.WrongType(body, m, parser)
			}
		case "ids":
			ids, err := stringArray(body, parser, m)
			if err != nil {
				return nil, err
			}
			r.IDs = ids
		default:
			return nil, xcontent.UnknownField(body, m, parser, invalidateFields)
		}
		seen++
		if seen == len(invalidateFields) {
			if err := validateIDs(r.IDs); err != nil {
				return nil, failedField(body, m.LastOff(), parser, m.Key, failedBuild(parser, err))
			}
		}
	}
	if seen < len(invalidateFields) {
		if err := validateIDs(r.IDs); err != nil {
			return nil, failedBuild(parser, err)
		}
	}
	// textOrNull: blank strings are absent.
	r.Name, r.Username, r.RealmName = textOrEmpty(r.Name), textOrEmpty(r.Username), textOrEmpty(r.RealmName)
	return r, nil
}

// stringArray is ObjectParser's declareStringArray: an array of strings
// (numbers and booleans taken as their text), or a single string.
func stringArray(body []byte, parser string, m member) ([]string, error) {
	switch m.Token() {
	case xcontent.String:
		return []string{m.Str()}, nil
	case xcontent.StartArray:
	default:
		return nil, xcontent.WrongType(body, m, parser)
	}
	out := []string{}
	for _, e := range xcontent.Elements(m.ValOff, m.Raw) {
		switch e.Token() {
		case xcontent.String:
			out = append(out, e.Str())
		case xcontent.Number, xcontent.Boolean:
			out = append(out, string(e.Raw))
		default:
			return nil, failedField(body, e.ValOff, parser, m.Key,
				eserr.IllegalArgument("[%s] doesn't support values of type: %s", m.Key, e.Token()))
		}
	}
	return out, nil
}

// validateIDs is InvalidateApiKeyRequest.validateIds, thrown while the
// request is built.
func validateIDs(ids []string) error {
	if ids == nil {
		return nil
	}
	if len(ids) == 0 {
		var v eserr.Validator
		v.Add("Field [ids] cannot be an empty array")
		return v.Err()
	}
	var blank []string
	for i, id := range ids {
		if textOrEmpty(id) == "" {
			blank = append(blank, strconv.Itoa(i))
		}
	}
	if len(blank) == 0 {
		return nil
	}
	what, where := "id", "position"
	if len(blank) > 1 {
		what, where = "ids", "positions"
	}
	var v eserr.Validator
	v.Add("Field [ids] must not contain blank id, but got blank %s at index %s: [%s]", what, where, strings.Join(blank, ", "))
	return v.Err()
}

// textOrEmpty is Strings.hasText: a string of only whitespace is absent.
func textOrEmpty(s string) string {
	if strings.TrimFunc(s, isJavaWhitespace) == "" {
		return ""
	}
	return s
}

// isJavaWhitespace is Character.isWhitespace.
func isJavaWhitespace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\v', '\f', '\r', 0x1c, 0x1d, 0x1e, 0x1f, 0x1680, 0x2028, 0x2029, 0x205f, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x2006 || r >= 0x2008 && r <= 0x200a
}

// Validate is InvalidateApiKeyRequest.validate.
func (r *InvalidateRequest) Validate() error {
	var v eserr.Validator
	if r.RealmName == "" && r.Username == "" && r.IDs == nil && r.Name == "" && !r.Owner {
		v.Add("One of [api key id(s), api key name, username, realm name] must be specified if [owner] flag is false")
	}
	if (r.IDs != nil || r.Name != "") && (r.RealmName != "" || r.Username != "") {
		v.Add("username or realm name must not be specified when the api key id(s) or api key name are specified")
	}
	if r.Owner && (r.RealmName != "" || r.Username != "") {
		v.Add("neither username nor realm-name may be specified when invalidating owned API keys")
	}
	if r.IDs != nil && r.Name != "" {
		v.Add("only one of [api key id(s), api key name] can be specified")
	}
	return v.Err()
}

// InvalidateResponse is InvalidateApiKeyResponse.
type InvalidateResponse struct {
	Invalidated           []string
	PreviouslyInvalidated []string
	Errors                []*eserr.Error
}

// AppendJSON renders {"invalidated_api_keys", "previously_invalidated_api_keys",
// "error_count"[, "error_details"]}.
func (r *InvalidateResponse) AppendJSON(dst []byte) ([]byte, error) {
	o := xcontent.Obj("invalidated_api_keys", nonNil(r.Invalidated),
		"previously_invalidated_api_keys", nonNil(r.PreviouslyInvalidated), "error_count", len(r.Errors))
	if len(r.Errors) > 0 {
		details := make([]any, len(r.Errors))
		for i, e := range r.Errors {
			details[i] = exceptionJSON(e)
		}
		o = o.With("error_details", details)
	}
	return o.AppendJSON(dst)
}

// MarshalJSON implements json.Marshaler.
func (r *InvalidateResponse) MarshalJSON() ([]byte, error) { return r.AppendJSON(nil) }

func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}

// exceptionJSON is ElasticsearchException.generateThrowableXContent
// without stack traces: type, reason, metadata, caused_by.
func exceptionJSON(e *eserr.Error) xcontent.Object {
	o := xcontent.Obj("type", e.Type, "reason", e.Reason)
	for _, m := range e.Metadata {
		o = o.With(m[0], m[1])
	}
	if e.CausedBy != nil {
		o = o.With("caused_by", exceptionJSON(e.CausedBy))
	}
	return o
}

// InvalidateKeys is ApiKeyService.invalidateApiKeys: it marks every
// matching key that is not yet invalidated (api_key_invalidated,
// invalidation_time) and then drops it from this node's caches; other
// nodes follow through the store's watch. req must be validated. owned,
// required with Owner, limits it to one owner's keys.
func (s *Service) InvalidateKeys(ctx context.Context, req *InvalidateRequest, owned *OwnedBy) (*InvalidateResponse, error) {
	if !s.cfg.Enabled {
		return nil, ErrDisabled()
	}
	f := &filter{username: req.Username, name: req.Name, ids: req.IDs, skipInvalidated: true, owned: owned}
	if req.RealmName != "" {
		f.realms = []string{req.RealmName}
	}
	if req.Owner {
		if owned == nil {
			return nil, eserr.IllegalState("apikey: owned API keys asked for without their owner")
		}
		f.username, f.realms = owned.Username, owned.Realms
	}
	if len(f.realms) == 0 && f.username == "" && f.name == "" && len(f.ids) == 0 {
		return nil, eserr.IllegalArgument("One of [api key id, api key name, username, realm name] must be specified")
	}
	keys, err := s.find(ctx, f)
	if err != nil {
		return nil, err
	}
	resp := &InvalidateResponse{Invalidated: []string{}, PreviouslyInvalidated: []string{}}
	if len(keys) == 0 {
		return resp, nil
	}
	now := s.now().UnixMilli()
	for _, k := range keys {
		if k.doc.Type == typeCross && !req.CrossCluster {
			resp.Errors = append(resp.Errors, ErrCannotInvalidateCrossCluster(k.id))
			continue
		}
		was, err := s.invalidateOne(ctx, k.id, now)
		switch {
		case errors.Is(err, store.ErrNotFound):
			continue // removed meanwhile
		case err != nil:
			s.log.Warn("could not invalidate an API key", "id", k.id, "err", err)
			resp.Errors = append(resp.Errors, &eserr.Error{Type: "exception", Reason: "Error invalidating api key",
				CausedBy: &eserr.Error{Type: "exception", Reason: err.Error()}})
		case was:
			// Invalidated by someone else since it was found.
			resp.PreviouslyInvalidated = append(resp.PreviouslyInvalidated, k.id)
		default:
			resp.Invalidated = append(resp.Invalidated, k.id)
		}
	}
	return resp, nil
}

// invalidateOne flags one key as invalidated, durably, then evicts it from
// this node's caches. It reports whether it already was.
func (s *Service) invalidateOne(ctx context.Context, id string, nowMs int64) (already bool, err error) {
	_, err = s.db.Update(ctx, store.APIKeys, id, func(cur []byte) ([]byte, error) {
		if cur == nil {
			return nil, store.ErrNotFound
		}
		var doc map[string]json.RawMessage
		if err := json.Unmarshal(cur, &doc); err != nil {
			return nil, fmt.Errorf("unreadable document: %w", err)
		}
		if string(doc["api_key_invalidated"]) == "true" {
			already = true
			return nil, errAlreadyInvalidated
		}
		d, err := decodeDocument(cur)
		if err != nil {
			return nil, err
		}
		t := true
		d.Invalidated, d.InvalidationTime = &t, &nowMs
		return d.encode(), nil
	})
	if errors.Is(err, errAlreadyInvalidated) {
		err = nil
	}
	if err == nil {
		s.Invalidate(id)
	}
	return already, err
}

var errAlreadyInvalidated = errors.New("apikey: already invalidated")
