package fakecluster

import (
	"fmt"
	"strings"
	"testing"
)

// absent marks a path that must not be in the answer.
type absentT struct{}

var absent = absentT{}

type apiCase struct {
	name               string
	method, path, body string
	status             int
	want               map[string]any
}

// runCases runs each case against a fresh fixture cluster.
func runCases(t *testing.T, cases []apiCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := fixture(t)
			a := do(t, c, tc.method, tc.path, tc.body)
			if a.status != tc.status {
				t.Fatalf("%s %s: status %d, want %d\n%s", tc.method, tc.path, a.status, tc.status, a.body)
			}
			present := map[string]any{}
			for p, w := range tc.want {
				if w == absent {
					if _, ok := at(a.decode(t), p); ok {
						t.Errorf("%s is present in %s", p, a.body)
					}
					continue
				}
				present[p] = w
			}
			if len(present) > 0 {
				checkFields(t, a, present)
			}
		})
	}
}

const notFoundMissing = "no such index [missing]"

func TestInfoHealthCat(t *testing.T) {
	runCases(t, []apiCase{
		{"info", "GET", "/", "", 200, map[string]any{
			"version/number": ElasticsearchVersion, "tagline": "You Know, for Search", "version/build_flavor": "default",
			"version/minimum_wire_compatibility_version": "7.17.0", "cluster_name": "fakecluster"}},
		{"health", "GET", "/_cluster/health", "", 200, map[string]any{
			"status": "green", "number_of_nodes": 1, "active_primary_shards": 6, "timed_out": false,
			"active_shards_percent_as_number": 100}},
		{"health of a missing index times out red", "GET", "/_cluster/health/missing", "", 408, map[string]any{
			"status": "red", "timed_out": true}},
		{"cat json lists hidden and closed", "GET", "/_cat/indices?format=json", "", 200, map[string]any{
			"0/index": ".ds-metrics-2026.01.01-000001", "1/index": ".hidden-1", "3/index": "closed-1",
			"3/status": "close", "3/docs.count": nil, "4/docs.count": "2", "4/rep": "0", "4/health": "green"}},
		{"cat json with a pattern and h", "GET", "/_cat/indices/logs-*?format=json&h=index,docs.count", "", 200, map[string]any{
			"0/index": "logs-1", "1/index": "logs-2", "1/docs.count": "1", "0/uuid": absent, "2": absent}},
		{"cat of a missing index", "GET", "/_cat/indices/missing", "", 404, map[string]any{
			"error/type": "index_not_found_exception"}},
	})
}

