package securityapi_test

import (
	"testing"

	"github.com/esauth/esauth/internal/server/servertest"
)

func TestPasswordPolicy(t *testing.T) {
	s := servertest.Start(t, "esauth.password_policy.min_length=10", "esauth.password_policy.regex=[0-9]",
		"esauth.password_policy.regex_message=passwords must contain a digit", "esauth.password_policy.forbid_username=true")
	tests := []struct{ method, path, body, reason string }{
		{"PUT", "/_security/user/joe", `{"password":"short1","roles":[]}`, "Validation Failed: 1: passwords must be at least [10] characters long;"},
		{"PUT", "/_security/user/joe", `{"password":"long enough but no digit","roles":[]}`, "Validation Failed: 1: passwords must contain a digit;"},
		{"PUT", "/_security/user/joe", `{"password":"my name is Joe 42","roles":[]}`, "Validation Failed: 1: passwords must not contain the username;"},
		{"POST", "/_security/user/elastic/_password", `{"password":"elastic-4242"}`, "Validation Failed: 1: passwords must not contain the username;"},
	}
	for _, tt := range tests {
		r := s.Call(t, tt.method, tt.path, servertest.Admin, tt.body)
		if want := servertest.ESError("validation_exception", tt.reason, 400); r.Status != 400 || r.Body != want {
			t.Errorf("%s %s %s: %d %s\nwant %s", tt.method, tt.path, tt.body, r.Status, r.Body, want)
		}
	}
	s.MustCall(t, 200, "PUT", "/_security/user/joe", servertest.Admin, `{"password":"correct horse 9","roles":[]}`)
	// A password_hash is not a password: the policy cannot see it.
	s.MustCall(t, 200, "PUT", "/_security/user/ann", servertest.Admin, `{"password_hash":"$2a$04$OLNTeJiq3vjYqTZwgDi62OU5MvzkV3Jqz.KiR3pwgQv70pD6bUsGa","roles":[]}`)
}
