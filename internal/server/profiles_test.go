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

// joeUID is joe's first profile uid: "u_", the unpadded base64url SHA-256
// of "joe", "_0".
const joeUID = "u_eGdcwXYIE3LEOrqz6p-3DHQ4HrAtxuk_ttRNFh2m7rM_0"

var lastSync = regexp.MustCompile(`"last_synchronized":\d+`)

// stable replaces the activation time, which tests cannot know.
func stable(body string) string { return lastSync.ReplaceAllString(body, `"last_synchronized":0`) }

const activateJoe = `{"grant_type":"password","username":"joe","password":"joe-secret"}`

func profileFixture(t *testing.T, s *servertest.Server) {
	t.Helper()
	s.MustCall(t, 200, "PUT", "/_security/role/r_index1", servertest.Admin, `{"indices":[{"names":["index1*"],"privileges":["all"]},{"names":["index2*"],"privileges":["read"]}]}`)
	s.MustCall(t, 200, "PUT", "/_security/role/r_monitor", servertest.Admin, `{"cluster":["monitor"]}`)
	s.MustCall(t, 200, "PUT", "/_security/role/r_read_security", servertest.Admin, `{"cluster":["read_security"]}`)
	s.MustCall(t, 200, "PUT", "/_security/role/r_profiles", servertest.Admin, `{"cluster":["manage_user_profile"]}`)
	s.MustCall(t, 200, "PUT", "/_security/user/joe", servertest.Admin,
		`{"password":"joe-secret","roles":["r_index1"],"full_name":"Bazooka Joe","email":"joe@bazooka.gum"}`)
	s.MustCall(t, 200, "PUT", "/_security/user/mon", servertest.Admin, `{"password":"mon-secret","roles":["r_monitor"]}`)
	s.MustCall(t, 200, "PUT", "/_security/user/reader", servertest.Admin, `{"password":"reader-secret","roles":["r_read_security"]}`)
	s.MustCall(t, 200, "PUT", "/_security/user/kib", servertest.Admin, `{"password":"kib-secret","roles":["r_profiles"]}`)
}

