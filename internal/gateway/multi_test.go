package gateway_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/fakecluster"
	"github.com/esauth/esauth/internal/server/servertest"
)

// bodies returns what the cluster received for requests to path.
func bodies(fc *fakecluster.Cluster, path string) []string {
	var out []string
	for _, r := range fc.Requests() {
		if r.Path == path {
			out = append(out, string(r.Body))
		}
	}
	return out
}

// itemsOf decodes the items of a bulk answer as op -> fields.
func itemsOf(t *testing.T, body string) []map[string]map[string]any {
	t.Helper()
	var r struct {
		Errors bool                        `json:"errors"`
		Items  []map[string]map[string]any `json:"items"`
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("bulk answer %q: %v", body, err)
	}
	return r.Items
}

// A bulk runs the items the roles allow and answers the others in their
// places with Elasticsearch's item errors; the cluster sees only the
// allowed lines, byte for byte.
func TestBulkItemByItem(t *testing.T) {
	s, fc := setup(t)
	body := `{"index":{"_index":"logs-1","_id":"7"}}
{"msg":"ok"}
{"index":{"_index":"payroll","_id":"8"}}
{"msg":"secret"}
{"delete":{"_index":"logs-2","_id":"1"}}
{"create":{"_index":"logs-new","_id":"9"}}
{"msg":"new"}
{"update":{"_id":"1"}}
{"doc":{"msg":"updated"}}
`
	r := s.Call(t, "POST", "/logs-2/_bulk", as("wendy"), body)
	if r.Status != 200 {
		t.Fatalf("bulk: %d %s", r.Status, r.Body)
	}
	got := itemsOf(t, r.Body)
	if len(got) != 5 {
		t.Fatalf("bulk: %d items: %s", len(got), r.Body)
	}
	wantErr := []struct {
		op, index, reason string
	}{
		{"index", "logs-1", ""},
		{"index", "payroll", "action [indices:data/write/index:op_type/index] is unauthorized for user [wendy] with effective roles [writer] on indices [payroll], this action is granted by the index privileges [create,index,write,all]"},
		{"delete", "logs-2", "action [indices:data/write/delete] is unauthorized for user [wendy] with effective roles [writer] on indices [logs-2], this action is granted by the index privileges [delete,write,all]"},
		{"create", "logs-new", "action [indices:admin/auto_create] is unauthorized for user [wendy] with effective roles [writer] on indices [logs-new], this action is granted by the index privileges [auto_configure,create_index,manage,all]"},
		{"update", "logs-2", ""},
	}
	for i, w := range wantErr {
		it, ok := got[i][w.op]
		if !ok || it["_index"] != w.index {
			t.Errorf("item %d: %v, want %s on %s", i, got[i], w.op, w.index)
			continue
		}
		if w.reason == "" {
			if it["error"] != nil {
				t.Errorf("item %d: %v, want success", i, it)
			}
			continue
		}
		e, _ := it["error"].(map[string]any)
		if it["status"] != float64(403) || e["type"] != "security_exception" || e["reason"] != w.reason {
			t.Errorf("item %d: %v\nwant reason %s", i, it, w.reason)
		}
	}
	if !strings.Contains(r.Body, `"errors":true`) {
		t.Errorf("errors is not true: %s", r.Body)
	}
	want := "{\"index\":{\"_index\":\"logs-1\",\"_id\":\"7\"}}\n{\"msg\":\"ok\"}\n{\"update\":{\"_id\":\"1\"}}\n{\"doc\":{\"msg\":\"updated\"}}\n"
	if sent := bodies(fc, "/logs-2/_bulk"); len(sent) != 1 || sent[0] != want {
		t.Errorf("the cluster received %q\nwant %q", sent, want)
	}
	if _, ok := fc.Doc("payroll", "8"); ok {
		t.Error("a denied item was written")
	}
	if doc, _ := fc.Doc("logs-2", "1"); doc["msg"] != "updated" {
		t.Errorf("the allowed update did not run: %v", doc)
	}

	// With create_index, the missing index may be created.
	fc.Reset()
	r = s.Call(t, "POST", "/_bulk", as("carl"), "{\"create\":{\"_index\":\"logs-new\",\"_id\":\"9\"}}\n{\"msg\":\"new\"}\n")
	if r.Status != 200 || strings.Contains(r.Body, `"errors":true`) {
		t.Errorf("bulk with create_index: %d %s", r.Status, r.Body)
	}
	if _, ok := fc.Doc("logs-new", "9"); !ok {
		t.Error("the allowed create did not run")
	}
}

