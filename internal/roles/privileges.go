package roles

import (
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/esauth/esauth/internal/pattern"
)

// NamedClusterPrivilege is one of Elasticsearch's predefined cluster
// privileges (ClusterPrivilegeResolver): the actions it grants are those
// matching an Include pattern and no Exclude pattern. Every pattern is an
// action name, or one that ends in "*".
type NamedClusterPrivilege struct {
	Name             string
	Include, Exclude []string
	// Conditional privileges grant their actions only for some requests
	// (manage_own_api_key: the caller's own API keys), so they imply no
	// other privilege; a privilege that grants all of their actions
	// outright implies them.
	Conditional bool
	// include and exclude are Include and Exclude compiled, in the
	// privileges the lookups return.
	include, exclude *pattern.Set
}

// NamedIndexPrivilege is one of Elasticsearch's predefined index
// privileges (IndexPrivilege) and the index actions it grants.
type NamedIndexPrivilege struct {
	Name    string
	Include []string
	include *pattern.Set
}

// Action names used by more than one privilege.
const (
	securityActions     = "cluster:admin/xpack/security/*"
	clusterState        = "cluster:monitor/state"
	hasPrivileges       = "cluster:admin/xpack/security/user/has_privileges"
	invalidateToken     = "cluster:admin/xpack/security/token/invalidate"
	delegatePKI         = "cluster:admin/xpack/security/delegate_pki"
	snapshotStatus      = "cluster:admin/snapshot/status"
	ilmStatus           = "cluster:admin/ilm/operation_mode/get"
	remoteHandshake     = "cluster:internal/remote_cluster/handshake"
	remoteNodes         = "cluster:internal/remote_cluster/nodes"
	remoteBanParent     = "cluster:internal/remote_cluster/tasks/ban"
	remoteCancelChild   = "cluster:internal/remote_cluster/tasks/cancel_child"
	xpackInfo           = "cluster:monitor/xpack/info"
	connectorSecretGet  = "cluster:admin/xpack/connector/secret/get"
	resolveIndex        = "indices:admin/resolve/index"
	resolveCluster      = "indices:admin/resolve/cluster"
	searchShards        = "indices:admin/shards/search_shards"
	searchShardsNew     = "indices:admin/search/search_shards"
	autoPutMapping      = "indices:admin/mapping/auto_put"
	autoCreate          = "indices:admin/auto_create"
	fieldCaps           = "indices:data/read/field_caps*"
	rollupIndexCaps     = "indices:data/read/xpack/rollup/get/index/caps*"
	simulateBulk        = "indices:data/write/simulate/bulk*"
	proxyIndicesPattern = "internal:transport/proxy/indices:*"
)

// The tables with their patterns compiled, built once: they never change,
// and compiling on every authorization would cost more than deciding.
var (
	compiledCluster = sync.OnceValue(func() []NamedClusterPrivilege {
		ps := clusterPrivileges()
		for i := range ps {
			ps[i].include, ps[i].exclude = mustSet(ps[i].Include), mustSet(ps[i].Exclude)
		}
		return ps
	})
	compiledIndex = sync.OnceValue(func() []NamedIndexPrivilege {
		ps := indexPrivileges()
		for i := range ps {
			ps[i].include = mustSet(ps[i].Include)
		}
		return ps
	})
	clusterActions = sync.OnceValue(func() *pattern.Set {
		return mustSet([]string{"cluster:*", "indices:admin/template/*", "indices:admin/index_template/*"})
	})
	indexActions = sync.OnceValue(func() *pattern.Set { return mustSet([]string{"indices:*", proxyIndicesPattern}) })
)

// mustSet compiles a table's patterns, which are constants.
func mustSet(patterns []string) *pattern.Set {
	s, err := pattern.NewSet(patterns...)
	if err != nil {
		panic("roles: a privilege table pattern does not compile: " + err.Error())
	}
	return s
}

