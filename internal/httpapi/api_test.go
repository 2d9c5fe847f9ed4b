package httpapi

import (
	"net/http"
	"strings"
	"testing"
)

func TestRouting(t *testing.T) {
	s := newTestServer(t)
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
		r := s.call(t, tt.method, tt.path, "", "")
		if r.status != tt.status || r.body != tt.body || r.header.Get("Allow") != tt.allow {
			t.Errorf("%s %s: %d %q Allow=%q\nwant %d %q Allow=%q", tt.method, tt.path, r.status, r.body, r.header.Get("Allow"), tt.status, tt.body, tt.allow)
		}
		if r.header.Get("X-elastic-product") != "Elasticsearch" {
			t.Errorf("%s %s: no X-elastic-product", tt.method, tt.path)
		}
	}
}

// TestPathTrie checks Elasticsearch's literal-over-wildcard precedence and
// its fallback to a wildcard path that has the method.
func TestPathTrie(t *testing.T) {
	s := newTestServer(t)
	// PUT .../_password is the caller's own password, not a user "_password".
	s.mustCall(t, 200, "PUT", "/_security/user/_password", admin, `{"password":"elastic-second"}`)
	s.mustCall(t, 200, "GET", "/_security/_authenticate", "elastic:elastic-second", "")
	// GET .../_password falls through to the get-user route.
	s.mustCall(t, 404, "GET", "/_security/user/_password", "elastic:elastic-second", "")
}

func TestLegacyPaths(t *testing.T) {
	s := newTestServer(t)
	r := s.call(t, "PUT", "/_xpack/security/user/jacknich", admin, `{"password":"secret1","roles":[]}`)
	if r.status != 200 || r.body != `{"user":{"created":true},"created":true}` {
		t.Errorf("legacy put: %d %s", r.status, r.body)
	}
	want := `299 Elasticsearch-` + Version + `-` + BuildHash + ` "[PUT /_xpack/security/user/{username}] is deprecated! Use [PUT /_security/user/{username}] instead."`
	if got := r.header.Get("Warning"); got != want {
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
		r := s.call(t, c.method, c.path, admin, c.body)
		if r.status != 200 || !strings.Contains(r.body, c.want) {
			t.Errorf("%s %s: %d %s", c.method, c.path, r.status, r.body)
		}
		if !strings.Contains(r.header.Get("Warning"), "is deprecated! Use [") {
			t.Errorf("%s %s: no deprecation warning", c.method, c.path)
		}
	}
	// No warning on the current paths.
	if r := s.call(t, "GET", "/_security/user/elastic", admin, ""); r.header.Get("Warning") != "" {
		t.Errorf("warning on a current path: %s", r.header.Get("Warning"))
	}
}

func TestParameters(t *testing.T) {
	s := newTestServer(t)
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
		r := s.call(t, tt.method, tt.path, admin, tt.body)
		if r.status != 400 || r.body != esError(tt.typ, tt.reason, 400) {
			t.Errorf("%s %s: %d %s\nwant %s", tt.method, tt.path, r.status, r.body, esError(tt.typ, tt.reason, 400))
		}
	}
	// The generic response parameters are accepted everywhere.
	s.mustCall(t, 200, "GET", "/_security/user/elastic?human=true&error_trace=false&pretty=false", admin, "")
	s.mustCall(t, 200, "GET", "/_cluster/health?wait_for_status=green&timeout=30s&level=indices", admin, "")
}

func TestContentTypes(t *testing.T) {
	s := newTestServer(t)
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
		req.Header.Set("Authorization", "Basic "+b64(admin))
		if tt.contentType != "" {
			req.Header.Set("Content-Type", tt.contentType)
		}
		if tt.accept != "" {
			req.Header.Set("Accept", tt.accept)
		}
		r := s.do(t, req)
		if r.status != tt.status || (tt.want != "" && r.body != tt.want) {
			t.Errorf("Content-Type %q Accept %q: %d %s\nwant %d %s", tt.contentType, tt.accept, r.status, r.body, tt.status, tt.want)
		}
	}
}

func TestBodyLimit(t *testing.T) {
	s := newTestServer(t)
	big := `{"password":"secret1","roles":[],"metadata":{"x":"` + strings.Repeat("a", 1<<20) + `"}}`
	r := s.call(t, "PUT", "/_security/user/joe", admin, big)
	if r.status != 413 || !strings.Contains(r.body, `"type":"content_too_long_exception"`) {
		t.Errorf("oversized body: %d %.200s", r.status, r.body)
	}
	s.mustCall(t, 404, "GET", "/_security/user/joe", admin, "")
}

func TestMainAndHealth(t *testing.T) {
	s := newTestServer(t)
	wantMain := `{
  "name" : "node-1",
  "cluster_name" : "test-cluster",
  "cluster_uuid" : "uuid-123",
  "version" : {
    "number" : "` + Version + `",
    "build_flavor" : "default",
    "build_type" : "tar",
    "build_hash" : "` + BuildHash + `",
    "build_date" : "` + buildDate + `",
    "build_snapshot" : false,
    "lucene_version" : "` + luceneVersion + `",
    "minimum_wire_compatibility_version" : "7.17.0",
    "minimum_index_compatibility_version" : "7.0.0"
  },
  "tagline" : "You Know, for Search"
}
`
	if got := s.mustCall(t, 200, "GET", "/", admin, ""); got != wantMain {
		t.Errorf("GET /:\n%s\nwant\n%s", got, wantMain)
	}
	if got := s.mustCall(t, 200, "GET", "/?pretty=false", admin, ""); strings.Contains(got, "\n") || !strings.HasPrefix(got, `{"name":"node-1"`) {
		t.Errorf("GET /?pretty=false: %s", got)
	}
	r := s.call(t, "HEAD", "/", admin, "")
	if r.status != 200 || r.body != "" {
		t.Errorf("HEAD /: %d %q", r.status, r.body)
	}
	wantHealth := `{"cluster_name":"test-cluster","status":"green","timed_out":false,"number_of_nodes":1,"number_of_data_nodes":1,` +
		`"active_primary_shards":0,"active_shards":0,"relocating_shards":0,"initializing_shards":0,"unassigned_shards":0,` +
		`"unassigned_primary_shards":0,"delayed_unassigned_shards":0,"number_of_pending_tasks":0,"number_of_in_flight_fetch":0,` +
		`"task_max_waiting_in_queue_millis":0,"active_shards_percent_as_number":100.0}`
	if got := s.mustCall(t, 200, "GET", "/_cluster/health", admin, ""); got != wantHealth {
		t.Errorf("health:\n%s\nwant\n%s", got, wantHealth)
	}
}

func TestPretty(t *testing.T) {
	s := newTestServer(t)
	s.mustCall(t, 200, "PUT", "/_security/user/joe", admin, `{"password":"secret1","roles":["a"]}`)
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
	if got := s.mustCall(t, 200, "GET", "/_security/user/joe?pretty", admin, ""); got != want {
		t.Errorf("pretty:\n%s\nwant\n%s", got, want)
	}
	if got := s.mustCall(t, 404, "GET", "/_security/user/nobody?pretty", admin, ""); got != "{ }\n" {
		t.Errorf("pretty empty: %q", got)
	}
}
