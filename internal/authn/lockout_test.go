package authn_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/audit"
	"github.com/esauth/esauth/internal/passhash"
	"github.com/esauth/esauth/internal/server/servertest"
)

// After max_attempts wrong passwords the username is blocked: even the
// right password gets a 429 with Retry-After, an administrator sees the
// block and lifts it, and the user logs in again.
func TestLockout(t *testing.T) {
	s := servertest.Start(t, "esauth.security.lockout.max_attempts=3", "esauth.security.lockout.ip.max_attempts=100",
		"esauth.security.lockout.window=1m", "esauth.security.lockout.duration=10m",
		"xpack.security.audit.enabled=true", "xpack.security.audit.logfile.events.include=authentication_failed",
		"esauth.audit.flush_interval=0")
	s.MustCall(t, 200, "PUT", "/_security/user/joe", servertest.Admin, `{"password":"joe-password","roles":[]}`)
	for range 3 {
		s.MustCall(t, 401, "GET", "/_security/_authenticate", "joe:wrong-password", "")
	}
	r := s.Call(t, "GET", "/_security/_authenticate", "joe:joe-password", "")
	reason := "too many failed authentication attempts for user [joe]; try again in 600 seconds"
	if r.Status != 429 || r.Header.Get("Retry-After") != "600" || !strings.Contains(r.Body, `"type":"security_exception","reason":"`+reason+`"`) {
		t.Fatalf("right password while blocked: %d Retry-After %q %s", r.Status, r.Header.Get("Retry-After"), r.Body)
	}
	// The audit log tells the refusal of a blocked login from a failure.
	raw, _ := os.ReadFile(filepath.Join(s.LogsDir, audit.FileName))
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) != 4 || strings.Contains(lines[2], "locked_out") || !strings.Contains(lines[3], `"user.name":"joe"`) ||
		!strings.HasSuffix(lines[3], `"esauth.locked_out":true}`) {
		t.Errorf("audit log:\n%s", raw)
	}
	// Other users are not affected.
	s.MustCall(t, 200, "GET", "/_security/_authenticate", servertest.Admin, "")
	body := s.MustCall(t, 200, "GET", "/_security/_esauth/locked_users", servertest.Admin, "")
	if !strings.Contains(body, `{"kind":"user","name":"joe","failures":3,`) {
		t.Errorf("locked users: %s", body)
	}
	s.MustCall(t, 400, "DELETE", "/_security/_esauth/locked_users/group/joe", servertest.Admin, "")
	s.MustCall(t, 200, "DELETE", "/_security/_esauth/locked_users/user/joe", servertest.Admin, "")
	s.MustCall(t, 404, "DELETE", "/_security/_esauth/locked_users/user/joe", servertest.Admin, "")
	s.MustCall(t, 200, "GET", "/_security/_authenticate", "joe:joe-password", "")
	s.MustCall(t, 403, "GET", "/_security/_esauth/locked_users", "joe:joe-password", "")
	if body := s.MustCall(t, 200, "GET", "/_security/_esauth/locked_users", servertest.Admin, ""); body != `{"locked_users":[]}` {
		t.Errorf("after unlock: %s", body)
	}
}

// Without lockout the API says so, and wrong passwords are only 401s.
func TestLockoutOff(t *testing.T) {
	s := servertest.Start(t, "esauth.security.lockout.enabled=false")
	for range 10 {
		s.MustCall(t, 401, "GET", "/_security/_authenticate", "elastic:wrong-password", "")
	}
	s.MustCall(t, 200, "GET", "/_security/_authenticate", servertest.Admin, "")
	s.MustCall(t, 400, "GET", "/_security/_esauth/locked_users", servertest.Admin, "")
}

// Failures from a shared address (a load balancer) block every user of
// it, but not the file-realm superuser that reset-password and
// administrators use to get back in (review §7).
func TestRecoveryAccountIgnoresAddressBlocks(t *testing.T) {
	h, _ := passhash.Resolve("bcrypt4")
	hash, _ := h.Hash("password")
	s := servertest.StartWith(t, servertest.Options{
		Settings: []string{"esauth.security.lockout.ip.max_attempts=5"},
		Files:    map[string]string{"users": "rescue:" + hash + "\nplain:" + hash + "\n", "users_roles": "superuser:rescue\n"},
	})
	for i := range 5 {
		s.MustCall(t, 401, "GET", "/_security/_authenticate", "guess-"+string(rune('a'+i))+":wrong-password", "")
	}
	if r := s.Call(t, "GET", "/_security/_authenticate", servertest.Admin, ""); r.Status != 429 || !strings.Contains(r.Body, "this address") {
		t.Fatalf("the address is not blocked: %d %s", r.Status, r.Body)
	}
	s.MustCall(t, 429, "GET", "/_security/_authenticate", "plain:password", "")
	s.MustCall(t, 200, "GET", "/_security/_authenticate", "rescue:password", "")
	// It can lift the block for everyone.
	s.MustCall(t, 200, "DELETE", "/_security/_esauth/locked_users/ip/127.0.0.1", "rescue:password", "")
	s.MustCall(t, 200, "GET", "/_security/_authenticate", servertest.Admin, "")
}

// Behind a trusted load balancer the client is the X-Forwarded-For
// address, so one client's failures block that client, not everyone;
// without trusted proxies the header is never believed (review §7).
func TestTrustedProxiesKeyOnTheClient(t *testing.T) {
	call := func(s *servertest.Server, auth, xff string) int {
		req, _ := http.NewRequest("GET", s.URL+"/_security/_authenticate", nil)
		req.Header.Set("Authorization", "Basic "+servertest.B64(auth))
		req.Header.Set("X-Forwarded-For", xff)
		return s.Do(t, req).Status
	}
	s := servertest.Start(t, "esauth.security.lockout.ip.max_attempts=3", "esauth.security.trusted_proxies=127.0.0.1")
	for i := range 3 {
		if got := call(s, "guess-"+string(rune('a'+i))+":wrong", "203.0.113.7"); got != 401 {
			t.Fatalf("guess %d: %d", i, got)
		}
	}
	if got := call(s, servertest.Admin, "203.0.113.7"); got != 429 {
		t.Errorf("the guessing client: %d, want 429", got)
	}
	if got := call(s, servertest.Admin, "198.51.100.9"); got != 200 {
		t.Errorf("another client behind the same balancer: %d, want 200", got)
	}
	// Not trusted: the header changes nothing, the socket address counts.
	s = servertest.Start(t, "esauth.security.lockout.ip.max_attempts=3")
	for i := range 3 {
		call(s, "guess-"+string(rune('a'+i))+":wrong", "203.0.113."+string(rune('1'+i)))
	}
	if got := call(s, servertest.Admin, "198.51.100.9"); got != 429 {
		t.Errorf("a spoofed X-Forwarded-For escaped the block: %d", got)
	}
}
