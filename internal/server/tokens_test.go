package server_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/server/servertest"
	"github.com/esauth/esauth/internal/store/etcdstore/etcdtest"
)

const tokensOn = "xpack.security.authc.token.enabled=true"

// tokenPair is the get-token answer's tokens.
type tokenPair struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
}

func getToken(t *testing.T, s *servertest.Server, auth, body string) (tokenPair, string) {
	t.Helper()
	raw := s.MustCall(t, 200, "POST", "/_security/oauth2/token", auth, body)
	var p tokenPair
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		t.Fatal(err)
	}
	return p, raw
}

// tokensIn replaces the tokens of an answer by placeholders.
var tokensIn = regexp.MustCompile(`"(access_token|refresh_token)":"[A-Za-z0-9+/=]{40}"`)

func masked(body string) string { return tokensIn.ReplaceAllString(body, `"$1":"<$1>"`) }

func TestTokenService(t *testing.T) {
	s := servertest.Start(t, tokensOn)
	s.MustCall(t, 200, "PUT", "/_security/role/tokens", servertest.Admin, `{"cluster":["manage_token"]}`)
	s.MustCall(t, 200, "PUT", "/_security/user/kib", servertest.Admin, `{"password":"kib-secret","roles":["tokens"]}`)
	s.MustCall(t, 200, "PUT", "/_security/user/joe", servertest.Admin, `{"password":"joe-secret","roles":["viewer"],"full_name":"Joe"}`)
	const kib = "kib:kib-secret"
	const joeAuth = `"username":"joe","roles":["viewer"],"full_name":"Joe","email":null,"metadata":{},"enabled":true,` +
		`"authentication_realm":{"name":"default_native","type":"native"},"lookup_realm":{"name":"default_native","type":"native"},"authentication_type":`

	// The password grant: a token for joe, asked for by kib.
	pair, body := getToken(t, s, kib, `{"grant_type":"password","username":"joe","password":"joe-secret"}`)
	want := `{"access_token":"<access_token>","type":"Bearer","expires_in":1200,"refresh_token":"<refresh_token>","authentication":{` + joeAuth + `"realm"}}`
	if masked(body) != want {
		t.Errorf("password grant:\n got %s\nwant %s", body, want)
	}
	// Joe, with the token, as a Basic login would be, but of type token.
	r := bearerCall(t, s, "GET", "/_security/_authenticate", pair.AccessToken)
	if r.Status != 200 || r.Body != `{`+joeAuth+`"token"}` {
		t.Errorf("_authenticate: %d %s", r.Status, r.Body)
	}
	// Joe's roles decide: viewer may not manage users.
	if r := bearerCall(t, s, "GET", "/_security/user", pair.AccessToken); r.Status != 403 ||
		!strings.Contains(r.Body, "action [cluster:admin/xpack/security/user/get] is unauthorized for user [joe]") {
		t.Errorf("joe's privileges: %d %s", r.Status, r.Body)
	}
	// A scope is answered as "full".
	_, body = getToken(t, s, kib, `{"grant_type":"password","username":"joe","password":"joe-secret","scope":"x"}`)
	if !strings.Contains(body, `"refresh_token":"`) || !strings.Contains(masked(body), `"<refresh_token>","scope":"full","authentication"`) {
		t.Errorf("scope: %s", body)
	}

	// client_credentials: a token for the caller, without refresh token.
	_, body = getToken(t, s, kib, `{"grant_type":"client_credentials"}`)
	if want := `{"access_token":"<access_token>","type":"Bearer","expires_in":1200,"authentication":{"username":"kib","roles":["tokens"],"full_name":null,"email":null,"metadata":{},"enabled":true,"authentication_realm":{"name":"default_native","type":"native"},"lookup_realm":{"name":"default_native","type":"native"},"authentication_type":"realm"}}`; masked(body) != want {
		t.Errorf("client_credentials:\n got %s\nwant %s", body, want)
	}

	// refresh_token: a new pair, standing for the same joe, shown as a token.
	next, body := getToken(t, s, kib, `{"grant_type":"refresh_token","refresh_token":"`+pair.RefreshToken+`"}`)
	if want := `{"access_token":"<access_token>","type":"Bearer","expires_in":1200,"refresh_token":"<refresh_token>","authentication":{` + joeAuth + `"token"}}`; masked(body) != want {
		t.Errorf("refresh:\n got %s\nwant %s", body, want)
	}
	if next.AccessToken == pair.AccessToken {
		t.Error("refresh returned the old token")
	}
	// Within 30 s the same pair again; another client is refused.
	again, _ := getToken(t, s, kib, `{"grant_type":"refresh_token","refresh_token":"`+pair.RefreshToken+`"}`)
	if again != next {
		t.Error("a second refresh within the window got another pair")
	}
	grant := func(auth, body, want string) {
		t.Helper()
		r := s.Call(t, "POST", "/_security/oauth2/token", auth, body)
		if r.Status != 400 || r.Body != want {
			t.Errorf("%s:\n got %d %s\nwant 400 %s", body, r.Status, r.Body, want)
		}
	}
	grant(servertest.Admin, `{"grant_type":"refresh_token","refresh_token":"`+pair.RefreshToken+`"}`,
		`{"error":"invalid_grant","error_description":"tokens must be refreshed by the creating client"}`)
	grant(kib, `{"grant_type":"refresh_token","refresh_token":"nope"}`,
		`{"error":"invalid_grant","error_description":"could not refresh the requested token"}`)
	grant(kib, `{"grant_type":"password","username":"joe"}`,
		`{"error":"invalid_request","error_description":"Validation Failed: 1: password is missing;"}`)
	grant(kib, `{"grant_type":"implicit"}`,
		`{"error":"unsupported_grant_type","error_description":"Validation Failed: 1: grant_type only supports the values: [password, _kerberos, refresh_token, client_credentials];"}`)
	grant(kib, `{"grant_type":"client_credentials","username":"joe"}`,
		`{"error":"unsupported_grant_type","error_description":"Validation Failed: 1: username is not supported with the client_credentials grant_type;"}`)

	// Wrong credentials in the grant: the transport action's 401.
	r = s.Call(t, "POST", "/_security/oauth2/token", kib, `{"grant_type":"password","username":"joe","password":"wrong-one"}`)
	if r.Status != 401 || !strings.Contains(r.Body, `"reason":"unable to authenticate user [joe] for action [cluster:admin/xpack/security/token/create]"`) ||
		len(r.Header.Values("WWW-Authenticate")) != 3 || r.Header.Values("WWW-Authenticate")[1] != `Bearer realm="security"` {
		t.Errorf("wrong password: %d %v %s", r.Status, r.Header.Values("WWW-Authenticate"), r.Body)
	}
	// An invalid request is refused as such before anything is authorized,
	// whoever sends it.
	grant("joe:joe-secret", `{"grant_type":"password","username":"joe"}`,
		`{"error":"invalid_request","error_description":"Validation Failed: 1: password is missing;"}`)
	// manage_token is needed, for each grant and for invalidation.
	for _, b := range []string{`{"grant_type":"password","username":"joe","password":"joe-secret"}`, `{"grant_type":"refresh_token","refresh_token":"x"}`} {
		action := "create"
		if strings.Contains(b, "refresh_token\"") {
			action = "refresh"
		}
		r := s.Call(t, "POST", "/_security/oauth2/token", "joe:joe-secret", b)
		if r.Status != 403 || !strings.Contains(r.Body, "action [cluster:admin/xpack/security/token/"+action+"] is unauthorized for user [joe]") {
			t.Errorf("%s without manage_token: %d %s", action, r.Status, r.Body)
		}
	}
	r = s.Call(t, "DELETE", "/_security/oauth2/token", "joe:joe-secret", `{"token":"`+next.AccessToken+`"}`)
	if r.Status != 403 || !strings.Contains(r.Body, "action [cluster:admin/xpack/security/token/invalidate] is unauthorized for user [joe]") {
		t.Errorf("invalidate without manage_token: %d %s", r.Status, r.Body)
	}

	// Invalidation: the access token stops working at once, with the
	// expired token's own challenge.
	inv := func(body string, status int, want string) {
		t.Helper()
		r := s.Call(t, "DELETE", "/_security/oauth2/token", kib, body)
		if r.Status != status || r.Body != want {
			t.Errorf("invalidate %s:\n got %d %s\nwant %d %s", body, r.Status, r.Body, status, want)
		}
	}
	counts := func(n, prev int) string {
		return `{"invalidated_tokens":` + string(rune('0'+n)) + `,"previously_invalidated_tokens":` + string(rune('0'+prev)) + `,"error_count":0}`
	}
	inv(`{"token":"`+next.AccessToken+`"}`, 200, counts(1, 0))
	inv(`{"token":"`+next.AccessToken+`"}`, 200, counts(0, 1))
	r = bearerCall(t, s, "GET", "/_security/_authenticate", next.AccessToken)
	expiredBody := `{"error":{"root_cause":[{"type":"security_exception","reason":"token expired","header":{"WWW-Authenticate":"Bearer realm=\"security\", error=\"invalid_token\", error_description=\"The access token expired\""}}],"type":"security_exception","reason":"token expired","header":{"WWW-Authenticate":"Bearer realm=\"security\", error=\"invalid_token\", error_description=\"The access token expired\""}},"status":401}`
	if r.Status != 401 || r.Body != expiredBody ||
		strings.Join(r.Header.Values("WWW-Authenticate"), "|") != `Bearer realm="security", error="invalid_token", error_description="The access token expired"` {
		t.Errorf("invalidated token: %d %v %s", r.Status, r.Header.Values("WWW-Authenticate"), r.Body)
	}
	inv(`{"refresh_token":"`+next.RefreshToken+`"}`, 200, counts(1, 0))
	grant(kib, `{"grant_type":"refresh_token","refresh_token":"`+next.RefreshToken+`"}`,
		`{"error":"invalid_grant","error_description":"token has been invalidated"}`)
	inv(`{"token":"unknown"}`, 404, counts(0, 0))
	inv(`{"refresh_token":"`+next.AccessToken+`"}`, 404, counts(0, 0))
	// By user: joe's two tokens still active (pair, whose refresh token
	// was used but not invalidated, and the scoped one), each half counted;
	// next, whose halves are both invalidated, is left alone.
	inv(`{"username":"joe"}`, 200, counts(4, 0))
	inv(`{"username":"joe","realm_name":"default_native"}`, 200, counts(0, 0))
	if r := bearerCall(t, s, "GET", "/_security/_authenticate", pair.AccessToken); r.Status != 401 {
		t.Errorf("joe's first token after invalidation by user: %d", r.Status)
	}
	// Request errors.
	r = s.Call(t, "DELETE", "/_security/oauth2/token", kib, `{"token":"a","username":"joe"}`)
	if r.Status != 400 || !strings.Contains(r.Body, `"type":"action_request_validation_exception","reason":"Validation Failed: 1: token string must not be provided when realm name or username is specified;2: token type must not be provided when realm name or username is specified;"`) {
		t.Errorf("invalid invalidation: %d %s", r.Status, r.Body)
	}
	r = s.Call(t, "POST", "/_security/oauth2/token", kib, `{"grant_type":"password","user":"joe"}`)
	if r.Status != 400 || !strings.Contains(r.Body, `"reason":"[1:26] [token_request] unknown field [user]`) {
		t.Errorf("unknown field: %d %s", r.Status, r.Body)
	}

	// A bearer value nothing knows: the token service names its refusal.
	r = bearerCall(t, s, "GET", "/_security/_authenticate", "bm9wZQ==")
	if r.Status != 401 || !strings.Contains(r.Body, `"additional_unsuccessful_credentials":"oauth2 token: invalid token"`) {
		t.Errorf("unknown bearer: %d %s", r.Status, r.Body)
	}
}

