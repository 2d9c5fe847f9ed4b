package securityapi_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/server/servertest"
)

const kibanaPrivileges = `{"kibana-.kibana":{
  "all":{"application":"kibana-.kibana","name":"all","actions":["login:","ui:*","saved_object:*","login:"],"metadata":{"v":1}},
  "read":{"actions":["login:","ui:*:discover/show"]}}}`

func TestAppPrivilegesCRUD(t *testing.T) {
	s := servertest.Start(t)
	if got := s.MustCall(t, 200, "PUT", "/_security/privilege?refresh=true", servertest.Admin, kibanaPrivileges); got != `{"kibana-.kibana":{"all":{"created":true},"read":{"created":true}}}` {
		t.Errorf("put: %s", got)
	}
	if got := s.MustCall(t, 200, "POST", "/_security/privilege", servertest.Admin, `{"myapp":{"read":{"actions":["data:read/*"]}},"kibana-.kibana":{"read":{"actions":["login:"]}}}`); got != `{"myapp":{"read":{"created":true}},"kibana-.kibana":{"read":{"created":false}}}` {
		t.Errorf("second put: %s", got)
	}
	const all = `"all":{"application":"kibana-.kibana","name":"all","actions":["login:","ui:*","saved_object:*"],"metadata":{"v":1}}`
	const read = `"read":{"application":"kibana-.kibana","name":"read","actions":["login:"],"metadata":{}}`
	const myRead = `"myapp":{"read":{"application":"myapp","name":"read","actions":["data:read/*"],"metadata":{}}}`
	for _, tt := range []struct{ path, want string }{
		{"/_security/privilege", `{"kibana-.kibana":{` + all + `,` + read + `},` + myRead + `}`},
		{"/_security/privilege/kibana-.kibana", `{"kibana-.kibana":{` + all + `,` + read + `}}`},
		{"/_security/privilege/kibana-.kibana/all", `{"kibana-.kibana":{` + all + `}}`},
		{"/_security/privilege/kibana-.kibana/read,nope", `{"kibana-.kibana":{` + read + `}}`},
		{"/_security/privilege/kib*/read", `{"kibana-.kibana":{` + read + `}}`},
		{"/_security/privilege/*/read", `{"kibana-.kibana":{` + read + `},` + myRead + `}`},
		{"/_security/privilege/none", `{}`},
	} {
		if got := s.MustCall(t, 200, "GET", tt.path, servertest.Admin, ""); got != tt.want {
			t.Errorf("GET %s:\n got %s\nwant %s", tt.path, got, tt.want)
		}
	}
	if got := s.MustCall(t, 404, "GET", "/_security/privilege/kibana-.kibana/nope", servertest.Admin, ""); got != `{}` {
		t.Errorf("get missing: %s", got)
	}
	if got := s.MustCall(t, 200, "DELETE", "/_security/privilege/kibana-.kibana/read,nope,read", servertest.Admin, ""); got != `{"kibana-.kibana":{"read":{"found":true},"nope":{"found":false}}}` {
		t.Errorf("delete: %s", got)
	}
	if got := s.MustCall(t, 404, "DELETE", "/_security/privilege/kibana-.kibana/read", servertest.Admin, ""); got != `{"kibana-.kibana":{"read":{"found":false}}}` {
		t.Errorf("delete again: %s", got)
	}
	nodes := regexp.MustCompile(`^\{"_nodes":\{"total":1,"successful":1,"failed":0\},"cluster_name":"[^"]+","nodes":\{"[^"]+":\{"name":"[^"]+"\}\}\}$`)
	for _, p := range []string{"/_security/privilege/kibana-.kibana/_clear_cache", "/_security/privilege/*/_clear_cache"} {
		if got := s.MustCall(t, 200, "POST", p, servertest.Admin, ""); !nodes.MatchString(got) {
			t.Errorf("POST %s: %s", p, got)
		}
	}
}

