package fakecluster

import (
	"strings"
	"testing"
)

// ndjson joins lines and adds the final newline _bulk and _msearch demand.
func ndjson(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

func TestBulkItemShapes(t *testing.T) {
	c := fixture(t)
	a := do(t, c, "POST", "/_bulk", ndjson(
		`{"index":{"_index":"logs-1","_id":"1"}}`,
		`{"user":"alice2"}`,
		`{"create":{"_index":"logs-1","_id":"1"}}`,
		`{"user":"dup"}`,
		`{"create":{"_index":"new","_id":"n1"}}`,
		`{"user":"new"}`,
		`{"update":{"_index":"logs-1","_id":"2"}}`,
		`{"doc":{"user":"bobby"}}`,
		`{"update":{"_index":"logs-1","_id":"zz"}}`,
		`{"doc":{"user":"x"}}`,
		`{"delete":{"_index":"logs-1","_id":"zz"}}`,
		`{"delete":{"_index":"missing","_id":"1"}}`,
		`{"delete":{"_index":"logs-2","_id":"3"}}`,
	))
	if a.status != 200 {
		t.Fatalf("status %d: %s", a.status, a.body)
	}
	uuid := func(index string) string {
		c.st.mu.Lock()
		defer c.st.mu.Unlock()
		return c.st.indices[index].uuid
	}
	shards := `"_shards":{"total":1,"successful":1,"failed":0}`
	want := compact(t, `{"errors":true,"took":0,"items":[
	 {"index":{"_index":"logs-1","_id":"1","_version":2,"result":"updated",`+shards+`,"_seq_no":2,"_primary_term":1,"status":200}},
	 {"create":{"_index":"logs-1","_id":"1","status":409,"error":{"type":"version_conflict_engine_exception",
	   "reason":"[1]: version conflict, document already exists (current version [2])","index_uuid":"`+uuid("logs-1")+`","shard":"0","index":"logs-1"}}},
	 {"create":{"_index":"new","_id":"n1","_version":1,"result":"created",`+shards+`,"_seq_no":0,"_primary_term":1,"status":201}},
	 {"update":{"_index":"logs-1","_id":"2","_version":2,"result":"updated",`+shards+`,"_seq_no":3,"_primary_term":1,"status":200}},
	 {"update":{"_index":"logs-1","_id":"zz","status":404,"error":{"type":"document_missing_exception",
	   "reason":"[zz]: document missing","index_uuid":"`+uuid("logs-1")+`","shard":"0","index":"logs-1"}}},
	 {"delete":{"_index":"logs-1","_id":"zz","_version":1,"result":"not_found",`+shards+`,"_seq_no":4,"_primary_term":1,"status":404}},
	 {"delete":{"_index":"missing","_id":"1","status":404,"error":{"type":"index_not_found_exception","reason":"no such index [missing]",
	   "resource.type":"index_or_alias","resource.id":"missing","index_uuid":"_na_","index":"missing"}}},
	 {"delete":{"_index":"logs-2","_id":"3","_version":2,"result":"deleted",`+shards+`,"_seq_no":1,"_primary_term":1,"status":200}}
	]}`)
	if got := normal(a.body); got != want {
		t.Errorf("bulk answer\n got %s\nwant %s", got, want)
	}
	if d, _ := c.Doc("logs-1", "1"); d["user"] != "alice2" {
		t.Errorf("logs-1/1 = %v after bulk index", d)
	}
	if _, ok := c.Doc("logs-2", "3"); ok {
		t.Error("logs-2/3 survived a bulk delete")
	}
	if _, ok := c.Doc("new", "n1"); !ok {
		t.Error("bulk create did not auto-create index new")
	}
	if c.st.indices["missing"] != nil {
		t.Error("a bulk delete created index missing")
	}
}

func TestBulkRequestLevel(t *testing.T) {
	runCases(t, []apiCase{
		{"no errors", "POST", "/logs-1/_bulk", ndjson(`{"index":{"_id":"a"}}`, `{"x":1}`, `{"delete":{"_id":"1"}}`), 200, map[string]any{
			"errors": false, "items/0/index/_index": "logs-1", "items/0/index/status": 201, "items/1/delete/result": "deleted"}},
		{"auto id", "POST", "/_bulk", ndjson(`{"index":{"_index":"logs-1"}}`, `{"x":1}`), 200, map[string]any{
			"items/0/index/result": "created", "items/0/index/status": 201}},
		{"missing index", "POST", "/_bulk", ndjson(`{"index":{"_id":"1"}}`, `{"x":1}`), 400, map[string]any{
			"error/type": "action_request_validation_exception", "error/reason": "Validation Failed: 1: index is missing;"}},
		{"update without id", "POST", "/logs-1/_bulk", ndjson(`{"update":{}}`, `{"doc":{}}`), 400, map[string]any{
			"error/reason": "Validation Failed: 1: id is missing;"}},
		{"no trailing newline", "POST", "/_bulk", `{"delete":{"_index":"a","_id":"1"}}`, 400, map[string]any{
			"error/type": "illegal_argument_exception", "error/reason": `The bulk request must be terminated by a newline [\n]`}},
		{"unknown action", "POST", "/_bulk", ndjson(`{"upsert":{"_index":"a"}}`), 400, map[string]any{
			"error/reason": "Malformed action/metadata line [1], expected one of [create, delete, index, update] but found [upsert]"}},
		{"unknown parameter", "POST", "/_bulk", ndjson(`{"delete":{"_index":"a","_id":"1","colour":"red"}}`), 400, map[string]any{
			"error/reason": "Action/metadata line [1] contains an unknown parameter [colour]"}},
		{"empty", "POST", "/_bulk", "", 400, map[string]any{"error/reason": "Validation Failed: 1: no requests added;"}},
		{"data stream create and index", "POST", "/metrics/_bulk", ndjson(
			`{"create":{}}`, `{"@timestamp":"2026-01-02"}`, `{"index":{"_id":"x"}}`, `{"@timestamp":"2026-01-02"}`,
			`{"index":{}}`, `{"@timestamp":"2026-01-02"}`), 200, map[string]any{
			"errors": true, "items/0/create/_index": ".ds-metrics-2026.01.01-000001", "items/1/index/status": 400,
			"items/1/index/_index": "metrics", "items/1/index/_id": "x",
			// Without an id an index action is a create, which data streams take.
			"items/2/index/status": 201}},
		{"require_alias", "POST", "/_bulk", ndjson(`{"index":{"_index":"logs-1","_id":"1","require_alias":true}}`, `{"x":1}`), 200, map[string]any{
			"items/0/index/error/type": "index_not_found_exception", "items/0/index/status": 404}},
		{"if_seq_no", "POST", "/_bulk", ndjson(`{"index":{"_index":"logs-1","_id":"1","if_seq_no":9,"if_primary_term":1}}`, `{"x":1}`), 200, map[string]any{
			"items/0/index/status": 409}},
	})
}

func TestMget(t *testing.T) {
	c := fixture(t)
	a := do(t, c, "POST", "/_mget", `{"docs":[
		{"_index":"logs-1","_id":"1"},
		{"_index":"logs-1","_id":"nope"},
		{"_index":"missing","_id":"1"},
		{"_index":"one","_id":"s","_source":["user"]}
	]}`)
	want := compact(t, `{"docs":[
	 {"_index":"logs-1","_id":"1","_version":1,"_seq_no":0,"_primary_term":1,"found":true,"_source":{"msg":"Hello World","n":1,"user":"alice"}},
	 {"_index":"logs-1","_id":"nope","found":false},
	 {"_index":"missing","_id":"1","error":{"root_cause":[{"type":"index_not_found_exception","reason":"no such index [missing]",
	   "resource.type":"index_or_alias","resource.id":"missing","index_uuid":"_na_","index":"missing"}],
	   "type":"index_not_found_exception","reason":"no such index [missing]",
	   "resource.type":"index_or_alias","resource.id":"missing","index_uuid":"_na_","index":"missing"}},
	 {"_index":"single","_id":"s","_version":1,"_seq_no":0,"_primary_term":1,"found":true,"_source":{"user":"carol"}}
	]}`)
	if a.status != 200 || string(a.body) != want {
		t.Errorf("mget: %d\n got %s\nwant %s", a.status, a.body, want)
	}
	runCases(t, []apiCase{
		{"ids form", "GET", "/logs-1/_mget", `{"ids":["2","1"]}`, 200, map[string]any{
			"docs/0/_id": "2", "docs/0/found": true, "docs/1/_id": "1"}},
		{"default index with docs", "POST", "/logs-2/_mget", `{"docs":[{"_id":"3"}]}`, 200, map[string]any{"docs/0/_source/n": 3}},
		{"_source param", "POST", "/logs-2/_mget?_source=false", `{"ids":["3"]}`, 200, map[string]any{"docs/0/_source": absent}},
		{"ids without index", "POST", "/_mget", `{"ids":["1"]}`, 400, map[string]any{
			"error/reason": "Validation Failed: 1: index is missing for doc 0;"}},
		{"nothing to get", "POST", "/_mget", `{"docs":[]}`, 400, map[string]any{
			"error/reason": "Validation Failed: 1: no documents to get;"}},
		{"closed index item", "POST", "/_mget", `{"docs":[{"_index":"closed-1","_id":"c"}]}`, 200, map[string]any{
			"docs/0/error/type": "index_closed_exception"}},
	})
}

func TestMsearch(t *testing.T) {
	c := fixture(t)
	a := do(t, c, "POST", "/_msearch", ndjson(
		`{"index":"logs-1"}`, `{"query":{"match_all":{}},"size":1}`,
		`{"index":"missing"}`, `{}`,
		`{"index":["logs-2"]}`, `{"query":{"term":{"user":"nobody"}}}`,
	))
	want := compact(t, `{"took":0,"responses":[
	 {"took":0,"timed_out":false,"_shards":{"total":1,"successful":1,"skipped":0,"failed":0},
	  "hits":{"total":{"value":2,"relation":"eq"},"max_score":1.0,"hits":[
	   {"_index":"logs-1","_id":"1","_score":1.0,"_source":{"msg":"Hello World","n":1,"user":"alice"}}]},"status":200},
	 {"error":{"root_cause":[{"type":"index_not_found_exception","reason":"no such index [missing]","resource.type":"index_or_alias",
	   "resource.id":"missing","index_uuid":"_na_","index":"missing"}],"type":"index_not_found_exception","reason":"no such index [missing]",
	   "resource.type":"index_or_alias","resource.id":"missing","index_uuid":"_na_","index":"missing"},"status":404},
	 {"took":0,"timed_out":false,"_shards":{"total":1,"successful":1,"skipped":0,"failed":0},
	  "hits":{"total":{"value":0,"relation":"eq"},"max_score":null,"hits":[]},"status":200}
	]}`)
	if a.status != 200 || normal(a.body) != want {
		t.Errorf("msearch: %d\n got %s\nwant %s", a.status, normal(a.body), want)
	}
	runCases(t, []apiCase{
		{"path index is the default", "POST", "/logs/_msearch", ndjson(`{}`, `{}`, `{"index":"single"}`, `{}`), 200, map[string]any{
			"responses/0/hits/total/value": 3, "responses/1/hits/total/value": 1}},
		{"header options", "POST", "/_msearch", ndjson(`{"index":"missing","ignore_unavailable":true}`, `{}`), 200, map[string]any{
			"responses/0/status": 200, "responses/0/hits/total/value": 0}},
		{"request options are defaults", "POST", "/_msearch?expand_wildcards=all", ndjson(`{"index":"*"}`, `{}`), 200, map[string]any{
			"responses/0/hits/total/value": 6}},
		{"bad item query", "POST", "/_msearch", ndjson(`{}`, `{"query":{"nope":{}}}`), 200, map[string]any{
			"responses/0/status": 400, "responses/0/error/type": "parsing_exception"}},
		{"unknown header key", "POST", "/_msearch", ndjson(`{"colour":"red"}`, `{}`), 400, map[string]any{
			"error/reason": "key [colour] is not supported in the metadata section"}},
		{"no trailing newline", "POST", "/_msearch", `{}` + "\n" + `{}`, 400, map[string]any{"error/type": "illegal_argument_exception"}},
	})
}
