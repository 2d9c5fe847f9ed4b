package table

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/roles"
)

// inputRow is one row of testdata/es-rest-endpoints.tsv: Elasticsearch's
// REST API as elastic/elasticsearch-specification documents it.
type inputRow struct {
	name, method, path string
	idx, cl            []string // documented index and cluster privileges
	line               int
}

func (r inputRow) key() string { return r.method + " " + r.path }

func readInput(t *testing.T) []inputRow {
	t.Helper()
	data, err := os.ReadFile("testdata/es-rest-endpoints.tsv")
	if err != nil {
		t.Fatal(err)
	}
	var rows []inputRow
	for i, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if strings.HasPrefix(line, "#") || strings.HasPrefix(line, "name\t") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 5 {
			t.Fatalf("testdata line %d: %d columns", i+1, len(cols))
		}
		rows = append(rows, inputRow{
			name: cols[0], method: cols[1], path: cols[2],
			idx: privList(cols[3]), cl: privList(cols[4]), line: i + 1,
		})
	}
	if len(rows) != 878 {
		t.Fatalf("testdata has %d rows, want 878", len(rows))
	}
	return rows
}

func privList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func table(t *testing.T) map[string]Endpoint {
	t.Helper()
	eps, err := Endpoints()
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]Endpoint{}
	for _, e := range eps {
		m[e.Method+" "+e.Path] = e
	}
	return m
}

// extraRows lists rows of endpoints.tsv that are not in the input table,
// with the reason they are there. None so far: an unknown route is
// refused by the gateway anyway.
var extraRows = map[string]string{}

func TestEveryRowClassified(t *testing.T) {
	eps := table(t)
	for _, r := range readInput(t) {
		if _, ok := eps[r.key()]; !ok {
			t.Errorf("testdata line %d: %s (%s) is not classified", r.line, r.key(), r.name)
		}
	}
}

func TestNoUnexplainedRows(t *testing.T) {
	in := map[string]bool{}
	for _, r := range readInput(t) {
		in[r.key()] = true
	}
	for key, e := range table(t) {
		if !in[key] && extraRows[key] == "" {
			t.Errorf("endpoints.tsv line %d: %s is not an Elasticsearch endpoint of the input table", e.Line, key)
		}
	}
}

// kindExceptions are rows whose kind differs from what the documented
// privileges suggest, with the reason.
var kindExceptions = map[string]string{
	"GET /_analyze":  "SecurityActionMapper renames indices:admin/analyze without an index to cluster:admin/analyze",
	"POST /_analyze": "SecurityActionMapper renames indices:admin/analyze without an index to cluster:admin/analyze",
	"POST /_ilm/move/{index}": "cluster:admin/ilm/_move/post is a cluster-kind name (OPS): ES never index-authorizes it, " +
		"whatever TS documents",
	"GET /_migration/system_features":  "cluster:admin/migration/get_system_feature is a cluster-kind name (OPS)",
	"POST /_migration/system_features": "cluster:admin/migration/post_system_feature is a cluster-kind name (OPS)",
	"POST /_searchable_snapshots/cache/clear": "cluster:admin/xpack/searchable_snapshots/cache/clear is a cluster-kind " +
		"name (OPS); the index list is not index-authorized",
	"POST /{index}/_searchable_snapshots/cache/clear": "cluster:admin/xpack/searchable_snapshots/cache/clear is a " +
		"cluster-kind name (OPS); the index list is not index-authorized",
	"GET /_searchable_snapshots/stats": "cluster:monitor/xpack/searchable_snapshots/stats is a cluster-kind name (OPS)",
	"GET /{index}/_searchable_snapshots/stats": "cluster:monitor/xpack/searchable_snapshots/stats is a cluster-kind " +
		"name (OPS); the index list is not index-authorized",
	"POST /_snapshot/{repository}/{snapshot}/_mount": "cluster:admin/snapshot/mount is a cluster-kind name (OPS), " +
		"authorized like a restore",
	"DELETE /_sql/async/delete/{id}": "DeleteAsyncResultAction is an index action without indices (owner-bound); " +
		"cancel_task only lets a user delete others' results",
}

