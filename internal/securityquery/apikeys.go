package securityquery

import (
	"bytes"
	"encoding/json"
	"slices"
)

// APIKeys is the Query API Keys API's schema
// (API_KEY_FIELD_NAME_TRANSLATORS): the owner's username and realm, the
// name and the type are keywords ("type" is the runtime field that reads
// a missing type as "rest"), the times are dates mapped as epoch_millis,
// invalidated is a boolean and metadata is a flattened field. A key's _id
// is its id. The body takes aggregations.
var APIKeys = (&Schema{
	Payload: "query_api_key_request_payload",
	Aggs:    true,
	Fields: []Field{
		{Name: "username", Index: "creator.principal", Kind: Keyword},
		{Name: "realm_name", Index: "creator.realm", Kind: Keyword},
		{Name: "name", Index: "name", Kind: Keyword},
		{Name: "type", Index: "runtime_key_type", Kind: Keyword},
		{Name: "creation", Index: "creation_time", Kind: Date},
		{Name: "expiration", Index: "expiration_time", Kind: Date},
		{Name: "invalidated", Index: "api_key_invalidated", Kind: Boolean},
		{Name: "invalidation", Index: "invalidation_time", Kind: Date},
		{Name: "metadata", Index: "metadata_flattened", Kind: Flattened},
	},
}).init()

// The APIKeys fields by number.
const (
	keyUsername = iota
	keyRealm
	keyName
	keyType
	keyCreation
	keyExpiration
	keyInvalidated
	keyInvalidation
	keyMetadata
)

// APIKeyDoc is what the query API reads of one API key.
type APIKeyDoc struct {
	ID              string
	Name            *string // nil for keys made before names (7.x)
	Type            string  // "" reads as "rest"
	Creation        int64
	Expiration      *int64
	Invalidated     bool
	Invalidation    *int64
	Username, Realm string
	// Metadata are the leaves of the key's metadata (FlattenJSON).
	Metadata []Leaf
}

// APIKeyDocs are API keys in index order (creation, then id), as a
// Source.
type APIKeyDocs []APIKeyDoc

// Len implements Source.
func (s APIKeyDocs) Len() int { return len(s) }

// Key implements Source: the key's id.
func (s APIKeyDocs) Key(i int) string { return s[i].ID }

// Strings implements Source.
func (s APIKeyDocs) Strings(i, f int, dst []string) []string {
	k := &s[i]
	switch f {
	case keyUsername:
		return append(dst, k.Username)
	case keyRealm:
		return append(dst, k.Realm)
	case keyName:
		if k.Name != nil {
			return append(dst, *k.Name)
		}
	case keyType:
		if k.Type == "" {
			return append(dst, "rest")
		}
		return append(dst, k.Type)
	}
	return dst
}

// Leaves implements Source.
func (s APIKeyDocs) Leaves(i, f int) []Leaf {
	if f == keyMetadata {
		return s[i].Metadata
	}
	return nil
}

// Bool implements Source.
func (s APIKeyDocs) Bool(i, f int) (bool, bool) {
	return s[i].Invalidated, f == keyInvalidated
}

// Date implements Source.
func (s APIKeyDocs) Date(i, f int) (int64, bool) {
	k := &s[i]
	var v *int64
	switch f {
	case keyCreation:
		return k.Creation, true
	case keyExpiration:
		v = k.Expiration
	case keyInvalidation:
		v = k.Invalidation
	}
	if v == nil {
		return 0, false
	}
	return *v, true
}

// FlattenJSON is the flattened field type's view of a JSON object: every
// leaf value (a string, a number's literal, true or false; nulls are not
// indexed) under its dotted key, array items under their array's key.
// Anything but an object has no leaves.
func FlattenJSON(raw []byte) []Leaf {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil
	}
	var out []Leaf
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for _, k := range sortedKeys(v) {
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				walk(p, v[k])
			}
		case []any:
			for _, it := range v {
				walk(prefix, it)
			}
		case string:
			out = append(out, Leaf{prefix, v})
		case json.Number:
			out = append(out, Leaf{prefix, string(v)})
		case bool:
			if v {
				out = append(out, Leaf{prefix, "true"})
			} else {
				out = append(out, Leaf{prefix, "false"})
			}
		}
	}
	walk("", v)
	return out
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys) // order does not change what matches; sorting keeps it stable
	return keys
}
