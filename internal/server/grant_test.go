package server_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/server/servertest"
)

// grantSetup is 12_grant.yml's: a granter who may only grant, a target
// user, and a user who may run as the target.
func grantSetup(t *testing.T) *servertest.Server {
	t.Helper()
	s := servertest.Start(t)
	for _, r := range [][2]string{
		{"api_key_granter_role", `{"cluster":["grant_api_key"]}`},
		{"api_key_grant_target_role", `{"cluster":["manage_token"],"indices":[{"names":"index","privileges":["all"]}]}`},
		{"api_key_grant_runas_role", `{"run_as":["api_key_grant_target_user"]}`},
	} {
		s.MustCall(t, 200, "PUT", "/_security/role/"+r[0], servertest.Admin, r[1])
	}
	for _, u := range [][3]string{
		{"api_key_granter", "x-pack-test-password", "api_key_granter_role"},
		{"api_key_grant_target_user", "x-pack-test-password-2", "api_key_grant_target_role"},
		{"api_key_grant_runas_user", "x-pack-test-password-3", "api_key_grant_runas_role"},
	} {
		s.MustCall(t, 200, "PUT", "/_security/user/"+u[0], servertest.Admin, `{"password":"`+u[1]+`","roles":["`+u[2]+`"]}`)
	}
	return s
}

const granter = "api_key_granter:x-pack-test-password"

// A granted key belongs to the user whose credentials the body carries,
// limited by that user's roles, not the granter's.
func TestGrantAPIKeyWithPassword(t *testing.T) {
	s := grantSetup(t)
	for _, method := range []string{"POST", "PUT"} {
		body := s.MustCall(t, 200, method, "/_security/api_key/grant", granter, `{"api_key":{"name":"my-api-key","expiration":"1d",
			"role_descriptors":{"role":{"index":[{"names":["index"],"privileges":["read"]}]}}},
			"grant_type":"password","username":"api_key_grant_target_user","password":"x-pack-test-password-2"}`)
		var c struct{ ID, Name, Encoded, Expiration any }
		if err := json.Unmarshal([]byte(body), &c); err != nil || c.Name != "my-api-key" || c.Expiration == nil {
			t.Fatalf("%s grant: %s", method, body)
		}
		r := keyCall(t, s, "GET", "/_security/_authenticate", c.Encoded.(string), "")
		want := `"username":"api_key_grant_target_user","roles":[]`
		if r.Status != 200 || !strings.Contains(r.Body, want) || !strings.Contains(r.Body, `"api_key":{"id":"`+c.ID.(string)+`","name":"my-api-key"}`) {
			t.Errorf("%s authenticate with the granted key: %d %s", method, r.Status, r.Body)
		}
		// Limited by the target's roles: manage_token, but nothing of
		// the granter's grant_api_key.
		keys := s.MustCall(t, 200, "GET", "/_security/api_key?id="+c.ID.(string)+"&with_limited_by=true", servertest.Admin, "")
		if !strings.Contains(keys, `"limited_by":[{"api_key_grant_target_role":`) || !strings.Contains(keys, `"realm":"default_native"`) {
			t.Errorf("%s granted key: %s", method, keys)
		}
	}
}

