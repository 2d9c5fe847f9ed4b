package pipeline_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/rest"
	"github.com/esauth/esauth/internal/server/servertest"
)

func TestRouting(t *testing.T) {
	s := servertest.Start(t)
	tests := []struct {
		method, path string
		status       int
		body, allow  string
	}{
		{"GET", "/_security/nope", 400, `{"error":"no handler found for uri [/_security/nope] and method [GET]"}`, ""},
		{"GET", "/foo/bar?x=1", 400, `{"error":"no handler found for uri [/foo/bar?x=1] and method [GET]"}`, ""},
		{"PATCH", "/_security/user/joe", 405,
			`{"error":"Incorrect HTTP method for uri [/_security/user/joe] and method [PATCH], allowed: [GET, POST, PUT, DELETE]","status":405}`, "GET,POST,PUT,DELETE"},
		{"DELETE", "/_security/_authenticate", 405,
			`{"error":"Incorrect HTTP method for uri [/_security/_authenticate] and method [DELETE], allowed: [GET]","status":405}`, "GET"},
		{"OPTIONS", "/_security/user/joe", 200, "", "GET,POST,PUT,DELETE"},
	}
	for _, tt := range tests {
		r := s.Call(t, tt.method, tt.path, "", "")
		if r.Status != tt.status || r.Body != tt.body || r.Header.Get("Allow") != tt.allow {
			t.Errorf("%s %s: %d %q Allow=%q\nwant %d %q Allow=%q", tt.method, tt.path, r.Status, r.Body, r.Header.Get("Allow"), tt.status, tt.body, tt.allow)
		}
		if r.Header.Get("X-elastic-product") != "Elasticsearch" {
			t.Errorf("%s %s: no X-elastic-product", tt.method, tt.path)
		}
	}
}

// TestPathTrie checks Elasticsearch's literal-over-wildcard precedence and
// its fallback to a wildcard path that has the method.
func TestPathTrie(t *testing.T) {
	s := servertest.Start(t)
	// PUT .../_password is the caller's own password, not a user "_password".
	s.MustCall(t, 200, "PUT", "/_security/user/_password", servertest.Admin, `{"password":"elastic-second"}`)
	s.MustCall(t, 200, "GET", "/_security/_authenticate", "elastic:elastic-second", "")
	// A literal path segment with routes hides the capture from its other
	// methods, as in Elasticsearch's PathTrie: GET .../_password is a 405,
	// not a lookup of the user "_password".
	r := s.Call(t, "GET", "/_security/user/_password", "elastic:elastic-second", "")
	if r.Status != 405 || r.Header.Get("Allow") != "POST,PUT" {
		t.Errorf("GET .../_password: %d %s Allow=%q", r.Status, r.Body, r.Header.Get("Allow"))
	}
}

func TestLegacyPaths(t *testing.T) {
	s := servertest.Start(t)
	r := s.Call(t, "PUT", "/_xpack/security/user/jacknich", servertest.Admin, `{"password":"secret1","roles":[]}`)
	if r.Status != 200 || r.Body != `{"user":{"created":true},"created":true}` {
		t.Errorf("legacy put: %d %s", r.Status, r.Body)
	}
	want := `299 Elasticsearch-` + rest.Version + `-` + rest.BuildHash + ` "[PUT /_xpack/security/user/{username}] is deprecated! Use [PUT /_security/user/{username}] instead."`
	if got := r.Header.Get("Warning"); got != want {
		t.Errorf("Warning = %s\nwant      %s", got, want)
	}
	checks := []struct{ method, path, body, want string }{
		{"GET", "/_xpack/security/user/jacknich", "", `"jacknich":{"username":"jacknich"`},
		{"GET", "/_xpack/security/user", "", `"elastic":`},
		{"POST", "/_xpack/security/user/jacknich/_password", `{"password":"secret2"}`, `{}`},
		{"PUT", "/_xpack/security/user/jacknich/_disable", "", `{}`},
		{"PUT", "/_xpack/security/user/jacknich/_enable", "", `{}`},
		{"GET", "/_xpack/security/_authenticate", "", `"username":"elastic"`},
		{"DELETE", "/_xpack/security/user/jacknich", "", `{"found":true}`},
	}
	for _, c := range checks {
		r := s.Call(t, c.method, c.path, servertest.Admin, c.body)
		if r.Status != 200 || !strings.Contains(r.Body, c.want) {
			t.Errorf("%s %s: %d %s", c.method, c.path, r.Status, r.Body)
		}
		if !strings.Contains(r.Header.Get("Warning"), "is deprecated! Use [") {
			t.Errorf("%s %s: no deprecation warning", c.method, c.path)
		}
	}
	// No warning on the current paths.
	if r := s.Call(t, "GET", "/_security/user/elastic", servertest.Admin, ""); r.Header.Get("Warning") != "" {
		t.Errorf("warning on a current path: %s", r.Header.Get("Warning"))
	}
}

