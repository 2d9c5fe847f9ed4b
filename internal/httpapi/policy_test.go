package httpapi

import (
	"regexp"
	"testing"

	"github.com/esauth/esauth/internal/user"
)

func TestPasswordPolicy(t *testing.T) {
	s := newTestServer(t)
	s.api.PasswordPolicy = user.PasswordPolicy{MinLength: 10, Pattern: regexp.MustCompile(`[0-9]`),
		PatternMessage: "passwords must contain a digit", ForbidUsername: true}
	tests := []struct{ method, path, body, reason string }{
		{"PUT", "/_security/user/joe", `{"password":"short1","roles":[]}`, "Validation Failed: 1: passwords must be at least [10] characters long;"},
		{"PUT", "/_security/user/joe", `{"password":"long enough but no digit","roles":[]}`, "Validation Failed: 1: passwords must contain a digit;"},
		{"PUT", "/_security/user/joe", `{"password":"my name is Joe 42","roles":[]}`, "Validation Failed: 1: passwords must not contain the username;"},
		{"POST", "/_security/user/elastic/_password", `{"password":"elastic-4242"}`, "Validation Failed: 1: passwords must not contain the username;"},
	}
	for _, tt := range tests {
		r := s.call(t, tt.method, tt.path, admin, tt.body)
		if want := esError("validation_exception", tt.reason, 400); r.status != 400 || r.body != want {
			t.Errorf("%s %s %s: %d %s\nwant %s", tt.method, tt.path, tt.body, r.status, r.body, want)
		}
	}
	s.mustCall(t, 200, "PUT", "/_security/user/joe", admin, `{"password":"correct horse 9","roles":[]}`)
	// A password_hash is not a password: the policy cannot see it.
	s.mustCall(t, 200, "PUT", "/_security/user/ann", admin, `{"password_hash":"$2a$04$OLNTeJiq3vjYqTZwgDi62OU5MvzkV3Jqz.KiR3pwgQv70pD6bUsGa","roles":[]}`)
}
