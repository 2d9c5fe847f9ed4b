package config

import (
	"fmt"
	"github.com/esauth/esauth/internal/suggest"
	"strings"
)

// setting is one row of the table of known settings. Adding a setting to
// esauth means adding a row to builtinSettings; nothing else in the package
// needs to change.
type setting struct {
	// key is the dotted setting name. A segment written as <name> (any text
	// between angle brackets) matches any one non-empty segment, so one row
	// can describe a group such as
	// xpack.security.authc.realms.<type>.<name>.order.
	key string
	// def is the value Get returns when the setting is not given.
	def string
	// defFunc, when set, computes the default at Load time instead of def,
	// for defaults that depend on the machine (node.name is the hostname).
	// Only concrete keys may use it: patterned rows have no single key to
	// hold the computed value.
	defFunc func() string
	// validate checks a value given for key (the concrete key, so messages
	// can name it). Its error text is what the user sees, so it follows
	// Elasticsearch's wording where Elasticsearch has one. nil accepts any
	// value.
	validate func(key, value string) error
}

// isPattern reports whether the row's key contains a placeholder segment.
func (r *setting) isPattern() bool {
	return strings.Contains(r.key, "<")
}

// builtinSettings returns the table of settings esauth understands. It is a
// function rather than a package variable so that no caller can change the
// table another caller sees.
func builtinSettings() []setting {
	rows := []setting{
		{key: "cluster.name", def: "elasticsearch", validate: validateClusterName},
		{key: "node.name", defFunc: defaultNodeName},
		{key: "path.data", def: "data", validate: validatePathData},
		{key: "path.logs", def: "logs"},
		{key: "http.host", def: "127.0.0.1", validate: validateHTTPHost},
		{key: "http.port", def: "9200", validate: validateHTTPPort},
		{key: "http.max_content_length", def: "100mb", validate: validateMaxContentLength},
		{key: "xpack.security.enabled", def: "true", validate: validateSecurityEnabled},
		{key: "xpack.security.authc.password_hashing.algorithm", def: "bcrypt", validate: validateHashAlgorithm},
		{key: "xpack.security.authc.reserved_realm.enabled", def: "true", validate: validateBool},
		{key: "path.conf"},
	}
	rows = append(rows, storeSettings()...)
	rows = append(rows, policySettings()...)
	rows = append(rows, metricsSettings()...)
	rows = append(rows, tlsSettings()...)
	rows = append(rows, lockoutSettings()...)
	rows = append(rows, auditSettings()...)
	rows = append(rows, gatewaySettings()...)
	rows = append(rows, apiKeySettings()...)
	rows = append(rows, serviceAccountSettings()...)
	rows = append(rows, tokenSettings()...)
	return append(rows, realmSettings()...)
}

// isPlaceholder reports whether a pattern segment is a <name> placeholder.
func isPlaceholder(seg string) bool {
	return len(seg) >= 2 && seg[0] == '<' && seg[len(seg)-1] == '>'
}

// matchKey reports whether the concrete key matches pattern, segment by
// segment, a <name> segment matching any one non-empty segment.
func matchKey(pattern, key string) bool {
	ps := strings.Split(pattern, ".")
	ks := strings.Split(key, ".")
	if len(ps) != len(ks) {
		return false
	}
	for i, p := range ps {
		if ks[i] == "" {
			return false
		}
		if isPlaceholder(p) {
			continue
		}
		if p != ks[i] {
			return false
		}
	}
	return true
}

// lookup finds the row describing key: an exact key wins over a pattern, so
// a specific setting can live beside a group that would also match it.
func lookup(table []setting, key string) *setting {
	for i := range table {
		if !table[i].isPattern() && table[i].key == key {
			return &table[i]
		}
	}
	for i := range table {
		if table[i].isPattern() && matchKey(table[i].key, key) {
			return &table[i]
		}
	}
	return nil
}

// unknownSettingError builds Elasticsearch's message for a setting that is
// not in the table, including its "did you mean" suggestions (computed as
// AbstractScopedSettings does: Lucene's Levenshtein similarity over the
// concrete keys, keeping those above 0.7, best first).
func unknownSettingError(table []setting, key string) error {
	var keys []string
	for _, r := range table {
		if !r.isPattern() {
			keys = append(keys, r.key)
		}
	}
	msg := "unknown setting [" + key + "]"
	if p := suggest.Phrase(suggest.Closest(key, keys, 0.7)); p != "" {
		msg += " " + p
	} else {
		msg += " please check that any required plugins are installed, or check the breaking changes documentation for removed settings"
	}
	return fmt.Errorf("%s", msg)
}
