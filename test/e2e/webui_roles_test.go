package e2e

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestWebUIRoles drives the roles view in a real browser: the list with
// its users counts, create, edit, clone, a refused save, a built-in role
// opened read-only, delete, and a user who may read roles but not change
// them.
func TestWebUIRoles(t *testing.T) {
	browserPath(t)
	adminPassword := "webui-roles-admin-pw"
	s := startServer(t, options{password: adminPassword})
	admin := cred{"elastic", adminPassword}
	put := func(path, body string) {
		t.Helper()
		if code, b := s.request(t, admin, http.MethodPut, path, body); code != 200 {
			t.Fatalf("PUT %s: %d %s", path, code, b)
		}
	}
	// A role held by two users, its description holding markup: it must
	// show as text, never as HTML.
	markup := `<img id="xss-role" src="x">`
	// Its applications privileges are not in the form: an edit keeps them.
	put("/_security/role/webui-shared", `{"cluster":["monitor"],"description":"`+strings.ReplaceAll(markup, `"`, `\"`)+`",`+
		`"applications":[{"application":"webui-app","privileges":["read"],"resources":["*"]}]}`)
	put("/_security/user/webui-u1", `{"password":"`+secret("webui-u1-pw")+`","roles":["webui-shared"]}`)
	put("/_security/user/webui-u2", `{"password":"`+secret("webui-u2-pw")+`","roles":["webui-shared","other"]}`)
	// A user who may read roles (read_security) but not change them.
	put("/_security/role/webui-reader", `{"cluster":["read_security"]}`)
	viewerPassword := secret("webui-viewer-pw")
	put("/_security/user/webui-viewer", `{"password":"`+viewerPassword+`","roles":["webui-reader"]}`)

	b := newBrowser(t, s.url, 240*time.Second)
	do, text, eval := b.do, b.text, b.eval
	attr := func(sel, name string) string {
		t.Helper()
		v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.querySelector(`+jsString(sel)+`).getAttribute(`+jsString(name)+`) || ''`))
		if err != nil {
			t.Fatalf("attribute %s of %s: %v", name, sel, err)
		}
		return v
	}

	b.login("elastic", adminPassword)
	do("open the roles view",
		chromedp.Click(chromedp.CSS(`#views-nav button[data-view="roles"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#roles-body tr[data-role="webui-shared"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#reserved-roles-body tr[data-role="superuser"]`)),
		// The users counts: two native users hold webui-shared, one
		// webui-reader.
		chromedp.Poll[chromedp.Void](`document.querySelector('#roles-body tr[data-role="webui-shared"] td.role-users').textContent === '2'`),
		chromedp.Poll[chromedp.Void](`document.querySelector('#roles-body tr[data-role="webui-reader"] td.role-users').textContent === '1'`))
	if eval(`document.getElementById('xss-role') !== null`) {
		t.Error("a role's description was inserted as HTML")
	}
	if got := text(`#roles-body tr[data-role="webui-shared"] td.role-description`); got != markup {
		t.Errorf("description cell = %q, want the markup as text", got)
	}
	if got := text(`#reserved-roles-body tr[data-role="superuser"] td.role-status`); !strings.Contains(got, "built-in") {
		t.Errorf("superuser's status = %q, want it marked built-in", got)
	}
	if eval(`document.querySelector('button[aria-label="Edit superuser"], button[aria-label="Delete superuser"]') !== null`) {
		t.Error("a built-in role offers Edit or Delete")
	}

	// Create a role: cluster privileges, run as, two index entries (one
	// with field security and a document query). A query that is not JSON
	// is refused before anything is sent.
	row := func(n int, suffix string) string {
		return `#role-indices > fieldset:nth-child(` + string(rune('0'+n)) + `) [id$="` + suffix + `"]`
	}
	do("fill in the new role",
		chromedp.Click(chromedp.CSS("#create-role")),
		chromedp.WaitVisible(chromedp.CSS("#role-dialog")),
		chromedp.SendKeys(chromedp.CSS("#role-name"), "webui-logs"),
		chromedp.SendKeys(chromedp.CSS("#role-description"), "Logs of the blue team"),
		chromedp.SendKeys(chromedp.CSS("#role-cluster-filter"), "templ"),
		chromedp.Click(chromedp.CSS("#role-cluster-p-manage_index_templates")),
		typeInto("#role-cluster-filter", "monitor"),
		chromedp.Click(chromedp.CSS("#role-cluster-p-monitor")),
		chromedp.SendKeys(chromedp.CSS("#role-run-as"), "alice, bob"),
		chromedp.Click(chromedp.CSS("#role-add-index")),
		chromedp.SendKeys(chromedp.CSS(row(1, "-names")), "logs-*, metrics-*"),
		chromedp.Click(chromedp.CSS(row(1, "-p-read"))),
		chromedp.Click(chromedp.CSS(row(1, "-p-view_index_metadata"))),
		chromedp.SendKeys(chromedp.CSS(row(1, "-grant")), "*"),
		chromedp.SendKeys(chromedp.CSS(row(1, "-except")), "secret.*"),
		chromedp.SendKeys(chromedp.CSS(row(1, "-query")), `{"term": {"team": `),
		chromedp.Click(chromedp.CSS("#role-add-index")),
		chromedp.SendKeys(chromedp.CSS(row(2, "-names")), "audit"),
		chromedp.Click(chromedp.CSS(row(2, "-p-read"))),
		chromedp.Click(chromedp.CSS(row(2, "-restricted"))),
		chromedp.SendKeys(chromedp.CSS("#role-metadata"), `{"team": "blue"}`),
		chromedp.Click(chromedp.CSS("#role-save")),
		chromedp.Poll[chromedp.Void](`document.querySelector(`+jsString(row(1, "-query-error"))+`).textContent !== ''`))
	if got := text(row(1, "-query-error")); !strings.HasPrefix(got, "The document query is not valid JSON: ") {
		t.Errorf("query error = %q", got)
	}
	queryID := attr(row(1, "-query"), "id")
	if got := attr(row(1, "-query"), "aria-invalid"); got != "true" {
		t.Errorf("the query field's aria-invalid = %q", got)
	}
	if got := attr(row(1, "-query"), "aria-describedby"); !strings.Contains(" "+got+" ", " "+queryID+"-error ") {
		t.Errorf("the query field's aria-describedby = %q, want its error %s-error", got, queryID)
	}
	if !eval(`document.activeElement.id === ` + jsString(queryID)) {
		t.Error("the keyboard is not on the field in error")
	}
	if code, body := s.request(t, admin, http.MethodGet, "/_security/role/webui-logs", ""); code != 404 {
		t.Fatalf("a role with an invalid query was sent: %d %s", code, body)
	}
	if got := text("#role-json"); !strings.HasPrefix(got, "// Not ready: The document query is not valid JSON") || !strings.Contains(got, "PUT /_security/role/webui-logs\n") {
		t.Errorf("the JSON preview = %q", got)
	}
	b.screenshot("role-dialog")
	// Every control of the view and of the dialog has a label.
	if !eval(`[...document.querySelectorAll('#roles-view input, #roles-view select, #role-dialog input, #role-dialog textarea, #role-dialog select')].every((c) => c.labels.length > 0)`) {
		t.Error("a control of the roles view has no label")
	}
	do("fix the query and save",
		typeInto(row(1, "-query"), `{"term": {"team": "blue"}}`),
		chromedp.Poll[chromedp.Void](`document.querySelector(`+jsString(row(1, "-query-error"))+`).textContent === ''`),
		chromedp.Click(chromedp.CSS("#role-save")),
		chromedp.WaitNotVisible(chromedp.CSS("#role-dialog")),
		chromedp.WaitVisible(chromedp.CSS(`#roles-body tr[data-role="webui-logs"]`)))
	if got := attr(row(1, "-query"), "aria-invalid"); got != "" {
		t.Errorf("the fixed query field's aria-invalid = %q", got)
	}
	created := `{
		"description": "Logs of the blue team",
		"cluster": ["manage_index_templates", "monitor"],
		"indices": [
			{"names": ["logs-*", "metrics-*"], "privileges": ["read", "view_index_metadata"],
			 "field_security": {"grant": ["*"], "except": ["secret.*"]},
			 "query": "{\"term\":{\"team\":\"blue\"}}", "allow_restricted_indices": false},
			{"names": ["audit"], "privileges": ["read"], "allow_restricted_indices": true}
		],
		"applications": [],
		"run_as": ["alice", "bob"],
		"metadata": {"team": "blue"},
		"transient_metadata": {"enabled": true}
	}`
	checkRole(t, s, admin, "webui-logs", created)

	// Its JSON, as GET /_security/role answers it.
	do("show the role's JSON",
		chromedp.Click(chromedp.CSS(`button[aria-label="JSON of webui-logs"]`)),
		chromedp.WaitVisible(chromedp.CSS("#role-json-dialog")))
	_, stored := s.request(t, admin, http.MethodGet, "/_security/role/webui-logs", "")
	var shown, fromAPI any
	if err := json.Unmarshal([]byte(text("#role-json-view")), &shown); err != nil {
		t.Errorf("the JSON shown: %v", err)
	}
	if err := json.Unmarshal(stored, &fromAPI); err != nil || !reflect.DeepEqual(shown, fromAPI) {
		t.Errorf("the JSON shown:\n%s\nGET answers %s", text("#role-json-view"), stored)
	}
	do("close the JSON", chromedp.Click(chromedp.CSS("#role-json-close")), chromedp.WaitNotVisible(chromedp.CSS("#role-json-dialog")))

	// Edit: the name stays; one cluster privilege off, one index
	// privilege swapped for another.
	do("edit the role",
		chromedp.Click(chromedp.CSS(`button[aria-label="Edit webui-logs"]`)),
		chromedp.WaitVisible(chromedp.CSS("#role-dialog")),
		chromedp.Poll[chromedp.Void](`document.getElementById('role-name').value === 'webui-logs' && document.getElementById('role-name').readOnly`),
		chromedp.Click(chromedp.CSS("#role-cluster-p-monitor")),
		chromedp.Click(chromedp.CSS(row(2, "-p-read"))),
		chromedp.Click(chromedp.CSS(row(2, "-p-view_index_metadata"))),
		chromedp.Click(chromedp.CSS("#role-save")),
		chromedp.WaitNotVisible(chromedp.CSS("#role-dialog")),
		chromedp.Poll[chromedp.Void](`document.querySelector('#roles-body tr[data-role="webui-logs"] td.role-cluster').textContent === 'manage_index_templates'`))
	edited := strings.Replace(strings.Replace(created, `"manage_index_templates", "monitor"`, `"manage_index_templates"`, 1),
		`"privileges": ["read"], "allow_restricted_indices": true`, `"privileges": ["view_index_metadata"], "allow_restricted_indices": true`, 1)
	checkRole(t, s, admin, "webui-logs", edited)

	// Clone: a new name is needed (an existing one is refused), the rest
	// comes along.
	do("clone the role under an existing name",
		chromedp.Click(chromedp.CSS(`button[aria-label="Clone webui-logs"]`)),
		chromedp.WaitVisible(chromedp.CSS("#role-dialog")),
		chromedp.Poll[chromedp.Void](`document.getElementById('role-name').value === '' && !document.getElementById('role-name').readOnly`),
		chromedp.SendKeys(chromedp.CSS("#role-name"), "webui-shared"),
		chromedp.Click(chromedp.CSS("#role-save")),
		chromedp.Poll[chromedp.Void](`document.getElementById('role-name-error').textContent !== ''`))
	if got := text("#role-name-error"); got != "A role named webui-shared already exists." {
		t.Errorf("name error = %q", got)
	}
	shared := `{"cluster":["monitor"],"indices":[],"applications":[{"application":"webui-app","privileges":["read"],"resources":["*"]}],
		"run_as":[],"metadata":{},"transient_metadata":{"enabled":true},"description":` + jsString(markup) + `}`
	checkRole(t, s, admin, "webui-shared", shared)
	do("clone the role",
		typeInto("#role-name", "webui-logs-copy"),
		chromedp.Click(chromedp.CSS("#role-save")),
		chromedp.WaitNotVisible(chromedp.CSS("#role-dialog")),
		chromedp.WaitVisible(chromedp.CSS(`#roles-body tr[data-role="webui-logs-copy"]`)))
	checkRole(t, s, admin, "webui-logs-copy", edited)

	// An edit keeps what the form does not show (applications).
	do("edit webui-shared",
		chromedp.Click(chromedp.CSS(`button[aria-label="Edit webui-shared"]`)),
		chromedp.WaitVisible(chromedp.CSS("#role-dialog")),
		chromedp.Poll[chromedp.Void](`document.getElementById('role-name').value === 'webui-shared'`),
		chromedp.SendKeys(chromedp.CSS("#role-run-as"), "carol"),
		chromedp.Click(chromedp.CSS("#role-save")),
		chromedp.WaitNotVisible(chromedp.CSS("#role-dialog")))
	checkRole(t, s, admin, "webui-shared", strings.Replace(shared, `"run_as":[]`, `"run_as":["carol"]`, 1))

	// A privilege the server does not know: its message, verbatim.
	_, refused := s.request(t, admin, http.MethodPut, "/_security/role/webui-bad", `{"cluster":["bogus_priv"]}`)
	var refusal struct {
		Error struct {
			Reason string `json:"reason"`
		} `json:"error"`
	}
	if err := json.Unmarshal(refused, &refusal); err != nil || !strings.Contains(refusal.Error.Reason, "bogus_priv") {
		t.Fatalf("the server's refusal: %s (%v)", refused, err)
	}
	do("save an unknown privilege",
		chromedp.Click(chromedp.CSS("#create-role")),
		chromedp.WaitVisible(chromedp.CSS("#role-dialog")),
		chromedp.SendKeys(chromedp.CSS("#role-name"), "webui-bad"),
		chromedp.SendKeys(chromedp.CSS("#role-cluster-other"), "bogus_priv"),
		chromedp.Click(chromedp.CSS("#role-save")),
		chromedp.Poll[chromedp.Void](`document.getElementById('role-error').textContent !== ''`))
	if got := text("#role-error"); got != refusal.Error.Reason {
		t.Errorf("save error = %q, want the server's %q", got, refusal.Error.Reason)
	}
	do("cancel", chromedp.Click(chromedp.CSS("#role-cancel")), chromedp.WaitNotVisible(chromedp.CSS("#role-dialog")))

	// A built-in role opens read-only: no save, nothing to change.
	do("view superuser",
		chromedp.Click(chromedp.CSS(`button[aria-label="View superuser"]`)),
		chromedp.WaitVisible(chromedp.CSS("#role-dialog")),
		chromedp.WaitVisible(chromedp.CSS("#role-readonly")))
	if got := text("#role-dialog-title"); got != "Viewing role superuser" {
		t.Errorf("dialog title = %q", got)
	}
	if !eval(`document.getElementById('role-save').checkVisibility() === false && document.getElementById('role-fields').disabled && document.getElementById('role-cluster-p-all').checked`) {
		t.Error("the built-in role is not read-only, or does not show its privileges")
	}
	if !eval(`[...document.querySelectorAll('#role-dialog input, #role-dialog textarea')].every((c) => c.disabled || c.matches(':disabled'))`) {
		t.Error("a field of the built-in role can be changed")
	}
	if got := text("#role-json"); !strings.HasPrefix(got, "{\n  \"superuser\": {") || !strings.Contains(got, `"_reserved": true`) {
		t.Errorf("superuser's JSON = %q", got)
	}
	do("close with Escape", chromedp.KeyEvent(kb.Escape), chromedp.WaitNotVisible(chromedp.CSS("#role-dialog")))

	// Search by part of the name, then sort: the header says which way.
	do("search", chromedp.SendKeys(chromedp.CSS("#roles-search"), "LOGS"+kb.Enter),
		chromedp.Poll[chromedp.Void](`[...document.querySelectorAll('#roles-body tr')].map((r) => r.dataset.role).join() === 'webui-logs,webui-logs-copy'`))
	do("sort descending", chromedp.Click(chromedp.CSS("#roles-sort")),
		chromedp.Poll[chromedp.Void](`[...document.querySelectorAll('#roles-body tr')].map((r) => r.dataset.role).join() === 'webui-logs-copy,webui-logs'`))
	if got := attr("#roles-sort-th", "aria-sort"); got != "descending" {
		t.Errorf("aria-sort = %q", got)
	}
	do("search nothing", typeInto("#roles-search", "zzz-none"+kb.Enter),
		chromedp.Poll[chromedp.Void](`document.getElementById('roles-message').textContent === 'No custom role matches this search.'`))
	do("clear the search and sort ascending", clear("#roles-search"),
		chromedp.Click(chromedp.CSS(`#roles-search-form button[type="submit"]`)),
		chromedp.Click(chromedp.CSS("#roles-sort")),
		chromedp.Poll[chromedp.Void](`[...document.querySelectorAll('#roles-body tr')].map((r) => r.dataset.role).join() === 'webui-logs,webui-logs-copy,webui-reader,webui-shared'`),
		chromedp.Poll[chromedp.Void](`document.querySelector('#roles-body tr[data-role="webui-shared"] td.role-users').textContent === '2'`))
	if got := attr("#roles-sort-th", "aria-sort"); got != "ascending" {
		t.Errorf("aria-sort = %q", got)
	}
	b.screenshot("roles")

	// Delete, with a confirmation naming the users who hold the role.
	do("ask to delete webui-shared",
		chromedp.Click(chromedp.CSS(`button[aria-label="Delete webui-shared"]`)),
		chromedp.WaitVisible(chromedp.CSS("#confirm-dialog")))
	if got := text("#confirm-text"); got != "Delete the role “webui-shared”? 2 native users hold it and will lose its privileges. This cannot be undone." {
		t.Errorf("confirmation = %q", got)
	}
	do("cancel", chromedp.Click(chromedp.CSS("#confirm-cancel")), chromedp.WaitNotVisible(chromedp.CSS("#confirm-dialog")))
	do("hide the built-in roles", chromedp.Click(chromedp.CSS("#roles-show-reserved")),
		chromedp.WaitNotVisible(chromedp.CSS("#reserved-roles-table")))
	do("delete webui-logs-copy",
		chromedp.Click(chromedp.CSS(`button[aria-label="Delete webui-logs-copy"]`)),
		chromedp.WaitVisible(chromedp.CSS("#confirm-dialog")),
		chromedp.Click(chromedp.CSS("#confirm-ok")),
		chromedp.WaitNotVisible(chromedp.CSS("#confirm-dialog")),
		chromedp.WaitNotPresent(chromedp.CSS(`#roles-body tr[data-role="webui-logs-copy"]`)))
	if code, body := s.request(t, admin, http.MethodGet, "/_security/role/webui-logs-copy", ""); code != 404 {
		t.Errorf("after delete: %d %s", code, body)
	}
	if code, body := s.request(t, admin, http.MethodGet, "/_security/role/webui-shared", ""); code != 200 {
		t.Errorf("the cancelled delete deleted: %d %s", code, body)
	}

	// read_security without manage_security: the roles show, a save or a
	// delete is refused with the server's reason.
	do("log out", chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#login-form")))
	b.login("webui-viewer", viewerPassword)
	do("open the roles view as webui-viewer",
		chromedp.Click(chromedp.CSS(`#views-nav button[data-view="roles"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#roles-body tr[data-role="webui-logs"]`)),
		chromedp.Click(chromedp.CSS(`button[aria-label="Edit webui-logs"]`)),
		chromedp.WaitVisible(chromedp.CSS("#role-dialog")),
		chromedp.Poll[chromedp.Void](`document.getElementById('role-description').value === 'Logs of the blue team'`),
		typeInto("#role-description", "Changed"),
		chromedp.Click(chromedp.CSS("#role-save")),
		chromedp.Poll[chromedp.Void](`document.getElementById('role-error').textContent !== ''`))
	if got, want := text("#role-error"), "Not allowed: action [cluster:admin/xpack/security/role/put] is unauthorized for user [webui-viewer]"; !strings.HasPrefix(got, want) {
		t.Errorf("save as webui-viewer: %q, want it to start with %q", got, want)
	}
	do("cancel and delete",
		chromedp.Click(chromedp.CSS("#role-cancel")),
		chromedp.WaitNotVisible(chromedp.CSS("#role-dialog")),
		chromedp.Click(chromedp.CSS(`button[aria-label="Delete webui-logs"]`)),
		chromedp.WaitVisible(chromedp.CSS("#confirm-dialog")),
		chromedp.Click(chromedp.CSS("#confirm-ok")),
		chromedp.Poll[chromedp.Void](`document.getElementById('confirm-error').textContent !== ''`))
	if got, want := text("#confirm-error"), "Not allowed: action [cluster:admin/xpack/security/role/delete] is unauthorized for user [webui-viewer]"; !strings.HasPrefix(got, want) {
		t.Errorf("delete as webui-viewer: %q, want it to start with %q", got, want)
	}
	checkRole(t, s, admin, "webui-logs", edited)
}

// checkRole fails t unless GET /_security/role/NAME answers exactly want
// (as JSON, whatever the spacing and the order of keys).
func checkRole(t *testing.T, s *server, c cred, name, want string) {
	t.Helper()
	code, body := s.request(t, c, http.MethodGet, "/_security/role/"+name, "")
	if code != 200 {
		t.Fatalf("GET role %s: %d %s", name, code, body)
	}
	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("GET role %s: %v: %s", name, err, body)
	}
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("the wanted role %s: %v", name, err)
	}
	if !reflect.DeepEqual(got[name], w) || len(got) != 1 {
		t.Errorf("role %s:\n got %s\nwant %s", name, body, want)
	}
}

// jsString is s as a JavaScript (JSON) string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
