package securityapi_test

import (
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/server/servertest"
)

func TestQueryUsers(t *testing.T) {
	s := servertest.Start(t)
	for _, u := range []struct{ name, body string }{
		{"alice", `{"password":"secret1","roles":["superuser"],"full_name":"Alice Admin","email":"alice@example.com"}`},
		{"bob", `{"password":"secret1","roles":["viewer","reader"],"full_name":"Bob Builder","enabled":false}`},
		{"carol", `{"password":"secret1","roles":["reader"]}`},
	} {
		s.MustCall(t, 200, "PUT", "/_security/user/"+u.name, servertest.Admin, u.body)
	}
	tests := []struct{ body, want string }{
		{"", `{"total":3,"count":3,"users":[` +
			`{"username":"alice","roles":["superuser"],"full_name":"Alice Admin","email":"alice@example.com","metadata":{},"enabled":true},` +
			`{"username":"bob","roles":["viewer","reader"],"full_name":"Bob Builder","email":null,"metadata":{},"enabled":false},` +
			`{"username":"carol","roles":["reader"],"full_name":null,"email":null,"metadata":{},"enabled":true}]}`},
		{`{"query":{"term":{"roles":"reader"}},"sort":["username"],"size":1}`, `{"total":2,"count":1,"users":[` +
			`{"username":"bob","roles":["viewer","reader"],"full_name":"Bob Builder","email":null,"metadata":{},"enabled":false,"_sort":["bob"]}]}`},
		{`{"query":{"term":{"roles":"reader"}},"sort":["username"],"search_after":["bob"]}`, `{"total":2,"count":1,"users":[` +
			`{"username":"carol","roles":["reader"],"full_name":null,"email":null,"metadata":{},"enabled":true,"_sort":["carol"]}]}`},
		{`{"query":{"bool":{"must":[{"prefix":{"username":"a"}}]}}}`, `{"total":1,"count":1,"users":[` +
			`{"username":"alice","roles":["superuser"],"full_name":"Alice Admin","email":"alice@example.com","metadata":{},"enabled":true}]}`},
		{`{"query":{"match":{"full_name":"builder"}},"from":0,"size":0}`, `{"total":1,"count":0,"users":[]}`},
	}
	for _, tt := range tests {
		if got := s.MustCall(t, 200, "POST", "/_security/_query/user", servertest.Admin, tt.body); got != tt.want {
			t.Errorf("query %s:\n got %s\nwant %s", tt.body, got, tt.want)
		}
	}
	// GET works too, built-in users are never returned, with_profile_uid is accepted.
	if got := s.MustCall(t, 200, "GET", "/_security/_query/user?with_profile_uid=true", servertest.Admin, ""); strings.Contains(got, `"elastic"`) {
		t.Errorf("built-in user returned: %s", got)
	}
	// Writes are seen by the next query.
	s.MustCall(t, 200, "DELETE", "/_security/user/carol", servertest.Admin, "")
	if got := s.MustCall(t, 200, "POST", "/_security/_query/user", servertest.Admin, `{"query":{"term":{"roles":"reader"}}}`); !strings.HasPrefix(got, `{"total":1,`) {
		t.Errorf("after delete: %s", got)
	}
	errs := []struct{ body, typ, reason string }{
		{`{"query":{"match_phrase":{"username":"a"}}}`, "illegal_argument_exception", "Query type [match_phrase] is not currently supported in this context"},
		{`{"query":{"term":{"password":"x"}}}`, "illegal_argument_exception", "Field [password] is not allowed for querying or aggregation"},
		{`{"sort":["full_name"]}`, "illegal_argument_exception", "sorting is not supported for field [full_name]"},
		{`{"from":-1}`, "action_request_validation_exception", "Validation Failed: 1: [from] parameter cannot be negative but was [-1];"},
	}
	for _, e := range errs {
		r := s.Call(t, "POST", "/_security/_query/user", servertest.Admin, e.body)
		if r.Status != 400 || !strings.Contains(r.Body, `"type":"`+e.typ+`","reason":"`+e.reason+`"`) {
			t.Errorf("query %s: %d %s\nwant %s %s", e.body, r.Status, r.Body, e.typ, e.reason)
		}
	}
	s.MustCall(t, 200, "PUT", "/_security/user/mon", servertest.Admin, `{"password":"mon-secret","roles":["remote_monitoring_collector"]}`)
	r := s.Call(t, "POST", "/_security/_query/user", "mon:mon-secret", "")
	if r.Status != 403 || !strings.Contains(r.Body, "action [cluster:admin/xpack/security/user/query] is unauthorized") {
		t.Errorf("unprivileged query: %d %s", r.Status, r.Body)
	}
}
