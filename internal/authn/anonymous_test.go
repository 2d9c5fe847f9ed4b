package authn_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/server/servertest"
)

func TestAnonymousAccess(t *testing.T) {
	s := servertest.Start(t, "xpack.security.authc.anonymous.roles=remote_monitoring_collector")
	s.MustCall(t, 200, "PUT", "/_security/user/joe", servertest.Admin, `{"password":"joe-secret","roles":["viewer"]}`)

	// No credentials: anonymous, with its roles.
	s.MustCall(t, 200, "GET", "/_cluster/health", "", "")
	want := `{"username":"_anonymous","roles":["remote_monitoring_collector"],"full_name":null,"email":null,"metadata":{"_reserved":true},"enabled":true,` +
		`"authentication_realm":{"name":"__anonymous","type":"__anonymous"},"lookup_realm":{"name":"__anonymous","type":"__anonymous"},"authentication_type":"anonymous"}`
	if got := s.MustCall(t, 200, "GET", "/_security/_authenticate", "", ""); got != want {
		t.Errorf("anonymous _authenticate:\n got %s\nwant %s", got, want)
	}
	r := s.Call(t, "GET", "/_security/user", "", "")
	wantDenied := servertest.ESError("security_exception", "action [cluster:admin/xpack/security/user/get] is unauthorized for user [_anonymous] with effective roles [remote_monitoring_collector], this action is granted by the cluster privileges [read_security,manage_security,all]", 403)
	if r.Status != 403 || r.Body != wantDenied {
		t.Errorf("anonymous GET users: %d %s", r.Status, r.Body)
	}
	// Wrong credentials are still refused: anonymous is only for none.
	s.MustCall(t, 401, "GET", "/_cluster/health", "joe:wrong-pw", "")
	// So is a bearer token nothing accepted: a failed credential.
	req, _ := http.NewRequest("GET", s.URL+"/_cluster/health", nil)
	req.Header.Set("Authorization", "Bearer not-a-token")
	if r := s.Do(t, req); r.Status != 401 {
		t.Errorf("an unknown bearer token with anonymous access on: %d %s", r.Status, r.Body)
	}

	// Authenticated users get the anonymous roles as well.
	got := s.MustCall(t, 200, "GET", "/_security/_authenticate", "joe:joe-secret", "")
	if want := `"roles":["viewer","remote_monitoring_collector"]`; !strings.Contains(got, want) {
		t.Errorf("joe's roles: %s", got)
	}
	s.MustCall(t, 200, "GET", "/_cluster/health", "joe:joe-secret", "") // via the anonymous role
	// And the stored user is unchanged.
	if got := s.MustCall(t, 200, "GET", "/_security/user/joe", servertest.Admin, ""); !strings.Contains(got, `"roles":["viewer"]`) {
		t.Errorf("stored roles changed: %s", got)
	}
	// The anonymous user is listed among the reserved users.
	if got := s.MustCall(t, 200, "GET", "/_security/user/_anonymous", servertest.Admin, ""); got != `{"_anonymous":{"username":"_anonymous","roles":["remote_monitoring_collector"],"full_name":null,"email":null,"metadata":{"_reserved":true},"enabled":true}}` {
		t.Errorf("GET _anonymous: %s", got)
	}

	// authz_exception: false turns the denial into a request for credentials.
	s = servertest.Start(t, "xpack.security.authc.anonymous.roles=remote_monitoring_collector",
		"xpack.security.authc.anonymous.authz_exception=false")
	r = s.Call(t, "GET", "/_security/user", "", "")
	e := `{"type":"security_exception","reason":"action [cluster:admin/xpack/security/user/get] requires authentication","header":{"WWW-Authenticate":["Basic realm=\"security\", charset=\"UTF-8\"","ApiKey"]}}`
	if want := `{"error":{"root_cause":[` + e + `],` + e[1:len(e)-1] + `},"status":401}`; r.Status != 401 || r.Body != want {
		t.Errorf("authz_exception false: %d %s", r.Status, r.Body)
	}
}
