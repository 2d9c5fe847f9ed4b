package authn_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/server/servertest"
	"github.com/esauth/esauth/internal/xcontent"
)

func TestAuthenticationFailures(t *testing.T) {
	s := servertest.Start(t)
	s.MustCall(t, 200, "PUT", "/_security/user/joe", servertest.Admin, `{"password":"joe-secret","roles":["superuser"]}`)
	s.MustCall(t, 200, "PUT", "/_security/user/dis", servertest.Admin, `{"password":"dis-secret","roles":["superuser"],"enabled":false}`)
	unauth := func(reason string) string {
		extra := ""
		if strings.HasPrefix(reason, "unable to authenticate with provided credentials") {
			extra = `,"additional_unsuccessful_credentials":"oauth2 token: invalid token"`
		}
		e := `{"type":"security_exception","reason":` + string(must(xcontent.Marshal(reason))) + extra + `,"header":{"WWW-Authenticate":["Basic realm=\"security\", charset=\"UTF-8\"","ApiKey"]}}`
		return `{"error":{"root_cause":[` + e + `],` + e[1:len(e)-1] + `},"status":401}`
	}
	tests := []struct{ name, header, reason string }{
		{"none", "", "missing authentication credentials for REST request [/_cluster/health?pretty=false]"},
		// The token service names its refusal, on or off, as Elasticsearch's chain does.
		{"bearer", "Bearer abc", "unable to authenticate with provided credentials and anonymous access is not allowed for this request"},
		{"bad base64", "Basic !!!", "invalid basic authentication header encoding"},
		{"no colon", "Basic am9l", "invalid basic authentication header value"},
		{"wrong password", "Basic " + servertest.B64("joe:wrong-one"), "unable to authenticate user [joe] for REST request [/_cluster/health?pretty=false]"},
		{"unknown user", "Basic " + servertest.B64("nobody:joe-secret"), "unable to authenticate user [nobody] for REST request [/_cluster/health?pretty=false]"},
		{"disabled user", "Basic " + servertest.B64("dis:dis-secret"), "unable to authenticate user [dis] for REST request [/_cluster/health?pretty=false]"},
		{"built-in without password", "Basic " + servertest.B64("kibana_system:"), "unable to authenticate user [kibana_system] for REST request [/_cluster/health?pretty=false]"},
		{"empty password", "Basic " + servertest.B64("joe:"), "unable to authenticate user [joe] for REST request [/_cluster/health?pretty=false]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", s.URL+"/_cluster/health?pretty=false", nil)
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			r := s.Do(t, req)
			if r.Status != 401 || r.Body != unauth(tt.reason) {
				t.Errorf("got %d %s\nwant 401 %s", r.Status, r.Body, unauth(tt.reason))
			}
			// ApiKey too: API keys are on by default, as in Elasticsearch 8.
			if got := r.Header.Values("WWW-Authenticate"); len(got) != 2 || got[0] != `Basic realm="security", charset="UTF-8"` || got[1] != "ApiKey" {
				t.Errorf("WWW-Authenticate = %q", got)
			}
			if r.Header.Get("X-elastic-product") != "" {
				t.Error("a 401 carries X-elastic-product; Elasticsearch strips it")
			}
		})
	}
	// The scheme is case-insensitive and padding optional.
	req, _ := http.NewRequest("GET", s.URL+"/_security/_authenticate", nil)
	req.Header.Set("Authorization", "bAsIc "+strings.TrimRight(servertest.B64("joe:joe-secret"), "="))
	if r := s.Do(t, req); r.Status != 200 {
		t.Errorf("lower-case scheme: %d %s", r.Status, r.Body)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// A username longer than any realm allows is refused before the realms,
// the lockout and the caches see it, so none keeps a key of its size
// (review §15): many of them neither block the address nor show up as
// blocks.
func TestOverlongUsernames(t *testing.T) {
	s := servertest.Start(t, "esauth.security.lockout.ip.max_attempts=3")
	for i := range 6 {
		name := strings.Repeat(string(rune('a'+i)), 12000)
		s.MustCall(t, 401, "GET", "/_security/_authenticate", name+":password", "")
	}
	s.MustCall(t, 200, "GET", "/_security/_authenticate", servertest.Admin, "")
	if body := s.MustCall(t, 200, "GET", "/_security/_esauth/locked_users", servertest.Admin, ""); body != `{"locked_users":[]}` {
		t.Errorf("blocks: %s", body)
	}
}
