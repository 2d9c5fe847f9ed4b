package server_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/server/servertest"
)

// queryAnswer is a query API keys answer, decoded.
type queryAnswer struct {
	Total   int               `json:"total"`
	Count   int               `json:"count"`
	APIKeys []json.RawMessage `json:"api_keys"`
	Aggs    json.RawMessage   `json:"aggregations"`
}

func (q queryAnswer) ids(t *testing.T) []string {
	t.Helper()
	out := []string{}
	for _, k := range q.APIKeys {
		var v struct{ ID string }
		if err := json.Unmarshal(k, &v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v.ID)
	}
	return out
}

func queryKeys(t *testing.T, s *servertest.Server, auth, body string) queryAnswer {
	t.Helper()
	var q queryAnswer
	if err := json.Unmarshal([]byte(s.MustCall(t, 200, "POST", "/_security/_query/api_key", auth, body)), &q); err != nil {
		t.Fatal(err)
	}
	return q
}

// keyFromGet is the key as GET /_security/api_key renders it.
func keyFromGet(t *testing.T, s *servertest.Server, id, params string) string {
	t.Helper()
	var g struct {
		APIKeys []json.RawMessage `json:"api_keys"`
	}
	if err := json.Unmarshal([]byte(s.MustCall(t, 200, "GET", "/_security/api_key?id="+id+params, servertest.Admin, "")), &g); err != nil {
		t.Fatal(err)
	}
	return string(g.APIKeys[0])
}