// TestTableConsistent checks each row's kind against the privileges the
// input documents: index privileges mean an index row, cluster privileges
// only mean a cluster row (local and refused rows are always consistent).
func TestTableConsistent(t *testing.T) {
	eps := table(t)
	used := map[string]bool{}
	for _, r := range readInput(t) {
		e, ok := eps[r.key()]
		if !ok || e.Kind == Local || e.Kind == Refused {
			continue
		}
		var want Kind
		switch {
		case len(r.idx) > 0:
			want = Index
		case len(r.cl) > 0:
			want = Cluster
		default:
			continue
		}
		if e.Kind == want {
			if kindExceptions[r.key()] != "" {
				t.Errorf("%s: listed as a kind exception but consistent", r.key())
			}
			continue
		}
		if kindExceptions[r.key()] == "" {
			t.Errorf("endpoints.tsv line %d: %s is %s but the input documents index %v / cluster %v",
				e.Line, r.key(), e.Kind, r.idx, r.cl)
		}
		used[r.key()] = true
	}
	for key := range kindExceptions {
		if !used[key] {
			t.Errorf("kind exception %s is not needed", key)
		}
	}
}

// grantExceptions are rows none of whose documented privileges grants the
// action ES authorizes; TS documents a privilege that does not grant the
// name in ES's privilege automata.
var grantExceptions = map[string]string{
	"GET /{index}/_analyze":  "TS documents index; indices:admin/analyze is granted by manage and all",
	"POST /{index}/_analyze": "TS documents index; indices:admin/analyze is granted by manage and all",
	"GET /_license/basic_status": "TS documents monitor; the action is cluster:admin/xpack/license/basic_status " +
		"(OPS), outside cluster:monitor/*",
	"GET /_license/trial_status": "TS documents monitor; the action is cluster:admin/xpack/license/trial_status " +
		"(OPS), outside cluster:monitor/*",
	"GET /_streams/status": "TS documents monitor; StreamsStatusAction is cluster:admin/streams/status",
	"GET /_data_stream/{name}/_mappings": "TS documents view_index_metadata; GetDataStreamMappingsAction is " +
		"indices:monitor/data_stream/mappings/get (monitor, manage)",
	"GET /_data_stream/{name}/_settings": "TS documents view_index_metadata; GetDataStreamSettingsAction is " +
		"indices:monitor/data_stream/settings/get (monitor, manage)",
}

// TestDocumentedPrivilegesGrantTheActions checks the names against the
// privilege tables esauth already has: on a row whose documented
// privileges esauth knows, one of them must grant each action of the
// matching kind. A wrong name grants or denies wrongly; this catches most.
func TestDocumentedPrivilegesGrantTheActions(t *testing.T) {
	eps := table(t)
	used := map[string]bool{}
	for _, r := range readInput(t) {
		e, ok := eps[r.key()]
		if !ok || e.Kind == Local || e.Kind == Refused || kindExceptions[r.key()] != "" {
			continue
		}
		for _, a := range e.Actions {
			granted, known := documentedGrant(r, actionKind(a), a)
			if !known || granted {
				continue
			}
			if grantExceptions[r.key()] == "" {
				t.Errorf("endpoints.tsv line %d: %s: %s is granted by none of index %v / cluster %v",
					e.Line, r.key(), a, r.idx, r.cl)
			}
			used[r.key()] = true
		}
	}
	for key := range grantExceptions {
		if !used[key] {
			t.Errorf("grant exception %s is not needed", key)
		}
	}
}

// documentedGrant reports whether one of the row's documented privileges
// of the action's kind grants it; known is false when esauth knows none of
// them (9.x privileges such as monitor_esql) or none are documented.
func documentedGrant(r inputRow, kind Kind, action string) (granted, known bool) {
	if kind == Index {
		for _, name := range r.idx {
			if p, ok := roles.LookupIndexPrivilege(name); ok {
				known = true
				granted = granted || p.Grants(action)
			}
		}
		return granted, known
	}
	for _, name := range r.cl {
		if p, ok := roles.LookupClusterPrivilege(name); ok {
			known = true
			granted = granted || p.Grants(action)
		}
	}
	return granted, known
}

