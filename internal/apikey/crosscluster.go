package apikey

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/roles"
	"github.com/esauth/esauth/internal/xcontent"
)

// Cross-cluster API keys (Elasticsearch 8.10+) grant another cluster's
// search or replication access to this one. They are created and updated
// by their own API, with an "access" in place of role descriptors, and
// authenticate only on Elasticsearch's remote-cluster port, which esauth
// does not have: here they are managed, listed and invalidated, and never
// authenticate.

// TypeCrossCluster is the type of a cross-cluster key, as documents, get,
// query and the audit log name it.
const TypeCrossCluster = typeCross

// The role a cross-cluster key's access becomes
// (CrossClusterApiKeyRoleDescriptorBuilder), as the 8.14+ builder makes it.
const crossClusterRole = "cross_cluster"

var (
	ccsClusterPrivileges = []string{"cross_cluster_search", "monitor_enrich"}
	ccrClusterPrivileges = []string{"cross_cluster_replication"}
	ccsIndexPrivileges   = []string{"read", "read_cross_cluster", "view_index_metadata"}
	ccrIndexPrivileges   = []string{"cross_cluster_replication", "cross_cluster_replication_internal"}

	accessFields             = []string{"search", "replication"}
	crossClusterCreateFields = []string{"name", "access", "expiration", "metadata"}
	crossClusterUpdateFields = []string{"access", "metadata", "expiration"}
)

// The parsers of the cross-cluster bodies, as their errors name them.
const (
	crossClusterCreateParser = "cross_cluster_api_key_request"
	crossClusterUpdateParser = "update_cross_cluster_api_key_request_payload"
	crossClusterAccessParser = "cross_cluster_api_key_request_access"
)

// access is a parsed "access" object: the index entries of search and of
// replication, each with its fixed privileges.
type access struct {
	search, replication []roles.IndexPrivileges
}

// parseAccess reads the access member m of a body parsed by parser, as
// CrossClusterApiKeyRoleDescriptorBuilder.PARSER does: an object of
// "search" and "replication", each an array of index entries (or one
// entry) without privileges. Failures come back wrapped as ObjectParser
// wraps them, twice, at the location where the parser stood.
func parseAccess(body []byte, parser string, m member) (*access, error) {
	if m.Token() != xcontent.StartObject {
		return nil, xcontent.WrongType(body, m, parser)
	}
	a := &access{}
	for _, f := range xcontent.Members(body, m.ValOff, m.Raw) {
		var dst *[]roles.IndexPrivileges
		var privileges []string
		switch f.Key {
		case "search":
			dst, privileges = &a.search, ccsIndexPrivileges
		case "replication":
			dst, privileges = &a.replication, ccrIndexPrivileges
		default:
			return nil, wrapAccess(body, parser, m, xcontent.UnknownField(body, f, crossClusterAccessParser, accessFields))
		}
		ips, err := parseAccessEntries(body, f, privileges)
		if err != nil {
			return nil, wrapAccess(body, parser, m, asES(err))
		}
		*dst = ips
	}
	return a, nil
}

// wrapAccess is the outer parser's wrapper around a failure of its access
// field, at the same location as the failure.
func wrapAccess(body []byte, parser string, m member, inner *eserr.Error) *eserr.Error {
	loc, ok := locatedAt(inner)
	if !ok {
		loc = xcontent.Location(body, m.ValOff)
	}
	outer := xcpLoc(loc, "[%s] failed to parse field [%s]", parser, m.Key)
	outer.CausedBy = inner
	return outer
}

// parseAccessEntries is declareObjectArray with
// RoleDescriptor.parseIndexWithPredefinedPrivileges: an array of objects
// (or a single object), each entry given privileges.
func parseAccessEntries(body []byte, f member, privileges []string) ([]roles.IndexPrivileges, error) {
	var entries []member
	switch f.Token() {
	case xcontent.StartObject:
		entries = []member{f}
	case xcontent.StartArray:
		entries = xcontent.Elements(f.ValOff, f.Raw)
	default:
		return nil, xcontent.WrongType(body, f, crossClusterAccessParser)
	}
	out := []roles.IndexPrivileges{}
	for _, e := range entries {
		if tok := e.Token(); tok == xcontent.StartArray {
			// ObjectParser.parseArray takes values, nulls and objects only.
			return nil, failedField(body, e.ValOff, crossClusterAccessParser, f.Key,
				&eserr.Error{Type: "illegal_state_exception", Status: http.StatusInternalServerError,
					Reason: "expected value but got [START_ARRAY]"})
		}
		// Jackson names an object element after its array; a scalar has no name.
		field := "null"
		if e.Token() == xcontent.StartObject {
			field = f.Key
		}
		ip, err := roles.ParseIndexWithPredefinedPrivileges(crossClusterRole, field, body, e.ValOff, privileges)
		if err != nil {
			inner := asES(err)
			return nil, failedField(body, entryFailureOffset(body, e, inner), crossClusterAccessParser, f.Key, inner)
		}
		out = append(out, ip)
	}
	return out, nil
}

