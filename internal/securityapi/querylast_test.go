package securityapi_test

import (
	"encoding/json"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/server/servertest"
)

// Query user takes esauth's with_last_authenticated as GET user does:
// each user gains last_authenticated (epoch milliseconds, null for a user
// never seen) after its own fields, before _sort and profile_uid; without
// the parameter the answer is Elasticsearch's, byte for byte.
func TestQueryUsersLastAuthenticated(t *testing.T) {
	s := servertest.Start(t)
	s.MustCall(t, 200, "PUT", "/_security/user/joe", servertest.Admin, `{"password":"joe-password","roles":["r1"],"full_name":"Joe"}`)
	s.MustCall(t, 200, "PUT", "/_security/user/ann", servertest.Admin, `{"password":"ann-password","roles":[]}`)
	const sorted = `{"sort":["username"]}`
	item := func(name, rest string) string {
		if name == "joe" {
			return `{"username":"joe","roles":["r1"],"full_name":"Joe","email":null,"metadata":{},"enabled":true` + rest + `,"_sort":["joe"]}`
		}
		return `{"username":"ann","roles":[],"full_name":null,"email":null,"metadata":{},"enabled":true` + rest + `,"_sort":["ann"]}`
	}
	page := func(ann, joe string) string {
		return `{"total":2,"count":2,"users":[` + item("ann", ann) + `,` + item("joe", joe) + `]}`
	}
	query := func(params string) string {
		t.Helper()
		return s.MustCall(t, 200, "POST", "/_security/_query/user"+params, servertest.Admin, sorted)
	}

	plain := page("", "")
	for _, params := range []string{"", "?with_last_authenticated=false"} {
		if got := query(params); got != plain {
			t.Errorf("%q:\n got %s\nwant %s", params, got, plain)
		}
	}
	// Never seen: null.
	if got, want := query("?with_last_authenticated=true"), page(`,"last_authenticated":null`, `,"last_authenticated":null`); got != want {
		t.Errorf("before any login:\n got %s\nwant %s", got, want)
	}

	before := time.Now().UnixMilli()
	s.MustCall(t, 200, "GET", "/_security/_authenticate", "joe:joe-password", "")
	after := time.Now().UnixMilli()
	got := query("?with_last_authenticated")
	m := regexp.MustCompile(`"username":"joe".*"last_authenticated":(\d+),`).FindStringSubmatch(got)
	if m == nil {
		t.Fatalf("no time for joe after a login: %s", got)
	}
	ms, _ := strconv.ParseInt(m[1], 10, 64)
	if ms < before-1000 || ms > after {
		t.Errorf("joe's last_authenticated %d, want within [%d, %d]", ms, before, after)
	}
	if want := page(`,"last_authenticated":null`, `,"last_authenticated":`+m[1]); got != want {
		t.Errorf("after joe's login:\n got %s\nwant %s", got, want)
	}
	// The same time as GET user's, which this reuses.
	if got, want := s.MustCall(t, 200, "GET", "/_security/user/joe?with_last_authenticated", servertest.Admin, ""),
		`{"joe":{"username":"joe","roles":["r1"],"full_name":"Joe","email":null,"metadata":{},"enabled":true,"last_authenticated":`+m[1]+`}}`; got != want {
		t.Errorf("GET user:\n got %s\nwant %s", got, want)
	}
	// GET without a body: every native user, never the built-in ones.
	if got, want := s.MustCall(t, 200, "GET", "/_security/_query/user?with_last_authenticated=true", servertest.Admin, ""),
		`{"total":2,"count":2,"users":[`+
			`{"username":"joe","roles":["r1"],"full_name":"Joe","email":null,"metadata":{},"enabled":true,"last_authenticated":`+m[1]+`},`+
			`{"username":"ann","roles":[],"full_name":null,"email":null,"metadata":{},"enabled":true,"last_authenticated":null}]}`; got != want && got != swapFirstTwo(want) {
		t.Errorf("GET query:\n got %s\nwant %s", got, want)
	}

	// With with_profile_uid: profile_uid comes last, as Elasticsearch puts it.
	var prof struct {
		UID string `json:"uid"`
	}
	if err := json.Unmarshal([]byte(s.MustCall(t, 200, "POST", "/_security/profile/_activate", servertest.Admin,
		`{"grant_type":"password","username":"ann","password":"ann-password"}`)), &prof); err != nil || prof.UID == "" {
		t.Fatalf("activating ann's profile: %v %q", err, prof.UID)
	}
	got = query("?with_profile_uid&with_last_authenticated")
	am := regexp.MustCompile(`"username":"ann".*?"last_authenticated":(\d+),`).FindStringSubmatch(got)
	if am == nil {
		t.Fatalf("no time for ann after activating her profile: %s", got)
	}
	want := `{"total":2,"count":2,"users":[` +
		`{"username":"ann","roles":[],"full_name":null,"email":null,"metadata":{},"enabled":true,"last_authenticated":` + am[1] + `,"_sort":["ann"],"profile_uid":"` + prof.UID + `"},` +
		item("joe", `,"last_authenticated":`+m[1]) + `]}`
	if got != want {
		t.Errorf("with profile uids:\n got %s\nwant %s", got, want)
	}
	if got, want := query("?with_profile_uid"), `{"total":2,"count":2,"users":[`+
		`{"username":"ann","roles":[],"full_name":null,"email":null,"metadata":{},"enabled":true,"_sort":["ann"],"profile_uid":"`+prof.UID+`"},`+item("joe", "")+`]}`; got != want {
		t.Errorf("profile uids only:\n got %s\nwant %s", got, want)
	}

	if r, want := s.Call(t, "POST", "/_security/_query/user?with_last_authenticated=yes", servertest.Admin, sorted),
		servertest.ESError("illegal_argument_exception", "Failed to parse value [yes] as only [true] or [false] are allowed.", 400); r.Status != 400 || r.Body != want {
		t.Errorf("a bad boolean: %d %s\nwant %s", r.Status, r.Body, want)
	}
}

// swapFirstTwo swaps the first two users of a query answer: without a sort
// their order is not defined.
func swapFirstTwo(body string) string {
	re := regexp.MustCompile(`^(\{"total":2,"count":2,"users":\[)(\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}),(\{.*\})\]\}$`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		return body
	}
	return m[1] + m[3] + "," + m[2] + "]}"
}
