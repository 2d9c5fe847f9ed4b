package e2e

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestWebUITokenRefresh: with access tokens living 4 s, the page trades
// its refresh token before each expires, so a session outlives its first
// token; logout invalidates the latest one.
func TestWebUITokenRefresh(t *testing.T) {
	password := "webui-refresh-admin-pw"
	s := startServer(t, options{password: password, args: []string{"-E", "xpack.security.authc.token.enabled=true", "-E", "xpack.security.authc.token.timeout=4s"}})
	b := newBrowser(t, s.url, 90*time.Second)
	b.login("elastic", password)
	first := lastBearer(b.sentAuthorizations())
	if first == "" {
		t.Fatal("no Bearer token after login")
	}
	secret(strings.TrimPrefix(first, "Bearer "))
	refreshes := func() int {
		n := 0
		for _, r := range b.sentRequests() {
			if r == "POST "+s.url+"/_security/oauth2/token" {
				n++
			}
		}
		return n - 1 // the login's own
	}
	// Two refreshes, then the first token has expired while the page
	// keeps working with a later one.
	deadline := time.Now().Add(20 * time.Second)
	for refreshes() < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("%d refreshes in 20 s with 4 s tokens", refreshes())
		}
		time.Sleep(100 * time.Millisecond)
	}
	for {
		if code, _ := doAuth(t, s.url, first); code == 401 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first access token never expired")
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.do("use the page after the first token expired",
		chromedp.Click(chromedp.CSS(`#search-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#reserved-body tr[data-username="elastic"]`)))
	if !b.eval(`document.getElementById('login-view').hidden`) {
		t.Fatal("the session ended although its tokens were refreshed")
	}
	latest := lastBearer(b.sentAuthorizations())
	secret(strings.TrimPrefix(latest, "Bearer "))
	if latest == first {
		t.Fatal("the page still sends its first token")
	}
	// The page may have refreshed again meanwhile: every token it was
	// given ends with the logout, not only the current one.
	b.do("log out", chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#login-form")))
	seen := map[string]bool{}
	for _, a := range b.sentAuthorizations() {
		if !strings.HasPrefix(a, "Bearer ") || seen[a] {
			continue
		}
		seen[a] = true
		secret(strings.TrimPrefix(a, "Bearer "))
		if code, body := doAuth(t, s.url, a); code != 401 {
			t.Errorf("an access token the page used works after logout: %d %s", code, body)
		}
	}
}

func lastBearer(auths []string) string {
	for _, a := range slices.Backward(auths) {
		if strings.HasPrefix(a, "Bearer ") {
			return a
		}
	}
	return ""
}

// TestWebUIIdle: an idle session is warned, can be kept, and then ends,
// invalidating its token.
func TestWebUIIdle(t *testing.T) {
	password := "webui-idle-admin-pw"
	s := startServer(t, options{password: password, args: []string{"-E", "xpack.security.authc.token.enabled=true"}})
	b := newBrowser(t, s.url, 90*time.Second)
	b.do("open the page with a 4 s idle limit and log in",
		chromedp.Navigate(s.url+"/_esauth/ui/?idle=4"),
		chromedp.WaitVisible(chromedp.CSS("#login-username")),
		typeInto("#login-username", "elastic"),
		typeInto("#login-password", password),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#views-nav")))
	b.do("the warning", chromedp.WaitVisible(chromedp.CSS("#idle-dialog")))
	if got := b.text("#idle-text"); !strings.Contains(got, "logged out in 2 seconds") {
		t.Errorf("warning = %q", got)
	}
	b.do("stay", chromedp.Click(chromedp.CSS("#idle-stay")), chromedp.WaitNotVisible(chromedp.CSS("#idle-dialog")))
	// Kept: the session is still there when the first limit has passed.
	stayed := time.Now()
	b.do("warned again", chromedp.WaitVisible(chromedp.CSS("#idle-dialog")))
	if time.Since(stayed) < time.Second || !b.eval(`document.getElementById('login-view').hidden`) {
		t.Fatalf("staying did not keep the session (%v)", time.Since(stayed))
	}
	b.do("logged out", chromedp.WaitVisible(chromedp.CSS("#login-form")))
	if got, want := b.text("#login-error"), "You were logged out after 4 seconds without activity."; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
	bearer := lastBearer(b.sentAuthorizations())
	secret(strings.TrimPrefix(bearer, "Bearer "))
	if code, body := doAuth(t, s.url, bearer); bearer == "" || code != 401 {
		t.Errorf("the token after the idle logout (sent: %t): %d %s", bearer != "", code, body)
	}
}

// TestWebUICrossSiteForm: once the browser holds Basic credentials for
// esauth (typed into its own dialog), a page of another site posts a form
// to disable a user. esauth refuses it; the same request from a client
// that is not a browser works.
func TestWebUICrossSiteForm(t *testing.T) {
	password := "webui-csrf-admin-pw"
	admin := cred{"elastic", password}
	s := startServer(t, options{password: password})
	if code, body := s.request(t, admin, http.MethodPost, "/_security/user/csrf-victim", `{"roles":[],"password":"`+secret("csrf-victim-pw")+`"}`); code != 200 {
		t.Fatalf("creating the victim: %d %s", code, body)
	}
	target := s.url + "/_security/user/csrf-victim/_disable"
	// The attacker's page: another site (localhost is not 127.0.0.1),
	// posting a form as soon as it loads.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/post.js":
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprint(w, `document.getElementById('f').submit();`)
		default:
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, `<!doctype html><form id="f" method="POST" action="%s" enctype="text/plain"><input name="x" value="y"></form><script src="/post.js"></script>`, target)
		}
	}))
	defer evil.Close()
	evilURL := strings.Replace(evil.URL, "127.0.0.1", "localhost", 1)

	b := newBrowser(t, s.url, 60*time.Second)
	b.answerCredentialDialogs(admin)
	b.do("log in through the browser's own dialog",
		chromedp.Navigate(s.url+"/_security/_authenticate"),
		chromedp.Poll[chromedp.Void](`document.body.textContent.includes('"username":"elastic"')`))
	b.do("visit the other site", chromedp.Navigate(evilURL+"/"),
		chromedp.Poll[chromedp.Void](`location.href.includes('/_disable')`))
	b.do("the refusal", chromedp.Poll[chromedp.Void](`document.body.textContent.includes('cross-site request refused')`))
	if got := b.status(target); got != 403 {
		t.Errorf("the cross-site form post got %d, want 403", got)
	}
	if got := b.wireAuthorization("POST " + target); got != "Basic "+base64.StdEncoding.EncodeToString([]byte(admin.user+":"+admin.password)) {
		t.Errorf("the cross-site post carried no cached credentials (an Authorization: %t): the test proves nothing", got != "")
	}
	if code, body := s.request(t, admin, http.MethodGet, "/_security/user/csrf-victim", ""); code != 200 || !strings.Contains(string(body), `"enabled":true`) {
		t.Fatalf("the victim after the cross-site post: %d %s", code, body)
	}
	// The same request from a program (no Origin, no Sec-Fetch-Site).
	if code, body := s.request(t, admin, http.MethodPost, "/_security/user/csrf-victim/_disable", ""); code != 200 {
		t.Fatalf("the same request from a client: %d %s", code, body)
	}
}

