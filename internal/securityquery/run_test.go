package securityquery

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// names runs body over the fixture and returns the total and the page's
// usernames in order.
func names(t *testing.T, body string) (int, []string) {
	t.Helper()
	r, err := ParseUsers([]byte(body))
	if err != nil {
		t.Fatalf("Parse(%s): %v", body, err)
	}
	res := r.Run(fixture())
	out := []string{}
	for _, h := range res.Hits {
		out = append(out, h.User.Username)
	}
	return res.Total, out
}

// The fixture's usernames in document (username, byte) order.
var all = []string{"Zed", "alice", "bob", "carol", "dave", "eve"}

func TestRunQueries(t *testing.T) {
	tests := []struct {
		name, body string
		want       []string // every match fits in one page
	}{
		{"no body", ``, all},
		{"empty object", `{}`, all},
		{"match_all", `{"query":{"match_all":{"boost":2,"_name":"x"}}}`, all},

		// ids are document ids: "user-" + username.
		{"ids", `{"query":{"ids":{"values":["user-alice","bob","user-nobody"]}}}`, []string{"alice"}},
		{"ids single string", `{"query":{"ids":{"values":"user-Zed"}}}`, []string{"Zed"}},
		{"ids empty", `{"query":{"ids":{"values":[]}}}`, []string{}},

		// term: keyword fields exact, text fields against tokens, boolean parsed.
		{"term username", `{"query":{"term":{"username":"alice"}}}`, []string{"alice"}},
		{"term username case", `{"query":{"term":{"username":"ALICE"}}}`, []string{}},
		{"term username case_insensitive", `{"query":{"term":{"username":{"value":"ALICE","case_insensitive":true}}}}`, []string{"alice"}},
		{"term roles", `{"query":{"term":{"roles":{"value":"admin","boost":2}}}}`, []string{"alice", "dave"}},
		{"term full_name token", `{"query":{"term":{"full_name":"liddell"}}}`, []string{"alice"}},
		{"term full_name not analysed", `{"query":{"term":{"full_name":"Alice Liddell"}}}`, []string{}},
		{"term email token", `{"query":{"term":{"email":"builder"}}}`, []string{"bob"}},
		{"term email whole", `{"query":{"term":{"email":"eve@example.com"}}}`, []string{"eve"}},
		{"term enabled", `{"query":{"term":{"enabled":false}}}`, []string{"bob", "eve"}},
		{"term enabled string", `{"query":{"term":{"enabled":"true"}}}`, []string{"Zed", "alice", "carol", "dave"}},
		{"term number as keyword", `{"query":{"term":{"username":1.50}}}`, []string{}},

		{"terms", `{"query":{"terms":{"roles":["ops","test-role-1"]}}}`, []string{"dave", "eve"}},
		{"terms enabled both", `{"query":{"terms":{"enabled":[true,"false"]}}}`, all},
		{"terms empty", `{"query":{"terms":{"username":[]}}}`, []string{}},

		{"exists roles", `{"query":{"exists":{"field":"roles"}}}`, []string{"Zed", "alice", "bob", "dave", "eve"}},
		{"exists full_name", `{"query":{"exists":{"field":"full_name"}}}`, []string{"Zed", "alice", "bob", "dave", "eve"}},
		{"exists email", `{"query":{"exists":{"field":"email"}}}`, []string{"alice", "bob", "dave", "eve"}},
		{"exists enabled", `{"query":{"exists":{"field":"enabled"}}}`, all},

		{"prefix", `{"query":{"prefix":{"username":"a"}}}`, []string{"alice"}},
		{"prefix long form", `{"query":{"prefix":{"roles":{"value":"test-"}}}}`, []string{"Zed", "eve"}},
		{"prefix case", `{"query":{"prefix":{"username":"Z"}}}`, []string{"Zed"}},
		{"prefix case_insensitive", `{"query":{"prefix":{"username":{"value":"z","case_insensitive":true}}}}`, []string{"Zed"}},
		{"prefix text token", `{"query":{"prefix":{"full_name":"lid"}}}`, []string{"alice"}},
		{"prefix text not lowercased", `{"query":{"prefix":{"full_name":"Lid"}}}`, []string{}},

		{"wildcard roles", `{"query":{"wildcard":{"roles":"test-role-*"}}}`, []string{"Zed", "eve"}},
		{"wildcard question mark", `{"query":{"wildcard":{"username":"?ob"}}}`, []string{"bob"}},
		{"wildcard suffix", `{"query":{"wildcard":{"username":{"value":"*e"}}}}`, []string{"alice", "dave", "eve"}},
		{"wildcard middle", `{"query":{"wildcard":{"username":{"wildcard":"a*c*"}}}}`, []string{"alice"}},
		{"wildcard case_insensitive", `{"query":{"wildcard":{"username":{"value":"ALI*","case_insensitive":true}}}}`, []string{"alice"}},
		{"wildcard escape", `{"query":{"wildcard":{"roles":"test\\-role\\-?"}}}`, []string{"Zed", "eve"}},
		{"wildcard literal star", `{"query":{"wildcard":{"roles":"\\*"}}}`, []string{}},
		{"wildcard text token", `{"query":{"wildcard":{"email":"*.example.*"}}}`, []string{"bob"}},

		{"range keyword", `{"query":{"range":{"username":{"gte":"b","lt":"d"}}}}`, []string{"bob", "carol"}},
		{"range keyword exclusive", `{"query":{"range":{"username":{"gt":"bob","lte":"dave"}}}}`, []string{"carol", "dave"}},
		{"range from to", `{"query":{"range":{"username":{"from":"alice","to":"bob","include_upper":false}}}}`, []string{"alice"}},
		{"range roles any value", `{"query":{"range":{"roles":{"gte":"o"}}}}`, []string{"Zed", "dave", "eve"}},
		{"range uppercase first", `{"query":{"range":{"username":{"lt":"a"}}}}`, []string{"Zed"}},
		{"range enabled", `{"query":{"range":{"enabled":{"lt":true}}}}`, []string{"bob", "eve"}},
		{"range enabled gte false", `{"query":{"range":{"enabled":{"gte":"false"}}}}`, all},
		{"range no bounds is exists", `{"query":{"range":{"email":{"gte":null}}}}`, []string{"alice", "bob", "dave", "eve"}},
		{"range text tokens", `{"query":{"range":{"full_name":{"gte":"y"}}}}`, []string{"Zed"}},

		{"match text or", `{"query":{"match":{"full_name":"alice builder"}}}`, []string{"alice", "bob"}},
		{"match text and", `{"query":{"match":{"full_name":{"query":"bob builder","operator":"and"}}}}`, []string{"bob"}},
		{"match text and miss", `{"query":{"match":{"full_name":{"query":"bob liddell","operator":"AND"}}}}`, []string{}},
		{"match minimum_should_match", `{"query":{"match":{"full_name":{"query":"bob builder zed","minimum_should_match":2}}}}`, []string{"bob"}},
		{"match and with minimum_should_match", `{"query":{"match":{"full_name":{"query":"bob builder","operator":"and","minimum_should_match":1}}}}`, []string{}},
		{"match and with zero minimum", `{"query":{"match":{"full_name":{"query":"bob builder","operator":"and","minimum_should_match":"0%"}}}}`, []string{"bob"}},
		{"match fuzzy and", `{"query":{"match":{"full_name":{"query":"bob bilder","operator":"and","fuzziness":1}}}}`, []string{"bob"}},
		{"match fuzzy or minimum", `{"query":{"match":{"full_name":{"query":"bob bilder zzz","fuzziness":1,"minimum_should_match":2}}}}`, []string{"bob"}},
		{"sqs and minimum", `{"query":{"simple_query_string":{"query":"bob builder","fields":["full_name"],"default_operator":"and","minimum_should_match":"1"}}}`, []string{}},
		{"sqs one field multi-token minimum", `{"query":{"simple_query_string":{"query":"bob-zed","fields":["full_name"],"minimum_should_match":"100%"}}}`, []string{}},
		{"sqs one field multi-token", `{"query":{"simple_query_string":{"query":"bob-zed","fields":["full_name"]}}}`, []string{"Zed", "bob"}},
		{"match minimum_should_match percent", `{"query":{"match":{"full_name":{"query":"zed alice","minimum_should_match":"100%"}}}}`, []string{}},
		{"match apostrophe", `{"query":{"match":{"full_name":"o'brien"}}}`, []string{"dave"}},
		{"match keyword whole value", `{"query":{"match":{"username":"alice"}}}`, []string{"alice"}},
		{"match keyword not split", `{"query":{"match":{"roles":"dev ops"}}}`, []string{}},
		{"match email address", `{"query":{"match":{"email":"dave@example.com"}}}`, []string{"alice", "bob", "dave", "eve"}},
		{"match email local part", `{"query":{"match":{"email":"bob.builder"}}}`, []string{"bob"}},
		{"match enabled", `{"query":{"match":{"enabled":"false"}}}`, []string{"bob", "eve"}},
		{"match enabled lenient", `{"query":{"match":{"enabled":{"query":"maybe","lenient":true}}}}`, []string{}},
		{"match fuzziness", `{"query":{"match":{"full_name":{"query":"alise","fuzziness":"AUTO"}}}}`, []string{"alice"}},
		{"match fuzziness transposition", `{"query":{"match":{"username":{"query":"aliec","fuzziness":1}}}}`, []string{"alice"}},
		{"match fuzziness no transposition", `{"query":{"match":{"username":{"query":"aliec","fuzziness":1,"fuzzy_transpositions":false}}}}`, []string{}},
		{"match fuzziness prefix", `{"query":{"match":{"username":{"query":"blice","fuzziness":1,"prefix_length":1}}}}`, []string{}},
		{"match zero terms", `{"query":{"match":{"full_name":"!!!"}}}`, []string{}},
		{"match zero terms all", `{"query":{"match":{"full_name":{"query":"!!!","zero_terms_query":"all"}}}}`, all},
		{"match analyzer", `{"query":{"match":{"roles":{"query":"test-role-1","analyzer":"whitespace"}}}}`, []string{"eve"}},

		{"sqs all fields", `{"query":{"simple_query_string":{"query":"admin"}}}`, []string{"alice", "dave"}},
		{"sqs prefix", `{"query":{"simple_query_string":{"query":"ali*"}}}`, []string{"alice"}},
		{"sqs prefix normalised", `{"query":{"simple_query_string":{"query":"LID*","fields":["full_name"]}}}`, []string{"alice"}},
		{"sqs not", `{"query":{"simple_query_string":{"query":"-bob","fields":["username"]}}}`, []string{"Zed", "alice", "carol", "dave", "eve"}},
		{"sqs or with not", `{"query":{"simple_query_string":{"query":"alice -dev","fields":["username","roles"]}}}`, []string{"Zed", "alice", "carol", "dave", "eve"}},
		{"sqs and", `{"query":{"simple_query_string":{"query":"+admin +ops","fields":["roles"]}}}`, []string{"dave"}},
		{"sqs default and", `{"query":{"simple_query_string":{"query":"admin ops","fields":["roles"],"default_operator":"and"}}}`, []string{"dave"}},
		{"sqs or", `{"query":{"simple_query_string":{"query":"ops | test-role-2","fields":["roles"]}}}`, []string{"Zed", "dave"}},
		{"sqs phrase", `{"query":{"simple_query_string":{"query":"\"bob builder\""}}}`, []string{"bob"}},
		{"sqs phrase order", `{"query":{"simple_query_string":{"query":"\"builder bob\"","fields":["full_name"]}}}`, []string{}},
		{"sqs phrase slop", `{"query":{"simple_query_string":{"query":"\"builder bob\"~2","fields":["full_name"]}}}`, []string{"bob"}},
		{"sqs precedence", `{"query":{"simple_query_string":{"query":"(admin | dev) +ops","fields":["roles"]}}}`, []string{"dave"}},
		{"sqs fuzzy", `{"query":{"simple_query_string":{"query":"alise~1","fields":["username"]}}}`, []string{"alice"}},
		{"sqs fuzzy default distance", `{"query":{"simple_query_string":{"query":"alxxe~","fields":["username"]}}}`, []string{"alice"}},
		{"sqs escape", `{"query":{"simple_query_string":{"query":"test\\-role\\-1","fields":["roles"]}}}`, []string{"eve"}},
		{"sqs flags none", `{"query":{"simple_query_string":{"query":"ali*","fields":["username"],"flags":"NONE"}}}`, []string{}},
		{"sqs field pattern", `{"query":{"simple_query_string":{"query":"zed","fields":["full_*","user*^2"]}}}`, []string{"Zed"}},
		{"sqs unknown fields match none", `{"query":{"simple_query_string":{"query":"alice","fields":["password"]}}}`, []string{}},
		{"sqs lenient on enabled", `{"query":{"simple_query_string":{"query":"true"}}}`, []string{"Zed", "alice", "carol", "dave"}},
		{"sqs empty", `{"query":{"simple_query_string":{"query":""}}}`, []string{}},
		{"sqs minimum_should_match", `{"query":{"simple_query_string":{"query":"admin dev ops","fields":["roles"],"minimum_should_match":"2"}}}`, []string{"alice", "dave"}},
		{"sqs email synonyms", `{"query":{"simple_query_string":{"query":"example.org","fields":["email"]}}}`, []string{"alice", "bob", "dave", "eve"}},
		{"sqs email exact part", `{"query":{"simple_query_string":{"query":"corp.example.org","fields":["email"],"analyzer":"keyword"}}}`, []string{"bob"}},

		{"bool must", `{"query":{"bool":{"must":[{"term":{"roles":"admin"}},{"term":{"enabled":true}}]}}}`, []string{"alice", "dave"}},
		{"bool filter object", `{"query":{"bool":{"filter":{"term":{"roles":"dev"}}}}}`, []string{"alice", "bob"}},
		{"bool must_not only", `{"query":{"bool":{"must_not":[{"exists":{"field":"roles"}}]}}}`, []string{"carol"}},
		{"bool must_not no adjust", `{"query":{"bool":{"must_not":[{"exists":{"field":"roles"}}],"adjust_pure_negative":false}}}`, []string{}},
		{"bool should only", `{"query":{"bool":{"should":[{"term":{"username":"bob"}},{"term":{"username":"eve"}}]}}}`, []string{"bob", "eve"}},
		{"bool filter makes should optional", `{"query":{"bool":{"filter":[{"term":{"roles":"dev"}}],"should":[{"term":{"username":"nobody"}}]}}}`, []string{"alice", "bob"}},
		{"bool minimum_should_match", `{"query":{"bool":{"should":[{"term":{"roles":"dev"}},{"term":{"roles":"admin"}},{"term":{"enabled":true}}],"minimum_should_match":2}}}`, []string{"alice", "dave"}},
		{"bool minimum_should_match negative", `{"query":{"bool":{"should":[{"term":{"roles":"dev"}},{"term":{"roles":"admin"}}],"minimum_should_match":"-1"}}}`, []string{"alice", "bob", "dave"}},
		{"bool minimum_should_match too many", `{"query":{"bool":{"should":[{"term":{"roles":"dev"}}],"minimum_should_match":3}}}`, []string{}},
		{"bool minimum_should_match conditional", `{"query":{"bool":{"should":[{"term":{"roles":"dev"}},{"term":{"roles":"admin"}},{"term":{"enabled":true}}],"minimum_should_match":"2<-1"}}}`, []string{"alice", "dave"}},
		{"bool empty", `{"query":{"bool":{}}}`, all},
		{"bool nested", `{"query":{"bool":{"should":[{"bool":{"must_not":{"term":{"enabled":true}}}},{"term":{"username":"carol"}}]}}}`, []string{"bob", "carol", "eve"}},
		{"bool must_not with should", `{"query":{"bool":{"must_not":{"term":{"username":"bob"}},"should":[{"term":{"roles":"dev"}}]}}}`, []string{"alice"}},
		{"bool clause after string", `{"query":{"bool":{"must":["x",{"term":{"username":"bob"}}]}}}`, []string{"bob"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			total, got := names(t, tt.body)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.body, diff)
			}
			if total != len(tt.want) {
				t.Errorf("total %d, want %d", total, len(tt.want))
			}
		})
	}
}

