package gateway_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/fakecluster"
	"github.com/esauth/esauth/internal/server/servertest"
)

// With 5,000 authorized indices the forwarded request still fits the
// cluster's 4 KB request line: wildcards the roles cover are forwarded as
// written, or replaced by the roles' own patterns inside them, and the
// answer is the same as with the names spelled out.
func TestLongIndexLists(t *testing.T) {
	fc := fakecluster.Start()
	t.Cleanup(fc.Close)
	for i := range 5000 {
		fc.CreateIndex(fmt.Sprintf("logs-%04d", i), fakecluster.IndexOpts{})
	}
	fc.CreateIndex("other", fakecluster.IndexOpts{})
	s := servertest.Start(t, "esauth.gateway.upstream="+fc.URL())
	s.MustCall(t, 200, "PUT", "/_security/role/all_logs", servertest.Admin, `{"indices":[{"names":["logs-*"],"privileges":["read"]}]}`)
	s.MustCall(t, 200, "PUT", "/_security/role/some_logs", servertest.Admin, `{"indices":[{"names":["logs-1*","logs-2*"],"privileges":["read"]}]}`)
	s.MustCall(t, 200, "PUT", "/_security/user/al", servertest.Admin, `{"password":"al-secret","roles":["all_logs"]}`)
	s.MustCall(t, 200, "PUT", "/_security/user/so", servertest.Admin, `{"password":"so-secret","roles":["some_logs"]}`)
	tests := []struct {
		user, path, sent string
	}{
		{"al:al-secret", "/logs-*/_count", "GET /logs-*/_count"},
		{"al:al-secret", "/_count", "GET /logs-*/_count"},
		{"al:al-secret", "/logs-*,-logs-00*/_count", "GET /logs-*,-logs-00*/_count"},
		{"so:so-secret", "/logs-*/_count", "GET /logs-1*,logs-2*/_count"},
		{"so:so-secret", "/*/_count", "GET /logs-1*,logs-2*/_count"},
	}
	for _, tt := range tests {
		fc.Reset()
		body := s.MustCall(t, 200, "GET", tt.path, tt.user, "")
		if got := strings.Join(forwarded(fc), "; "); got != tt.sent {
			t.Errorf("%s %s: the cluster received %q, want %q", tt.user, tt.path, got, tt.sent)
		}
		t.Logf("%s %s: %s", tt.user, tt.path, body)
	}
	// Nothing shorter is safe: a role pattern that does not lie inside
	// the request's wildcard cannot stand for its names.
	s.MustCall(t, 200, "PUT", "/_security/role/odd", servertest.Admin, `{"indices":[{"names":["*1","*3","*5","*7","*9"],"privileges":["read"]}]}`)
	s.MustCall(t, 200, "PUT", "/_security/user/od", servertest.Admin, `{"password":"od-secret","roles":["odd"]}`)
	fc.Reset()
	r := s.Call(t, "GET", "/logs-*/_count", "od:od-secret", "")
	if r.Status != 400 || !strings.Contains(r.Body, "too many to name in one request to the cluster") {
		t.Errorf("odd names: %d %s", r.Status, r.Body)
	}
	if got := forwarded(fc); len(got) != 0 {
		t.Errorf("forwarded: %v", got)
	}
}
