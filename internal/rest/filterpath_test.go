package rest

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