// When every item is denied, nothing is sent and the answer is made here.
func TestBulkAllDeniedSendsNothing(t *testing.T) {
	s, fc := setup(t)
	r := s.Call(t, "POST", "/_bulk", as("wendy"), "{\"delete\":{\"_index\":\"payroll\",\"_id\":\"1\"}}\n")
	want := `{"errors":true,"took":0,"items":[{"delete":{"_index":"payroll","_id":"1","status":403,"error":{"type":"security_exception","reason":"action [indices:data/write/delete] is unauthorized for user [wendy] with effective roles [writer] on indices [payroll], this action is granted by the index privileges [delete,write,all]"}}}]}`
	if r.Status != 200 || r.Body != want {
		t.Errorf("bulk: %d %s\nwant %s", r.Status, r.Body, want)
	}
	if n := fc.Hits("/_bulk"); n != 0 {
		t.Errorf("the cluster received %d bulk requests", n)
	}
	// A user with no write privilege anywhere is refused as a whole.
	r = s.Call(t, "POST", "/_bulk", as("bob"), "{\"index\":{\"_index\":\"logs-1\"}}\n{}\n")
	if want := denied("indices:data/write/bulk", "bob", "web_reader", "", "index privileges [create_doc,create,delete,index,write,all]"); r.Status != 403 || r.Body != want {
		t.Errorf("bulk as a reader: %d %s\nwant %s", r.Status, r.Body, want)
	}
}

// filter_path is applied after the items are merged: the cluster gets the
// request without it, the caller the filtered answer.
func TestBulkFilterPath(t *testing.T) {
	s, fc := setup(t)
	body := "{\"index\":{\"_index\":\"logs-1\",\"_id\":\"1\"}}\n{}\n{\"index\":{\"_index\":\"hr\",\"_id\":\"1\"}}\n{}\n"
	r := s.Call(t, "POST", "/_bulk?filter_path=errors,items.*.status", as("wendy"), body)
	if want := `{"errors":true,"items":[{"index":{"status":200}},{"index":{"status":403}}]}`; r.Status != 200 || r.Body != want {
		t.Errorf("bulk: %d %s\nwant %s", r.Status, r.Body, want)
	}
	if got := forwarded(fc); len(got) != 1 || got[0] != "POST /_bulk" {
		t.Errorf("forwarded %q", got)
	}
}

// A gzip body is read decoded (the limit applies to the decoded size) and
// forwarded decoded.
func TestBulkGzip(t *testing.T) {
	s, fc := setup(t, "http.max_content_length=1kb")
	gz := func(s string) *bytes.Buffer {
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		w.Write([]byte(s))
		w.Close()
		return &b
	}
	sendTo := func(path, user, body string) servertest.Reply {
		req, _ := http.NewRequest("POST", s.URL+path, gz(body))
		req.Header.Set("Content-Type", "application/x-ndjson")
		req.Header.Set("Content-Encoding", "gzip")
		req.Header.Set("Authorization", "Basic "+servertest.B64(as(user)))
		return s.Do(t, req)
	}
	send := func(body string) servertest.Reply { return sendTo("/_bulk", "wendy", body) }
	if r := send("{\"index\":{\"_index\":\"logs-1\",\"_id\":\"5\"}}\n{\"msg\":\"zipped\"}\n"); r.Status != 200 || strings.Contains(r.Body, `"errors":true`) {
		t.Fatalf("gzip bulk: %d %s", r.Status, r.Body)
	}
	if doc, _ := fc.Doc("logs-1", "5"); doc["msg"] != "zipped" {
		t.Errorf("not written: %v", doc)
	}
	if r := sendTo("/_mget", "bob", `{"docs":[{"_index":"logs-1","_id":"5"},{"_index":"hr","_id":"1"}]}`); r.Status != 200 || !strings.Contains(r.Body, "zipped") {
		t.Errorf("gzip mget: %d %s", r.Status, r.Body)
	}
	for _, r := range fc.Requests() {
		if r.Header.Get("Content-Encoding") != "" {
			t.Errorf("forwarded with Content-Encoding %q", r.Header.Get("Content-Encoding"))
		}
	}
	// 2 KB of zeros compress to a few bytes, and still pass the limit.
	big := "{\"index\":{\"_index\":\"logs-1\",\"_id\":\"6\"}}\n{\"msg\":\"" + strings.Repeat("0", 2048) + "\"}\n"
	if r := send(big); r.Status != 413 {
		t.Errorf("a gzip body over the limit once decoded: %d %s", r.Status, r.Body)
	}
	if _, ok := fc.Doc("logs-1", "6"); ok {
		t.Error("an item of a body over the limit was written")
	}
}

