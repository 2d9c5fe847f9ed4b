package securityapi_test

import (
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/server/servertest"
)

// TestPutUserValidation checks every put-user rejection: its exact body,
// and that the store is left unchanged.
func TestPutUserValidation(t *testing.T) {
	s := servertest.Start(t)
	s.MustCall(t, 200, "PUT", "/_security/user/jacknich", servertest.Admin,
		`{"password":"l0ng-r4nd0m-p@ssw0rd","roles":["admin"],"full_name":"Jack Nicholson","enabled":true}`)
	before := s.MustCall(t, 200, "GET", "/_security/user", servertest.Admin, "")

	long := strings.Repeat("a", 508)
	tests := []struct {
		name, path, body string
		status           int
		typ, reason      string
	}{
		{"no body", "/_security/user/joe", "", 400, "parse_exception", "request body is required"},
		{"not an object", "/_security/user/joe", `["x"]`, 400, "parse_exception", "expected an object, but found token [START_ARRAY]"},
		{"unknown field", "/_security/user/joe", `{"password":"secret1","roles":[],"foo":1}`, 400, "parse_exception",
			"failed to parse add user request. unexpected field [foo]"},
		{"password type", "/_security/user/joe", `{"password":123456,"roles":[]}`, 400, "parse_exception",
			"expected field [password] to be of type string, but found [VALUE_NUMBER] instead"},
		{"password_hash type", "/_security/user/joe", `{"password_hash":true,"roles":[]}`, 400, "parse_exception",
			"expected field [password_hash] to be of type string, but found [VALUE_BOOLEAN] instead"},
		{"short password", "/_security/user/joe", `{"password":"12345","roles":[]}`, 400, "validation_exception",
			"Validation Failed: 1: passwords must be at least [6] characters long;"},
		{"password then hash", "/_security/user/joe",
			`{"password":"secret1","password_hash":"$2a$04$OLNTeJiq3vjYqTZwgDi62OU5MvzkV3Jqz.KiR3pwgQv70pD6bUsGa","roles":[]}`,
			400, "validation_exception", "Validation Failed: 1: password_hash has already been set;"},
		{"hash then password", "/_security/user/joe",
			`{"password_hash":"$2a$04$OLNTeJiq3vjYqTZwgDi62OU5MvzkV3Jqz.KiR3pwgQv70pD6bUsGa","password":"secret1","roles":[]}`,
			400, "validation_exception", "Validation Failed: 1: password_hash has already been set;"},
		{"plain hash", "/_security/user/joe", `{"password_hash":"not-a-hash","roles":[]}`, 400, "illegal_argument_exception",
			"The provided password hash is not a hash or it could not be resolved to a supported hash algorithm. " +
				"The supported password hash algorithms are [bcrypt, bcrypt4, bcrypt5, bcrypt6, bcrypt7, bcrypt8, bcrypt9, bcrypt10, " +
				"bcrypt11, bcrypt12, bcrypt13, bcrypt14, pbkdf2, pbkdf2_1000, pbkdf2_10000, pbkdf2_50000, pbkdf2_100000, pbkdf2_500000, " +
				"pbkdf2_1000000, pbkdf2_stretch, pbkdf2_stretch_1000, pbkdf2_stretch_10000, pbkdf2_stretch_50000, pbkdf2_stretch_100000, " +
				"pbkdf2_stretch_500000, pbkdf2_stretch_1000000]"},
		{"bcrypt15 hash", "/_security/user/joe", `{"password_hash":"$2a$15$OLNTeJiq3vjYqTZwgDi62OU5MvzkV3Jqz.KiR3pwgQv70pD6bUsGa","roles":[]}`,
			400, "illegal_argument_exception", "unknown hash function [bcrypt15]"},
		{"roles null", "/_security/user/joe", `{"password":"secret1","roles":null}`, 400, "parse_exception",
			"could not parse [roles] field. expected a string array but found null value instead"},
		{"roles number", "/_security/user/joe", `{"password":"secret1","roles":[1]}`, 400, "parse_exception",
			"could not parse [roles] field. expected a string array but one of the value in the array is [VALUE_NUMBER]"},
		{"full_name array", "/_security/user/joe", `{"password":"secret1","roles":[],"full_name":[]}`, 400, "parse_exception",
			"expected field [full_name] to be of type string, but found [START_ARRAY] instead"},
		{"email number", "/_security/user/joe", `{"password":"secret1","roles":[],"email":1}`, 400, "parse_exception",
			"expected field [email] to be of type string, but found [VALUE_NUMBER] instead"},
		{"metadata null", "/_security/user/joe", `{"password":"secret1","roles":[],"metadata":null}`, 400, "parse_exception",
			"expected field [metadata] to be of type object, but found [VALUE_NULL] instead"},
		{"enabled string", "/_security/user/joe", `{"password":"secret1","roles":[],"enabled":"true"}`, 400, "parse_exception",
			"expected field [enabled] to be of type boolean, but found [VALUE_STRING] instead"},
		{"username mismatch", "/_security/user/joe", `{"username":"bob","password":"secret1","roles":[]}`, 400,
			"illegal_argument_exception", "[username] in source does not match the username provided [joe]"},
		{"roles missing", "/_security/user/joe", `{"password":"secret1"}`, 400, "action_request_validation_exception",
			"Validation Failed: 1: roles are missing;"},
		{"roles missing and metadata", "/_security/user/joe", `{"password":"secret1","metadata":{"_x":1}}`, 400,
			"action_request_validation_exception", "Validation Failed: 1: roles are missing;2: metadata keys may not start with [_];"},
		{"new user without password", "/_security/user/joe", `{"roles":[]}`, 400, "validation_exception",
			"Validation Failed: 1: password must be specified unless you are updating an existing user;"},
		{"reserved user", "/_security/user/kibana_system", `{"password":"secret1","roles":[]}`, 400,
			"action_request_validation_exception", "Validation Failed: 1: user [kibana_system] is reserved and only the password can be changed;"},
		{"name too long", "/_security/user/" + long, `{"password":"secret1","roles":[]}`, 400, "action_request_validation_exception",
			"Validation Failed: 1: User names must be at least 1 and no more than 507 characters. They can contain alphanumeric " +
				"characters (a-z, A-Z, 0-9), spaces, punctuation, and printable symbols in the Basic Latin (ASCII) block. " +
				"Leading or trailing whitespace is not allowed.;"},
		{"leading space", "/_security/user/%20joe", `{"password":"secret1","roles":[]}`, 400, "action_request_validation_exception",
			"Validation Failed: 1: User names must be at least 1 and no more than 507 characters. They can contain alphanumeric " +
				"characters (a-z, A-Z, 0-9), spaces, punctuation, and printable symbols in the Basic Latin (ASCII) block. " +
				"Leading or trailing whitespace is not allowed.;"},
		{"bad role name", "/_security/user/joe", `{"password":"secret1","roles":["r\u00e9le"]}`, 400, "action_request_validation_exception",
			"Validation Failed: 1: Role names must be at least 1 and no more than 507 characters. They can contain alphanumeric " +
				"characters (a-z, A-Z, 0-9), spaces, punctuation, and printable symbols in the Basic Latin (ASCII) block. " +
				"Leading or trailing whitespace is not allowed.;"},
		{"self disable", "/_security/user/elastic", `{"roles":[],"enabled":false}`, 400, "action_request_validation_exception",
			"Validation Failed: 1: native and reserved realm users may not update the enabled status of their own account;" +
				"2: user [elastic] is reserved and only the password can be changed;"},
		{"bad refresh", "/_security/user/joe?refresh=now", `{"password":"secret1","roles":[]}`, 400, "illegal_argument_exception",
			"Unknown value for refresh: [now]."},
		{"malformed json", "/_security/user/joe", `{"password":`, 400, "x_content_parse_exception", "[1:13] Unexpected end-of-input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.Call(t, "PUT", tt.path, servertest.Admin, tt.body)
			if r.Status != tt.status || r.Body != servertest.ESError(tt.typ, tt.reason, tt.status) {
				t.Errorf("got %d %s\nwant %d %s", r.Status, r.Body, tt.status, servertest.ESError(tt.typ, tt.reason, tt.status))
			}
		})
	}
	if after := s.MustCall(t, 200, "GET", "/_security/user", servertest.Admin, ""); after != before {
		t.Errorf("rejected requests changed the users:\nbefore %s\nafter  %s", before, after)
	}
}

