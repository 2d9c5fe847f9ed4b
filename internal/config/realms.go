package config

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/esauth/esauth/internal/passhash"
)

// Realm types esauth implements.
const (
	RealmNative = "native"
	RealmFile   = "file"
)

const realmPrefix = "xpack.security.authc.realms."

// realmSettings are the rows of every realm type's settings
// (CachingUsernamePasswordRealmSettings plus the common ones).
func realmSettings() []setting {
	var rows []setting
	for _, typ := range []string{RealmNative, RealmFile} {
		p := realmPrefix + typ + ".<name>."
		rows = append(rows,
			// Elasticsearch's default order, used only for disabled realms.
			setting{key: p + "order", def: "2147483647", validate: validateInt},
			setting{key: p + "enabled", def: "true", validate: validateBool},
			setting{key: p + "authentication.enabled", def: "true", validate: validateBool},
			setting{key: p + "cache.ttl", def: "20m", validate: validateTimeValue},
			setting{key: p + "cache.max_users", def: "100000", validate: validateInt},
			setting{key: p + "cache.hash_algo", def: "ssha256", validate: validateCacheHash},
		)
	}
	return append(rows,
		setting{key: "xpack.security.authc.anonymous.username", def: "_anonymous"},
		setting{key: "xpack.security.authc.anonymous.roles"},
		setting{key: "xpack.security.authc.anonymous.authz_exception", def: "true", validate: validateBool},
	)
}

// RealmConfig is one realm of the chain.
type RealmConfig struct {
	Type, Name string
	Order      int
	// Authentication is authentication.enabled: when false the realm takes
	// no part in authenticating requests.
	Authentication bool
	CacheTTL       time.Duration // <= 0 disables the credential cache
	CacheMaxUsers  int
	CacheHasher    passhash.Hasher
}

// Anonymous is the anonymous-access configuration; it is enabled when it
// has roles.
type Anonymous struct {
	Username       string
	Roles          []string
	AuthzException bool
}

// Enabled reports whether requests without credentials run as anonymous.
func (a Anonymous) Enabled() bool { return len(a.Roles) > 0 }

// realms builds the realm chain (without the reserved realm, which always
// comes first) as Elasticsearch's Realms does: configured, enabled realms
// sorted by order, with the basic file and native realms added in front
// unless configured or explicitly disabled.
func (s *Settings) realms() ([]RealmConfig, error) {
	var out []RealmConfig
	byOrder := map[int][]string{}
	byName := map[string][]string{}
	disabled := map[string]bool{}
	for _, typ := range []string{RealmNative, RealmFile} {
		names := s.Groups(realmPrefix + typ)
		if len(names) > 1 {
			return nil, fmt.Errorf("multiple [%s] realms are configured. [%s] is an internal realm and therefore there can only be one such realm configured", typ, typ)
		}
		for _, name := range names {
			rc, enabled, err := s.realm(typ, name, false)
			if err != nil {
				return nil, err
			}
			if !enabled {
				disabled[typ] = true
				continue
			}
			out = append(out, rc)
			byOrder[rc.Order] = append(byOrder[rc.Order], name)
			byName[name] = append(byName[name], realmPrefix+typ+"."+name)
		}
	}
	if err := duplicates("order", byOrder); err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b RealmConfig) int { return a.Order - b.Order })
	// Native first, then file in front of it: file, native, configured...
	for _, typ := range []string{RealmNative, RealmFile} {
		if disabled[typ] || slices.ContainsFunc(out, func(r RealmConfig) bool { return r.Type == typ }) {
			continue
		}
		rc, _, err := s.realm(typ, "default_"+typ, true)
		if err != nil {
			return nil, err
		}
		byName[rc.Name] = append(byName[rc.Name], realmPrefix+typ+"."+rc.Name)
		out = append([]RealmConfig{rc}, out...)
	}
	if err := duplicateGroups("name", byName, func(n string) string { return n }); err != nil {
		return nil, err
	}
	return out, nil
}