func TestRunPagingAndSort(t *testing.T) {
	type hit struct {
		Name string
		Sort []any
	}
	tests := []struct {
		name, body string
		total      int
		want       []hit
	}{
		{"size", `{"size":2}`, 6, []hit{{"Zed", nil}, {"alice", nil}}},
		{"from", `{"from":4}`, 6, []hit{{"dave", nil}, {"eve", nil}}},
		{"from past the end", `{"from":6}`, 6, []hit{}},
		{"size zero", `{"size":0}`, 6, []hit{}},
		{"string from and size", `{"from":"1","size":"1.9"}`, 6, []hit{{"alice", nil}}},
		{"yaml test", `{"query":{"wildcard":{"roles":"test-role-*"}},"sort":[{"username":{"order":"desc"}}],"from":1,"size":1}`, 2,
			[]hit{{"Zed", []any{"Zed"}}}},
		{"sort username", `{"sort":["username"],"size":3}`, 6, []hit{{"Zed", []any{"Zed"}}, {"alice", []any{"alice"}}, {"bob", []any{"bob"}}}},
		{"sort username desc", `{"sort":[{"username":{"order":"DESC"}}],"size":2}`, 6, []hit{{"eve", []any{"eve"}}, {"dave", []any{"dave"}}}},
		{"sort roles min, missing last", `{"sort":["roles"]}`, 6, []hit{
			{"alice", []any{"admin"}}, {"dave", []any{"admin"}}, {"bob", []any{"dev"}},
			{"eve", []any{"test-role-1"}}, {"Zed", []any{"test-role-2"}}, {"carol", []any{nil}}}},
		{"sort roles desc max, missing still last", `{"sort":[{"roles":{"order":"desc"}}]}`, 6, []hit{
			{"Zed", []any{"test-role-2"}}, {"eve", []any{"test-role-1"}}, {"dave", []any{"ops"}},
			{"alice", []any{"dev"}}, {"bob", []any{"dev"}}, {"carol", []any{nil}}}},
		{"sort roles max mode, missing first", `{"sort":[{"roles":{"mode":"max","missing":"_first"}}],"size":3}`, 6, []hit{
			{"carol", []any{nil}}, {"alice", []any{"dev"}}, {"bob", []any{"dev"}}}},
		{"sort roles custom missing", `{"sort":[{"roles":{"missing":"b"}}],"size":3}`, 6, []hit{
			{"alice", []any{"admin"}}, {"dave", []any{"admin"}}, {"carol", []any{"b"}}}},
		{"sort enabled then username desc", `{"sort":["enabled",{"username":{"order":"desc"}}]}`, 6, []hit{
			{"eve", []any{false, "eve"}}, {"bob", []any{false, "bob"}}, {"dave", []any{true, "dave"}},
			{"carol", []any{true, "carol"}}, {"alice", []any{true, "alice"}}, {"Zed", []any{true, "Zed"}}}},
		{"sort _doc", `{"sort":[{"_doc":{"order":"desc"}}],"size":2}`, 6, []hit{{"eve", []any{5}}, {"dave", []any{4}}}},
		{"sort empty list", `{"sort":[],"size":1}`, 6, []hit{{"Zed", nil}}},
		{"search_after username", `{"sort":["username"],"search_after":["bob"]}`, 6, []hit{
			{"carol", []any{"carol"}}, {"dave", []any{"dave"}}, {"eve", []any{"eve"}}}},
		{"search_after number as keyword", `{"sort":["username"],"search_after":[1],"size":1}`, 6, []hit{{"Zed", []any{"Zed"}}}},
		{"search_after skips ties", `{"sort":["roles"],"search_after":["admin"],"size":2}`, 6, []hit{
			{"bob", []any{"dev"}}, {"eve", []any{"test-role-1"}}}},
		{"search_after into missing", `{"sort":["roles"],"search_after":["test-role-2"]}`, 6, []hit{{"carol", []any{nil}}}},
		{"search_after after missing", `{"sort":["roles"],"search_after":[null]}`, 6, []hit{}},
		{"search_after two keys", `{"sort":["enabled","username"],"search_after":[true,"alice"]}`, 6, []hit{
			{"carol", []any{true, "carol"}}, {"dave", []any{true, "dave"}}}},
		{"search_after boolean as number", `{"sort":["enabled","username"],"search_after":[0,"bob"],"size":1}`, 6, []hit{{"eve", []any{false, "eve"}}}},
		{"search_after desc", `{"sort":[{"username":{"order":"desc"}}],"search_after":["carol"]}`, 6, []hit{
			{"bob", []any{"bob"}}, {"alice", []any{"alice"}}, {"Zed", []any{"Zed"}}}},
		{"search_after _doc", `{"sort":["_doc"],"search_after":[3],"size":5}`, 6, []hit{{"dave", []any{4}}, {"eve", []any{5}}}},
		{"total ignores search_after", `{"query":{"term":{"enabled":true}},"sort":["username"],"search_after":["carol"]}`, 4, []hit{{"dave", []any{"dave"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseUsers([]byte(tt.body))
			if err != nil {
				t.Fatalf("Parse(%s): %v", tt.body, err)
			}
			res := r.Run(fixture())
			got := []hit{}
			for _, h := range res.Hits {
				got = append(got, hit{h.User.Username, h.Sort})
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

// A page of a large result is the same whether it comes from the bounded
// heap or from sorting everything.
func TestSelectTopMatchesFullSort(t *testing.T) {
	users := generate(5000)
	full, err := ParseUsers([]byte(`{"sort":[{"roles":{"order":"desc"}},"username"],"size":5000}`))
	if err != nil {
		t.Fatal(err)
	}
	want := full.Run(users).Hits
	for _, page := range []struct{ from, size int }{{0, 10}, {37, 25}, {4990, 10}, {0, 1}} {
		r, err := ParseUsers([]byte(`{"sort":[{"roles":{"order":"desc"}},"username"],"from":` + itoa(page.from) + `,"size":` + itoa(page.size) + `}`))
		if err != nil {
			t.Fatal(err)
		}
		got := r.Run(users).Hits
		if diff := cmp.Diff(want[page.from:page.from+page.size], got); diff != "" {
			t.Errorf("page %+v (-want +got):\n%s", page, diff)
		}
	}
}

// Run does not reorder or modify the caller's users.
func TestRunLeavesUsersAlone(t *testing.T) {
	users := fixture()
	before := fixture()
	r, err := ParseUsers([]byte(`{"sort":[{"username":{"order":"desc"}}],"query":{"match":{"full_name":"bob"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	r.Run(users)
	if diff := cmp.Diff(before, users); diff != "" {
		t.Errorf("users changed (-before +after):\n%s", diff)
	}
}

// Hostile inputs stay cheap: no exponential field-pattern matching, no
// quadratic email scanning, no per-clause cost for long match queries.
func TestHostileInputsAreFast(t *testing.T) {
	users := generate(2000)
	long := strings.Repeat("a-", 100_000)
	for _, body := range []string{
		`{"query":{"simple_query_string":{"query":"x","fields":["` + strings.Repeat("*", 5000) + `x"]}}}`,
		`{"query":{"match":{"email":"` + long + `"}}}`,
		`{"query":{"match":{"full_name":"` + strings.Repeat("number ", 4000) + `"}}}`,
		`{"query":{"simple_query_string":{"query":"` + strings.Repeat("(", 50_000) + `","fields":["username"]}}}`,
		`{"query":{"match_phrase_prefix":{}}, "` + strings.Repeat("q", 1<<20) + `":1}`,
		`{"` + strings.Repeat("q", 1<<20) + `":1}`,
	} {
		start := time.Now()
		if r, err := ParseUsers([]byte(body)); err == nil {
			r.Run(users)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("body %.60q… took %v", body, d)
		}
	}
}