func TestPutGetDeleteUser(t *testing.T) {
	s := servertest.Start(t)
	got := s.MustCall(t, 200, "PUT", "/_security/user/jacknich?refresh=wait_for", servertest.Admin,
		`{"password":"l0ng-r4nd0m-p@ssw0rd","roles":["admin","other_role1"],"full_name":"Jack Nicholson","email":"jacknich@example.com","metadata":{"intelligence":7,"tags":["a<b"]}}`)
	if got != `{"created":true}` {
		t.Errorf("create: %s", got)
	}
	want := `{"jacknich":{"username":"jacknich","roles":["admin","other_role1"],"full_name":"Jack Nicholson","email":"jacknich@example.com","metadata":{"intelligence":7,"tags":["a<b"]},"enabled":true}}`
	if got := s.MustCall(t, 200, "GET", "/_security/user/jacknich", servertest.Admin, ""); got != want {
		t.Errorf("get:\n got %s\nwant %s", got, want)
	}
	// An update without password keeps the hash and rewrites the rest.
	if got := s.MustCall(t, 200, "POST", "/_security/user/jacknich", servertest.Admin, `{"roles":"a,b","enabled":false}`); got != `{"created":false}` {
		t.Errorf("update: %s", got)
	}
	want = `{"jacknich":{"username":"jacknich","roles":["a","b"],"full_name":null,"email":null,"metadata":{},"enabled":false}}`
	if got := s.MustCall(t, 200, "GET", "/_security/user/jacknich", servertest.Admin, ""); got != want {
		t.Errorf("get after update:\n got %s\nwant %s", got, want)
	}
	// Re-PUT without "enabled" re-enables, as in Elasticsearch (#67533).
	s.MustCall(t, 200, "PUT", "/_security/user/jacknich", servertest.Admin, `{"roles":[]}`)
	s.MustCall(t, 200, "GET", "/_security/_authenticate", "jacknich:l0ng-r4nd0m-p@ssw0rd", "")

	if got := s.MustCall(t, 200, "DELETE", "/_security/user/jacknich?refresh", servertest.Admin, ""); got != `{"found":true}` {
		t.Errorf("delete: %s", got)
	}
	if got := s.MustCall(t, 404, "DELETE", "/_security/user/jacknich", servertest.Admin, ""); got != `{"found":false}` {
		t.Errorf("delete missing: %s", got)
	}
	if got := s.MustCall(t, 404, "GET", "/_security/user/jacknich", servertest.Admin, ""); got != `{}` {
		t.Errorf("get missing: %s", got)
	}
}

