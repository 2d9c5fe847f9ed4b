package roles

import "encoding/json"

// The reserved roles' metadata (MetadataUtils).
func reservedMetadata() json.RawMessage { return json.RawMessage(`{"_reserved":true}`) }

func deprecatedMetadata(reason string) json.RawMessage {
	var b []byte
	b = append(b, `{"_reserved":true,"_deprecated":true,"_deprecated_reason":`...)
	r, _ := json.Marshal(reason)
	b = append(b, r...)
	return append(b, '}')
}

// Index patterns the reserved roles share.
const (
	alertsLegacyIndex         = ".siem-signals*"
	alertsBackingIndex        = ".internal.alerts*"
	alertsIndexAlias          = ".alerts*"
	previewAlertsIndexAlias   = ".preview.alerts*"
	previewAlertsBackingIndex = ".internal.preview.alerts*"
	listsIndex                = ".lists-*"
	listsItemsIndex           = ".items-*"
	stackIndices              = "/~(([.]|ilm-history-).*)/"
	monitoringMetrics         = "/metrics-(beats|elasticsearch|enterprisesearch|kibana|logstash).*/"
	monitoringBulk            = "cluster:admin/xpack/monitoring/bulk"
)

// idx builds an indices entry.
func idx(names []string, privileges ...string) IndexPrivileges {
	return IndexPrivileges{Names: names, Privileges: privileges}
}

// restricted is idx with allow_restricted_indices.
func restricted(names []string, privileges ...string) IndexPrivileges {
	ip := idx(names, privileges...)
	ip.AllowRestrictedIndices = true
	return ip
}

func names(n ...string) []string { return n }

func app(application string, privileges ...string) ApplicationPrivileges {
	return ApplicationPrivileges{Application: application, Privileges: privileges, Resources: []string{"*"}}
}

// remote makes remote_indices entries for all clusters.
func remote(ips ...IndexPrivileges) []RemoteIndexPrivileges {
	out := make([]RemoteIndexPrivileges, len(ips))
	for i, ip := range ips {
		out[i] = RemoteIndexPrivileges{IndexPrivileges: ip, Clusters: []string{"*"}}
	}
	return out
}

// role fills in what every reserved role has.
func role(d Descriptor) Descriptor {
	if d.Cluster == nil {
		d.Cluster = []string{}
	}
	if d.RunAs == nil {
		d.RunAs = []string{}
	}
	if d.Metadata == nil {
		d.Metadata = reservedMetadata()
	}
	return d
}