// clusterPrivileges lists the named cluster privileges of Elasticsearch
// 8.15 (ClusterPrivilegeResolver.VALUES), unsorted. It is a function, not a
// variable, so that no caller can change the table another one reads.
func clusterPrivileges() []NamedClusterPrivilege {
	all := []string{"cluster:*", "indices:admin/template/*", "indices:admin/index_template/*"}
	transform := []string{"cluster:admin/data_frame/*", "cluster:monitor/data_frame/*", "cluster:monitor/transform/*", "cluster:admin/transform/*"}
	monitorTransform := []string{"cluster:monitor/data_frame/*", "cluster:monitor/transform/*"}
	connectorSecrets := []string{connectorSecretGet, "cluster:admin/xpack/connector/secret/delete",
		"cluster:admin/xpack/connector/secret/post", "cluster:admin/xpack/connector/secret/put"}
	p := func(name string, include ...string) NamedClusterPrivilege {
		return NamedClusterPrivilege{Name: name, Include: include}
	}
	return []NamedClusterPrivilege{
		p("none"),
		p("all", all...),
		p("monitor", "cluster:monitor/*", "indices:admin/template/get", "cluster:admin/component_template/get", "indices:admin/index_template/get"),
		p("monitor_connector", "cluster:admin/xpack/connector/get", "cluster:admin/xpack/connector/list",
			"cluster:admin/xpack/connector/sync_job/get", "cluster:admin/xpack/connector/sync_job/list"),
		p("monitor_inference", "cluster:monitor/xpack/inference*", "cluster:monitor/xpack/ml/trained_models/deployment/infer"),
		p("monitor_ml", "cluster:monitor/xpack/ml/*"),
		p("monitor_text_structure", "cluster:monitor/text_structure/*"),
		p("monitor_data_frame_transforms", monitorTransform...),
		p("monitor_transform", monitorTransform...),
		p("monitor_watcher", "cluster:monitor/xpack/watcher/*"),
		p("monitor_rollup", "cluster:monitor/xpack/rollup/*"),
		p("monitor_enrich", "cluster:monitor/xpack/enrich/*", "cluster:admin/xpack/enrich/get"),
		{Name: "manage", Include: all, Exclude: []string{securityActions}},
		{Name: "manage_connector", Include: []string{"cluster:admin/xpack/connector/*"}, Exclude: connectorSecrets},
		p("manage_inference", "cluster:admin/xpack/inference/*", "cluster:monitor/xpack/inference*",
			"cluster:admin/xpack/ml/trained_models/deployment/start", "cluster:admin/xpack/ml/trained_models/deployment/stop",
			"cluster:monitor/xpack/ml/trained_models/deployment/infer"),
		p("manage_ml", "cluster:admin/xpack/ml/*", "cluster:monitor/xpack/ml/*"),
		p("manage_data_frame_transforms", transform...),
		p("manage_transform", transform...),
		p("manage_token", "cluster:admin/xpack/security/token/*"),
		p("manage_watcher", "cluster:admin/xpack/watcher/*", "cluster:monitor/xpack/watcher/*"),
		p("manage_index_templates", "indices:admin/template/*", "indices:admin/index_template/*", "cluster:admin/component_template/*"),
		p("manage_ingest_pipelines", "cluster:admin/ingest/pipeline/*"),
		p("read_pipeline", "cluster:admin/ingest/pipeline/get", "cluster:admin/ingest/pipeline/simulate"),
		p("transport_client", "cluster:monitor/nodes/liveness", clusterState),
		{Name: "manage_security", Include: []string{securityActions}, Exclude: []string{delegatePKI}},
		p("read_security",
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
			hasPrivileges,
			"cluster:admin/xpack/security/settings/get"),
		p("manage_saml", "cluster:admin/xpack/security/saml/*", invalidateToken,
			"cluster:admin/xpack/security/token/refresh", "cluster:monitor/xpack/security/saml/metadata"),
		p("manage_oidc", "cluster:admin/xpack/security/oidc/*"),
		p("manage_api_key", "cluster:admin/xpack/security/api_key/*"),
		p("grant_api_key", "cluster:admin/xpack/security/api_key/grant*"),
		p("manage_service_account", "cluster:admin/xpack/security/service_account/*"),
		p("manage_user_profile", "cluster:admin/xpack/security/profile/*"),
		p("manage_pipeline", "cluster:admin/ingest/pipeline/*"),
		p("manage_rollup", "cluster:admin/xpack/rollup/*", "cluster:monitor/xpack/rollup/*"),
		p("manage_autoscaling", "cluster:admin/autoscaling/*"),
		p("manage_ccr", "cluster:admin/xpack/ccr/*", clusterState, hasPrivileges),
		p("read_ccr", clusterState, hasPrivileges),
		p("create_snapshot", "cluster:admin/snapshot/create", snapshotStatus+"*", "cluster:admin/snapshot/get", snapshotStatus, "cluster:admin/repository/get"),
		p("monitor_snapshot", snapshotStatus+"*", "cluster:admin/snapshot/get", snapshotStatus, "cluster:admin/repository/get"),
		p("manage_ilm", "cluster:admin/ilm/*"),
		p("read_ilm", "cluster:admin/ilm/get", ilmStatus),
		p("manage_slm", "cluster:admin/slm/*", "cluster:admin/ilm/start", "cluster:admin/ilm/stop", ilmStatus),
		p("read_slm", "cluster:admin/slm/status", "cluster:admin/slm/get", ilmStatus),
		p("delegate_pki", delegatePKI, invalidateToken),
		// Granting is never the caller's own key (ManageOwnApiKeyClusterPrivilege
		// refuses every GrantApiKeyRequest).
		{Name: "manage_own_api_key", Include: []string{"cluster:admin/xpack/security/api_key/*"}, Exclude: []string{"cluster:admin/xpack/security/api_key/grant*"}, Conditional: true},
		p("manage_enrich", "cluster:admin/xpack/enrich/*", "cluster:monitor/xpack/enrich/*"),
		p("manage_logstash_pipelines", "cluster:admin/logstash/pipeline/*"),
		p("read_fleet_secrets", "cluster:admin/fleet/secrets/get"),
		p("write_fleet_secrets", "cluster:admin/fleet/secrets/post", "cluster:admin/fleet/secrets/delete"),
		p("cancel_task", "cluster:admin/tasks/cancel*"),
		p("manage_search_application", "cluster:admin/xpack/application/search_application/*"),
		p("manage_search_synonyms", "cluster:admin/synonyms/*", "cluster:admin/synonyms_sets/*", "cluster:admin/synonym_rules/*"),
		p("manage_behavioral_analytics", "cluster:admin/xpack/application/analytics/*"),
		p("post_behavioral_analytics_event", "cluster:admin/xpack/application/analytics/post_event"),
		p("manage_search_query_rules", "cluster:admin/xpack/query_rules/*"),
		p("cross_cluster_search", remoteHandshake, remoteNodes, remoteBanParent, remoteCancelChild, xpackInfo,
			"cluster:monitor/xpack/enrich/esql/resolve_policy",
			"cluster:internal:data/read/esql/open_exchange",
			"cluster:internal:data/read/esql/exchange"),
		p("cross_cluster_replication", remoteHandshake, remoteNodes, remoteBanParent, remoteCancelChild, xpackInfo, clusterState),
		p("read_connector_secrets", connectorSecretGet),
		p("write_connector_secrets", connectorSecrets[1:]...),
		// Both grant nothing in 8.15 (placeholders for a feature that
		// was later removed), but they are valid names.
		p("monitor_data_stream_global_retention"),
		p("manage_data_stream_global_retention"),
	}
}

