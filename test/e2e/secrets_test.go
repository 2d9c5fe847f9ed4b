package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// TestErrorBodiesHideSecrets checks that failed authentications and
// rejected passwords or hashes never echo the secret in the response.
// (Every server's log is checked for every secret when its test ends.)
func TestErrorBodiesHideSecrets(t *testing.T) {
	t.Parallel()
	pw := newPassword("elastic")
	elastic := cred{"elastic", pw}
	s := startServer(t, options{password: pw})
	hash, err := bcrypt.GenerateFromPassword([]byte(newPassword("hashed")), 4)
	if err != nil {
		t.Fatal(err)
	}
	badHash := secret("$2q$04$" + string(hash[7:])) // no such bcrypt variant
	wrong := newPassword("wrong")
	short := secret("Ab1!x")
	tests := []struct {
		name         string
		c            cred
		method, path string
		body         string
		status       int
		errType      string
		hidden       []string
	}{
		{"wrong password", cred{"elastic", wrong}, "GET", "/_security/_authenticate", "",
			http.StatusUnauthorized, "security_exception", []string{wrong}},
		{"unknown user", cred{"nobody", wrong}, "GET", "/", "",
			http.StatusUnauthorized, "security_exception", []string{wrong}},
		{"near-miss password", cred{"elastic", pw + "x"}, "GET", "/_security/user", "",
			http.StatusUnauthorized, "security_exception", []string{pw}},
		{"short password", elastic, "PUT", "/_security/user/short",
			fmt.Sprintf(`{"password":%q,"roles":[]}`, short),
			http.StatusBadRequest, "validation_exception", []string{short}},
		{"short new password", elastic, "POST", "/_security/user/elastic/_password",
			fmt.Sprintf(`{"password":%q}`, short),
			http.StatusBadRequest, "validation_exception", []string{short}},
		{"unusable hash", elastic, "PUT", "/_security/user/hashed",
			fmt.Sprintf(`{"password_hash":%q,"roles":[]}`, badHash),
			http.StatusBadRequest, "illegal_argument_exception", []string{badHash}},
		{"malformed body", elastic, "PUT", "/_security/user/broken",
			fmt.Sprintf(`{"password":%q,"roles":[`, wrong),
			http.StatusBadRequest, "", []string{wrong}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := s.request(t, tt.c, tt.method, tt.path, tt.body)
			if status != tt.status {
				t.Errorf("status %d, want %d; body %s", status, tt.status, body)
			}
			var e struct {
				Error struct {
					Type string `json:"type"`
				} `json:"error"`
				Status int `json:"status"`
			}
			if err := json.Unmarshal(body, &e); err != nil || e.Status != tt.status {
				t.Errorf("not an Elasticsearch error body: %s", body)
			}
			if tt.errType != "" && e.Error.Type != tt.errType {
				t.Errorf("error type %q, want %q; body %s", e.Error.Type, tt.errType, body)
			}
			for _, h := range tt.hidden {
				if strings.Contains(string(body), h) {
					t.Errorf("the error body contains the secret %q: %s", h, body)
				}
			}
		})
	}
	// The failures above changed nothing.
	s.mustAuthenticate(t, elastic)
}