func TestDocumentAPIs(t *testing.T) {
	runCases(t, []apiCase{
		{"index new doc auto-creates", "PUT", "/new/_doc/1", `{"a":1}`, 201, map[string]any{
			"_index": "new", "_id": "1", "_version": 1, "result": "created", "_seq_no": 0, "_primary_term": 1,
			"_shards/total": 1, "_shards/successful": 1, "_shards/failed": 0}},
		{"reindex existing doc", "PUT", "/logs-1/_doc/1", `{"a":1}`, 200, map[string]any{
			"result": "updated", "_version": 2, "_seq_no": 2}},
		{"post with auto id", "POST", "/logs-1/_doc", `{"a":1}`, 201, map[string]any{"result": "created", "_index": "logs-1"}},
		{"refresh=true is reported", "PUT", "/logs-1/_doc/7?refresh=true", `{"a":1}`, 201, map[string]any{"forced_refresh": true}},
		{"create conflict", "PUT", "/logs-1/_create/1", `{"a":1}`, 409, map[string]any{
			"status": 409, "error/type": "version_conflict_engine_exception",
			"error/reason": "[1]: version conflict, document already exists (current version [1])",
			"error/index":  "logs-1", "error/shard": "0", "error/root_cause/0/type": "version_conflict_engine_exception"}},
		{"create new", "POST", "/logs-1/_create/9", `{"a":1}`, 201, map[string]any{"result": "created", "_id": "9"}},
		{"op_type=create conflicts too", "PUT", "/logs-1/_doc/1?op_type=create", `{"a":1}`, 409, map[string]any{
			"error/type": "version_conflict_engine_exception"}},
		{"index without body", "PUT", "/logs-1/_doc/1", "", 400, map[string]any{"error/type": "parse_exception"}},
		{"if_seq_no mismatch", "PUT", "/logs-1/_doc/1?if_seq_no=5&if_primary_term=1", `{"a":1}`, 409, map[string]any{
			"error/reason": "[1]: version conflict, required seqNo [5], primary term [1]. current document has seqNo [0] and primary term [1]"}},
		{"if_seq_no match", "PUT", "/logs-1/_doc/1?if_seq_no=0&if_primary_term=1", `{"a":1}`, 200, map[string]any{"_version": 2}},
		{"get", "GET", "/logs-1/_doc/1", "", 200, map[string]any{
			"_index": "logs-1", "_id": "1", "_version": 1, "_seq_no": 0, "_primary_term": 1, "found": true,
			"_source/user": "alice", "_source/n": 1}},
		{"get missing doc", "GET", "/logs-1/_doc/nope", "", 404, map[string]any{"_index": "logs-1", "_id": "nope", "found": false, "_source": absent}},
		{"get from missing index", "GET", "/missing/_doc/1", "", 404, map[string]any{
			"status": 404, "error/type": "index_not_found_exception", "error/reason": notFoundMissing,
			"error/resource.type": "index_or_alias", "error/resource.id": "missing", "error/index_uuid": "_na_",
			"error/index": "missing", "error/root_cause/0/reason": notFoundMissing}},
		{"get through single-index alias", "GET", "/one/_doc/s", "", 200, map[string]any{"_index": "single", "found": true}},
		{"get through multi-index alias", "GET", "/logs/_doc/1", "", 400, map[string]any{
			"error/type":   "illegal_argument_exception",
			"error/reason": "alias [logs] has more than one index associated with it [logs-1, logs-2], can't execute a single index op"}},
		{"get from closed index", "GET", "/closed-1/_doc/c", "", 400, map[string]any{
			"error/type": "index_closed_exception", "error/reason": "closed", "error/index": "closed-1"}},
		{"get does not expand wildcards", "GET", "/logs-*/_doc/1", "", 404, map[string]any{"error/reason": "no such index [logs-*]"}},
		{"get _source=false", "GET", "/logs-1/_doc/1?_source=false", "", 200, map[string]any{"found": true, "_source": absent}},
		{"get _source_includes", "GET", "/logs-1/_doc/1?_source_includes=user", "", 200, map[string]any{
			"_source/user": "alice", "_source/msg": absent}},
		{"get _source_excludes nested", "GET", "/single/_doc/s?_source_excludes=nested.a", "", 200, map[string]any{
			"_source/nested/b": 2, "_source/nested/a": absent, "_source/user": "carol"}},
		{"get _source list", "GET", "/single/_doc/s?_source=nested.*", "", 200, map[string]any{
			"_source/nested/a": 1, "_source/user": absent}},
		{"source", "GET", "/logs-1/_source/1", "", 200, map[string]any{"user": "alice", "_id": absent}},
		{"source of missing doc", "GET", "/logs-1/_source/nope", "", 404, map[string]any{
			"error/type": "resource_not_found_exception", "error/reason": "Document not found [logs-1]/[nope]"}},
		{"source disabled", "GET", "/logs-1/_source/1?_source=false", "", 400, map[string]any{
			"error/type": "action_request_validation_exception", "error/reason": "Validation Failed: 1: fetching source can not be disabled;"}},
		{"delete", "DELETE", "/logs-1/_doc/1", "", 200, map[string]any{"result": "deleted", "_version": 2, "_seq_no": 2}},
		{"delete missing doc", "DELETE", "/logs-1/_doc/nope", "", 404, map[string]any{"result": "not_found", "_version": 1}},
		{"delete in missing index does not create it", "DELETE", "/missing/_doc/1", "", 404, map[string]any{
			"error/type": "index_not_found_exception"}},
		{"update merges", "POST", "/single/_update/s", `{"doc":{"nested":{"a":5}}}`, 200, map[string]any{
			"result": "updated", "_version": 2}},
		{"update noop", "POST", "/logs-1/_update/1", `{"doc":{"user":"alice"}}`, 200, map[string]any{
			"result": "noop", "_version": 1, "_shards/total": 0}},
		{"update missing doc", "POST", "/logs-1/_update/nope", `{"doc":{"a":1}}`, 404, map[string]any{
			"error/type": "document_missing_exception", "error/reason": "[nope]: document missing", "error/shard": "0"}},
		{"update doc_as_upsert", "POST", "/logs-1/_update/nope", `{"doc":{"a":1},"doc_as_upsert":true}`, 201, map[string]any{
			"result": "created"}},
		{"update upsert", "POST", "/logs-1/_update/nope", `{"doc":{"a":1},"upsert":{"a":0}}`, 201, map[string]any{
			"result": "created"}},
		{"update auto-creates the index, then misses the doc", "POST", "/brandnew/_update/1", `{"doc":{"a":1}}`, 404, map[string]any{
			"error/type": "document_missing_exception", "error/index": "brandnew"}},
		{"update with script", "POST", "/logs-1/_update/1", `{"script":"ctx._source.n++"}`, 400, map[string]any{
			"error/type": "illegal_argument_exception"}},
		{"index into data stream needs create", "PUT", "/metrics/_doc/1", `{"@timestamp":"2026-01-02"}`, 400, map[string]any{
			"error/reason": "only write ops with an op_type of create are allowed in data streams"}},
		{"create into data stream", "POST", "/metrics/_doc", `{"@timestamp":"2026-01-02"}`, 201, map[string]any{
			"_index": ".ds-metrics-2026.01.01-000001"}},
		{"data stream needs @timestamp", "POST", "/metrics/_doc", `{"v":1}`, 400, map[string]any{
			"error/type": "document_parsing_exception"}},
		{"uppercase index name", "PUT", "/Bad/_doc/1", `{"a":1}`, 400, map[string]any{
			"error/type": "invalid_index_name_exception", "error/reason": "Invalid index name [Bad], must be lowercase", "error/index": "Bad"}},
		{"write to multi-index alias", "PUT", "/logs/_doc/1", `{"a":1}`, 400, map[string]any{"error/type": "illegal_argument_exception"}},
		{"write to single-index alias", "PUT", "/one/_doc/x", `{"a":1}`, 201, map[string]any{"_index": "single"}},
		{"write to closed index", "PUT", "/closed-1/_doc/x", `{"a":1}`, 400, map[string]any{"error/type": "index_closed_exception"}},
		{"source must be an object", "PUT", "/logs-1/_doc/x", `[1]`, 400, map[string]any{"error/type": "document_parsing_exception"}},
	})
}

