package apikey

import (
	"context"
	"encoding/json"
	"fmt"
)

// QueryKey is one API key as the query API reads it: the fields it
// queries, sorts and aggregates on, and what renders the key.
type QueryKey struct {
	ID           string
	Name         *string // nil for keys made without a name
	Type         string  // "rest" or "cross_cluster"
	Creation     int64   // epoch millis
	Expiration   *int64
	Invalidated  bool
	Invalidation *int64
	// Username and Realm are the owner's (the document's creator).
	Username, Realm string
	// Metadata is the key's metadata object, nil when it has none.
	Metadata json.RawMessage

	doc *document
}

// QueryKeys lists every API key in the security index's order (oldest
// first, then by id), straight from the store, for the query API.
func (s *Service) QueryKeys(ctx context.Context) ([]QueryKey, error) {
	if !s.cfg.Enabled {
		return nil, ErrDisabled()
	}
	keys, err := s.find(ctx, &filter{})
	if err != nil {
		return nil, err
	}
	out := make([]QueryKey, len(keys))
	for i, k := range keys {
		d := k.doc
		out[i] = QueryKey{ID: k.id, Name: d.Name, Type: d.Type, Creation: d.CreationTime, Expiration: d.ExpirationTime,
			Invalidated: d.invalidated(), Invalidation: d.InvalidationTime, Username: d.Creator.Principal,
			Realm: d.Creator.Realm, Metadata: d.Metadata, doc: d}
	}
	return out, nil
}

// Info renders a key of QueryKeys as get shows it, with its owner's
// limited-by roles when asked (never for cross-cluster keys).
func (k QueryKey) Info(withLimitedBy bool) (KeyInfo, error) {
	info := KeyInfo{id: k.ID, doc: k.doc}
	var err error
	if info.roleDescriptors, err = parseStoredDescriptors(k.doc.RoleDescriptors); err != nil {
		return KeyInfo{}, fmt.Errorf("apikey: %s: %w", k.ID, err)
	}
	if withLimitedBy && k.doc.Type != typeCross {
		if info.limitedBy, err = parseStoredDescriptors(k.doc.LimitedBy); err != nil {
			return KeyInfo{}, fmt.Errorf("apikey: %s: %w", k.ID, err)
		}
	}
	return info, nil
}