// realm reads one realm's settings. An implicit realm (a basic realm the
// chain adds by itself) has only defaults and comes before all others; a
// configured, enabled realm must have an order, as in Elasticsearch 8.
func (s *Settings) realm(typ, name string, implicit bool) (RealmConfig, bool, error) {
	p := realmPrefix + typ + "." + name + "."
	rc := RealmConfig{Type: typ, Name: name, Order: math.MinInt32}
	enabled, err := parseBool(p+"enabled", s.Get(p+"enabled"))
	if err != nil || !enabled {
		return rc, false, err
	}
	if !implicit {
		if !s.IsSet(p + "order") {
			return rc, false, fmt.Errorf("'order' is a mandatory parameter for realm config. Found invalid config for realm: '%s'\nPlease see the breaking changes documentation.", name)
		}
		if rc.Order, err = strconv.Atoi(s.Get(p + "order")); err != nil {
			return rc, false, err
		}
	}
	if rc.Authentication, err = parseBool(p+"authentication.enabled", s.Get(p+"authentication.enabled")); err != nil {
		return rc, false, err
	}
	if rc.CacheTTL, err = parseTimeValue(p+"cache.ttl", s.Get(p+"cache.ttl")); err != nil {
		return rc, false, err
	}
	if rc.CacheMaxUsers, err = strconv.Atoi(s.Get(p + "cache.max_users")); err != nil {
		return rc, false, err
	}
	if rc.CacheHasher, err = passhash.ResolveCache(s.Get(p + "cache.hash_algo")); err != nil {
		return rc, false, err
	}
	return rc, true, nil
}

// duplicates renders Elasticsearch's "Found multiple realms configured with
// the same order: 1: [a, b]" (several groups joined by "; ").
func duplicates(what string, groups map[int][]string) error {
	return duplicateGroups(what, groups, strconv.Itoa)
}

func duplicateGroups[K comparable](what string, groups map[K][]string, key func(K) string) error {
	var parts []string
	for k, names := range groups {
		if len(names) > 1 {
			parts = append(parts, key(k)+": ["+strings.Join(names, ", ")+"]")
		}
	}
	if len(parts) == 0 {
		return nil
	}
	slices.Sort(parts)
	return fmt.Errorf("Found multiple realms configured with the same %s: %s", what, strings.Join(parts, "; "))
}

func (s *Settings) anonymous() (Anonymous, error) {
	a := Anonymous{Username: s.Get("xpack.security.authc.anonymous.username")}
	for _, r := range strings.Split(s.Get("xpack.security.authc.anonymous.roles"), ",") {
		if r = strings.TrimSpace(r); r != "" {
			a.Roles = append(a.Roles, r)
		}
	}
	var err error
	a.AuthzException, err = parseBool("xpack.security.authc.anonymous.authz_exception", s.Get("xpack.security.authc.anonymous.authz_exception"))
	return a, err
}

func validateInt(key, value string) error {
	if _, err := strconv.Atoi(value); err != nil {
		return fmt.Errorf("Failed to parse value [%s] for setting [%s]", value, key)
	}
	return nil
}

func validateCacheHash(_, value string) error {
	_, err := passhash.ResolveCache(value)
	return err
}

func validateTimeValue(key, value string) error {
	_, err := parseTimeValue(key, value)
	return err
}

// parseTimeValue is Elasticsearch's TimeValue.parseTimeValue: a number with
// a unit (nanos, micros, ms, s, m, h, d), or the unit-less -1 and 0.
func parseTimeValue(key, value string) (time.Duration, error) {
	v := strings.ToLower(strings.TrimSpace(value))
	if v == "-1" || v == "0" {
		if v == "-1" {
			return -1, nil
		}
		return 0, nil
	}
	units := []struct {
		suffix string
		unit   time.Duration
	}{{"nanos", time.Nanosecond}, {"micros", time.Microsecond}, {"ms", time.Millisecond},
		{"s", time.Second}, {"m", time.Minute}, {"h", time.Hour}, {"d", 24 * time.Hour}}
	for _, u := range units {
		num, ok := strings.CutSuffix(v, u.suffix)
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("failed to parse setting [%s] with value [%s] as a time value: unit is missing or unrecognized", key, value)
		}
		if n < 0 && n != -1 {
			return 0, fmt.Errorf("failed to parse setting [%s] with value [%s] as a time value: negative durations are not supported", key, value)
		}
		return time.Duration(n) * u.unit, nil
	}
	return 0, fmt.Errorf("failed to parse setting [%s] with value [%s] as a time value: unit is missing or unrecognized", key, value)
}