func TestGetUsers(t *testing.T) {
	s := servertest.Start(t)
	for _, n := range []string{"b", "a,b", "c/d", "Bob"} {
		s.MustCall(t, 200, "PUT", "/_security/user/"+strings.NewReplacer(",", "%2C", "/", "%2F").Replace(n), servertest.Admin, `{"password":"secret1","roles":[]}`)
	}
	all := s.MustCall(t, 200, "GET", "/_security/user", servertest.Admin, "")
	wantPrefix := `{"elastic":{"username":"elastic","roles":["superuser"],"full_name":null,"email":null,"metadata":{"_reserved":true},"enabled":true},` +
		`"kibana":{"username":"kibana","roles":["kibana_system"],"full_name":null,"email":null,"metadata":{"_reserved":true,"_deprecated":true,"_deprecated_reason":"Please use the [kibana_system] user instead."},"enabled":true},`
	if !strings.HasPrefix(all, wantPrefix) {
		t.Errorf("all users start:\n got %.400s\nwant %s", all, wantPrefix)
	}
	for _, n := range []string{`"kibana_system"`, `"logstash_system"`, `"beats_system"`, `"apm_system"`,
		`"remote_monitoring_user":{"username":"remote_monitoring_user","roles":["remote_monitoring_collector","remote_monitoring_agent"]`,
		`"Bob":`, `"a,b":`, `"b":`, `"c/d":`} {
		if !strings.Contains(all, n) {
			t.Errorf("all users lack %s: %s", n, all)
		}
	}
	tests := []struct{ path, want string }{
		{"/_security/user/b,Bob", `{"b":{"username":"b","roles":[],"full_name":null,"email":null,"metadata":{},"enabled":true},"Bob":{"username":"Bob","roles":[],"full_name":null,"email":null,"metadata":{},"enabled":true}}`},
		// Escaped commas are unescaped before splitting, as the JS client sends arrays.
		{"/_security/user/b%2Cnobody", `{"b":{"username":"b","roles":[],"full_name":null,"email":null,"metadata":{},"enabled":true}}`},
		{"/_security/user/c%2Fd", `{"c/d":{"username":"c/d","roles":[],"full_name":null,"email":null,"metadata":{},"enabled":true}}`},
		{"/_security/user/elastic", `{"elastic":{"username":"elastic","roles":["superuser"],"full_name":null,"email":null,"metadata":{"_reserved":true},"enabled":true}}`},
		{"/_security/user/bob?with_profile_uid=true", `{}`},
	}
	for _, tt := range tests {
		r := s.Call(t, "GET", tt.path, servertest.Admin, "")
		wantStatus := 200
		if tt.want == `{}` {
			wantStatus = 404
		}
		if r.Status != wantStatus || r.Body != tt.want {
			t.Errorf("GET %s: %d %s\nwant %d %s", tt.path, r.Status, r.Body, wantStatus, tt.want)
		}
	}
}