// An access token expires after token.timeout: a 401 with RFC 6750's
// challenge, while its refresh token still makes a new one.
func TestTokenExpiry(t *testing.T) {
	s := servertest.Start(t, tokensOn, "xpack.security.authc.token.timeout=1s")
	pair, body := getToken(t, s, servertest.Admin, `{"grant_type":"password","username":"elastic","password":"`+servertest.ElasticPassword+`"}`)
	if !strings.Contains(body, `"expires_in":1,`) {
		t.Errorf("expires_in: %s", body)
	}
	if r := bearerCall(t, s, "GET", "/_security/_authenticate", pair.AccessToken); r.Status != 200 {
		t.Fatalf("fresh token: %d %s", r.Status, r.Body)
	}
	time.Sleep(1100 * time.Millisecond)
	r := bearerCall(t, s, "GET", "/_security/_authenticate", pair.AccessToken)
	if r.Status != 401 || r.Header.Get("WWW-Authenticate") != `Bearer realm="security", error="invalid_token", error_description="The access token expired"` ||
		!strings.Contains(r.Body, `"reason":"token expired"`) {
		t.Errorf("expired token: %d %v %s", r.Status, r.Header, r.Body)
	}
	next, _ := getToken(t, s, servertest.Admin, `{"grant_type":"refresh_token","refresh_token":"`+pair.RefreshToken+`"}`)
	if r := bearerCall(t, s, "GET", "/_security/_authenticate", next.AccessToken); r.Status != 200 {
		t.Errorf("refreshed token: %d %s", r.Status, r.Body)
	}
}

