package httpapi

import (
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/user"
)

func TestAnonymousNameIsReserved(t *testing.T) {
	s := newTestServer(t)
	tests := []struct {
		method, path, body string
		typ, reason        string
	}{
		{"PUT", "/_security/user/_anonymous", `{"password":"secret1","roles":[]}`, "action_request_validation_exception",
			"Validation Failed: 1: user [_anonymous] is anonymous and cannot be modified via the API;"},
		{"DELETE", "/_security/user/_anonymous", "", "illegal_argument_exception", "user [_anonymous] is anonymous and cannot be deleted"},
		{"POST", "/_security/user/_anonymous/_password", `{"password":"secret1"}`, "illegal_argument_exception",
			"user [_anonymous] is anonymous and cannot be modified via the API"},
		{"PUT", "/_security/user/_anonymous/_enable", "", "illegal_argument_exception",
			"user [_anonymous] is anonymous and cannot be modified using the api"},
	}
	for _, tt := range tests {
		r := s.call(t, tt.method, tt.path, admin, tt.body)
		if r.status != 400 || r.body != esError(tt.typ, tt.reason, 400) {
			t.Errorf("%s %s: %d %s\nwant %s", tt.method, tt.path, r.status, r.body, esError(tt.typ, tt.reason, 400))
		}
	}
	// Disabled anonymous access: not listed, not found.
	s.mustCall(t, 404, "GET", "/_security/user/_anonymous", admin, "")
}

func TestAnonymousAccess(t *testing.T) {
	s := newTestServer(t)
	s.api.Anonymous.Roles = []string{"remote_monitoring_collector"}
	s.mustCall(t, 200, "PUT", "/_security/user/joe", admin, `{"password":"joe-secret","roles":["viewer"]}`)

	// No credentials: anonymous, with its roles.
	s.mustCall(t, 200, "GET", "/_cluster/health", "", "")
	want := `{"username":"_anonymous","roles":["remote_monitoring_collector"],"full_name":null,"email":null,"metadata":{"_reserved":true},"enabled":true,` +
		`"authentication_realm":{"name":"__anonymous","type":"__anonymous"},"lookup_realm":{"name":"__anonymous","type":"__anonymous"},"authentication_type":"anonymous"}`
	if got := s.mustCall(t, 200, "GET", "/_security/_authenticate", "", ""); got != want {
		t.Errorf("anonymous _authenticate:\n got %s\nwant %s", got, want)
	}
	r := s.call(t, "GET", "/_security/user", "", "")
	wantDenied := esError("security_exception", "action [cluster:admin/xpack/security/user/get] is unauthorized for user [_anonymous] with effective roles [remote_monitoring_collector], this action is granted by the cluster privileges [read_security,manage_security,all]", 403)
	if r.status != 403 || r.body != wantDenied {
		t.Errorf("anonymous GET users: %d %s", r.status, r.body)
	}
	// Wrong credentials are still refused: anonymous is only for none.
	s.mustCall(t, 401, "GET", "/_cluster/health", "joe:wrong-pw", "")

	// Authenticated users get the anonymous roles as well.
	got := s.mustCall(t, 200, "GET", "/_security/_authenticate", "joe:joe-secret", "")
	if want := `"roles":["viewer","remote_monitoring_collector"]`; !strings.Contains(got, want) {
		t.Errorf("joe's roles: %s", got)
	}
	s.mustCall(t, 200, "GET", "/_cluster/health", "joe:joe-secret", "") // via the anonymous role
	// And the stored user is unchanged.
	if got := s.mustCall(t, 200, "GET", "/_security/user/joe", admin, ""); !strings.Contains(got, `"roles":["viewer"]`) {
		t.Errorf("stored roles changed: %s", got)
	}
	// The anonymous user is listed among the reserved users.
	if got := s.mustCall(t, 200, "GET", "/_security/user/_anonymous", admin, ""); got != `{"_anonymous":{"username":"_anonymous","roles":["remote_monitoring_collector"],"full_name":null,"email":null,"metadata":{"_reserved":true},"enabled":true}}` {
		t.Errorf("GET _anonymous: %s", got)
	}

	// authz_exception: false turns the denial into a request for credentials.
	s.api.Anonymous.AuthzException = false
	r = s.call(t, "GET", "/_security/user", "", "")
	e := `{"type":"security_exception","reason":"action [cluster:admin/xpack/security/user/get] requires authentication","header":{"WWW-Authenticate":"Basic realm=\"security\", charset=\"UTF-8\""}}`
	if want := `{"error":{"root_cause":[` + e + `],` + e[1:len(e)-1] + `},"status":401}`; r.status != 401 || r.body != want {
		t.Errorf("authz_exception false: %d %s", r.status, r.body)
	}
}

// fileUsers is a fixed set of file-realm users.
type fileUsers map[string]bool

func (f fileUsers) Lookup(name string) (user.User, bool) {
	return user.User{Username: name}, f[name]
}

func TestChangePasswordOfFileUser(t *testing.T) {
	s := newTestServer(t)
	s.api.FileUsers = fileUsers{"fileuser": true, "both": true}
	s.mustCall(t, 200, "PUT", "/_security/user/both", admin, `{"password":"both-secret","roles":[]}`)
	r := s.call(t, "POST", "/_security/user/fileuser/_password", admin, `{"password":"secret1"}`)
	if want := esError("validation_exception", "Validation Failed: 1: user [fileuser] is file-based and cannot be managed via this API.;", 400); r.status != 400 || r.body != want {
		t.Errorf("file user: %d %s", r.status, r.body)
	}
	// A native user of the same name is the one changed.
	s.mustCall(t, 200, "POST", "/_security/user/both/_password", admin, `{"password":"secret1"}`)
	r = s.call(t, "POST", "/_security/user/nobody/_password", admin, `{"password":"secret1"}`)
	if want := esError("validation_exception", "Validation Failed: 1: user must exist in order to change password;", 400); r.body != want {
		t.Errorf("missing user: %s", r.body)
	}
}