func TestSecurityAPIsAreLocal(t *testing.T) {
	eps := table(t)
	for _, r := range readInput(t) {
		e := eps[r.key()]
		if strings.HasPrefix(r.name, "security.") != (e.Kind == Local) {
			t.Errorf("%s (%s) is %s", r.key(), r.name, e.Kind)
		}
	}
}

// TestSameRouteSameClass: rows whose paths differ only in parameter names
// (PUT /_inference/{task_type}/{inference_id} and the put_* variants) are
// one route to a router, so they must be classified alike.
func TestSameRouteSameClass(t *testing.T) {
	eps, err := Endpoints()
	if err != nil {
		t.Fatal(err)
	}
	first := map[string]Endpoint{}
	for _, e := range eps {
		shape := e.Method + " " + routeShape(e.Path)
		if prev, ok := first[shape]; ok {
			if classOf(prev) != classOf(e) {
				t.Errorf("lines %d and %d: %s and %s are one route but classified %s and %s",
					prev.Line, e.Line, prev.Path, e.Path, classOf(prev), classOf(e))
			}
			continue
		}
		first[shape] = e
	}
}

func routeShape(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") {
			segs[i] = "{}"
		}
	}
	return strings.Join(segs, "/")
}

func classOf(e Endpoint) string {
	params := e.Params()
	var ts []string
	for _, tg := range e.Targets {
		if tg.Param == "" {
			ts = append(ts, string(tg.From))
		} else {
			ts = append(ts, fmt.Sprintf("%s:#%d", tg.From, slices.Index(params, tg.Param)))
		}
	}
	return strings.Join([]string{strings.Join(e.Actions, "+"), string(e.Kind), strings.Join(ts, "+"), e.Handler, e.Defaults}, " ")
}