// entryFailureOffset is where Elasticsearch's parser stood when an index
// entry failed: on the value of the field the message names, on the
// entry's closing brace for what is checked once it is read, else on the
// entry.
func entryFailureOffset(body []byte, e member, inner *eserr.Error) int {
	if e.Token() != xcontent.StartObject {
		return e.ValOff
	}
	reason := inner.Reason
	for _, f := range xcontent.Members(body, e.ValOff, e.Raw) {
		for _, named := range []string{"unexpected field [" + f.Key + "]", "field [" + f.Key + "]",
			"[" + f.Key + "] cannot be", `"` + f.Key + `"`, "could not parse [" + f.Key + "]"} {
			if strings.Contains(reason, named) {
				return f.ValOff
			}
		}
		if inner.CausedBy != nil && strings.Contains(inner.CausedBy.Reason, "["+f.Key+"]") {
			return f.ValOff
		}
	}
	return e.LastOff()
}

// build is CrossClusterApiKeyRoleDescriptorBuilder.build: the one role of
// the key. Search alone gives cross_cluster_search and monitor_enrich,
// replication alone cross_cluster_replication, both all three; replication
// may not use document or field level security.
func (a *access) build() (roles.Descriptor, error) {
	var cluster []string
	switch {
	case len(a.search) == 0 && len(a.replication) == 0:
		return roles.Descriptor{}, eserr.IllegalArgument("must specify non-empty access for either [search] or [replication]")
	case len(a.search) == 0:
		cluster = ccrClusterPrivileges
	case len(a.replication) == 0:
		cluster = ccsClusterPrivileges
	default:
		cluster = slices.Concat(ccsClusterPrivileges, ccrClusterPrivileges)
	}
	if slices.ContainsFunc(a.replication, usesDocumentOrFieldSecurity) {
		return roles.Descriptor{}, eserr.IllegalArgument("replication does not support document or field level security")
	}
	return roles.Descriptor{Name: crossClusterRole, Cluster: slices.Clone(cluster),
		Indices: slices.Concat(a.search, a.replication)}, nil
}

// usesDocumentOrFieldSecurity is IndicesPrivileges.isUsingDocumentOrFieldLevelSecurity:
// a query, or fields that are not just all of them.
func usesDocumentOrFieldSecurity(ip roles.IndexPrivileges) bool {
	if ip.Query != "" {
		return true
	}
	fs := ip.FieldSecurity
	return fs != nil && (len(fs.Except) > 0 || fs.Grant != nil && !(len(fs.Grant) == 1 && fs.Grant[0] == "*"))
}