func TestIndexAPIs(t *testing.T) {
	runCases(t, []apiCase{
		{"create index", "PUT", "/fresh", "", 200, map[string]any{"acknowledged": true, "shards_acknowledged": true, "index": "fresh"}},
		{"create existing index", "PUT", "/logs-1", "", 400, map[string]any{
			"error/type": "resource_already_exists_exception", "error/index": "logs-1"}},
		{"create index named like an alias", "PUT", "/logs", "", 400, map[string]any{
			"error/reason": "Invalid index name [logs], already exists as alias"}},
		{"delete index", "DELETE", "/logs-2", "", 200, map[string]any{"acknowledged": true}},
		{"delete with wildcard", "DELETE", "/logs-*", "", 200, map[string]any{"acknowledged": true}},
		{"delete missing index", "DELETE", "/missing", "", 404, map[string]any{"error/reason": notFoundMissing}},
		{"delete missing index, ignore_unavailable", "DELETE", "/missing?ignore_unavailable=true", "", 200, map[string]any{}},
		{"delete through alias", "DELETE", "/logs", "", 400, map[string]any{
			"error/reason": "The provided expression [logs] matches an alias, specify the corresponding concrete indices instead."}},
		{"delete data stream write index", "DELETE", "/.ds-metrics-2026.01.01-000001", "", 400, map[string]any{
			"error/reason": "index [.ds-metrics-2026.01.01-000001] is the write index for data stream [metrics] and cannot be deleted"}},
		{"get index", "GET", "/logs-1", "", 200, map[string]any{
			"logs-1/aliases/logs": map[string]any{}, "logs-1/settings/index/number_of_shards": "1",
			"logs-1/settings/index/provided_name": "logs-1", "logs-1/mappings": map[string]any{}, "logs-2": absent}},
		{"get index through alias", "GET", "/logs", "", 200, map[string]any{
			"logs-1/settings/index/provided_name": "logs-1", "logs-2/settings/index/provided_name": "logs-2"}},
		{"get hidden index setting", "GET", "/.hidden-1", "", 200, map[string]any{".hidden-1/settings/index/hidden": "true"}},
		{"get data stream", "GET", "/metrics", "", 200, map[string]any{".ds-metrics-2026.01.01-000001/data_stream": "metrics"}},
		{"get missing index", "GET", "/missing", "", 404, map[string]any{"error/type": "index_not_found_exception"}},
		{"refresh one", "POST", "/logs-1/_refresh", "", 200, map[string]any{"_shards/total": 1, "_shards/successful": 1}},
		{"refresh all skips hidden and closed", "POST", "/_refresh", "", 200, map[string]any{"_shards/total": 4}},
		{"refresh missing", "POST", "/missing/_refresh", "", 404, map[string]any{}},
		{"refresh closed", "POST", "/closed-1/_refresh", "", 400, map[string]any{"error/type": "index_closed_exception"}},
		{"aliases add", "POST", "/_aliases", `{"actions":[{"add":{"index":"single","alias":"extra"}}]}`, 200, map[string]any{
			"acknowledged": true, "errors": false}},
		{"aliases remove missing alias", "POST", "/_aliases", `{"actions":[{"remove":{"index":"single","alias":"nope"}}]}`, 404, map[string]any{
			"error/type": "aliases_not_found_exception", "error/reason": "aliases [nope] missing"}},
		{"aliases on missing index", "POST", "/_aliases", `{"actions":[{"add":{"index":"missing","alias":"x"}}]}`, 404, map[string]any{
			"error/type": "index_not_found_exception"}},
		{"aliases without actions", "POST", "/_aliases", `{"actions":[]}`, 400, map[string]any{
			"error/reason": "Validation Failed: 1: no actions specified;"}},
		{"alias named like an index", "POST", "/_aliases", `{"actions":[{"add":{"index":"single","alias":"logs-1"}}]}`, 400, map[string]any{
			"error/type": "invalid_alias_name_exception"}},
	})
}

