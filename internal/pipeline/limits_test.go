package pipeline_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/server/servertest"
)

// A request line or header block over Elasticsearch's limits gets the 400
// Elasticsearch sends, in its error shape.
func TestHeadLimits(t *testing.T) {
	s := servertest.Start(t)
	long, _ := http.NewRequest("GET", s.URL+"/_security/user/"+strings.Repeat("a", 5000), nil)
	long.Header.Set("Authorization", "Basic "+servertest.B64(servertest.Admin))
	r := s.Do(t, long)
	if want := servertest.ESError("too_long_http_line_exception", "An HTTP line is larger than 4096 bytes.", 400); r.Status != 400 || r.Body != want {
		t.Errorf("long line: %d %s, want 400 %s", r.Status, r.Body, want)
	}
	big, _ := http.NewRequest("GET", s.URL+"/_security/_authenticate", nil)
	big.Header.Set("Authorization", "Basic "+servertest.B64(servertest.Admin))
	big.Header.Set("X-Padding", strings.Repeat("p", 17<<10))
	r = s.Do(t, big)
	if want := servertest.ESError("too_long_http_header_exception", "HTTP header is larger than 16384 bytes.", 400); r.Status != 400 || r.Body != want {
		t.Errorf("big header: %d %s, want 400 %s", r.Status, r.Body, want)
	}
	// Just under the limits is served.
	ok, _ := http.NewRequest("GET", s.URL+"/_security/_authenticate", nil)
	ok.Header.Set("Authorization", "Basic "+servertest.B64(servertest.Admin))
	ok.Header.Set("X-Padding", strings.Repeat("p", 15<<10))
	if r := s.Do(t, ok); r.Status != 200 {
		t.Errorf("a 15 KiB header: %d %s", r.Status, r.Body)
	}
}
