package pipeline_test

import (
	"net/http"
	"strings"
	"testing"

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
