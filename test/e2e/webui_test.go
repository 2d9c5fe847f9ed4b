package e2e

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestWebUI drives the users page in a real browser against the built
// server: with Basic credentials held by the page (the token service is off
// without TLS) and with a Bearer token from the token service.
func TestWebUI(t *testing.T) {
	browser := browserPath(t)
	for _, tc := range []struct {
		name  string
		args  []string
		token bool
	}{
		{name: "basic"},
		{name: "token", args: []string{"-E", "xpack.security.authc.token.enabled=true"}, token: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			adminPassword := "webui-" + tc.name + "-admin-pw"
			s := startServer(t, options{password: adminPassword, args: tc.args})
			testWebUI(t, browser, s, adminPassword, tc.token)
		})
	}
}

func testWebUI(t *testing.T, browser string, s *server, adminPassword string, wantToken bool) {
	admin := cred{"elastic", adminPassword}
	// A user whose name holds markup: it must show as text, never as HTML.
	markup := `<img id="xss" src="x">`
	markupPassword := secret("markup-pw-123")
	if code, body := s.request(t, admin, http.MethodPost, "/_security/user/webui-markup", `{"roles":[],"password":"`+markupPassword+`","full_name":"`+strings.ReplaceAll(markup, `"`, `\"`)+`"}`); code != 200 {
		t.Fatalf("creating webui-markup: %d %s", code, body)
	}

	b := newBrowser(t, s.url, 150*time.Second)
	do, text, eval, bctx := b.do, b.text, b.eval, b.ctx

	do("open the page", chromedp.Navigate(s.url+"/_esauth/ui/"), chromedp.WaitVisible(chromedp.CSS("#login-username")))

	// A wrong password stays on the login form with the server's reason.
	do("log in with a wrong password",
		chromedp.SendKeys(chromedp.CSS("#login-username"), "elastic"),
		chromedp.SendKeys(chromedp.CSS("#login-password"), secret("not-the-password")),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.Poll[chromedp.Void](`document.getElementById('login-error').textContent.includes('Wrong username or password')`))
	if got := text("#login-error"); !strings.Contains(got, "unable to authenticate user [elastic]") {
		t.Errorf("login error = %q, want the server's reason", got)
	}

	do("log in",
		clear("#login-password"),
		chromedp.SendKeys(chromedp.CSS("#login-password"), adminPassword),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#users-view")),
		chromedp.WaitVisible(chromedp.CSS(`#reserved-body tr[data-username="elastic"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#users-body tr[data-username="webui-markup"]`)))
	if eval(`[...document.querySelectorAll('input')].some((i) => i.value !== '' && i.type === 'password')`) {
		t.Error("the password stays in the login form after logging in")
	}
	if got := text("#whoami-name"); got != "elastic" {
		t.Errorf("signed in as %q", got)
	}
	if got := text(`#reserved-body tr[data-username="elastic"] .badge.me`); got != "you" {
		t.Errorf("current user badge = %q", got)
	}
	if bad := b.unlabelled(); len(bad) != 0 {
		t.Errorf("controls without an accessible name on the users view: %v", bad)
	}
	if eval(`document.getElementById('xss') !== null`) {
		t.Error("a user's full name was inserted as HTML")
	}
	if got := text(`#users-body tr[data-username="webui-markup"] td`); got != markup {
		t.Errorf("full name cell = %q, want the markup as text", got)
	}

	// Creating a user: the server's refusal shown verbatim, then success.
	do("create a user with a short password",
		chromedp.Click(chromedp.CSS("#create-user")),
		chromedp.WaitVisible(chromedp.CSS("#user-dialog")),
		chromedp.SendKeys(chromedp.CSS("#user-username"), "webui-alice"),
		chromedp.SendKeys(chromedp.CSS("#user-password"), "abc"),
		chromedp.SendKeys(chromedp.CSS("#user-password2"), "abc"),
		chromedp.SendKeys(chromedp.CSS("#user-fullname"), "Alice Liddell"),
		chromedp.SendKeys(chromedp.CSS("#user-email"), "alice@example.com"),
		chromedp.SendKeys(chromedp.CSS("#user-roles"), "viewer, editor"),
		chromedp.Click(chromedp.CSS("#user-save")),
		chromedp.Poll[chromedp.Void](`document.getElementById('user-error').textContent !== ''`))
	if got, want := text("#user-error"), "Validation Failed: 1: passwords must be at least [6] characters long;"; got != want {
		t.Errorf("create error = %q, want %q", got, want)
	}
	alicePassword := secret("alice-password-1")
	do("create the user",
		clear("#user-password"),
		clear("#user-password2"),
		chromedp.SendKeys(chromedp.CSS("#user-password"), alicePassword),
		chromedp.SendKeys(chromedp.CSS("#user-password2"), alicePassword),
		chromedp.Click(chromedp.CSS("#user-save")),
		chromedp.WaitNotVisible(chromedp.CSS("#user-dialog")),
		chromedp.WaitVisible(chromedp.CSS(`#users-body tr[data-username="webui-alice"]`)))
	if code, body := s.request(t, cred{"webui-alice", alicePassword}, http.MethodGet, "/_security/_authenticate", ""); code != 200 {
		t.Fatalf("the new user cannot log in: %d %s", code, body)
	}

	// Search by part of the full name (a wildcard, not a whole word), with
	// the keyboard: only her row.
	do("search", chromedp.SendKeys(chromedp.CSS("#search"), "IDDEL"+kb.Enter),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll('#users-body tr').length === 1 && document.querySelector('#users-body tr[data-username="webui-alice"]') !== null`))
	if got := text(`#users-body tr[data-username="webui-alice"] td:nth-of-type(3)`); got != "viewereditor" {
		t.Errorf("roles cell = %q", got)
	}

	// Edit her full name; change her password.
	do("edit",
		chromedp.Click(chromedp.CSS(`button[aria-label="Edit webui-alice"]`)),
		chromedp.WaitVisible(chromedp.CSS("#user-dialog")),
		clear("#user-fullname"),
		chromedp.SendKeys(chromedp.CSS("#user-fullname"), "Alice P. Liddell"),
		chromedp.Click(chromedp.CSS("#user-save")),
		chromedp.WaitNotVisible(chromedp.CSS("#user-dialog")),
		chromedp.Poll[chromedp.Void](`document.querySelector('#users-body tr[data-username="webui-alice"] td').textContent === 'Alice P. Liddell'`))
	if code, body := s.request(t, admin, http.MethodGet, "/_security/user/webui-alice", ""); code != 200 || !strings.Contains(string(body), `"full_name":"Alice P. Liddell"`) || !strings.Contains(string(body), `"roles":["viewer","editor"]`) {
		t.Errorf("after edit: %d %s", code, body)
	}
	// She logged in once, above: her last login shows, to the minute.
	if got := text(`#users-body tr[data-username="webui-alice"] td.last-login`); !regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d UTC$`).MatchString(got) {
		t.Errorf("her last login cell = %q", got)
	}
	newPassword := secret("alice-password-2")
	do("change the password",
		chromedp.Click(chromedp.CSS(`button[aria-label="Password webui-alice"]`)),
		chromedp.WaitVisible(chromedp.CSS("#password-dialog")),
		chromedp.SendKeys(chromedp.CSS("#new-password"), newPassword),
		chromedp.SendKeys(chromedp.CSS("#new-password2"), newPassword),
		chromedp.Click(chromedp.CSS("#password-save")),
		chromedp.WaitNotVisible(chromedp.CSS("#password-dialog")))
	if code, body := s.request(t, cred{"webui-alice", newPassword}, http.MethodGet, "/_security/_authenticate", ""); code != 200 {
		t.Errorf("the new password does not work: %d %s", code, body)
	}

	// Disable, with a confirmation.
	do("disable",
		chromedp.Click(chromedp.CSS(`button[aria-label="Disable webui-alice"]`)),
		chromedp.WaitVisible(chromedp.CSS("#confirm-dialog")),
		chromedp.Click(chromedp.CSS("#confirm-ok")),
		chromedp.WaitNotVisible(chromedp.CSS("#confirm-dialog")),
		chromedp.WaitVisible(chromedp.CSS(`#users-body tr[data-username="webui-alice"] .badge.disabled`)))
	if code, body := s.request(t, admin, http.MethodGet, "/_security/user/webui-alice", ""); code != 200 || !strings.Contains(string(body), `"enabled":false`) {
		t.Errorf("after disable: %d %s", code, body)
	}

	// The users page as a test artifact.
	do("clear the search", clear("#search"), chromedp.Click(chromedp.CSS(`#search-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#users-body tr[data-username="webui-markup"]`)))
	if got := text(`#users-body tr[data-username="webui-markup"] td.last-login`); got != "never" {
		t.Errorf("a user never seen logging in: last login %q", got)
	}
	// Sorting is the server's: the header says which way.
	do("sort by username, descending",
		chromedp.Click(chromedp.CSS(`th[data-sort="username"] button`)),
		chromedp.Poll[chromedp.Void](`document.querySelector('#users-body tr').dataset.username === 'webui-markup'`))
	if got, err := chromedp.Run(bctx, chromedp.AttributeValue(chromedp.CSS(`th[data-sort="username"]`), "aria-sort")); err != nil || got.Value != "descending" {
		t.Errorf("aria-sort = %+v, %v", got, err)
	}
	do("sort by username, ascending",
		chromedp.Click(chromedp.CSS(`th[data-sort="username"] button`)),
		chromedp.Poll[chromedp.Void](`document.querySelector('#users-body tr').dataset.username === 'webui-alice'`))
	png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(artifactDir(t), "webui-users-"+strings.ReplaceAll(t.Name(), "/", "-")+".png")
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the users page: %s", shot)

	// Delete, with a confirmation.
	do("delete",
		chromedp.Click(chromedp.CSS(`button[aria-label="Delete webui-alice"]`)),
		chromedp.WaitVisible(chromedp.CSS("#confirm-dialog")),
		chromedp.Click(chromedp.CSS("#confirm-ok")),
		chromedp.WaitNotVisible(chromedp.CSS("#confirm-dialog")),
		chromedp.WaitNotPresent(chromedp.CSS(`#users-body tr[data-username="webui-alice"]`)))
	if code, body := s.request(t, admin, http.MethodGet, "/_security/user/webui-alice", ""); code != 404 {
		t.Errorf("after delete: %d %s", code, body)
	}

	// While logged in with Basic credentials, the page holds their header:
	// the heap search below can find what it looks for.
	basicHeader := base64.StdEncoding.EncodeToString([]byte("elastic:" + adminPassword))
	if !wantToken && len(b.inMemory(basicHeader)) != 1 {
		t.Error("the Basic header is not in the page's memory while logged in: the search after logout proves nothing")
	}
	// Log out: back to the form, nothing left in the browser.
	do("log out", chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#login-form")))
	if !eval(`document.cookie === '' && localStorage.length === 0 && sessionStorage.length === 0`) {
		t.Error("the page left something in cookies or web storage")
	}
	if eval(`[...document.querySelectorAll('input')].some((i) => i.value !== '' && i.type === 'password')`) {
		t.Error("a password field is not empty after logout")
	}
	// Nor in the page's memory: neither the password nor the header made
	// of it (a token session's tokens are checked below, once known). No
	// script the test runs in the page may hold the password either: its
	// text would be found in the compiled code.
	for _, found := range b.inMemory(adminPassword, basicHeader) {
		what := "the password"
		if found == basicHeader {
			what = "the Basic header"
		}
		t.Errorf("%s is still in the page's memory after logout", what)
	}
	cookies, err := chromedp.Call(bctx, network.GetCookies, network.GetCookiesParams{URLs: []string{s.url}})
	if err != nil {
		t.Fatal(err)
	}
	if len(cookies.Cookies) != 0 {
		t.Errorf("cookies after logout: %v", cookies.Cookies)
	}

	sent := b.sentAuthorizations()
	var bearer string
	for _, a := range sent {
		if strings.HasPrefix(a, "Bearer ") {
			bearer = a
			secret(strings.TrimPrefix(a, "Bearer "))
		}
	}
	if wantToken {
		if bearer == "" {
			t.Fatalf("the page never used a Bearer token (headers sent: %d)", len(sent))
		}
		// Logout invalidated it.
		if code, body := doAuth(t, s.url, bearer); code != 401 {
			t.Errorf("the access token still works after logout: %d %s", code, body)
		}
	} else if bearer != "" {
		t.Errorf("a Bearer token with the token service off: %s", bearer)
	}
	if wantToken {
		return
	}

	// A user without manage_security: the 403's reason, naming the action.
	do("log in without privileges",
		clear("#login-username"), clear("#login-password"),
		chromedp.SendKeys(chromedp.CSS("#login-username"), "webui-markup"),
		chromedp.SendKeys(chromedp.CSS("#login-password"), markupPassword),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#users-view")),
		chromedp.Poll[chromedp.Void](`document.getElementById('users-message').textContent.startsWith('Not allowed: ')`))
	if got, want := text("#users-message"), "Not allowed: action [cluster:admin/xpack/security/user/query] is unauthorized for user [webui-markup]"; !strings.HasPrefix(got, want) {
		t.Errorf("403 message = %q, want it to start with %q", got, want)
	}

	// Its password changes under it: the next call's 401 brings the login
	// form back.
	if code, body := s.request(t, admin, http.MethodPost, "/_security/user/webui-markup/_password", `{"password":"`+secret("markup-pw-456")+`"}`); code != 200 {
		t.Fatalf("changing the password: %d %s", code, body)
	}
	do("401 after a password change",
		chromedp.Click(chromedp.CSS(`#search-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#login-form")))
	if got := text("#login-error"); !strings.HasPrefix(got, "Your session has ended") {
		t.Errorf("login message after a 401 = %q", got)
	}

	// The server goes away: a banner with a retry, the form stays.
	s.stop(t)
	do("network error",
		clear("#login-password"),
		chromedp.SendKeys(chromedp.CSS("#login-password"), markupPassword),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#banner-retry")))
	if got := text("#banner-text"); !strings.Contains(got, "cannot be reached") {
		t.Errorf("banner = %q", got)
	}
}

// doAuth calls _authenticate with an Authorization header.
func doAuth(t *testing.T, base, authorization string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+"/_security/_authenticate", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", authorization)
	res, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b strings.Builder
	_, _ = fmt.Fprint(&b, res.Status)
	return res.StatusCode, b.String()
}
