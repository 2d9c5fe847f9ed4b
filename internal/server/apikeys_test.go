package server_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/server/servertest"
)

// created is the answer to a create API key request.
type created struct {
	ID, Name, APIKey, Encoded string
}

func createKey(t *testing.T, s *servertest.Server, auth, body string) created {
	t.Helper()
	var c struct {
		ID      string `json:"id"`
		Name    string `json:"name"`
		APIKey  string `json:"api_key"`
		Encoded string `json:"encoded"`
	}
	if err := json.Unmarshal([]byte(s.MustCall(t, 200, "POST", "/_security/api_key", auth, body)), &c); err != nil {
		t.Fatal(err)
	}
	return created{c.ID, c.Name, c.APIKey, c.Encoded}
}

// keyCall sends a request authenticated with an API key.
func keyCall(t *testing.T, s *servertest.Server, method, path, encoded, body string) servertest.Reply {
	t.Helper()
	var req *http.Request
	if body == "" {
		req, _ = http.NewRequest(method, s.URL+path, nil)
	} else {
		req, _ = http.NewRequest(method, s.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "ApiKey "+encoded)
	return s.Do(t, req)
}

// An API key authenticates as its owner, with the key's privileges
// limited by the owner's, and stops working at once when invalidated.
func TestAPIKeyLifecycle(t *testing.T) {
	s := servertest.Start(t)
	s.MustCall(t, 200, "PUT", "/_security/role/key_maker", servertest.Admin, `{"cluster":["manage_own_api_key","monitor"]}`)
	s.MustCall(t, 200, "PUT", "/_security/user/kim", servertest.Admin, `{"password":"kim-secret","roles":["key_maker"],"full_name":"Kim"}`)
	k := createKey(t, s, "kim:kim-secret", `{"name":"k1","role_descriptors":{"r":{"cluster":["manage_security","monitor"]}}}`)

	r := keyCall(t, s, "GET", "/_security/_authenticate", k.Encoded, "")
	want := `{"username":"kim","roles":[],"full_name":"Kim","email":null,"metadata":{},"enabled":true,"authentication_realm":{"name":"_es_api_key","type":"_es_api_key"},"lookup_realm":{"name":"_es_api_key","type":"_es_api_key"},"authentication_type":"api_key","api_key":{"id":"` + k.ID + `","name":"k1"}}`
	if r.Status != 200 || r.Body != want {
		t.Fatalf("authenticate: %d %s\nwant %s", r.Status, r.Body, want)
	}
	// Asked for manage_security, the key gets no more than kim has.
	r = keyCall(t, s, "GET", "/_security/user", k.Encoded, "")
	wantDenied := servertest.ESError("security_exception", "action [cluster:admin/xpack/security/user/get] is unauthorized for API key id ["+k.ID+"] of user [kim], this action is granted by the cluster privileges [read_security,manage_security,all]", 403)
	if r.Status != 403 || r.Body != wantDenied {
		t.Errorf("beyond the owner: %d %s\nwant %s", r.Status, r.Body, wantDenied)
	}
	if r := keyCall(t, s, "GET", "/_cluster/health", k.Encoded, ""); r.Status != 200 {
		t.Errorf("within both: %d %s", r.Status, r.Body)
	}
	// A key reads itself with no privilege.
	if r := keyCall(t, s, "GET", "/_security/api_key?id="+k.ID, k.Encoded, ""); r.Status != 200 || !strings.Contains(r.Body, `"name":"k1"`) {
		t.Errorf("get itself: %d %s", r.Status, r.Body)
	}
	// manage_own_api_key: owner=true, not every key.
	if r := s.Call(t, "GET", "/_security/api_key", "kim:kim-secret", ""); r.Status != 403 {
		t.Errorf("get all with manage_own_api_key: %d %s", r.Status, r.Body)
	}
	if r := s.Call(t, "GET", "/_security/api_key?owner=true", "kim:kim-secret", ""); r.Status != 200 || !strings.Contains(r.Body, k.ID) {
		t.Errorf("get own: %d %s", r.Status, r.Body)
	}
	if strings.Contains(s.Call(t, "GET", "/_security/api_key?owner=true", "kim:kim-secret", "").Body, k.APIKey) {
		t.Error("get showed the secret")
	}

	// Wrong secret, unknown id, bad encoding: 401 naming why.
	for _, tt := range []struct{ cred, why string }{
		{servertest.B64(k.ID + ":wrong"), "API key: invalid credentials for API key [" + k.ID + "]"},
		{servertest.B64("nope:" + k.APIKey), "API key: unable to find apikey with id nope"},
		{"not_base64!", "API key: Illegal base64 character 5f"},
	} {
		r := keyCall(t, s, "GET", "/_security/_authenticate", tt.cred, "")
		if r.Status != 401 || !strings.Contains(r.Body, `"additional_unsuccessful_credentials":"`+tt.why+`"`) {
			t.Errorf("%s: %d %s", tt.why, r.Status, r.Body)
		}
	}

	r = s.Call(t, "DELETE", "/_security/api_key", "kim:kim-secret", `{"ids":["`+k.ID+`"]}`)
	if r.Status != 403 {
		t.Errorf("invalidate by id with manage_own_api_key: %d %s", r.Status, r.Body)
	}
	r = s.Call(t, "DELETE", "/_security/api_key", "kim:kim-secret", `{"owner":true}`)
	if r.Status != 200 || !strings.Contains(r.Body, `"invalidated_api_keys":["`+k.ID+`"]`) {
		t.Fatalf("invalidate own: %d %s", r.Status, r.Body)
	}
	r = keyCall(t, s, "GET", "/_security/_authenticate", k.Encoded, "")
	if r.Status != 401 || !strings.Contains(r.Body, "API key: api key ["+k.ID+"] has been invalidated") {
		t.Errorf("an invalidated key: %d %s", r.Status, r.Body)
	}
}

// A key made by a key must ask for no privileges, and then has none.
func TestDerivedAPIKey(t *testing.T) {
	s := servertest.Start(t)
	k := createKey(t, s, servertest.Admin, `{"name":"parent"}`)
	r := keyCall(t, s, "POST", "/_security/api_key", k.Encoded, `{"name":"child"}`)
	if r.Status != 400 || !strings.Contains(r.Body, "creating derived api keys requires an explicit role descriptor that is empty (has no privileges)") {
		t.Errorf("derived without empty descriptors: %d %s", r.Status, r.Body)
	}
	r = keyCall(t, s, "POST", "/_security/api_key", k.Encoded, `{"name":"child","role_descriptors":{"none":{}}}`)
	if r.Status != 200 {
		t.Fatalf("derived: %d %s", r.Status, r.Body)
	}
	var child struct{ Encoded string }
	_ = json.Unmarshal([]byte(r.Body), &child)
	if r := keyCall(t, s, "GET", "/_cluster/health", child.Encoded, ""); r.Status != 403 {
		t.Errorf("a derived key did something: %d %s", r.Status, r.Body)
	}
}

// With API keys off, the header is no credential, the API says so, and
// 401s offer Basic alone.
func TestAPIKeysDisabled(t *testing.T) {
	s := servertest.Start(t, "xpack.security.authc.api_key.enabled=false")
	r := s.Call(t, "POST", "/_security/api_key", servertest.Admin, `{"name":"k"}`)
	if r.Status != 400 || !strings.Contains(r.Body, `"type":"feature_not_enabled_exception","reason":"api keys are not enabled"`) {
		t.Errorf("create while off: %d %s", r.Status, r.Body)
	}
	r = keyCall(t, s, "GET", "/_security/_authenticate", servertest.B64("id:secret"), "")
	if r.Status != 401 || !strings.Contains(r.Body, "missing authentication credentials") || len(r.Header.Values("WWW-Authenticate")) != 1 {
		t.Errorf("an ApiKey header while off: %d %s %q", r.Status, r.Body, r.Header.Values("WWW-Authenticate"))
	}
}

func bearerCall(t *testing.T, s *servertest.Server, method, path, token string) servertest.Reply {
	t.Helper()
	req, _ := http.NewRequest(method, s.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	return s.Do(t, req)
}

// A service token made through the API authenticates as its account,
// with the account's fixed role, until it is deleted.
func TestServiceTokenLifecycle(t *testing.T) {
	s := servertest.Start(t)
	body := s.MustCall(t, 200, "POST", "/_security/service/elastic/fleet-server/credential/token/t1", servertest.Admin, "")
	var created struct {
		Created bool
		Token   struct{ Name, Value string }
	}
	if err := json.Unmarshal([]byte(body), &created); err != nil || !created.Created || created.Token.Name != "t1" {
		t.Fatalf("create: %s", body)
	}
	r := bearerCall(t, s, "GET", "/_security/_authenticate", created.Token.Value)
	want := `{"username":"elastic/fleet-server","roles":[],"full_name":"Service account - elastic/fleet-server","email":null,"metadata":{"_elastic_service_account":true},"enabled":true,"authentication_realm":{"name":"_service_account","type":"_service_account"},"lookup_realm":{"name":"_service_account","type":"_service_account"},"authentication_type":"token","token":{"name":"t1","type":"_service_account_index"}}`
	if r.Status != 200 || r.Body != want {
		t.Fatalf("authenticate: %d %s\nwant %s", r.Status, r.Body, want)
	}
	r = bearerCall(t, s, "GET", "/_security/user", created.Token.Value)
	if want := servertest.ESError("security_exception", "action [cluster:admin/xpack/security/user/get] is unauthorized for user [elastic/fleet-server], this action is granted by the cluster privileges [read_security,manage_security,all]", 403); r.Status != 403 || r.Body != want {
		t.Errorf("beyond the account's role: %d %s\nwant %s", r.Status, r.Body, want)
	}
	if r := bearerCall(t, s, "GET", "/_cluster/health", created.Token.Value); r.Status != 200 {
		t.Errorf("monitor, which fleet-server has: %d %s", r.Status, r.Body)
	}
	if r := s.Call(t, "GET", "/_security/service/elastic/fleet-server/credential", servertest.Admin, ""); r.Status != 200 || !strings.Contains(r.Body, `"tokens":{"t1":{}}`) {
		t.Errorf("credentials: %d %s", r.Status, r.Body)
	}
	s.MustCall(t, 200, "DELETE", "/_security/service/elastic/fleet-server/credential/token/t1", servertest.Admin, "")
	r = bearerCall(t, s, "GET", "/_security/_authenticate", created.Token.Value)
	if r.Status != 401 || !strings.Contains(r.Body, "failed to authenticate service account [elastic/fleet-server] with token name [t1]") {
		t.Errorf("a deleted token: %d %s", r.Status, r.Body)
	}
	// A bearer value that is no service token goes on to the token service.
	if r := bearerCall(t, s, "GET", "/_security/_authenticate", "abc"); r.Status != 401 || !strings.Contains(r.Body, "oauth2 token: invalid token") {
		t.Errorf("another bearer: %d %s", r.Status, r.Body)
	}
}

// The audit log names an API key and its owner, and a service token.
func TestAuditOfKeysAndTokens(t *testing.T) {
	s := servertest.Start(t, "xpack.security.audit.enabled=true", "xpack.security.audit.logfile.events.include=authentication_success",
		"esauth.audit.flush_interval=0")
	k := createKey(t, s, servertest.Admin, `{"name":"audited"}`)
	keyCall(t, s, "GET", "/_security/_authenticate", k.Encoded, "")
	body := s.MustCall(t, 200, "POST", "/_security/service/elastic/kibana/credential/token/audited", servertest.Admin, "")
	var tok struct{ Token struct{ Value string } }
	_ = json.Unmarshal([]byte(body), &tok)
	bearerCall(t, s, "GET", "/_security/_authenticate", tok.Token.Value)
	log := readAudit(t, s)
	for _, want := range []string{
		`"authentication.type":"API_KEY", "user.name":"elastic", "user.realm":"reserved", "apikey.id":"` + k.ID + `", "apikey.name":"audited"`,
		`"authentication.type":"TOKEN", "user.name":"elastic/kibana", "user.realm":"_service_account", "authentication.token.name":"audited", "authentication.token.type":"_service_account_index"`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("audit log lacks %s:\n%s", want, log)
		}
	}
	if strings.Contains(log, k.APIKey) || strings.Contains(log, tok.Token.Value) {
		t.Error("a secret reached the audit log")
	}
}

func readAudit(t *testing.T, s *servertest.Server) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(s.LogsDir, "esauth_audit.json"))
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// Every API key and service token write is a security_config_change
// event that records what it establishes, as LoggingAuditTrail does, and
// never a secret or password.
func TestAuditOfKeyChanges(t *testing.T) {
	s := servertest.Start(t, "xpack.security.audit.enabled=true", "xpack.security.audit.logfile.events.include=security_config_change",
		"esauth.audit.flush_interval=0")
	s.MustCall(t, 200, "PUT", "/_security/user/gus", servertest.Admin, `{"password":"gus-password","roles":["viewer"]}`)
	k := createKey(t, s, servertest.Admin, `{"name":"k1","expiration":"1D","metadata":{"team":"a"},
		"role_descriptors":{"r":{"cluster":["monitor"],"indices":[{"names":["logs-*"],"privileges":["read"]}]}}}`)
	var g struct {
		ID     string `json:"id"`
		APIKey string `json:"api_key"`
	}
	_ = json.Unmarshal([]byte(s.MustCall(t, 200, "POST", "/_security/api_key/grant", servertest.Admin,
		`{"grant_type":"password","username":"gus","password":"gus-password","api_key":{"name":"granted","metadata":{}}}`)), &g)
	s.MustCall(t, 200, "PUT", "/_security/api_key/"+k.ID, servertest.Admin, `{"metadata":{},"expiration":"2h"}`)
	s.MustCall(t, 200, "POST", "/_security/api_key/_bulk_update", servertest.Admin, `{"ids":["`+k.ID+`"],"role_descriptors":{}}`)
	s.MustCall(t, 200, "DELETE", "/_security/api_key", servertest.Admin, `{"ids":["`+k.ID+`"]}`)
	s.MustCall(t, 200, "DELETE", "/_security/api_key", servertest.Admin, `{"username":"gus","realm_name":"default_native"}`)
	s.MustCall(t, 200, "POST", "/_security/service/elastic/fleet-server/credential/token/t1", servertest.Admin, "")
	s.MustCall(t, 200, "DELETE", "/_security/service/elastic/fleet-server/credential/token/t1", servertest.Admin, "")
	log := readAudit(t, s)
	for _, want := range []string{
		`"event.action":"create_apikey"`,
		`"create":{"apikey":{"id":"` + k.ID + `","name":"k1","type":"rest","expiration":"1d","role_descriptors":[{"cluster":["monitor"],"indices":[{"names":["logs-*"],"privileges":["read"]}],"applications":[],"run_as":[]}],"metadata":{"team":"a"}}}`,
		`"create":{"apikey":{"id":"` + g.ID + `","name":"granted","type":"rest","expiration":null,"role_descriptors":[]},"grant":{"type":"password","user":{"name":"gus","has_password":true}}}`,
		`"event.action":"change_apikey"`,
		`"change":{"apikey":{"id":"` + k.ID + `","type":"rest","metadata":{},"expiration":"2h"}}`,
		`"event.action":"change_apikeys"`,
		`"change":{"apikeys":{"ids":["` + k.ID + `"],"type":"rest","role_descriptors":[],"expiration":null}}`,
		`"event.action":"invalidate_apikeys"`,
		`"invalidate":{"apikeys":{"ids":["` + k.ID + `"],"owned_by_authenticated_user":false}}`,
		`"invalidate":{"apikeys":{"owned_by_authenticated_user":false,"user":{"name":"gus","realm":"default_native"}}}`,
		`"event.action":"create_service_token"`,
		`"create":{"service_token":{"namespace":"elastic","service":"fleet-server","name":"t1"}}`,
		`"event.action":"delete_service_token"`,
		`"delete":{"service_token":{"namespace":"elastic","service":"fleet-server","name":"t1"}}`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("audit log lacks %s:\n%s", want, log)
		}
	}
	for _, secret := range []string{k.APIKey, g.APIKey, "gus-password"} {
		if strings.Contains(log, secret) {
			t.Errorf("audit log holds a secret %q", secret)
		}
	}
}

