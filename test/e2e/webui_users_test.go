package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/esauth/esauth/internal/passhash"
)

// seedUsers creates n native users seedNNNN (role "seed", and "group7"
// for every seventh, a full name) with a few goroutines, and returns
// their password.
func seedUsers(t *testing.T, s *server, admin cred, n int) string {
	t.Helper()
	pw := newPassword("seed")
	// One hash for all: the server checks it but hashes nothing.
	h, err := passhash.Resolve("bcrypt4")
	if err != nil {
		t.Fatal(err)
	}
	hash, err := h.Hash(pw)
	if err != nil {
		t.Fatal(err)
	}
	names := make(chan int)
	errs := make(chan string, n)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range names {
				name := fmt.Sprintf("seed%04d", i)
				roles := `["seed"]`
				if i%7 == 0 {
					roles = `["seed","group7"]`
				}
				body := fmt.Sprintf(`{"password_hash":%q,"roles":%s,"full_name":"Seed User %s"}`, hash, roles, name[4:])
				res, b, err := s.try(admin, http.MethodPut, "/_security/user/"+name, body)
				if err != nil {
					errs <- err.Error()
				} else if res.StatusCode != 200 {
					errs <- fmt.Sprintf("%s: %d %s", name, res.StatusCode, b)
				}
			}
		}()
	}
	for i := range n {
		names <- i
	}
	close(names)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatalf("seeding: %s", e)
	}
	return pw
}