// spot checks rows against gw§1.2 and the sources cited there.
var spotChecks = []struct {
	method, path, actions string
	kind                  Kind
	targets, handler      string
}{
	// search, msearch, count
	{"GET", "/_search", "indices:data/read/search", Index, "all", Search},
	{"POST", "/{index}/_search", "indices:data/read/search", Index, "path:index", Search},
	{"POST", "/_msearch", "indices:data/read/msearch", Index, "body", MSearch},
	{"GET", "/{index}/_msearch", "indices:data/read/msearch", Index, "path:index+body", MSearch},
	{"POST", "/{index}/_msearch/template", "indices:data/read/msearch/template", Index, "path:index+body", MSearchTemplate},
	{"GET", "/_search/template", "indices:data/read/search/template+indices:data/read/search", Index, "all", Search},
	{"GET", "/_count", "indices:data/read/search", Index, "all", Forward},
	{"POST", "/{index}/_count", "indices:data/read/search", Index, "path:index", Forward},
	// document CRUD
	{"PUT", "/{index}/_doc/{id}", "indices:data/write/index", Index, "single:index", DocWrite},
	{"POST", "/{index}/_doc", "indices:data/write/index", Index, "single:index", DocWrite},
	{"PUT", "/{index}/_create/{id}", "indices:data/write/index+indices:data/write/index:op_type/create", Index, "single:index", DocWrite},
	{"GET", "/{index}/_doc/{id}", "indices:data/read/get", Index, "single:index", Forward},
	{"HEAD", "/{index}/_doc/{id}", "indices:data/read/get", Index, "single:index", Forward},
	{"GET", "/{index}/_source/{id}", "indices:data/read/get", Index, "single:index", Forward},
	{"DELETE", "/{index}/_doc/{id}", "indices:data/write/delete", Index, "single:index", DocWrite},
	{"POST", "/{index}/_update/{id}", "indices:data/write/update", Index, "single:index", DocWrite},
	{"GET", "/{index}/_explain/{id}", "indices:data/read/explain", Index, "single:index", Forward},
	{"GET", "/{index}/_termvectors/{id}", "indices:data/read/tv", Index, "single:index", Forward},
	{"POST", "/_mtermvectors", "indices:data/read/mtv", Index, "body", MTermVectors},
	// bulk, mget, by-query, reindex
	{"POST", "/_bulk", "indices:data/write/bulk", Index, "body", Bulk},
	{"PUT", "/{index}/_bulk", "indices:data/write/bulk", Index, "single:index+body", Bulk},
	{"POST", "/_mget", "indices:data/read/mget", Index, "body", MGet},
	{"GET", "/{index}/_mget", "indices:data/read/mget", Index, "single:index+body", MGet},
	{"POST", "/{index}/_delete_by_query", "indices:data/write/delete/byquery", Index, "path:index", ByQuery},
	{"POST", "/{index}/_update_by_query", "indices:data/write/update/byquery", Index, "path:index", ByQuery},
	{"POST", "/_reindex", "indices:data/write/reindex", Index, "body", Reindex},
	{"POST", "/_reindex/{task_id}/_rethrottle", "cluster:admin/reindex/rethrottle", Cluster, "", Forward},
	// refresh, flush, forcemerge
	{"POST", "/_refresh", "indices:admin/refresh", Index, "all", Forward},
	{"GET", "/{index}/_refresh", "indices:admin/refresh", Index, "path:index", Forward},
	{"POST", "/{index}/_flush", "indices:admin/flush", Index, "path:index", Forward},
	{"POST", "/_forcemerge", "indices:admin/forcemerge", Index, "all", Forward},
	// create, delete, get index; mappings; settings
	{"PUT", "/{index}", "indices:admin/create", Index, "single:index+body", CreateIndex},
	{"DELETE", "/{index}", "indices:admin/delete", Index, "path:index", Forward},
	{"GET", "/{index}", "indices:admin/get", Index, "path:index", Forward},
	{"HEAD", "/{index}", "indices:admin/get", Index, "path:index", Forward},
	{"GET", "/_mapping", "indices:admin/mappings/get", Index, "all", Forward},
	{"PUT", "/{index}/_mapping", "indices:admin/mapping/put", Index, "path:index", Forward},
	{"GET", "/{index}/_mapping/field/{fields}", "indices:admin/mappings/fields/get", Index, "path:index", Forward},
	{"GET", "/_settings", "indices:monitor/settings/get", Index, "all", Forward},
	{"PUT", "/{index}/_settings", "indices:admin/settings/update", Index, "path:index", Forward},
	// aliases, open/close, rollover, resize
	{"GET", "/_alias/{name}", "indices:admin/aliases/get", Index, "all+path:name", Forward},
	{"HEAD", "/{index}/_alias/{name}", "indices:admin/aliases/get", Index, "path:index+path:name", Forward},
	{"POST", "/_aliases", "indices:admin/aliases", Index, "body", UpdateAliases},
	{"PUT", "/{index}/_alias/{name}", "indices:admin/aliases", Index, "path:index+path:name", UpdateAliases},
	{"DELETE", "/{index}/_aliases/{name}", "indices:admin/aliases", Index, "path:index+path:name", Forward},
	{"POST", "/{index}/_open", "indices:admin/open", Index, "path:index", Forward},
	{"POST", "/{index}/_close", "indices:admin/close", Index, "path:index", Forward},
	{"POST", "/{alias}/_rollover/{new_index}", "indices:admin/rollover", Index, "single:alias", Forward},
	{"POST", "/{index}/_shrink/{target}", "indices:admin/resize", Index, "single:index+single:target", Resize},
	// field caps, stats, resolve
	{"GET", "/_field_caps", "indices:data/read/field_caps", Index, "all", Forward},
	{"GET", "/{index}/_stats/{metric}", "indices:monitor/stats", Index, "path:index", Forward},
	{"GET", "/_resolve/index/{name}", "indices:admin/resolve/index", Index, "path:name", Forward},
	// scroll, point in time, async search
	{"GET", "/_search/scroll", "indices:data/read/scroll", Index, "none", Scroll},
	{"DELETE", "/_search/scroll/{scroll_id}", "indices:data/read/scroll/clear", Index, "none", ClearScroll},
	{"POST", "/{index}/_pit", "indices:data/read/open_point_in_time", Index, "path:index", PITOpen},
	{"DELETE", "/_pit", "indices:data/read/close_point_in_time", Index, "none", PITClose},
	{"POST", "/_async_search", "indices:data/read/async_search/submit+indices:data/read/search", Index, "all", AsyncSubmit},
	{"GET", "/_async_search/{id}", "indices:data/read/async_search/get", Index, "none", AsyncGet},
	{"DELETE", "/_async_search/{id}", "indices:data/read/async_search/delete", Index, "none", AsyncGet},
	{"GET", "/_async_search/status/{id}", "cluster:monitor/async_search/status", Cluster, "", Forward},
	// SQL, EQL, ES|QL
	{"POST", "/_sql", "indices:data/read/sql", Index, "body", QueryText},
	{"GET", "/_sql/translate", "indices:data/read/sql/translate", Index, "body", QueryText},
	{"POST", "/_sql/close", "indices:data/read/sql/close_cursor", Index, "none", ClearScroll},
	{"GET", "/_sql/async/{id}", "indices:data/read/sql/async/get", Index, "none", AsyncGet},
	{"GET", "/_sql/async/status/{id}", "cluster:monitor/xpack/sql/async/status", Cluster, "", Forward},
	{"POST", "/{index}/_eql/search", "indices:data/read/eql", Index, "path:index", AsyncSubmit},
	{"GET", "/_eql/search/{id}", "indices:data/read/eql/async/get", Index, "none", AsyncGet},
	{"GET", "/_eql/search/status/{id}", "cluster:monitor/eql/async/status", Cluster, "", Forward},
	{"POST", "/_query", "indices:data/read/esql", Index, "body", QueryText},
	{"GET", "/_query/async/{id}", "indices:data/read/esql/async/get", Index, "none", AsyncGet},
	// cat APIs
	{"GET", "/_cat/indices", "indices:monitor/settings/get+indices:monitor/stats+cluster:monitor/state+cluster:monitor/health", Index, "all", Forward},
	{"GET", "/_cat/indices/{index}", "indices:monitor/settings/get+indices:monitor/stats+cluster:monitor/state+cluster:monitor/health", Index, "path:index", Forward},
	{"GET", "/_cat/count/{index}", "indices:data/read/search", Index, "path:index", Forward},
	{"GET", "/_cat/aliases/{name}", "indices:admin/aliases/get", Index, "all+path:name", Forward},
	{"GET", "/_cat/health", "cluster:monitor/health", Cluster, "", Forward},
	{"GET", "/_cat/nodes", "cluster:monitor/state+cluster:monitor/nodes/info+cluster:monitor/nodes/stats", Cluster, "", Forward},
	{"GET", "/_cat/shards/{index}", "indices:monitor/stats+cluster:monitor/state", Index, "path:index", Forward},
	// cluster
	{"GET", "/_cluster/health", "cluster:monitor/health", Cluster, "", Forward},
	{"GET", "/_cluster/health/{index}", "cluster:monitor/health", Cluster, "", Forward},
	{"GET", "/_cluster/state/{metric}/{index}", "cluster:monitor/state", Cluster, "", Forward},
	{"GET", "/_cluster/settings", "cluster:monitor/settings", Cluster, "", Forward},
	{"PUT", "/_cluster/settings", "cluster:admin/settings/update", Cluster, "", Forward},
	{"GET", "/_cluster/stats", "cluster:monitor/stats", Cluster, "", Forward},
	// nodes, tasks
	{"GET", "/_nodes", "cluster:monitor/nodes/info", Cluster, "", Forward},
	{"GET", "/_nodes/{node_id}/stats/{metric}", "cluster:monitor/nodes/stats", Cluster, "", Forward},
	{"GET", "/_nodes/hot_threads", "cluster:monitor/nodes/hot_threads", Cluster, "", Forward},
	{"GET", "/_nodes/usage", "cluster:monitor/nodes/usage", Cluster, "", Forward},
	{"GET", "/_tasks", "cluster:monitor/tasks/lists", Cluster, "", Forward},
	{"GET", "/_tasks/{task_id}", "cluster:monitor/task/get", Cluster, "", Forward},
	{"POST", "/_tasks/{task_id}/_cancel", "cluster:admin/tasks/cancel", Cluster, "", Forward},
	// ingest
	{"PUT", "/_ingest/pipeline/{id}", "cluster:admin/ingest/pipeline/put", Cluster, "", Forward},
	{"GET", "/_ingest/pipeline", "cluster:admin/ingest/pipeline/get", Cluster, "", Forward},
	{"DELETE", "/_ingest/pipeline/{id}", "cluster:admin/ingest/pipeline/delete", Cluster, "", Forward},
	{"POST", "/_ingest/pipeline/{id}/_simulate", "cluster:admin/ingest/pipeline/simulate", Cluster, "", Forward},
	// templates
	{"PUT", "/_index_template/{name}", "indices:admin/index_template/put", Cluster, "", Forward},
	{"POST", "/_index_template/_simulate_index/{name}", "indices:admin/index_template/simulate_index", Cluster, "", Forward},
	{"GET", "/_component_template/{name}", "cluster:admin/component_template/get", Cluster, "", Forward},
	{"PUT", "/_template/{name}", "indices:admin/template/put", Cluster, "", Forward},
	{"HEAD", "/_template/{name}", "indices:admin/template/get", Cluster, "", Forward},
	// data streams
	{"PUT", "/_data_stream/{name}", "indices:admin/data_stream/create", Index, "single:name", Forward},
	{"GET", "/_data_stream/{name}", "indices:admin/data_stream/get", Index, "path:name", Forward},
	{"DELETE", "/_data_stream/{name}", "indices:admin/data_stream/delete", Index, "path:name", Forward},
	{"GET", "/_data_stream/{name}/_stats", "indices:monitor/data_stream/stats", Index, "path:name", Forward},
	{"POST", "/_data_stream/_migrate/{name}", "indices:admin/data_stream/migrate", Index, "single:name", Forward},
	// snapshot, license, xpack, info/ping
	{"PUT", "/_snapshot/{repository}/{snapshot}", "cluster:admin/snapshot/create", Cluster, "", Forward},
	{"POST", "/_snapshot/{repository}/{snapshot}/_restore", "cluster:admin/snapshot/restore", Cluster, "", Forward},
	{"GET", "/_snapshot/{repository}", "cluster:admin/repository/get", Cluster, "", Forward},
	{"GET", "/_license", "cluster:monitor/xpack/license/get", Cluster, "", Forward},
	{"PUT", "/_license", "cluster:admin/xpack/license/put", Refused, "", Refuse},
	{"GET", "/_xpack", "cluster:monitor/xpack/info", Cluster, "", Forward},
	{"GET", "/_xpack/usage", "cluster:monitor/xpack/usage", Cluster, "", Forward},
	{"GET", "/", "cluster:monitor/main", Cluster, "", Forward},
	{"HEAD", "/", "cluster:monitor/main", Cluster, "", Forward},
	// security renames
	{"GET", "/_analyze", "cluster:admin/analyze", Cluster, "", Forward},
	{"POST", "/{index}/_analyze", "indices:admin/analyze", Index, "single:index", Forward},
	{"POST", "/_scripts/painless/_execute", "cluster:admin/scripts/painless/execute", Cluster, "", PainlessExecute},
	// local and refused
	{"GET", "/_security/_authenticate", "cluster:admin/xpack/security/user/authenticate", Local, "", LocalHandler},
	{"PUT", "/_security/user/{username}", "cluster:admin/xpack/security/user/put", Local, "", LocalHandler},
	{"POST", "/_encryption/_reset", "", Refused, "", Refuse},
	{"PUT", "/_transform/{transform_id}", "cluster:admin/transform/put", Refused, "", Refuse},
	{"PUT", "/{index}/_ccr/follow", "indices:admin/xpack/ccr/put_follow", Refused, "", Refuse},
	{"GET", "/_render/template", "indices:data/read/search/template", Index, "none", Forward},
}