// The YAML REST test's scenario (20_query.yml): a manager sees every key,
// manage_own_api_key users their own; then the answer's exact shape, the
// aggregations, the privileges and the errors' order.
func TestQueryAPIKeys(t *testing.T) {
	s := servertest.Start(t)
	s.MustCall(t, 200, "PUT", "/_security/role/admin_role", servertest.Admin, `{"cluster":["manage_api_key"]}`)
	s.MustCall(t, 200, "PUT", "/_security/role/user_role", servertest.Admin, `{"cluster":["manage_own_api_key"]}`)
	s.MustCall(t, 200, "PUT", "/_security/role/reader_role", servertest.Admin, `{"cluster":["read_security"]}`)
	for _, u := range []string{"api_key_manager:admin_role", "api_key_user_1:user_role", "api_key_user_2:user_role", "reader:reader_role", "nobody:"} {
		name, role, _ := strings.Cut(u, ":")
		roles := `[]`
		if role != "" {
			roles = `["` + role + `"]`
		}
		s.MustCall(t, 200, "PUT", "/_security/user/"+name, servertest.Admin, `{"password":"x-pack-test-password","roles":`+roles+`}`)
	}
	const (
		manager = "api_key_manager:x-pack-test-password"
		user1   = "api_key_user_1:x-pack-test-password"
		user2   = "api_key_user_2:x-pack-test-password"
		reader  = "reader:x-pack-test-password"
		nobody  = "nobody:x-pack-test-password"
	)
	mk := createKey(t, s, manager, `{"name":"manager-api-key","expiration":"10d","metadata":{"letter":"a","number":42}}`)
	k1 := createKey(t, s, user1, `{"name":"user1-api-key","expiration":"1d","metadata":{"letter":"a","number":1}}`)
	k2 := createKey(t, s, user2, `{"name":"user2-api-key","expiration":"1d","metadata":{"letter":"b","number":42}}`)

	// Who sees what.
	for _, tt := range []struct {
		who, auth, body string
		want            []string
		total           int
	}{
		{"manager, empty body", manager, `{}`, []string{mk.ID, k1.ID, k2.ID}, 3},
		{"reader, no body", reader, ``, []string{mk.ID, k1.ID, k2.ID}, 3},
		{"user 1, match_all", user1, `{"query":{"match_all":{}}}`, []string{k1.ID}, 1},
		{"user 2, wildcard", user2, `{"query":{"wildcard":{"name":"user*"}}}`, []string{k2.ID}, 1},
		{"user 2, another's key by id", user2, `{"query":{"ids":{"values":["` + k1.ID + `"]}}}`, []string{}, 0},
		{"manager, sorted page", manager, `{"query":{"wildcard":{"name":"user*"}},"sort":[{"name":{"order":"desc"}}],"from":1,"size":1}`, []string{k1.ID}, 2},
		{"manager, metadata", manager, `{"query":{"bool":{"must":[{"term":{"metadata.letter":"a"}},{"range":{"metadata.number":{"gte":"42"}}}]}}}`, []string{mk.ID}, 1},
		{"manager, owner and realm", manager, `{"query":{"bool":{"filter":[{"term":{"username":"api_key_user_1"}},{"term":{"realm_name":"default_native"}}]}}}`, []string{k1.ID}, 1},
	} {
		q := queryKeys(t, s, tt.auth, tt.body)
		got := q.ids(t)
		if !strings.Contains(tt.body, `"sort"`) {
			// Keys made in one millisecond come in the order of their
			// random ids: without a sort only the set is defined.
			slices.Sort(got)
			slices.Sort(tt.want)
		}
		if strings.Join(got, ",") != strings.Join(tt.want, ",") || q.Total != tt.total || q.Count != len(tt.want) {
			t.Errorf("%s: total %d count %d %v, want %d %v", tt.who, q.Total, q.Count, got, tt.total, tt.want)
		}
	}

	// Paging with search_after over expiration then username, as the YAML
	// test does: values taken from the previous page, sent as strings.
	body := `{"query":{"wildcard":{"name":"*key"}},"sort":["expiration","username"],"size":1`
	var seen []string
	after := ""
	for range 3 {
		q := queryKeys(t, s, manager, body+after+"}")
		if q.Total != 3 || q.Count != 1 {
			t.Fatalf("page %d: total %d count %d", len(seen), q.Total, q.Count)
		}
		var k struct {
			ID         string `json:"id"`
			Expiration int64  `json:"expiration"`
			Username   string `json:"username"`
		}
		if err := json.Unmarshal(q.APIKeys[0], &k); err != nil {
			t.Fatal(err)
		}
		seen = append(seen, k.ID)
		after = `,"search_after":["` + strings.TrimSpace(string(mustJSON(t, k.Expiration))) + `","` + k.Username + `"]`
	}
	if strings.Join(seen, ",") != strings.Join([]string{k1.ID, k2.ID, mk.ID}, ",") {
		t.Errorf("pages %v, want %v", seen, []string{k1.ID, k2.ID, mk.ID})
	}

	// An item is the key as get shows it, then "_sort".
	got := string(queryKeys(t, s, manager, `{"query":{"ids":{"values":["`+k1.ID+`"]}},"sort":["name",{"invalidated":{"order":"desc"}}]}`).APIKeys[0])
	want := strings.TrimSuffix(keyFromGet(t, s, k1.ID, ""), "}") + `,"_sort":["user1-api-key",false]}`
	if got != want {
		t.Errorf("item:\n got %s\nwant %s", got, want)
	}
	// with_limited_by adds the owner's roles, as get does.
	r := s.MustCall(t, 200, "GET", "/_security/_query/api_key?with_limited_by=true&with_profile_uid=false", manager, `{"query":{"ids":{"values":["`+k1.ID+`"]}}}`)
	if want := `{"total":1,"count":1,"api_keys":[` + keyFromGet(t, s, k1.ID, "&with_limited_by=true") + `]}`; r != want {
		t.Errorf("with_limited_by:\n got %s\nwant %s", r, want)
	}

	// Aggregations (21_query_with_aggs.yml's composite), seen through the
	// owner filter too, with typed_keys.
	aggs := `{"size":0,"aggs":{"my_buckets":{"composite":{"sources":[{"key_name":{"terms":{"field":"name"}}}]}}}}`
	if r := s.MustCall(t, 200, "POST", "/_security/_query/api_key", manager, aggs); r != `{"total":3,"count":0,"api_keys":[],"aggregations":{"my_buckets":{"after_key":{"key_name":"user2-api-key"},"buckets":[`+
		`{"key":{"key_name":"manager-api-key"},"doc_count":1},{"key":{"key_name":"user1-api-key"},"doc_count":1},{"key":{"key_name":"user2-api-key"},"doc_count":1}]}}}` {
		t.Errorf("composite: %s", r)
	}
	if r := s.MustCall(t, 200, "POST", "/_security/_query/api_key?typed_keys", user1, `{"size":0,"aggregations":{"l":{"terms":{"field":"metadata.letter"}},"e":{"missing":{"field":"invalidation"}}}}`); r !=
		`{"total":1,"count":0,"api_keys":[],"aggregations":{"sterms#l":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[{"key":"a","doc_count":1}]},"missing#e":{"doc_count":1}}}` {
		t.Errorf("user's aggregations: %s", r)
	}

	// An API key with manage_own_api_key sees itself alone, and may not ask
	// for limited-by roles; with manage_api_key it may.
	own := createKey(t, s, user1, `{"name":"own","role_descriptors":{"r":{"cluster":["manage_own_api_key"]}}}`)
	q := keyCall(t, s, "POST", "/_security/_query/api_key", own.Encoded, `{"sort":["creation"]}`)
	if q.Status != 200 || !strings.HasPrefix(q.Body, `{"total":1,"count":1,"api_keys":[{"id":"`+own.ID+`"`) {
		t.Errorf("key with manage_own_api_key: %d %s", q.Status, q.Body)
	}
	q = keyCall(t, s, "POST", "/_security/_query/api_key?with_limited_by=true", own.Encoded, ``)
	if q.Status != 403 || !strings.Contains(q.Body, "action [cluster:admin/xpack/security/api_key/query] is unauthorized for API key id ["+own.ID+"] of user [api_key_user_1]") {
		t.Errorf("key asking for limited_by: %d %s", q.Status, q.Body)
	}
	mgr := createKey(t, s, manager, `{"name":"mgr"}`)
	q = keyCall(t, s, "POST", "/_security/_query/api_key?with_limited_by=true", mgr.Encoded, `{"query":{"term":{"name":"mgr"}}}`)
	if q.Status != 200 || !strings.Contains(q.Body, `"limited_by":[{"admin_role":`) {
		t.Errorf("manager key asking for limited_by: %d %s", q.Status, q.Body)
	}

	// No privilege: 403, after the body parsed and validated but before it
	// is translated.
	deny := servertest.ESError("security_exception", "action [cluster:admin/xpack/security/api_key/query] is unauthorized for user [nobody] with effective roles [], this action is granted by the cluster privileges [manage_own_api_key,read_security,manage_api_key,manage_security,all]", 403)
	for _, b := range []string{``, `{"query":{"term":{"password":"x"}}}`, `{"aggs":{"a":{"avg":{"field":"creation"}}}}`} {
		if r := s.Call(t, "POST", "/_security/_query/api_key", nobody, b); r.Status != 403 || r.Body != deny {
			t.Errorf("no privilege, body %s: %d %s\nwant %s", b, r.Status, r.Body, deny)
		}
	}
	for _, e := range []struct{ auth, body, typ, reason string }{
		{nobody, `{"size":-1}`, "action_request_validation_exception", "Validation Failed: 1: [size] parameter cannot be negative but was [-1];"},
		{nobody, `{"aggs":{"a":1}}`, "x_content_parse_exception", "[1:14] [query_api_key_request_payload] failed to parse field [aggs]"},
		{user1, `{"query":{"term":{"password":"x"}}}`, "illegal_argument_exception", "Field [password] is not allowed for querying or aggregation"},
		{user1, `{"query":{"match_phrase":{"name":"x"}}}`, "illegal_argument_exception", "Query type [match_phrase] is not currently supported in this context"},
		{manager, `{"aggs":{"a":{"avg":{"field":"creation"}}}}`, "illegal_argument_exception", "Unsupported API Keys agg [a] of type [avg]"},
		{manager, `{"sort":["metadata"],"query":{"prefix":{"creation":"1"}}}`, "search_phase_execution_exception", "all shards failed"},
	} {
		r := s.Call(t, "POST", "/_security/_query/api_key", e.auth, e.body)
		if r.Status != 400 || !strings.Contains(r.Body, `"type":"`+e.typ+`","reason":"`+e.reason+`"`) {
			t.Errorf("%s: %d %s\nwant %s %s", e.body, r.Status, r.Body, e.typ, e.reason)
		}
	}
	// Parameters are checked like every other's.
	if r := s.Call(t, "GET", "/_security/_query/api_key?with_limited_by=maybe", manager, ""); r.Status != 400 {
		t.Errorf("bad boolean parameter: %d %s", r.Status, r.Body)
	}
	if r := s.Call(t, "GET", "/_security/_query/api_key?owner=true", manager, ""); r.Status != 400 || !strings.Contains(r.Body, "owner") {
		t.Errorf("unknown parameter: %d %s", r.Status, r.Body)
	}
	// Invalidated keys stay visible, and queryable as such.
	s.MustCall(t, 200, "DELETE", "/_security/api_key", servertest.Admin, `{"ids":["`+k2.ID+`"]}`)
	if q := queryKeys(t, s, manager, `{"query":{"bool":{"filter":[{"term":{"invalidated":true}},{"exists":{"field":"invalidation"}}]}}}`); strings.Join(q.ids(t), ",") != k2.ID {
		t.Errorf("invalidated: %v", q.ids(t))
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestQueryAPIKeysDisabled(t *testing.T) {
	s := servertest.Start(t, "xpack.security.authc.api_key.enabled=false")
	r := s.Call(t, "POST", "/_security/_query/api_key", servertest.Admin, `{}`)
	if r.Status != 400 || !strings.Contains(r.Body, `"type":"feature_not_enabled_exception","reason":"api keys are not enabled"`) {
		t.Errorf("disabled: %d %s", r.Status, r.Body)
	}
}