func TestAuthenticate(t *testing.T) {
	s := servertest.Start(t)
	s.MustCall(t, 200, "PUT", "/_security/user/joe", servertest.Admin, `{"password":"joe-secret","roles":["superuser"],"full_name":"Joe","metadata":{"k":"v"}}`)
	tests := []struct{ auth, want string }{
		{"joe:joe-secret", `{"username":"joe","roles":["superuser"],"full_name":"Joe","email":null,"metadata":{"k":"v"},"enabled":true,` +
			`"authentication_realm":{"name":"default_native","type":"native"},"lookup_realm":{"name":"default_native","type":"native"},"authentication_type":"realm"}`},
		{servertest.Admin, `{"username":"elastic","roles":["superuser"],"full_name":null,"email":null,"metadata":{"_reserved":true},"enabled":true,` +
			`"authentication_realm":{"name":"reserved","type":"reserved"},"lookup_realm":{"name":"reserved","type":"reserved"},"authentication_type":"realm"}`},
	}
	for _, tt := range tests {
		r := s.Call(t, "GET", "/_security/_authenticate", tt.auth, "")
		if r.Status != 200 || r.Body != tt.want {
			t.Errorf("%s: %d %s\nwant %s", tt.auth, r.Status, r.Body, tt.want)
		}
		if r.Header.Get("X-elastic-product") != "Elasticsearch" || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("headers: %v", r.Header)
		}
	}
}

