package roles

import (
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestAccessLevelOrderMatchesElasticsearch checks the implication rules
// against a real message: an unknown-privilege error from a 7.x cluster
// (elastic/apm-server#6396), whose 41 privileges esauth's table still
// has. Sorting those with esauth's Implies must give the same order.
func TestAccessLevelOrderMatchesElasticsearch(t *testing.T) {
	const captured = "manage_own_api_key,none,cancel_task,delegate_pki,grant_api_key,manage_autoscaling,manage_enrich," +
		"manage_index_templates,manage_logstash_pipelines,manage_oidc,manage_saml,manage_service_account,manage_token," +
		"monitor_ml,monitor_rollup,monitor_snapshot,monitor_text_structure,monitor_watcher,read_ccr,read_ilm,read_pipeline," +
		"read_slm,transport_client,create_snapshot,manage_ccr,manage_ilm,manage_ml,manage_rollup,manage_slm,manage_watcher," +
		"monitor_data_frame_transforms,monitor_transform,manage_api_key,manage_ingest_pipelines,manage_pipeline," +
		"manage_data_frame_transforms,manage_transform,manage_security,monitor,manage,all"
	keep := map[string]bool{}
	for _, n := range strings.Split(captured, ",") {
		keep[n] = true
	}
	var sub []NamedClusterPrivilege
	for _, p := range clusterPrivileges() {
		if keep[p.Name] {
			sub = append(sub, p)
		}
	}
	level := map[string]int{}
	for _, p := range sub {
		for _, q := range sub {
			if p.Name != q.Name && p.Implies(q) {
				level[p.Name]++
			}
		}
	}
	sort.Slice(sub, func(i, j int) bool {
		if level[sub[i].Name] != level[sub[j].Name] {
			return level[sub[i].Name] < level[sub[j].Name]
		}
		return sub[i].Name < sub[j].Name
	})
	var got []string
	for _, p := range sub {
		got = append(got, p.Name)
	}
	if diff := cmp.Diff(strings.Split(captured, ","), got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}

func TestPrivilegeNames(t *testing.T) {
	cluster := ClusterPrivilegeNames()
	if len(cluster) != 61 || !sort.StringsAreSorted(cluster) {
		t.Errorf("ClusterPrivilegeNames: %d names, sorted %v", len(cluster), sort.StringsAreSorted(cluster))
	}
	index := IndexPrivilegeNames()
	want := []string{"all", "auto_configure", "create", "create_doc", "create_index", "cross_cluster_replication",
		"cross_cluster_replication_internal", "delete", "delete_index", "index", "maintenance", "manage",
		"manage_data_stream_lifecycle", "manage_follow_index", "manage_ilm", "manage_leader_index", "monitor", "none",
		"read", "read_cross_cluster", "view_index_metadata", "write"}
	if diff := cmp.Diff(want, index); diff != "" {
		t.Errorf("IndexPrivilegeNames (-want +got):\n%s", diff)
	}
	var table []string
	for _, p := range ClusterPrivilegeTable() {
		table = append(table, p.Name)
	}
	if got := strings.Join(table, ","); got != clusterNamesInMessage {
		t.Errorf("ClusterPrivilegeTable order:\n got %s\nwant %s", got, clusterNamesInMessage)
	}
}

func TestGrants(t *testing.T) {
	p := func(name string) NamedClusterPrivilege {
		t.Helper()
		priv, ok := LookupClusterPrivilege(name)
		if !ok {
			t.Fatalf("no cluster privilege %q", name)
		}
		return priv
	}
	tests := []struct {
		priv, action string
		want         bool
	}{
		{"all", "cluster:admin/xpack/security/user/put", true},
		{"manage", "cluster:admin/xpack/security/user/put", false},
		{"manage", "cluster:admin/settings/update", true},
		{"manage_security", "cluster:admin/xpack/security/delegate_pki", false},
		{"read_security", "cluster:admin/xpack/security/user/get", true},
		{"read_security", "cluster:admin/xpack/security/user/put", false},
		{"monitor", "cluster:monitor/health", true},
		{"MONITOR", "indices:admin/index_template/get", true},
		{"none", "cluster:monitor/health", false},
	}
	for _, tt := range tests {
		if got := p(tt.priv).Grants(tt.action); got != tt.want {
			t.Errorf("%s grants %s = %v, want %v", tt.priv, tt.action, got, tt.want)
		}
	}
	if ip, _ := LookupIndexPrivilege("read"); !ip.Grants("indices:data/read/search") || ip.Grants("indices:data/write/index") {
		t.Errorf("read index privilege grants the wrong actions")
	}
	if !p("manage_security").Implies(p("manage_own_api_key")) || p("manage_own_api_key").Implies(p("none")) ||
		!p("manage_own_api_key").Implies(p("manage_own_api_key")) {
		t.Errorf("conditional privilege implication is wrong")
	}
}

func TestActionKinds(t *testing.T) {
	if !IsClusterAction("cluster:admin/foo") || !IsClusterAction("indices:admin/template/put") || IsClusterAction("indices:data/read/search") {
		t.Error("IsClusterAction")
	}
	if !IsIndexAction("indices:data/read/search") || IsIndexAction("cluster:monitor/health") {
		t.Error("IsIndexAction")
	}
}
