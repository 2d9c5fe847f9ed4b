package server_test

import (
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/server/servertest"
)

// Query roles (8.15+): native roles only, each as get shows it after its
// name, with "_sort"; read_security or manage_security.
func TestQueryRoles(t *testing.T) {
	s := servertest.Start(t)
	s.MustCall(t, 200, "PUT", "/_security/role/admin_role", servertest.Admin, `{"cluster":["all"],"metadata":{"team":"core"},"description":"All of it"}`)
	s.MustCall(t, 200, "PUT", "/_security/role/app_role", servertest.Admin, `{"applications":[{"application":"kibana-.kibana","privileges":["read"],"resources":["*"]}]}`)
	s.MustCall(t, 200, "PUT", "/_security/role/reader_role", servertest.Admin, `{"cluster":["read_security"]}`)
	s.MustCall(t, 200, "PUT", "/_security/user/joe", servertest.Admin, `{"password":"s3krit-password","roles":["reader_role"]}`)
	s.MustCall(t, 200, "PUT", "/_security/user/mon", servertest.Admin, `{"password":"mon-password","roles":["monitoring_user"]}`)
	const joe = "joe:s3krit-password"

	get := func(name string) string {
		body := s.MustCall(t, 200, "GET", "/_security/role/"+name, servertest.Admin, "")
		return strings.TrimSuffix(strings.TrimPrefix(body, `{"`+name+`":`), "}")
	}
	item := func(name, sort string) string {
		g := get(name)
		out := `{"name":"` + name + `",` + g[1:]
		if sort != "" {
			out = strings.TrimSuffix(out, "}") + `,"_sort":` + sort + `}`
		}
		return out
	}
	for _, tt := range []struct{ body, want string }{
		{``, `{"total":3,"count":3,"roles":[` + item("admin_role", "") + `,` + item("app_role", "") + `,` + item("reader_role", "") + `]}`},
		{`{"query":{"match_all":{}},"sort":["name"],"from":2}`, `{"total":3,"count":1,"roles":[` + item("reader_role", `["reader_role"]`) + `]}`},
		{`{"query":{"bool":{"should":[{"term":{"metadata.team":"core"}},{"term":{"applications.application":"kibana-.kibana"}}]}},"sort":[{"name":{"order":"desc"}}]}`,
			`{"total":2,"count":2,"roles":[` + item("app_role", `["app_role"]`) + `,` + item("admin_role", `["admin_role"]`) + `]}`},
		{`{"query":{"match":{"description":"all"}},"size":0}`, `{"total":1,"count":0,"roles":[]}`},
		{`{"query":{"term":{"name":"superuser"}}}`, `{"total":0,"count":0,"roles":[]}`},
	} {
		if got := s.MustCall(t, 200, "POST", "/_security/_query/role", joe, tt.body); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.body, got, tt.want)
		}
	}
	if got := s.MustCall(t, 200, "GET", "/_security/_query/role", servertest.Admin, `{"query":{"prefix":{"name":"app"}}}`); !strings.HasPrefix(got, `{"total":1,`) {
		t.Errorf("GET with a body: %s", got)
	}
	// Without read_security: 403 before the body is translated.
	deny := "action [cluster:admin/xpack/security/role/query] is unauthorized for user [mon]"
	for _, b := range []string{``, `{"query":{"term":{"cluster":"all"}}}`} {
		if r := s.Call(t, "POST", "/_security/_query/role", "mon:mon-password", b); r.Status != 403 || !strings.Contains(r.Body, deny) {
			t.Errorf("no privilege %s: %d %s", b, r.Status, r.Body)
		}
	}
	for _, e := range []struct{ auth, body, typ, reason string }{
		{"mon:mon-password", `{"sort":"name"}`, "x_content_parse_exception", "[1:9] [query_role_request_payload] sort doesn't support values of type: VALUE_STRING"},
		{"mon:mon-password", `{"from":-1}`, "action_request_validation_exception", "Validation Failed: 1: [from] parameter cannot be negative but was [-1];"},
		{joe, `{"query":{"term":{"cluster":"all"}}}`, "illegal_argument_exception", "Field [cluster] is not allowed for querying or aggregation"},
		{joe, `{"sort":["description"]}`, "search_phase_execution_exception", "all shards failed"},
	} {
		r := s.Call(t, "POST", "/_security/_query/role", e.auth, e.body)
		if r.Status != 400 || !strings.Contains(r.Body, `"type":"`+e.typ+`","reason":"`+e.reason+`"`) {
			t.Errorf("%s: %d %s\nwant %s %s", e.body, r.Status, r.Body, e.typ, e.reason)
		}
	}
	// A role write is seen by the next query.
	s.MustCall(t, 200, "DELETE", "/_security/role/app_role", servertest.Admin, "")
	if got := s.MustCall(t, 200, "POST", "/_security/_query/role", joe, `{"query":{"exists":{"field":"applications.application"}}}`); got != `{"total":0,"count":0,"roles":[]}` {
		t.Errorf("after delete: %s", got)
	}
}
