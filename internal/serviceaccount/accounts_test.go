package serviceaccount

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/rest"
	"github.com/esauth/esauth/internal/roles"
)

// The role descriptors of GET /_security/service, byte for byte, as
// transcribed from ElasticServiceAccounts (8.19) and rendered by
// RoleDescriptor.toXContent.
const (
	fleetServerJSON = `{"cluster":["monitor","manage_own_api_key","read_fleet_secrets","cluster:admin/xpack/connector/*"],"indices":[` +
		`{"names":["logs-*","metrics-*","traces-*",".logs-endpoint.diagnostic.collection-*",".logs-endpoint.action.responses-*",".logs-endpoint.heartbeat-*"],"privileges":["write","create_index","auto_configure"],"allow_restricted_indices":false},` +
		`{"names":["profiling-*"],"privileges":["read","write"],"allow_restricted_indices":false},` +
		`{"names":["traces-apm.sampled-*"],"privileges":["read","monitor","maintenance"],"allow_restricted_indices":false},` +
		`{"names":[".fleet-secrets*"],"privileges":["read"],"allow_restricted_indices":true},` +
		`{"names":[".fleet-actions*"],"privileges":["read","write","monitor","create_index","auto_configure","maintenance"],"allow_restricted_indices":true},` +
		`{"names":[".fleet-agents*"],"privileges":["read","write","monitor","create_index","auto_configure","maintenance"],"allow_restricted_indices":true},` +
		`{"names":[".fleet-artifacts*"],"privileges":["read","write","monitor","create_index","auto_configure","maintenance"],"allow_restricted_indices":true},` +
		`{"names":[".fleet-enrollment-api-keys*"],"privileges":["read","write","monitor","create_index","auto_configure","maintenance"],"allow_restricted_indices":true},` +
		`{"names":[".fleet-policies*"],"privileges":["read","write","monitor","create_index","auto_configure","maintenance"],"allow_restricted_indices":true},` +
		`{"names":[".fleet-policies-leader*"],"privileges":["read","write","monitor","create_index","auto_configure","maintenance"],"allow_restricted_indices":true},` +
		`{"names":[".fleet-servers*"],"privileges":["read","write","monitor","create_index","auto_configure","maintenance"],"allow_restricted_indices":true},` +
		`{"names":[".fleet-fileds*"],"privileges":["read","write","monitor","create_index","auto_configure","maintenance"],"allow_restricted_indices":true},` +
		`{"names":["synthetics-*"],"privileges":["read","write","create_index","auto_configure"],"allow_restricted_indices":false},` +
		`{"names":[".elastic-connectors*"],"privileges":["read","write","monitor","create_index","auto_configure","maintenance","view_index_metadata"],"allow_restricted_indices":false},` +
		`{"names":["content-*",".search-acl-filter-*"],"privileges":["read","write","monitor","create_index","auto_configure","maintenance","view_index_metadata"],"allow_restricted_indices":false},` +
		`{"names":["agentless-*"],"privileges":["read","write","monitor","create_index","auto_configure","maintenance","view_index_metadata"],"allow_restricted_indices":false}],` +
		`"applications":[{"application":"kibana-*","privileges":["reserved_fleet-setup"],"resources":["*"]}],` +
		`"run_as":[],"metadata":{},"transient_metadata":{"enabled":true}}`
	fleetServerRemoteJSON = `{"cluster":["monitor","manage_own_api_key"],"indices":[` +
		`{"names":["logs-*","metrics-*","traces-*"],"privileges":["write","create_index","auto_configure"],"allow_restricted_indices":false}],` +
		`"applications":[],"run_as":[],"metadata":{},"transient_metadata":{"enabled":true}}`
	autoOpsJSON = `{"cluster":["monitor","read_ilm","read_slm"],"indices":[` +
		`{"names":["*"],"privileges":["monitor","view_index_metadata"],"allow_restricted_indices":true}],` +
		`"applications":[],"run_as":[],"metadata":{},"transient_metadata":{"enabled":true}}`
	enterpriseSearchJSON = `{"cluster":["manage","manage_security","read_connector_secrets","write_connector_secrets"],"indices":[` +
		`{"names":["search-*",".search-acl-filter-*",".elastic-analytics-collections",".ent-search-*",".monitoring-ent-search-*",` +
		`"metricbeat-ent-search-*","enterprise-search-*","logs-app_search.analytics-default","logs-elastic_analytics.events-*",` +
		`"logs-enterprise_search.api-default","logs-enterprise_search.audit-default","logs-app_search.search_relevance_suggestions-default",` +
		`"logs-crawler-default","logs-elastic_crawler-default","logs-workplace_search.analytics-default",` +
		`"logs-workplace_search.content_events-default",".elastic-connectors*"],"privileges":["manage","read","write"],"allow_restricted_indices":false}],` +
		`"applications":[],"run_as":[],"metadata":{},"transient_metadata":{"enabled":true}}`
)

