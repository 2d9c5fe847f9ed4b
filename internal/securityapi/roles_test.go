package securityapi_test

import (
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/server/servertest"
)

const myAdminRole = `{
  "cluster": ["monitor"],
  "indices": [{"names": ["index1", "index2"], "privileges": ["read", "write"],
    "field_security": {"grant": ["title", "body"]}, "query": "{\"match\": {\"title\": \"foo\"}}"}],
  "applications": [{"application": "myapp", "privileges": ["admin", "read"], "resources": ["*"]}],
  "run_as": ["other_user"],
  "metadata": {"version": 1}
}`

func TestRolesCRUD(t *testing.T) {
	s := servertest.Start(t)
	if got := s.MustCall(t, 200, "PUT", "/_security/role/my_admin_role?refresh=true", servertest.Admin, myAdminRole); got != `{"role":{"created":true}}` {
		t.Errorf("create: %s", got)
	}
	if got := s.MustCall(t, 200, "POST", "/_security/role/my_admin_role", servertest.Admin, myAdminRole); got != `{"role":{"created":false}}` {
		t.Errorf("update: %s", got)
	}
	want := `{"my_admin_role":{"cluster":["monitor"],"indices":[{"names":["index1","index2"],"privileges":["read","write"],` +
		`"field_security":{"grant":["title","body"]},"query":"{\"match\": {\"title\": \"foo\"}}","allow_restricted_indices":false}],` +
		`"applications":[{"application":"myapp","privileges":["admin","read"],"resources":["*"]}],"run_as":["other_user"],` +
		`"metadata":{"version":1},"transient_metadata":{"enabled":true}}}`
	if got := s.MustCall(t, 200, "GET", "/_security/role/my_admin_role", servertest.Admin, ""); got != want {
		t.Errorf("get:\n got %s\nwant %s", got, want)
	}
	all := s.MustCall(t, 200, "GET", "/_security/role", servertest.Admin, "")
	for _, n := range []string{`"superuser":{"cluster":["all"]`, `"viewer":`, `"my_admin_role":`, `"_reserved":true`} {
		if !strings.Contains(all, n) {
			t.Errorf("all roles lack %s", n)
		}
	}
	if got := s.MustCall(t, 200, "GET", "/_security/role/superuser,nope", servertest.Admin, ""); !strings.HasPrefix(got, `{"superuser":{"cluster":["all"]`) || strings.Contains(got, "nope") {
		t.Errorf("partial get: %.200s", got)
	}
	s.MustCall(t, 404, "GET", "/_security/role/nope", servertest.Admin, "")
	if got := s.MustCall(t, 200, "DELETE", "/_security/role/my_admin_role", servertest.Admin, ""); got != `{"found":true}` {
		t.Errorf("delete: %s", got)
	}
	if got := s.MustCall(t, 404, "DELETE", "/_security/role/my_admin_role", servertest.Admin, ""); got != `{"found":false}` {
		t.Errorf("delete missing: %s", got)
	}
	// Legacy path.
	if r := s.Call(t, "PUT", "/_xpack/security/role/legacy", servertest.Admin, `{"cluster":["monitor"]}`); r.Status != 200 || r.Header.Get("Warning") == "" {
		t.Errorf("legacy put role: %d %s", r.Status, r.Body)
	}
}