func TestVersionsAcrossDeletes(t *testing.T) {
	c := fixture(t)
	steps := []struct {
		method, path, body string
		status             int
		version, seqNo     int
	}{
		{"PUT", "/v/_doc/1", `{"a":1}`, 201, 1, 0},
		{"PUT", "/v/_doc/1", `{"a":2}`, 200, 2, 1},
		{"DELETE", "/v/_doc/1", "", 200, 3, 2},
		{"DELETE", "/v/_doc/1", "", 404, 4, 3},
		// A re-created document continues from the delete's version.
		{"PUT", "/v/_doc/1", `{"a":3}`, 201, 5, 4},
	}
	for _, s := range steps {
		a := do(t, c, s.method, s.path, s.body)
		if a.status != s.status {
			t.Fatalf("%s %s: %d %s", s.method, s.path, a.status, a.body)
		}
		checkFields(t, a, map[string]any{"_version": s.version, "_seq_no": s.seqNo})
	}
}

func TestCatText(t *testing.T) {
	c := fixture(t)
	c.Put("single", "more", map[string]any{"text": strings.Repeat("x", 2000)})
	uuid := func(name string) string {
		c.st.mu.Lock()
		defer c.st.mu.Unlock()
		return c.st.indices[name].uuid
	}
	a := do(t, c, "GET", "/_cat/indices/logs-1,single,closed-1?v", "")
	want := "health status index    uuid                   pri rep docs.count docs.deleted store.size pri.store.size dataset.size\n" +
		// Right-aligned empty cells still take their width.
		"green  close  closed-1 " + uuid("closed-1") + "   1   0" + strings.Repeat(" ", 10+12+10+14+12+5) + "\n" +
		"green  open   logs-1   " + uuid("logs-1") + "   1   0          2            0       437b           437b         437b\n" +
		"green  open   single   " + uuid("single") + "   1   0          2            0      2.3kb          2.3kb        2.3kb\n"
	if a.status != 200 || string(a.body) != want || a.header.Get("Content-Type") != "text/plain; charset=UTF-8" {
		t.Errorf("cat text %d %q\n got:\n%s\nwant:\n%s", a.status, a.header.Get("Content-Type"), a.body, want)
	}
	plain := do(t, c, "GET", "/_cat/indices/logs-1?h=index,docs.count&bytes=b", "")
	if string(plain.body) != "logs-1 2\n" {
		t.Errorf("cat without v: %q", plain.body)
	}
}

