package httpapi

import (
	"net/http"
	"strings"
	"testing"
)

// A request line or header block over Elasticsearch's limits gets the 400
// Elasticsearch sends, in its error shape.
func TestHeadLimits(t *testing.T) {
	s := newTestServer(t)
	long, _ := http.NewRequest("GET", s.URL+"/_security/user/"+strings.Repeat("a", 5000), nil)
	long.Header.Set("Authorization", "Basic "+b64(admin))
	r := s.do(t, long)
	if want := esError("too_long_http_line_exception", "An HTTP line is larger than 4096 bytes.", 400); r.status != 400 || r.body != want {
		t.Errorf("long line: %d %s, want 400 %s", r.status, r.body, want)
	}
	big, _ := http.NewRequest("GET", s.URL+"/_security/_authenticate", nil)
	big.Header.Set("Authorization", "Basic "+b64(admin))
	big.Header.Set("X-Padding", strings.Repeat("p", 17<<10))
	r = s.do(t, big)
	if want := esError("too_long_http_header_exception", "HTTP header is larger than 16384 bytes.", 400); r.status != 400 || r.body != want {
		t.Errorf("big header: %d %s, want 400 %s", r.status, r.body, want)
	}
	// Just under the limits is served.
	ok, _ := http.NewRequest("GET", s.URL+"/_security/_authenticate", nil)
	ok.Header.Set("Authorization", "Basic "+b64(admin))
	ok.Header.Set("X-Padding", strings.Repeat("p", 15<<10))
	if r := s.do(t, ok); r.status != 200 {
		t.Errorf("a 15 KiB header: %d %s", r.status, r.body)
	}
}
