package apikey

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/roles"
	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/xcontent"
)

// UpdateRequest is an update body (BaseUpdateApiKeyRequest). Every field
// is optional: nil leaves the stored value as it is.
type UpdateRequest struct {
	// RoleDescriptors replace the key's roles; empty (not nil) removes
	// them, so that the key has its owner's snapshot alone.
	RoleDescriptors []roles.Descriptor
	// Metadata replaces the whole metadata.
	Metadata json.RawMessage
	// ExpirationSeconds sets a new expiration, counted from now.
	ExpirationSeconds *int64
	// Expiration is the expiration as Elasticsearch prints it back ("1d"),
	// for the audit log; "" when none was given.
	Expiration string
	// keyType is the type of key the request may update: "" for rest,
	// typeCross for the cross-cluster update.
	keyType string
}

// BulkUpdateRequest is BulkUpdateApiKeyRequest.
type BulkUpdateRequest struct {
	IDs []string
	UpdateRequest
}

var (
	updateFields     = []string{"role_descriptors", "metadata", "expiration"}
	bulkUpdateFields = []string{"ids", "role_descriptors", "metadata", "expiration"}
)

// ParseUpdateRequest parses a PUT /_security/api_key/{id} body as
// UpdateApiKeyRequestTranslator does ("update_api_key_request_payload").
// An empty body is allowed: it only refreshes the owner's snapshot.
func ParseUpdateRequest(body []byte) (*UpdateRequest, error) {
	if len(body) == 0 {
		return &UpdateRequest{}, nil
	}
	r := &UpdateRequest{}
	_, err := parseUpdateBody(body, "update_api_key_request_payload", updateFields, r, nil)
	return r, err
}

// ParseBulkUpdateRequest parses a POST /_security/api_key/_bulk_update body
// ("bulk_update_api_key_request"); ids is required.
func ParseBulkUpdateRequest(body []byte) (*BulkUpdateRequest, error) {
	r := &BulkUpdateRequest{}
	ids, err := parseUpdateBody(body, "bulk_update_api_key_request", bulkUpdateFields, &r.UpdateRequest, nil)
	if err != nil {
		return nil, err
	}
	if ids == nil {
		return nil, eserr.IllegalArgument("Required [ids]")
	}
	r.IDs = ids
	return r, nil
}

// parseUpdateBody reads the fields every update body shares, ids and
// role_descriptors when fields lists them, and those field parses (it
// reports false for a field it does not know).
func parseUpdateBody(body []byte, parser string, fields []string, r *UpdateRequest, field func(member) (bool, error)) (ids []string, err error) {
	ms, err := xcontent.TopMembers(body)
	if err != nil {
		return nil, err
	}
	var expiration *string
	seen := 0
	for _, m := range ms {
		switch {
		case m.Key == "ids" && slices.Contains(fields, "ids"):
			if ids, err = stringArray(body, parser, m); err != nil {
				return nil, err
			}
		case m.Key == "role_descriptors" && slices.Contains(fields, "role_descriptors"):
			if r.RoleDescriptors, err = parseRoleDescriptors(body, parser, m); err != nil {
				return nil, err
			}
		case m.Key == "metadata":
			if m.Token() != xcontent.StartObject {
				return nil, xcontent.WrongType(body, m, parser)
			}
			r.Metadata = compact(m.Raw)
		case m.Key == "expiration":
			if m.Token() != xcontent.String {
				return nil, xcontent.WrongType(body, m, parser)
			}
			s := m.Str()
			expiration = &s
		default:
			known := false
			if field != nil {
				if known, err = field(m); err != nil {
					return nil, err
				}
			}
			if !known {
				return nil, xcontent.UnknownField(body, m, parser, fields)
			}
		}
		seen++
		if seen == len(fields) {
			if err := r.buildExpiration(expiration); err != nil {
				return nil, failedField(body, m.LastOff(), parser, m.Key, failedBuild(parser, err))
			}
		}
	}
	if slices.Contains(fields, "ids") && ids == nil {
		return nil, nil // Required [ids], reported by the caller
	}
	if seen < len(fields) {
		if err := r.buildExpiration(expiration); err != nil {
			return nil, failedBuild(parser, err)
		}
	}
	return ids, nil
}

func (r *UpdateRequest) buildExpiration(expiration *string) error {
	if expiration == nil {
		return nil
	}
	secs, rep, err := parseExpiration(*expiration)
	if err != nil {
		return err
	}
	r.ExpirationSeconds, r.Expiration = &secs, rep
	return nil
}

// Validate is BaseUpdateApiKeyRequest.validate.
func (r *UpdateRequest) Validate() error {
	var v eserr.Validator
	r.validate(&v)
	return v.Err()
}