func TestRoleValidation(t *testing.T) {
	s := servertest.Start(t)
	tests := []struct {
		method, path, body string
		typ, reason        string
	}{
		{"PUT", "/_security/role/r", `{"cluster":["foo"]}`, "action_request_validation_exception", "Validation Failed: 1: unknown cluster privilege [foo]. a privilege must be either one of the predefined cluster privilege names ["},
		{"PUT", "/_security/role/superuser", `{"cluster":["all"]}`, "action_request_validation_exception", "Validation Failed: 1: Role [superuser] is reserved and may not be used.;"},
		{"PUT", "/_security/role/r", `{"foo":1}`, "parse_exception", "failed to parse role [r]. unexpected field [foo]"},
		{"PUT", "/_security/role/r", `{"metadata":{"_x":1}}`, "action_request_validation_exception", "Validation Failed: 1: role descriptor metadata keys may not start with [_];"},
		{"PUT", "/_security/role/r", ``, "parse_exception", "request body is required"},
		{"DELETE", "/_security/role/superuser", "", "illegal_argument_exception", "role [superuser] is reserved and cannot be deleted"},
		// Document-level security queries are checked when stored.
		{"PUT", "/_security/role/r", `{"indices":[{"names":["a"],"privileges":["read"]},{"names":["b"],"privileges":["read"],"query":"{not json"}]}`,
			"parse_exception", "failed to parse field 'query' for [1]th index privilege from role descriptor"},
		{"PUT", "/_security/role/r", `{"indices":[{"names":["a"],"privileges":["read"],"query":"[1]"}]}`,
			"parse_exception", "failed to parse field 'query' for [0]th index privilege from role descriptor\",\"caused_by\":{\"type\":\"parse_exception\",\"reason\":\"expected [START_OBJECT] but found [START_ARRAY] instead"},
		{"PUT", "/_security/role/r", `{"indices":[{"names":["a"],"privileges":["read"],"query":{"bool":{"filter":[{"term":{"x":1}},{"has_child":{"type":"c","query":{"match_all":{}}}}]}}}]}`,
			"parse_exception", "failed to parse field 'query' for [0]th index privilege from role descriptor\",\"caused_by\":{\"type\":\"illegal_argument_exception\",\"reason\":\"has_child query isn't supported as part of a role query"},
		{"PUT", "/_security/role/r", `{"indices":[{"names":["a"],"privileges":["read"],"query":{"terms":{"user":{"index":"users","id":"1","path":"groups"}}}}]}`,
			"parse_exception", "failed to parse field 'query' for [0]th index privilege from role descriptor\",\"caused_by\":{\"type\":\"illegal_argument_exception\",\"reason\":\"terms query with terms lookup isn't supported as part of a role query"},
	}
	for _, tt := range tests {
		r := s.Call(t, tt.method, tt.path, servertest.Admin, tt.body)
		if r.Status != 400 || !strings.Contains(r.Body, `"type":"`+tt.typ+`"`) || !strings.Contains(r.Body, `"reason":"`+tt.reason) {
			t.Errorf("%s %s %s: %d %s\nwant %s %s", tt.method, tt.path, tt.body, r.Status, r.Body, tt.typ, tt.reason)
		}
	}
	s.MustCall(t, 404, "GET", "/_security/role/r", servertest.Admin, "")
	// Templates are checked when used; a query as a string or an object is
	// kept.
	for _, q := range []string{`{"template":{"source":"{\"term\":{\"owner\":\"{{_user.username}}\"}}"}}`, `"{\"match\":{\"a\":1}}"`, `{"terms":{"user":["a","b"]}}`} {
		s.MustCall(t, 200, "PUT", "/_security/role/r", servertest.Admin, `{"indices":[{"names":["a"],"privileges":["read"],"query":`+q+`}]}`)
	}
}

// TestRolesDecideAccess covers issue #4's acceptance case: a user whose
// only role grants monitor calls health (allowed), puts a user (403 with
// the whole message) and changes its own password (allowed); role changes
// apply on the next request.
func TestRolesDecideAccess(t *testing.T) {
	s := servertest.Start(t)
	s.MustCall(t, 200, "PUT", "/_security/role/monitor_only", servertest.Admin, `{"cluster":["monitor"]}`)
	s.MustCall(t, 200, "PUT", "/_security/user/mo", servertest.Admin, `{"password":"mo-secret","roles":["monitor_only"]}`)
	s.MustCall(t, 200, "GET", "/_cluster/health", "mo:mo-secret", "")
	r := s.Call(t, "PUT", "/_security/user/x", "mo:mo-secret", `{"password":"secret1","roles":[]}`)
	want := servertest.ESError("security_exception", "action [cluster:admin/xpack/security/user/put] is unauthorized for user [mo] with effective roles [monitor_only], this action is granted by the cluster privileges [manage_security,all]", 403)
	if r.Status != 403 || r.Body != want {
		t.Errorf("put user as mo: %d %s", r.Status, r.Body)
	}
	s.MustCall(t, 200, "POST", "/_security/user/_password", "mo:mo-secret", `{"password":"mo-secret-2"}`)
	// A role change applies on the very next request...
	s.MustCall(t, 200, "PUT", "/_security/role/monitor_only", servertest.Admin, `{"cluster":["manage_security"]}`)
	s.MustCall(t, 403, "GET", "/_cluster/health", "mo:mo-secret-2", "")
	s.MustCall(t, 200, "GET", "/_security/user", "mo:mo-secret-2", "")
	// ...and so does deleting it.
	s.MustCall(t, 200, "DELETE", "/_security/role/monitor_only", servertest.Admin, "")
	r = s.Call(t, "GET", "/_security/user", "mo:mo-secret-2", "")
	if !strings.Contains(r.Body, "with effective roles [] (assigned roles [monitor_only] were not found)") {
		t.Errorf("after delete: %s", r.Body)
	}
	// An action pattern works as a privilege.
	s.MustCall(t, 200, "PUT", "/_security/role/health_only", servertest.Admin, `{"cluster":["cluster:monitor/health"]}`)
	s.MustCall(t, 200, "PUT", "/_security/user/ho", servertest.Admin, `{"password":"ho-secret","roles":["health_only"]}`)
	s.MustCall(t, 200, "GET", "/_cluster/health", "ho:ho-secret", "")
	s.MustCall(t, 403, "GET", "/", "ho:ho-secret", "")
	// Clearing the role cache answers with the nodes shape.
	if got := s.MustCall(t, 200, "POST", "/_security/role/health_only/_clear_cache", servertest.Admin, ""); !strings.HasPrefix(got, `{"_nodes":{"total":1,"successful":1,"failed":0}`) {
		t.Errorf("clear roles cache: %s", got)
	}
}

