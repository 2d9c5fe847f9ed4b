package securityquery

import (
	"errors"
	"testing"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/google/go-cmp/cmp"
)

// roleFixture: roles in name order, with and without descriptions,
// applications and metadata.
func roleFixture() RoleDocs {
	return RoleDocs{
		{Name: "admin", Description: "Grants full access to the Kibana app", Metadata: FlattenJSON([]byte(`{"team":"core","level":3}`)),
			Applications: []RoleApplication{{Application: "kibana-.kibana", Resources: []string{"*"}, Privileges: []string{"all"}}}},
		{Name: "reader", Description: "Reads logs"},
		{Name: "writer", Metadata: FlattenJSON([]byte(`{"team":"ingest"}`)),
			Applications: []RoleApplication{{Application: "app", Resources: []string{"r1", "r2"}, Privileges: []string{"read", "write"}}}},
	}
}

func roleNames(t *testing.T, body string) (int, []string, [][]any) {
	t.Helper()
	r, err := Roles.parseAt([]byte(body), now)
	if err != nil {
		t.Fatalf("Parse(%s): %v", body, err)
	}
	res := r.Run(roleFixture())
	names, sorts := []string{}, [][]any{}
	for _, h := range res.Hits {
		names = append(names, roleFixture()[h.Doc].Name)
		sorts = append(sorts, h.Sort)
	}
	return res.Total, names, sorts
}

func TestRoleQueries(t *testing.T) {
	tests := []struct {
		name, body string
		want       []string
	}{
		{"all", ``, []string{"admin", "reader", "writer"}},
		{"ids", `{"query":{"ids":{"values":["role-writer","admin"]}}}`, []string{"writer"}},
		{"term name", `{"query":{"term":{"name":"reader"}}}`, []string{"reader"}},
		{"match description", `{"query":{"match":{"description":"kibana"}}}`, []string{"admin"}},
		{"term description token", `{"query":{"term":{"description":"logs"}}}`, []string{"reader"}},
		{"exists description", `{"query":{"exists":{"field":"description"}}}`, []string{"admin", "reader"}},
		{"application", `{"query":{"prefix":{"applications.application":"kibana"}}}`, []string{"admin"}},
		{"resources multi-valued", `{"query":{"term":{"applications.resources":"r2"}}}`, []string{"writer"}},
		{"privileges", `{"query":{"terms":{"applications.privileges":["write","none"]}}}`, []string{"writer"}},
		{"metadata", `{"query":{"term":{"metadata.team":"core"}}}`, []string{"admin"}},
		{"metadata root", `{"query":{"wildcard":{"metadata":"in*"}}}`, []string{"writer"}},
		{"sqs all fields", `{"query":{"simple_query_string":{"query":"read*"}}}`, []string{"reader", "writer"}},
		{"bool", `{"query":{"bool":{"must_not":{"exists":{"field":"metadata"}}}}}`, []string{"reader"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			total, got, _ := roleNames(t, tt.body)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.body, diff)
			}
			if total != len(tt.want) {
				t.Errorf("total %d, want %d", total, len(tt.want))
			}
		})
	}
	// Sort, paging and search_after, as the YAML test pages.
	total, got, sorts := roleNames(t, `{"query":{"match_all":{}},"sort":["name"],"from":2}`)
	if total != 3 || cmp.Diff([]string{"writer"}, got) != "" || cmp.Diff([][]any{{"writer"}}, sorts) != "" {
		t.Errorf("from 2: %d %v %v", total, got, sorts)
	}
	_, got, sorts = roleNames(t, `{"sort":[{"metadata.team":{"order":"desc"}},{"applications.privileges":{"mode":"max"}}],"search_after":["ingest","zzz"]}`)
	if cmp.Diff([]string{"admin", "reader"}, got) != "" || cmp.Diff([][]any{{"core", "all"}, {nil, nil}}, sorts) != "" {
		t.Errorf("search_after: %v %v", got, sorts)
	}
}

func TestRoleErrors(t *testing.T) {
	tests := []struct {
		name, body, want string
		status           int
	}{
		{"payload name", `{"aggs":{}}`, "x_content_parse_exception: [1:2] [query_role_request_payload] unknown field [aggs]", 400},
		{"malformed sort", `{"sort":[1]}`, "x_content_parse_exception: [1:10] [query_role_request_payload] failed to parse field [sort] <- illegal_argument_exception: malformed sort object", 400},
		{"cluster not queryable", `{"query":{"term":{"cluster":"all"}}}`, "illegal_argument_exception: Field [cluster] is not allowed for querying or aggregation", 400},
		{"applications itself", `{"query":{"exists":{"field":"applications"}}}`, "illegal_argument_exception: Field [applications] is not allowed for querying or aggregation", 400},
		{"unsupported query", `{"query":{"regexp":{"name":"a.*"}}}`, "illegal_argument_exception: Query type [regexp] is not currently supported in this context", 400},
		{"negative from", `{"from":-2}`, "action_request_validation_exception: Validation Failed: 1: [from] parameter cannot be negative but was [-2];", 400},
		{"sort description", `{"sort":["description"]}`, spee + "illegal_argument_exception: Fielddata is disabled on [description] in [.security-7]. Text fields are not optimised for operations that require per-document field data like aggregations and sorting, so these operations are disabled by default. Please use a keyword field instead. Alternatively, set fielddata=true on [description] in order to load field data by uninverting the inverted index. Note that this can use significant memory.", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Roles.parseAt([]byte(tt.body), now)
			var e *eserr.Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%s) = %v", tt.body, err)
			}
			if got := chain(e); got != tt.want {
				t.Errorf("Parse(%s)\n got: %s\nwant: %s", tt.body, got, tt.want)
			}
			if e.Status != tt.status {
				t.Errorf("status %d, want %d", e.Status, tt.status)
			}
		})
	}
}
