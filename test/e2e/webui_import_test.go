package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/bcrypt"
)

// refusedHash ends the reason of every hash the page refuses before
// sending it (importexport.js REFUSED).
const refusedHash = "esauth, like Elasticsearch, accepts only bcrypt ($2a$, $2b$, $2y$) and PBKDF2 hashes: " +
	"re-hash it (htpasswd -B) or give a password"

// TestWebUIImportParse runs the import's parser in the page (no server
// call): RFC 4180 quoting, the header's checks, each row's problems and
// the htpasswd schemes, and the export's CSV quoting.
func TestWebUIImportParse(t *testing.T) {
	browserPath(t)
	s := startServer(t, options{})
	b := newBrowser(t, s.url, 90*time.Second)
	b.do("open the page", chromedp.Navigate(s.url+"/_esauth/ui/"), chromedp.WaitVisible(chromedp.CSS("#login-username")))

	// parse gives the file errors and, per row, [line, username, password,
	// roles, full name, email, enabled, problems], "<absent>" for a column
	// the file does not have.
	parse := func(text, format, roles string) (fileErrors []string, rows [][]string) {
		t.Helper()
		in, _ := json.Marshal([]string{text, format, roles})
		js := `import('./importexport.js').then((m) => {
			const [text, format, roles] = ` + string(in) + `;
			const s = (v) => v === undefined ? '<absent>' : v === null ? '<null>' : Array.isArray(v) ? v.join(',') : String(v);
			const p = m.parseImport(text, format, roles);
			return JSON.stringify({format: p.format, fileErrors: p.fileErrors, rows: p.rows.map((r) => [String(r.line), r.username,
				r.password !== undefined ? 'password ' + r.password : r.passwordHash !== undefined ? 'hash ' + r.passwordHash : '<none>',
				s(r.roles), s(r.fullName), s(r.email), s(r.enabled), r.errors.join(' | ')])});
		})`
		out, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("parseImport: %v", err)
		}
		var res struct {
			Format     string
			FileErrors []string
			Rows       [][]string
		}
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatal(err)
		}
		return res.FileErrors, res.Rows
	}
	check := func(name, text, format, roles string, wantFile []string, wantRows [][]string) {
		t.Helper()
		fe, rows := parse(text, format, roles)
		if !reflect.DeepEqual(fe, wantFile) && !(len(fe) == 0 && len(wantFile) == 0) {
			t.Errorf("%s: file errors\n got %q\nwant %q", name, fe, wantFile)
		}
		if len(rows) != len(wantRows) {
			t.Errorf("%s: %d rows, want %d: %q", name, len(rows), len(wantRows), rows)
			return
		}
		for i := range rows {
			if !slices.Equal(rows[i], wantRows[i]) {
				t.Errorf("%s: row %d\n got %q\nwant %q", name, i, rows[i], wantRows[i])
			}
		}
	}

	// RFC 4180: a BOM, CRLF, a blank line, "" for a quote, a quoted comma
	// and line break, no newline at the end; the header in any case.
	check("quoting", "\ufeffUsername,Password,roles,full_name,email,enabled\r\n"+
		"ann,pw-ann-1,viewer| editor ||,\"Liddell, Ann\",ann@example.com,TRUE\r\n"+
		"\r\n"+
		"bob,pw-bob-1,,\"Bob \"\"Bobby\"\"\r\nJones\",,false\r\n"+
		"cat,\"pw,cat\",,,,", "auto", "", nil, [][]string{
		{"2", "ann", "password pw-ann-1", "viewer,editor", "Liddell, Ann", "ann@example.com", "true", ""},
		{"4", "bob", "password pw-bob-1", "", "Bob \"Bobby\"\r\nJones", "<null>", "false", ""},
		{"6", "cat", "password pw,cat", "", "<null>", "<null>", "true", ""},
	})

	long := strings.Repeat("x", 508)
	check("row problems", "username,password,password_hash,roles\n"+
		" lead,pw-1,,\n"+
		",pw-1,,\n"+
		long+",pw-1,,\n"+
		"caf\u00e9,pw-1,,\n"+
		"..,pw-1,,\n"+
		"nopw,,,\n"+
		"both,pw-1,$2a$04$abc,\n"+
		"sha,,{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=,\n"+
		"dup,pw-1,,\n"+
		"dup,pw-2,,\n"+
		"badrole,pw-1,,ok|bad\trole\n"+
		"short,pw-1\n"+
		"quote,p\"w,,\n"+
		"\"after\"x,pw-1,,\n"+
		"enabled-absent,pw-1,,\n", "csv", "", nil, [][]string{
		{"2", " lead", "password pw-1", "", "<absent>", "<absent>", "<absent>", "the username starts or ends with a space"},
		{"3", "", "password pw-1", "", "<absent>", "<absent>", "<absent>", "the username is empty"},
		{"4", long, "password pw-1", "", "<absent>", "<absent>", "<absent>", "the username is longer than 507 characters (508)"},
		{"5", "caf\u00e9", "password pw-1", "", "<absent>", "<absent>", "<absent>", "the username has a character outside printable ASCII (U+00E9 at position 4)"},
		{"6", "..", "password pw-1", "", "<absent>", "<absent>", "<absent>", "“..” cannot be used in a URL by a browser: create this user with another client"},
		{"7", "nopw", "<none>", "", "<absent>", "<absent>", "<absent>", "no password: give a password or a password_hash"},
		{"8", "both", "<none>", "", "<absent>", "<absent>", "<absent>", "both a password and a password_hash: give one"},
		{"9", "sha", "hash {SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", "", "<absent>", "<absent>", "<absent>", "{SHA} (unsalted SHA-1) hashes are refused: " + refusedHash},
		{"10", "dup", "password pw-1", "", "<absent>", "<absent>", "<absent>", "the same username is on line 11"},
		{"11", "dup", "password pw-2", "", "<absent>", "<absent>", "<absent>", "the same username is on line 10"},
		{"12", "badrole", "password pw-1", "ok,bad\trole", "<absent>", "<absent>", "<absent>", "the role name has a character outside printable ASCII (U+0009 at position 4) (“bad\trole”)"},
		{"13", "short", "password pw-1", "", "<absent>", "<absent>", "<absent>", "2 values where the header has 4 columns"},
		{"14", "quote", "password p\"w", "", "<absent>", "<absent>", "<absent>", "a quote inside an unquoted field: quote the whole field and double the quotes inside"},
		{"15", "afterx", "password pw-1", "", "<absent>", "<absent>", "<absent>", "text after the closing quote of a field: quote the whole field"},
		{"16", "enabled-absent", "password pw-1", "", "<absent>", "<absent>", "<absent>", ""},
	})

	check("header", "username,password,emial,password\nann,pw-1,x,y\n", "auto", "", []string{
		"Unknown column “emial”: the columns are username, password or password_hash, roles, full_name, email and enabled.",
		"The header names “password” twice.",
	}, [][]string{{"2", "ann", "password pw-1", "<absent>", "<absent>", "<absent>", "<absent>", ""}})
	check("no password column", "username,roles\nann,x\n", "csv", "", []string{
		"The header has neither a password nor a password_hash column.",
	}, [][]string{{"2", "ann", "<none>", "x", "<absent>", "<absent>", "<absent>", "no password: give a password or a password_hash"}})
	check("unclosed quote", "username,password\nann,\"pw-1\nbob,pw-2\n", "csv", "", nil, [][]string{
		{"2", "ann", "password pw-1\nbob,pw-2\n", "<absent>", "<absent>", "<absent>", "<absent>",
			"a quoted field opened on line 2 is never closed: the rest of the file is in it"},
	})
	check("only a header", "username,password\r\n", "auto", "", []string{"There are no users in it."}, nil)

	// htpasswd, detected: bcrypt and PBKDF2 pass (the server checks the
	// rest), every other scheme is refused on its row, the hash never in a
	// problem.
	bc := "$2a$04$ptn2fOAw1xW4QLbH.LUiT.L03Rt1Qyzt22L5UrsK7X5q//nzyUAK2"
	check("htpasswd", "# made by htpasswd\n"+
		"a:"+bc+"\n"+
		"b:$2b$"+bc[4:]+"\n"+
		"c:$2y$"+bc[4:]+"\r\n"+
		"d:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n"+
		"e:$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/\n"+
		"f:$1$salt$qJH7.N4xYta3aEG/dfqo/0\n"+
		"g:$5$salt$abc\n"+
		"h:$6$salt$abc\n"+
		"i:rl0uE2JHGc.eA\n"+
		"j:secret-plain\n"+
		"k:{PBKDF2}10000$c2FsdA==$aGFzaA==\n"+
		"\n"+
		"no-colon-here\n"+
		"l:\n"+
		"m:$2x$"+bc[4:]+"\n", "auto", "viewer, editor", nil, [][]string{
		{"2", "a", "hash " + bc, "viewer,editor", "<absent>", "<absent>", "<absent>", ""},
		{"3", "b", "hash $2b$" + bc[4:], "viewer,editor", "<absent>", "<absent>", "<absent>", ""},
		{"4", "c", "hash $2y$" + bc[4:], "viewer,editor", "<absent>", "<absent>", "<absent>", ""},
		{"5", "d", "hash {SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", "viewer,editor", "<absent>", "<absent>", "<absent>", "{SHA} (unsalted SHA-1) hashes are refused: " + refusedHash},
		{"6", "e", "hash $apr1$r31.....$HqJZimcKQFAMYayBlzkrA/", "viewer,editor", "<absent>", "<absent>", "<absent>", "Apache MD5 ($apr1$) hashes are refused: " + refusedHash},
		{"7", "f", "hash $1$salt$qJH7.N4xYta3aEG/dfqo/0", "viewer,editor", "<absent>", "<absent>", "<absent>", "crypt MD5 hashes are refused: " + refusedHash},
		{"8", "g", "hash $5$salt$abc", "viewer,editor", "<absent>", "<absent>", "<absent>", "crypt SHA-256 hashes are refused: " + refusedHash},
		{"9", "h", "hash $6$salt$abc", "viewer,editor", "<absent>", "<absent>", "<absent>", "crypt SHA-512 hashes are refused: " + refusedHash},
		{"10", "i", "hash rl0uE2JHGc.eA", "viewer,editor", "<absent>", "<absent>", "<absent>", "a DES crypt hash (or a plain-text password) is refused: " + refusedHash},
		{"11", "j", "hash secret-plain", "viewer,editor", "<absent>", "<absent>", "<absent>", "not a bcrypt or PBKDF2 hash (plain text or an unknown scheme), refused: " + refusedHash},
		{"12", "k", "hash {PBKDF2}10000$c2FsdA==$aGFzaA==", "viewer,editor", "<absent>", "<absent>", "<absent>", ""},
		{"14", "", "<none>", "viewer,editor", "<absent>", "<absent>", "<absent>", "no “:” between the name and the hash"},
		{"15", "l", "hash ", "viewer,editor", "<absent>", "<absent>", "<absent>", "no hash after the “:”"},
		{"16", "m", "hash $2x$" + bc[4:], "viewer,editor", "<absent>", "<absent>", "<absent>", "this bcrypt variant is refused: " + refusedHash},
	})
	check("forced htpasswd", "username:"+bc+"\n", "htpasswd", "", nil, [][]string{
		{"1", "username", "hash " + bc, "", "<absent>", "<absent>", "<absent>", ""},
	})

	csv, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`import('./importexport.js').then((m) => m.toCSV([
		{username: 'a', roles: ['x', 'y'], full_name: 'Q "q", r', email: null, enabled: true},
		{username: ' sp', roles: [], full_name: 'line\nbreak', email: 'e@x', enabled: false},
	]))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if want := "username,roles,full_name,email,enabled\r\na,x|y,\"Q \"\"q\"\", r\",,true\r\n\" sp\",,\"line\nbreak\",e@x,false\r\n"; csv != want {
		t.Errorf("toCSV:\n got %q\nwant %q", csv, want)
	}
}

// TestWebUIImport imports users from a CSV file and pasted htpasswd lines
// through the page, with a preview, a dry run, both policies for existing
// users and the server's refusals per row, then exports a search as CSV
// and JSON and reads the downloaded files. The server hashes with PBKDF2,
// so the imported bcrypt hashes are not of the configured algorithm.
func TestWebUIImport(t *testing.T) {
	browserPath(t)
	adminPassword := "webui-import-admin-pw"
	s := startServer(t, options{password: adminPassword, defaultHashing: true,
		args: []string{"-E", "xpack.security.authc.password_hashing.algorithm=pbkdf2_1000"}})
	admin := cred{"elastic", adminPassword}
	b := newBrowser(t, s.url, 240*time.Second)
	do, text, eval := b.do, b.text, b.eval

	// Every request the page sends ("METHOD PATH"), to tell that a dry run
	// writes nothing, and the bodies of its user queries.
	var reqMu sync.Mutex
	var requests, queries []string
	downloads := make(chan string, 4) // "suggested name\x00path" of each finished download
	names := map[string]string{}
	dir := t.TempDir()
	if err := chromedp.Listen(b.ctx, func(ev any) {
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			if e.Request != nil {
				r := e.Request.Method + " " + strings.TrimPrefix(e.Request.URL, s.url)
				reqMu.Lock()
				requests = append(requests, r)
				if r == "POST /_security/_query/user" {
					var body strings.Builder
					for _, p := range e.Request.PostDataEntries {
						body.Write(p.Bytes)
					}
					queries = append(queries, body.String())
				}
				reqMu.Unlock()
			}
		case *cdpbrowser.EventDownloadWillBegin:
			reqMu.Lock()
			names[e.GUID] = e.SuggestedFilename
			reqMu.Unlock()
		case *cdpbrowser.EventDownloadProgress:
			if e.State == cdpbrowser.DownloadProgressStateCompleted {
				reqMu.Lock()
				downloads <- names[e.GUID] + "\x00" + filepath.Join(dir, e.GUID)
				reqMu.Unlock()
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	sent := func(prefix string) []string {
		reqMu.Lock()
		defer reqMu.Unlock()
		var out []string
		for _, r := range requests {
			if strings.HasPrefix(r, prefix) {
				out = append(out, r)
			}
		}
		return out
	}

	b.login("elastic", adminPassword)
	events := true
	if _, err := chromedp.Call(b.ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: &events}); err != nil {
		t.Fatal(err)
	}

	// ---- a CSV file: 5 rows, one refused in the preview ----
	annPW, catPW, danPW, bobPW, badPW := secret("imp-ann-pw-1"), secret("imp-cat-pw-1"), secret("imp-dan-pw-1"), secret("imp-bob-pw-1"), secret("imp-bad-pw-1")
	bobHash, err := bcrypt.GenerateFromPassword([]byte(bobPW), 4)
	if err != nil {
		t.Fatal(err)
	}
	secret(string(bobHash))
	file := filepath.Join(t.TempDir(), "users.csv")
	csv1 := "username,password,password_hash,roles,full_name,email,enabled\r\n" +
		"imp-ann," + annPW + ",,viewer|editor,\"Liddell, Ann\",ann@example.com,true\r\n" +
		"imp-bob,," + string(bobHash) + ",viewer,\"Bob \"\"Bobby\"\" Jones\",,\r\n" +
		" imp-bad," + badPW + ",,,,,\r\n" +
		"imp-cat," + catPW + ",,,Cat,cat@example.com,false\r\n" +
		"imp-dan," + danPW + ",,editor | viewer,Dan,,TRUE\r\n"
	if err := os.WriteFile(file, []byte(csv1), 0o600); err != nil {
		t.Fatal(err)
	}
	do("open the import dialog and choose the file",
		chromedp.Click(chromedp.CSS("#import-users")),
		chromedp.WaitVisible(chromedp.CSS("#import-dialog")),
		chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{file}),
		chromedp.Poll[chromedp.Void](`document.getElementById('import-summary').textContent !== ''`))
	if got, want := text("#import-summary"), "CSV: 5 rows, 4 ready, 1 with problems."; got != want {
		t.Errorf("summary = %q, want %q", got, want)
	}
	if got := text(`#import-preview-body tr[data-line="4"] .import-problems`); got != "the username starts or ends with a space" {
		t.Errorf("the bad row's problem = %q", got)
	}
	if !eval(`document.querySelector('#import-preview-body tr[data-line="4"]').classList.contains('problem') && document.querySelectorAll('#import-preview-body tr.problem').length === 1`) {
		t.Error("the bad row (and only it) should be marked as a problem")
	}
	if got := text(`#import-preview-body tr[data-line="3"]`); got != "3imp-bobbcrypt hashviewerBob \"Bobby\" Jonestrue" {
		t.Errorf("preview of imp-bob = %q", got)
	}
	if got := text(`#import-preview-body tr[data-line="6"]`); got != "6imp-danpasswordeditorviewerDantrue" {
		t.Errorf("preview of imp-dan = %q", got)
	}
	if got := text("#import-run"); got != "Import 4 users" {
		t.Errorf("import button = %q", got)
	}
	// The page shows no password or hash, anywhere.
	for _, sec := range []string{annPW, catPW, danPW, badPW, string(bobHash)} {
		if eval(fmt.Sprintf(`document.body.innerText.includes(%q)`, sec)) {
			t.Errorf("the page shows the secret %q", sec)
		}
	}

	// A dry run: what would happen, and no write.
	do("dry run",
		chromedp.Click(chromedp.CSS("#import-dry-run")),
		chromedp.Poll[chromedp.Void](`document.getElementById('import-summary').textContent.startsWith('Dry run')`))
	if got, want := text("#import-summary"), "Dry run, nothing written: would create 4, update 0, skip 0; 1 with problems."; got != want {
		t.Errorf("dry run summary = %q, want %q", got, want)
	}
	if got := text(`#import-results-body tr[data-line="2"] .import-result`); got != "would create" {
		t.Errorf("dry run, imp-ann: %q", got)
	}
	if got := text(`#import-results-body tr[data-line="4"]`); got != "4 imp-badnot importedthe username starts or ends with a space" {
		t.Errorf("dry run, the bad row: %q", got)
	}
	if w := append(sent("PUT "), sent("POST /_security/user")...); len(w) != 0 {
		t.Errorf("the dry run wrote: %q", w)
	}
	if got := sent("GET /_security/user/"); !slices.Contains(got, "GET /_security/user/imp-ann,imp-bob,imp-cat,imp-dan") {
		t.Errorf("the dry run's existence check: %q", got)
	}
	for _, u := range []string{"imp-ann", "imp-bob", "imp-cat", "imp-dan"} {
		if code, body := s.request(t, admin, http.MethodGet, "/_security/user/"+u, ""); code != 404 {
			t.Errorf("after the dry run, %s: %d %s", u, code, body)
		}
	}

	// The import: 4 created, the bad row reported.
	do("import",
		chromedp.Click(chromedp.CSS("#import-run")),
		chromedp.Poll[chromedp.Void](`document.getElementById('import-summary').textContent.startsWith('Created')`),
		chromedp.WaitVisible(chromedp.CSS(`#users-body tr[data-username="imp-dan"]`)))
	if got, want := text("#import-summary"), "Created 4, updated 0, skipped 0, failed 0; 1 with problems not imported."; got != want {
		t.Errorf("import summary = %q, want %q", got, want)
	}
	for line, want := range map[int]string{2: "2imp-anncreated", 3: "3imp-bobcreated", 4: "4 imp-badnot importedthe username starts or ends with a space", 5: "5imp-catcreated", 6: "6imp-dancreated"} {
		if got := text(fmt.Sprintf(`#import-results-body tr[data-line="%d"]`, line)); got != want {
			t.Errorf("result of line %d = %q, want %q", line, got, want)
		}
	}
	if !eval(`document.getElementById('import-progress').value === 4 && document.getElementById('import-progress').max === 4`) {
		t.Error("the progress bar is not full")
	}
	b.screenshot("import")
	if code, body := s.request(t, admin, http.MethodGet, "/_security/user/%20imp-bad", ""); code != 404 {
		t.Errorf("the bad row was imported: %d %s", code, body)
	}
	wantUsers := map[string]string{
		"imp-ann": `{"username":"imp-ann","roles":["viewer","editor"],"full_name":"Liddell, Ann","email":"ann@example.com","metadata":{},"enabled":true}`,
		"imp-bob": `{"username":"imp-bob","roles":["viewer"],"full_name":"Bob \"Bobby\" Jones","email":null,"metadata":{},"enabled":true}`,
		"imp-cat": `{"username":"imp-cat","roles":[],"full_name":"Cat","email":"cat@example.com","metadata":{},"enabled":false}`,
		"imp-dan": `{"username":"imp-dan","roles":["editor","viewer"],"full_name":"Dan","email":null,"metadata":{},"enabled":true}`,
	}
	for u, want := range wantUsers {
		if code, body := s.request(t, admin, http.MethodGet, "/_security/user/"+u, ""); code != 200 || string(body) != `{"`+u+`":`+want+`}` {
			t.Errorf("%s: %d %s\nwant %s", u, code, body, want)
		}
	}
	// Their passwords work: the clear ones (hashed by the server with
	// PBKDF2) and the bcrypt hash; the disabled user cannot log in.
	for _, c := range []cred{{"imp-ann", annPW}, {"imp-bob", bobPW}, {"imp-dan", danPW}} {
		if code, body := s.request(t, c, http.MethodGet, "/_security/_authenticate", ""); code != 200 {
			t.Errorf("%s cannot log in: %d %s", c.user, code, body)
		}
	}
	if code, _ := s.request(t, cred{"imp-cat", catPW}, http.MethodGet, "/_security/_authenticate", ""); code != 401 {
		t.Errorf("the disabled imp-cat logs in: %d", code)
	}

	// ---- a second import, pasted: skip, then overwrite ----
	// imp-ann gets metadata, which an overwrite keeps.
	if code, body := s.request(t, admin, http.MethodPut, "/_security/user/imp-ann",
		`{"roles":["viewer","editor"],"full_name":"Liddell, Ann","email":"ann@example.com","metadata":{"team":"red"}}`); code != 200 {
		t.Fatalf("setting metadata: %d %s", code, body)
	}
	annPW2, evePW := secret("imp-ann-pw-2"), secret("imp-eve-pw-1")
	csv2 := "username,password,roles,full_name\nimp-ann," + annPW2 + ",admin-like,Ann Two\nimp-eve," + evePW + ",,Eve\n"
	do("paste a second file",
		chromedp.Click(chromedp.CSS("#import-close")),
		chromedp.WaitNotVisible(chromedp.CSS("#import-dialog")),
		chromedp.Click(chromedp.CSS("#import-users")),
		chromedp.WaitVisible(chromedp.CSS("#import-dialog")),
		chromedp.SendKeys(chromedp.CSS("#import-text"), csv2),
		chromedp.Poll[chromedp.Void](`document.getElementById('import-summary').textContent === 'CSV: 2 rows, 2 ready, 0 with problems.'`))
	if eval(`document.getElementById('import-results').hidden === false || document.getElementById('import-file').value !== ''`) {
		t.Error("the dialog kept the previous import")
	}
	do("import, skipping existing users",
		chromedp.Click(chromedp.CSS("#import-run")),
		chromedp.Poll[chromedp.Void](`document.getElementById('import-summary').textContent.startsWith('Created')`))
	if got, want := text("#import-summary"), "Created 1, updated 0, skipped 1, failed 0; 0 with problems not imported."; got != want {
		t.Errorf("skip summary = %q, want %q", got, want)
	}
	if got := text(`#import-results-body tr[data-username="imp-ann"] .import-result`); got != "skipped (exists)" {
		t.Errorf("imp-ann with skip: %q", got)
	}
	if code, _ := s.request(t, cred{"imp-ann", annPW}, http.MethodGet, "/_security/_authenticate", ""); code != 200 {
		t.Errorf("skipping changed imp-ann's password: %d", code)
	}
	if code, _ := s.request(t, cred{"imp-eve", evePW}, http.MethodGet, "/_security/_authenticate", ""); code != 200 {
		t.Errorf("imp-eve cannot log in: %d", code)
	}
	do("dry run, overwriting",
		chromedp.Click(chromedp.CSS("#import-existing-overwrite")),
		chromedp.Click(chromedp.CSS("#import-dry-run")),
		chromedp.Poll[chromedp.Void](`document.getElementById('import-summary').textContent.startsWith('Dry run')`))
	if got, want := text("#import-summary"), "Dry run, nothing written: would create 0, update 2, skip 0; 0 with problems."; got != want {
		t.Errorf("overwrite dry run summary = %q, want %q", got, want)
	}
	do("import, overwriting existing users",
		chromedp.Click(chromedp.CSS("#import-run")),
		chromedp.Poll[chromedp.Void](`document.getElementById('import-summary').textContent.startsWith('Created')`))
	if got, want := text("#import-summary"), "Created 0, updated 2, skipped 0, failed 0; 0 with problems not imported."; got != want {
		t.Errorf("overwrite summary = %q, want %q", got, want)
	}
	if code, _ := s.request(t, cred{"imp-ann", annPW2}, http.MethodGet, "/_security/_authenticate", ""); code != 200 {
		t.Errorf("imp-ann's new password does not work: %d", code)
	}
	if code, _ := s.request(t, cred{"imp-ann", annPW}, http.MethodGet, "/_security/_authenticate", ""); code != 401 {
		t.Errorf("imp-ann's old password still works: %d", code)
	}
	// The file's columns replaced, the others (email, enabled) and the
	// metadata kept.
	if code, body := s.request(t, admin, http.MethodGet, "/_security/user/imp-ann", ""); code != 200 ||
		string(body) != `{"imp-ann":{"username":"imp-ann","roles":["admin-like"],"full_name":"Ann Two","email":"ann@example.com","metadata":{"team":"red"},"enabled":true}}` {
		t.Errorf("imp-ann after overwrite: %d %s", code, body)
	}

	// ---- htpasswd, pasted: bcrypt imported, {SHA} refused in the preview,
	// a bcrypt cost the server refuses reported with its reason ----
	htaPW := secret("imp-hta-pw-1")
	htaHash, err := bcrypt.GenerateFromPassword([]byte(htaPW), 4)
	if err != nil {
		t.Fatal(err)
	}
	hta := "$2y$" + string(htaHash[4:]) // htpasswd -B writes $2y$
	secret(hta)
	sha := secret("{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=")
	cost15 := secret("$2a$15$" + string(htaHash[7:]))
	do("paste htpasswd lines",
		chromedp.Click(chromedp.CSS("#import-close")),
		chromedp.Click(chromedp.CSS("#import-users")),
		chromedp.WaitVisible(chromedp.CSS("#import-dialog")),
		chromedp.SendKeys(chromedp.CSS("#import-htpasswd-roles"), "viewer"),
		chromedp.SendKeys(chromedp.CSS("#import-text"), "imp-hta:"+hta+"\nimp-htb:"+sha+"\nimp-htc:"+cost15+"\nelastic:"+hta+"\n"),
		chromedp.Poll[chromedp.Void](`document.getElementById('import-summary').textContent === 'htpasswd: 4 rows, 2 ready, 2 with problems.'`))
	if got, want := text(`#import-preview-body tr[data-line="2"] .import-problems`), "{SHA} (unsalted SHA-1) hashes are refused: "+refusedHash; got != want {
		t.Errorf("the {SHA} line: %q, want %q", got, want)
	}
	// The signed-in user is not changed by an import (a Basic session
	// would end in the middle of it).
	if got, want := text(`#import-preview-body tr[data-line="4"] .import-problems`), "this is the signed-in user: change your own account from the users list, not by an import"; got != want {
		t.Errorf("the signed-in user's line: %q, want %q", got, want)
	}
	do("import the htpasswd lines",
		chromedp.Click(chromedp.CSS("#import-run")),
		chromedp.Poll[chromedp.Void](`document.getElementById('import-summary').textContent.startsWith('Created')`))
	if got, want := text("#import-summary"), "Created 1, updated 0, skipped 0, failed 1; 2 with problems not imported."; got != want {
		t.Errorf("htpasswd summary = %q, want %q", got, want)
	}
	if got, want := text(`#import-results-body tr[data-line="3"]`), "3imp-htcfailedunknown hash function [bcrypt15]"; got != want {
		t.Errorf("the server's refusal: %q, want %q", got, want)
	}
	if code, body := s.request(t, cred{"imp-hta", htaPW}, http.MethodGet, "/_security/_authenticate", ""); code != 200 || !strings.Contains(string(body), `"roles":["viewer"]`) {
		t.Errorf("imp-hta: %d %s", code, body)
	}
	for _, u := range []string{"imp-htb", "imp-htc"} {
		if code, body := s.request(t, admin, http.MethodGet, "/_security/user/"+u, ""); code != 404 {
			t.Errorf("%s was imported: %d %s", u, code, body)
		}
	}
	do("close", chromedp.Click(chromedp.CSS("#import-close")), chromedp.WaitNotVisible(chromedp.CSS("#import-dialog")))
	if eval(`document.getElementById('import-text').value !== '' || document.getElementById('import-preview-body').children.length !== 0`) {
		t.Error("the closed dialog keeps the pasted file")
	}

	// ---- export a search: CSV through every kind of page, then JSON ----
	// A user the search does not match.
	if code, body := s.request(t, admin, http.MethodPost, "/_security/user/other", `{"password":"`+secret("other-pw-1")+`","roles":[]}`); code != 200 {
		t.Fatalf("creating other: %d %s", code, body)
	}
	// Pages of 2 within a window of 4: two from/size pages, then
	// search_after.
	setLimits := func(js string) {
		t.Helper()
		if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`import('./importexport.js').then((m) => { `+js+`; return true; })`, chromedp.EvalAwaitPromise)); err != nil {
			t.Fatalf("setting the export's limits: %v", err)
		}
	}
	setLimits("m.limits.pageSize = 2; m.limits.window = 4")
	export := func(format string) (name, content string) {
		t.Helper()
		do("export "+format,
			clear("#search"),
			chromedp.SendKeys(chromedp.CSS("#search"), "imp-"),
			chromedp.Click(chromedp.CSS(`#search-form button[type="submit"]`)),
			chromedp.WaitNotPresent(chromedp.CSS(`#users-body tr[data-username="other"]`)),
			chromedp.Click(chromedp.CSS("#export-users")),
			chromedp.WaitVisible(chromedp.CSS("#export-dialog")),
			chromedp.Poll[chromedp.Void](`document.getElementById('export-what').textContent.startsWith('The 6 users')`),
			chromedp.Click(chromedp.CSS("#export-format-"+format)),
			chromedp.Click(chromedp.CSS("#export-download")),
			chromedp.Poll[chromedp.Void](`document.getElementById('export-message').textContent.startsWith('Downloaded')`))
		select {
		case d := <-downloads:
			name, path, _ := strings.Cut(d, "\x00")
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			return name, string(data)
		case <-time.After(10 * time.Second):
			t.Fatal("no download finished")
		}
		return "", ""
	}
	reqMu.Lock()
	before := len(queries)
	reqMu.Unlock()
	name, content := export("csv")
	if !regexp.MustCompile(`^esauth-users-\d{4}-\d\d-\d\d\.csv$`).MatchString(name) {
		t.Errorf("file name %q", name)
	}
	if want := "username,roles,full_name,email,enabled\r\n" +
		"imp-ann,admin-like,Ann Two,ann@example.com,true\r\n" +
		"imp-bob,viewer,\"Bob \"\"Bobby\"\" Jones\",,true\r\n" +
		"imp-cat,,Cat,cat@example.com,false\r\n" +
		"imp-dan,editor|viewer,Dan,,true\r\n" +
		"imp-eve,,Eve,,true\r\n" +
		"imp-hta,viewer,,,true\r\n"; content != want {
		t.Errorf("exported CSV:\n%s\nwant:\n%s", content, want)
	}
	if got, want := text("#export-message"), "Downloaded 6 users as "+name+"."; got != want {
		t.Errorf("export message = %q, want %q", got, want)
	}
	// The export's pages: 2 + 2 users by from/size, then 2 + 0 by
	// search_after, from the last user's sort value.
	reqMu.Lock()
	var pages []string
	for _, q := range queries[before:] {
		var body map[string]any
		if json.Unmarshal([]byte(q), &body) == nil && body["size"] == 2.0 {
			delete(body, "query")
			delete(body, "sort")
			p, _ := json.Marshal(body)
			pages = append(pages, string(p))
		}
	}
	reqMu.Unlock()
	if want := []string{`{"from":0,"size":2}`, `{"from":2,"size":2}`, `{"search_after":["imp-dan"],"size":2}`, `{"search_after":["imp-hta"],"size":2}`}; !slices.Equal(pages, want) {
		t.Errorf("the export's pages %q, want %q", pages, want)
	}

	// JSON: the users as the API returns them, in the list's order
	// (username descending now), with the default pages.
	setLimits("m.limits.pageSize = 1000; m.limits.window = 10000")
	do("close the export, sort descending",
		chromedp.Click(chromedp.CSS("#export-close")),
		chromedp.Click(chromedp.CSS(`th[data-sort="username"] button`)),
		chromedp.Poll[chromedp.Void](`document.querySelector('#users-body tr[data-username]').dataset.username === 'imp-hta'`))
	name, content = export("json")
	if !strings.HasSuffix(name, ".json") {
		t.Errorf("file name %q", name)
	}
	var users []map[string]any
	if err := json.Unmarshal([]byte(content), &users); err != nil {
		t.Fatalf("exported JSON: %v\n%s", err, content)
	}
	var order []string
	for _, u := range users {
		order = append(order, fmt.Sprint(u["username"]))
		for k := range u {
			if !slices.Contains([]string{"username", "roles", "full_name", "email", "metadata", "enabled"}, k) {
				t.Errorf("exported %s has the key %q", u["username"], k)
			}
		}
	}
	if want := []string{"imp-hta", "imp-eve", "imp-dan", "imp-cat", "imp-bob", "imp-ann"}; !slices.Equal(order, want) {
		t.Errorf("exported users %q, want %q", order, want)
	}
	if len(users) == 6 && !reflect.DeepEqual(users[5]["metadata"], map[string]any{"team": "red"}) {
		t.Errorf("imp-ann as exported: %v", users[5])
	}
	for _, sec := range []string{annPW, annPW2, string(bobHash), hta} {
		if strings.Contains(content, sec) {
			t.Errorf("the export holds the secret %q", sec)
		}
	}
}