func TestGrantAPIKeyWithRunAs(t *testing.T) {
	s := grantSetup(t)
	body := s.MustCall(t, 200, "POST", "/_security/api_key/grant", granter, `{"api_key":{"name":"my-api-key-with-password-runas"},
		"grant_type":"password","username":"api_key_grant_runas_user","password":"x-pack-test-password-3","run_as":"api_key_grant_target_user"}`)
	var c struct{ Encoded string }
	_ = json.Unmarshal([]byte(body), &c)
	r := keyCall(t, s, "GET", "/_security/_authenticate", c.Encoded, "")
	if r.Status != 200 || !strings.Contains(r.Body, `"username":"api_key_grant_target_user"`) {
		t.Errorf("authenticate with the run-as key: %d %s", r.Status, r.Body)
	}
	// The target may not run as the granter.
	r = s.Call(t, "POST", "/_security/api_key/grant", granter, `{"api_key":{"name":"k"},
		"grant_type":"password","username":"api_key_grant_target_user","password":"x-pack-test-password-2","run_as":"api_key_granter"}`)
	want := servertest.ESError("security_exception", "action [cluster:admin/xpack/security/user/authenticate] is unauthorized for user [api_key_grant_target_user] with effective roles [api_key_grant_target_role], because user [api_key_grant_target_user] is unauthorized to run as [api_key_granter]", 403)
	if r.Status != 403 || r.Body != want {
		t.Errorf("run as without the privilege: %d %s\nwant %s", r.Status, r.Body, want)
	}
}

func TestGrantAPIKeyRefusals(t *testing.T) {
	s := grantSetup(t)
	const target = "api_key_grant_target_user:x-pack-test-password-2"
	denied := servertest.ESError("security_exception", "action [cluster:admin/xpack/security/api_key/grant] is unauthorized for user [api_key_grant_target_user] with effective roles [api_key_grant_target_role], this action is granted by the cluster privileges [grant_api_key,manage_api_key,manage_security,all]", 403)
	if r := s.Call(t, "POST", "/_security/api_key/grant", target, `{"api_key":{"name":"k"},"grant_type":"password","username":"api_key_granter","password":"x-pack-test-password"}`); r.Status != 403 || r.Body != denied {
		t.Errorf("without grant_api_key: %d %s\nwant %s", r.Status, r.Body, denied)
	}
	// manage_own_api_key creates keys but grants none, not even to itself.
	s.MustCall(t, 200, "PUT", "/_security/role/api_key_grant_target_role", servertest.Admin, `{"cluster":["manage_own_api_key"],"indices":[{"names":"index","privileges":["all"]}]}`)
	createKey(t, s, target, `{"name":"my-api-key"}`)
	if r := s.Call(t, "POST", "/_security/api_key/grant", target, `{"api_key":{"name":"k"},"grant_type":"password","username":"api_key_grant_target_user","password":"x-pack-test-password-2"}`); r.Status != 403 || r.Body != denied {
		t.Errorf("manage_own_api_key granting to itself: %d %s\nwant %s", r.Status, r.Body, denied)
	}

	// Wrong credentials in the body: a 403 for the caller, who did
	// authenticate, with the 401 as its cause.
	r := s.Call(t, "POST", "/_security/api_key/grant", granter, `{"api_key":{"name":"k"},"grant_type":"password","username":"api_key_grant_target_user","password":"wrong-password"}`)
	if r.Status != 403 || !strings.Contains(r.Body, `"reason":"Failed to authenticate api key grant","caused_by":{"type":"security_exception","reason":"unable to authenticate user [api_key_grant_target_user]`) {
		t.Errorf("wrong password: %d %s", r.Status, r.Body)
	}
	if strings.Contains(r.Body, "wrong-password") || r.Header.Get("WWW-Authenticate") != "" {
		t.Errorf("the refusal shows the password or asks for credentials: %v %s", r.Header, r.Body)
	}
	r = s.Call(t, "POST", "/_security/api_key/grant", granter, `{"api_key":{"name":"k"},"grant_type":"access_token","access_token":"not-a-token","client_authentication":{"scheme":"SharedSecret","value":"whatever"}}`)
	if want := servertest.ESError("security_exception", "[client_authentication] not supported with the supplied access_token type", 400); r.Status != 400 || r.Body != want {
		t.Errorf("client authentication: %d %s\nwant %s", r.Status, r.Body, want)
	}
	// Nothing was created by any refusal.
	if keys := s.MustCall(t, 200, "GET", "/_security/api_key?name=k", servertest.Admin, ""); keys != `{"api_keys":[]}` {
		t.Errorf("a refused grant created a key: %s", keys)
	}
}