func TestAppPrivilegesValidation(t *testing.T) {
	s := servertest.Start(t)
	val := func(msgs ...string) string {
		var b strings.Builder
		b.WriteString("Validation Failed: ")
		for i, m := range msgs {
			b.WriteString(string(rune('1'+i)) + ": " + m + ";")
		}
		return b.String()
	}
	tests := []struct {
		method, path, body string
		typ, reason        string
	}{
		{"PUT", "/_security/privilege", `{}`, "action_request_validation_exception", val("At least one application privilege must be provided")},
		{"PUT", "/_security/privilege", `{"app*":{"p":{"actions":["a:b"]}}}`, "action_request_validation_exception", val("Application names may not contain '*' (found 'app*')")},
		{"PUT", "/_security/privilege", `{"ap":{"Bad":{"actions":["nope"],"metadata":{"_k":1}}}}`, "action_request_validation_exception",
			val("An application name prefix must be at least 3 characters long (found 'ap')", "Application privilege names must match the pattern ^[a-z][a-zA-Z0-9_.-]*$ (found 'Bad')",
				"action [nope] must contain one of [ '/' , '*' , ':' ]", "metadata keys may not start with [_] (in privilege ap Bad)")},
		{"PUT", "/_security/privilege", `{"app":{"p":{"actions":[]}}}`, "action_request_validation_exception", val("Application privileges must have at least one action")},
		{"PUT", "/_security/privilege", `{"app":{"p":{"application":"other","actions":["a:b"]}}}`, "illegal_argument_exception", "privilege application [other] in source does not match the provided application [app]"},
		{"PUT", "/_security/privilege", `{"app":{"p":{"name":"q","actions":["a:b"]}}}`, "illegal_argument_exception", "privilege name [q] in source does not match the provided name [p]"},
		{"PUT", "/_security/privilege", ``, "parse_exception", "request body is required"},
		{"PUT", "/_security/privilege?refresh=maybe", `{"app":{"p":{"actions":["a:b"]}}}`, "illegal_argument_exception", "Unknown value for refresh: [maybe]."},
	}
	for _, tt := range tests {
		r := s.Call(t, tt.method, tt.path, servertest.Admin, tt.body)
		if r.Status != 400 || !strings.Contains(r.Body, `"type":"`+tt.typ+`"`) || !strings.Contains(r.Body, `"reason":"`+strings.ReplaceAll(tt.reason, `\`, `\\`)+`"`) {
			t.Errorf("%s %s %s: %d %s\nwant %s %s", tt.method, tt.path, tt.body, r.Status, r.Body, tt.typ, tt.reason)
		}
	}
	if got := s.MustCall(t, 200, "GET", "/_security/privilege", servertest.Admin, ""); got != `{}` {
		t.Errorf("something was stored: %s", got)
	}
}

func TestAppPrivilegesAccess(t *testing.T) {
	s := servertest.Start(t)
	for name, body := range map[string]string{
		"sec_admin":  `{"cluster":["manage_security"]}`,
		"sec_reader": `{"cluster":["read_security"]}`,
		"kibana_mgr": `{"global":{"application":{"manage":{"applications":["kibana-*"]}}}}`,
	} {
		s.MustCall(t, 200, "PUT", "/_security/role/"+name, servertest.Admin, body)
		s.MustCall(t, 200, "PUT", "/_security/user/"+name, servertest.Admin, `{"password":"`+name+`-pw","roles":["`+name+`"]}`)
	}
	s.MustCall(t, 200, "PUT", "/_security/user/kibana_system/_password", servertest.Admin, `{"password":"kibana-pw"}`)
	const (
		put  = "cluster:admin/xpack/security/privilege/put"
		get  = "cluster:admin/xpack/security/privilege/get"
		del  = "cluster:admin/xpack/security/privilege/delete"
		kbn  = `{"kibana-.kibana":{"p":{"actions":["a:b"]}}}`
		othr = `{"other":{"p":{"actions":["a:b"]}}}`
	)
	denied := func(user, action, granted string) string {
		return servertest.ESError("security_exception", "action ["+action+"] is unauthorized for user ["+user+"] with effective roles ["+user+"], this action is granted by the cluster privileges ["+granted+"]", 403)
	}
	tests := []struct {
		auth, method, path, body string
		status                   int
		want                     string // the whole body, when set
	}{
		{"sec_admin:sec_admin-pw", "PUT", "/_security/privilege", othr, 200, ""},
		{"sec_admin:sec_admin-pw", "DELETE", "/_security/privilege/other/p", "", 200, ""},
		{"sec_reader:sec_reader-pw", "GET", "/_security/privilege", "", 200, ""},
		{"sec_reader:sec_reader-pw", "PUT", "/_security/privilege", othr, 403, denied("sec_reader", put, "manage_security,all")},
		{"kibana_mgr:kibana_mgr-pw", "PUT", "/_security/privilege", kbn, 200, ""},
		{"kibana_mgr:kibana_mgr-pw", "PUT", "/_security/privilege", othr, 403, denied("kibana_mgr", put, "manage_security,all")},
		{"kibana_mgr:kibana_mgr-pw", "PUT", "/_security/privilege", `{"kibana-x":{"p":{"actions":["a:b"]}},"other":{"p":{"actions":["a:b"]}}}`, 403, denied("kibana_mgr", put, "manage_security,all")},
		{"kibana_mgr:kibana_mgr-pw", "GET", "/_security/privilege/kibana-.kibana", "", 200, `{"kibana-.kibana":{"p":{"application":"kibana-.kibana","name":"p","actions":["a:b"],"metadata":{}}}}`},
		{"kibana_mgr:kibana_mgr-pw", "GET", "/_security/privilege", "", 403, denied("kibana_mgr", get, "read_security,manage_security,all")},
		{"kibana_mgr:kibana_mgr-pw", "GET", "/_security/privilege/other", "", 403, denied("kibana_mgr", get, "read_security,manage_security,all")},
		// Clearing the cache is no application privilege request in Elasticsearch.
		{"kibana_mgr:kibana_mgr-pw", "POST", "/_security/privilege/kibana-.kibana/_clear_cache", "", 403, denied("kibana_mgr", "cluster:admin/xpack/security/privilege/cache/clear", "manage_security,all")},
		{"sec_admin:sec_admin-pw", "POST", "/_security/privilege/kibana-.kibana/_clear_cache", "", 200, ""},
		{"kibana_mgr:kibana_mgr-pw", "DELETE", "/_security/privilege/other/p", "", 403, denied("kibana_mgr", del, "manage_security,all")},
		{"kibana_mgr:kibana_mgr-pw", "DELETE", "/_security/privilege/kibana-.kibana/p", "", 200, `{"kibana-.kibana":{"p":{"found":true}}}`},
		// kibana_system registers Kibana's privileges (global manage on kibana-*).
		{"kibana_system:kibana-pw", "PUT", "/_security/privilege", kbn, 200, `{"kibana-.kibana":{"p":{"created":true}}}`},
		{"kibana_system:kibana-pw", "PUT", "/_security/privilege", othr, 403, ""},
	}
	for _, tt := range tests {
		r := s.Call(t, tt.method, tt.path, tt.auth, tt.body)
		if r.Status != tt.status || (tt.want != "" && r.Body != tt.want) {
			t.Errorf("%s %s %s as %s: %d %s\nwant %d %s", tt.method, tt.path, tt.body, tt.auth, r.Status, r.Body, tt.status, tt.want)
		}
	}
}

// Kibana's check on every request: the user's roles name Kibana's
// privileges, which resolve to the actions Kibana registered.
func TestHasApplicationPrivilegesKibana(t *testing.T) {
	s := servertest.Start(t)
	s.MustCall(t, 200, "PUT", "/_security/privilege", servertest.Admin, `{"kibana-.kibana":{
	  "all":{"actions":["login:","ui:*","saved_object:*"]},
	  "space_read":{"actions":["login:","ui:*:discover/show"]}}}`)
	s.MustCall(t, 200, "PUT", "/_security/role/analyst", servertest.Admin,
		`{"applications":[{"application":"kibana-.kibana","privileges":["space_read"],"resources":["space:marketing"]}]}`)
	s.MustCall(t, 200, "PUT", "/_security/user/ann", servertest.Admin, `{"password":"ann-pw-1","roles":["analyst","kibana_admin"]}`)
	s.MustCall(t, 200, "PUT", "/_security/user/bob", servertest.Admin, `{"password":"bob-pw-1","roles":["analyst"]}`)
	const check = `{"application":[{"application":"kibana-.kibana","resources":["space:marketing","space:sales"],
	  "privileges":["login:","ui:8.15.0:discover/show","ui:8.15.0:dashboard/show","all"]}]}`
	want := func(user string, sales, dashboard, all bool) string {
		b := func(v bool) string {
			if v {
				return "true"
			}
			return "false"
		}
		return `{"username":"` + user + `","has_all_requested":` + b(sales && dashboard && all) + `,"cluster":{},"index":{},"application":{"kibana-.kibana":{` +
			`"space:marketing":{"login:":true,"ui:8.15.0:discover/show":true,"ui:8.15.0:dashboard/show":` + b(dashboard) + `,"all":` + b(all) + `},` +
			`"space:sales":{"login:":` + b(sales) + `,"ui:8.15.0:discover/show":` + b(sales) + `,"ui:8.15.0:dashboard/show":` + b(dashboard) + `,"all":` + b(all) + `}}}}`
	}
	if got := s.MustCall(t, 200, "POST", "/_security/user/_has_privileges", "ann:ann-pw-1", check); got != want("ann", true, true, true) {
		t.Errorf("ann:\n got %s\nwant %s", got, want("ann", true, true, true))
	}
	if got := s.MustCall(t, 200, "POST", "/_security/user/_has_privileges", "bob:bob-pw-1", check); got != want("bob", false, false, false) {
		t.Errorf("bob:\n got %s\nwant %s", got, want("bob", false, false, false))
	}
	// Removing the privilege takes its actions away at once.
	s.MustCall(t, 200, "DELETE", "/_security/privilege/kibana-.kibana/space_read", servertest.Admin, "")
	if got := s.MustCall(t, 200, "POST", "/_security/user/_has_privileges", "bob:bob-pw-1", `{"application":[{"application":"kibana-.kibana","resources":["space:marketing"],"privileges":["login:"]}]}`); !strings.Contains(got, `"login:":false`) {
		t.Errorf("bob after delete: %s", got)
	}
	// The user privileges API shows the roles' entries as they are.
	if got := s.MustCall(t, 200, "GET", "/_security/user/_privileges", "bob:bob-pw-1", ""); !strings.Contains(got, `"applications":[{"application":"kibana-.kibana","privileges":["space_read"],"resources":["space:marketing"]}]`) {
		t.Errorf("user privileges: %s", got)
	}
}
