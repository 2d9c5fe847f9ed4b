package items

import (
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/google/go-cmp/cmp"
)

// denySearch denies a search naming "secret" and forwards the others with
// their own names (or "*" for none).
func denySearch(it SearchItem) ([]string, error) {
	if slices.Contains(it.Indices, "secret") {
		return nil, eserr.Security(403, "%s", reasonSearch)
	}
	if len(it.Indices) == 0 {
		return []string{"*"}, nil
	}
	return it.Indices, nil
}

func TestFilterMsearchErrors(t *testing.T) {
	tests := []struct {
		name, body  string
		opts        []Option
		maxLine     int
		typ, reason string
		status      int
	}{
		{name: "empty", body: "", typ: "parse_exception", reason: "request body or source parameter is required"},
		{name: "header without body", body: "{}\n", typ: "action_request_validation_exception", reason: "Validation Failed: 1: no requests added;"},
		{name: "no final newline", body: "{\"index\":\"a\"}", typ: "illegal_argument_exception", reason: "The msearch request must be terminated by a newline [\n]"},
		{name: "body without final newline", body: "{\"index\":\"a\"}\n{}", typ: "illegal_argument_exception", reason: "The msearch request must be terminated by a newline [\n]"},
		{name: "unknown key", body: "{\"index\":\"a\",\"size\":10}\n{}\n", typ: "illegal_argument_exception", reason: "key [size] is not supported in the metadata section"},
		{name: "types", body: "{\"index\":\"a\",\"type\":\"doc\"}\n{}\n", typ: "illegal_argument_exception", reason: "key [type] is not supported in the metadata section"},
		{name: "extra object", body: "{\"index\":\"a\"}{}\n{}\n", typ: "x_content_parse_exception", reason: "[1:14] Unexpected token after end of object"},
		{name: "array header", body: "[]\n{}\n", typ: "x_content_parse_exception", reason: "[1:2] Unexpected token after end of object"},
		{name: "duplicate", body: "{\"index\":\"a\",\"index\":\"b\"}\n{}\n", typ: "x_content_parse_exception", reason: "[1:21] Duplicate field 'index'"},
		{name: "truncated", body: "{\"index\":\"a\"\n{}\n", typ: "x_content_e_o_f_exception", reason: "[1:13] Unexpected end of file"},
		{name: "explicit index refused", body: "{\"indices\":[\"a\"]}\n{}\n", opts: []Option{DisallowExplicitIndex()},
			typ: "illegal_argument_exception", reason: "explicit index in multi search is not allowed"},
		{name: "null index", body: "{\"index\":null}\n{}\n", typ: "null_pointer_exception",
			reason: `Cannot invoke "Object.toString()" because "node" is null`, status: 500},
		{name: "null index name", body: "{\"index\":[\"a\",null]}\n{}\n", typ: "null_pointer_exception", reason: "index must not be null", status: 500},
		{name: "object index", body: "{\"index\":{\"a\":1}}\n{}\n", typ: "illegal_argument_exception",
			reason: "the index of an msearch header must be a string or an array of strings"},
		{name: "line over the limit", body: "{}\n{\"query\":{\"match\":{\"f\":\"" + strings.Repeat("x", 200) + "\"}}}\n", maxLine: 100,
			typ: "content_too_long_exception", reason: "entity content is too long [101] for the configured buffer limit [100]", status: 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			decided := 0
			var s sink
			v, err := FilterMsearch(strings.NewReader(tt.body), nil, tt.maxLine, func(it SearchItem) ([]string, error) {
				decided++
				return []string{"*"}, nil
			}, s.open, tt.opts...)
			status := tt.status
			if status == 0 {
				status = 400
			}
			wantES(t, "FilterMsearch", err, tt.typ, tt.reason, status)
			if v != nil || decided != 0 || s.opened != 0 {
				t.Errorf("verdicts %v, %d decided, opened %d with an error", v, decided, s.opened)
			}
		})
	}
}