// Off by default on plain HTTP: the endpoints answer Elasticsearch's
// feature error, and no challenge offers Bearer.
func TestTokensDisabled(t *testing.T) {
	s := servertest.Start(t)
	want := `{"error":{"root_cause":[{"type":"feature_not_enabled_exception","reason":"security tokens are not enabled","disabled.feature":"security_tokens"}],"type":"feature_not_enabled_exception","reason":"security tokens are not enabled","disabled.feature":"security_tokens"},"status":400}`
	for _, c := range []struct{ method, body string }{
		{"POST", `{"grant_type":"client_credentials"}`},
		{"POST", `{"grant_type":"password","username":"elastic","password":"` + servertest.ElasticPassword + `"}`},
		{"POST", `{"grant_type":"refresh_token","refresh_token":"x"}`},
		{"DELETE", `{"username":"elastic"}`},
	} {
		if r := s.Call(t, c.method, "/_security/oauth2/token", servertest.Admin, c.body); r.Status != 400 || r.Body != want {
			t.Errorf("%s %s: %d %s", c.method, c.body, r.Status, r.Body)
		}
	}
	r := s.Call(t, "GET", "/_security/_authenticate", "", "")
	if got := r.Header.Values("WWW-Authenticate"); len(got) != 2 || got[1] != "ApiKey" {
		t.Errorf("challenges while off: %q", got)
	}
}

