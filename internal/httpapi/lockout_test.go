package httpapi

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/audit"
	"github.com/esauth/esauth/internal/lastauth"
	"github.com/esauth/esauth/internal/lockout"
	"github.com/esauth/esauth/internal/store"
)

// After max_attempts wrong passwords the username is blocked: even the
// right password gets a 429 with Retry-After, an administrator sees the
// block and lifts it, and the user logs in again.
func TestLockout(t *testing.T) {
	s := newTestServer(t)
	tr, err := lockout.New(lockout.Config{MaxAttempts: 3, IPMaxAttempts: 100, Window: time.Minute, Duration: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	s.api.Lockout = tr
	dir := t.TempDir()
	events, _ := audit.ParseEvents([]string{"authentication_failed"}, nil)
	log, err := audit.Open(audit.Options{Enabled: true, Dir: dir, Events: events})
	if err != nil {
		t.Fatal(err)
	}
	s.api.Audit = log
	s.mustCall(t, 200, "PUT", "/_security/user/joe", admin, `{"password":"joe-password","roles":[]}`)
	for range 3 {
		s.mustCall(t, 401, "GET", "/_security/_authenticate", "joe:wrong-password", "")
	}
	r := s.call(t, "GET", "/_security/_authenticate", "joe:joe-password", "")
	reason := "too many failed authentication attempts for user [joe]; try again in 600 seconds"
	if r.status != 429 || r.header.Get("Retry-After") != "600" || !strings.Contains(r.body, `"type":"security_exception","reason":"`+reason+`"`) {
		t.Fatalf("right password while blocked: %d Retry-After %q %s", r.status, r.header.Get("Retry-After"), r.body)
	}
	// The audit log tells the refusal of a blocked login from a failure.
	if err := log.Flush(); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, audit.FileName))
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) != 4 || strings.Contains(lines[2], "locked_out") || !strings.Contains(lines[3], `"user.name":"joe"`) ||
		!strings.HasSuffix(lines[3], `"esauth.locked_out":true}`) {
		t.Errorf("audit log:\n%s", raw)
	}
	// Other users are not affected.
	s.mustCall(t, 200, "GET", "/_security/_authenticate", admin, "")
	body := s.mustCall(t, 200, "GET", "/_security/_esauth/locked_users", admin, "")
	if !strings.Contains(body, `{"kind":"user","name":"joe","failures":3,`) {
		t.Errorf("locked users: %s", body)
	}
	s.mustCall(t, 400, "DELETE", "/_security/_esauth/locked_users/group/joe", admin, "")
	s.mustCall(t, 200, "DELETE", "/_security/_esauth/locked_users/user/joe", admin, "")
	s.mustCall(t, 404, "DELETE", "/_security/_esauth/locked_users/user/joe", admin, "")
	s.mustCall(t, 200, "GET", "/_security/_authenticate", "joe:joe-password", "")
	s.mustCall(t, 403, "GET", "/_security/_esauth/locked_users", "joe:joe-password", "")
	if body := s.mustCall(t, 200, "GET", "/_security/_esauth/locked_users", admin, ""); body != `{"locked_users":[]}` {
		t.Errorf("after unlock: %s", body)
	}
}

// Without lockout the API says so, and wrong passwords are only 401s.
func TestLockoutOff(t *testing.T) {
	s := newTestServer(t)
	for range 10 {
		s.mustCall(t, 401, "GET", "/_security/_authenticate", "elastic:wrong-password", "")
	}
	s.mustCall(t, 200, "GET", "/_security/_authenticate", admin, "")
	s.mustCall(t, 400, "GET", "/_security/_esauth/locked_users", admin, "")
}

// GET user shows last_authenticated only when asked, for native users
// that have logged in, and null for the others.
func TestLastAuthenticated(t *testing.T) {
	var db store.Store
	s := newTestServerOver(t, func(d store.Store) store.Store { db = d; return d })
	rec := lastauth.New(db, lastauth.Options{Interval: time.Hour})
	t.Cleanup(func() { rec.Close(t.Context()) })
	s.api.LastAuth = rec
	s.mustCall(t, 200, "PUT", "/_security/user/joe", admin, `{"password":"joe-password","roles":[]}`)
	s.mustCall(t, 200, "PUT", "/_security/user/ann", admin, `{"password":"ann-password","roles":[]}`)
	before := time.Now().UnixMilli()
	s.mustCall(t, 200, "GET", "/_security/_authenticate", "joe:joe-password", "")
	if body := s.mustCall(t, 200, "GET", "/_security/user/joe", admin, ""); strings.Contains(body, "last_authenticated") {
		t.Errorf("last_authenticated without being asked: %s", body)
	}
	body := s.mustCall(t, 200, "GET", "/_security/user/joe,ann?with_last_authenticated=true", admin, "")
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
	all := s.mustCall(t, 200, "GET", "/_security/user?with_last_authenticated=true", admin, "")
	if strings.Count(all, `"last_authenticated":`) < 3 || !strings.Contains(all, `"joe":{"username":"joe"`) {
		t.Errorf("all users: %s", all)
	}
	s.mustCall(t, 200, "DELETE", "/_security/user/joe", admin, "")
	if at, ok, _ := rec.Get(t.Context(), "joe"); ok {
		t.Errorf("a deleted user keeps its last authentication %v", at)
	}
}