// ParseCreateCrossClusterRequest parses a POST /_security/cross_cluster/api_key
// body as RestCreateCrossClusterApiKeyAction's parser does
// ("cross_cluster_api_key_request": name and access required, expiration
// and metadata optional). The request's RoleDescriptors are the one role
// its access becomes. Validate it as a create request.
func ParseCreateCrossClusterRequest(body []byte) (*CreateRequest, error) {
	ms, err := xcontent.TopMembers(body)
	if err != nil {
		return nil, err
	}
	r := &CreateRequest{}
	var acc *access
	err = parseCreateBody(body, ms, r, createBody{parser: crossClusterCreateParser, fields: crossClusterCreateFields,
		required: []string{"name", "access"},
		field: func(m member) (bool, error) {
			if m.Key != "access" {
				return false, nil
			}
			var err error
			acc, err = parseAccess(body, crossClusterCreateParser, m)
			return true, err
		},
		build: func() error {
			d, err := acc.build()
			r.RoleDescriptors = []roles.Descriptor{d}
			return err
		}})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// ErrCrossClusterViaAPIKey is TransportCreateCrossClusterApiKeyAction's
// refusal of a caller authenticated with an API key.
func ErrCrossClusterViaAPIKey() *eserr.Error {
	return eserr.IllegalArgument("authentication via API key not supported: An API key cannot be used to create a cross-cluster API key")
}

// CreateCrossCluster makes a cross-cluster key for caller
// (TransportCreateCrossClusterApiKeyAction). req comes from
// ParseCreateCrossClusterRequest and is validated. The key is limited by
// nothing: its owner's roles are not snapshotted.
func (s *Service) CreateCrossCluster(ctx context.Context, req *CreateRequest, caller Caller) (*CreateResponse, error) {
	if !s.cfg.Enabled {
		return nil, ErrDisabled()
	}
	if caller.ViaAPIKey {
		return nil, ErrCrossClusterViaAPIKey()
	}
	return s.insert(ctx, req, caller.Owner, typeCross, []roles.Descriptor{})
}

// ParseUpdateCrossClusterRequest parses a PUT /_security/cross_cluster/api_key/{id}
// body ("update_cross_cluster_api_key_request_payload": access, metadata
// and expiration, all optional). A given access replaces the key's role,
// and fails as UpdateCrossClusterApiKeyRequest's constructor does, after
// parsing.
func ParseUpdateCrossClusterRequest(body []byte) (*UpdateRequest, error) {
	r := &UpdateRequest{keyType: typeCross}
	var acc *access
	_, err := parseUpdateBody(body, crossClusterUpdateParser, crossClusterUpdateFields, r, func(m member) (bool, error) {
		if m.Key != "access" {
			return false, nil
		}
		var err error
		acc, err = parseAccess(body, crossClusterUpdateParser, m)
		return true, err
	})
	if err != nil {
		return nil, err
	}
	if acc != nil {
		d, err := acc.build()
		if err != nil {
			return nil, err
		}
		r.RoleDescriptors = []roles.Descriptor{d}
	}
	return r, nil
}

// validateCrossCluster is what UpdateCrossClusterApiKeyRequest.validate adds.
func (r *UpdateRequest) validateCrossCluster(v *eserr.Validator) {
	if r.RoleDescriptors == nil && r.Metadata == nil {
		v.Add("must update either [access] or [metadata] for cross-cluster API keys")
	}
}

// UpdateCrossCluster is the cross-cluster update of one of the caller's
// own keys (TransportUpdateCrossClusterApiKeyAction): like Update, but of
// cross-cluster keys only, and without a snapshot of the owner's roles.
func (s *Service) UpdateCrossCluster(ctx context.Context, id string, req *UpdateRequest, caller Caller) (*UpdateResponse, error) {
	if req.keyType != typeCross {
		return nil, eserr.IllegalState("apikey: a cross-cluster update of a request not parsed as one")
	}
	caller.RoleDescriptors = nil // limited by nothing, as when created
	return s.Update(ctx, id, req, caller)
}

// ErrCannotInvalidateCrossCluster is the error_details entry of a
// cross-cluster key skipped by a caller without manage_security.
func ErrCannotInvalidateCrossCluster(id string) *eserr.Error {
	return &eserr.Error{Type: "security_exception", Status: http.StatusInternalServerError,
		Reason: "Cannot invalidate cross-cluster API key [" + id + "]. This requires [manage_security] cluster privilege or higher"}
}

// accessJSON renders the "access" of a cross-cluster key from its role
// (ApiKey.buildXContentForCrossClusterApiKeyAccess): entries with the
// search privileges under "search", the others under "replication", each
// without its privileges.
func accessJSON(ds []roles.Descriptor) json.RawMessage {
	var search, replication []any
	if len(ds) == 1 {
		for _, ip := range ds[0].Indices {
			e := xcontent.Obj("names", ip.Names)
			if fs := ip.FieldSecurity; fs != nil {
				o := xcontent.Object{}
				if fs.Grant != nil {
					o = o.With("grant", fs.Grant)
				}
				if fs.Except != nil {
					o = o.With("except", fs.Except)
				}
				e = e.With("field_security", o)
			}
			if ip.Query != "" {
				e = e.With("query", ip.Query)
			}
			e = e.With("allow_restricted_indices", ip.AllowRestrictedIndices)
			if slices.Equal(ip.Privileges, ccsIndexPrivileges) {
				search = append(search, e)
			} else {
				replication = append(replication, e)
			}
		}
	}
	o := xcontent.Object{}
	if len(search) > 0 {
		o = o.With("search", search)
	}
	if len(replication) > 0 {
		o = o.With("replication", replication)
	}
	b, _ := o.AppendJSON(nil) // strings, lists and booleans only
	return b
}
