package authz

import (
	"context"
	"encoding/json"
)

// Role is a role's cluster part: named privileges or action patterns.
type Role struct {
	Name     string
	Cluster  []string
	Metadata json.RawMessage
}

// RoleSource resolves role names; names it does not know are left out of
// the result (they grant nothing and are reported as not found).
type RoleSource interface {
	Roles(ctx context.Context, names []string) (map[string]Role, error)
}

// Builtin is the RoleSource of Elasticsearch's reserved roles
// (ReservedRolesStore), cluster privileges only.
type Builtin map[string]Role

// BuiltinRoles returns the reserved roles.
func BuiltinRoles() Builtin {
	reserved := json.RawMessage(`{"_reserved":true}`)
	const monitoringBulk = "cluster:admin/xpack/monitoring/bulk"
	roles := map[string][]string{
		"superuser":                   {"all"},
		"viewer":                      {},
		"editor":                      {},
		"kibana_admin":                {},
		"kibana_user":                 {},
		"monitoring_user":             {"cluster:monitor/main", "cluster:monitor/xpack/info", "cluster:monitor/remote/info"},
		"kibana_system":               {"monitor", "manage_index_templates", monitoringBulk, "manage_saml", "manage_token", "manage_oidc", "manage_enrich", "manage_pipeline", "manage_ilm", "manage_transform", "cluster:admin/xpack/security/api_key/invalidate", "grant_api_key", "manage_own_api_key", "cluster:admin/xpack/security/privilege/builtin/get", "delegate_pki", "manage_ml", "cluster:admin/analyze", "cancel_task"},
		"logstash_system":             {"monitor", monitoringBulk},
		"logstash_admin":              {"manage_logstash_pipelines"},
		"beats_system":                {"monitor", monitoringBulk},
		"beats_admin":                 {},
		"apm_system":                  {"monitor", monitoringBulk},
		"remote_monitoring_agent":     {"manage_index_templates", "manage_ingest_pipelines", "monitor", "cluster:admin/ilm/get", "cluster:admin/ilm/put", "cluster:monitor/xpack/watcher/watch/get", "cluster:admin/xpack/watcher/watch/put", "cluster:admin/xpack/watcher/watch/delete"},
		"remote_monitoring_collector": {"monitor"},
		"ingest_admin":                {"manage_index_templates", "manage_pipeline"},
		"transport_client":            {"transport_client"},
		"reporting_user":              {},
		"machine_learning_user":       {"monitor_ml"},
		"machine_learning_admin":      {"manage_ml"},
		"watcher_user":                {"monitor_watcher"},
		"watcher_admin":               {"manage_watcher"},
	}
	b := make(Builtin, len(roles))
	for name, cluster := range roles {
		b[name] = Role{Name: name, Cluster: cluster, Metadata: reserved}
	}
	return b
}

// Roles implements RoleSource.
func (b Builtin) Roles(_ context.Context, names []string) (map[string]Role, error) {
	out := make(map[string]Role, len(names))
	for _, n := range names {
		if r, ok := b[n]; ok {
			out[n] = r
		}
	}
	return out, nil
}