// A token made on one node works on another sharing the etcd store, and
// its invalidation reaches it within a second.
func TestTokensAcrossNodes(t *testing.T) {
	m := etcdtest.StartMember(t)
	settings := []string{tokensOn, "esauth.store.type=etcd", "esauth.store.etcd.endpoints=" + m.ClientURL, "esauth.store.etcd.prefix=/tokens/"}
	nodes := []*servertest.Server{servertest.Start(t, settings...), servertest.Start(t, settings...), servertest.Start(t, settings...)}
	pair, _ := getToken(t, nodes[0], servertest.Admin, `{"grant_type":"client_credentials"}`)
	for _, n := range nodes[1:] {
		if r := bearerCall(t, n, "GET", "/_security/_authenticate", pair.AccessToken); r.Status != 200 || !strings.Contains(r.Body, `"authentication_type":"token"`) {
			t.Fatalf("on another node: %d %s", r.Status, r.Body)
		}
	}
	// Invalidated on a third node, it stops on the other two.
	start := time.Now()
	nodes[2].MustCall(t, 200, "DELETE", "/_security/oauth2/token", servertest.Admin, `{"token":"`+pair.AccessToken+`"}`)
	for _, n := range nodes[:2] {
		for bearerCall(t, n, "GET", "/_security/_authenticate", pair.AccessToken).Status != http.StatusUnauthorized {
			if time.Since(start) > time.Second {
				t.Fatal("a node still accepts the token after 1 s")
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	t.Logf("invalidation reached both other nodes in %v", time.Since(start))
}

// The audit log names an access token's authentication and never a token;
// failed password grants count towards the lockout like Basic logins.
func TestTokenAuditAndLockout(t *testing.T) {
	s := servertest.Start(t, tokensOn, "xpack.security.audit.enabled=true",
		"xpack.security.audit.logfile.events.include=authentication_success", "esauth.audit.flush_interval=0",
		"esauth.security.lockout.max_attempts=2", "esauth.security.lockout.ip.max_attempts=100")
	s.MustCall(t, 200, "PUT", "/_security/user/joe", servertest.Admin, `{"password":"joe-secret","roles":[]}`)
	pair, _ := getToken(t, s, servertest.Admin, `{"grant_type":"password","username":"joe","password":"joe-secret"}`)
	bearerCall(t, s, "GET", "/_security/_authenticate", pair.AccessToken)
	log := readAudit(t, s)
	if !strings.Contains(log, `"authentication.type":"TOKEN", "user.name":"joe", "user.realm":"default_native"`) {
		t.Errorf("audit log lacks the token authentication:\n%s", log)
	}
	if strings.Contains(log, strings.TrimRight(pair.AccessToken, "=")) || strings.Contains(log, strings.TrimRight(pair.RefreshToken, "=")) ||
		strings.Contains(log, "joe-secret") {
		t.Error("a token or password reached the audit log")
	}
	for range 2 {
		s.MustCall(t, 401, "POST", "/_security/oauth2/token", servertest.Admin, `{"grant_type":"password","username":"joe","password":"wrong-pw"}`)
	}
	r := s.Call(t, "POST", "/_security/oauth2/token", servertest.Admin, `{"grant_type":"password","username":"joe","password":"joe-secret"}`)
	if r.Status != 429 || !strings.Contains(r.Body, "too many failed authentication attempts for user [joe]") {
		t.Errorf("after failed grants: %d %s", r.Status, r.Body)
	}
	if strings.Contains(s.Logs(), strings.TrimRight(pair.AccessToken, "=")) {
		t.Error("a token reached the server log")
	}
}

// An access token's user gets the anonymous roles, as every authenticated
// user does, but the token keeps only the realm's roles: the answer of the
// grant shows those.
func TestTokenWithAnonymousRoles(t *testing.T) {
	s := servertest.Start(t, tokensOn, "xpack.security.authc.anonymous.roles=anon_role")
	s.MustCall(t, 200, "PUT", "/_security/user/joe", servertest.Admin, `{"password":"joe-secret","roles":["viewer"]}`)
	pair, body := getToken(t, s, servertest.Admin, `{"grant_type":"password","username":"joe","password":"joe-secret"}`)
	if !strings.Contains(body, `"username":"joe","roles":["viewer"],`) {
		t.Errorf("grant: %s", body)
	}
	if r := bearerCall(t, s, "GET", "/_security/_authenticate", pair.AccessToken); r.Status != 200 ||
		!strings.Contains(r.Body, `"username":"joe","roles":["viewer","anon_role"],`) {
		t.Errorf("_authenticate: %d %s", r.Status, r.Body)
	}
}
