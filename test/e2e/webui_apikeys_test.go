package e2e

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestWebUIAPIKeys drives the API keys view in a real browser: create a
// key (its secret shown once, then gone from the page), the server's
// refusals verbatim, JSON checked before sending, the list with its owner,
// status, sort and search, invalidation of one key and of a selection, and
// a user with manage_own_api_key who sees only their own keys.
func TestWebUIAPIKeys(t *testing.T) {
	browserPath(t)
	adminPassword := newPassword("webui-keys-admin")
	admin := cred{"elastic", adminPassword}
	s := startServer(t, options{password: adminPassword})

	// keys-bob may manage his own keys only; keys-carol may not touch any.
	bob := cred{"keys-bob", newPassword("bob")}
	carol := cred{"keys-carol", newPassword("carol")}
	for _, r := range []struct{ path, body string }{
		{"/_security/role/own-keys", `{"cluster":["manage_own_api_key"]}`},
		{"/_security/user/keys-bob", fmt.Sprintf(`{"password":%q,"roles":["own-keys"]}`, bob.password)},
		{"/_security/user/keys-carol", fmt.Sprintf(`{"password":%q,"roles":[]}`, carol.password)},
	} {
		if code, body := s.request(t, admin, http.MethodPut, r.path, r.body); code != 200 {
			t.Fatalf("PUT %s: %d %s", r.path, code, body)
		}
	}
	bobKey := createTestKey(t, s, bob, `{"name":"bob-key"}`)
	// An expired key: listed only with the invalidated and expired ones.
	expired := createTestKey(t, s, admin, `{"name":"expired-key","expiration":"1ms"}`)

	b := newBrowser(t, s.url, 170*time.Second)
	do, text, eval := b.do, b.text, b.eval
	row := func(id string) string { return fmt.Sprintf(`#apikeys-body tr[data-id=%q]`, id) }

	b.login("elastic", adminPassword)
	do("open the API keys view",
		chromedp.Click(chromedp.CSS(`#views-nav button[data-view="apikeys"]`)),
		chromedp.WaitVisible(chromedp.CSS("#apikeys-view")),
		chromedp.WaitVisible(chromedp.CSS(row(bobKey.ID))))
	if eval(`document.querySelector(` + keysJS(row(expired.ID)) + `) !== null`) {
		t.Error("an expired key is listed while only active keys are asked for")
	}
	if !eval(`document.activeElement && document.activeElement.id === 'apikeys-search'`) {
		t.Error("opening the view does not put the keyboard in its search field")
	}
	if got := text(row(bobKey.ID) + " td.owner"); got != "keys-bob (default_native)" {
		t.Errorf("bob's key: owner cell %q", got)
	}
	if got := text(row(bobKey.ID) + " td.expires"); got != "never" {
		t.Errorf("a key without expiration: expires cell %q", got)
	}

	// Create, with the keyboard: a bad expiration gets the server's own
	// message, on the field.
	do("open the create dialog with the keyboard",
		chromedp.Focus(chromedp.CSS("#apikeys-create")),
		chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(chromedp.CSS("#apikey-dialog")),
		chromedp.Poll[chromedp.Void](`document.activeElement.id === 'apikey-name'`))
	do("create with a bad expiration",
		chromedp.SendKeys(chromedp.CSS("#apikey-name"), "webui-key"),
		chromedp.SendKeys(chromedp.CSS("#apikey-expiration"), "30x"),
		chromedp.Click(chromedp.CSS("#apikey-save")),
		chromedp.Poll[chromedp.Void](`document.getElementById('apikey-expiration-error').textContent !== ''`))
	if got, want := text("#apikey-expiration-error"), "Failed to build [api_key_request] after last required field arrived\n"+
		"failed to parse setting [expiration] with value [30x] as a time value: unit is missing or unrecognized"; got != want {
		t.Errorf("bad expiration: error %q, want %q", got, want)
	}
	if !eval(`document.getElementById('apikey-expiration').getAttribute('aria-invalid') === 'true' && ` +
		`document.getElementById('apikey-expiration').getAttribute('aria-describedby').split(' ').includes('apikey-expiration-error')`) {
		t.Error("the expiration's error is not tied to the field (aria-invalid, aria-describedby)")
	}

	// Bad JSON never leaves the page.
	for _, c := range []struct{ field, value, want string }{
		{"#apikey-roles", `{"monitor-only": {"cluster": [monitor]}}`, "The role descriptors are not valid JSON: "},
		{"#apikey-roles", `[{"cluster": ["monitor"]}]`, "The role descriptors must be a JSON object"},
		{"#apikey-metadata", `{"app": }`, "The metadata is not valid JSON: "},
	} {
		sent := len(b.sentAuthorizations())
		do("create with bad JSON "+c.value,
			typeInto("#apikey-expiration", "30d"),
			clear("#apikey-roles"), clear("#apikey-metadata"),
			typeInto(c.field, c.value),
			chromedp.Click(chromedp.CSS("#apikey-save")),
			chromedp.Poll[chromedp.Void](`document.getElementById(`+keysJS(c.field[1:]+"-error")+`).textContent !== ''`))
		if got := text(c.field + "-error"); !strings.HasPrefix(got, c.want) {
			t.Errorf("%s = %s: error %q, want it to start with %q", c.field, c.value, got, c.want)
		}
		if !eval(`document.activeElement.id === ` + keysJS(c.field[1:])) {
			t.Errorf("%s = %s: the keyboard is not on the bad field", c.field, c.value)
		}
		time.Sleep(300 * time.Millisecond)
		if n := len(b.sentAuthorizations()); n != sent {
			t.Errorf("%s = %s: the page sent %d requests", c.field, c.value, n-sent)
		}
	}
	b.screenshot("apikeys-create")
	if n := countTestKeys(t, s, admin, "webui-key"); n != 0 {
		t.Fatalf("refused creations made %d keys", n)
	}

	do("create the key",
		clear("#apikey-roles"), clear("#apikey-metadata"),
		chromedp.SendKeys(chromedp.CSS("#apikey-roles"), `{"monitor-only": {"cluster": ["monitor"]}}`),
		chromedp.SendKeys(chromedp.CSS("#apikey-metadata"), `{"app": "webui-test"}`),
		chromedp.Click(chromedp.CSS("#apikey-save")),
		chromedp.WaitNotVisible(chromedp.CSS("#apikey-dialog")),
		chromedp.WaitVisible(chromedp.CSS("#apikey-secret-dialog")))
	encoded, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.getElementById('apikey-secret').value`))
	if err != nil {
		t.Fatal(err)
	}
	secret(encoded)
	raw, err := base64.StdEncoding.DecodeString(encoded)
	id, apiKey, ok := strings.Cut(string(raw), ":")
	if err != nil || !ok || id == "" || apiKey == "" {
		t.Fatalf("the page shows %q, not an encoded API key", encoded)
	}
	secret(apiKey)
	if got := text("#apikey-secret-id"); got != id {
		t.Errorf("the dialog shows the id %q, the key's is %q", got, id)
	}
	if got := text("#apikey-secret-warning"); !strings.Contains(got, "will not be shown again") {
		t.Errorf("no warning that the key is shown once: %q", got)
	}
	if !eval(`document.getElementById('apikey-secret').readOnly`) {
		t.Error("the secret's field is not read-only")
	}
	if code, body := doAuth(t, s.url, "ApiKey "+encoded); code != 200 {
		t.Fatalf("the key shown does not authenticate: %d %s", code, body)
	}
	var got struct {
		APIKeys []struct {
			Name            string                     `json:"name"`
			Username        string                     `json:"username"`
			Expiration      int64                      `json:"expiration"`
			Metadata        map[string]any             `json:"metadata"`
			RoleDescriptors map[string]json.RawMessage `json:"role_descriptors"`
		} `json:"api_keys"`
	}
	s.mustJSON(t, admin, http.MethodGet, "/_security/api_key?id="+id, "", 200, &got)
	if len(got.APIKeys) != 1 || got.APIKeys[0].Name != "webui-key" || got.APIKeys[0].Metadata["app"] != "webui-test" ||
		got.APIKeys[0].RoleDescriptors["monitor-only"] == nil ||
		time.Until(time.UnixMilli(got.APIKeys[0].Expiration)) < 29*24*time.Hour {
		t.Errorf("the key made: %+v", got)
	}

	// Copy: to the clipboard, or (without one) the key selected.
	do("copy", chromedp.Click(chromedp.CSS("#apikey-copy")),
		chromedp.Poll[chromedp.Void](`document.getElementById('apikey-copy-status').textContent !== ''`))
	st := text("#apikey-copy-status")
	t.Logf("copy: %s", st)
	if !strings.HasPrefix(st, "Copied") &&
		!eval(`(() => { const f = document.getElementById('apikey-secret'); return document.activeElement === f && f.selectionStart === 0 && f.selectionEnd === f.value.length && f.value.length > 0; })()`) {
		t.Errorf("copy says %q, and the key is not selected", st)
	}

	// Closing forgets it: nowhere in the page any more.
	do("close the secret", chromedp.Click(chromedp.CSS("#apikey-secret-close")),
		chromedp.WaitNotVisible(chromedp.CSS("#apikey-secret-dialog")))
	for _, v := range []string{encoded, apiKey} {
		if eval(`document.documentElement.innerHTML.includes(` + keysJS(v) + `) || ` +
			`[...document.querySelectorAll('input, textarea')].some((i) => i.value.includes(` + keysJS(v) + `)) || ` +
			`String(document.getSelection()).includes(` + keysJS(v) + `)`) {
			t.Errorf("the secret %q stays in the page after its dialog is closed", v)
		}
	}

	// The list shows the new key with its owner.
	r := row(id)
	do("the new key listed", chromedp.WaitVisible(chromedp.CSS(r)))
	if got := text(r + " th"); got != "webui-key" {
		t.Errorf("name cell %q", got)
	}
	if got := text(r + " td.owner"); got != "elastic (reserved)you" {
		t.Errorf("owner cell %q", got)
	}
	if got := text(r + " td.id"); got != id {
		t.Errorf("id cell %q", got)
	}
	dated := regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d UTC$`)
	if got := text(r + " td.created"); !dated.MatchString(got) {
		t.Errorf("created cell %q", got)
	}
	if got := text(r + " td.expires"); !dated.MatchString(got) {
		t.Errorf("expires cell %q", got)
	}
	if got := text(r + " td.status"); got != "active" {
		t.Errorf("status cell %q", got)
	}
	if got := text(r + " td.type"); got != "rest" {
		t.Errorf("type cell %q", got)
	}

	// Sorting is the server's: newest first by default, then by name.
	names := func() []string {
		v, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#apikeys-body tr')].map((r) => r.dataset.name)`))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if n := names(); !slices.Equal(n, []string{"webui-key", "bob-key"}) {
		t.Errorf("default order (newest first) = %v", n)
	}
	if got := keysAttr(b, `#apikeys-table th[data-sort="creation"]`, "aria-sort"); got != "descending" {
		t.Errorf("created header: aria-sort %q", got)
	}
	do("sort by name", chromedp.Click(chromedp.CSS(`#apikeys-table th[data-sort="name"] button`)),
		chromedp.Poll[chromedp.Void](`document.querySelector('#apikeys-table th[data-sort="name"]').getAttribute('aria-sort') === 'ascending'`))
	if n := names(); !slices.Equal(n, []string{"bob-key", "webui-key"}) {
		t.Errorf("by name = %v", n)
	}
	if got := keysAttr(b, `#apikeys-table th[data-sort="creation"]`, "aria-sort"); got != "none" {
		t.Errorf("created header after sorting by name: aria-sort %q", got)
	}
	do("sort by name, descending", chromedp.Click(chromedp.CSS(`#apikeys-table th[data-sort="name"] button`)),
		chromedp.Poll[chromedp.Void](`document.querySelector('#apikeys-table th[data-sort="name"]').getAttribute('aria-sort') === 'descending'`))
	if n := names(); !slices.Equal(n, []string{"webui-key", "bob-key"}) {
		t.Errorf("by name, descending = %v", n)
	}

	// Search by part of the owner or of the name, any case, or by id.
	for _, c := range []struct{ search, want string }{{"KEYS-B", "bob-key"}, {"bUi-K", "webui-key"}, {id, "webui-key"}} {
		do("search "+c.search, typeInto("#apikeys-search", c.search+kb.Enter),
			chromedp.Poll[chromedp.Void](`document.getElementById('apikeys-table').getAttribute('aria-busy') === null && `+
				`document.getElementById('apikeys-message').textContent !== 'Loading…'`))
		if n := names(); !slices.Equal(n, []string{c.want}) {
			t.Errorf("search %s = %v", c.search, n)
		}
	}
	do("search with no hit", typeInto("#apikeys-search", "no-such-key"+kb.Enter),
		chromedp.Poll[chromedp.Void](`document.getElementById('apikeys-message').textContent === 'No API key matches this search.'`))
	if n := names(); len(n) != 0 {
		t.Errorf("search with no hit = %v", n)
	}
	do("clear the search", clear("#apikeys-search"), chromedp.Click(chromedp.CSS(`#apikeys-search-form button[type="submit"]`)),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll('#apikeys-body tr').length === 2`))

	// Invalidate one, with a confirmation: refused at once, gone from the
	// active keys, listed as invalidated with them all.
	do("invalidate the key",
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`button[aria-label="Invalidate webui-key (%s)"]`, id))),
		chromedp.WaitVisible(chromedp.CSS("#confirm-dialog")))
	if got := text("#confirm-text"); !strings.Contains(got, id) || !strings.Contains(got, "webui-key") {
		t.Errorf("confirmation %q does not name the key", got)
	}
	do("confirm", chromedp.Click(chromedp.CSS("#confirm-ok")),
		chromedp.WaitNotVisible(chromedp.CSS("#confirm-dialog")),
		chromedp.WaitNotPresent(chromedp.CSS(r)))
	if code, body := doAuth(t, s.url, "ApiKey "+encoded); code != 401 {
		t.Errorf("the invalidated key still authenticates: %d %s", code, body)
	}
	if code, body := doAuth(t, s.url, "ApiKey "+bobKey.Encoded); code != 200 {
		t.Errorf("bob's key was invalidated too: %d %s", code, body)
	}
	do("show invalidated and expired keys", chromedp.Click(chromedp.CSS("#apikeys-show-all")),
		chromedp.WaitVisible(chromedp.CSS(r)), chromedp.WaitVisible(chromedp.CSS(row(expired.ID))))
	if got := text(r + " td.status"); got != "invalidated" {
		t.Errorf("status of the invalidated key %q", got)
	}
	if got := text(row(expired.ID) + " td.status"); got != "expired" {
		t.Errorf("status of the expired key %q", got)
	}
	if eval(`document.querySelector(` + keysJS(r+" td.actions button") + `) !== null || !document.querySelector(` + keysJS(r+" input[type=checkbox]") + `).disabled`) {
		t.Error("an invalidated key can be invalidated again")
	}
	b.screenshot("apikeys")

	// Invalidate a selection at once; one of them was invalidated meanwhile.
	bulk := []testKeyCreated{
		createTestKey(t, s, admin, `{"name":"bulk-1"}`),
		createTestKey(t, s, admin, `{"name":"bulk-2"}`),
		createTestKey(t, s, admin, `{"name":"bulk-3"}`),
	}
	do("back to the active keys", chromedp.Click(chromedp.CSS("#apikeys-show-all")),
		chromedp.WaitVisible(chromedp.CSS(row(bulk[2].ID))), chromedp.WaitNotPresent(chromedp.CSS(r)))
	if !eval(`document.getElementById('apikeys-invalidate-selected').disabled`) {
		t.Error("Invalidate selected is enabled with nothing selected")
	}
	for _, k := range bulk {
		do("select "+k.Name, chromedp.Click(chromedp.CSS(row(k.ID)+" input[type=checkbox]")))
	}
	if got := text("#apikeys-invalidate-selected"); got != "Invalidate selected (3)" {
		t.Errorf("bulk button %q", got)
	}
	if code, body := s.request(t, admin, http.MethodDelete, "/_security/api_key", `{"ids":["`+bulk[1].ID+`"]}`); code != 200 {
		t.Fatalf("invalidating bulk-2: %d %s", code, body)
	}
	sent := len(b.sentAuthorizations())
	do("invalidate the selection",
		chromedp.Click(chromedp.CSS("#apikeys-invalidate-selected")),
		chromedp.WaitVisible(chromedp.CSS("#confirm-dialog")),
		chromedp.Click(chromedp.CSS("#confirm-ok")),
		chromedp.WaitNotVisible(chromedp.CSS("#confirm-dialog")),
		chromedp.WaitVisible(chromedp.CSS("#apikeys-results li")),
		chromedp.WaitNotPresent(chromedp.CSS(row(bulk[0].ID))))
	results, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#apikeys-results li')].map((l) => l.textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"bulk-1 (" + bulk[0].ID + "): invalidated",
		"bulk-2 (" + bulk[1].ID + "): already invalidated",
		"bulk-3 (" + bulk[2].ID + "): invalidated",
	}
	if !slices.Equal(results, want) {
		t.Errorf("per-key results %q, want %q", results, want)
	}
	// One DELETE for the three, a query of the one it did not name, then
	// the list's query.
	if n := len(b.sentAuthorizations()) - sent; n != 3 {
		t.Errorf("invalidating the selection sent %d requests, want 3 (one DELETE, two queries)", n)
	}
	for _, k := range bulk {
		if code, _ := doAuth(t, s.url, "ApiKey "+k.Encoded); code != 401 {
			t.Errorf("%s still authenticates: %d", k.Name, code)
		}
	}

	// Paging is the server's: 12 active keys, 10 a page.
	for i := range 11 {
		createTestKey(t, s, admin, fmt.Sprintf(`{"name":"page-%02d"}`, i))
	}
	do("10 keys a page",
		chromedp.SetValue(chromedp.CSS("#apikeys-page-size"), "10"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('apikeys-page-size').dispatchEvent(new Event('change'))`),
		chromedp.Poll[chromedp.Void](`document.getElementById('apikeys-page-info').textContent === '1–10 of 12'`))
	first := names()
	if !eval(`document.getElementById('apikeys-prev').disabled && !document.getElementById('apikeys-next').disabled`) {
		t.Error("first page: Previous should be off, Next on")
	}
	do("next page", chromedp.Click(chromedp.CSS("#apikeys-next")),
		chromedp.Poll[chromedp.Void](`document.getElementById('apikeys-page-info').textContent === '11–12 of 12'`))
	if second := names(); len(first) != 10 || len(second) != 2 || slices.ContainsFunc(second, func(n string) bool { return slices.Contains(first, n) }) {
		t.Errorf("pages %v and %v", first, second)
	}
	if !eval(`!document.getElementById('apikeys-prev').disabled && document.getElementById('apikeys-next').disabled`) {
		t.Error("last page: Previous should be on, Next off")
	}
	do("previous page", chromedp.Click(chromedp.CSS("#apikeys-prev")),
		chromedp.Poll[chromedp.Void](`document.getElementById('apikeys-page-info').textContent === '1–10 of 12'`))
	if again := names(); !slices.Equal(again, first) {
		t.Errorf("back to the first page: %v, was %v", again, first)
	}

	// Escape closes the secret's dialog, and forgets the key too.
	do("create a key without expiration",
		chromedp.Click(chromedp.CSS("#apikeys-create")),
		chromedp.WaitVisible(chromedp.CSS("#apikey-dialog")),
		chromedp.SendKeys(chromedp.CSS("#apikey-name"), "esc-key"+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS("#apikey-secret-dialog")))
	escKey, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.getElementById('apikey-secret').value`))
	if err != nil || escKey == "" {
		t.Fatalf("no key shown: %q %v", escKey, err)
	}
	secret(escKey)
	do("escape", chromedp.KeyEvent(kb.Escape), chromedp.WaitNotVisible(chromedp.CSS("#apikey-secret-dialog")))
	if eval(`document.documentElement.innerHTML.includes(` + keysJS(escKey) + `) || document.getElementById('apikey-secret').value !== ''`) {
		t.Error("the key stays in the page after Escape closed its dialog")
	}
	if code, _ := doAuth(t, s.url, "ApiKey "+escKey); code != 200 {
		t.Errorf("esc-key does not authenticate: %d", code)
	}

	// keys-bob, with manage_own_api_key only, sees his own keys and may
	// invalidate them.
	do("log out", chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#login-form")))
	b.login(bob.user, bob.password)
	do("bob's API keys",
		chromedp.Click(chromedp.CSS(`#views-nav button[data-view="apikeys"]`)),
		chromedp.WaitVisible(chromedp.CSS(row(bobKey.ID))),
		chromedp.Click(chromedp.CSS("#apikeys-show-all")),
		chromedp.Poll[chromedp.Void](`document.getElementById('apikeys-show-all').checked && document.getElementById('apikeys-table').getAttribute('aria-busy') === null`),
		chromedp.WaitVisible(chromedp.CSS(row(bobKey.ID))))
	owners, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#apikeys-body td.owner')].map((c) => c.textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(owners, []string{"keys-bob (default_native)you"}) {
		t.Errorf("bob sees the keys of %q", owners)
	}
	do("bob invalidates his key",
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`button[aria-label="Invalidate bob-key (%s)"]`, bobKey.ID))),
		chromedp.WaitVisible(chromedp.CSS("#confirm-dialog")),
		chromedp.Click(chromedp.CSS("#confirm-ok")),
		chromedp.WaitNotVisible(chromedp.CSS("#confirm-dialog")),
		chromedp.WaitVisible(chromedp.CSS(row(bobKey.ID)+`[data-status="invalidated"]`)))
	if code, _ := doAuth(t, s.url, "ApiKey "+bobKey.Encoded); code != 401 {
		t.Errorf("bob's key still authenticates after he invalidated it: %d", code)
	}
	do("bob's active keys: none",
		chromedp.Click(chromedp.CSS("#apikeys-show-all")),
		chromedp.WaitNotPresent(chromedp.CSS(row(bobKey.ID))),
		chromedp.Poll[chromedp.Void](`document.getElementById('apikeys-message').textContent === 'No active API keys.'`))

	// keys-carol may not list keys: the server's reason.
	do("log out", chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#login-form")))
	b.login(carol.user, carol.password)
	do("carol's API keys",
		chromedp.Click(chromedp.CSS(`#views-nav button[data-view="apikeys"]`)),
		chromedp.Poll[chromedp.Void](`document.getElementById('apikeys-message').textContent.startsWith('Not allowed: ')`))
	if got, want := text("#apikeys-message"), "Not allowed: action [cluster:admin/xpack/security/api_key/query] is unauthorized for user [keys-carol]"; !strings.HasPrefix(got, want) {
		t.Errorf("403 message %q, want it to start with %q", got, want)
	}

	// Her password changes under her: the next call's 401 brings the login
	// form back.
	if code, body := s.request(t, admin, http.MethodPost, "/_security/user/keys-carol/_password", `{"password":"`+newPassword("carol2")+`"}`); code != 200 {
		t.Fatalf("changing carol's password: %d %s", code, body)
	}
	do("401", chromedp.Click(chromedp.CSS(`#apikeys-search-form button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS("#login-form")))
	if got := text("#login-error"); !strings.HasPrefix(got, "Your session has ended") {
		t.Errorf("login message after a 401 = %q", got)
	}
}

// testKeyCreated is the answer of a create API key.
type testKeyCreated struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Encoded string `json:"encoded"`
	APIKey  string `json:"api_key"`
}

// createTestKey creates an API key as c, its secrets registered.
func createTestKey(t *testing.T, s *server, c cred, body string) testKeyCreated {
	t.Helper()
	var k testKeyCreated
	s.mustJSON(t, c, http.MethodPost, "/_security/api_key", body, 200, &k)
	secret(k.Encoded)
	secret(k.APIKey)
	return k
}

// countTestKeys counts the keys named name, in every state.
func countTestKeys(t *testing.T, s *server, c cred, name string) int {
	t.Helper()
	var res struct {
		Total int `json:"total"`
	}
	s.mustJSON(t, c, http.MethodPost, "/_security/_query/api_key", fmt.Sprintf(`{"query":{"term":{"name":%q}}}`, name), 200, &res)
	return res.Total
}

// keysAttr is an attribute of the first element matching sel.
func keysAttr(b *browser, sel, name string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector(%s).getAttribute(%s) || ''`, keysJS(sel), keysJS(name))))
	if err != nil {
		b.t.Fatalf("attribute %s of %s: %v", name, sel, err)
	}
	return v
}

// keysJS is s as a JavaScript string literal.
func keysJS(s string) string {
	j, _ := json.Marshal(s)
	return string(j)
}
