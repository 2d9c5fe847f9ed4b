package apikey

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/roles"
	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/xcontent"
)

// GetParams are the query parameters of GET /_security/api_key, for the
// REST layer to accept: Elasticsearch's, then esauth's with_last_used.
var GetParams = []string{"id", "name", "username", "realm_name", "owner", "with_limited_by", "active_only", "with_profile_uid", "with_last_used"}

// GetRequest is GetApiKeyRequest. Empty strings mean absent, as
// Elasticsearch's textOrNull makes them.
type GetRequest struct {
	ID, Name, Username, RealmName string
	// Owner asks for the caller's own keys: pass the caller as OwnedBy.
	Owner         bool
	WithLimitedBy bool
	ActiveOnly    bool
	// WithProfileUID is accepted; esauth has no user profiles, so no key
	// has a profile_uid, which Elasticsearch then leaves out.
	WithProfileUID bool
	// WithLastUsed (esauth's own) adds "last_used", the epoch millis of
	// the key's last successful authentication, to keys used at least once.
	WithLastUsed bool
}

// Validate is GetApiKeyRequest.validate.
func (r GetRequest) Validate() error {
	var v eserr.Validator
	if (r.ID != "" || r.Name != "") && (r.RealmName != "" || r.Username != "") {
		v.Add("username or realm name must not be specified when the api key id or api key name is specified")
	}
	if r.Owner && (r.RealmName != "" || r.Username != "") {
		v.Add("neither username nor realm-name may be specified when retrieving owned API keys")
	}
	if r.ID != "" && r.Name != "" {
		v.Add("only one of [api key id, api key name] can be specified")
	}
	return v.Err()
}

// filter is findApiKeysForUserRealmApiKeyIdAndNameCombination's query.
type filter struct {
	realms          []string
	username, name  string
	ids             []string
	skipInvalidated bool
	skipExpired     bool
	owned           *OwnedBy
}

func (f *filter) match(id string, d *document, nowMs int64) bool {
	if d.DocType != docType {
		return false
	}
	if len(f.realms) > 0 && !slices.Contains(f.realms, d.Creator.Realm) {
		return false
	}
	if f.username != "" && d.Creator.Principal != f.username {
		return false
	}
	if f.name != "" && f.name != "*" {
		name := ""
		if d.Name != nil {
			name = *d.Name
		}
		if prefix, ok := strings.CutSuffix(f.name, "*"); ok {
			if d.Name == nil || !strings.HasPrefix(name, prefix) {
				return false
			}
		} else if d.Name == nil || name != f.name {
			return false
		}
	}
	if len(f.ids) > 0 && !slices.Contains(f.ids, id) {
		return false
	}
	if f.skipInvalidated && d.invalidated() {
		return false
	}
	if f.skipExpired && d.ExpirationTime != nil && *d.ExpirationTime <= nowMs {
		return false
	}
	return f.owned.owns(d)
}

type found struct {
	id  string
	doc *document
}

// find lists the keys f matches, oldest first (then by id), straight from
// the store: listings never come from a cache.
func (s *Service) find(ctx context.Context, f *filter) ([]found, error) {
	nowMs := s.now().UnixMilli()
	var out []found
	// Ids are few when given: read them rather than list everything.
	visit := func(id string, raw []byte) error {
		d, err := decodeDocument(raw)
		if err != nil {
			s.log.Warn("skipped an unreadable API key document", "id", id, "err", err)
			return nil
		}
		if f.match(id, d, nowMs) {
			out = append(out, found{id, d})
		}
		return nil
	}
	if len(f.ids) > 0 && len(f.ids) <= 100 {
		seen := map[string]bool{}
		for _, id := range f.ids {
			if seen[id] || id == "" {
				continue
			}
			seen[id] = true
			raw, err := s.db.Get(ctx, store.APIKeys, id)
			if err == nil {
				err = visit(id, raw)
			}
			if err != nil && !isNotFound(err) {
				return nil, fmt.Errorf("apikey: get %q: %w", id, err)
			}
		}
	} else if err := s.db.List(ctx, store.APIKeys, visit); err != nil {
		return nil, fmt.Errorf("apikey: list: %w", err)
	}
	slices.SortFunc(out, func(a, b found) int {
		return cmp.Or(cmp.Compare(a.doc.CreationTime, b.doc.CreationTime), strings.Compare(a.id, b.id))
	})
	return out, nil
}

// GetResponse is GetApiKeyResponse.
type GetResponse struct {
	Keys []KeyInfo
	// notFound is RestGetApiKeyAction's 404: an id was asked and nothing
	// matched.
	notFound bool
}