// indexPrivileges lists the named index privileges of Elasticsearch 8.15
// (IndexPrivilege.VALUES), unsorted.
func indexPrivileges() []NamedIndexPrivilege {
	p := func(name string, include ...string) NamedIndexPrivilege {
		return NamedIndexPrivilege{Name: name, Include: include}
	}
	return []NamedIndexPrivilege{
		p("none"),
		p("all", "indices:*", proxyIndicesPattern),
		p("manage", "indices:monitor/*", "indices:admin/*", fieldCaps, rollupIndexCaps),
		p("create_index", "indices:admin/create", autoCreate, "indices:admin/data_stream/create"),
		p("monitor", "indices:monitor/*"),
		p("read", "indices:data/read/*", resolveIndex, resolveCluster),
		p("index", "indices:data/write/index*", "indices:data/write/bulk*", "indices:data/write/update*", simulateBulk),
		p("delete", "indices:data/write/delete*", "indices:data/write/bulk*"),
		p("write", "indices:data/write/*", autoPutMapping),
		p("create", "indices:data/write/index*", "indices:data/write/bulk*", simulateBulk),
		p("create_doc", "indices:data/write/index", "indices:data/write/index[*", "indices:data/write/index:op_type/create",
			"indices:data/write/bulk*", simulateBulk),
		p("delete_index", "indices:admin/delete", "indices:admin/data_stream/delete"),
		p("view_index_metadata",
			"indices:admin/aliases/get",
			"indices:admin/get",
			"indices:admin/mappings/fields/get*",
			"indices:admin/mappings/get",
			searchShards,
			searchShardsNew,
			"indices:admin/validate/query*",
			"indices:monitor/settings/get",
			"indices:admin/ilm/explain",
			"indices:admin/data_stream/lifecycle/get",
			"indices:admin/data_stream/lifecycle/explain",
			"indices:admin/data_stream/get",
			resolveIndex,
			resolveCluster,
			fieldCaps,
			rollupIndexCaps,
			"indices:monitor/transform/checkpoint*",
			"indices:monitor/get/metering/stats",
			"indices:admin/get/metering/stats"),
		p("read_cross_cluster", "internal:transport/proxy/indices:data/read/*", searchShards, searchShardsNew, resolveCluster,
			"indices:data/read/esql", "indices:data/read/esql/compute"),
		p("manage_follow_index", "indices:admin/xpack/ccr/put_follow", "indices:admin/xpack/ccr/unfollow", "indices:admin/close*",
			"indices:admin/data_stream/promote", "indices:admin/rollover"),
		p("manage_leader_index", "indices:admin/xpack/ccr/forget_follower*"),
		p("manage_ilm", "indices:admin/ilm/*"),
		p("manage_data_stream_lifecycle", "indices:admin/data_stream/lifecycle/*"),
		p("maintenance", "indices:admin/refresh*", "indices:admin/flush*", "indices:admin/synced_flush", "indices:admin/forcemerge*"),
		p("auto_configure", autoPutMapping, autoCreate),
		p("cross_cluster_replication", "indices:data/read/xpack/ccr/shard_changes*", "indices:monitor/stats*",
			"indices:admin/seq_no/add_retention_lease*", "indices:admin/seq_no/remove_retention_lease*",
			"indices:admin/seq_no/renew_retention_lease*"),
		p("cross_cluster_replication_internal",
			"indices:internal/admin/ccr/restore/session/clear*",
			"indices:internal/admin/ccr/restore/file_chunk/get*",
			"indices:internal/admin/ccr/restore/session/put*",
			"internal:transport/proxy/indices:internal/admin/ccr/restore/session/clear*",
			"internal:transport/proxy/indices:internal/admin/ccr/restore/file_chunk/get*"),
	}
}

