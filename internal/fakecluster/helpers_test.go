package fakecluster

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// answer is a response read in full.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// do sends one request; hdr is alternating header names and values.
func do(t *testing.T, c *Cluster, method, path, body string, hdr ...string) answer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.URL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{resp.StatusCode, resp.Header, b}
}

func (a answer) decode(t *testing.T) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(a.body, &v); err != nil {
		t.Fatalf("answer is not JSON: %v\n%s", err, a.body)
	}
	return v
}

// at walks decoded JSON by a slash-separated path ("items/0/index/status");
// slashes keep dotted keys such as resource.type usable.
func at(v any, path string) (any, bool) {
	if path == "" {
		return v, true
	}
	for _, p := range strings.Split(path, "/") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[p]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// checkFields compares the values at paths with want, printed with %v so a
// test can write 404 for the float64 JSON gives.
func checkFields(t *testing.T, a answer, want map[string]any) {
	t.Helper()
	v := a.decode(t)
	for path, w := range want {
		got, ok := at(v, path)
		if !ok {
			t.Errorf("%s: missing in %s", path, a.body)
			continue
		}
		if fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("%s = %v, want %v\nbody: %s", path, got, w, a.body)
		}
	}
}

var tookRE = regexp.MustCompile(`"took":\d+`)

// normal replaces what varies between runs (took) so bodies compare as
// bytes, which also checks field order.
func normal(b []byte) string { return tookRE.ReplaceAllString(string(b), `"took":0`) }

// compact removes the whitespace from an expected body written readably.
func compact(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		t.Fatalf("bad expected JSON: %v\n%s", err, s)
	}
	return b.String()
}

// fixture fills a cluster with one of everything index resolution cares
// about.
func fixture(t *testing.T, opts ...Option) *Cluster {
	t.Helper()
	c := Start(opts...)
	t.Cleanup(c.Close)
	c.CreateIndex("logs-1", IndexOpts{Aliases: []string{"logs"}})
	c.CreateIndex("logs-2", IndexOpts{Aliases: []string{"logs"}})
	c.CreateIndex(".hidden-1", IndexOpts{Hidden: true})
	c.CreateIndex("closed-1", IndexOpts{Closed: true})
	c.CreateIndex(".sys", IndexOpts{Hidden: true, System: true})
	c.CreateIndex("single", IndexOpts{Aliases: []string{"one"}})
	c.CreateDataStream("metrics")
	c.Put("logs-1", "1", map[string]any{"user": "alice", "msg": "Hello World", "n": 1})
	c.Put("logs-1", "2", map[string]any{"user": "bob", "msg": "goodbye world", "n": 2})
	c.Put("logs-2", "3", map[string]any{"user": "alice", "msg": "third", "n": 3})
	c.Put(".hidden-1", "h", map[string]any{"secret": true})
	c.Put("closed-1", "c", map[string]any{"user": "alice"})
	c.Put("single", "s", map[string]any{"user": "carol", "nested": map[string]any{"a": 1, "b": 2}})
	c.Put("metrics", "m", map[string]any{"@timestamp": "2026-01-01T00:00:00Z", "v": 7})
	return c
}