// kibanaJSON is ReservedRolesStore.kibanaSystemRoleDescriptor: the
// kibana_system role esauth ships, under another name.
func kibanaJSON(t *testing.T) string {
	t.Helper()
	b, err := roles.Builtin()["kibana_system"].MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func appendJSON(t *testing.T, v interface {
	AppendJSON([]byte) ([]byte, error)
}) string {
	t.Helper()
	b, err := v.AppendJSON(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(b) {
		t.Fatalf("invalid JSON: %s", b)
	}
	return string(b)
}

func TestGetAccounts(t *testing.T) {
	all := `{"elastic/fleet-server":{"role_descriptor":` + fleetServerJSON + `},` +
		`"elastic/fleet-server-remote":{"role_descriptor":` + fleetServerRemoteJSON + `},` +
		`"elastic/auto-ops":{"role_descriptor":` + autoOpsJSON + `},` +
		`"elastic/kibana":{"role_descriptor":` + kibanaJSON(t) + `},` +
		`"elastic/enterprise-search-server":{"role_descriptor":` + enterpriseSearchJSON + `}}`
	for _, tt := range []struct{ namespace, service, want string }{
		{"", "", all},
		{"elastic", "", all},
		{"elastic", "fleet-server", `{"elastic/fleet-server":{"role_descriptor":` + fleetServerJSON + `}}`},
		{"elastic", "auto-ops", `{"elastic/auto-ops":{"role_descriptor":` + autoOpsJSON + `}}`},
		{"elastic", "enterprise-search-server", `{"elastic/enterprise-search-server":{"role_descriptor":` + enterpriseSearchJSON + `}}`},
		{"elastic", "fleet-server-remote", `{"elastic/fleet-server-remote":{"role_descriptor":` + fleetServerRemoteJSON + `}}`},
		{"elastic", "kibana", `{"elastic/kibana":{"role_descriptor":` + kibanaJSON(t) + `}}`},
		// No match is an empty object (ServiceAccountIT: foo, elastic/foo, foo/bar).
		{"foo", "", `{}`},
		{"elastic", "foo", `{}`},
		{"foo", "bar", `{}`},
		{"Elastic", "kibana", `{}`},
		{"elastic", "fleet", `{}`},
	} {
		if got := appendJSON(t, GetAccounts(tt.namespace, tt.service)); got != tt.want {
			t.Errorf("GetAccounts(%q, %q) =\n%s\nwant\n%s", tt.namespace, tt.service, got, tt.want)
		}
	}
}

// javaHashMapOrder is the iteration order of a java.util.HashMap of the
// default capacity (16 buckets, enough for 12 keys) filled with keys in
// the given order: by bucket, then by insertion.
func javaHashMapOrder(keys []string) []string {
	bucket := func(s string) uint32 {
		var h int32
		for _, c := range s { // ASCII keys: one char per byte
			h = 31*h + int32(c)
		}
		u := uint32(h)
		return (u ^ u>>16) & 15
	}
	out := slices.Clone(keys)
	slices.SortStableFunc(out, func(a, b string) int { return int(bucket(a)) - int(bucket(b)) })
	return out
}

// TestPrincipalsOrder checks the order of ACCOUNTS.keySet(), which
// FileTokensTool prints in its "Must be one of" message. The accounts
// are inserted in the order the source lists them.
func TestPrincipalsOrder(t *testing.T) {
	source := []string{"elastic/auto-ops", "elastic/enterprise-search-server", "elastic/fleet-server",
		"elastic/fleet-server-remote", "elastic/kibana"}
	want := javaHashMapOrder(source)
	if got := Principals(); !slices.Equal(got, want) {
		t.Errorf("Principals() = %v, want %v", got, want)
	}
	if len(want) > 12 {
		t.Error("more accounts than a default HashMap holds before resizing; recompute the order")
	}
}

func TestAccounts(t *testing.T) {
	for _, a := range Accounts() {
		d := a.Role()
		if d.Name != a.Principal() {
			t.Errorf("%s: role named %q", a.Principal(), d.Name)
		}
		// Every privilege is one the authorizer knows (the reserved
		// metadata of elastic/kibana is no concern here).
		v := d
		v.Metadata = nil
		if err := v.Validate(); err != nil {
			t.Errorf("%s: %v", a.Principal(), err)
		}
		for _, c := range d.Cluster {
			if _, ok := roles.LookupClusterPrivilege(c); !ok && !roles.IsClusterAction(strings.TrimSuffix(c, "*")+"x") {
				t.Errorf("%s: unknown cluster privilege %q", a.Principal(), c)
			}
		}
		for _, ip := range d.Indices {
			for _, p := range ip.Privileges {
				if _, ok := roles.LookupIndexPrivilege(p); !ok && !roles.IsIndexAction(p) {
					t.Errorf("%s: unknown index privilege %q", a.Principal(), p)
				}
			}
		}
		u := a.User()
		if u.Username != a.Principal() || len(u.Roles) != 0 || u.Roles == nil || *u.FullName != "Service account - "+a.Principal() ||
			u.Email != nil || string(u.Metadata) != `{"_elastic_service_account":true}` || !u.Enabled {
			t.Errorf("%s: user %+v", a.Principal(), u)
		}
		if got, ok := Lookup(a.Principal()); !ok || got != a {
			t.Errorf("Lookup(%s) = %v, %v", a.Principal(), got, ok)
		}
	}
	for _, p := range []string{"", "elastic", "elastic/", "elastic/fleet", "Elastic/kibana", "elastic/kibana/x", "foo/kibana"} {
		if _, ok := Lookup(p); ok {
			t.Errorf("Lookup(%q) found an account", p)
		}
	}
}

// TestRoleIsACopy checks that a caller changing a role changes no other
// caller's.
func TestRoleIsACopy(t *testing.T) {
	a, _ := Lookup("elastic/kibana")
	before := appendJSON(t, GetAccounts("elastic", "kibana"))
	d := a.Role()
	d.Cluster[0] = "all"
	d.Indices[0].Names[0] = "*"
	d.Indices[0].Privileges = append(d.Indices[0].Privileges[:0], "all")
	d.Applications = append(d.Applications, roles.ApplicationPrivileges{Application: "x"})
	d.Global.ManageApplications[0] = "*"
	d.RemoteIndices[0].Clusters[0] = "evil"
	d.RemoteIndices[0].Names[0] = "*"
	d.Metadata[2] = 'X'
	if after := appendJSON(t, GetAccounts("elastic", "kibana")); after != before {
		t.Error("changing a Role() changed the account")
	}
	if again := a.Role(); again.Cluster[0] != "monitor" {
		t.Errorf("a second Role() sees the change: %v", again.Cluster)
	}
}

// TestDocVersion checks the documents' version against the version esauth
// answers as.
func TestDocVersion(t *testing.T) {
	var major, minor, patch int
	for i, p := range strings.Split(rest.Version, ".") {
		n := 0
		for _, c := range p {
			n = n*10 + int(c-'0')
		}
		switch i {
		case 0:
			major = n
		case 1:
			minor = n
		case 2:
			patch = n
		}
	}
	if want := major*1_000_000 + minor*10_000 + patch*100 + 99; docVersion != want {
		t.Errorf("docVersion = %d, want %d for %s", docVersion, want, rest.Version)
	}
}
