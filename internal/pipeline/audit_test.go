package pipeline_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/audit"
	"github.com/esauth/esauth/internal/server/servertest"
)

// The audit log records authentications, authorization decisions and
// every change to users and roles, in order, and never a password.
func TestAuditLog(t *testing.T) {
	s := servertest.Start(t, "xpack.security.audit.enabled=true", "xpack.security.audit.logfile.events.include=_all",
		"esauth.audit.flush_interval=0")
	const joePW = "joe-password-123"
	s.Call(t, "GET", "/_security/_authenticate", "", "")
	s.Call(t, "GET", "/_security/_authenticate", "elastic:wrong-password", "")
	s.MustCall(t, 200, "PUT", "/_security/user/joe", servertest.Admin, `{"password":"`+joePW+`","roles":["viewer"]}`)
	s.MustCall(t, 403, "DELETE", "/_security/user/elastic", "joe:"+joePW, "")
	s.MustCall(t, 200, "POST", "/_security/user/joe/_password", servertest.Admin, `{"password":"another-password-1"}`)
	s.MustCall(t, 200, "PUT", "/_security/user/joe/_disable", servertest.Admin, "")
	s.MustCall(t, 200, "PUT", "/_security/role/ops", servertest.Admin, `{"cluster":["monitor"]}`)
	s.MustCall(t, 200, "DELETE", "/_security/role/ops", servertest.Admin, "")
	s.MustCall(t, 200, "DELETE", "/_security/user/joe", servertest.Admin, "")
	raw, err := os.ReadFile(filepath.Join(s.LogsDir, audit.FileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{joePW, "another-password-1", "wrong-password", servertest.ElasticPassword, "$2a$"} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("the audit log contains %q", secret)
		}
	}
	var got []string
	sc := bufio.NewScanner(strings.NewReader(string(raw)))
	for sc.Scan() {
		var e map[string]any
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		a := e["event.action"].(string)
		if name, ok := e["user.name"].(string); ok {
			a += " " + name
		}
		if a == "access_granted elastic" || a == "authentication_success elastic" {
			continue // around every admin call
		}
		got = append(got, a)
	}
	want := []string{
		"anonymous_access_denied",
		"authentication_failed elastic",
		"put_user",
		"authentication_success joe", "access_denied joe",
		"change_password", "change_disable_user", "put_role", "delete_role", "delete_user",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit events:\n%s\nwant:\n%s\n\nlog:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"), raw)
	}
}

// Requests are counted by route pattern and status, never by raw path.
func TestRequestMetrics(t *testing.T) {
	s := servertest.Start(t, "esauth.metrics.address=127.0.0.1:0")
	m := s.Node.Metrics()
	s.MustCall(t, 200, "GET", "/_security/_authenticate", servertest.Admin, "")
	s.MustCall(t, 200, "GET", "/_security/_authenticate", servertest.Admin, "")
	s.MustCall(t, 404, "GET", "/_security/user/nobody-here", servertest.Admin, "")
	s.Call(t, "GET", "/no/such/path", "", "")
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, line := range []string{
		`esauth_http_requests_total{route="GET /_security/_authenticate",code="200"} 2`,
		`esauth_http_requests_total{route="GET /_security/user/{username}",code="404"} 1`,
		`esauth_http_requests_total{route="unmatched",code="400"} 1`,
	} {
		if !strings.Contains(string(body), line) {
			t.Errorf("metrics lack %s:\n%s", line, body)
		}
	}
	if strings.Contains(string(body), "nobody-here") {
		t.Error("a raw path became a label")
	}
}