func (r *UpdateRequest) validate(v *eserr.Validator) {
	if hasReservedKey(r.Metadata) {
		v.Add("API key metadata keys may not start with [_]")
	}
	for _, d := range r.RoleDescriptors {
		for _, msg := range descriptorMessages(d) {
			v.Add("%s", msg)
		}
	}
	if r.keyType == typeCross {
		r.validateCrossCluster(v)
	}
}

// expectedType is the type of key the request updates.
func (r *UpdateRequest) expectedType() string {
	if r.keyType == "" {
		return typeREST
	}
	return r.keyType
}

// Validate is BaseBulkUpdateApiKeyRequest.validate.
func (r *BulkUpdateRequest) Validate() error {
	var v eserr.Validator
	r.validate(&v)
	if len(r.IDs) == 0 {
		v.Add("Field [ids] cannot be empty")
	}
	return v.Err()
}

// ErrUpdateViaAPIKey is the refusal of an update by an API key.
func ErrUpdateViaAPIKey() *eserr.Error {
	return eserr.IllegalArgument("authentication via API key not supported: only the owner user can update an API key")
}

// UpdateResponse is UpdateApiKeyResponse: {"updated":bool}.
type UpdateResponse struct{ Updated bool }

// AppendJSON renders {"updated":true|false}.
func (r *UpdateResponse) AppendJSON(dst []byte) ([]byte, error) {
	return xcontent.Obj("updated", r.Updated).AppendJSON(dst)
}

// MarshalJSON implements json.Marshaler.
func (r *UpdateResponse) MarshalJSON() ([]byte, error) { return r.AppendJSON(nil) }

// BulkUpdateResponse is BulkUpdateApiKeyResponse.
type BulkUpdateResponse struct {
	Updated, Noops []string
	// Errors are by key id, in the order the ids were asked.
	Errors []KeyError
}

// KeyError is one key's failure in a bulk update.
type KeyError struct {
	ID  string
	Err *eserr.Error
}

// AppendJSON renders {"updated":[],"noops":[],"errors":{"count":N[,"details":{id:{type,reason}}]}}.
func (r *BulkUpdateResponse) AppendJSON(dst []byte) ([]byte, error) {
	out := xcontent.Obj("updated", nonNil(r.Updated), "noops", nonNil(r.Noops))
	if len(r.Errors) > 0 {
		// XContentUtils.maybeAddErrorDetails: no "errors" without errors.
		details := xcontent.Object{}
		for _, e := range r.Errors {
			details = details.With(e.ID, exceptionJSON(e.Err))
		}
		out = out.With("errors", xcontent.Obj("count", len(r.Errors), "details", details))
	}
	return out.AppendJSON(dst)
}

// MarshalJSON implements json.Marshaler.
func (r *BulkUpdateResponse) MarshalJSON() ([]byte, error) { return r.AppendJSON(nil) }

// Update is the single update: BulkUpdate of one id whose only error, if
// any, is returned (TransportBaseUpdateApiKeyAction.toSingleResponse).
func (s *Service) Update(ctx context.Context, id string, req *UpdateRequest, caller Caller) (*UpdateResponse, error) {
	resp, err := s.BulkUpdate(ctx, &BulkUpdateRequest{IDs: []string{id}, UpdateRequest: *req}, caller)
	if err != nil {
		return nil, err
	}
	if len(resp.Errors) > 0 {
		return nil, resp.Errors[0].Err
	}
	return &UpdateResponse{Updated: len(resp.Updated) == 1}, nil
}

// BulkUpdate is ApiKeyService.updateApiKeys: only the caller's own keys
// (same principal, one of its realms) can be updated, and never by an API
// key. Each key's roles and metadata are replaced when given, its
// expiration recomputed from now when given, and its owner and limited-by
// snapshot always refreshed from caller; a key that would not change is a
// noop. req must be validated.
func (s *Service) BulkUpdate(ctx context.Context, req *BulkUpdateRequest, caller Caller) (*BulkUpdateResponse, error) {
	if !s.cfg.Enabled {
		return nil, ErrDisabled()
	}
	if caller.ViaAPIKey {
		return nil, ErrUpdateViaAPIKey()
	}
	owned := &OwnedBy{Username: caller.Owner.Username, Realms: caller.realms()}
	found, err := s.find(ctx, &filter{username: owned.Username, realms: owned.Realms, ids: req.IDs})
	if err != nil {
		return nil, err
	}
	byID := make(map[string]bool, len(found))
	for _, k := range found {
		byID[k.id] = true
	}
	limitedBy := withoutDescriptions(caller.RoleDescriptors)
	resp := &BulkUpdateResponse{Updated: []string{}, Noops: []string{}}
	done := map[string]bool{}
	for _, id := range req.IDs {
		if done[id] {
			continue
		}
		done[id] = true
		if !byID[id] {
			resp.Errors = append(resp.Errors, KeyError{id, &eserr.Error{Type: "resource_not_found_exception", Status: http.StatusNotFound,
				Reason: "no API key owned by requesting user found for ID [" + id + "]"}})
			continue
		}
		changed, err := s.updateOne(ctx, id, &req.UpdateRequest, caller, owned, limitedBy)
		var es *eserr.Error
		switch {
		case errors.As(err, &es):
			resp.Errors = append(resp.Errors, KeyError{id, es})
		case err != nil:
			s.log.Warn("could not update an API key", "id", id, "err", err)
			resp.Errors = append(resp.Errors, KeyError{id, &eserr.Error{Type: "exception", Status: http.StatusInternalServerError,
				Reason: "bulk request execution failure", CausedBy: &eserr.Error{Type: "exception", Reason: err.Error()}}})
		case changed:
			resp.Updated = append(resp.Updated, id)
		default:
			resp.Noops = append(resp.Noops, id)
		}
	}
	return resp, nil
}