func TestSpotChecks(t *testing.T) {
	if len(spotChecks) < 40 {
		t.Fatalf("%d spot checks", len(spotChecks))
	}
	eps := table(t)
	for _, c := range spotChecks {
		key := c.method + " " + c.path
		e, ok := eps[key]
		if !ok {
			t.Errorf("%s: missing", key)
			continue
		}
		var ts []string
		for _, tg := range e.Targets {
			ts = append(ts, tg.String())
		}
		got := fmt.Sprintf("%s %s [%s] %s", strings.Join(e.Actions, "+"), e.Kind, strings.Join(ts, "+"), e.Handler)
		want := fmt.Sprintf("%s %s [%s] %s", c.actions, c.kind, c.targets, c.handler)
		if got != want {
			t.Errorf("%s:\n got %s\nwant %s", key, got, want)
		}
	}
}

func TestRefusedRowsGiveAReason(t *testing.T) {
	eps, err := Endpoints()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range eps {
		if e.Kind == Refused && len(e.Source) < 15 {
			t.Errorf("line %d: refusal reason %q", e.Line, e.Source)
		}
		if e.Kind != Refused && e.Action == "" {
			t.Errorf("line %d: no action", e.Line)
		}
	}
}

func TestDefaultOptions(t *testing.T) {
	eps := table(t)
	got := eps["GET /_search"].DefaultOptions()
	want := map[string]string{"ignore_unavailable": "false", "allow_no_indices": "true", "expand_wildcards": "open"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("search defaults %v", got)
	}
	if got := eps["POST /{index}/_open"].DefaultOptions()["expand_wildcards"]; got != "closed" {
		t.Errorf("open: expand_wildcards=%q", got)
	}
	if got := eps["DELETE /{index}"].DefaultOptions()["expand_wildcards"]; got != "open,closed" {
		t.Errorf("delete index: expand_wildcards=%q", got)
	}
	if got, ok := eps["POST /_forcemerge"].DefaultOptions()["ignore_unavailable"]; !ok || got != "" {
		t.Errorf("forcemerge declares ignore_unavailable without a default: %q %v", got, ok)
	}
	if len(eps["GET /_cluster/health"].DefaultOptions()) != 0 {
		t.Error("a cluster row has defaults")
	}
}

