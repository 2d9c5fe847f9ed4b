package httpapi

import "testing"

func TestFilterPath(t *testing.T) {
	doc := `{"a":{"username":"a","roles":["x","y"],"metadata":{"k":{"deep":1},"j":2},"enabled":true},` +
		`"b":{"username":"b","roles":[],"metadata":{},"enabled":false},"list":[{"n":1,"m":2},{"m":3}],"n":5}`
	tests := []struct{ filter, want string }{
		{"a.username", `{"a":{"username":"a"}}`},
		{"*.username", `{"a":{"username":"a"},"b":{"username":"b"}}`},
		{"a.username,b.enabled", `{"a":{"username":"a"},"b":{"enabled":false}}`},
		{"**.deep", `{"a":{"metadata":{"k":{"deep":1}}}}`},
		{"**.j", `{"a":{"metadata":{"j":2}}}`},
		{"a.meta*", `{"a":{"metadata":{"k":{"deep":1},"j":2}}}`},
		{"list.n", `{"list":[{"n":1}]}`},
		{"nothing", `{}`},
		{"n.deeper", `{}`},
		{"-*.metadata,-list,-n", `{"a":{"username":"a","roles":["x","y"],"enabled":true},"b":{"username":"b","roles":[],"enabled":false}}`},
		{"a,-a.roles", `{"a":{"username":"a","metadata":{"k":{"deep":1},"j":2},"enabled":true}}`},
		{"-**.deep,-b,-list,-n", `{"a":{"username":"a","roles":["x","y"],"metadata":{"k":{},"j":2},"enabled":true}}`},
	}
	for _, tt := range tests {
		got := string(parseFilterPath(tt.filter).apply([]byte(doc)))
		if got != tt.want {
			t.Errorf("filter_path=%s:\n got %s\nwant %s", tt.filter, got, tt.want)
		}
	}
	if parseFilterPath("") != nil || parseFilterPath(" , ") != nil {
		t.Error("an empty filter_path must not filter")
	}
}

func TestFilterPathOverHTTP(t *testing.T) {
	s := newTestServer(t)
	if got := s.mustCall(t, 200, "GET", "/_cluster/health?filter_path=status,number_of_nodes", admin, ""); got != `{"status":"green","number_of_nodes":1}` {
		t.Errorf("health: %s", got)
	}
	if got := s.mustCall(t, 200, "GET", "/_security/user?filter_path=elastic.roles,kibana.enabled&pretty", admin, ""); got != "{\n  \"elastic\" : {\n    \"roles\" : [\n      \"superuser\"\n    ]\n  },\n  \"kibana\" : {\n    \"enabled\" : true\n  }\n}\n" {
		t.Errorf("users: %q", got)
	}
	// Errors are not filtered, as in Elasticsearch.
	if r := s.call(t, "GET", "/_security/user?filter_path=status&bogus", admin, ""); r.status != 400 || r.body == `{"status":400}` {
		t.Errorf("error filtered: %s", r.body)
	}
}
