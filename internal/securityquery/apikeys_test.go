package securityquery

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/xcontent"
	"github.com/google/go-cmp/cmp"
)

func i64(n int64) *int64 { return &n }

// now is the instant date math sees in these tests.
const now = 10_000

// keyFixture covers every API key field's shapes: a missing name, type,
// expiration and metadata, an invalidated cross-cluster key, two realms,
// nested and multi-valued metadata.
func keyFixture() APIKeyDocs {
	return APIKeyDocs{
		{ID: "a0", Name: ptr("alpha"), Creation: 1000, Expiration: i64(5000), Username: "alice", Realm: "native1",
			Metadata: FlattenJSON([]byte(`{"env":"prod","tier":1,"tags":["x","y"]}`))},
		{ID: "b1", Name: ptr("beta"), Type: "cross_cluster", Creation: 2000, Invalidated: true, Invalidation: i64(3000),
			Username: "bob", Realm: "native1", Metadata: FlattenJSON([]byte(`{"env":"dev","tags":"x"}`))},
		{ID: "c2", Type: "rest", Creation: 3000, Expiration: i64(4000), Username: "alice", Realm: "file1"},
		{ID: "d3", Name: ptr("delta"), Type: "rest", Creation: 4000, Username: "carol", Realm: "native1",
			Metadata: FlattenJSON([]byte(`{"env":"prod","team":{"name":"core"},"none":null}`))},
	}
}

func runKeys(t *testing.T, body string) Result {
	t.Helper()
	r, err := APIKeys.parseAt([]byte(body), now)
	if err != nil {
		t.Fatalf("Parse(%s): %v", body, err)
	}
	return r.Run(keyFixture())
}

func keyIDs(res Result) []string {
	out := []string{}
	docs := keyFixture()
	for _, h := range res.Hits {
		out = append(out, docs[h.Doc].ID)
	}
	return out
}

