package fakecluster

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"testing"
	"time"
)

func str(t *testing.T, a answer, path string) string {
	t.Helper()
	v, ok := at(a.decode(t), path)
	s, isStr := v.(string)
	if !ok || !isStr {
		t.Fatalf("%s is not a string in %s", path, a.body)
	}
	return s
}

func ids(t *testing.T, a answer) []string {
	t.Helper()
	hits, _ := at(a.decode(t), "hits/hits")
	var out []string
	for _, h := range hits.([]any) {
		out = append(out, h.(map[string]any)["_id"].(string))
	}
	return out
}

func TestScrollPages(t *testing.T) {
	c := fixture(t)
	first := do(t, c, "POST", "/logs/_search?scroll=1m", `{"size":2}`)
	if first.status != 200 {
		t.Fatalf("first page: %d %s", first.status, first.body)
	}
	id := str(t, first, "_scroll_id")
	if _, err := base64.URLEncoding.DecodeString(id); err != nil {
		t.Errorf("scroll id %q is not URL-safe base64: %v", id, err)
	}
	if got := fmt.Sprint(ids(t, first)); got != "[1 2]" {
		t.Errorf("first page %s", got)
	}
	checkFields(t, first, map[string]any{"hits/total/value": 3, "_shards/total": 2})

	// Writes after the first page do not show up: the scroll is a snapshot.
	c.Put("logs-1", "late", map[string]any{"user": "late"})

	second := do(t, c, "POST", "/_search/scroll", `{"scroll":"1m","scroll_id":"`+id+`"}`)
	if second.status != 200 || fmt.Sprint(ids(t, second)) != "[3]" || str(t, second, "_scroll_id") != id {
		t.Errorf("second page: %d %s", second.status, second.body)
	}
	third := do(t, c, "GET", "/_search/scroll?scroll=1m&scroll_id="+url.QueryEscape(id), "")
	if third.status != 200 || len(ids(t, third)) != 0 {
		t.Errorf("exhausted scroll: %d %s", third.status, third.body)
	}
	checkFields(t, third, map[string]any{"hits/total/value": 3})

	cleared := do(t, c, "DELETE", "/_search/scroll", `{"scroll_id":["`+id+`"]}`)
	if cleared.status != 200 || normal(cleared.body) != `{"succeeded":true,"num_freed":2}` {
		t.Errorf("clear: %d %s", cleared.status, cleared.body)
	}
	again := do(t, c, "DELETE", "/_search/scroll", `{"scroll_id":"`+id+`"}`)
	if again.status != 404 || string(again.body) != `{"succeeded":true,"num_freed":0}` {
		t.Errorf("second clear: %d %s", again.status, again.body)
	}
	gone := do(t, c, "POST", "/_search/scroll", `{"scroll_id":"`+id+`"}`)
	if gone.status != 404 {
		t.Fatalf("scroll after clear: %d %s", gone.status, gone.body)
	}
	checkFields(t, gone, map[string]any{
		"error/type": "search_phase_execution_exception", "error/reason": "all shards failed",
		"error/root_cause/0/type": "search_context_missing_exception", "error/caused_by/type": "search_context_missing_exception",
		"error/failed_shards/0/shard": -1, "status": 404,
	})
}

func TestScrollErrorsAndClearAll(t *testing.T) {
	c := fixture(t)
	a := str(t, do(t, c, "GET", "/logs-1/_search?scroll=1m", ""), "_scroll_id")
	b := str(t, do(t, c, "GET", "/_search?scroll=30s", ""), "_scroll_id")
	// Path and query forms, and the deprecated id-in-path form.
	if r := do(t, c, "GET", "/_search/scroll/"+url.PathEscape(b), ""); r.status != 200 {
		t.Errorf("scroll id in path: %d %s", r.status, r.body)
	}
	all := do(t, c, "DELETE", "/_search/scroll/_all", "")
	if all.status != 200 || string(all.body) != `{"succeeded":true,"num_freed":5}` {
		t.Errorf("clear _all (1 + 4 shards): %d %s", all.status, all.body)
	}
	for _, id := range []string{a, b} {
		if r := do(t, c, "POST", "/_search/scroll", `{"scroll_id":"`+id+`"}`); r.status != 404 {
			t.Errorf("scroll survived _all: %d", r.status)
		}
	}
	runCases(t, []apiCase{
		{"garbage id", "POST", "/_search/scroll", `{"scroll_id":"not-an-id"}`, 400, map[string]any{
			"error/type": "illegal_argument_exception", "error/reason": "Cannot parse scroll id"}},
		{"clear garbage id", "DELETE", "/_search/scroll", `{"scroll_id":"not-an-id"}`, 400, map[string]any{
			"error/reason": "Cannot parse scroll id"}},
		{"no id", "POST", "/_search/scroll", `{"scroll":"1m"}`, 400, map[string]any{
			"error/reason": "Validation Failed: 1: scroll id is missing;"}},
		{"clear without ids", "DELETE", "/_search/scroll", "", 400, map[string]any{
			"error/reason": "Validation Failed: 1: no scroll ids specified;"}},
		{"from in scroll", "POST", "/logs/_search?scroll=1m", `{"from":1}`, 400, map[string]any{
			"error/reason": "Validation Failed: 1: using [from] is not allowed in a scroll context;"}},
		{"bad keep alive", "GET", "/logs/_search?scroll=soon", "", 400, map[string]any{
			"error/reason": "failed to parse setting [scroll] with value [soon] as a time value: unit is missing or unrecognized"}},
		{"keep alive too long", "GET", "/logs/_search?scroll=2d", "", 400, map[string]any{"error/type": "illegal_argument_exception"}},
	})
}

