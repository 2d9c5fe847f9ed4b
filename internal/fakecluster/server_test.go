package fakecluster

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func gz(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestRecording(t *testing.T) {
	c := fixture(t)
	do(t, c, "GET", "/", "")
	c.Reset()

	do(t, c, "PUT", "/logs-1/_doc/a%2Fb?refresh=true&x=%2C", `{"a":1}`, "X-Opaque-Id", "op-1")
	do(t, c, "GET", "/logs-1,logs-2/_search", "")
	do(t, c, "GET", "/%3Clogs-%7Bnow%2Fd%7D%3E/_search?ignore_unavailable=true", "")
	do(t, c, "GET", "/_nope", "") // answered 400, but recorded
	req, _ := http.NewRequest("POST", c.URL()+"/_bulk", bytes.NewReader(gz(t, ndjson(`{"delete":{"_index":"logs-1","_id":"2"}}`))))
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"result":"deleted"`) {
		t.Errorf("gzip bulk: %d %s", resp.StatusCode, body)
	}

	type rec struct{ Method, Path, RawQuery, Body, Encoding, Opaque string }
	var got []rec
	for _, r := range c.Requests() {
		got = append(got, rec{r.Method, r.Path, r.RawQuery, string(r.Body), r.Header.Get("Content-Encoding"), r.Header.Get("X-Opaque-Id")})
	}
	want := []rec{
		{"PUT", "/logs-1/_doc/a%2Fb", "refresh=true&x=%2C", `{"a":1}`, "", "op-1"},
		{"GET", "/logs-1,logs-2/_search", "", "", "", ""},
		{"GET", "/%3Clogs-%7Bnow%2Fd%7D%3E/_search", "ignore_unavailable=true", "", "", ""},
		{"GET", "/_nope", "", "", "", ""},
		{"POST", "/_bulk", "", ndjson(`{"delete":{"_index":"logs-1","_id":"2"}}`), "gzip", ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("recorded requests (-want +got):\n%s", diff)
	}
	// %2F stayed inside the id: the document is "a/b".
	if _, ok := c.Doc("logs-1", "a/b"); !ok {
		t.Error("escaped slash split the id")
	}
	if n := c.Hits("/logs-1"); n != 2 {
		t.Errorf("Hits(/logs-1) = %d, want 2", n)
	}
	if n := c.Hits("/_nope"); n != 1 {
		t.Errorf("Hits(/_nope) = %d, want 1", n)
	}
	reqs := c.Requests()
	for i := 1; i < len(reqs); i++ {
		if reqs[i].Time.Before(reqs[i-1].Time) {
			t.Errorf("request %d recorded before request %d", i, i-1)
		}
	}
	// Requests hands out copies.
	reqs[0].Body[0] = 'X'
	reqs[0].Header.Set("X-Opaque-Id", "changed")
	if again := c.Requests(); again[0].Body[0] != '{' || again[0].Header.Get("X-Opaque-Id") != "op-1" {
		t.Error("Requests returned shared storage")
	}
	c.Reset()
	if n := len(c.Requests()); n != 0 {
		t.Errorf("%d requests after Reset", n)
	}
}

func TestBrokenGzipBody(t *testing.T) {
	c := fixture(t)
	a := do(t, c, "POST", "/_search", "not gzip", "Content-Encoding", "gzip")
	if a.status != 400 {
		t.Errorf("status %d: %s", a.status, a.body)
	}
	if r := c.Requests(); len(r) != 1 || string(r[0].Body) != "not gzip" {
		t.Errorf("undecodable body not recorded raw: %+v", r)
	}
}

func TestResponseHeaders(t *testing.T) {
	c := fixture(t)
	for _, path := range []string{"/", "/missing/_search", "/_nope"} {
		a := do(t, c, "GET", path, "", "X-Opaque-Id", "trace-7")
		if got := a.header.Get("X-Elastic-Product"); got != "Elasticsearch" {
			t.Errorf("%s: X-elastic-product %q", path, got)
		}
		if got := a.header.Get("X-Opaque-Id"); got != "trace-7" {
			t.Errorf("%s: X-Opaque-Id %q", path, got)
		}
		if got := a.header.Get("Content-Type"); got != "application/json" {
			t.Errorf("%s: Content-Type %q", path, got)
		}
	}
	compat := do(t, c, "GET", "/", "", "Accept", "application/vnd.elasticsearch+json;compatible-with=8")
	if got := compat.header.Get("Content-Type"); got != "application/vnd.elasticsearch+json;compatible-with=8" {
		t.Errorf("compatible-with answer has Content-Type %q", got)
	}
	if got := do(t, c, "PUT", "/logs-1/_doc/x", `{"a":1}`).header.Get("Location"); got != "/logs-1/_doc/x" {
		t.Errorf("Location %q", got)
	}
	if a := do(t, c, "GET", "/", ""); a.header.Get("X-Opaque-Id") != "" {
		t.Error("X-Opaque-Id echoed without being sent")
	}
	// ES does not HTML-escape: <, > and & come back as sent.
	do(t, c, "PUT", "/logs-1/_doc/html", `{"t":"<b>&</b>"}`)
	for _, path := range []string{"/logs-1/_doc/html", "/logs-1/_search?q=b"} {
		if a := do(t, c, "GET", path, ""); !strings.Contains(string(a.body), `"<b>&</b>"`) {
			t.Errorf("%s escaped HTML: %s", path, a.body)
		}
	}
}

func TestOpenSearch(t *testing.T) {
	c := fixture(t, OpenSearch())
	a := do(t, c, "GET", "/", "")
	if _, ok := a.header["X-Elastic-Product"]; ok {
		t.Error("OpenSearch answer carries X-elastic-product")
	}
	checkFields(t, a, map[string]any{
		"version/distribution": "opensearch", "version/number": OpenSearchVersion,
		"tagline": "The OpenSearch Project: https://opensearch.org/",
	})
	if _, ok := at(a.decode(t), "version/build_flavor"); ok {
		t.Error("OpenSearch info has build_flavor")
	}
	if e := do(t, c, "GET", "/missing/_search", ""); e.header.Get("X-Elastic-Product") != "" || e.status != 404 {
		t.Errorf("OpenSearch error answer: %d %v", e.status, e.header)
	}
}

func TestGzipResponses(t *testing.T) {
	c := fixture(t, GzipResponses())
	req, _ := http.NewRequest("GET", c.URL()+"/logs-1/_doc/1", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding %q", resp.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(zr)
	if !strings.Contains(string(b), `"found":true`) {
		t.Errorf("inflated body %s", b)
	}
	// Without Accept-Encoding the answer is plain.
	req, _ = http.NewRequest("GET", c.URL()+"/", nil)
	req.Header.Set("Accept-Encoding", "identity")
	plain, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	plain.Body.Close()
	if plain.Header.Get("Content-Encoding") != "" {
		t.Error("compressed although the client did not accept gzip")
	}
}

func TestRequireAuth(t *testing.T) {
	c := fixture(t, RequireAuth("es", "s3cret"))
	basic := func(u, p string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(u+":"+p)) }

	none := do(t, c, "GET", "/_search?q=x", "")
	if none.status != 401 {
		t.Fatalf("no credentials: %d", none.status)
	}
	checkFields(t, none, map[string]any{
		"status": 401, "error/type": "security_exception",
		"error/reason":                    "missing authentication credentials for REST request [/_search?q=x]",
		"error/header/WWW-Authenticate/0": `Basic realm="security", charset="UTF-8"`,
	})
	if got := none.header.Values("WWW-Authenticate"); len(got) != 3 || got[0] != `Basic realm="security", charset="UTF-8"` {
		t.Errorf("WWW-Authenticate %q", got)
	}
	wrong := do(t, c, "GET", "/", "", "Authorization", basic("es", "nope"))
	checkFields(t, wrong, map[string]any{"status": 401, "error/reason": "unable to authenticate user [es] for REST request [/]"})
	if ok := do(t, c, "GET", "/", "", "Authorization", basic("es", "s3cret")); ok.status != 200 {
		t.Errorf("right credentials: %d %s", ok.status, ok.body)
	}
	if n := len(c.Requests()); n != 3 {
		t.Errorf("%d requests recorded, want all 3 including the refused ones", n)
	}

	os := fixture(t, OpenSearch(), RequireAuth("admin", "admin"))
	a := do(t, os, "GET", "/", "")
	if a.status != 401 || string(a.body) != "Unauthorized" || a.header.Get("WWW-Authenticate") != `Basic realm="OpenSearch Security"` {
		t.Errorf("OpenSearch 401: %d %q %v", a.status, a.body, a.header)
	}
}

func TestStopAndRestart(t *testing.T) {
	c := fixture(t)
	url := c.URL()
	client := &http.Client{Timeout: 2 * time.Second}
	if resp, err := client.Get(url + "/"); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}
	c.Stop()
	c.Stop() // idempotent
	_, err := client.Get(url + "/")
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("request to a stopped cluster: %v, want connection refused", err)
	}
	if err := c.Restart(); err != nil {
		t.Fatal(err)
	}
	if c.URL() != url {
		t.Errorf("URL changed from %s to %s", url, c.URL())
	}
	resp, err := client.Get(url + "/logs-1/_doc/1")
	if err != nil {
		t.Fatalf("after restart: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("data lost across restart: %d", resp.StatusCode)
	}
	// Restart of a running cluster bounces it.
	if err := c.Restart(); err != nil {
		t.Fatal(err)
	}
	if a := do(t, c, "GET", "/", ""); a.status != 200 {
		t.Errorf("after bounce: %d", a.status)
	}
	c.Close()
	if err := c.Restart(); err == nil {
		t.Error("Restart after Close succeeded")
	}
}

func TestStopCutsOpenConnections(t *testing.T) {
	c := fixture(t, Delay(time.Minute))
	done := make(chan error, 1)
	go func() {
		resp, err := http.Get(c.URL() + "/")
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	waitFor(t, func() bool { return len(c.Requests()) == 1 })
	start := time.Now()
	c.Stop()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a delayed request kept Stop waiting")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Stop took %v", d)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatal("condition never held")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestDelay(t *testing.T) {
	c := fixture(t, Delay(150*time.Millisecond))
	start := time.Now()
	if a := do(t, c, "GET", "/", ""); a.status != 200 {
		t.Fatal(a.status)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("answer came after %v, want at least 150ms", d)
	}
	// A client that gives up first sees a timeout; the request is recorded.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", c.URL()+"/_cluster/health", nil)
	if _, err := http.DefaultClient.Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("impatient client: %v", err)
	}
	if c.Hits("/_cluster/health") != 1 {
		t.Error("timed-out request not recorded")
	}
	c.SetDelay(0)
	start = time.Now()
	do(t, c, "GET", "/", "")
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("SetDelay(0) still waits %v", d)
	}
}

func TestConcurrentRequests(t *testing.T) {
	c := fixture(t)
	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				id := fmt.Sprintf("w%d-%d", w, i)
				for _, r := range []struct{ method, path, body string }{
					{"PUT", "/conc/_doc/" + id, `{"w":` + fmt.Sprint(w) + `}`},
					{"GET", "/conc/_doc/" + id, ""},
					{"POST", "/conc/_search", `{"query":{"term":{"w":` + fmt.Sprint(w) + `}}}`},
					{"POST", "/_bulk", ndjson(`{"index":{"_index":"conc2","_id":"`+id+`"}}`, `{}`)},
				} {
					req, _ := http.NewRequest(r.method, c.URL()+r.path, strings.NewReader(r.body))
					req.Header.Set("Content-Type", "application/json")
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						errs <- err
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode >= 300 {
						errs <- fmt.Errorf("%s %s: %d", r.method, r.path, resp.StatusCode)
					}
				}
				_ = c.Requests()
				_, _ = c.Doc("conc", id)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	checkFields(t, do(t, c, "GET", "/conc,conc2/_count", ""), map[string]any{"count": 2 * workers * each})
	if n := len(c.Requests()); n != 4*workers*each+1 {
		t.Errorf("%d requests recorded, want %d", n, 4*workers*each+1)
	}
}

func TestSetupHelpers(t *testing.T) {
	c := fixture(t)
	if d, ok := c.Doc("one", "s"); !ok || d["user"] != "carol" {
		t.Errorf("Doc through alias: %v %v", d, ok)
	}
	if d, ok := c.Doc("metrics", "m"); !ok || d["v"] != float64(7) {
		t.Errorf("Doc through data stream: %v %v", d, ok)
	}
	if _, ok := c.Doc("logs", "1"); ok {
		t.Error("Doc through a multi-index alias found something")
	}
	c.Put("metrics", "m2", map[string]any{"@timestamp": "2026-01-02"})
	if _, ok := c.Doc(".ds-metrics-2026.01.01-000001", "m2"); !ok {
		t.Error("Put to a data stream missed its backing index")
	}
	for name, f := range map[string]func(){
		"duplicate index":       func() { c.CreateIndex("logs-1", IndexOpts{}) },
		"alias on missing":      func() { c.AddAlias("missing", "a") },
		"alias named as index":  func() { c.AddAlias("single", "logs-1") },
		"data stream as alias":  func() { c.CreateDataStream("logs") },
		"invalid index name":    func() { c.CreateIndex("UPPER", IndexOpts{}) },
		"put via multi alias":   func() { c.Put("logs", "1", map[string]any{}) },
		"put unencodable value": func() { c.Put("x", "1", map[string]any{"f": func() {}}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic", name)
				}
			}()
			f()
		}()
	}
}

// The cluster must listen on loopback only.
func TestListensOnLoopback(t *testing.T) {
	c := Start()
	defer c.Close()
	host, _, err := net.SplitHostPort(strings.TrimPrefix(c.URL(), "http://"))
	if err != nil || host != "127.0.0.1" {
		t.Errorf("URL %s", c.URL())
	}
}
