package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/heapprofiler"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// browserPath finds the Chromium the web page tests drive: ESAUTH_BROWSER,
// else Debian's chromium-headless-shell or chromium. Without one the tests
// skip, except under CI=true, where a missing browser is a failure (.ci/run
// installs chromium-headless-shell).
func browserPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("ESAUTH_BROWSER"); p != "" {
		return p
	}
	for _, name := range []string{"chromium-headless-shell", "chromium", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no browser found (chromium-headless-shell): the web page tests cannot run; .ci/run installs it")
	}
	t.Skip("no browser installed (apt-get install chromium-headless-shell, or set ESAUTH_BROWSER)")
	return ""
}

// artifactDir is where screenshots go: ESAUTH_ARTIFACTS, else the test's
// temporary directory.
func artifactDir(t *testing.T) string {
	if d := os.Getenv("ESAUTH_ARTIFACTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// browser is one Chromium tab on a test server's page. It records every
// Authorization header the page sends, every console error (a CSP
// violation is one) and every credential dialog the browser would raise;
// when the test ends, a console error or a dialog fails it.
type browser struct {
	t   *testing.T
	ctx context.Context
	url string // the server's base URL

	mu        sync.Mutex
	auths     []string
	requests  []string // "METHOD URL" of every request the page sent
	responses map[string]int64
	// The Authorization header on the wire (with what the browser adds
	// from its own credential cache) and the URL, by request ID.
	wireAuth      map[network.RequestID]string
	urls          map[network.RequestID]string
	consoleErrors []string
	dialogs       []string
	// heap collects a heap snapshot's chunks while one is taken.
	heap *strings.Builder
	// answer, when set, answers the browser's credential dialogs with
	// these credentials instead of cancelling them (and recording an
	// error): the browser then holds Basic credentials for the origin.
	answer *cred
}

// newBrowser starts a headless Chromium (skipping the test without one,
// see browserPath) for the server at base. Everything it does is bounded
// by limit.
func newBrowser(t *testing.T, base string, limit time.Duration) *browser {
	t.Helper()
	path := browserPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.WindowSize(1280, 900))...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	b := &browser{t: t, ctx: bctx, url: base, responses: map[string]int64{},
		wireAuth: map[network.RequestID]string{}, urls: map[network.RequestID]string{}}
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
		cancel()
	})
	t.Cleanup(b.checkClean)

	if err := chromedp.Listen(bctx, func(ev any) {
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			if e.Request == nil {
				return
			}
			b.mu.Lock()
			b.urls[e.RequestID] = e.Request.Method + " " + e.Request.URL
			b.requests = append(b.requests, e.Request.Method+" "+e.Request.URL)
			if v, ok := e.Request.Headers["Authorization"].(string); ok {
				b.auths = append(b.auths, v)
			}
			b.mu.Unlock()
		case *heapprofiler.EventAddHeapSnapshotChunk:
			b.mu.Lock()
			if b.heap != nil {
				b.heap.WriteString(e.Chunk)
			}
			b.mu.Unlock()
		case *network.EventRequestWillBeSentExtraInfo:
			if v, ok := e.Headers["Authorization"].(string); ok {
				b.mu.Lock()
				b.wireAuth[e.RequestID] = v
				b.mu.Unlock()
			}
		case *network.EventResponseReceived:
			if e.Response != nil {
				b.mu.Lock()
				b.responses[e.Response.URL] = e.Response.Status
				b.mu.Unlock()
			}
		// A request that would raise the browser's own credential dialog (a
		// 401 with WWW-Authenticate on a fetch that lets the browser handle
		// credentials) is recorded and cancelled: the page must raise none.
		case *fetch.EventRequestPaused:
			go func() {
				_, _ = chromedp.Call(bctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: e.RequestID})
			}()
		case *fetch.EventAuthRequired:
			b.mu.Lock()
			answer := b.answer
			if answer == nil {
				b.dialogs = append(b.dialogs, e.Request.Method+" "+e.Request.URL)
			}
			b.mu.Unlock()
			reply := &fetch.AuthChallengeResponse{Response: fetch.AuthChallengeResponseResponseCancelAuth}
			if answer != nil {
				reply = &fetch.AuthChallengeResponse{Response: fetch.AuthChallengeResponseResponseProvideCredentials,
					Username: answer.user, Password: answer.password}
			}
			go func() {
				_, _ = chromedp.Call(bctx, fetch.ContinueWithAuth, fetch.ContinueWithAuthParams{RequestID: e.RequestID, AuthChallengeResponse: reply})
			}()
		}
	}); err != nil {
		t.Fatal(err)
	}
	handleAuth := true
	if _, err := chromedp.Call(bctx, fetch.Enable, fetch.EnableParams{HandleAuthRequests: &handleAuth}); err != nil {
		t.Fatal(err)
	}
	console := chromedp.Console(bctx)
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			// The network's own lines (the 401 of a wrong password, a
			// refused create) are expected; a script error or a policy
			// violation is not.
			if m.IsException() || m.Type == chromedp.ConsoleError && m.Source != "network" {
				b.mu.Lock()
				b.consoleErrors = append(b.consoleErrors, m.String())
				b.mu.Unlock()
			}
		}
	}()
	if _, err := chromedp.Call(bctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	return b
}

// checkClean fails the test for a console error or a credential dialog.
func (b *browser) checkClean() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range append(append([]string(nil), b.consoleErrors...), b.dialogs...) {
		b.t.Errorf("browser console or credential dialog: %s", e)
	}
}