func TestScrollExpires(t *testing.T) {
	c := fixture(t)
	id := str(t, do(t, c, "GET", "/logs/_search?scroll=1ms&size=1", ""), "_scroll_id")
	time.Sleep(20 * time.Millisecond)
	if r := do(t, c, "POST", "/_search/scroll", `{"scroll_id":"`+id+`"}`); r.status != 404 {
		t.Errorf("expired scroll answered %d %s", r.status, r.body)
	}
}

func TestPointInTime(t *testing.T) {
	c := fixture(t)
	open := do(t, c, "POST", "/logs/_pit?keep_alive=1m", "")
	if open.status != 200 {
		t.Fatalf("open: %d %s", open.status, open.body)
	}
	checkFields(t, open, map[string]any{"_shards/total": 2, "_shards/successful": 2, "_shards/failed": 0})
	id := str(t, open, "id")

	// The PIT keeps the documents as they were when it was opened.
	c.Put("logs-2", "new", map[string]any{"user": "new"})
	do(t, c, "DELETE", "/logs-1/_doc/1", "")

	s := do(t, c, "POST", "/_search", `{"pit":{"id":"`+id+`","keep_alive":"1m"},"size":2,"sort":[{"n":"asc"}]}`)
	if s.status != 200 {
		t.Fatalf("pit search: %d %s", s.status, s.body)
	}
	if got := fmt.Sprint(ids(t, s)); got != "[1 2]" || str(t, s, "pit_id") != id {
		t.Errorf("pit page 1 = %s, body %s", got, s.body)
	}
	next := do(t, c, "POST", "/_search", `{"pit":{"id":"`+id+`"},"sort":[{"n":"asc"}],"search_after":[2]}`)
	if got := fmt.Sprint(ids(t, next)); got != "[3]" {
		t.Errorf("pit page 2 = %s, body %s", got, next.body)
	}
	checkFields(t, next, map[string]any{"hits/total/value": 3})

	runCases(t, []apiCase{
		{"index with pit", "POST", "/logs/_search", `{"pit":{"id":"` + id + `"}}`, 400, map[string]any{
			"error/reason": "Validation Failed: 1: [indices] cannot be used with point in time. Do not specify any index with point in time.;"}},
		{"no keep_alive", "POST", "/logs/_pit", "", 400, map[string]any{
			"error/reason": "Validation Failed: 1: [keep_alive] is not specified;"}},
		{"pit on missing index", "POST", "/missing/_pit?keep_alive=1m", "", 404, map[string]any{
			"error/type": "index_not_found_exception"}},
	})

	closed := do(t, c, "DELETE", "/_pit", `{"id":"`+id+`"}`)
	if closed.status != 200 || string(closed.body) != `{"succeeded":true,"num_freed":2}` {
		t.Errorf("close: %d %s", closed.status, closed.body)
	}
	again := do(t, c, "DELETE", "/_pit", `{"id":"`+id+`"}`)
	if again.status != 404 || string(again.body) != `{"succeeded":true,"num_freed":0}` {
		t.Errorf("close again: %d %s", again.status, again.body)
	}
	gone := do(t, c, "POST", "/_search", `{"pit":{"id":"`+id+`"}}`)
	if gone.status != 404 {
		t.Errorf("search on closed pit: %d %s", gone.status, gone.body)
	}
	checkFields(t, gone, map[string]any{"error/root_cause/0/type": "search_context_missing_exception"})
}

func TestRestartForgetsContexts(t *testing.T) {
	c := fixture(t)
	scroll := str(t, do(t, c, "GET", "/logs/_search?scroll=1m&size=1", ""), "_scroll_id")
	pit := str(t, do(t, c, "POST", "/logs/_pit?keep_alive=1m", ""), "id")
	if err := c.Restart(); err != nil {
		t.Fatal(err)
	}
	if r := do(t, c, "POST", "/_search/scroll", `{"scroll_id":"`+scroll+`"}`); r.status != 404 {
		t.Errorf("scroll after restart: %d", r.status)
	}
	if r := do(t, c, "POST", "/_search", `{"pit":{"id":"`+pit+`"}}`); r.status != 404 {
		t.Errorf("pit after restart: %d", r.status)
	}
	if r := do(t, c, "GET", "/logs/_count", ""); r.status != 200 || string(r.body) != `{"count":3,"_shards":{"total":2,"successful":2,"skipped":0,"failed":0}}` {
		t.Errorf("data after restart: %d %s", r.status, r.body)
	}
}