func TestNameOnly(t *testing.T) {
	for _, a := range []string{"indices:data/write/bulk", "indices:data/read/mget", "indices:data/read/sql", "indices:data/write/reindex"} {
		if !NameOnly(a) {
			t.Errorf("%s is name-only", a)
		}
	}
	for _, a := range []string{"indices:data/read/search", "indices:data/write/index:op_type/create", "indices:data/read/mget[shard]"} {
		if NameOnly(a) {
			t.Errorf("%s is not name-only", a)
		}
	}
}

func TestEndpointsReturnsACopy(t *testing.T) {
	a, err := Endpoints()
	if err != nil {
		t.Fatal(err)
	}
	a[0].Actions[0] = "changed"
	a[0].Method = "changed"
	b, _ := Endpoints()
	if b[0].Actions[0] == "changed" || b[0].Method == "changed" {
		t.Error("Endpoints shares its rows")
	}
}

func TestHandlersAreDocumented(t *testing.T) {
	src, err := os.ReadFile("table.go")
	if err != nil {
		t.Fatal(err)
	}
	eps, _ := Endpoints()
	usedHandlers := map[string]bool{}
	for _, e := range eps {
		usedHandlers[e.Handler] = true
	}
	for _, h := range Handlers() {
		if !usedHandlers[h] {
			t.Errorf("handler %s is used by no row", h)
		}
		if !strings.Contains(string(src), fmt.Sprintf("= %q", h)) {
			t.Errorf("handler %s has no documented constant", h)
		}
	}
}