func TestPrivilegeAPIs(t *testing.T) {
	s := servertest.Start(t)
	s.MustCall(t, 200, "PUT", "/_security/role/logs", servertest.Admin,
		`{"cluster":["monitor"],"indices":[{"names":["logs-*"],"privileges":["read"]}],"applications":[{"application":"app","privileges":["read"],"resources":["r/*"]}]}`)
	s.MustCall(t, 200, "PUT", "/_security/user/rd", servertest.Admin, `{"password":"rd-secret","roles":["logs"]}`)
	got := s.MustCall(t, 200, "GET", "/_security/user/_privileges", "rd:rd-secret", "")
	want := `{"cluster":["monitor"],"global":[],"indices":[{"names":["logs-*"],"privileges":["read"],"allow_restricted_indices":false}],` +
		`"applications":[{"application":"app","privileges":["read"],"resources":["r/*"]}],"run_as":[]}`
	if got != want {
		t.Errorf("_privileges:\n got %s\nwant %s", got, want)
	}
	body := `{"cluster":["monitor","manage"],"index":[{"names":["logs-1","other"],"privileges":["read","write"]}],` +
		`"application":[{"application":"app","privileges":["read"],"resources":["r/1"]}]}`
	want = `{"username":"rd","has_all_requested":false,"cluster":{"monitor":true,"manage":false},` +
		`"index":{"logs-1":{"read":true,"write":false},"other":{"read":false,"write":false}},"application":{"app":{"r/1":{"read":true}}}}`
	for _, path := range []string{"/_security/user/_has_privileges", "/_security/user/rd/_has_privileges"} {
		if got := s.MustCall(t, 200, "POST", path, "rd:rd-secret", body); got != want {
			t.Errorf("POST %s:\n got %s\nwant %s", path, got, want)
		}
	}
	if got := s.MustCall(t, 200, "GET", "/_security/user/_has_privileges", servertest.Admin, `{"cluster":["all"]}`); got != `{"username":"elastic","has_all_requested":true,"cluster":{"all":true},"index":{},"application":{}}` {
		t.Errorf("elastic: %s", got)
	}
	tests := []struct {
		auth, path, body string
		status           int
		reason           string
	}{
		{"rd:rd-secret", "/_security/user/elastic/_has_privileges", `{"cluster":["all"]}`, 403,
			"action [cluster:admin/xpack/security/user/has_privileges] is unauthorized for user [rd] with effective roles [logs], this action is granted by the cluster privileges [read_ccr,read_security,manage_ccr,manage_security,all]"},
		{servertest.Admin, "/_security/user/rd/_has_privileges", `{"cluster":["all"]}`, 400, "users may only check the privileges of their own account"},
		{servertest.Admin, "/_security/user/_has_privileges", `{}`, 400, "Validation Failed: 1: must specify at least one privilege;"},
		{servertest.Admin, "/_security/user/_has_privileges", `{"cluster":["bogus"]}`, 400, "unknown cluster privilege [bogus]."},
		{servertest.Admin, "/_security/user/_has_privileges", `{"foo":[]}`, 400, "failed to parse privileges check [elastic/has_privileges]. unexpected field [foo]"},
	}
	for _, tt := range tests {
		r := s.Call(t, "POST", tt.path, tt.auth, tt.body)
		if r.Status != tt.status || !strings.Contains(r.Body, `"reason":"`+tt.reason) {
			t.Errorf("POST %s %s: %d %s\nwant %d %s", tt.path, tt.body, r.Status, r.Body, tt.status, tt.reason)
		}
	}
	s.MustCall(t, 403, "GET", "/_security/privilege/_builtin", "rd:rd-secret", "") // needs read_security
	if r := s.Call(t, "GET", "/_security/privilege/_builtin", servertest.Admin, ""); !strings.Contains(r.Body, `"cluster":["all",`) || !strings.Contains(r.Body, `"index":["all",`) {
		t.Errorf("_builtin: %s", r.Body)
	}
}
