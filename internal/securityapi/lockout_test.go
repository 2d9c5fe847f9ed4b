package securityapi_test

import (
	"strings"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/server/servertest"
)

// GET user shows last_authenticated only when asked, for native users
// that have logged in, and null for the others.
func TestLastAuthenticated(t *testing.T) {
	s := servertest.Start(t)
	s.MustCall(t, 200, "PUT", "/_security/user/joe", servertest.Admin, `{"password":"joe-password","roles":[]}`)
	s.MustCall(t, 200, "PUT", "/_security/user/ann", servertest.Admin, `{"password":"ann-password","roles":[]}`)
	before := time.Now().UnixMilli()
	s.MustCall(t, 200, "GET", "/_security/_authenticate", "joe:joe-password", "")
	if body := s.MustCall(t, 200, "GET", "/_security/user/joe", servertest.Admin, ""); strings.Contains(body, "last_authenticated") {
		t.Errorf("last_authenticated without being asked: %s", body)
	}
	body := s.MustCall(t, 200, "GET", "/_security/user/joe,ann?with_last_authenticated=true", servertest.Admin, "")
	if !strings.Contains(body, `"ann":{"username":"ann","roles":[],"full_name":null,"email":null,"metadata":{},"enabled":true,"last_authenticated":null}`) {
		t.Errorf("ann: %s", body)
	}
	i := strings.Index(body, `"last_authenticated":`)
	var ms int64
	if i < 0 || len(body) < i+34 {
		t.Fatalf("no time for joe: %s", body)
	}
	for _, c := range body[i+len(`"last_authenticated":`):] {
		if c < '0' || c > '9' {
			break
		}
		ms = ms*10 + int64(c-'0')
	}
	if ms < before-1000 || ms > time.Now().UnixMilli() {
		t.Errorf("joe's last_authenticated %d, want about %d", ms, before)
	}
	all := s.MustCall(t, 200, "GET", "/_security/user?with_last_authenticated=true", servertest.Admin, "")
	if strings.Count(all, `"last_authenticated":`) < 3 || !strings.Contains(all, `"joe":{"username":"joe"`) {
		t.Errorf("all users: %s", all)
	}
	// A new user of a deleted one's name starts without a history.
	s.MustCall(t, 200, "DELETE", "/_security/user/joe", servertest.Admin, "")
	s.MustCall(t, 200, "PUT", "/_security/user/joe", servertest.Admin, `{"password":"joe-password","roles":[]}`)
	if body := s.MustCall(t, 200, "GET", "/_security/user/joe?with_last_authenticated=true", servertest.Admin, ""); !strings.Contains(body, `"last_authenticated":null`) {
		t.Errorf("a deleted user keeps its last authentication: %s", body)
	}
}