// Wrong API key secrets and bearer tokens count toward no lockout: they
// cannot be used to lock the key's owner, the key itself or the client's
// address out.
func TestKeyFailuresLockNobodyOut(t *testing.T) {
	s := servertest.Start(t, "esauth.security.lockout.max_attempts=2")
	s.MustCall(t, 200, "PUT", "/_security/role/key_maker", servertest.Admin, `{"cluster":["manage_own_api_key"]}`)
	s.MustCall(t, 200, "PUT", "/_security/user/kim", servertest.Admin, `{"password":"kim-secret","roles":["key_maker"]}`)
	k := createKey(t, s, "kim:kim-secret", `{"name":"k1"}`)
	wrong := base64.StdEncoding.EncodeToString([]byte(k.ID + ":" + strings.Repeat("x", 22)))
	for range 10 {
		if r := keyCall(t, s, "GET", "/_security/_authenticate", wrong, ""); r.Status != 401 {
			t.Fatalf("wrong secret: %d %s", r.Status, r.Body)
		}
		if r := bearerCall(t, s, "GET", "/_security/_authenticate", "AAEAAWVsYXN0aWMva2liYW5hL3Rva2VuMTp3cm9uZw"); r.Status != 401 {
			t.Fatalf("wrong bearer: %d %s", r.Status, r.Body)
		}
	}
	if r := keyCall(t, s, "GET", "/_security/_authenticate", k.Encoded, ""); r.Status != 200 {
		t.Errorf("the key after failures: %d %s", r.Status, r.Body)
	}
	if r := s.Call(t, "GET", "/_security/_authenticate", "kim:kim-secret", ""); r.Status != 200 {
		t.Errorf("the owner after failures of the key: %d %s", r.Status, r.Body)
	}
	// The lockout itself is on: two wrong passwords block kim.
	s.Call(t, "GET", "/_security/_authenticate", "kim:wrong", "")
	s.Call(t, "GET", "/_security/_authenticate", "kim:wrong", "")
	if r := s.Call(t, "GET", "/_security/_authenticate", "kim:kim-secret", ""); r.Status != 429 {
		t.Errorf("kim after two wrong passwords: %d, want 429", r.Status)
	}
}