func TestFlattenJSON(t *testing.T) {
	got := FlattenJSON([]byte(`{"b":{"c":[1,"two",true,null],"d":{}},"a":1.50,"e":false}`))
	want := []Leaf{{"a", "1.50"}, {"b.c", "1"}, {"b.c", "two"}, {"b.c", "true"}, {"e", "false"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, s := range []string{``, `null`, `[1]`, `"x"`, `{`} {
		if got := FlattenJSON([]byte(s)); got != nil {
			t.Errorf("FlattenJSON(%s) = %v", s, got)
		}
	}
}

func TestAPIKeyQueries(t *testing.T) {
	all := []string{"a0", "b1", "c2", "d3"}
	tests := []struct {
		name, body string
		want       []string
	}{
		{"no body", ``, all},
		{"ids", `{"query":{"ids":{"values":["c2","a0","zz"]}}}`, []string{"a0", "c2"}},
		{"term username", `{"query":{"term":{"username":"alice"}}}`, []string{"a0", "c2"}},
		{"term realm_name", `{"query":{"term":{"realm_name":"file1"}}}`, []string{"c2"}},
		{"term type default rest", `{"query":{"term":{"type":"rest"}}}`, []string{"a0", "c2", "d3"}},
		{"term type cross", `{"query":{"term":{"type":"cross_cluster"}}}`, []string{"b1"}},
		{"terms name", `{"query":{"terms":{"name":["beta","delta","nope"]}}}`, []string{"b1", "d3"}},
		{"prefix name", `{"query":{"prefix":{"name":"al"}}}`, []string{"a0"}},
		{"prefix case_insensitive", `{"query":{"prefix":{"username":{"value":"AL","case_insensitive":true}}}}`, []string{"a0", "c2"}},
		{"wildcard name", `{"query":{"wildcard":{"name":"*ta"}}}`, []string{"b1", "d3"}},
		{"exists name", `{"query":{"exists":{"field":"name"}}}`, []string{"a0", "b1", "d3"}},
		{"exists expiration", `{"query":{"exists":{"field":"expiration"}}}`, []string{"a0", "c2"}},
		{"exists invalidation", `{"query":{"exists":{"field":"invalidation"}}}`, []string{"b1"}},
		{"exists metadata", `{"query":{"exists":{"field":"metadata"}}}`, []string{"a0", "b1", "d3"}},
		{"exists metadata key", `{"query":{"exists":{"field":"metadata.team.name"}}}`, []string{"d3"}},
		{"exists metadata object key", `{"query":{"exists":{"field":"metadata.team"}}}`, []string{}},
		{"exists metadata null", `{"query":{"exists":{"field":"metadata.none"}}}`, []string{}},
		{"exists type always", `{"query":{"exists":{"field":"type"}}}`, all},
		{"term metadata key", `{"query":{"term":{"metadata.env":"prod"}}}`, []string{"a0", "d3"}},
		{"term metadata number as keyword", `{"query":{"term":{"metadata.tier":1}}}`, []string{"a0"}},
		{"term metadata array item", `{"query":{"term":{"metadata.tags":"y"}}}`, []string{"a0"}},
		{"term metadata root any leaf", `{"query":{"term":{"metadata":"core"}}}`, []string{"d3"}},
		{"prefix metadata", `{"query":{"prefix":{"metadata.env":"pr"}}}`, []string{"a0", "d3"}},
		{"range metadata string order", `{"query":{"range":{"metadata.env":{"lt":"e"}}}}`, []string{"b1"}},
		{"term invalidated", `{"query":{"term":{"invalidated":true}}}`, []string{"b1"}},
		{"term invalidated string", `{"query":{"term":{"invalidated":"false"}}}`, []string{"a0", "c2", "d3"}},
		{"term creation", `{"query":{"term":{"creation":3000}}}`, []string{"c2"}},
		{"term creation string", `{"query":{"term":{"creation":"2000"}}}`, []string{"b1"}},
		{"terms creation", `{"query":{"terms":{"creation":[1000,"4000"]}}}`, []string{"a0", "d3"}},
		{"range creation", `{"query":{"range":{"creation":{"gte":2000,"lt":4000}}}}`, []string{"b1", "c2"}},
		{"range creation exclusive", `{"query":{"range":{"creation":{"gt":"2000","lte":"4000"}}}}`, []string{"c2", "d3"}},
		{"range creation now", `{"query":{"range":{"creation":{"gte":"now-8s"}}}}`, []string{"b1", "c2", "d3"}},
		{"range now rounding down", `{"query":{"range":{"creation":{"gte":"now-7s/m"}}}}`, all},
		{"range anchored math", `{"query":{"range":{"expiration":{"lte":"1000||+3s"}}}}`, []string{"c2"}},
		{"range expiration missing excluded", `{"query":{"range":{"expiration":{"gte":0}}}}`, []string{"a0", "c2"}},
		{"range no bounds is exists", `{"query":{"range":{"invalidation":{}}}}`, []string{"b1"}},
		{"range iso format", `{"query":{"range":{"creation":{"gte":"1970-01-01T00:00:02Z","format":"strict_date_optional_time"}}}}`, []string{"b1", "c2", "d3"}},
		{"range iso round up", `{"query":{"range":{"creation":{"lte":"1970-01-01","format":"strict_date_optional_time||epoch_millis"}}}}`, all},
		{"range time zone", `{"query":{"range":{"creation":{"lt":"1970-01-01T01:00:03","format":"strict_date_optional_time","time_zone":"+01:00"}}}}`, []string{"a0", "b1"}},
		{"range invalidated", `{"query":{"range":{"invalidated":{"gt":false}}}}`, []string{"b1"}},
		{"match name", `{"query":{"match":{"name":"beta"}}}`, []string{"b1"}},
		{"match creation", `{"query":{"match":{"creation":"1000"}}}`, []string{"a0"}},
		{"match date lenient", `{"query":{"match":{"creation":{"query":"soon","lenient":true}}}}`, []string{}},
		{"sqs all fields", `{"query":{"simple_query_string":{"query":"alice"}}}`, []string{"a0", "c2"}},
		{"sqs all fields prod", `{"query":{"simple_query_string":{"query":"prod"}}}`, []string{"a0", "d3"}},
		{"sqs date field", `{"query":{"simple_query_string":{"query":"4000","fields":["creation","expiration"]}}}`, []string{"c2", "d3"}},
		{"sqs metadata key", `{"query":{"simple_query_string":{"query":"core","fields":["metadata.team.name"]}}}`, []string{"d3"}},
		{"sqs pattern names flattened root", `{"query":{"simple_query_string":{"query":"dev","fields":["meta*"]}}}`, []string{"b1"}},
		{"sqs prefix", `{"query":{"simple_query_string":{"query":"de*","fields":["name"]}}}`, []string{"d3"}},
		{"bool", `{"query":{"bool":{"must":[{"term":{"realm_name":"native1"}}],"must_not":[{"term":{"invalidated":true}}],"filter":{"exists":{"field":"metadata"}}}}}`, []string{"a0", "d3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runKeys(t, tt.body)
			if diff := cmp.Diff(tt.want, keyIDs(res)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.body, diff)
			}
			if res.Total != len(tt.want) {
				t.Errorf("total %d, want %d", res.Total, len(tt.want))
			}
		})
	}
}

func TestAPIKeySortAndPaging(t *testing.T) {
	type hit struct {
		ID   string
		Sort []any
	}
	const maxL, minL = int64(9223372036854775807), int64(-9223372036854775808)
	tests := []struct {
		name, body string
		total      int
		want       []hit
	}{
		{"index order", `{"from":1,"size":2}`, 4, []hit{{"b1", nil}, {"c2", nil}}},
		{"creation desc", `{"sort":[{"creation":{"order":"desc"}}],"size":2}`, 4, []hit{{"d3", []any{int64(4000)}}, {"c2", []any{int64(3000)}}}},
		{"expiration missing last", `{"sort":["expiration"]}`, 4, []hit{
			{"c2", []any{int64(4000)}}, {"a0", []any{int64(5000)}}, {"b1", []any{maxL}}, {"d3", []any{maxL}}}},
		{"expiration desc missing last", `{"sort":[{"expiration":{"order":"desc"}}]}`, 4, []hit{
			{"a0", []any{int64(5000)}}, {"c2", []any{int64(4000)}}, {"b1", []any{minL}}, {"d3", []any{minL}}}},
		{"expiration missing first", `{"sort":[{"expiration":{"missing":"_first"}}],"size":1}`, 4, []hit{{"b1", []any{minL}}}},
		{"expiration custom missing", `{"sort":[{"expiration":{"missing":4500}}],"size":2}`, 4, []hit{{"c2", []any{int64(4000)}}, {"b1", []any{int64(4500)}}}},
		{"invalidated then name", `{"sort":[{"invalidated":{"order":"desc"}},"name"]}`, 4, []hit{
			{"b1", []any{true, "beta"}}, {"a0", []any{false, "alpha"}}, {"d3", []any{false, "delta"}}, {"c2", []any{false, nil}}}},
		{"metadata key", `{"sort":["metadata.env","_doc"]}`, 4, []hit{
			{"b1", []any{"dev", 1}}, {"a0", []any{"prod", 0}}, {"d3", []any{"prod", 3}}, {"c2", []any{nil, 2}}}},
		{"type", `{"sort":["type","creation"],"size":2}`, 4, []hit{{"b1", []any{"cross_cluster", int64(2000)}}, {"a0", []any{"rest", int64(1000)}}}},
		// The YAML test's paging: expiration then username, search_after
		// with the values as strings.
		{"search_after date string", `{"sort":["expiration","username"],"search_after":["4000","alice"]}`, 4, []hit{
			{"a0", []any{int64(5000), "alice"}}, {"b1", []any{maxL, "bob"}}, {"d3", []any{maxL, "carol"}}}},
		{"search_after missing date", `{"sort":["expiration","username"],"search_after":[9223372036854775807,"bob"]}`, 4, []hit{
			{"d3", []any{maxL, "carol"}}}},
		{"search_after date math", `{"sort":["creation"],"search_after":["now-7s"],"size":1}`, 4, []hit{{"d3", []any{int64(4000)}}}},
		{"search_after boolean", `{"sort":["invalidated","creation"],"search_after":[false,3000]}`, 4, []hit{
			{"d3", []any{false, int64(4000)}}, {"b1", []any{true, int64(2000)}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runKeys(t, tt.body)
			got := []hit{}
			for _, h := range res.Hits {
				got = append(got, hit{keyFixture()[h.Doc].ID, h.Sort})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.body, diff)
			}
			if res.Total != tt.total {
				t.Errorf("total %d, want %d", res.Total, tt.total)
			}
		})
	}
}

func aggJSON(t *testing.T, body string, typed bool) string {
	t.Helper()
	res := runKeys(t, body)
	if res.Aggs == nil {
		t.Fatalf("%s: no aggregations", body)
	}
	b, err := xcontent.Marshal(res.Aggs.Object(typed))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAPIKeyAggregations(t *testing.T) {
	tests := []struct {
		name, aggs, want string
	}{
		{"terms", `{"n":{"terms":{"field":"username"}}}`,
			`{"n":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[{"key":"alice","doc_count":2},{"key":"bob","doc_count":1},{"key":"carol","doc_count":1}]}}`},
		{"terms size and other", `{"n":{"terms":{"field":"username","size":1}}}`,
			`{"n":{"doc_count_error_upper_bound":0,"sum_other_doc_count":2,"buckets":[{"key":"alice","doc_count":2}]}}`},
		{"terms order key desc", `{"n":{"terms":{"field":"realm_name","order":{"_key":"desc"}}}}`,
			`{"n":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[{"key":"native1","doc_count":3},{"key":"file1","doc_count":1}]}}`},
		{"terms order count asc", `{"n":{"terms":{"field":"realm_name","order":[{"_count":"asc"}]}}}`,
			`{"n":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[{"key":"file1","doc_count":1},{"key":"native1","doc_count":3}]}}`},
		{"terms min_doc_count", `{"n":{"terms":{"field":"username","min_doc_count":2}}}`,
			`{"n":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[{"key":"alice","doc_count":2}]}}`},
		{"terms missing", `{"n":{"terms":{"field":"name","missing":"(none)"}}}`,
			`{"n":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[{"key":"(none)","doc_count":1},{"key":"alpha","doc_count":1},{"key":"beta","doc_count":1},{"key":"delta","doc_count":1}]}}`},
		{"terms include regex exclude list", `{"n":{"terms":{"field":"name","include":".*ta","exclude":["beta"]}}}`,
			`{"n":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[{"key":"delta","doc_count":1}]}}`},
		{"terms boolean", `{"n":{"terms":{"field":"invalidated"}}}`,
			`{"n":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[{"key":0,"key_as_string":"false","doc_count":3},{"key":1,"key_as_string":"true","doc_count":1}]}}`},
		{"terms date", `{"n":{"terms":{"field":"expiration"}}}`,
			`{"n":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[{"key":4000,"key_as_string":"4000","doc_count":1},{"key":5000,"key_as_string":"5000","doc_count":1}]}}`},
		{"terms flattened multi-valued", `{"n":{"terms":{"field":"metadata.tags"}}}`,
			`{"n":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[{"key":"x","doc_count":2},{"key":"y","doc_count":1}]}}`},
		{"terms type runtime", `{"n":{"terms":{"field":"type"}}}`,
			`{"n":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[{"key":"rest","doc_count":3},{"key":"cross_cluster","doc_count":1}]}}`},
		{"terms with sub-aggregation and order by it", `{"r":{"terms":{"field":"realm_name","order":{"u":"desc"}},"aggs":{"u":{"cardinality":{"field":"username"}}}}}`,
			`{"r":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[{"key":"native1","doc_count":3,"u":{"value":3}},{"key":"file1","doc_count":1,"u":{"value":1}}]}}`},
		{"range on creation", `{"r":{"range":{"field":"creation","ranges":[{"from":2000,"to":4000},{"to":2000},{"from":4000,"key":"late"}]}}}`,
			`{"r":{"buckets":[{"key":"*-2000","to":2000.0,"to_as_string":"2000","doc_count":1},{"key":"2000-4000","from":2000.0,"from_as_string":"2000","to":4000.0,"to_as_string":"4000","doc_count":2},{"key":"late","from":4000.0,"from_as_string":"4000","doc_count":1}]}}`},
		{"date_range math keyed", `{"r":{"date_range":{"field":"creation","keyed":true,"ranges":[{"to":"now-7s"},{"from":"now-7s"}]}}}`,
			`{"r":{"buckets":{"*-3000":{"to":3000.0,"to_as_string":"3000","doc_count":2},"3000-*":{"from":3000.0,"from_as_string":"3000","doc_count":2}}}}`},
		{"date_range iso format", `{"r":{"date_range":{"field":"expiration","format":"strict_date_optional_time","ranges":[{"from":"1970-01-01T00:00:04.500Z"}]}}}`,
			`{"r":{"buckets":[{"key":"4500-*","from":4500.0,"from_as_string":"4500","doc_count":1}]}}`},
		{"date_range missing", `{"r":{"date_range":{"field":"expiration","missing":0,"ranges":[{"to":1}]}}}`,
			`{"r":{"buckets":[{"key":"*-1","to":1.0,"to_as_string":"1","doc_count":2}]}}`},
		{"missing with sub", `{"m":{"missing":{"field":"metadata"},"aggs":{"u":{"terms":{"field":"username"}}}}}`,
			`{"m":{"doc_count":1,"u":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[{"key":"alice","doc_count":1}]}}}`},
		{"cardinality", `{"c":{"cardinality":{"field":"metadata.env"}}}`, `{"c":{"value":2}}`},
		{"value_count multi-valued", `{"v":{"value_count":{"field":"metadata.tags"}}}`, `{"v":{"value":3}}`},
		{"value_count missing", `{"v":{"value_count":{"field":"expiration","missing":1}}}`, `{"v":{"value":4}}`},
		{"composite", `{"c":{"composite":{"sources":[{"u":{"terms":{"field":"username"}}},{"i":{"terms":{"field":"invalidated","order":"desc"}}}]}}}`,
			`{"c":{"after_key":{"u":"carol","i":false},"buckets":[{"key":{"u":"alice","i":false},"doc_count":2},{"key":{"u":"bob","i":true},"doc_count":1},{"key":{"u":"carol","i":false},"doc_count":1}]}}`},
		{"composite after and size", `{"c":{"composite":{"size":1,"after":{"u":"alice"},"sources":[{"u":{"terms":{"field":"username"}}}]}}}`,
			`{"c":{"after_key":{"u":"bob"},"buckets":[{"key":{"u":"bob"},"doc_count":1}]}}`},
		{"composite missing bucket and date", `{"c":{"composite":{"sources":[{"e":{"terms":{"field":"expiration","missing_bucket":true}}}]}}}`,
			`{"c":{"after_key":{"e":"5000"},"buckets":[{"key":{"e":null},"doc_count":2},{"key":{"e":"4000"},"doc_count":1},{"key":{"e":"5000"},"doc_count":1}]}}`},
		{"composite past the end", `{"c":{"composite":{"after":{"u":"zed"},"sources":[{"u":{"terms":{"field":"username"}}}]}}}`,
			`{"c":{"buckets":[]}}`},
		{"filter with sub", `{"f":{"filter":{"term":{"realm_name":"native1"}},"aggs":{"t":{"terms":{"field":"type"}}}}}`,
			`{"f":{"doc_count":3,"t":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[{"key":"rest","doc_count":2},{"key":"cross_cluster","doc_count":1}]}}}`},
		{"filters keyed other", `{"f":{"filters":{"other_bucket_key":"rest","filters":{"alice":{"term":{"username":"alice"}},"live":{"bool":{"must_not":{"term":{"invalidated":true}}}}}}}}`,
			`{"f":{"buckets":{"alice":{"doc_count":2},"live":{"doc_count":3},"rest":{"doc_count":1}}}}`},
		{"filters anonymous", `{"f":{"filters":{"filters":[{"match_all":{}},{"exists":{"field":"expiration"}}]}}}`,
			`{"f":{"buckets":[{"doc_count":4},{"doc_count":2}]}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := aggJSON(t, `{"size":0,"aggs":`+tt.aggs+`}`, false)
			if got != tt.want {
				t.Errorf("%s\n got %s\nwant %s", tt.aggs, got, tt.want)
			}
		})
	}
}

// Aggregations see only the query's documents; typed_keys names every
// level by its result type; "aggregations" is "aggs" too.
func TestAPIKeyAggregationsScopeAndTypedKeys(t *testing.T) {
	got := aggJSON(t, `{"query":{"term":{"username":"alice"}},"aggregations":{"n":{"terms":{"field":"invalidated"},"aggs":{"r":{"date_range":{"field":"creation","ranges":[{"to":2000}]}},`+
		`"m":{"missing":{"field":"name"}},"c":{"cardinality":{"field":"name"}},"v":{"value_count":{"field":"name"}},"f":{"filter":{"match_all":{}}},"fs":{"filters":{"filters":[]}},"rg":{"range":{"field":"creation","ranges":[{}]}}}},`+
		`"s":{"terms":{"field":"name"}},"co":{"composite":{"sources":[{"x":{"terms":{"field":"name"}}}]}}}}`, true)
	want := `{"lterms#n":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[{"key":0,"key_as_string":"false","doc_count":2,` +
		`"date_range#r":{"buckets":[{"key":"*-2000","to":2000.0,"to_as_string":"2000","doc_count":1}]},"missing#m":{"doc_count":1},"cardinality#c":{"value":1},"value_count#v":{"value":1},` +
		`"filter#f":{"doc_count":2},"filters#fs":{"buckets":[]},"range#rg":{"buckets":[{"key":"*-*","doc_count":2}]}}]},` +
		`"sterms#s":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[{"key":"alpha","doc_count":1}]},` +
		`"composite#co":{"after_key":{"x":"alpha"},"buckets":[{"key":{"x":"alpha"},"doc_count":1}]}}`
	if got != want {
		t.Errorf("\n got %s\nwant %s", got, want)
	}
	res := runKeys(t, `{"query":{"term":{"username":"alice"}}}`)
	if res.Aggs != nil {
		t.Errorf("aggregations without asking: %+v", res.Aggs)
	}
}

const (
	wrapKeyQuery = "x_content_parse_exception: [%s] [query_api_key_request_payload] failed to parse field [%s] <- "
	dateFail     = "query_shard_exception: failed to create query: failed to parse date field [soon] with format [epoch_millis]: [failed to parse date field [soon] with format [epoch_millis]] <- " +
		"parse_exception: failed to parse date field [soon] with format [epoch_millis]: [failed to parse date field [soon] with format [epoch_millis]] <- " +
		"illegal_argument_exception: failed to parse date field [soon] with format [epoch_millis]"
)

func wrapKey(loc, field string) string {
	return strings.Replace(strings.Replace(wrapKeyQuery, "%s", loc, 1), "%s", field, 1)
}

func TestAPIKeyErrors(t *testing.T) {
	tests := []struct {
		name, body, want string
		status           int
	}{
		{"unknown body field", `{"agg":{}}`, "x_content_parse_exception: [1:2] [query_api_key_request_payload] unknown field [agg] did you mean [aggs]?", 400},
		{"aggs not object", `{"aggs":[]}`, "x_content_parse_exception: [1:9] [query_api_key_request_payload] aggs doesn't support values of type: START_ARRAY", 400},
		{"aggs and aggregations", `{"aggs":{},"aggregations":{}}`, "x_content_parse_exception: Failed to build [query_api_key_request_payload] after last required field arrived <- illegal_argument_exception: Duplicate 'aggs' or 'aggregations' field", 400},
		{"negative size", `{"size":-1,"query":{"term":{"id":"x"}}}`, "action_request_validation_exception: Validation Failed: 1: [size] parameter cannot be negative but was [-1];", 400},

		// Field names.
		{"id is no field", `{"query":{"term":{"id":"x"}}}`, "illegal_argument_exception: Field [id] is not allowed for querying or aggregation", 400},
		{"index-level name", `{"query":{"term":{"creator.principal":"x"}}}`, "illegal_argument_exception: Field [creator.principal] is not allowed for querying or aggregation", 400},
		{"pattern", `{"query":{"exists":{"field":"meta*"}}}`, "illegal_argument_exception: Field name pattern [meta*] is not allowed for querying or aggregation", 400},
		{"unsupported query", `{"query":{"bool":{"should":{"fuzzy":{"name":"x"}}}}}`, "illegal_argument_exception: Query type [fuzzy] is not currently supported in this context", 400},
		{"sort unknown", `{"sort":["id"]}`, "illegal_argument_exception: Field [id] is not allowed for querying or aggregation", 400},
		{"range relation", `{"query":{"range":{"creation":{"gte":1,"relation":"within"}}}}`, "illegal_argument_exception: range query with relation is not currently supported in this context", 400},
		{"query before aggs", `{"aggs":{"a":{"terms":{"field":"x"}}},"query":{"term":{"y":"z"}}}`, "illegal_argument_exception: Field [y] is not allowed for querying or aggregation", 400},

		// Dates and booleans on the shard.
		{"term date", `{"query":{"term":{"creation":"soon"}}}`, spee + dateFail, 400},
		{"match date", `{"query":{"match":{"creation":"soon"}}}`, spee + dateFail, 400},
		{"range date math", `{"query":{"range":{"creation":{"gte":"now*2"}}}}`, spee + "query_shard_exception: failed to create query: operator not supported for date math [*2] <- parse_exception: operator not supported for date math [*2]", 400},
		{"range date unit", `{"query":{"range":{"creation":{"gte":"now-1q"}}}}`, spee + "query_shard_exception: failed to create query: unit [q] not supported for date math [-1q] <- parse_exception: unit [q] not supported for date math [-1q]", 400},
		{"range date rounding", `{"query":{"range":{"creation":{"gte":"now/2d"}}}}`, spee + "query_shard_exception: failed to create query: rounding `/` can only be used on single unit types [/2d] <- parse_exception: rounding `/` can only be used on single unit types [/2d]", 400},
		{"range truncated math", `{"query":{"range":{"creation":{"gte":"now-"}}}}`, spee + "query_shard_exception: failed to create query: truncated date math [-] <- parse_exception: truncated date math [-]", 400},
		{"prefix date", `{"query":{"prefix":{"creation":"1"}}}`, spee + "query_shard_exception: Can only use prefix queries on keyword, text and wildcard fields - not on [creation_time] which is of type [date]", 400},
		{"wildcard boolean", `{"query":{"wildcard":{"invalidated":"t*"}}}`, spee + "query_shard_exception: Can only use wildcard queries on keyword, text and wildcard fields - not on [api_key_invalidated] which is of type [boolean]", 400},
		{"fuzzy match date", `{"query":{"match":{"expiration":{"query":"1","fuzziness":1}}}}`, spee + "query_shard_exception: failed to create query: Can only use fuzzy queries on keyword and text fields - not on [expiration_time] which is of type [date] <- illegal_argument_exception: Can only use fuzzy queries on keyword and text fields - not on [expiration_time] which is of type [date]", 400},
		{"bad time zone", `{"query":{"range":{"creation":{"gte":1,"time_zone":"Mars/Olympus"}}}}`, wrapKey("1:52", "query") + "zone_rules_exception: Unknown time-zone ID: Mars/Olympus", 400},
		{"search_after date", `{"sort":["creation"],"search_after":["soon"]}`, spee + "illegal_argument_exception: Failed to parse search_after value for field [creation_time]. <- parse_exception: failed to parse date field [soon] with format [epoch_millis]: [failed to parse date field [soon] with format [epoch_millis]] <- illegal_argument_exception: failed to parse date field [soon] with format [epoch_millis]", 400},
		{"search_after null date", `{"sort":["creation"],"search_after":[null]}`, spee + `null_pointer_exception: Cannot invoke "java.lang.Long.longValue()" because "value" is null`, 500},

		// Aggregation parsing.
		{"agg name", `{"aggs":{"a[0]":{"terms":{"field":"name"}}}}`, wrapKey("1:10", "aggs") + "parsing_exception: Invalid aggregation name [a[0]]. Aggregation names can contain any character except '[', ']', and '>'", 400},
		{"agg not object", `{"aggs":{"a":1}}`, wrapKey("1:14", "aggs") + "parsing_exception: Aggregation definition for [a starts with a [VALUE_NUMBER], expected a [START_OBJECT].", 400},
		{"agg type not object", `{"aggs":{"a":{"terms":1}}}`, wrapKey("1:23", "aggs") + "parsing_exception: Expected [START_OBJECT] under [terms], but got a [VALUE_NUMBER] in [a]", 400},
		{"unknown agg type", `{"aggs":{"a":{"term":{}}}}`, wrapKey("1:15", "aggs") + "parsing_exception: Unknown aggregation type [term] did you mean [terms]? <- named_object_not_found_exception: [1:15] unknown field [term]", 400},
		{"two agg types", `{"aggs":{"a":{"terms":{"field":"name"},"missing":{"field":"name"}}}}`, wrapKey("1:50", "aggs") + "parsing_exception: Found two aggregation type definitions in [a]: [terms] and [missing]", 400},
		{"no agg type", `{"aggs":{"a":{"aggs":{}}}}`, wrapKey("1:24", "aggs") + "parsing_exception: Missing definition for aggregation [a]", 400},
		{"two sub-aggs", `{"aggs":{"a":{"filter":{"match_all":{}},"aggs":{},"aggregations":{}}}}`, wrapKey("1:66", "aggs") + "parsing_exception: Found two sub aggregation definitions under [a]", 400},
		{"metric with sub-aggs", `{"aggs":{"a":{"cardinality":{"field":"name"},"aggs":{"b":{"missing":{"field":"name"}}}}}}`, wrapKey("1:87", "aggs") + "aggregation_initialization_exception: Aggregator [a] of type [cardinality] cannot accept sub-aggregations", 400},
		{"terms unknown field", `{"aggs":{"a":{"terms":{"feild":"name"}}}}`, wrapKey("1:32", "aggs") + "x_content_parse_exception: [1:24] [terms] unknown field [feild] did you mean [field]?", 400},
		{"terms size zero", `{"aggs":{"a":{"terms":{"field":"name","size":0}}}}`, wrapKey("1:46", "aggs") + "x_content_parse_exception: [1:46] [terms] failed to parse field [size] <- illegal_argument_exception: [size] must be greater than 0. Found [0] in [a]", 400},
		{"terms bad order", `{"aggs":{"a":{"terms":{"field":"name","order":{"_key":"up"}}}}}`, wrapKey("1:55", "aggs") + "x_content_parse_exception: [1:55] [terms] failed to parse field [order] <- parsing_exception: Unknown order direction [up]", 400},
		{"composite without sources", `{"aggs":{"a":{"composite":{}}}}`, wrapKey("1:28", "aggs") + "illegal_argument_exception: Required [sources]", 400},
		{"filter bad query", `{"aggs":{"a":{"filter":{"foo":{}}}}}`, wrapKey("1:31", "aggs") + "parsing_exception: unknown query [foo] <- named_object_not_found_exception: [1:31] unknown field [foo]", 400},

		// Aggregation translation.
		{"pipeline at the top", `{"aggs":{"a":{"terms":{"field":"x"}},"b":{"avg_bucket":{"buckets_path":"a"}}}}`, "illegal_argument_exception: Unsupported aggregation of type [avg_bucket]", 400},
		{"unsupported agg", `{"aggs":{"a":{"avg":{"field":"creation"}}}}`, "illegal_argument_exception: Unsupported API Keys agg [a] of type [avg]", 400},
		{"global refused", `{"aggs":{"a":{"terms":{"field":"name"},"aggs":{"g":{"global":{}}}}}}`, "illegal_argument_exception: Unsupported API Keys agg [g] of type [global]", 400},
		{"script", `{"aggs":{"a":{"terms":{"script":"doc['name']"}}}}`, "illegal_argument_exception: Unsupported script value source for [a] agg", 400},
		{"composite script", `{"aggs":{"a":{"composite":{"sources":[{"s":{"terms":{"script":"x"}}}]}}}}`, "illegal_argument_exception: Unsupported script value source for [s] of composite agg [a]", 400},
		{"composite histogram", `{"aggs":{"a":{"composite":{"sources":[{"s":{"histogram":{"field":"creation","interval":1}}}]}}}}`, "illegal_argument_exception: Unsupported value source type for [s] of composite agg [a].Only [terms] value sources are allowed.", 400},
		{"agg field unknown", `{"aggs":{"a":{"cardinality":{"field":"id"}}}}`, "illegal_argument_exception: Field [id] is not allowed for querying or aggregation", 400},
		{"agg without field", `{"aggs":{"a":{"value_count":{}}}}`, `null_pointer_exception: Cannot invoke "String.indexOf(int)" because "str" is null`, 500},
		{"filter agg field", `{"aggs":{"a":{"filters":{"filters":{"x":{"term":{"password":"p"}}}}}}}`, "illegal_argument_exception: Field [password] is not allowed for querying or aggregation", 400},

		// Aggregations the shard refuses.
		{"range on keyword", `{"aggs":{"a":{"range":{"field":"name","ranges":[{"to":1}]}}}}`, spee + "illegal_argument_exception: Field [name] of type [keyword] is not supported for aggregation [range]", 400},
		{"date_range on flattened", `{"aggs":{"a":{"date_range":{"field":"metadata.x","ranges":[{"to":1}]}}}}`, spee + "illegal_argument_exception: Field [metadata_flattened.x] of type [flattened] is not supported for aggregation [date_range]", 400},
		{"range without ranges", `{"aggs":{"a":{"range":{"field":"creation"}}}}`, spee + "illegal_argument_exception: No [ranges] specified for the [a] aggregation", 400},
		{"date_range bad date", `{"aggs":{"a":{"date_range":{"field":"creation","ranges":[{"to":"soon"}]}}}}`, spee + "parse_exception: failed to parse date field [soon] with format [epoch_millis]: [failed to parse date field [soon] with format [epoch_millis]] <- illegal_argument_exception: failed to parse date field [soon] with format [epoch_millis]", 400},
		{"composite under terms", `{"aggs":{"a":{"terms":{"field":"name"},"aggs":{"c":{"composite":{"sources":[{"s":{"terms":{"field":"name"}}}]}}}}}}`, spee + "illegal_argument_exception: [composite] aggregation cannot be used with a parent aggregation of type: [TermsAggregatorFactory]", 400},
		{"composite after count", `{"aggs":{"a":{"composite":{"after":{"s":"x","t":"y"},"sources":[{"s":{"terms":{"field":"name"}}}]}}}}`, spee + "illegal_argument_exception: [after] has 2 value(s) but [sources] has 1", 400},
		{"composite after name", `{"aggs":{"a":{"composite":{"after":{"t":"x"},"sources":[{"s":{"terms":{"field":"name"}}}]}}}}`, spee + "illegal_argument_exception: Missing value for [after.s]", 400},
		{"terms order path", `{"aggs":{"a":{"terms":{"field":"name","order":{"nope":"asc"}}}}}`, spee + "aggregation_execution_exception: Invalid aggregation order path [nope]. The provided aggregation [nope] either does not exist, or is a pipeline aggregation and cannot be used to sort the buckets.", 400},
		{"filter agg shard error", `{"aggs":{"a":{"filter":{"prefix":{"creation":"1"}}}}}`, spee + "query_shard_exception: Can only use prefix queries on keyword, text and wildcard fields - not on [creation_time] which is of type [date]", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := APIKeys.parseAt([]byte(tt.body), now)
			var e *eserr.Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%s) = %v, want an *eserr.Error", tt.body, err)
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

// The aggregations render as JSON that decodes (no NaN, no stray types).
func TestAggregationsJSON(t *testing.T) {
	got := aggJSON(t, `{"aggs":{"r":{"range":{"field":"invalidated","ranges":[{"from":1}]}}}}`, false)
	var v any
	if err := json.Unmarshal([]byte(got), &v); err != nil {
		t.Fatalf("%s: %v", got, err)
	}
	want := `{"r":{"buckets":[{"key":"1.0-*","from":1.0,"from_as_string":"true","doc_count":1}]}}`
	if got != want {
		t.Errorf("\n got %s\nwant %s", got, want)
	}
}