var errNoop = errors.New("apikey: noop")

// updateOne rewrites one key atomically, checking it again on the record
// it replaces (validateForUpdate), then evicts it from the caches.
func (s *Service) updateOne(ctx context.Context, id string, req *UpdateRequest, caller Caller, owned *OwnedBy, limitedBy []roles.Descriptor) (bool, error) {
	now := s.now()
	_, err := s.db.Update(ctx, store.APIKeys, id, func(cur []byte) ([]byte, error) {
		if cur == nil {
			return nil, &eserr.Error{Type: "resource_not_found_exception", Status: http.StatusNotFound,
				Reason: "no API key owned by requesting user found for ID [" + id + "]"}
		}
		d, err := decodeDocument(cur)
		if err != nil {
			return nil, err
		}
		if d.DocType != docType || !owned.owns(d) {
			return nil, &eserr.Error{Type: "resource_not_found_exception", Status: http.StatusNotFound,
				Reason: "no API key owned by requesting user found for ID [" + id + "]"}
		}
		switch {
		case d.invalidated():
			return nil, eserr.IllegalArgument("cannot update invalidated API key [%s]", id)
		case d.expiredAt(now):
			return nil, eserr.IllegalArgument("cannot update expired API key [%s]", id)
		case d.Name == nil || *d.Name == "":
			return nil, eserr.IllegalArgument("cannot update legacy API key [%s] without name", id)
		case d.Type != req.expectedType():
			return nil, eserr.IllegalArgument("cannot update API key of type [%s] while expected type is [%s]", d.Type, req.expectedType())
		}
		noop, err := isNoop(d, req, caller, limitedBy)
		if err != nil {
			return nil, err
		}
		if noop {
			return nil, errNoop
		}
		if req.ExpirationSeconds != nil {
			ms := now.UnixMilli() + *req.ExpirationSeconds*1000
			d.ExpirationTime = &ms
		}
		if req.RoleDescriptors != nil {
			d.RoleDescriptors = descriptorsJSON(req.RoleDescriptors, true)
		}
		if req.Metadata != nil {
			d.Metadata = req.Metadata
		}
		d.LimitedBy = descriptorsJSON(limitedBy, true)
		d.Creator = creatorOf(caller.Owner)
		d.Version = docVersion
		return d.encode(), nil
	})
	if errors.Is(err, errNoop) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	s.Invalidate(id)
	return true, nil
}

// isNoop is ApiKeyService.isNoop: same version, no new expiration, the same
// owner, metadata, roles and limited-by snapshot.
func isNoop(d *document, req *UpdateRequest, caller Caller, limitedBy []roles.Descriptor) (bool, error) {
	if d.Version != docVersion || req.ExpirationSeconds != nil {
		return false, nil
	}
	cur, want := d.Creator, creatorOf(caller.Owner)
	if cur.Principal != want.Principal || !equalPtr(cur.FullName, want.FullName) || !equalPtr(cur.Email, want.Email) ||
		!jsonEqual(cur.Metadata, want.Metadata) || cur.Realm != want.Realm || cur.RealmType != want.RealmType {
		return false, nil
	}
	if req.Metadata != nil && (d.Metadata == nil || !jsonEqual(d.Metadata, req.Metadata)) {
		return false, nil
	}
	if req.RoleDescriptors != nil {
		stored, err := parseStoredDescriptors(d.RoleDescriptors)
		if err != nil {
			return false, fmt.Errorf("stored roles: %w", err)
		}
		if !sameDescriptors(req.RoleDescriptors, stored) {
			return false, nil
		}
	}
	stored, err := parseStoredDescriptors(d.LimitedBy)
	if err != nil {
		return false, fmt.Errorf("stored limited-by roles: %w", err)
	}
	return sameDescriptors(limitedBy, stored), nil
}

func equalPtr(a, b *string) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }

// jsonEqual compares two JSON values as maps compare: key order aside.
func jsonEqual(a, b json.RawMessage) bool {
	if bytes.Equal(a, b) {
		return true
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	ca, _ := json.Marshal(x) // maps marshal with sorted keys
	cb, _ := json.Marshal(y)
	return bytes.Equal(ca, cb)
}