// Builtin returns Elasticsearch's reserved roles (ReservedRolesStore, as
// of 8.10, with remote_indices as when remote cluster security is
// enabled), keyed by name. Each call builds a fresh map, which callers may
// keep and change.
func Builtin() map[string]Descriptor {
	transformAudit := names(".transform-notifications-*", ".data-frame-notifications-*", ".transform-notifications-read")
	readCCS := func(n string) IndexPrivileges { return idx(names(n), "read", "read_cross_cluster") }
	list := []Descriptor{
		{
			Name:    "superuser",
			Cluster: []string{"all"},
			Indices: []IndexPrivileges{
				idx(names("*"), "all"),
				restricted(names("*"), "monitor", "read", "view_index_metadata", "read_cross_cluster"),
			},
			Applications: []ApplicationPrivileges{{Application: "*", Privileges: []string{"*"}, Resources: []string{"*"}}},
			RunAs:        []string{"*"},
			// superuser is built with an empty transient metadata map.
			TransientMetadata: json.RawMessage(`{}`),
			RemoteIndices: remote(
				idx(names("*"), "all"),
				restricted(names("*"), "monitor", "read", "view_index_metadata", "read_cross_cluster"),
			),
		},
		{Name: "transport_client", Cluster: []string{"transport_client"}},
		{Name: "kibana_admin", Applications: []ApplicationPrivileges{app("kibana-.kibana", "all")}},
		{
			Name:         "kibana_user",
			Applications: []ApplicationPrivileges{app("kibana-.kibana", "all")},
			Metadata:     deprecatedMetadata("Please use the [kibana_admin] role instead"),
		},
		{
			Name:    "monitoring_user",
			Cluster: []string{"cluster:monitor/main", "cluster:monitor/xpack/info", "cluster:monitor/remote/info"},
			Indices: []IndexPrivileges{
				readCCS(".monitoring-*"),
				readCCS(monitoringMetrics),
				readCCS("metricbeat-*"),
			},
			Applications:  []ApplicationPrivileges{app("kibana-*", "reserved_monitoring")},
			RemoteIndices: remote(readCCS(".monitoring-*"), readCCS(monitoringMetrics), readCCS("metricbeat-*")),
		},
		{
			Name: "remote_monitoring_agent",
			Cluster: []string{
				"manage_index_templates", "manage_ingest_pipelines", "monitor",
				"cluster:admin/ilm/get", "cluster:admin/ilm/put",
				"cluster:monitor/xpack/watcher/watch/get",
				"cluster:admin/xpack/watcher/watch/put",
				"cluster:admin/xpack/watcher/watch/delete",
			},
			Indices: []IndexPrivileges{
				idx(names(".monitoring-*"), "all"),
				idx(names("metricbeat-*"), "index", "create_index", "view_index_metadata", "indices:admin/aliases", "indices:admin/rollover"),
			},
		},
		{
			Name:    "remote_monitoring_collector",
			Cluster: []string{"monitor"},
			Indices: []IndexPrivileges{
				restricted(names("*"), "monitor"),
				restricted(names(".kibana*"), "read"),
			},
		},
		{Name: "ingest_admin", Cluster: []string{"manage_index_templates", "manage_pipeline"}},
		// reporting_user grants nothing in Elasticsearch; Kibana keys on it.
		{Name: "reporting_user", Metadata: deprecatedMetadata("Please use Kibana feature privileges instead")},
		kibanaSystem(),
		{Name: "logstash_system", Cluster: []string{"monitor", monitoringBulk}},
		{Name: "beats_admin", Indices: []IndexPrivileges{idx(names(".management-beats"), "all")}},
		{
			Name:    "beats_system",
			Cluster: []string{"monitor", monitoringBulk},
			Indices: []IndexPrivileges{idx(names(".monitoring-beats-*"), "create_index", "create")},
		},
		{
			Name:    "apm_system",
			Cluster: []string{"monitor", monitoringBulk},
			Indices: []IndexPrivileges{idx(names(".monitoring-beats-*"), "create_index", "create_doc")},
		},
		{
			Name: "apm_user",
			Indices: []IndexPrivileges{
				idx(names("apm-*"), "read", "view_index_metadata"),
				idx(names("logs-apm.*"), "read", "view_index_metadata"),
				idx(names("logs-apm-*"), "read", "view_index_metadata"),
				idx(names("metrics-apm.*"), "read", "view_index_metadata"),
				idx(names("metrics-apm-*"), "read", "view_index_metadata"),
				idx(names("traces-apm.*"), "read", "view_index_metadata"),
				idx(names("traces-apm-*"), "read", "view_index_metadata"),
				idx(names(".ml-anomalies*"), "read", "view_index_metadata"),
				idx(names("observability-annotations"), "read", "view_index_metadata"),
			},
			Applications: []ApplicationPrivileges{app("kibana-*", "reserved_ml_apm_user")},
			Metadata:     deprecatedMetadata("This role will be removed in a future major release. Please use editor and viewer roles instead"),
		},
		{
			Name:    "machine_learning_user",
			Cluster: []string{"monitor_ml"},
			Indices: []IndexPrivileges{
				idx(names(".ml-anomalies*", ".ml-notifications*"), "view_index_metadata", "read"),
				idx(names(".ml-annotations*"), "view_index_metadata", "read", "write"),
			},
			Applications: []ApplicationPrivileges{app("kibana-*", "reserved_ml_user")},
		},
		{
			Name:    "machine_learning_admin",
			Cluster: []string{"manage_ml"},
			Indices: []IndexPrivileges{
				restricted(names(".ml-anomalies*", ".ml-notifications*", ".ml-state*", ".ml-meta*", ".ml-stats-*"), "view_index_metadata", "read"),
				idx(names(".ml-annotations*"), "view_index_metadata", "read", "write"),
			},
			Applications: []ApplicationPrivileges{app("kibana-*", "reserved_ml_admin")},
		},
		{
			Name:         "data_frame_transforms_admin",
			Cluster:      []string{"manage_data_frame_transforms"},
			Indices:      []IndexPrivileges{idx(transformAudit, "view_index_metadata", "read")},
			Applications: []ApplicationPrivileges{app("kibana-*", "reserved_ml_user")},
			Metadata:     deprecatedMetadata("Please use the [transform_admin] role instead"),
		},
		{
			Name:         "data_frame_transforms_user",
			Cluster:      []string{"monitor_data_frame_transforms"},
			Indices:      []IndexPrivileges{idx(transformAudit, "view_index_metadata", "read")},
			Applications: []ApplicationPrivileges{app("kibana-*", "reserved_ml_user")},
			Metadata:     deprecatedMetadata("Please use the [transform_user] role instead"),
		},
		{
			Name:    "transform_admin",
			Cluster: []string{"manage_transform"},
			Indices: []IndexPrivileges{idx(transformAudit, "view_index_metadata", "read")},
		},
		{
			Name:    "transform_user",
			Cluster: []string{"monitor_transform"},
			Indices: []IndexPrivileges{idx(transformAudit, "view_index_metadata", "read")},
		},
		{
			Name:    "watcher_admin",
			Cluster: []string{"manage_watcher"},
			Indices: []IndexPrivileges{restricted(names(".watches", ".triggered_watches", ".watcher-history-*"), "read")},
		},
		{
			Name:    "watcher_user",
			Cluster: []string{"monitor_watcher"},
			Indices: []IndexPrivileges{
				restricted(names(".watches"), "read"),
				idx(names(".watcher-history-*"), "read"),
			},
		},
		{
			Name:    "logstash_admin",
			Cluster: []string{"manage_logstash_pipelines"},
			Indices: []IndexPrivileges{restricted(names(".logstash*"), "create", "delete", "index", "manage", "read")},
		},
		{Name: "rollup_user", Cluster: []string{"monitor_rollup"}},
		{Name: "rollup_admin", Cluster: []string{"manage_rollup"}},
		{
			Name:    "snapshot_user",
			Cluster: []string{"create_snapshot", "cluster:admin/repository/get"},
			Indices: []IndexPrivileges{restricted(names("*"), "view_index_metadata")},
		},
		{
			Name:    "enrich_user",
			Cluster: []string{"manage_enrich", "manage_ingest_pipelines", "monitor"},
			Indices: []IndexPrivileges{idx(names(".enrich-*"), "manage", "read", "write")},
		},
		{
			Name:    "viewer",
			Cluster: []string{},
			Indices: []IndexPrivileges{
				idx(names(stackIndices), "read", "view_index_metadata"),
				idx(names(alertsLegacyIndex, listsIndex, listsItemsIndex), "read", "view_index_metadata"),
				idx(names(alertsIndexAlias, previewAlertsIndexAlias), "read", "view_index_metadata"),
			},
			Applications: []ApplicationPrivileges{app("kibana-.kibana", "read")},
		},
		{
			Name:    "editor",
			Cluster: []string{},
			Indices: []IndexPrivileges{
				idx(names(stackIndices), "read", "view_index_metadata"),
				idx(names("observability-annotations"), "read", "view_index_metadata", "write"),
				idx(names(alertsLegacyIndex, listsIndex, listsItemsIndex), "read", "view_index_metadata", "write", "maintenance"),
				idx(names(alertsBackingIndex, alertsIndexAlias, previewAlertsBackingIndex, previewAlertsIndexAlias),
					"read", "view_index_metadata", "write", "maintenance"),
			},
			Applications: []ApplicationPrivileges{app("kibana-.kibana", "all")},
		},
	}
	out := make(map[string]Descriptor, len(list))
	for _, d := range list {
		out[d.Name] = role(d)
	}
	return out
}

