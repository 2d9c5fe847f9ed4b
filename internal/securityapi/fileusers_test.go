package securityapi_test

import (
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/server/servertest"
)

// GET /_security/_esauth/file_users lists the file realm's users, names
// and roles only, sorted; reading it takes what GET user takes.
func TestFileUsers(t *testing.T) {
	const hash = "$2a$04$OLNTeJiq3vjYqTZwgDi62OU5MvzkV3Jqz.KiR3pwgQv70pD6bUsGa"
	s := servertest.StartWith(t, servertest.Options{Files: map[string]string{
		"users":       "zoe:" + hash + "\nfileops:" + hash + "\n",
		"users_roles": "monitoring_user:fileops\nviewer:fileops,zoe\n",
	}})
	const path = "/_security/_esauth/file_users"
	want := `{"users":[{"username":"fileops","roles":["monitoring_user","viewer"]},{"username":"zoe","roles":["viewer"]}]}`
	if got := s.MustCall(t, 200, "GET", path, servertest.Admin, ""); got != want {
		t.Errorf("file users:\n got %s\nwant %s", got, want)
	}
	if got := s.MustCall(t, 200, "GET", path, servertest.Admin, ""); strings.Contains(got, "$2a$") {
		t.Errorf("a hash in the answer: %s", got)
	}
	// read_security is enough; no privilege is not.
	s.MustCall(t, 200, "PUT", "/_security/role/reader", servertest.Admin, `{"cluster":["read_security"]}`)
	s.MustCall(t, 200, "PUT", "/_security/user/ann", servertest.Admin, `{"password":"ann-password","roles":["reader"]}`)
	s.MustCall(t, 200, "PUT", "/_security/user/bob", servertest.Admin, `{"password":"bob-password","roles":[]}`)
	if got := s.MustCall(t, 200, "GET", path, "ann:ann-password", ""); got != want {
		t.Errorf("as a reader: %s", got)
	}
	r := s.Call(t, "GET", path, "bob:bob-password", "")
	if w := servertest.ESError("security_exception", "action [cluster:admin/xpack/security/user/get] is unauthorized for user [bob] with effective roles [], this action is granted by the cluster privileges [read_security,manage_security,all]", 403); r.Status != 403 || r.Body != w {
		t.Errorf("without privileges: %d %s\nwant %s", r.Status, r.Body, w)
	}
	s.MustCall(t, 401, "GET", path, "", "")
	if r := s.Call(t, "POST", path, servertest.Admin, ""); r.Status != 405 {
		t.Errorf("POST: %d %s", r.Status, r.Body)
	}
}

// Without a users file the list is empty.
func TestFileUsersNone(t *testing.T) {
	s := servertest.Start(t)
	if got := s.MustCall(t, 200, "GET", "/_security/_esauth/file_users", servertest.Admin, ""); got != `{"users":[]}` {
		t.Errorf("got %s", got)
	}
}

// Query users takes esauth's last_authenticated field: a range on it
// finds the users not seen since, and a user never seen has none.
func TestQueryUsersNotSeen(t *testing.T) {
	s := servertest.Start(t)
	s.MustCall(t, 200, "PUT", "/_security/user/joe", servertest.Admin, `{"password":"joe-password","roles":[]}`)
	s.MustCall(t, 200, "PUT", "/_security/user/ann", servertest.Admin, `{"password":"ann-password","roles":[]}`)
	s.MustCall(t, 200, "GET", "/_security/_authenticate", "joe:joe-password", "")
	notSeen := func(since string) string {
		return `{"query":{"bool":{"should":[{"range":{"last_authenticated":{"lt":"` + since + `"}}},` +
			`{"bool":{"must_not":{"exists":{"field":"last_authenticated"}}}}],"minimum_should_match":1}},"sort":["username"]}`
	}
	names := func(body string) string {
		got := s.MustCall(t, 200, "POST", "/_security/_query/user", servertest.Admin, body)
		var out []string
		for _, part := range strings.Split(got, `"username":"`)[1:] {
			out = append(out, part[:strings.IndexByte(part, '"')])
		}
		return strings.Join(out, ",")
	}
	// Joe logged in just now: not seen for a day is ann alone (never).
	if got := names(notSeen("now-1d")); got != "ann" {
		t.Errorf("not seen for a day: %q", got)
	}
	// Not seen since a minute from now: both.
	if got := names(notSeen("now+1m")); got != "ann,joe" {
		t.Errorf("not seen since now+1m: %q", got)
	}
	if got := names(`{"query":{"exists":{"field":"last_authenticated"}}}`); got != "joe" {
		t.Errorf("seen: %q", got)
	}
}