// TestWebUIKeyboard: the page works from the keyboard alone, with the
// focus visible where it lands.
func TestWebUIKeyboard(t *testing.T) {
	password := "webui-keys-admin-pw"
	s := startServer(t, options{password: password})
	b := newBrowser(t, s.url, 60*time.Second)
	b.do("open the page", chromedp.Navigate(s.url+"/_esauth/ui/"), chromedp.WaitVisible(chromedp.CSS("#login-username")))
	if !b.eval(`document.activeElement.id === 'login-username'`) {
		t.Fatal("the login form does not start with the focus on the username")
	}
	b.do("log in with keys only",
		chromedp.KeyEvent("elastic"+kb.Tab),
		chromedp.KeyEvent(password+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(`#reserved-body tr[data-username="elastic"]`)))
	if !b.eval(`document.activeElement.id === 'search'`) {
		t.Error("after login the focus is not on the search field")
	}
	// Tabbing through the first controls: each shows where the focus is.
	for i := range 4 {
		b.do("tab", chromedp.KeyEvent(kb.Tab))
		if !b.eval(`document.activeElement !== document.body && getComputedStyle(document.activeElement).outlineStyle !== 'none'`) {
			t.Errorf("after %d tabs the focused element shows no focus ring", i+1)
		}
	}
	b.do("open the create dialog from the keyboard",
		chromedp.Focus(chromedp.CSS("#create-user")),
		chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(chromedp.CSS("#user-dialog")))
	if !b.eval(`document.activeElement.id === 'user-username'`) {
		t.Error("the create dialog does not focus its first field")
	}
	b.do("close it with Escape", chromedp.KeyEvent(kb.Escape), chromedp.WaitNotVisible(chromedp.CSS("#user-dialog")))
	b.do("change view from the keyboard",
		chromedp.Focus(chromedp.CSS(`#views-nav button[data-view="roles"]`)),
		chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(chromedp.CSS("#roles-view")))
	if !b.eval(`document.querySelector('#views-nav button[data-view="roles"]').getAttribute('aria-current') === 'page' && document.getElementById('users-view').hidden`) {
		t.Error("the navigation does not mark the open view")
	}
}
