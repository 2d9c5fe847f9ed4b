package apikey

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/esauth/esauth/internal/user"
	"github.com/esauth/esauth/internal/xcontent"
)

const (
	docType   = "api_key"
	typeREST  = "rest"
	typeCross = "cross_cluster"
	// docVersion is ApiKey.CURRENT_API_KEY_VERSION: the version id of the
	// Elasticsearch release esauth answers as (8.19.0).
	docVersion = 8_19_00_99
)

// creator is the document's "creator": who owns the key.
type creator struct {
	Principal string          `json:"principal"`
	FullName  *string         `json:"full_name"`
	Email     *string         `json:"email"`
	Metadata  json.RawMessage `json:"metadata"`
	Realm     string          `json:"realm"`
	RealmType string          `json:"realm_type"`
}

// document is what Elasticsearch writes to its security index for an API
// key (ApiKeyService.newDocument), field for field and in its order;
// invalidation_time comes last, as invalidation adds it.
type document struct {
	DocType          string          `json:"doc_type"`
	Type             string          `json:"type,omitempty"`
	CreationTime     int64           `json:"creation_time"`
	ExpirationTime   *int64          `json:"expiration_time"`
	Invalidated      *bool           `json:"api_key_invalidated"`
	Hash             string          `json:"api_key_hash"`
	RoleDescriptors  json.RawMessage `json:"role_descriptors"`
	LimitedBy        json.RawMessage `json:"limited_by_role_descriptors"`
	Name             *string         `json:"name"`
	Version          int             `json:"version"`
	Metadata         json.RawMessage `json:"metadata_flattened"`
	Creator          creator         `json:"creator"`
	InvalidationTime *int64          `json:"invalidation_time,omitempty"`
}

func (d *document) encode() []byte {
	b, err := xcontent.Marshal(d)
	if err != nil {
		// Every raw field was built from valid JSON.
		panic("apikey: encoding a document: " + err.Error())
	}
	return b
}

func decodeDocument(raw []byte) (*document, error) {
	var d document
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, err
	}
	if d.Type == "" {
		d.Type = typeREST // documents before 8.9 have no type
	}
	if len(d.Metadata) > 0 && string(d.Metadata) == "null" {
		d.Metadata = nil
	}
	return &d, nil
}

func (d *document) invalidated() bool { return d.Invalidated != nil && *d.Invalidated }

// expiredAt is the expiry check of authentication and update: a key with
// an expiration time expires at that millisecond.
func (d *document) expiredAt(now time.Time) bool {
	return d.ExpirationTime != nil && !time.UnixMilli(*d.ExpirationTime).After(now)
}

// key is a stored key with what authentication needs already parsed.
// Values are shared by every reader: never modified once built.
type key struct {
	id  string
	doc *document
	// auth is the answer of a successful authentication.
	auth *Authenticated
}

func newKey(id string, raw []byte) (*key, error) {
	d, err := decodeDocument(raw)
	if err != nil {
		return nil, fmt.Errorf("apikey: document %q: %w", id, err)
	}
	k := &key{id: id, doc: d}
	if d.DocType != docType {
		return k, nil // refused by authentication, which names the type
	}
	assigned, err := parseStoredDescriptors(d.RoleDescriptors)
	if err != nil {
		return nil, fmt.Errorf("apikey: document %q: %w", id, err)
	}
	limited, err := parseStoredDescriptors(d.LimitedBy)
	if err != nil {
		return nil, fmt.Errorf("apikey: document %q: %w", id, err)
	}
	meta := d.Creator.Metadata
	if len(meta) == 0 || string(meta) == "null" {
		meta = user.EmptyMetadata
	}
	a := &Authenticated{
		ID:   id,
		Type: d.Type,
		User: user.User{Username: d.Creator.Principal, Roles: []string{}, FullName: d.Creator.FullName,
			Email: d.Creator.Email, Metadata: meta, Enabled: true},
		OwnerRealm:      d.Creator.Realm,
		OwnerRealmType:  d.Creator.RealmType,
		RoleDescriptors: assigned,
		LimitedBy:       limited,
		Digest:          digest(d.RoleDescriptors, d.LimitedBy),
		Metadata:        d.Metadata,
	}
	if d.Name != nil {
		a.Name = *d.Name
	}
	if d.ExpirationTime != nil {
		t := time.UnixMilli(*d.ExpirationTime).UTC()
		a.Expiration = &t
	}
	k.auth = a
	return k, nil
}

// digest identifies a key's two descriptor sets, so that their compiled
// form can be shared until either changes.
func digest(assigned, limited []byte) string {
	h := sha256.New()
	h.Write(assigned)
	h.Write([]byte{0})
	h.Write(limited)
	return hex.EncodeToString(h.Sum(nil))
}