// A malformed line after allowed items fails the whole request, and the
// items already streamed to the cluster never run: the upstream request
// is cut, not completed.
func TestBulkMalformedAbortsUpstream(t *testing.T) {
	s, fc := setup(t)
	body := "{\"index\":{\"_index\":\"logs-1\",\"_id\":\"11\"}}\n{}\n{\"bogus\":{}}\n{}\n"
	r := s.Call(t, "POST", "/_bulk", as("wendy"), body)
	if r.Status != 400 || !strings.Contains(r.Body, "Malformed action/metadata line [3]") {
		t.Errorf("bulk: %d %s", r.Status, r.Body)
	}
	if _, ok := fc.Doc("logs-1", "11"); ok {
		t.Error("an item of a refused bulk was written")
	}
}

// _mget reads the documents the roles allow and answers the others in
// their places.
func TestMget(t *testing.T) {
	s, fc := setup(t)
	fc.AddAlias("logs-1", "current")
	r := s.Call(t, "POST", "/_mget", as("bob"), `{"docs":[{"_index":"logs-1","_id":"1"},{"_index":"payroll","_id":"1"},{"_index":"current","_id":"1"}]}`)
	if r.Status != 200 {
		t.Fatalf("mget: %d %s", r.Status, r.Body)
	}
	var got struct{ Docs []map[string]any }
	if err := json.Unmarshal([]byte(r.Body), &got); err != nil || len(got.Docs) != 3 {
		t.Fatalf("mget: %s", r.Body)
	}
	if got.Docs[0]["found"] != true || got.Docs[2]["found"] != true {
		t.Errorf("allowed docs: %s", r.Body)
	}
	reason := "action [indices:data/read/mget[shard]] is unauthorized for user [bob] with effective roles [web_reader] on indices [payroll], this action is granted by the index privileges [read,all]"
	e, _ := got.Docs[1]["error"].(map[string]any)
	if got.Docs[1]["_index"] != "payroll" || e["reason"] != reason || got.Docs[1]["status"] != nil {
		t.Errorf("denied doc: %v", got.Docs[1])
	}
	if sent := bodies(fc, "/_mget"); len(sent) != 1 || strings.Contains(sent[0], "payroll") {
		t.Errorf("the cluster received %q", sent)
	}

	// Every doc denied: nothing is sent.
	fc.Reset()
	r = s.Call(t, "GET", "/payroll/_mget", as("bob"), `{"ids":["1","2"]}`)
	if r.Status != 200 || strings.Count(r.Body, "security_exception") != 4 || fc.Hits("/payroll") != 0 {
		t.Errorf("mget of denied docs: %d %s, %d forwarded", r.Status, r.Body, fc.Hits("/payroll"))
	}
}

// Each search of an _msearch is narrowed as a search of its own; a denied
// one is answered in its place.
func TestMsearch(t *testing.T) {
	s, fc := setup(t)
	body := `{"index":"logs-*"}
{"query":{"match_all":{}}}
{"index":"payroll"}
{}
{}
{"size":1}
`
	r := s.Call(t, "POST", "/_msearch", as("bob"), body)
	if r.Status != 200 {
		t.Fatalf("msearch: %d %s", r.Status, r.Body)
	}
	var got struct{ Responses []map[string]any }
	if err := json.Unmarshal([]byte(r.Body), &got); err != nil || len(got.Responses) != 3 {
		t.Fatalf("msearch: %s", r.Body)
	}
	reason := "action [indices:data/read/search] is unauthorized for user [bob] with effective roles [web_reader] on indices [payroll], this action is granted by the index privileges [read,all]"
	if e, _ := got.Responses[1]["error"].(map[string]any); e["reason"] != reason || got.Responses[1]["status"] != float64(403) {
		t.Errorf("denied search: %v", got.Responses[1])
	}
	if got.Responses[0]["status"] != float64(200) || got.Responses[2]["status"] != float64(200) {
		t.Errorf("allowed searches: %s", r.Body)
	}
	want := "{\"index\":[\"logs-1\",\"logs-2\"]}\n{\"query\":{\"match_all\":{}}}\n{\"index\":[\"logs-1\",\"logs-2\"]}\n{\"size\":1}\n"
	if sent := bodies(fc, "/_msearch"); len(sent) != 1 || sent[0] != want {
		t.Errorf("the cluster received %q\nwant %q", sent, want)
	}
	if strings.Contains(r.Body, "in payroll") || strings.Contains(r.Body, "in hr") {
		t.Errorf("an unauthorized document in the answer: %s", r.Body)
	}
}
