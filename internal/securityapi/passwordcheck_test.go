package securityapi_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/server/servertest"
)

// The password dry-run check answers with the policy's own verdict (the
// messages put user gives, every broken rule), a score and a length; any
// authenticated user may call it, bad input gets Elasticsearch's errors,
// and the password appears in no answer, log or audit event.
func TestPasswordCheck(t *testing.T) {
	s := servertest.Start(t, "esauth.password_policy.min_length=10",
		"esauth.password_policy.regex=[0-9]", "esauth.password_policy.regex_message=passwords must contain a digit",
		"esauth.password_policy.forbid_username=true", "xpack.security.audit.enabled=true", "esauth.audit.flush_interval=0",
		"xpack.security.audit.logfile.events.include=access_granted,access_denied,authentication_success,authentication_failed")
	s.MustCall(t, 200, "PUT", "/_security/user/joe", servertest.Admin, `{"password":"secret-pass-1","roles":[]}`)
	const path = "/_security/_esauth/password/_check"
	const joe = "joe:secret-pass-1"
	secrets := []string{"Sh0rtJoe", "l0ng-r4nd0m-p@ssw0rd", "joejoejoejoe", "no-digits-at-all"}
	for _, tt := range []struct{ auth, body, want string }{
		{joe, `{"password":"Sh0rtJoe"}`, `{"valid":false,"errors":["passwords must be at least [10] characters long","passwords must not contain the username"],"score":0,"length":8}`},
		{joe, `{"password":"l0ng-r4nd0m-p@ssw0rd"}`, `{"valid":true,"errors":[],"score":4,"length":20}`},
		{joe, `{"password":"no-digits-at-all"}`, `{"valid":false,"errors":["passwords must contain a digit"],"score":0,"length":16}`},
		{joe, `{"password":"joejoejoejoe"}`, `{"valid":false,"errors":["passwords must contain a digit","passwords must not contain the username"],"score":0,"length":12}`},
		// The name the page is about to create, not the caller's.
		{servertest.Admin, `{"password":"Sh0rtJoe-1234","username":"JOE"}`, `{"valid":false,"errors":["passwords must not contain the username"],"score":0,"length":13}`},
		{servertest.Admin, `{"password":"Sh0rtJoe-1234"}`, `{"valid":true,"errors":[],"score":3,"length":13}`},
		// Lengths are Java chars, as the policy counts them.
		{joe, `{"password":"𝄞𝄞𝄞𝄞𝄞1"}`, `{"valid":true,"errors":[],"score":1,"length":11}`},
	} {
		if got := s.MustCall(t, 200, "POST", path, tt.auth, tt.body); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.body, got, tt.want)
		}
	}
	// The first message is put user's, word for word.
	if r := s.Call(t, "PUT", "/_security/user/ann", servertest.Admin, `{"password":"Sh0rtAnn","roles":[]}`); r.Status != 400 ||
		r.Body != servertest.ESError("validation_exception", "Validation Failed: 1: passwords must be at least [10] characters long;", 400) {
		t.Errorf("put user: %d %s", r.Status, r.Body)
	}

	for _, tt := range []struct {
		auth, body string
		status     int
		want       string
	}{
		{joe, "", 400, servertest.ESError("parse_exception", "request body is required", 400)},
		{joe, `{}`, 400, servertest.ESError("action_request_validation_exception", "Validation Failed: 1: password is missing;", 400)},
		{joe, `{"password":7}`, 400, servertest.ESError("parse_exception", "expected field [password] to be of type string, but found [VALUE_NUMBER] instead", 400)},
		{joe, `{"password":"x","pasword":"y"}`, 400, servertest.ESError("parse_exception", "failed to parse password check request. unexpected field [pasword]", 400)},
		{"joe:wrong-password", `{"password":"x"}`, 401, ""},
		{"", `{"password":"x"}`, 401, ""},
	} {
		r := s.Call(t, "POST", path, tt.auth, tt.body)
		if r.Status != tt.status || (tt.want != "" && r.Body != tt.want) {
			t.Errorf("%q as %q: %d %s\nwant %d %s", tt.body, tt.auth, r.Status, r.Body, tt.status, tt.want)
		}
	}
	if r := s.Call(t, "GET", path, joe, ""); r.Status != 405 {
		t.Errorf("GET: %d %s", r.Status, r.Body)
	}

	audit, err := os.ReadFile(filepath.Join(s.LogsDir, "esauth_audit.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(audit), "esauth/password/check") {
		t.Errorf("no audit event for the check:\n%s", audit)
	}
	for _, pw := range secrets {
		if strings.Contains(string(audit), pw) || strings.Contains(s.Logs(), pw) {
			t.Errorf("the password %q was logged", pw)
		}
	}
}

// Anonymous access does not open the check: it is for authenticated users.
func TestPasswordCheckNotAnonymous(t *testing.T) {
	s := servertest.Start(t, "xpack.security.authc.anonymous.roles=viewer")
	r := s.Call(t, "POST", "/_security/_esauth/password/_check", "", `{"password":"l0ng-r4nd0m-p@ssw0rd"}`)
	want := servertest.ESError("security_exception", "action [cluster:admin/xpack/security/esauth/password/check] is unauthorized for user [_anonymous] with effective roles [viewer], this action is granted by the cluster privileges [manage_security,all]", 403)
	if r.Status != 403 || r.Body != want {
		t.Errorf("anonymous: %d %s\nwant %s", r.Status, r.Body, want)
	}
}