func TestIndexExistsAndHeadBodies(t *testing.T) {
	c := fixture(t)
	for path, want := range map[string]int{
		"/logs-1": 200, "/logs": 200, "/missing": 404, "/nomatch*": 404, "/logs-1/_doc/1": 200, "/logs-1/_doc/nope": 404, "/": 200,
	} {
		a := do(t, c, "HEAD", path, "")
		if a.status != want || len(a.body) != 0 {
			t.Errorf("HEAD %s = %d with %d body bytes, want %d and none", path, a.status, len(a.body), want)
		}
	}
	// HEAD / carries the length of the GET body, as ES does.
	get := do(t, c, "GET", "/", "")
	head := do(t, c, "HEAD", "/", "")
	if head.header.Get("Content-Length") != fmt.Sprint(len(get.body)) {
		t.Errorf("HEAD / Content-Length %q, GET body is %d bytes", head.header.Get("Content-Length"), len(get.body))
	}
	if got := do(t, c, "HEAD", "/logs-1", "").header.Get("Content-Length"); got != "0" {
		t.Errorf("HEAD /logs-1 Content-Length %q, want 0", got)
	}
}

func TestSearchAndCount(t *testing.T) {
	runCases(t, []apiCase{
		{"all visible docs", "GET", "/_search", "", 200, map[string]any{
			"hits/total/value": 5, "hits/total/relation": "eq", "_shards/total": 4, "_shards/failed": 0, "timed_out": false,
			"hits/max_score": 1}},
		{"_all", "GET", "/_all/_search", "", 200, map[string]any{"hits/total/value": 5}},
		{"one index", "GET", "/logs-1/_search", "", 200, map[string]any{
			"hits/total/value": 2, "hits/hits/0/_index": "logs-1", "hits/hits/0/_id": "1", "hits/hits/0/_score": 1,
			"hits/hits/0/_source/user": "alice", "hits/hits/1/_id": "2"}},
		{"alias", "GET", "/logs/_search", "", 200, map[string]any{"hits/total/value": 3, "_shards/total": 2}},
		{"wildcard", "GET", "/logs-*/_search", "", 200, map[string]any{"hits/total/value": 3}},
		{"expand_wildcards=all", "GET", "/*/_search?expand_wildcards=all", "", 200, map[string]any{
			"hits/total/value": 6, "_shards/total": 6}},
		{"dot pattern sees hidden", "GET", "/.h*/_search", "", 200, map[string]any{"hits/total/value": 1}},
		{"missing index", "GET", "/missing/_search", "", 404, map[string]any{"error/reason": notFoundMissing}},
		{"missing index ignored", "GET", "/missing/_search?ignore_unavailable=true", "", 200, map[string]any{
			"hits/total/value": 0, "_shards/total": 0, "hits/max_score": nil}},
		{"wildcard matching nothing", "GET", "/nope*/_search", "", 200, map[string]any{"hits/total/value": 0}},
		{"wildcard matching nothing, allow_no_indices=false", "GET", "/nope*/_search?allow_no_indices=false", "", 404, map[string]any{
			"error/reason": "no such index [nope*]"}},
		{"several names, none left", "GET", "/missing1,missing2/_search?ignore_unavailable=true&allow_no_indices=false", "", 404, map[string]any{
			"error/reason": "no such index [null]", "error/resource.type": "index_expression", "error/resource.id": "[missing1 missing2]"}},
		{"bad expand_wildcards", "GET", "/_search?expand_wildcards=sometimes", "", 400, map[string]any{"error/type": "illegal_argument_exception"}},
		{"bad boolean", "GET", "/_search?ignore_unavailable=yes", "", 400, map[string]any{
			"error/reason": "Failed to parse value [yes] as only [true] or [false] are allowed."}},
		{"closed index", "GET", "/closed-1/_search", "", 400, map[string]any{"error/type": "index_closed_exception"}},
		{"closed index ignored", "GET", "/closed-1,logs-1/_search?ignore_unavailable=true", "", 200, map[string]any{"hits/total/value": 2}},
		{"exclusion after wildcard", "GET", "/logs-*,-logs-2/_search", "", 200, map[string]any{"hits/total/value": 2}},
		{"term", "POST", "/_search", `{"query":{"term":{"user":"alice"}}}`, 200, map[string]any{"hits/total/value": 2}},
		{"term long form and keyword", "POST", "/_search", `{"query":{"term":{"user.keyword":{"value":"bob"}}}}`, 200, map[string]any{
			"hits/total/value": 1, "hits/hits/0/_id": "2"}},
		{"terms", "POST", "/_search", `{"query":{"terms":{"user":["bob","carol"]}}}`, 200, map[string]any{"hits/total/value": 2}},
		{"match", "POST", "/_search", `{"query":{"match":{"msg":"WORLD"}}}`, 200, map[string]any{"hits/total/value": 2}},
		{"match and", "POST", "/_search", `{"query":{"match":{"msg":{"query":"hello world","operator":"and"}}}}`, 200, map[string]any{
			"hits/total/value": 1}},
		{"ids", "POST", "/_search", `{"query":{"ids":{"values":["3","s"]}}}`, 200, map[string]any{"hits/total/value": 2}},
		{"bool", "POST", "/_search", `{"query":{"bool":{"must":[{"term":{"user":"alice"}}],"must_not":{"term":{"n":3}}}}}`, 200, map[string]any{
			"hits/total/value": 1, "hits/hits/0/_id": "1"}},
		{"bool should", "POST", "/_search", `{"query":{"bool":{"should":[{"term":{"user":"bob"}},{"term":{"user":"carol"}}]}}}`, 200, map[string]any{
			"hits/total/value": 2}},
		{"bool filter exists", "POST", "/_search", `{"query":{"bool":{"filter":[{"exists":{"field":"nested.a"}}]}}}`, 200, map[string]any{
			"hits/total/value": 1}},
		{"range", "POST", "/logs/_search", `{"query":{"range":{"n":{"gte":2}}}}`, 200, map[string]any{"hits/total/value": 2}},
		{"prefix", "POST", "/logs/_search", `{"query":{"prefix":{"user":"al"}}}`, 200, map[string]any{"hits/total/value": 2}},
		{"match_none", "POST", "/logs/_search", `{"query":{"match_none":{}}}`, 200, map[string]any{"hits/total/value": 0}},
		{"unknown query", "POST", "/_search", `{"query":{"fuzzy":{"a":"b"}}}`, 400, map[string]any{
			"error/type": "parsing_exception", "error/reason": "unknown query [fuzzy]"}},
		{"from and size", "POST", "/logs/_search", `{"size":1,"from":1}`, 200, map[string]any{
			"hits/total/value": 3, "hits/hits/0/_id": "2", "hits/hits/1": absent}},
		{"size in the query string wins", "POST", "/logs/_search?size=2", `{"size":1}`, 200, map[string]any{"hits/hits/1/_id": "2"}},
		{"negative size", "POST", "/logs/_search", `{"size":-1}`, 400, map[string]any{
			"error/reason": "[size] parameter cannot be negative, found [-1]"}},
		{"result window", "POST", "/logs/_search", `{"size":10001}`, 400, map[string]any{"error/type": "illegal_argument_exception"}},
		{"sort desc", "POST", "/logs/_search", `{"sort":[{"n":"desc"}]}`, 200, map[string]any{
			"hits/hits/0/_id": "3", "hits/hits/0/_score": nil, "hits/hits/0/sort/0": 3, "hits/max_score": nil}},
		{"sort param", "GET", "/logs/_search?sort=n:desc", "", 200, map[string]any{"hits/hits/0/_id": "3"}},
		{"search_after", "POST", "/logs/_search", `{"sort":[{"n":"asc"}],"search_after":[1]}`, 200, map[string]any{
			"hits/hits/0/_id": "2", "hits/total/value": 3}},
		{"q", "GET", "/logs/_search?q=user:bob", "", 200, map[string]any{"hits/total/value": 1}},
		{"q bare word", "GET", "/logs/_search?q=third", "", 200, map[string]any{"hits/total/value": 1}},
		{"track_total_hits false", "POST", "/logs/_search", `{"track_total_hits":false}`, 200, map[string]any{"hits/total": absent}},
		{"track_total_hits cap", "POST", "/logs/_search", `{"track_total_hits":2}`, 200, map[string]any{
			"hits/total/value": 2, "hits/total/relation": "gte"}},
		{"rest_total_hits_as_int", "GET", "/logs/_search?rest_total_hits_as_int=true", "", 200, map[string]any{"hits/total": 3}},
		{"source includes", "POST", "/logs/_search", `{"_source":["user"]}`, 200, map[string]any{
			"hits/hits/0/_source/user": "alice", "hits/hits/0/_source/msg": absent}},
		{"source off", "POST", "/logs/_search", `{"_source":false}`, 200, map[string]any{"hits/hits/0/_source": absent}},
		{"source object", "POST", "/single/_search", `{"_source":{"includes":["nested"],"excludes":["nested.b"]}}`, 200, map[string]any{
			"hits/hits/0/_source/nested/a": 1, "hits/hits/0/_source/nested/b": absent, "hits/hits/0/_source/user": absent}},
		{"body in ?source", "GET", `/logs/_search?source=%7B%22query%22%3A%7B%22term%22%3A%7B%22user%22%3A%22bob%22%7D%7D%7D&source_content_type=application/json`, "", 200, map[string]any{
			"hits/total/value": 1}},
		{"malformed body", "POST", "/logs/_search", `{"query":`, 400, map[string]any{"error/type": "x_content_parse_exception"}},
		{"count all", "GET", "/_count", "", 200, map[string]any{"count": 5, "_shards/total": 4, "_shards/skipped": 0}},
		{"count with query", "POST", "/logs/_count", `{"query":{"term":{"user":"alice"}}}`, 200, map[string]any{"count": 2}},
		{"count with q", "GET", "/logs/_count?q=user:alice", "", 200, map[string]any{"count": 2}},
		{"count rejects other keys", "POST", "/_count", `{"size":1}`, 400, map[string]any{
			"error/type": "parsing_exception", "error/reason": "request does not support [size]"}},
		{"count missing index", "GET", "/missing/_count", "", 404, map[string]any{"error/type": "index_not_found_exception"}},
	})
}

func TestNoHandlerAndWrongMethod(t *testing.T) {
	runCases(t, []apiCase{
		{"unknown api", "GET", "/_nope?x=1", "", 400, map[string]any{
			"error": "no handler found for uri [/_nope?x=1] and method [GET]", "status": absent}},
		{"unknown sub-api", "GET", "/logs-1/_nope", "", 400, map[string]any{
			"error": "no handler found for uri [/logs-1/_nope] and method [GET]"}},
		{"security api on an unsecured cluster", "GET", "/_security/_authenticate", "", 400, map[string]any{}},
		{"too deep", "GET", "/logs-1/_doc/1/extra", "", 400, map[string]any{}},
		{"wrong method", "DELETE", "/_search", "", 405, map[string]any{
			"error": "Incorrect HTTP method for uri [/_search] and method [DELETE], allowed: [GET, POST]", "status": 405}},
		{"bulk with GET", "GET", "/_bulk", "", 405, map[string]any{}},
		{"index with POST", "POST", "/logs-1", "", 405, map[string]any{}},
	})
}