// shardError is Elasticsearch's body for an exception of the profile
// index's shard.
func shardError(typ, reason string, status int) string {
	e := `{"type":"` + typ + `","reason":"` + reason + `","index_uuid":"_na_","shard":"0","index":".security-profile-8"}`
	return `{"error":{"root_cause":[` + e + `],` + e[1:len(e)-1] + `},"status":` + itoa(status) + `}`
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// The whole life of a profile through the production assembly: activate
// (created, then found again), get with and without data, data updates
// under compare-and-set, disable and enable, and what each answer says.
func TestProfileLifecycle(t *testing.T) {
	s := servertest.Start(t)
	profileFixture(t, s)

	joeProfile := `{"uid":"` + joeUID + `","enabled":true,"last_synchronized":0,"user":{"username":"joe","roles":["r_index1"],"realm_name":"default_native","email":"joe@bazooka.gum","full_name":"Bazooka Joe"},"labels":{},"data":{},"_doc":{"_primary_term":1,"_seq_no":0}}`
	r := s.Call(t, "POST", "/_security/profile/_activate", "kib:kib-secret", activateJoe)
	if r.Status != 200 || stable(r.Body) != joeProfile {
		t.Fatalf("activate: %d %s\nwant %s", r.Status, r.Body, joeProfile)
	}
	// Activating again finds the same profile and, within 30 seconds and
	// with nothing changed, writes nothing.
	if r := s.Call(t, "POST", "/_security/profile/_activate", "kib:kib-secret", activateJoe); r.Status != 200 || stable(r.Body) != joeProfile {
		t.Fatalf("activate again: %d %s", r.Status, r.Body)
	}
	r = s.Call(t, "GET", "/_security/profile/"+joeUID, "kib:kib-secret", "")
	if want := `{"profiles":[` + joeProfile + `]}`; r.Status != 200 || stable(r.Body) != want {
		t.Fatalf("get: %d %s\nwant %s", r.Status, r.Body, want)
	}
	// Missing uids are errors beside the profiles found, in uid order.
	r = s.Call(t, "GET", "/_security/profile/zz_nope,"+joeUID+",aa_nope", "kib:kib-secret", "")
	nf := `{"type":"resource_not_found_exception","reason":"profile document not found"}`
	if want := `{"profiles":[` + joeProfile + `],"errors":{"count":2,"details":{"aa_nope":` + nf + `,"zz_nope":` + nf + `}}}`; r.Status != 200 || stable(r.Body) != want {
		t.Errorf("get with missing: %d %s\nwant %s", r.Status, r.Body, want)
	}
	if r := s.Call(t, "GET", "/_security/profile/nope", "kib:kib-secret", ""); r.Status != 200 || r.Body != `{"profiles":[],"errors":{"count":1,"details":{"nope":`+nf+`}}}` {
		t.Errorf("get missing: %d %s", r.Status, r.Body)
	}

	// Data: merged into what is there; labels likewise.
	data := "/_security/profile/" + joeUID + "/_data"
	for _, body := range []string{
		`{"labels":{"kibana":{"spaces":"demo"}},"data":{"app1":{"theme":"default"},"app2":{"theme":"dark"}}}`,
		`{"data":{"app1":{"font":"mono"}}}`,
	} {
		if r := s.Call(t, "POST", data, "kib:kib-secret", body); r.Status != 200 || r.Body != `{"acknowledged":true}` {
			t.Fatalf("update %s: %d %s", body, r.Status, r.Body)
		}
	}
	withData := func(query string) string {
		return stable(s.MustCall(t, 200, "GET", "/_security/profile/"+joeUID+query, "kib:kib-secret", ""))
	}
	if got, want := withData("?data=app1"), `"labels":{"kibana":{"spaces":"demo"}},"data":{"app1":{"theme":"default","font":"mono"}},"_doc":{"_primary_term":1,"_seq_no":2}}]}`; !strings.HasSuffix(got, want) {
		t.Errorf("data=app1: %s\nwant suffix %s", got, want)
	}
	if got, want := withData("?data=*"), `"data":{"app1":{"theme":"default","font":"mono"},"app2":{"theme":"dark"}}`; !strings.Contains(got, want) {
		t.Errorf("data=*: %s", got)
	}
	if got := withData(""); !strings.Contains(got, `"data":{}`) {
		t.Errorf("no data asked: %s", got)
	}

	// Compare-and-set: the current pair passes, a stale one is a 409.
	s.MustCall(t, 200, "PUT", data+"?if_seq_no=2&if_primary_term=1", "kib:kib-secret", `{"data":{"app2":{"theme":"light"}}}`)
	r = s.Call(t, "PUT", data+"?if_seq_no=2&if_primary_term=1", "kib:kib-secret", `{"data":{"app2":{"theme":"blue"}}}`)
	if want := shardError("version_conflict_engine_exception", "[profile_"+joeUID+"]: version conflict, required seqNo [2], primary term [1]. current document has seqNo [3] and primary term [1]", 409); r.Status != 409 || r.Body != want {
		t.Errorf("stale seq_no: %d %s\nwant %s", r.Status, r.Body, want)
	}
	r = s.Call(t, "PUT", data+"?if_seq_no=3", "kib:kib-secret", `{"data":{"app2":{"theme":"blue"}}}`)
	if want := servertest.ESError("action_request_validation_exception", "Validation Failed: 1: ifSeqNo is set, but primary term is [0];", 400); r.Status != 400 || r.Body != want {
		t.Errorf("seq_no alone: %d %s", r.Status, r.Body)
	}
	r = s.Call(t, "PUT", "/_security/profile/u_nope_0/_data", "kib:kib-secret", `{"data":{"a":1}}`)
	if want := shardError("document_missing_exception", "[profile_u_nope_0]: document missing", 404); r.Status != 404 || r.Body != want {
		t.Errorf("update missing: %d %s", r.Status, r.Body)
	}

	// Disable: shown, not suggested, left out of has_privileges; an
	// activation enables it again and keeps the data.
	s.MustCall(t, 200, "PUT", "/_security/profile/"+joeUID+"/_disable", "kib:kib-secret", "")
	if got := withData(""); !strings.Contains(got, `"enabled":false`) || !strings.Contains(got, `"_seq_no":4`) {
		t.Errorf("after disable: %s", got)
	}
	if r := s.Call(t, "POST", "/_security/profile/_suggest", "kib:kib-secret", `{"name":"joe"}`); !strings.Contains(r.Body, `"total":{"value":0,"relation":"eq"},"profiles":[]}`) {
		t.Errorf("suggest a disabled profile: %s", r.Body)
	}
	hp := `{"uids":["` + joeUID + `"],"privileges":{"index":[{"names":["index1*"],"privileges":["read"]}]}}`
	if r := s.Call(t, "POST", "/_security/profile/_has_privileges", "kib:kib-secret", hp); r.Body != `{"has_privilege_uids":[]}` {
		t.Errorf("has_privileges of a disabled profile: %s", r.Body)
	}
	s.MustCall(t, 200, "POST", "/_security/profile/"+joeUID+"/_enable", "kib:kib-secret", "")
	s.MustCall(t, 200, "POST", "/_security/profile/"+joeUID+"/_disable", "kib:kib-secret", "")
	s.MustCall(t, 200, "POST", "/_security/profile/_activate", "kib:kib-secret", activateJoe)
	if got := withData("?data=app2"); !strings.Contains(got, `"enabled":true`) || !strings.Contains(got, `"data":{"app2":{"theme":"light"}}`) {
		t.Errorf("re-activated: %s", got)
	}
	if r := s.Call(t, "POST", "/_security/profile/_has_privileges", "kib:kib-secret", hp); r.Body != `{"has_privilege_uids":["`+joeUID+`"]}` {
		t.Errorf("has_privileges once enabled: %s", r.Body)
	}
	r = s.Call(t, "GET", "/_security/profile/_suggest?data=app1", "kib:kib-secret", `{"name":"bazoo"}`)
	if want := `"total":{"value":1,"relation":"eq"},"profiles":[{"uid":"` + joeUID + `","user":{"username":"joe","roles":["r_index1"],"realm_name":"default_native","email":"joe@bazooka.gum","full_name":"Bazooka Joe"},"labels":{"kibana":{"spaces":"demo"}},"data":{"app1":{"theme":"default","font":"mono"}}}]}`; r.Status != 200 || !strings.HasSuffix(r.Body, want) || !strings.HasPrefix(r.Body, `{"took":`) {
		t.Errorf("suggest: %d %s\nwant suffix %s", r.Status, r.Body, want)
	}

	// A deleted user's profile stays as it was, as in Elasticsearch
	// (TransportDeleteUserAction does not touch profiles); a user created
	// again under the name finds it.
	s.MustCall(t, 200, "DELETE", "/_security/user/joe", servertest.Admin, "")
	if got := withData(""); !strings.Contains(got, `"enabled":true`) {
		t.Errorf("after the user's deletion: %s", got)
	}
	s.MustCall(t, 200, "PUT", "/_security/user/joe", servertest.Admin, `{"password":"joe-secret","roles":["r_monitor"]}`)
	r = s.Call(t, "POST", "/_security/profile/_activate", "kib:kib-secret", activateJoe)
	if !strings.Contains(r.Body, `"uid":"`+joeUID+`"`) || !strings.Contains(r.Body, `"roles":["r_monitor"],"realm_name":"default_native"}`) {
		t.Errorf("activated after re-creation: %s", r.Body)
	}
}

// The grant is authenticated as a request's own credentials would be:
// wrong ones are a 401 worded for the action, they count towards the
// lockout, and the audit log records them; only users have profiles.
func TestProfileActivationAuthentication(t *testing.T) {
	s := servertest.Start(t, "xpack.security.audit.enabled=true", "esauth.audit.flush_interval=0",
		"xpack.security.audit.logfile.events.include=authentication_failed,authentication_success")
	profileFixture(t, s)

	r := s.Call(t, "POST", "/_security/profile/_activate", "kib:kib-secret", `{"grant_type":"password","username":"joe","password":"wrong-secret"}`)
	if want := `{"error":{"root_cause":[{"type":"security_exception","reason":"unable to authenticate user [joe] for action [cluster:admin/xpack/security/profile/activate]","header":{"WWW-Authenticate":["Basic realm=\"security\", charset=\"UTF-8\"","ApiKey"]}}],"type":"security_exception","reason":"unable to authenticate user [joe] for action [cluster:admin/xpack/security/profile/activate]","header":{"WWW-Authenticate":["Basic realm=\"security\", charset=\"UTF-8\"","ApiKey"]}},"status":401}`; r.Status != 401 || r.Body != want {
		t.Errorf("wrong password: %d %s\nwant %s", r.Status, r.Body, want)
	}
	if log := readAudit(t, s); !strings.Contains(log, `"event.action":"authentication_failed"`) || !strings.Contains(log, `"user.name":"joe"`) {
		t.Errorf("the failed grant is not audited:\n%s", log)
	}
	// Four more failures lock joe out (max_attempts 5), for his own
	// logins too.
	for range 4 {
		s.Call(t, "POST", "/_security/profile/_activate", "kib:kib-secret", `{"grant_type":"password","username":"joe","password":"wrong-secret"}`)
	}
	if r := s.Call(t, "GET", "/_security/_authenticate", "joe:joe-secret", ""); r.Status != http.StatusTooManyRequests {
		t.Errorf("joe after five failed grants: %d %s", r.Status, r.Body)
	}
	if r := s.Call(t, "POST", "/_security/profile/_activate", "kib:kib-secret", activateJoe); r.Status != http.StatusTooManyRequests {
		t.Errorf("grant while locked out: %d %s", r.Status, r.Body)
	}

	// access_token: a Bearer credential through the same authenticator. A
	// service account's token proves no user (ProfileService.activateProfile).
	body := s.MustCall(t, 200, "POST", "/_security/service/elastic/fleet-server/credential/token/t1", servertest.Admin, "")
	var tok struct{ Token struct{ Value string } }
	_ = json.Unmarshal([]byte(body), &tok)
	r = s.Call(t, "POST", "/_security/profile/_activate", "kib:kib-secret", `{"grant_type":"access_token","access_token":"`+tok.Token.Value+`"}`)
	if want := servertest.ESError("illegal_argument_exception", "profile is supported for user only, but subject is a [service_account]", 400); r.Status != 400 || r.Body != want {
		t.Errorf("service token: %d %s\nwant %s", r.Status, r.Body, want)
	}
	r = s.Call(t, "POST", "/_security/profile/_activate", "kib:kib-secret", `{"grant_type":"access_token","access_token":"not-a-token"}`)
	if r.Status != 401 || !strings.Contains(r.Body, `"type":"security_exception","reason":"unable to authenticate`) {
		t.Errorf("unknown bearer: %d %s", r.Status, r.Body)
	}
	if log := readAudit(t, s); !strings.Contains(log, `"user.name":"elastic/fleet-server"`) {
		t.Errorf("the service token grant is not audited:\n%s", log)
	}
}

// Validation and parsing answers of every endpoint, before authorization.
func TestProfileValidation(t *testing.T) {
	s := servertest.Start(t)
	profileFixture(t, s)
	val := func(msgs ...string) string {
		var b strings.Builder
		for i, m := range msgs {
			b.WriteString(itoa(i+1) + ": " + m + ";")
		}
		return servertest.ESError("action_request_validation_exception", "Validation Failed: "+b.String(), 400)
	}
	for _, tt := range []struct {
		method, path, body string
		status             int
		want               string
	}{
		{"POST", "/_security/profile/_activate", "", 400, servertest.ESError("parse_exception", "request body is required", 400)},
		{"POST", "/_security/profile/_activate", `{}`, 400, val("[grant_type] is required")},
		{"POST", "/_security/profile/_activate", `{"grant_type":"password","username":"joe"}`, 400, val("[password] is required for grant_type [password]")},
		{"POST", "/_security/profile/_activate", `{"grant_type":"access_token","password":"x"}`, 400,
			val("[access_token] is required for grant_type [access_token]", "[password] is not supported for grant_type [access_token]")},
		{"POST", "/_security/profile/_activate", `{"grant_type":"password","run_as":"x"}`, 400,
			servertest.ESError("x_content_parse_exception", "[1:26] [activate_profile_request] unknown field [run_as]", 400)},
		{"GET", "/_security/profile/a,,b", "", 400, val("Profile UID cannot be empty")},
		{"GET", "/_security/profile/a?datum=x", "", 400, servertest.ESError("illegal_argument_exception", "request [/_security/profile/a] contains unrecognized parameter: [datum] -> did you mean [data]?", 400)},
		{"PUT", "/_security/profile/u_1/_data", `{"data":{}}`, 400, val("update request is empty")},
		{"PUT", "/_security/profile/u_1/_data", `{"data":{"a.b":{},"_c":{}}}`, 400,
			val("application name must not contain dot, but found [a.b]", "application name must not start with underscore, but found [_c]")},
		{"PUT", "/_security/profile/u_1/_data?if_seq_no=x", `{"data":{"a":{}}}`, 400,
			// esauth's error bodies name the deepest cause as root cause,
			// where Elasticsearch stops at the first exception of its own.
			`{"error":{"root_cause":[{"type":"number_format_exception","reason":"For input string: \"x\""}],"type":"illegal_argument_exception","reason":"Failed to parse long parameter [if_seq_no] with value [x]","caused_by":{"type":"number_format_exception","reason":"For input string: \"x\""}},"status":400}`},
		{"PUT", "/_security/profile/u_1/_data?refresh=maybe", `{"data":{"a":{}}}`, 400, servertest.ESError("illegal_argument_exception", "Unknown value for refresh: [maybe].", 400)},
		{"PUT", "/_security/profile/u_1/_enable", `{"a":1}`, 400, servertest.ESError("illegal_argument_exception", "request [PUT /_security/profile/u_1/_enable] does not support having a body", 400)},
		{"POST", "/_security/profile/u_1/_disable", "", 404, shardError("document_missing_exception", "[profile_u_1]: document missing", 404)},
		{"POST", "/_security/profile/_suggest", `{"size":-2,"hint":{"uids":[]}}`, 400, val("[size] parameter cannot be negative but was [-2]", "[uids] hint cannot be empty")},
		{"POST", "/_security/profile/_suggest?data=a", `{"data":"b"}`, 400,
			servertest.ESError("illegal_argument_exception", "The [data] parameter must be specified in either request body or as query parameter, but not both", 400)},
		{"POST", "/_security/profile/_has_privileges", "", 400, servertest.ESError("parse_exception", "request body or source parameter is required", 400)},
		{"POST", "/_security/profile/_has_privileges", `{"uids":[],"privileges":{}}`, 400, val("profile uids list must not be empty", "must specify at least one privilege")},
		{"POST", "/_security/profile/_has_privileges", `{"uids":["a"]}`, 400, servertest.ESError("illegal_argument_exception", "Required [privileges]", 400)},
		{"POST", "/_security/profile/_has_privileges", `{"uids":["a"],"privileges":{"index":[{"names":["x"]}]}}`, 400,
			servertest.ESError("parse_exception", "failed to parse indices privileges for role [profile_has_privileges_request]. missing required [privileges] field", 400)},
		{"POST", "/_security/profile/_has_privileges", `{"uids":["a"],"privileges":{"clusters":[]}}`, 400,
			servertest.ESError("parse_exception", "failed to parse privileges check [profile_has_privileges_request]. unexpected field [clusters]", 400)},
	} {
		r := s.Call(t, tt.method, tt.path, "kib:kib-secret", tt.body)
		if r.Status != tt.status || r.Body != tt.want {
			t.Errorf("%s %s %s: %d %s\nwant %d %s", tt.method, tt.path, tt.body, r.Status, r.Body, tt.status, tt.want)
		}
	}
}

// Every profile action needs a privilege that grants it: manage_user_profile
// all of them, read_security the reading ones.
func TestProfilePrivileges(t *testing.T) {
	s := servertest.Start(t)
	profileFixture(t, s)
	s.MustCall(t, 200, "POST", "/_security/profile/_activate", servertest.Admin, activateJoe)
	denied := func(user, roles, action, granted string) string {
		return servertest.ESError("security_exception", "action [cluster:admin/xpack/security/profile/"+action+"] is unauthorized for user ["+user+"] with effective roles ["+roles+"], this action is granted by the cluster privileges ["+granted+"]", 403)
	}
	hp := `{"uids":["` + joeUID + `"],"privileges":{"cluster":["monitor"]}}`
	for _, tt := range []struct {
		auth, method, path, body string
		status                   int
		want                     string
	}{
		{"mon:mon-secret", "POST", "/_security/profile/_activate", activateJoe, 403, denied("mon", "r_monitor", "activate", "manage_user_profile,manage_security,all")},
		{"mon:mon-secret", "GET", "/_security/profile/" + joeUID, "", 403, denied("mon", "r_monitor", "get", "manage_user_profile,read_security,manage_security,all")},
		{"mon:mon-secret", "POST", "/_security/profile/_suggest", "", 403, denied("mon", "r_monitor", "suggest", "manage_user_profile,read_security,manage_security,all")},
		{"mon:mon-secret", "POST", "/_security/profile/_has_privileges", hp, 403, denied("mon", "r_monitor", "has_privileges", "manage_user_profile,read_security,manage_security,all")},
		{"reader:reader-secret", "GET", "/_security/profile/" + joeUID, "", 200, ""},
		{"reader:reader-secret", "POST", "/_security/profile/_suggest", "", 200, ""},
		{"reader:reader-secret", "POST", "/_security/profile/_has_privileges", hp, 200, `{"has_privilege_uids":[]}`},
		{"reader:reader-secret", "POST", "/_security/profile/_activate", activateJoe, 403, denied("reader", "r_read_security", "activate", "manage_user_profile,manage_security,all")},
		{"reader:reader-secret", "PUT", "/_security/profile/" + joeUID + "/_data", `{"data":{"a":{}}}`, 403, denied("reader", "r_read_security", "put/data", "manage_user_profile,manage_security,all")},
		{"reader:reader-secret", "PUT", "/_security/profile/" + joeUID + "/_disable", "", 403, denied("reader", "r_read_security", "set_enabled", "manage_user_profile,manage_security,all")},
		{"", "GET", "/_security/profile/" + joeUID, "", 401, ""},
	} {
		r := s.Call(t, tt.method, tt.path, tt.auth, tt.body)
		if r.Status != tt.status || (tt.want != "" && r.Body != tt.want) {
			t.Errorf("%s %s %s: %d %s\nwant %d %s", tt.auth, tt.method, tt.path, r.Status, r.Body, tt.status, tt.want)
		}
	}
	// The denied activation authenticated nobody: joe's profile is as it was.
	if got := s.MustCall(t, 200, "GET", "/_security/profile/"+joeUID, servertest.Admin, ""); !strings.Contains(got, `"_seq_no":0`) {
		t.Errorf("after denied requests: %s", got)
	}
}

// has_privileges answers with the roles each profile recorded, through
// the user _has_privileges checker (ES's 40_has_privileges.yml).
func TestProfileHasPrivileges(t *testing.T) {
	s := servertest.Start(t)
	profileFixture(t, s)
	s.MustCall(t, 200, "PUT", "/_security/role/r_index2", servertest.Admin, `{"indices":[{"names":["index2*"],"privileges":["all"]},{"names":["index1*"],"privileges":["read"]}]}`)
	s.MustCall(t, 200, "PUT", "/_security/user/user2", servertest.Admin, `{"password":"user2-secret","roles":["r_index2"]}`)
	var p1, p2 struct{ UID string }
	_ = json.Unmarshal([]byte(s.MustCall(t, 200, "POST", "/_security/profile/_activate", servertest.Admin, activateJoe)), &p1)
	_ = json.Unmarshal([]byte(s.MustCall(t, 200, "POST", "/_security/profile/_activate", servertest.Admin, `{"grant_type":"password","username":"user2","password":"user2-secret"}`)), &p2)
	nf := `{"type":"resource_not_found_exception","reason":"profile document not found"}`
	for _, tt := range []struct{ body, want string }{
		{`{"uids":["` + p1.UID + `","` + p2.UID + `","dummy_missing"],"privileges":{"index":[{"names":["index1*","index2*"],"privileges":["read"]}]}}`,
			`{"has_privilege_uids":["` + p1.UID + `","` + p2.UID + `"],"errors":{"count":1,"details":{"dummy_missing":` + nf + `}}}`},
		{`{"uids":["` + p1.UID + `","` + p2.UID + `"],"privileges":{"index":[{"names":["index1*","index2*"],"privileges":["all","read"]}]}}`,
			`{"has_privilege_uids":[]}`},
		{`{"uids":["` + p1.UID + `","dummy"],"privileges":{"index":[{"names":["index1*"],"privileges":["all","read"]},{"names":["index1*","index2*"],"privileges":["read"]}]}}`,
			`{"has_privilege_uids":["` + p1.UID + `"],"errors":{"count":1,"details":{"dummy":` + nf + `}}}`},
		// An unknown cluster privilege fails each profile's check.
		{`{"uids":["` + p1.UID + `"],"privileges":{"cluster":["no_such"]}}`,
			`{"has_privilege_uids":[],"errors":{"count":1,"details":{"` + p1.UID + `":{"type":"illegal_argument_exception","reason":"unknown cluster privilege [no_such]. a privilege must be either one of the predefined cluster privilege names [`},
	} {
		r := s.Call(t, "POST", "/_security/profile/_has_privileges", "kib:kib-secret", tt.body)
		if r.Status != 200 || !strings.HasPrefix(r.Body, tt.want) {
			t.Errorf("%s: %d %s\nwant %s", tt.body, r.Status, r.Body, tt.want)
		}
	}
}

// with_profile_uid on get user and query user shows the uid of users that
// have a profile; _authenticate never does, as in Elasticsearch.
func TestWithProfileUID(t *testing.T) {
	s := servertest.Start(t)
	profileFixture(t, s)
	s.MustCall(t, 200, "POST", "/_security/profile/_activate", servertest.Admin, activateJoe)
	var elastic struct{ UID string }
	_ = json.Unmarshal([]byte(s.MustCall(t, 200, "POST", "/_security/profile/_activate", servertest.Admin,
		`{"grant_type":"password","username":"elastic","password":"`+servertest.ElasticPassword+`"}`)), &elastic)

	want := `{"joe":{"username":"joe","roles":["r_index1"],"full_name":"Bazooka Joe","email":"joe@bazooka.gum","metadata":{},"enabled":true,"profile_uid":"` + joeUID + `"},"mon":{"username":"mon","roles":["r_monitor"],"full_name":null,"email":null,"metadata":{},"enabled":true}}`
	if got := s.MustCall(t, 200, "GET", "/_security/user/joe,mon?with_profile_uid=true", servertest.Admin, ""); got != want {
		t.Errorf("get users:\n got %s\nwant %s", got, want)
	}
	if got := s.MustCall(t, 200, "GET", "/_security/user/joe", servertest.Admin, ""); strings.Contains(got, "profile_uid") {
		t.Errorf("without the parameter: %s", got)
	}
	got := s.MustCall(t, 200, "GET", "/_security/user?with_profile_uid", servertest.Admin, "")
	for _, w := range []string{`"enabled":true,"profile_uid":"` + joeUID + `"}`, `"elastic":{"username":"elastic","roles":["superuser"],"full_name":null,"email":null,"metadata":{"_reserved":true},"enabled":true,"profile_uid":"` + elastic.UID + `"}`} {
		if !strings.Contains(got, w) {
			t.Errorf("all users lack %s:\n%s", w, got)
		}
	}
	if n := strings.Count(got, "profile_uid"); n != 2 {
		t.Errorf("%d profile uids in %s", n, got)
	}
	got = s.MustCall(t, 200, "GET", "/_security/user/joe?with_profile_uid&with_last_authenticated", servertest.Admin, "")
	if !regexp.MustCompile(`"enabled":true,"last_authenticated":\d+,"profile_uid":"` + joeUID + `"}}$`).MatchString(got) {
		t.Errorf("with last authenticated: %s", got)
	}
	got = s.MustCall(t, 200, "POST", "/_security/_query/user?with_profile_uid=true", servertest.Admin, `{"query":{"prefix":{"username":"jo"}}}`)
	if want := `{"total":1,"count":1,"users":[{"username":"joe","roles":["r_index1"],"full_name":"Bazooka Joe","email":"joe@bazooka.gum","metadata":{},"enabled":true,"profile_uid":"` + joeUID + `"}]}`; got != want {
		t.Errorf("query users:\n got %s\nwant %s", got, want)
	}
	if got := s.MustCall(t, 200, "POST", "/_security/_query/user", servertest.Admin, `{"query":{"prefix":{"username":"jo"}}}`); strings.Contains(got, "profile_uid") {
		t.Errorf("query without the parameter: %s", got)
	}
	if r := s.Call(t, "GET", "/_security/user/joe?with_profile_uid=yes", servertest.Admin, ""); r.Status != 400 {
		t.Errorf("a bad boolean: %d %s", r.Status, r.Body)
	}
	if got := s.MustCall(t, 200, "GET", "/_security/_authenticate", "joe:joe-secret", ""); strings.Contains(got, "profile") {
		t.Errorf("authenticate: %s", got)
	}
}

// Profiles live in the shared store: a second node sees a profile made on
// the first at once, and the two update it under one compare-and-set.
func TestProfilesAcrossNodes(t *testing.T) {
	m := etcdtest.StartMember(t)
	settings := []string{"esauth.store.type=etcd", "esauth.store.etcd.endpoints=" + m.ClientURL, "esauth.store.etcd.prefix=/profiles/",
		"esauth.store.etcd.request_timeout=2s", "esauth.store.etcd.dial_timeout=5s"}
	a := servertest.Start(t, settings...)
	b := servertest.Start(t, settings...)
	profileFixture(t, a)
	// The user made on node a logs in through node b's realms.
	deadline := time.Now().Add(5 * time.Second)
	var r servertest.Reply
	for {
		r = b.Call(t, "POST", "/_security/profile/_activate", servertest.Admin, activateJoe)
		if r.Status == 200 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if r.Status != 200 || !strings.Contains(r.Body, joeUID) {
		t.Fatalf("activate on b: %d %s", r.Status, r.Body)
	}
	if got := a.MustCall(t, 200, "GET", "/_security/profile/"+joeUID, servertest.Admin, ""); !strings.Contains(got, `"_seq_no":0`) {
		t.Fatalf("get on a: %s", got)
	}
	a.MustCall(t, 200, "PUT", "/_security/profile/"+joeUID+"/_data?if_seq_no=0&if_primary_term=1", servertest.Admin, `{"data":{"app":{"on":"a"}}}`)
	if r := b.Call(t, "PUT", "/_security/profile/"+joeUID+"/_data?if_seq_no=0&if_primary_term=1", servertest.Admin, `{"data":{"app":{"on":"b"}}}`); r.Status != 409 {
		t.Errorf("stale update on b: %d %s", r.Status, r.Body)
	}
	if got := b.MustCall(t, 200, "GET", "/_security/profile/"+joeUID+"?data=app", servertest.Admin, ""); !strings.Contains(got, `"data":{"app":{"on":"a"}}`) {
		t.Errorf("data on b: %s", got)
	}
	b.MustCall(t, 200, "POST", "/_security/profile/"+joeUID+"/_disable", servertest.Admin, "")
	if got := a.MustCall(t, 200, "POST", "/_security/profile/_suggest", servertest.Admin, `{"name":"joe"}`); !strings.Contains(got, `"value":0`) {
		t.Errorf("suggest on a after disable on b: %s", got)
	}
	if got := a.MustCall(t, 200, "GET", "/_security/user/joe?with_profile_uid", servertest.Admin, ""); !strings.Contains(got, joeUID) {
		t.Errorf("with_profile_uid on a: %s", got)
	}
}

// With anonymous access on, authentication gives every user the anonymous
// roles; a profile records the user's own, and has_privileges adds the
// anonymous ones again, as role resolution does in Elasticsearch.
func TestProfileAnonymousRoles(t *testing.T) {
	s := servertest.Start(t, "xpack.security.authc.anonymous.roles=r_anon")
	profileFixture(t, s)
	s.MustCall(t, 200, "PUT", "/_security/role/r_anon", servertest.Admin, `{"cluster":["monitor_ml"]}`)
	r := s.Call(t, "POST", "/_security/profile/_activate", "kib:kib-secret", activateJoe)
	if r.Status != 200 || !strings.Contains(r.Body, `"roles":["r_index1"],`) {
		t.Fatalf("activate: %d %s", r.Status, r.Body)
	}
	r = s.Call(t, "POST", "/_security/profile/_has_privileges", "kib:kib-secret", `{"uids":["`+joeUID+`"],"privileges":{"cluster":["monitor_ml"]}}`)
	if want := `{"has_privilege_uids":["` + joeUID + `"]}`; r.Status != 200 || r.Body != want {
		t.Errorf("an anonymous role's privilege: %d %s", r.Status, r.Body)
	}
}

// An access token of the token service is a grant like a password: the
// profile is its user's.
func TestProfileActivationWithAccessToken(t *testing.T) {
	s := servertest.Start(t, "xpack.security.authc.token.enabled=true")
	profileFixture(t, s)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	body := s.MustCall(t, 200, "POST", "/_security/oauth2/token", servertest.Admin, `{"grant_type":"password","username":"joe","password":"joe-secret"}`)
	if err := json.Unmarshal([]byte(body), &tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token: %s", body)
	}
	r := s.Call(t, "POST", "/_security/profile/_activate", "kib:kib-secret", `{"grant_type":"access_token","access_token":"`+tok.AccessToken+`"}`)
	want := `{"uid":"` + joeUID + `","enabled":true,"last_synchronized":0,"user":{"username":"joe","roles":["r_index1"],"realm_name":"default_native","email":"joe@bazooka.gum","full_name":"Bazooka Joe"},"labels":{},"data":{},"_doc":{"_primary_term":1,"_seq_no":0}}`
	if r.Status != 200 || stable(r.Body) != want {
		t.Errorf("activate with an access token: %d %s\nwant %s", r.Status, r.Body, want)
	}
}
