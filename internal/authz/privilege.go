package authz

import (
	"sort"
	"strings"
)

// privilege is a named cluster privilege: the actions it grants are those
// matching an include pattern and no exclude pattern. Patterns are exact
// action names or end in a single "*".
type privilege struct {
	name             string
	include, exclude []string
	// partial privileges grant their patterns only for some requests (the
	// caller's own API keys), so they imply no other privilege.
	partial bool
}

// clusterPrivileges are Elasticsearch's named cluster privileges
// (ClusterPrivilegeResolver) that esauth knows.
func clusterPrivileges() []privilege {
	const security = "cluster:admin/xpack/security/*"
	all := []string{"cluster:*", "indices:admin/template/*", "indices:admin/index_template/*"}
	return []privilege{
		{name: "none"},
		{name: "all", include: all},
		{name: "manage", include: all, exclude: []string{security}},
		{name: "monitor", include: []string{"cluster:monitor/*", "indices:admin/template/get",
			"cluster:admin/component_template/get", "indices:admin/index_template/get"}},
		{name: "manage_security", include: []string{security},
			exclude: []string{"cluster:admin/xpack/security/delegate_pki"}},
		{name: "read_security", include: []string{
			"cluster:admin/xpack/security/api_key/get",
			"cluster:admin/xpack/security/api_key/query",
			"cluster:admin/xpack/security/privilege/builtin/get",
			"cluster:admin/xpack/security/privilege/get",
			"cluster:admin/xpack/security/profile/get",
			"cluster:admin/xpack/security/profile/has_privileges",
			"cluster:admin/xpack/security/profile/suggest",
			"cluster:admin/xpack/security/role/get",
			"cluster:admin/xpack/security/role/query",
			"cluster:admin/xpack/security/role_mapping/get",
			"cluster:admin/xpack/security/service_account/get",
			"cluster:admin/xpack/security/service_account/credential/get*",
			"cluster:admin/xpack/security/user/get",
			"cluster:admin/xpack/security/user/query",
			"cluster:admin/xpack/security/user/list_privileges",
			"cluster:admin/xpack/security/user/has_privileges",
			"cluster:admin/xpack/security/settings/get",
		}},
		{name: "manage_api_key", include: []string{"cluster:admin/xpack/security/api_key/*"}},
		// Elasticsearch narrows this one per request to the caller's own
		// keys; esauth has no API keys, so the action patterns suffice.
		{name: "manage_own_api_key", include: []string{"cluster:admin/xpack/security/api_key/*"}, partial: true},
		{name: "manage_token", include: []string{"cluster:admin/xpack/security/token/*"}},
		{name: "manage_user_profile", include: []string{"cluster:admin/xpack/security/profile/*"}},
		{name: "monitor_ml", include: []string{"cluster:monitor/xpack/ml/*"}},
		{name: "monitor_watcher", include: []string{"cluster:monitor/xpack/watcher/*"}},
	}
}

func (p privilege) grants(action string) bool {
	return matchAny(p.include, action) && !matchAny(p.exclude, action)
}

func matchAny(patterns []string, action string) bool {
	for _, p := range patterns {
		if match(p, action) {
			return true
		}
	}
	return false
}

// match reports whether action matches a pattern with "*" wildcards, each
// of which matches any run of characters (slashes included), as in
// Elasticsearch's action automatons.
func match(pattern, action string) bool {
	first, rest, wild := strings.Cut(pattern, "*")
	if !wild {
		return pattern == action
	}
	if !strings.HasPrefix(action, first) {
		return false
	}
	action = action[len(first):]
	for {
		if match(rest, action) {
			return true
		}
		if action == "" {
			return false
		}
		action = action[1:]
	}
}

// implies reports whether p grants every action q grants. Patterns are literals or end in
// "*", which makes the check exact: each of q's patterns must fall inside
// one of p's includes and stay clear of p's excludes unless q excludes the
// same actions.
func (p privilege) implies(q privilege) bool {
	if len(q.include) == 0 {
		return true
	}
	if p.partial {
		return false
	}
	for _, qi := range q.include {
		if !covered(p.include, qi) {
			return false
		}
		for _, pe := range p.exclude {
			if overlaps(pe, qi) && !covered(q.exclude, pe) {
				return false
			}
		}
	}
	return true
}

// covered reports whether some pattern in ps matches everything pattern q does.
func covered(ps []string, q string) bool {
	for _, p := range ps {
		if prefix, ok := strings.CutSuffix(p, "*"); ok {
			if strings.HasPrefix(strings.TrimSuffix(q, "*"), prefix) {
				return true
			}
		} else if p == q {
			return true
		}
	}
	return false
}

// overlaps reports whether two patterns match at least one common action.
func overlaps(a, b string) bool {
	ap, aw := strings.CutSuffix(a, "*")
	bp, bw := strings.CutSuffix(b, "*")
	switch {
	case aw && bw:
		return strings.HasPrefix(ap, bp) || strings.HasPrefix(bp, ap)
	case aw:
		return strings.HasPrefix(b, ap)
	case bw:
		return strings.HasPrefix(a, bp)
	}
	return a == b
}

// byAccessLevel orders privileges as Elasticsearch's sortByAccessLevel:
// by how many other privileges each implies, then by name, so that denial
// messages list the narrowest privilege first.
func byAccessLevel(privs []privilege) []privilege {
	level := make(map[string]int, len(privs))
	for _, p := range privs {
		for _, q := range privs {
			if p.name != q.name && p.implies(q) {
				level[p.name]++
			}
		}
	}
	out := append([]privilege(nil), privs...)
	sort.Slice(out, func(i, j int) bool {
		if level[out[i].name] != level[out[j].name] {
			return level[out[i].name] < level[out[j].name]
		}
		return out[i].name < out[j].name
	})
	return out
}