// ClusterPrivilegeTable returns the named cluster privileges in the order
// Elasticsearch keeps them (sortByAccessLevel: by how many other
// privileges each implies, then by name), which is the order of the list
// in the unknown-privilege message and of "granted by" suggestions.
func ClusterPrivilegeTable() []NamedClusterPrivilege {
	privs := slices.Clone(compiledCluster())
	level := make(map[string]int, len(privs))
	for _, p := range privs {
		for _, q := range privs {
			if p.Name != q.Name && p.Implies(q) {
				level[p.Name]++
			}
		}
	}
	sort.Slice(privs, func(i, j int) bool {
		if level[privs[i].Name] != level[privs[j].Name] {
			return level[privs[i].Name] < level[privs[j].Name]
		}
		return privs[i].Name < privs[j].Name
	})
	return privs
}

// IndexPrivilegeTable returns the named index privileges in Elasticsearch's
// order (Privilege.sortByAccessLevel: those contained in the most others
// first, then by name).
func IndexPrivilegeTable() []NamedIndexPrivilege {
	privs := slices.Clone(compiledIndex())
	within := make(map[string]int, len(privs))
	for _, p := range privs {
		for _, q := range privs {
			if p.Name != q.Name && patternsWithin(p.Include, nil, q.Include, nil) {
				within[p.Name]++
			}
		}
	}
	sort.Slice(privs, func(i, j int) bool {
		if within[privs[i].Name] != within[privs[j].Name] {
			return within[privs[i].Name] > within[privs[j].Name]
		}
		return privs[i].Name < privs[j].Name
	})
	return privs
}

