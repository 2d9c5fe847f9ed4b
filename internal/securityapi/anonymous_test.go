package securityapi_test

import (
	"testing"

	"github.com/esauth/esauth/internal/server/servertest"
)

func TestAnonymousNameIsReserved(t *testing.T) {
	s := servertest.Start(t)
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
		r := s.Call(t, tt.method, tt.path, servertest.Admin, tt.body)
		if r.Status != 400 || r.Body != servertest.ESError(tt.typ, tt.reason, 400) {
			t.Errorf("%s %s: %d %s\nwant %s", tt.method, tt.path, r.Status, r.Body, servertest.ESError(tt.typ, tt.reason, 400))
		}
	}
	// Disabled anonymous access: not listed, not found.
	s.MustCall(t, 404, "GET", "/_security/user/_anonymous", servertest.Admin, "")
}

func TestChangePasswordOfFileUser(t *testing.T) {
	const hash = "$2a$04$OLNTeJiq3vjYqTZwgDi62OU5MvzkV3Jqz.KiR3pwgQv70pD6bUsGa"
	s := servertest.StartWith(t, servertest.Options{Files: map[string]string{"users": "fileuser:" + hash + "\nboth:" + hash + "\n"}})
	s.MustCall(t, 200, "PUT", "/_security/user/both", servertest.Admin, `{"password":"both-secret","roles":[]}`)
	r := s.Call(t, "POST", "/_security/user/fileuser/_password", servertest.Admin, `{"password":"secret1"}`)
	if want := servertest.ESError("validation_exception", "Validation Failed: 1: user [fileuser] is file-based and cannot be managed via this API.;", 400); r.Status != 400 || r.Body != want {
		t.Errorf("file user: %d %s", r.Status, r.Body)
	}
	// A native user of the same name is the one changed.
	s.MustCall(t, 200, "POST", "/_security/user/both/_password", servertest.Admin, `{"password":"secret1"}`)
	r = s.Call(t, "POST", "/_security/user/nobody/_password", servertest.Admin, `{"password":"secret1"}`)
	if want := servertest.ESError("validation_exception", "Validation Failed: 1: user must exist in order to change password;", 400); r.Body != want {
		t.Errorf("missing user: %s", r.Body)
	}
}