func TestChangePassword(t *testing.T) {
	s := servertest.Start(t)
	s.MustCall(t, 200, "PUT", "/_security/user/joe", servertest.Admin, `{"password":"joe-secret","roles":[]}`)
	s.MustCall(t, 200, "PUT", "/_security/user/ann", servertest.Admin, `{"password":"ann-secret","roles":[]}`)

	// A user without privileges changes its own password, both ways.
	if got := s.MustCall(t, 200, "POST", "/_security/user/_password", "joe:joe-secret", `{"password":"joe-second"}`); got != `{}` {
		t.Errorf("self change: %s", got)
	}
	s.MustCall(t, 401, "GET", "/_security/_authenticate", "joe:joe-secret", "")
	s.MustCall(t, 200, "PUT", "/_security/user/joe/_password", "joe:joe-second", `{"password":"joe-third"}`)
	s.MustCall(t, 200, "GET", "/_security/_authenticate", "joe:joe-third", "")

	// ...but not someone else's.
	r := s.Call(t, "PUT", "/_security/user/ann/_password", "joe:joe-third", `{"password":"stolen-pw"}`)
	want := servertest.ESError("security_exception", "action [cluster:admin/xpack/security/user/change_password] is unauthorized for user [joe] with effective roles [], this action is granted by the cluster privileges [manage_security,all]", 403)
	if r.Status != 403 || r.Body != want {
		t.Errorf("other's password: %d %s\nwant %s", r.Status, r.Body, want)
	}

	// A password hash from another algorithm is accepted (8.7+) and works.
	s.MustCall(t, 200, "PUT", "/_security/user/ann/_password", servertest.Admin,
		`{"password_hash":"{PBKDF2}1000$AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=$P2va98nUAXhhu9HVFbF4tMKDEIN94kTRu8jLHSW2u2o="}`)
	s.MustCall(t, 200, "GET", "/_security/_authenticate", "ann:test123", "")

	// A built-in user gets a password and can then log in.
	s.MustCall(t, 401, "GET", "/_security/_authenticate", "kibana_system:kibana-pw", "")
	s.MustCall(t, 200, "POST", "/_security/user/kibana_system/_password", servertest.Admin, `{"password":"kibana-pw"}`)
	s.MustCall(t, 200, "GET", "/_security/_authenticate", "kibana_system:kibana-pw", "")

	tests := []struct{ path, body, typ, reason string }{
		{"/_security/user/nobody/_password", `{"password":"secret1"}`, "validation_exception", "Validation Failed: 1: user must exist in order to change password;"},
		{"/_security/user/joe/_password", `{}`, "action_request_validation_exception", "Validation Failed: 1: password is missing;"},
		{"/_security/user/joe/_password", ``, "parse_exception", "request body is required"},
		{"/_security/user/joe/_password", `{"passwd":"secret1"}`, "parse_exception", "failed to parse change password request. unexpected field [passwd]"},
		{"/_security/user/joe/_password", `{"password":"short"}`, "validation_exception", "Validation Failed: 1: passwords must be at least [6] characters long;"},
		{"/_security/user/joe/_password?refresh=maybe", `{"password":"secret1"}`, "illegal_argument_exception", "Unknown value for refresh: [maybe]."},
	}
	for _, tt := range tests {
		r := s.Call(t, "POST", tt.path, servertest.Admin, tt.body)
		if r.Status != 400 || r.Body != servertest.ESError(tt.typ, tt.reason, 400) {
			t.Errorf("POST %s %s: %d %s\nwant %s", tt.path, tt.body, r.Status, r.Body, servertest.ESError(tt.typ, tt.reason, 400))
		}
	}
}

func TestEnableDisable(t *testing.T) {
	s := servertest.Start(t)
	s.MustCall(t, 200, "PUT", "/_security/user/joe", servertest.Admin, `{"password":"joe-secret","roles":["superuser"]}`)
	if got := s.MustCall(t, 200, "PUT", "/_security/user/joe/_disable", servertest.Admin, ""); got != `{}` {
		t.Errorf("disable: %s", got)
	}
	s.MustCall(t, 401, "GET", "/_security/_authenticate", "joe:joe-secret", "")
	s.MustCall(t, 200, "PUT", "/_security/user/joe/_disable", servertest.Admin, "") // idempotent
	s.MustCall(t, 200, "POST", "/_security/user/joe/_enable", servertest.Admin, "")
	s.MustCall(t, 200, "GET", "/_security/_authenticate", "joe:joe-secret", "")

	// Built-in users can be disabled; their GET shows it.
	s.MustCall(t, 200, "PUT", "/_security/user/kibana_system/_disable", servertest.Admin, "")
	if got := s.MustCall(t, 200, "GET", "/_security/user/kibana_system", servertest.Admin, ""); !strings.Contains(got, `"enabled":false`) {
		t.Errorf("kibana_system after disable: %s", got)
	}

	tests := []struct {
		path, auth  string
		status      int
		typ, reason string
	}{
		{"/_security/user/elastic/_disable", servertest.Admin, 400, "illegal_argument_exception", "users may not update the enabled status of their own account"},
		{"/_security/user/joe/_disable", "joe:joe-secret", 400, "illegal_argument_exception", "users may not update the enabled status of their own account"},
		{"/_security/user/nobody/_enable", servertest.Admin, 400, "validation_exception", "Validation Failed: 1: only existing users can be enabled;"},
		{"/_security/user/nobody/_disable", servertest.Admin, 400, "validation_exception", "Validation Failed: 1: only existing users can be disabled;"},
		{"/_security/user/_system/_disable", servertest.Admin, 400, "illegal_argument_exception", "user [_system] is internal"},
		// Elasticsearch's handler reads no parameters (#42464).
		{"/_security/user/joe/_disable?refresh=true", servertest.Admin, 400, "illegal_argument_exception",
			"request [/_security/user/joe/_disable] contains unrecognized parameter: [refresh]"},
	}
	for _, tt := range tests {
		r := s.Call(t, "PUT", tt.path, tt.auth, "")
		if r.Status != tt.status || r.Body != servertest.ESError(tt.typ, tt.reason, tt.status) {
			t.Errorf("PUT %s: %d %s\nwant %s", tt.path, r.Status, r.Body, servertest.ESError(tt.typ, tt.reason, tt.status))
		}
	}
}

