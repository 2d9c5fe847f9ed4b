package roles

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	// The lists in the unknown-privilege messages, in Elasticsearch's
	// access-level order.
	clusterNamesInMessage = "manage_own_api_key,manage_data_stream_global_retention,monitor_data_stream_global_retention,none," +
		"cancel_task,cross_cluster_replication,cross_cluster_search,delegate_pki,grant_api_key,manage_autoscaling," +
		"manage_index_templates,manage_logstash_pipelines,manage_oidc,manage_saml,manage_search_application," +
		"manage_search_query_rules,manage_search_synonyms,manage_service_account,manage_token,manage_user_profile," +
		"monitor_connector,monitor_enrich,monitor_inference,monitor_ml,monitor_rollup,monitor_snapshot," +
		"monitor_text_structure,monitor_watcher,post_behavioral_analytics_event,read_ccr,read_connector_secrets," +
		"read_fleet_secrets,read_ilm,read_pipeline,read_security,read_slm,transport_client,write_connector_secrets," +
		"write_fleet_secrets,create_snapshot,manage_behavioral_analytics,manage_ccr,manage_connector,manage_enrich," +
		"manage_ilm,manage_inference,manage_ml,manage_rollup,manage_slm,manage_watcher,monitor_data_frame_transforms," +
		"monitor_transform,manage_api_key,manage_ingest_pipelines,manage_pipeline,manage_data_frame_transforms," +
		"manage_transform,manage_security,monitor,manage,all"
	indexEntriesInMessage = "none=[none],create_doc=[create_doc],create=[create],auto_configure=[auto_configure]," +
		"create_index=[create_index],delete=[delete],delete_index=[delete_index],index=[index],maintenance=[maintenance]," +
		"manage_data_stream_lifecycle=[manage_data_stream_lifecycle],manage_follow_index=[manage_follow_index]," +
		"manage_ilm=[manage_ilm],manage_leader_index=[manage_leader_index],monitor=[monitor]," +
		"view_index_metadata=[view_index_metadata],cross_cluster_replication=[cross_cluster_replication]," +
		"cross_cluster_replication_internal=[cross_cluster_replication_internal],manage=[manage],read=[read]," +
		"read_cross_cluster=[read_cross_cluster],write=[write],all=[all]"
	roleNames507 = "Role names must be at least 1 and no more than 507 characters. They can contain alphanumeric " +
		"characters (a-z, A-Z, 0-9), spaces, punctuation, and printable symbols in the Basic Latin (ASCII) block. " +
		"Leading or trailing whitespace is not allowed."
)

func unknownCluster(name string) string {
	return "unknown cluster privilege [" + name + "]. a privilege must be either one of the predefined cluster privilege names [" +
		clusterNamesInMessage + "] or a pattern over one of the available cluster actions"
}

func unknownIndex(name string) string {
	return "unknown index privilege [" + name + "]. a privilege must be either one of the predefined fixed indices privileges [" +
		indexEntriesInMessage + "] or a pattern over one of the available index actions"
}

func TestValidate(t *testing.T) {
	const ave = "action_request_validation_exception: Validation Failed: "
	tests := []struct {
		name string
		role string
		body string
		want string
	}{
		{"valid", "r", `{"cluster":["ALL","monitor","cluster:admin/xpack/security/*","indices:admin/template/put"],` +
			`"indices":[{"names":"a","privileges":["READ","indices:data/read/search"]}],` +
			`"applications":[{"application":"*","privileges":["*"],"resources":["*"]},{"application":"kibana-.kibana","privileges":["feature_x.all","data:read/*"],"resources":["*"]},` +
			`{"application":"app*","privileges":["a"],"resources":["*"]},{"application":"my_app-x*","privileges":[""],"resources":["*"]}],` +
			`"metadata":{"a_":1,"b":{"_c":2}},"description":"` + strings.Repeat("é", MaxDescriptionLength) + `"}`, "<nil>"},
		{"reserved", "superuser", `{}`, ave + "1: Role [superuser] is reserved and may not be used.;"},
		{"native name limit", strings.Repeat("r", 508), `{}`, ave + "1: " + roleNames507 + ";"},
		{"unknown cluster privilege", "r", `{"cluster":["Foo","monitor","bar"]}`, ave + "1: " + unknownCluster("foo") + ";2: " + unknownCluster("bar") + ";"},
		{"index privilege set repeats", "r", `{"indices":[{"names":"a","privileges":["read","read"]}]}`, ave + "1: duplicate element: read;"},
		{"unknown index privilege", "r", `{"indices":[{"names":"a","privileges":["read","Nope","other"]}]}`, ave + "1: " + unknownIndex("nope") + ";"},
		{"remote indices", "r", `{"remote_indices":[{"names":"a","privileges":["x"],"clusters":["","c"]}]}`,
			ave + "1: remote index cluster alias cannot be an empty string;2: " + unknownIndex("x") + ";"},
		{"metadata key", "r", `{"metadata":{"_x":1}}`, ave + "1: role descriptor metadata keys may not start with [_];"},
		{"description too long", "r", `{"description":"` + strings.Repeat("x", MaxDescriptionLength+1) + `"}`,
			ave + "1: Role description must be less than 1000 characters.;"},
		{"application names", "r", `{"applications":[` +
			`{"application":"ap","privileges":["a"],"resources":["*"]},` +
			`{"application":"App","privileges":["a"],"resources":["*"]},` +
			`{"application":"a*b","privileges":["a"],"resources":["*"]},` +
			`{"application":"my app","privileges":["a"],"resources":["*"]},` +
			`{"application":"myapp-a/b","privileges":["a b"],"resources":["*"]}]}`,
			ave + "1: An application name prefix must be at least 3 characters long (found 'ap');" +
				"2: An application name prefix must match the pattern ^[a-z][A-Za-z0-9]*$ (found 'App');" +
				"3: Application name patterns only support trailing wildcards (found 'a*b');" +
				"4: Application names may not contain whitespace (found 'my app');" +
				`5: An application name suffix may not contain any of the characters ' "*\<|,>/?' (found 'a/b');` +
				"6: Application privilege names and actions must match the pattern ^\\p{Graph}*$ (found 'a b');"},
		{"all at once, name first", "kibana_system", `{"cluster":["x"],"metadata":{"_y":1}}`,
			ave + "1: Role [kibana_system] is reserved and may not be used.;2: " + unknownCluster("x") +
				";3: role descriptor metadata keys may not start with [_];"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseDescriptor(tt.role, []byte(tt.body), FromAPI)
			if err != nil {
				t.Fatalf("ParseDescriptor: %v", err)
			}
			if diff := cmp.Diff(tt.want, esError(d.Validate())); diff != "" {
				t.Errorf("Validate (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReservedDeleteError(t *testing.T) {
	if got := esError(ReservedDeleteError("superuser")); got != "illegal_argument_exception: role [superuser] is reserved and cannot be deleted" {
		t.Errorf("superuser: %s", got)
	}
	if err := ReservedDeleteError("mine"); err != nil {
		t.Errorf("mine: %v", err)
	}
}