// ClusterPrivilegeNames returns the names of the predefined cluster
// privileges sorted, as GET /_security/privilege/_builtin lists them
// (TransportGetBuiltinPrivilegesAction copies them into a TreeSet).
func ClusterPrivilegeNames() []string {
	var names []string
	for _, p := range clusterPrivileges() {
		names = append(names, p.Name)
	}
	sort.Strings(names)
	return names
}

// IndexPrivilegeNames returns the names of the predefined index privileges
// sorted, as GET /_security/privilege/_builtin lists them.
func IndexPrivilegeNames() []string {
	var names []string
	for _, p := range indexPrivileges() {
		names = append(names, p.Name)
	}
	sort.Strings(names)
	return names
}

// LookupClusterPrivilege returns the named cluster privilege; names are
// case-insensitive, as in Elasticsearch.
func LookupClusterPrivilege(name string) (NamedClusterPrivilege, bool) {
	name = strings.ToLower(name)
	for _, p := range compiledCluster() {
		if p.Name == name {
			return p, true
		}
	}
	return NamedClusterPrivilege{}, false
}

// LookupIndexPrivilege returns the named index privilege (case-insensitive).
func LookupIndexPrivilege(name string) (NamedIndexPrivilege, bool) {
	name = strings.ToLower(name)
	for _, p := range compiledIndex() {
		if p.Name == name {
			return p, true
		}
	}
	return NamedIndexPrivilege{}, false
}

// IsClusterAction reports whether a (lower-cased) cluster privilege is an
// action pattern rather than a name: Elasticsearch accepts anything that
// matches one of the "all" privilege's patterns and grants it as name+"*".
func IsClusterAction(s string) bool { return clusterActions().Match(s) }

// IsIndexAction reports whether an index privilege is an action pattern.
func IsIndexAction(s string) bool { return indexActions().Match(s) }

// Grants reports whether the privilege grants action. Conditional
// privileges report the actions they may grant.
func (p NamedClusterPrivilege) Grants(action string) bool {
	if p.include == nil { // not from the lookups
		return matchAny(p.Include, action) && !matchAny(p.Exclude, action)
	}
	return p.include.Match(action) && !p.exclude.Match(action)
}

// Grants reports whether the privilege grants action.
func (p NamedIndexPrivilege) Grants(action string) bool {
	if p.include == nil {
		return matchAny(p.Include, action)
	}
	return p.include.Match(action)
}

// Implies reports whether p grants every action q grants, as
// ClusterPermission.implies decides it: a conditional privilege implies
// only itself (not even "none"), and every other privilege implies those whose
// actions it covers, conditional or not, including those that grant
// nothing. The 7.x error message captured in the tests pins this down.
func (p NamedClusterPrivilege) Implies(q NamedClusterPrivilege) bool {
	if p.Conditional {
		// It implies itself alone (ManageOwnClusterPermissionCheck.doImplies).
		return q.Name == p.Name
	}
	return patternsWithin(q.Include, q.Exclude, p.Include, p.Exclude)
}

// patternsWithin reports whether the actions of (inc minus exc) are all in
// (outInc minus outExc). It is exact for patterns that are literals or end
// in a single "*", which all of the tables' patterns are: each of inc must
// fall inside one of outInc, and any of outExc that reaches into it must be
// excluded by exc as well.
func patternsWithin(inc, exc, outInc, outExc []string) bool {
	for _, i := range inc {
		if !covered(outInc, i) {
			return false
		}
		for _, e := range outExc {
			if overlaps(e, i) && !covered(exc, e) {
				return false
			}
		}
	}
	return true
}

// covered reports whether some pattern in ps matches everything q does.
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

// matchAny reports whether s matches one of the patterns.
func matchAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if pattern.Match(p, s) {
			return true
		}
	}
	return false
}
