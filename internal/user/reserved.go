package user

import "encoding/json"

// Builtin describes one of Elasticsearch's reserved (built-in) users.
type Builtin struct {
	Name     string
	Roles    []string
	Metadata json.RawMessage
}

// The metadata every reserved user carries.
var reservedMetadata = json.RawMessage(`{"_reserved":true}`)

// Builtins returns the reserved users in the order Elasticsearch lists them.
func Builtins() []Builtin {
	return []Builtin{
		{"elastic", []string{"superuser"}, reservedMetadata},
		{"kibana", []string{"kibana_system"}, json.RawMessage(
			`{"_reserved":true,"_deprecated":true,"_deprecated_reason":"Please use the [kibana_system] user instead."}`)},
		{"kibana_system", []string{"kibana_system"}, reservedMetadata},
		{"logstash_system", []string{"logstash_system"}, reservedMetadata},
		{"beats_system", []string{"beats_system"}, reservedMetadata},
		{"apm_system", []string{"apm_system"}, reservedMetadata},
		{"remote_monitoring_user", []string{"remote_monitoring_collector", "remote_monitoring_agent"}, reservedMetadata},
	}
}

// User is the account a built-in user presents in GET and _authenticate.
func (b Builtin) User(enabled bool) User {
	return User{Username: b.Name, Roles: b.Roles, Metadata: b.Metadata, Enabled: enabled}
}

// IsBuiltin reports whether name is a reserved user's, without allocating:
// it runs on every authenticated request.
func IsBuiltin(name string) bool {
	switch name {
	case "elastic", "kibana", "kibana_system", "logstash_system", "beats_system", "apm_system", "remote_monitoring_user":
		return true
	}
	return false
}

// LookupBuiltin returns the reserved user with that name.
func LookupBuiltin(name string) (Builtin, bool) {
	if !IsBuiltin(name) {
		return Builtin{}, false
	}
	for _, b := range Builtins() {
		if b.Name == name {
			return b, true
		}
	}
	return Builtin{}, false
}

// Elastic is the superuser that is bootstrapped on first start.
const Elastic = "elastic"

// DefaultAnonymousName is the anonymous user's name unless configured.
const DefaultAnonymousName = "_anonymous"

// IsInternal reports whether name belongs to one of Elasticsearch's internal
// users, which no API may create, change or delete.
func IsInternal(name string) bool {
	switch name {
	case "_system", "_xpack", "_xpack_security", "_async_search", "_security_profile",
		"_data_stream_lifecycle", "_storage", "_synonyms", "_lazy_rollover", "_reindex_data_stream":
		return true
	}
	return false
}