func TestFilterMsearchHeaders(t *testing.T) {
	defaults := []string{"d1", "d2"}
	tests := []struct {
		name, header string
		indices      []string
		params       map[string]string
	}{
		{"commas split, trailing empties dropped", `{"index":"a,b,,"}`, []string{"a", "b"}, nil},
		{"leading empty kept", `{"index":",a"}`, []string{"", "a"}, nil},
		{"empty string is every index", `{"index":""}`, []string{}, nil},
		{"array items are not split", `{"indices":["a,b","c"]}`, []string{"a,b", "c"}, nil},
		{"numbers as Java prints them", `{"index":[1e3, -0, 12345678901234567890, 0.5, 1.0E-5, true]}`,
			[]string{"1000.0", "0", "12345678901234567890", "0.5", "1.0E-5", "true"}, nil},
		{"no index: the path's", `{"routing":"r"}`, defaults, map[string]string{"routing": "r"}},
		{"empty line", ``, defaults, nil},
		{"blank line", " \r", defaults, nil},
		{"a scalar is an empty map", `"logs"`, defaults, nil},
		{"empty object", `{}`, defaults, nil},
		// "indices" hashes to bucket 2 and "index" to bucket 9 of the
		// HashMap parser.map() fills, so "index" is applied last and wins
		// whatever the order in the line.
		{"index beats indices", `{"index":"a","indices":"b"}`, []string{"a"}, nil},
		{"index beats indices, reversed", `{"indices":"b","index":"a"}`, []string{"a"}, nil},
		{"params as strings, camelCase named as snake_case, null left out",
			`{"expandWildcards":["open","hidden"],"ignore_unavailable":true,"routing":null,"preference":"_local",` +
				`"requestCache":"true","allow_no_indices":false,"search_type":"dfs_query_then_fetch","ccs_minimize_roundtrips":false,` +
				`"allow_partial_search_results":true,"ignoreThrottled":false}`,
			defaults, map[string]string{"expand_wildcards": "open,hidden", "ignore_unavailable": "true", "preference": "_local",
				"request_cache": "true", "allow_no_indices": "false", "search_type": "dfs_query_then_fetch",
				"ccs_minimize_roundtrips": "false", "allow_partial_search_results": "true", "ignore_throttled": "false"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got SearchItem
			_, err := FilterMsearch(strings.NewReader(tt.header+"\n{}\n"), defaults, 0, func(it SearchItem) ([]string, error) {
				got = it
				return []string{"x"}, nil
			}, (&sink{}).open)
			if err != nil {
				t.Fatal(err)
			}
			want := SearchItem{Indices: tt.indices, Params: tt.params}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("item (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFilterMsearchRewritesHeaders checks that a kept header names exactly
// what decide returned, under "index" alone, other keys as sent; and that
// body lines pass byte for byte.
func TestFilterMsearchRewritesHeaders(t *testing.T) {
	body := "{\"indices\":[\"logs-*\"], \"index\":\"logs-*\", \"ignore_unavailable\" : true,\"expand_wildcards\":[\"open\" /* c */]}\r\n" +
		"{\"query\" : {\"match_all\":{}}}\r\n" +
		"\n" + // an empty header: the path's indices
		"{}\n" +
		"{\"index\":\"secret\"}\n" +
		"{\"query\":{\"term\":{\"secret\":true}}}\n" +
		"{\"index\":\"ok\"}\n" // no body line: dropped
	var s sink
	var seen []SearchItem
	v, err := FilterMsearch(strings.NewReader(body), []string{"path"}, 0, func(it SearchItem) ([]string, error) {
		seen = append(seen, it)
		switch it.Seq {
		case 0:
			return []string{"logs-1", "logs-2"}, nil
		case 1:
			return []string{"*", "-*"}, nil
		}
		return denySearch(it)
	}, s.open)
	if err != nil {
		t.Fatal(err)
	}
	want := "{\"index\":[\"logs-1\",\"logs-2\"],\"ignore_unavailable\":true,\"expand_wildcards\":[\"open\" /* c */]}\n" +
		"{\"query\" : {\"match_all\":{}}}\r\n" +
		"{\"index\":[\"*\",\"-*\"]}\n" +
		"{}\n"
	if s.buf.String() != want {
		t.Errorf("forwarded:\n%q\nwant:\n%q", s.buf.String(), want)
	}
	if len(v) != 3 || len(seen) != 3 || s.opened != 1 {
		t.Fatalf("%d verdicts, %d decided, opened %d; want 3, 3, 1", len(v), len(seen), s.opened)
	}
	if diff := cmp.Diff([]string{"path"}, seen[1].Indices); diff != "" {
		t.Errorf("empty header indices (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"logs-1", "logs-2"}, v[0].Names); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
}

func TestFilterMsearchRefusesNoNames(t *testing.T) {
	var s sink
	_, err := FilterMsearch(strings.NewReader("{}\n{}\n"), nil, 0, func(SearchItem) ([]string, error) { return nil, nil }, s.open)
	wantES(t, "no names", err, "illegal_state_exception", "no index names to forward _msearch item [0] with", 500)
	if s.buf.Len() != 0 {
		t.Errorf("forwarded %q", s.buf.String())
	}
}

func TestMsearchRoundTrip(t *testing.T) {
	const failure = `{"error":{"root_cause":[{"type":"security_exception","reason":"` + reasonSearch + `"}],"type":"security_exception","reason":"` + reasonSearch + `"},"status":403}`
	const hit = `{"took":3,"timed_out":false,"_shards":{"total":1,"successful":1,"skipped":0,"failed":0},"hits":{"total":{"value":0,"relation":"eq"},"max_score":null,"hits":[]},"status":200}`
	tests := []struct {
		name, body, upstream, forwarded, want string
	}{{
		// es-gateway.md §4.3, word for word
		name:      "some denied",
		body:      "{\"index\":\"secret\"}\n{\"query\":{\"match_all\":{}}}\n{\"index\":\"ok\"}\n{\"query\":{\"match_all\":{}}}\n",
		forwarded: "{\"index\":[\"ok\"]}\n{\"query\":{\"match_all\":{}}}\n",
		upstream:  `{"took":12,"responses":[` + hit + `]}`,
		want:      `{"took":12,"responses":[` + failure + `,` + hit + `]}`,
	}, {
		name:      "none denied",
		body:      "{\"index\":\"ok\"}\n{}\n",
		forwarded: "{\"index\":[\"ok\"]}\n{}\n",
		upstream:  "{\n  \"took\" : 5,\n  \"responses\" : [ " + hit + " ]\n}",
		want:      `{"took":5,"responses":[` + hit + `]}`,
	}, {
		name: "all denied",
		body: "{\"index\":\"secret\"}\n{}\n{\"index\":[\"a\",\"secret\"]}\n{}\n",
		want: `{"took":0,"responses":[` + failure + `,` + failure + `]}`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s sink
			v, err := FilterMsearch(strings.NewReader(tt.body), nil, 0, denySearch, s.open)
			if err != nil {
				t.Fatal(err)
			}
			if s.buf.String() != tt.forwarded {
				t.Errorf("forwarded %q, want %q", s.buf.String(), tt.forwarded)
			}
			var up io.Reader
			if tt.upstream != "" {
				up = strings.NewReader(tt.upstream)
			}
			var out strings.Builder
			if err := SpliceMsearch(up, v, &out); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Errorf("spliced:\n%s\nwant:\n%s", out.String(), tt.want)
			}
		})
	}
}

func TestSpliceMsearchRefusesMisalignedAnswers(t *testing.T) {
	v := []SearchVerdict{{Names: []string{"a"}}}
	err := SpliceMsearch(strings.NewReader(`{"took":1,"responses":[]}`), v, io.Discard)
	wantES(t, "fewer", err, "illegal_state_exception", "cannot merge the cluster's [_msearch] response: [1] items were forwarded but [0] came back", 500)
	err = SpliceMsearch(nil, v, io.Discard)
	wantES(t, "none", err, "illegal_state_exception", "cannot merge the cluster's [_msearch] response: [1] items were forwarded but [0] came back", 500)
}