// getUser reads one native user through the API.
func getUser(t *testing.T, s *server, admin cred, name string) (u struct {
	Roles    []string `json:"roles"`
	FullName string   `json:"full_name"`
	Enabled  bool     `json:"enabled"`
}) {
	t.Helper()
	code, body := s.request(t, admin, http.MethodGet, "/_security/user/"+name, "")
	if code != 200 {
		t.Fatalf("GET user %s: %d %s", name, code, body)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(m[name], &u); err != nil {
		t.Fatal(err)
	}
	return u
}

// TestWebUIUsers drives the users page over a thousand users: paging past
// the query window by search_after, search, bulk actions on a selection
// and on every user a search matches, lockout and unlock, the password
// strength meter, one's own password change, the "not seen for" filter
// and the file realm's users shown read-only.
func TestWebUIUsers(t *testing.T) {
	browserPath(t)
	conf := t.TempDir()
	filePW := newPassword("fileops")
	h, err := passhash.Resolve("bcrypt4")
	if err != nil {
		t.Fatal(err)
	}
	hash, err := h.Hash(filePW)
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{"users": "fileops:" + hash + "\n", "users_roles": "viewer:fileops\n"} {
		if err := os.WriteFile(filepath.Join(conf, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	adminPassword := newPassword("admin")
	s := startServer(t, options{password: adminPassword, args: []string{"-E", "path.conf=" + conf}})
	admin := cred{"elastic", adminPassword}

	start := time.Now()
	bossPW := newPassword("boss")
	if code, body := s.request(t, admin, http.MethodPut, "/_security/user/boss", `{"password":"`+bossPW+`","roles":["superuser"],"full_name":"The Boss"}`); code != 200 {
		t.Fatalf("creating boss: %d %s", code, body)
	}
	const n = 1000
	seedPW := seedUsers(t, s, admin, n)
	t.Logf("seeded %d users in %v", n, time.Since(start))
	all := []string{"boss"}
	for i := range n {
		all = append(all, fmt.Sprintf("seed%04d", i))
	}
	slices.Sort(all)

	b := newBrowser(t, s.url, 240*time.Second)
	// The bodies of the page's user queries.
	var queriesMu sync.Mutex
	var queries []string
	if err := chromedp.Listen(b.ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok && e.Request != nil && strings.Contains(e.Request.URL, "/_security/_query/user?") {
			var body []byte
			for _, p := range e.Request.PostDataEntries {
				body = append(body, p.Bytes...)
			}
			queriesMu.Lock()
			queries = append(queries, string(body))
			queriesMu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	do, text, eval := b.do, b.text, b.eval
	// waitFor polls a JavaScript condition for up to d (longer than do's
	// 20 s, for the bulk action over a thousand users).
	waitFor := func(what, js string, d time.Duration) {
		t.Helper()
		ctx, cancel := context.WithTimeout(b.ctx, d)
		defer cancel()
		if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](js)); err != nil {
			b.screenshot("failure")
			t.Fatalf("%s: %v\nbulk summary: %s", what, err, text("#bulk-summary"))
		}
	}
	// page is the condition "the table shows rows [from, to) of total".
	page := func(from, to, total int) string {
		return fmt.Sprintf(`document.getElementById('page-info').textContent === %q && `+
			`document.querySelector('#users-body tr:first-child').dataset.username === %q && `+
			`document.querySelector('#users-body tr:last-child').dataset.username === %q && `+
			`document.querySelectorAll('#users-body tr').length === %d`,
			fmt.Sprintf("%d–%d of %d", from+1, to, total), all[from], all[to-1], to-from)
	}
	setPageSize := func(n int) chromedp.Action[chromedp.Void] {
		return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const s = document.getElementById('page-size'); s.value = '%d'; s.dispatchEvent(new Event('change')); })()`, n))
	}
	search := func(what string) chromedp.Action[chromedp.Void] {
		return chromedp.Steps(typeInto("#search", what), chromedp.Click(chromedp.CSS(`#search-form button[type="submit"]`)))
	}

	// The page lowers the query window to 250 rows (?window=250), so
	// that a thousand users page past it as ten thousand would.
	do("log in as boss",
		chromedp.Navigate(s.url+"/_esauth/ui/?window=250"),
		chromedp.WaitVisible(chromedp.CSS("#login-username")),
		typeInto("#login-username", "boss"),
		typeInto("#login-password", bossPW),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS(`#users-body tr[data-username="boss"]`)),
		setPageSize(100),
		chromedp.Poll[chromedp.Void](page(0, 100, n+1)))

	// ---- paging: from/size, then search_after past the window --------
	for p := 1; p <= 10; p++ {
		to := min((p+1)*100, n+1)
		do(fmt.Sprintf("next to page %d", p+1), chromedp.Click(chromedp.CSS("#next-page")), chromedp.Poll[chromedp.Void](page(p*100, to, n+1)))
	}
	if !eval(`document.getElementById('next-page').disabled`) {
		t.Error("Next is enabled on the last page")
	}
	for _, p := range []int{9, 8, 7, 6, 5, 4, 3, 2, 1, 0} {
		do(fmt.Sprintf("back to page %d", p+1), chromedp.Click(chromedp.CSS("#prev-page")), chromedp.Poll[chromedp.Void](page(p*100, (p+1)*100, n+1)))
	}
	if !eval(`document.getElementById('prev-page').disabled`) {
		t.Error("Previous is enabled on the first page")
	}
	// Within the window by from and size; past it by search_after.
	queriesMu.Lock()
	var within, after int
	for _, body := range queries {
		var q struct {
			From, Size  int
			SearchAfter []any `json:"search_after"`
		}
		if err := json.Unmarshal([]byte(body), &q); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		if q.From+q.Size > 250 {
			t.Errorf("a page past the window asked by from: %s", body)
		}
		if q.SearchAfter != nil {
			after++
		} else if q.Size == 100 {
			within++
		}
	}
	queries = nil
	queriesMu.Unlock()
	// Pages 1–2 and 3–11 there and back (page 3 is in the window again
	// on the way back: its start, 200, plus 100 passes 250).
	if within < 4 || after < 16 {
		t.Errorf("%d pages by from, %d by search_after", within, after)
	}

	// ---- search -------------------------------------------------------
	do("search seed042", typeInto("#search", "seed042"+kb.Enter),
		chromedp.Poll[chromedp.Void](`document.getElementById('page-info').textContent === '1–10 of 10' && document.querySelector('#users-body tr').dataset.username === 'seed0420'`))

	// ---- bulk disable of three selected users (and oneself, skipped) --
	do("select four users",
		search(""),
		setPageSize(10),
		chromedp.Poll[chromedp.Void](page(0, 10, n+1)),
		chromedp.Click(chromedp.CSS(`input[aria-label="Select seed0003"]`)),
		chromedp.Click(chromedp.CSS(`input[aria-label="Select seed0004"]`)),
		chromedp.Click(chromedp.CSS(`input[aria-label="Select seed0007"]`)),
		chromedp.Click(chromedp.CSS(`input[aria-label="Select boss"]`)),
		chromedp.Poll[chromedp.Void](`document.getElementById('bulk-count').textContent === '4 users selected'`),
		chromedp.Click(chromedp.CSS("#bulk-disable")),
		chromedp.WaitVisible(chromedp.CSS("#bulk-dialog")))
	if !eval(`document.getElementById('bulk-typed').hidden`) {
		t.Error("a typed confirmation for four users")
	}
	if got := text("#bulk-text"); !strings.Contains(got, "You (boss) will be skipped.") {
		t.Errorf("bulk text = %q", got)
	}
	do("disable them",
		chromedp.Click(chromedp.CSS("#bulk-ok")),
		chromedp.Poll[chromedp.Void](`document.getElementById('bulk-cancel').textContent === 'Close' && document.getElementById('bulk-progress').value === 4`))
	for _, name := range []string{"seed0003", "seed0004", "seed0007"} {
		if got := text(`#bulk-results-body tr[data-username="` + name + `"] td`); got != "ok" {
			t.Errorf("bulk result of %s = %q", name, got)
		}
		if getUser(t, s, admin, name).Enabled {
			t.Errorf("%s is still enabled after the bulk disable", name)
		}
	}
	if got := text(`#bulk-results-body tr[data-username="boss"] td`); !strings.HasPrefix(got, "skipped: ") {
		t.Errorf("bulk result of boss = %q", got)
	}
	if !getUser(t, s, admin, "boss").Enabled || !getUser(t, s, admin, "seed0006").Enabled {
		t.Error("the bulk disable disabled a user it should not have")
	}
	if got := text("#bulk-summary"); got != "4 of 4 done: 3 ok, 1 skipped, 0 failed" {
		t.Errorf("bulk summary = %q", got)
	}
	b.screenshot("users-bulk")
	do("close the results",
		chromedp.Click(chromedp.CSS("#bulk-cancel")),
		chromedp.WaitNotVisible(chromedp.CSS("#bulk-dialog")),
		chromedp.WaitVisible(chromedp.CSS(`#users-body tr[data-username="seed0003"] .badge.disabled`)),
		setPageSize(100))

	// ---- bulk add a role to every user matching a search ---------------
	// group7: 143 users, more than one page and more than 100.
	do("select all matching group7",
		search("group7"),
		chromedp.Poll[chromedp.Void](`document.getElementById('page-info').textContent === '1–100 of 143'`),
		chromedp.Click(chromedp.CSS("#select-page")),
		chromedp.WaitVisible(chromedp.CSS("#select-matching")))
	if got := text("#select-matching"); got != "Select all 143 users matching the search" {
		t.Errorf("select matching = %q", got)
	}
	do("add a role to all 143",
		chromedp.Click(chromedp.CSS("#select-matching")),
		chromedp.Poll[chromedp.Void](`document.getElementById('bulk-count').textContent === 'All 143 users matching the search are selected'`),
		chromedp.SendKeys(chromedp.CSS("#bulk-role"), "bulk-role"),
		chromedp.Click(chromedp.CSS("#bulk-add-role")),
		chromedp.WaitVisible(chromedp.CSS("#bulk-typed-input")),
		chromedp.Click(chromedp.CSS("#bulk-ok")),
		chromedp.Poll[chromedp.Void](`document.getElementById('bulk-error').textContent === 'Type 143 to confirm.'`))
	if !eval(`document.getElementById('bulk-run').hidden`) {
		t.Error("the bulk action started without its typed confirmation")
	}
	do("confirm by typing the number", chromedp.SendKeys(chromedp.CSS("#bulk-typed-input"), "143"), chromedp.Click(chromedp.CSS("#bulk-ok")))
	waitFor("the bulk add role", `document.getElementById('bulk-cancel').textContent === 'Close'`, 120*time.Second)
	if got := text("#bulk-summary"); got != "143 of 143 done: 143 ok, 0 skipped, 0 failed" {
		t.Errorf("bulk summary = %q", got)
	}
	code, body := s.request(t, admin, http.MethodPost, "/_security/_query/user", `{"query":{"term":{"roles":"bulk-role"}},"size":0}`)
	if code != 200 || !strings.HasPrefix(string(body), `{"total":143,`) {
		t.Errorf("users with bulk-role: %d %s", code, body)
	}
	// The other fields stay: seed0007 is still disabled, its name kept.
	if u := getUser(t, s, admin, "seed0007"); u.Enabled || u.FullName != "Seed User 0007" || !slices.Equal(u.Roles, []string{"seed", "group7", "bulk-role"}) {
		t.Errorf("seed0007 after adding a role: %+v", u)
	}
	for _, name := range []string{"boss", "seed0001"} {
		if u := getUser(t, s, admin, name); slices.Contains(u.Roles, "bulk-role") {
			t.Errorf("%s, not matching the search, got the role: %+v", name, u)
		}
	}
	do("close the results", chromedp.Click(chromedp.CSS("#bulk-cancel")), chromedp.WaitNotVisible(chromedp.CSS("#bulk-dialog")))
	if got := text("#bulk-count"); got != "No users selected" {
		t.Errorf("selection after the bulk action: %q", got)
	}

	// ---- lockout: a locked user shows so and is unlocked -------------
	locked := false
	for range 20 {
		if code, _ := s.request(t, cred{"seed0010", "not-the-password"}, http.MethodGet, "/_security/_authenticate", ""); code == 429 {
			locked = true
			break
		}
	}
	if !locked {
		t.Fatal("seed0010 never got locked out")
	}
	do("see the lock", search("seed0010"),
		chromedp.WaitVisible(chromedp.CSS(`#users-body tr[data-username="seed0010"] .badge.locked`)))
	do("unlock",
		chromedp.Click(chromedp.CSS(`button[aria-label="Unlock seed0010"]`)),
		chromedp.WaitVisible(chromedp.CSS("#confirm-dialog")),
		chromedp.Click(chromedp.CSS("#confirm-ok")),
		chromedp.WaitNotVisible(chromedp.CSS("#confirm-dialog")),
		chromedp.WaitNotPresent(chromedp.CSS(`#users-body tr[data-username="seed0010"] .badge.locked`)))
	if code, body := s.request(t, cred{"seed0010", seedPW}, http.MethodGet, "/_security/_authenticate", ""); code != 200 {
		t.Errorf("seed0010 after the unlock: %d %s", code, body)
	}

	// ---- the strength meter, scored by the server ----------------------
	do("a weak password",
		chromedp.Click(chromedp.CSS("#create-user")),
		chromedp.WaitVisible(chromedp.CSS("#user-dialog")),
		chromedp.SendKeys(chromedp.CSS("#user-username"), "strength-test"),
		chromedp.SendKeys(chromedp.CSS("#user-password"), "abc"),
		chromedp.Poll[chromedp.Void](`document.getElementById('user-password-strength').dataset.score === '0' && document.getElementById('user-password-policy').textContent.includes('at least [6] characters')`))
	if got := text("#user-password-strength"); got != "Strength: 0 of 4 (very weak)" {
		t.Errorf("weak strength = %q", got)
	}
	do("a strong password",
		typeInto("#user-password", "l0ng-r4nd0m-p@ssw0rd-"+kb.ArrowRight),
		chromedp.Poll[chromedp.Void](`document.getElementById('user-password-strength').dataset.score === '4' && document.getElementById('user-password-meter').value === 4`))
	if got := text("#user-password-policy"); got != "Meets the password policy." {
		t.Errorf("strong policy = %q", got)
	}
	b.screenshot("users-strength")
	do("generate one",
		chromedp.Click(chromedp.CSS("#user-password-generate")),
		chromedp.Poll[chromedp.Void](`document.getElementById('user-password').value.length === 20 && document.getElementById('user-password').type === 'text' && document.getElementById('user-password2').value === document.getElementById('user-password').value`))
	// Copy: the browser is allowed the clipboard; what it holds is the
	// generated password.
	for _, name := range []string{"clipboard-write", "clipboard-read"} {
		if _, err := chromedp.Call(b.ctx, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
			Permission: &cdpbrowser.PermissionDescriptor{Name: name}, Setting: cdpbrowser.PermissionSettingGranted, Origin: s.url}); err != nil {
			t.Fatalf("granting %s: %v", name, err)
		}
	}
	do("copy it", chromedp.Click(chromedp.CSS("#user-password-copy")),
		chromedp.Poll[chromedp.Void](`document.getElementById('user-password-copied').textContent !== ''`))
	if got := text("#user-password-copied"); got != "Copied." {
		t.Errorf("copy: %q", got)
	}
	clip, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Errorf("reading the clipboard: %v", err)
	} else if !eval(fmt.Sprintf(`document.getElementById('user-password').value === %q`, clip)) || len(clip) != 20 {
		t.Errorf("the clipboard holds %q, not the generated password", clip)
	}
	do("hide it", chromedp.Click(chromedp.CSS("#user-password-show")),
		chromedp.Poll[chromedp.Void](`document.getElementById('user-password').type === 'password'`),
		chromedp.Click(chromedp.CSS("#user-cancel")), chromedp.WaitNotVisible(chromedp.CSS("#user-dialog")))

	// ---- one's own password: the current one first --------------------
	newBossPW := newPassword("boss2")
	do("own password, a wrong current one",
		search("boss"),
		chromedp.WaitVisible(chromedp.CSS(`button[aria-label="Password boss"]`)),
		chromedp.Click(chromedp.CSS(`button[aria-label="Password boss"]`)),
		chromedp.WaitVisible(chromedp.CSS("#current-password")),
		chromedp.SendKeys(chromedp.CSS("#current-password"), "not-my-password"),
		chromedp.SendKeys(chromedp.CSS("#new-password"), newBossPW),
		chromedp.SendKeys(chromedp.CSS("#new-password2"), newBossPW),
		chromedp.Click(chromedp.CSS("#password-save")),
		chromedp.Poll[chromedp.Void](`document.getElementById('password-error').textContent === 'The current password is wrong.'`))
	if code, _ := s.request(t, cred{"boss", bossPW}, http.MethodGet, "/_security/_authenticate", ""); code != 200 {
		t.Fatalf("the password changed despite a wrong current one: %d", code)
	}
	do("own password",
		chromedp.SendKeys(chromedp.CSS("#current-password"), bossPW),
		chromedp.Click(chromedp.CSS("#password-save")),
		chromedp.WaitNotVisible(chromedp.CSS("#password-dialog")),
		chromedp.Poll[chromedp.Void](`document.getElementById('users-message').textContent === 'Your password was changed.'`))
	if code, body := s.request(t, cred{"boss", newBossPW}, http.MethodGet, "/_security/_authenticate", ""); code != 200 {
		t.Errorf("the new password does not work: %d %s", code, body)
	}
	// The session goes on with the new password.
	do("the session still works", search(""), chromedp.Poll[chromedp.Void](page(0, 100, n+1)))
	if !eval(`document.getElementById('login-view').hidden`) {
		t.Error("the session ended after changing one's own password")
	}

	// ---- not seen for N days: never seen counts as not seen ------------
	if code, _ := s.request(t, cred{"seed0001", seedPW}, http.MethodGet, "/_security/_authenticate", ""); code != 200 {
		t.Fatal("seed0001 cannot log in")
	}
	// Seen: boss, seed0001, seed0010.
	do("not seen for 30 days",
		typeInto("#not-seen", "30"),
		search(""),
		chromedp.Poll[chromedp.Void](`document.getElementById('page-info').textContent === '1–100 of 998'`))
	if eval(`['boss', 'seed0001', 'seed0010'].some((u) => document.querySelector('#users-body tr[data-username="' + u + '"]'))`) ||
		!eval(`document.querySelector('#users-body tr').dataset.username === 'seed0000' && document.querySelector('#users-body tr[data-username="seed0002"]') !== null`) {
		t.Error("the not-seen filter shows the wrong users")
	}
	do("not seen, and a search", search("seed000"),
		chromedp.Poll[chromedp.Void](`document.getElementById('page-info').textContent === '1–9 of 9'`))
	do("no filter", clear("#not-seen"), search(""), chromedp.Poll[chromedp.Void](page(0, 100, n+1)))

	// ---- the file realm's users, read-only ------------------------------
	do("file realm users", chromedp.WaitVisible(chromedp.CSS(`#file-users-body tr[data-username="fileops"]`)))
	if got := text(`#file-users-body tr[data-username="fileops"] td`); got != "viewer" {
		t.Errorf("fileops roles = %q", got)
	}
	if got := text(`#file-users-body tr[data-username="fileops"] .badge.file`); got != "file" {
		t.Errorf("fileops badge = %q", got)
	}
	if eval(`document.querySelectorAll('#file-users-body button, #file-users-body input').length !== 0`) {
		t.Error("the file realm users have controls")
	}
	if eval(`document.querySelector('#users-body tr[data-username="fileops"]') !== null`) {
		t.Error("fileops shows among the native users")
	}

	// ---- a bulk action goes on past a failure, with the server's reason -
	do("select three users", search("seed000"),
		chromedp.Poll[chromedp.Void](`document.getElementById('page-info').textContent === '1–10 of 10'`),
		chromedp.Click(chromedp.CSS(`input[aria-label="Select seed0002"]`)),
		chromedp.Click(chromedp.CSS(`input[aria-label="Select seed0003"]`)),
		chromedp.Click(chromedp.CSS(`input[aria-label="Select seed0004"]`)))
	// seed0004 goes away behind the page's back.
	if code, body := s.request(t, admin, http.MethodDelete, "/_security/user/seed0004", ""); code != 200 {
		t.Fatalf("deleting seed0004: %d %s", code, body)
	}
	do("enable them",
		chromedp.Click(chromedp.CSS("#bulk-enable")),
		chromedp.WaitVisible(chromedp.CSS("#bulk-dialog")),
		chromedp.Click(chromedp.CSS("#bulk-ok")),
		chromedp.Poll[chromedp.Void](`document.getElementById('bulk-cancel').textContent === 'Close'`))
	if got := text("#bulk-summary"); got != "3 of 3 done: 2 ok, 0 skipped, 1 failed" {
		t.Errorf("bulk summary = %q", got)
	}
	// The failure comes first, with the server's reason.
	if got := text(`#bulk-results-body tr:first-child`); got != "seed0004Validation Failed: 1: only existing users can be enabled;" {
		t.Errorf("first result row = %q, want the failure with the server's reason", got)
	}
	for _, name := range []string{"seed0002", "seed0003"} {
		if !getUser(t, s, admin, name).Enabled {
			t.Errorf("%s not enabled", name)
		}
	}
	do("close", chromedp.Click(chromedp.CSS("#bulk-cancel")), chromedp.WaitNotVisible(chromedp.CSS("#bulk-dialog")),
		chromedp.WaitNotPresent(chromedp.CSS(`#users-body tr[data-username="seed0004"]`)))
}