func TestDeleteRules(t *testing.T) {
	s := servertest.Start(t)
	tests := []struct{ path, reason string }{
		{"/_security/user/elastic", "user [elastic] is reserved and cannot be deleted"},
		{"/_security/user/remote_monitoring_user", "user [remote_monitoring_user] is reserved and cannot be deleted"},
		{"/_security/user/_xpack", "user [_xpack] is internal"},
	}
	for _, tt := range tests {
		r := s.Call(t, "DELETE", tt.path, servertest.Admin, "")
		if r.Status != 400 || r.Body != servertest.ESError("illegal_argument_exception", tt.reason, 400) {
			t.Errorf("DELETE %s: %d %s", tt.path, r.Status, r.Body)
		}
	}
}

func TestAuthorization(t *testing.T) {
	s := servertest.Start(t)
	s.MustCall(t, 200, "PUT", "/_security/user/mon", servertest.Admin, `{"password":"mon-secret","roles":["remote_monitoring_collector","ghost"]}`)
	s.MustCall(t, 200, "PUT", "/_security/user/none", servertest.Admin, `{"password":"none-secret","roles":[]}`)
	tests := []struct {
		method, path, auth, body string
		status                   int
		reason                   string
	}{
		{"GET", "/_cluster/health", "mon:mon-secret", "", 200, ""},
		{"GET", "/", "mon:mon-secret", "", 200, ""},
		{"PUT", "/_security/user/x", "mon:mon-secret", `{"password":"secret1","roles":[]}`, 403,
			"action [cluster:admin/xpack/security/user/put] is unauthorized for user [mon] with effective roles [remote_monitoring_collector] (assigned roles [ghost] were not found), this action is granted by the cluster privileges [manage_security,all]"},
		{"GET", "/_security/user", "mon:mon-secret", "", 403,
			"action [cluster:admin/xpack/security/user/get] is unauthorized for user [mon] with effective roles [remote_monitoring_collector] (assigned roles [ghost] were not found), this action is granted by the cluster privileges [read_security,manage_security,all]"},
		{"GET", "/_cluster/health", "none:none-secret", "", 403,
			"action [cluster:monitor/health] is unauthorized for user [none] with effective roles [], this action is granted by the cluster privileges [monitor,manage,all]"},
		{"GET", "/", "none:none-secret", "", 403,
			"action [cluster:monitor/main] is unauthorized for user [none] with effective roles [], this action is granted by the cluster privileges [monitor,manage,all]"},
		{"GET", "/_security/_authenticate", "none:none-secret", "", 200, ""},
		{"PUT", "/_security/user/none/_disable", "none:none-secret", "", 403,
			"action [cluster:admin/xpack/security/user/set_enabled] is unauthorized for user [none] with effective roles [], this action is granted by the cluster privileges [manage_security,all]"},
		{"DELETE", "/_security/user/mon", "none:none-secret", "", 403,
			"action [cluster:admin/xpack/security/user/delete] is unauthorized for user [none] with effective roles [], this action is granted by the cluster privileges [manage_security,all]"},
	}
	for _, tt := range tests {
		r := s.Call(t, tt.method, tt.path, tt.auth, tt.body)
		if r.Status != tt.status || (tt.reason != "" && r.Body != servertest.ESError("security_exception", tt.reason, 403)) {
			t.Errorf("%s %s as %s: %d %s\nwant %d %s", tt.method, tt.path, tt.auth, r.Status, r.Body, tt.status, tt.reason)
		}
	}
}
