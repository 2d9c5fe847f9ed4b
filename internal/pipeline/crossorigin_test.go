package pipeline_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/fakecluster"
	"github.com/esauth/esauth/internal/server/servertest"
)

// A browser holding Basic credentials for esauth must not let another
// site's page post to it; clients that are not browsers (the official
// clients, curl) send no Sec-Fetch-Site or Origin and are unaffected.
func TestCrossSiteRequestsRefused(t *testing.T) {
	s := servertest.Start(t)
	s.MustCall(t, 200, "PUT", "/_security/user/joe", servertest.Admin, `{"password":"joe-secret","roles":[]}`)
	post := func(headers map[string]string) servertest.Reply {
		req, _ := http.NewRequest("POST", s.URL+"/_security/user/joe/_disable", nil)
		req.Header.Set("Authorization", "Basic "+servertest.B64(servertest.Admin))
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		return s.Do(t, req)
	}
	// What a browser sends for a form another site posts.
	for _, h := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
		{"Origin": "https://evil.example"},
		{"Sec-Fetch-Site": "same-site"},
	} {
		r := post(h)
		if r.Status != 403 || !strings.Contains(r.Body, `"type":"security_exception","reason":"cross-site request refused`) {
			t.Errorf("%v: %d %s", h, r.Status, r.Body)
		}
	}
	if body := s.MustCall(t, 200, "GET", "/_security/user/joe", servertest.Admin, ""); !strings.Contains(body, `"enabled":true`) {
		t.Fatalf("a cross-site request disabled joe: %s", body)
	}
	// Non-browser clients, and the page's own origin, still work.
	if r := post(nil); r.Status != 200 {
		t.Errorf("a client without browser headers: %d %s", r.Status, r.Body)
	}
	s.MustCall(t, 200, "POST", "/_security/user/joe/_enable", servertest.Admin, "")
	if r := post(map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": s.URL}); r.Status != 200 {
		t.Errorf("same origin: %d %s", r.Status, r.Body)
	}
	// Reading is a safe method: never refused.
	req, _ := http.NewRequest("GET", s.URL+"/_security/_authenticate", nil)
	req.Header.Set("Authorization", "Basic "+servertest.B64(servertest.Admin))
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if r := s.Do(t, req); r.Status != 200 {
		t.Errorf("cross-site GET: %d %s", r.Status, r.Body)
	}
}

// The check stands in front of every route, not only the security API's:
// in gateway mode a cross-site write to the cluster (a classified route or
// the fallback for unclassified ones) and to esauth's own routes is refused
// with Elasticsearch's error shape and never reaches the cluster, while the
// same requests without browser headers go through.
func TestCrossSiteRequestsRefusedInGateway(t *testing.T) {
	fc := fakecluster.Start()
	t.Cleanup(fc.Close)
	fc.CreateIndex("logs-1", fakecluster.IndexOpts{})
	s := servertest.Start(t, "esauth.gateway.upstream="+fc.URL())
	s.MustCall(t, 200, "PUT", "/_security/user/joe", servertest.Admin, `{"password":"joe-secret","roles":[]}`)
	fc.Reset()
	send := func(method, path, body string, headers map[string]string) servertest.Reply {
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, _ := http.NewRequest(method, s.URL+path, rd)
		req.Header.Set("Authorization", "Basic "+servertest.B64(servertest.Admin))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		return s.Do(t, req)
	}
	fromHeader := servertest.ESError("security_exception", "cross-site request refused: cross-origin request detected from Sec-Fetch-Site header", 403)
	fromOrigin := servertest.ESError("security_exception", "cross-site request refused: cross-origin request detected, and/or browser is out of date: Sec-Fetch-Site is missing, and Origin does not match Host", 403)
	requests := []struct{ method, path, body string }{
		{"POST", "/logs-1/_doc", `{"msg":"forged"}`},               // a gateway route
		{"DELETE", "/logs-1", ""},                                  // a gateway route, no body
		{"POST", "/_no_such_api/x", `{}`},                          // the fallback
		{"PUT", "/_security/user/joe/_disable", ""},                // the security API
		{"DELETE", "/_security/_esauth/locked_users/user/joe", ""}, // esauth's own
		{"POST", "/_xpack/security/user/joe/_disable", ""},         // a legacy path
	}
	for _, r := range requests {
		if got := send(r.method, r.path, r.body, map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}); got.Status != 403 || got.Body != fromHeader {
			t.Errorf("%s %s with Sec-Fetch-Site: %d %s", r.method, r.path, got.Status, got.Body)
		}
		if got := send(r.method, r.path, r.body, map[string]string{"Origin": "https://evil.example"}); got.Status != 403 || got.Body != fromOrigin {
			t.Errorf("%s %s with a foreign Origin: %d %s", r.method, r.path, got.Status, got.Body)
		}
	}
	if reqs := fc.Requests(); len(reqs) != 0 {
		t.Fatalf("cross-site requests reached the cluster: %+v", reqs)
	}
	if body := s.MustCall(t, 200, "GET", "/_security/user/joe", servertest.Admin, ""); !strings.Contains(body, `"enabled":true`) {
		t.Fatalf("a cross-site request disabled joe: %s", body)
	}
	// The same requests as clients and curl send them: no browser headers.
	for _, r := range requests {
		got := send(r.method, r.path, r.body, nil)
		if got.Status == 403 || strings.Contains(got.Body, "cross-site") {
			t.Errorf("%s %s without browser headers: %d %s", r.method, r.path, got.Status, got.Body)
		}
	}
	if n := fc.Hits("/logs-1") + fc.Hits("/_no_such_api"); n != 3 {
		t.Errorf("%d requests reached the cluster without browser headers, want 3: %+v", n, fc.Requests())
	}
}