// sentAuthorizations returns every Authorization header sent so far.
func (b *browser) sentAuthorizations() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.auths...)
}

// sentRequests returns "METHOD URL" of every request sent so far.
func (b *browser) sentRequests() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.requests...)
}

// status is the status of the last response from url, 0 when none came.
func (b *browser) status(url string) int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.responses[url]
}

// wireAuthorization is the Authorization header the browser put on the
// wire for the last request "METHOD URL" (its own cached credentials
// included), "" when none.
func (b *browser) wireAuthorization(methodURL string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	auth := ""
	for id, u := range b.urls {
		if u == methodURL && b.wireAuth[id] != "" {
			auth = b.wireAuth[id]
		}
	}
	return auth
}

// inMemory returns those of needles found in the page's JavaScript heap
// after a garbage collection: the strings of a heap snapshot.
func (b *browser) inMemory(needles ...string) []string {
	b.t.Helper()
	b.mu.Lock()
	b.heap = &strings.Builder{}
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		b.heap = nil
		b.mu.Unlock()
	}()
	for _, step := range []func() error{
		func() error { _, err := chromedp.Call(b.ctx, heapprofiler.Enable, cdp.Empty{}); return err },
		func() error { _, err := chromedp.Call(b.ctx, heapprofiler.CollectGarbage, cdp.Empty{}); return err },
		func() error {
			_, err := chromedp.Call(b.ctx, heapprofiler.TakeHeapSnapshot, heapprofiler.TakeHeapSnapshotParams{})
			return err
		},
	} {
		if err := step(); err != nil {
			b.t.Fatalf("heap snapshot: %v", err)
		}
	}
	b.mu.Lock()
	snapshot := b.heap.String()
	b.mu.Unlock()
	if len(snapshot) < 1000 {
		b.t.Fatalf("heap snapshot of %d bytes: nothing to search", len(snapshot))
	}
	var found []string
	for _, n := range needles {
		if strings.Contains(snapshot, n) {
			found = append(found, n)
		}
	}
	return found
}

// unlabelled lists the visible controls of the page without an
// accessible name: inputs, selects and textareas without a label (a
// <label for>, a wrapping <label>, aria-label or aria-labelledby), and
// buttons without text or aria-label; and sortable headers without
// aria-sort. Each is described by its tag and id.
func (b *browser) unlabelled() []string {
	b.t.Helper()
	out, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`(() => {
  const visible = (e) => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length);
  const named = (e) => {
    if ((e.getAttribute('aria-label') || '').trim()) return true;
    const by = e.getAttribute('aria-labelledby');
    if (by && by.split(/\s+/).some((id) => (document.getElementById(id)?.textContent || '').trim())) return true;
    return false;
  };
  const bad = [];
  const describe = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.type ? '[' + e.type + ']' : '');
  for (const e of document.querySelectorAll('input, select, textarea')) {
    if (!visible(e) || e.type === 'hidden') continue;
    const labelled = named(e) || (e.labels && [...e.labels].some((l) => l.textContent.trim()));
    if (!labelled) bad.push(describe(e));
  }
  for (const e of document.querySelectorAll('button')) {
    if (visible(e) && !named(e) && !e.textContent.trim()) bad.push(describe(e));
  }
  for (const th of document.querySelectorAll('th')) {
    if (visible(th) && th.querySelector('button[data-sort]') && !th.hasAttribute('aria-sort')) bad.push('th sortable without aria-sort: ' + th.textContent.trim());
  }
  return bad;
})()`))
	if err != nil {
		b.t.Fatalf("checking labels: %v", err)
	}
	return out
}

// answerCredentialDialogs makes the browser answer credential dialogs
// with c, as a person typing them into its own dialog would.
func (b *browser) answerCredentialDialogs(c cred) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.answer = &c
}

// do runs steps with 20 s for all of them; on a failure it logs the page's
// messages, saves a screenshot and fails the test.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	sctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		state, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('.error, .message, #banner-text')].map((e) => e.id + ': ' + e.textContent).join('\n')`))
		b.screenshot("failure")
		b.t.Fatalf("%s: %v\npage messages:\n%s", what, err, state)
	}
}

// screenshot saves the whole page as NAME-TEST.png in artifactDir.
func (b *browser) screenshot(name string) string {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return ""
	}
	shot := filepath.Join(artifactDir(b.t), "webui-"+name+"-"+strings.ReplaceAll(b.t.Name(), "/", "-")+".png")
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot %s: %s", name, shot)
	return shot
}

// text is the text content of the first element matching sel.
func (b *browser) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.TextContent(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// eval evaluates a JavaScript expression of type boolean.
func (b *browser) eval(js string) bool {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](js))
	if err != nil {
		b.t.Fatalf("evaluating %s: %v", js, err)
	}
	return v
}

// clear empties a field (chromedp.Clear leaves what SendKeys typed).
func clear(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).value = ''`, sel))
}

// typeInto replaces a field's value with text, typed as keys.
func typeInto(sel, text string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(clear(sel), chromedp.SendKeys(chromedp.CSS(sel), text))
}

// login opens the page and logs in as name; it returns when the users
// view is visible.
func (b *browser) login(name, password string) {
	b.t.Helper()
	b.do("open the page and log in as "+name,
		chromedp.Navigate(b.url+"/_esauth/ui/"),
		chromedp.WaitVisible(chromedp.CSS("#login-username")),
		typeInto("#login-username", name),
		typeInto("#login-password", password),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#views-nav")))
}