func TestParameters(t *testing.T) {
	s := servertest.Start(t)
	tests := []struct {
		method, path, body, typ, reason string
	}{
		{"GET", "/_security/user?foo=1", "", "illegal_argument_exception", "request [/_security/user] contains unrecognized parameter: [foo]"},
		{"GET", "/_security/user?with_profile=true&zzz", "", "illegal_argument_exception",
			"request [/_security/user] contains unrecognized parameters: [with_profile] -> did you mean [with_profile_uid]?, [zzz]"},
		{"DELETE", "/_security/user/joe?refesh=true", "", "illegal_argument_exception",
			"request [/_security/user/joe] contains unrecognized parameter: [refesh] -> did you mean [refresh]?"},
		{"GET", "/_security/user?pretty=yes", "", "illegal_argument_exception", "Failed to parse value [yes] as only [true] or [false] are allowed."},
		{"GET", "/_security/user", `{"a":1}`, "illegal_argument_exception", "request [GET /_security/user] does not support having a body"},
		{"GET", "/_cluster/health?wait_for_status=blue", "", "illegal_argument_exception", "unknown cluster health status [blue]"},
	}
	for _, tt := range tests {
		r := s.Call(t, tt.method, tt.path, servertest.Admin, tt.body)
		if r.Status != 400 || r.Body != servertest.ESError(tt.typ, tt.reason, 400) {
			t.Errorf("%s %s: %d %s\nwant %s", tt.method, tt.path, r.Status, r.Body, servertest.ESError(tt.typ, tt.reason, 400))
		}
	}
	// The generic response parameters are accepted everywhere.
	s.MustCall(t, 200, "GET", "/_security/user/elastic?human=true&error_trace=false&pretty=false", servertest.Admin, "")
	s.MustCall(t, 200, "GET", "/_cluster/health?wait_for_status=green&timeout=30s&level=indices", servertest.Admin, "")
}

func TestContentTypes(t *testing.T) {
	s := servertest.Start(t)
	body := `{"password":"secret1","roles":[]}`
	tests := []struct {
		contentType, accept string
		status              int
		want                string
	}{
		{"application/json", "", 200, ""},
		{"application/json; charset=UTF-8", "", 200, ""},
		{"application/vnd.elasticsearch+json;compatible-with=8", "application/vnd.elasticsearch+json;compatible-with=8", 200, ""},
		{"application/vnd.elasticsearch+json; compatible-with=9", "application/vnd.elasticsearch+json; compatible-with=9,text/plain", 200, ""},
		{"application/vnd.elasticsearch+json;compatible-with=7", "application/vnd.elasticsearch+json;compatible-with=7", 200, ""},
		{"", "", 406, `{"error":"Content-Type header is missing","status":406}`},
		{"application/x-www-form-urlencoded", "", 406, `{"error":"Content-Type header [application/x-www-form-urlencoded] is not supported","status":406}`},
		{"text/plain", "", 406, `{"error":"Content-Type header [text/plain] is not supported","status":406}`},
		{"application/json", "application/vnd.elasticsearch+json;compatible-with=6", 400,
			`{"error":{"root_cause":[{"type":"status_exception","reason":"Accept version must be either version 9, 8 or 7, but found 6. Accept=application/vnd.elasticsearch+json;compatible-with=6"}],` +
				`"type":"media_type_header_exception","reason":"Invalid media-type value on headers [Accept]","caused_by":{"type":"status_exception","reason":"Accept version must be either version 9, 8 or 7, but found 6. Accept=application/vnd.elasticsearch+json;compatible-with=6"}},"status":400}`},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest("PUT", s.URL+"/_security/user/joe", strings.NewReader(body))
		req.Header.Set("Authorization", "Basic "+servertest.B64(servertest.Admin))
		if tt.contentType != "" {
			req.Header.Set("Content-Type", tt.contentType)
		}
		if tt.accept != "" {
			req.Header.Set("Accept", tt.accept)
		}
		r := s.Do(t, req)
		if r.Status != tt.status || (tt.want != "" && r.Body != tt.want) {
			t.Errorf("Content-Type %q Accept %q: %d %s\nwant %d %s", tt.contentType, tt.accept, r.Status, r.Body, tt.status, tt.want)
		}
	}
}

func TestBodyLimit(t *testing.T) {
	s := servertest.Start(t, "http.max_content_length=1mb")
	big := `{"password":"secret1","roles":[],"metadata":{"x":"` + strings.Repeat("a", 1<<20) + `"}}`
	r := s.Call(t, "PUT", "/_security/user/joe", servertest.Admin, big)
	if r.Status != 413 || !strings.Contains(r.Body, `"type":"content_too_long_exception"`) {
		t.Errorf("oversized body: %d %.200s", r.Status, r.Body)
	}
	s.MustCall(t, 404, "GET", "/_security/user/joe", servertest.Admin, "")
}

func TestPretty(t *testing.T) {
	s := servertest.Start(t)
	s.MustCall(t, 200, "PUT", "/_security/user/joe", servertest.Admin, `{"password":"secret1","roles":["a"]}`)
	want := `{
  "joe" : {
    "username" : "joe",
    "roles" : [
      "a"
    ],
    "full_name" : null,
    "email" : null,
    "metadata" : { },
    "enabled" : true
  }
}
`
	if got := s.MustCall(t, 200, "GET", "/_security/user/joe?pretty", servertest.Admin, ""); got != want {
		t.Errorf("pretty:\n%s\nwant\n%s", got, want)
	}
	if got := s.MustCall(t, 404, "GET", "/_security/user/nobody?pretty", servertest.Admin, ""); got != "{ }\n" {
		t.Errorf("pretty empty: %q", got)
	}
}

// X-Opaque-Id comes back on every answer, errors included, as
// Elasticsearch's DefaultRestChannel sends it.
func TestOpaqueIDEchoed(t *testing.T) {
	s := servertest.Start(t)
	for _, auth := range []string{servertest.Admin, "elastic:wrong", ""} {
		req, _ := http.NewRequest("GET", s.URL+"/_security/_authenticate", nil)
		if auth != "" {
			req.Header.Set("Authorization", "Basic "+servertest.B64(auth))
		}
		req.Header.Set("X-Opaque-Id", "trace-42")
		if r := s.Do(t, req); r.Header.Get("X-Opaque-Id") != "trace-42" {
			t.Errorf("auth %q: %d without X-Opaque-Id", auth, r.Status)
		}
	}
}