// Three rules of ManageOwnApiKeyClusterPrivilege that Elasticsearch's YAML
// tests check (30_update, 40_view_role_descriptors, 11_invalidation).
func TestManageOwnAPIKeyEdges(t *testing.T) {
	s := servertest.Start(t)
	s.MustCall(t, 200, "PUT", "/_security/role/user_role", servertest.Admin, `{"cluster":["manage_own_api_key"]}`)
	s.MustCall(t, 200, "PUT", "/_security/user/api_key_user_1", servertest.Admin, `{"password":"x-pack-test-password","roles":["user_role"]}`)
	const user = "api_key_user_1:x-pack-test-password"
	k := createKey(t, s, user, `{"name":"k","role_descriptors":{"r":{"cluster":["all"]}}}`)

	// It holds itself, for the user and for the user's key.
	for _, r := range []servertest.Reply{
		s.Call(t, "POST", "/_security/user/_has_privileges", user, `{"cluster":["manage_own_api_key"]}`),
		keyCall(t, s, "POST", "/_security/user/_has_privileges", k.Encoded, `{"cluster":["manage_own_api_key"]}`),
	} {
		if r.Status != 200 || !strings.Contains(r.Body, `"has_all_requested":true`) || !strings.Contains(r.Body, `"cluster":{"manage_own_api_key":true}`) {
			t.Errorf("has_privileges manage_own_api_key: %d %s", r.Status, r.Body)
		}
	}
	// A key reads itself, but not its owner's roles.
	if r := keyCall(t, s, "GET", "/_security/api_key?id="+k.ID, k.Encoded, ""); r.Status != 200 {
		t.Errorf("a key reading itself: %d %s", r.Status, r.Body)
	}
	want := servertest.ESError("security_exception", "action [cluster:admin/xpack/security/api_key/get] is unauthorized for API key id ["+k.ID+"] of user [api_key_user_1], this action is granted by the cluster privileges [read_security,manage_api_key,manage_security,all]", 403)
	if r := keyCall(t, s, "GET", "/_security/api_key?id="+k.ID+"&with_limited_by=true", k.Encoded, ""); r.Status != 403 || r.Body != want {
		t.Errorf("a key reading its limited_by: %d %s\nwant %s", r.Status, r.Body, want)
	}
	// Naming another user's keys, manage_own_api_key is no help, and the
	// refusal does not offer it.
	for _, body := range []string{`{"username":"api_key_manager"}`, `{"realm_name":"default_native"}`} {
		want := servertest.ESError("security_exception", "action [cluster:admin/xpack/security/api_key/invalidate] is unauthorized for user [api_key_user_1] with effective roles [user_role], this action is granted by the cluster privileges [manage_api_key,manage_security,all]", 403)
		if r := s.Call(t, "DELETE", "/_security/api_key", user, body); r.Status != 403 || r.Body != want {
			t.Errorf("invalidate %s: %d %s\nwant %s", body, r.Status, r.Body, want)
		}
	}
	// Its own keys it may invalidate.
	if r := s.Call(t, "DELETE", "/_security/api_key", user, `{"owner":true}`); r.Status != 200 {
		t.Errorf("invalidate own: %d %s", r.Status, r.Body)
	}
}