// mutate returns the embedded table with one row changed.
func mutate(t *testing.T, method, path string, change func(cols []string) []string) string {
	t.Helper()
	lines := strings.Split(endpointsTSV, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, method+"\t"+path+"\t") {
			lines[i] = strings.Join(change(strings.Split(l, "\t")), "\t")
			return strings.Join(lines, "\n")
		}
	}
	t.Fatalf("no row %s %s", method, path)
	return ""
}

func set(col int, v string) func([]string) []string {
	return func(c []string) []string { c[col] = v; return c }
}

// TestBrokenTablesAreRejected breaks the table in the ways a careless
// edit would and expects an error naming the row.
func TestBrokenTablesAreRejected(t *testing.T) {
	const (
		action, kind, target, handler, defaults, source = 2, 3, 4, 5, 6, 7
	)
	cases := []struct {
		name, method, path string
		change             func([]string) []string
		want               string
	}{
		{"unknown kind", "GET", "/_cluster/health", set(kind, "clusterr"), "unknown kind"},
		{"index action on a cluster row", "GET", "/_cluster/health", set(action, "indices:monitor/stats"), "not a cluster action"},
		{"cluster action on an index row", "GET", "/_search", set(action, "cluster:monitor/main"), "not an index action"},
		{"template action on an index row", "GET", "/_search", set(action, "indices:admin/template/get"), "not an index action"},
		{"action of no kind", "GET", "/_cluster/stats", set(action, "internal:admin/foo"), "neither a cluster nor an index action"},
		{"action pattern", "GET", "/_cluster/stats", set(action, "cluster:monitor/*"), "bad action name"},
		{"index row without target", "GET", "/_search", set(target, ""), "needs a target"},
		{"cluster row with target", "GET", "/_cluster/health/{index}", set(target, "path:index"), "only index rows have targets"},
		{"unknown handler", "POST", "/_bulk", set(handler, "bulkk"), "unknown handler"},
		{"handler of another kind", "GET", "/_cluster/health", set(handler, Bulk), "does not serve"},
		{"body target without body handler", "POST", "/_bulk", set(handler, Forward), "does not read index names from the body"},
		{"target param not in path", "GET", "/{index}/_doc/{id}", set(target, "single:idx"), "no {idx} in the path"},
		{"path index not a target", "GET", "/{index}/_search", set(target, "all"), "target all with an {index}"},
		{"unknown target", "GET", "/_search", set(target, "everything"), "unknown target"},
		{"none with others", "DELETE", "/_pit", set(target, "none+body"), "stands alone"},
		{"defaults on a cluster row", "GET", "/_cluster/health", set(defaults, "expand_wildcards=all"), "only index rows have default"},
		{"bad expand_wildcards", "GET", "/_search", set(defaults, "expand_wildcards=opened"), "unknown expand_wildcards state"},
		{"bad boolean default", "GET", "/_search", set(defaults, "ignore_unavailable=maybe"), "not a boolean"},
		{"local row outside security", "GET", "/_cluster/health", func(c []string) []string {
			c[kind], c[handler] = "local", "local"
			return c
		}, "are local"},
		{"forwarded security row", "GET", "/_security/_authenticate", func(c []string) []string {
			c[kind], c[handler] = "cluster", "forward"
			return c
		}, "are local"},
		{"no source", "GET", "/_cluster/health", set(source, " "), "no source"},
		{"missing column", "GET", "/_cluster/health", func(c []string) []string { return c[:7] }, "7 columns"},
		{"unknown method", "GET", "/_cluster/health", set(0, "PATCH"), "unknown method"},
		{"bad path parameter", "GET", "/_cluster/health/{index}", set(1, "/_cluster/health/{index"), "bad path parameter"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := parse(mutate(t, c.method, c.path, c.change))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error with %q", err, c.want)
			}
			if !strings.Contains(err.Error(), "line ") {
				t.Errorf("error %q does not name the row", err)
			}
		})
	}
	t.Run("duplicate row", func(t *testing.T) {
		line := "GET\t/_cluster/health\tcluster:monitor/health\tcluster\t\tforward\t\tOPS"
		_, err := parse(endpointsTSV + line + "\n")
		if err == nil || !strings.Contains(err.Error(), "duplicate of line") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("header", func(t *testing.T) {
		_, err := parse(strings.Replace(endpointsTSV, "method\tpath", "verb\tpath", 1))
		if err == nil || !strings.Contains(err.Error(), "header") {
			t.Fatalf("got %v", err)
		}
	})
}