// Status is the HTTP status: 404 when an id was given and not found, as
// RestGetApiKeyAction answers, else 200. The body is the same.
func (r *GetResponse) Status() int {
	if r.notFound {
		return 404
	}
	return 200
}

// KeyInfo is one key as get shows it (ApiKey.innerToXContent).
type KeyInfo struct {
	id              string
	doc             *document
	roleDescriptors []roles.Descriptor
	limitedBy       []roles.Descriptor // nil unless asked
	lastUsed        int64              // 0: unknown or not asked
}

// ID returns the key's id.
func (k KeyInfo) ID() string { return k.id }

// Owner returns the key's owner (username and realm), for ownership checks.
func (k KeyInfo) Owner() (username, realm string) {
	return k.doc.Creator.Principal, k.doc.Creator.Realm
}

// AppendJSON renders the key in Elasticsearch's field order.
func (k KeyInfo) AppendJSON(dst []byte) ([]byte, error) {
	d := k.doc
	o := xcontent.Obj("id", k.id, "name", d.Name, "type", d.Type, "creation", d.CreationTime)
	if d.ExpirationTime != nil {
		o = o.With("expiration", *d.ExpirationTime)
	}
	o = o.With("invalidated", d.invalidated())
	if d.InvalidationTime != nil {
		o = o.With("invalidation", *d.InvalidationTime)
	}
	o = o.With("username", d.Creator.Principal).With("realm", d.Creator.Realm)
	if d.Creator.RealmType != "" {
		o = o.With("realm_type", d.Creator.RealmType)
	}
	meta := json.RawMessage(`{}`)
	if len(d.Metadata) > 0 {
		meta = d.Metadata
	}
	o = o.With("metadata", meta).With("role_descriptors", descriptorsJSON(k.roleDescriptors, false))
	if d.Type == typeCross {
		o = o.With("access", accessJSON(k.roleDescriptors))
	}
	if k.limitedBy != nil {
		o = o.With("limited_by", []any{descriptorsJSON(k.limitedBy, false)})
	}
	if k.lastUsed > 0 {
		o = o.With("last_used", k.lastUsed)
	}
	return o.AppendJSON(dst)
}

// AppendJSON renders {"api_keys":[...]}.
func (r *GetResponse) AppendJSON(dst []byte) ([]byte, error) {
	items := make([]any, len(r.Keys))
	for i, k := range r.Keys {
		items[i] = k
	}
	return xcontent.Obj("api_keys", items).AppendJSON(dst)
}

// MarshalJSON implements json.Marshaler.
func (r *GetResponse) MarshalJSON() ([]byte, error) { return r.AppendJSON(nil) }

// Get is ApiKeyService.getApiKeys. req must be validated. owned, when not
// nil, limits the answer to that owner's keys; it is required with Owner
// (the caller's own keys) and is how manage_own_api_key is enforced.
func (s *Service) Get(ctx context.Context, req GetRequest, owned *OwnedBy) (*GetResponse, error) {
	if !s.cfg.Enabled {
		return nil, ErrDisabled()
	}
	if req.Owner && owned == nil {
		return nil, eserr.IllegalState("apikey: owned API keys asked for without their owner")
	}
	f := &filter{username: req.Username, name: req.Name, skipInvalidated: req.ActiveOnly, skipExpired: req.ActiveOnly, owned: owned}
	if req.RealmName != "" {
		f.realms = []string{req.RealmName}
	}
	if req.ID != "" {
		f.ids = []string{req.ID}
	}
	keys, err := s.find(ctx, f)
	if err != nil {
		return nil, err
	}
	var used map[string]int64
	if req.WithLastUsed && len(keys) > 0 {
		if used, err = s.used.all(ctx); err != nil {
			return nil, err
		}
	}
	resp := &GetResponse{Keys: make([]KeyInfo, 0, len(keys)), notFound: req.ID != "" && len(keys) == 0}
	for _, k := range keys {
		info := KeyInfo{id: k.id, doc: k.doc, lastUsed: used[k.id]}
		if info.roleDescriptors, err = parseStoredDescriptors(k.doc.RoleDescriptors); err != nil {
			return nil, fmt.Errorf("apikey: %s: %w", k.id, err)
		}
		if req.WithLimitedBy && k.doc.Type != typeCross {
			if info.limitedBy, err = parseStoredDescriptors(k.doc.LimitedBy); err != nil {
				return nil, fmt.Errorf("apikey: %s: %w", k.id, err)
			}
		}
		resp.Keys = append(resp.Keys, info)
	}
	return resp, nil
}