// kibanaSystem is ReservedRolesStore.kibanaSystemRoleDescriptor (8.10).
func kibanaSystem() Descriptor {
	const (
		settingsUpdate = "indices:admin/settings/update"
		aliases        = "indices:admin/aliases"
	)
	return Descriptor{
		Name: "kibana_system",
		Cluster: []string{
			"monitor",
			"manage_index_templates",
			monitoringBulk,
			"manage_saml",
			"manage_token",
			"manage_oidc",
			"manage_pipeline",
			"manage_ilm",
			"manage_transform",
			"cluster:admin/xpack/security/api_key/invalidate",
			"grant_api_key",
			"manage_own_api_key",
			"cluster:admin/xpack/security/privilege/builtin/get",
			"delegate_pki",
			"cluster:admin/xpack/security/profile/get",
			"cluster:admin/xpack/security/profile/activate",
			"cluster:admin/xpack/security/profile/suggest",
			"cluster:admin/xpack/security/profile/has_privileges",
			"manage_ml",
			"cluster:admin/analyze",
			"monitor_text_structure",
			"cancel_task",
		},
		Global: &GlobalPrivileges{ManageApplications: []string{"kibana-*"}, WriteProfileData: []string{"kibana*"}},
		Indices: []IndexPrivileges{
			restricted(names(".kibana*", ".reporting-*"), "all"),
			idx(names(".monitoring-*"), "read", "read_cross_cluster"),
			idx(names(".management-beats"), "create_index", "read", "write"),
			idx(names(".ml-anomalies*", ".ml-stats-*"), "read"),
			idx(names(".ml-annotations*", ".ml-notifications*"), "read", "write"),
			restricted(names(".apm-agent-configuration"), "all"),
			restricted(names(".apm-custom-link"), "all"),
			restricted(names(".apm-source-map"), "all"),
			idx(names("apm-*"), "read", "read_cross_cluster"),
			idx(names("logs-apm.*"), "read", "read_cross_cluster"),
			idx(names("metrics-apm.*"), "read", "read_cross_cluster"),
			idx(names("traces-apm.*"), "read", "read_cross_cluster"),
			idx(names("traces-apm-*"), "read", "read_cross_cluster"),
			idx(names("synthetics-http-*", "synthetics-icmp-*", "synthetics-tcp-*", "synthetics-browser*"), "auto_configure", "read", "write"),
			idx(names("*"), "view_index_metadata", "monitor"),
			idx(names(".logs-endpoint.diagnostic.collection-*"), "read"),
			restricted(names(".fleet-secrets*"), "write", "delete", "create_index"),
			restricted(names(".fleet*"), "all"),
			idx(names("logs-elastic_agent*"), "read"),
			idx(names(alertsLegacyIndex), "all"),
			idx(names(listsIndex, listsItemsIndex), "all"),
			idx(names(alertsBackingIndex), "all"),
			idx(names(alertsIndexAlias), "all"),
			idx(names(previewAlertsIndexAlias), "all"),
			idx(names(previewAlertsBackingIndex), "all"),
			idx(names("metrics-endpoint.policy-*"), "read"),
			idx(names("metrics-endpoint.metrics-*"), "read"),
			idx(names("logs-endpoint.events.*"), "read"),
			idx(names(
				"logs-*",
				"synthetics-*",
				"traces-*",
				`/metrics-.*&~(metrics-endpoint\.metadata_current_default.*)/`,
				".logs-endpoint.action.responses-*",
				".logs-endpoint.diagnostic.collection-*",
				".logs-endpoint.actions-*",
				".logs-osquery_manager.actions-*",
				".logs-osquery_manager.action.responses-*",
				"profiling-*",
			), settingsUpdate, "indices:admin/mapping/put", "indices:admin/rollover"),
			idx(names(".logs-endpoint.action.responses-*"), "read"),
			idx(names(".logs-endpoint.actions-*"), "auto_configure", "read", "write"),
			idx(names(".logs-osquery_manager.action.responses-*"), "auto_configure", "create_index", "read", "index", "delete"),
			idx(names(".logs-osquery_manager.actions-*"), "auto_configure", "create_index", "read", "index", "write", "delete"),
			idx(names(
				".logs-endpoint.diagnostic.collection-*",
				"logs-apm-*",
				"logs-apm.*-*",
				"metrics-apm-*",
				"metrics-apm.*-*",
				"traces-apm-*",
				"traces-apm.*-*",
				"synthetics-http-*",
				"synthetics-icmp-*",
				"synthetics-tcp-*",
				"synthetics-browser-*",
				"synthetics-browser.network-*",
				"synthetics-browser.screenshot-*",
			), "indices:admin/delete"),
			idx(names("metrics-endpoint.metadata*"), "read", "view_index_metadata"),
			idx(names(
				"metrics-endpoint.metadata_current_default*",
				".metrics-endpoint.metadata_current_default*",
				".metrics-endpoint.metadata_united_default*",
			), "create_index", "delete_index", "read", "index", aliases, settingsUpdate),
			idx(names("logs-ti_*_latest.*"), "create_index", "delete_index", "read", "index", "delete", aliases, settingsUpdate),
			idx(names("logs-ti_*.*-*"), "indices:admin/delete", "read", "view_index_metadata"),
			idx(names("kibana_sample_data_*"), "create_index", "delete_index", "read", "index", "view_index_metadata", aliases, settingsUpdate),
			idx(names("logs-cloud_security_posture.findings-*", "logs-cloud_security_posture.vulnerabilities-*"), "read", "view_index_metadata"),
			idx(names(
				"logs-cloud_security_posture.findings_latest-default*",
				"logs-cloud_security_posture.scores-default*",
				"logs-cloud_security_posture.vulnerabilities_latest-default*",
			), "create_index", "read", "index", "delete", aliases, settingsUpdate),
			idx(names("risk-score.risk-*"), "all"),
			idx(names("logs-cloud_defend.*", "metrics-cloud_defend.*"), "read", "view_index_metadata"),
		},
		RemoteIndices: remote(
			idx(names(".monitoring-*"), "read", "read_cross_cluster"),
			idx(names("apm-*"), "read", "read_cross_cluster"),
			idx(names("logs-apm.*"), "read", "read_cross_cluster"),
			idx(names("metrics-apm.*"), "read", "read_cross_cluster"),
			idx(names("traces-apm.*"), "read", "read_cross_cluster"),
			idx(names("traces-apm-*"), "read", "read_cross_cluster"),
		),
	}
}

// IsReserved reports whether name is a reserved role's, without building
// the roles: it runs on every put and delete.
func IsReserved(name string) bool {
	switch name {
	case "superuser", "transport_client", "kibana_admin", "kibana_user", "monitoring_user",
		"remote_monitoring_agent", "remote_monitoring_collector", "ingest_admin", "reporting_user",
		"kibana_system", "logstash_system", "beats_admin", "beats_system", "apm_system", "apm_user",
		"machine_learning_user", "machine_learning_admin", "data_frame_transforms_admin",
		"data_frame_transforms_user", "transform_admin", "transform_user", "watcher_admin",
		"watcher_user", "logstash_admin", "rollup_user", "rollup_admin", "snapshot_user",
		"enrich_user", "viewer", "editor":
		return true
	}
	return false
}
