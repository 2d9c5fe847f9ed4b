package webui

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// serve runs one request through Wrap in front of a handler that answers
// 418, standing for the API.
func serve(method, target string, header http.Header) *httptest.ResponseRecorder {
	h := Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) }))
	r := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		r.Header[k] = v
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestFilesAndTheirTypes(t *testing.T) {
	for path, want := range map[string]string{
		"/_esauth/ui/":           "text/html; charset=utf-8",
		"/_esauth/ui/index.html": "text/html; charset=utf-8",
		"/_esauth/ui/app.js":     "text/javascript; charset=utf-8",
		"/_esauth/ui/api.js":     "text/javascript; charset=utf-8",
		"/_esauth/ui/style.css":  "text/css; charset=utf-8",
	} {
		w := serve(http.MethodGet, path, nil)
		if w.Code != http.StatusOK {
			t.Errorf("GET %s = %d", path, w.Code)
			continue
		}
		if got := w.Header().Get("Content-Type"); got != want {
			t.Errorf("GET %s: Content-Type %q, want %q", path, got, want)
		}
		if w.Body.Len() == 0 {
			t.Errorf("GET %s: empty body", path)
		}
	}
	if w := serve(http.MethodHead, "/_esauth/ui/app.js", nil); w.Code != http.StatusOK || w.Body.Len() != 0 {
		t.Errorf("HEAD = %d with %d bytes", w.Code, w.Body.Len())
	}
}

func TestSecurityHeadersOnEveryAnswer(t *testing.T) {
	want := map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "no-referrer",
		"X-Frame-Options":        "DENY",
		"Cache-Control":          "no-cache",
	}
	for _, c := range []struct{ method, path string }{
		{http.MethodGet, "/_esauth/ui/"},
		{http.MethodGet, "/_esauth/ui/app.js"},
		{http.MethodGet, "/_esauth/ui/missing.js"},
		{http.MethodGet, "/_esauth/ui/../../_security/user"},
		{http.MethodPost, "/_esauth/ui/"},
	} {
		w := serve(c.method, c.path, nil)
		for k, v := range want {
			if got := w.Header().Get(k); got != v {
				t.Errorf("%s %s: %s = %q, want %q", c.method, c.path, k, got, v)
			}
		}
		csp := w.Header().Get("Content-Security-Policy")
		for _, d := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'none'", "base-uri 'none'"} {
			if !strings.Contains(csp, d) {
				t.Errorf("%s %s: Content-Security-Policy %q lacks %q", c.method, c.path, csp, d)
			}
		}
		if strings.Contains(csp, "unsafe") {
			t.Errorf("%s %s: Content-Security-Policy %q allows something unsafe", c.method, c.path, csp)
		}
	}
}

func TestOnlyWhatIsThere(t *testing.T) {
	for _, c := range []struct {
		method, path string
		code         int
	}{
		{http.MethodGet, "/_esauth/ui/missing.js", http.StatusNotFound},
		{http.MethodGet, "/_esauth/ui/static/app.js", http.StatusNotFound},
		{http.MethodGet, "/_esauth/ui/app.js/", http.StatusNotFound},
		{http.MethodGet, "/_esauth/ui/sub/", http.StatusNotFound},
		{http.MethodPost, "/_esauth/ui/", http.StatusMethodNotAllowed},
		{http.MethodDelete, "/_esauth/ui/app.js", http.StatusMethodNotAllowed},
		// Everything else is the API's.
		{http.MethodGet, "/", http.StatusTeapot},
		{http.MethodGet, "/_esauth", http.StatusTeapot},
		{http.MethodGet, "/_esauth/uix", http.StatusTeapot},
		{http.MethodGet, "/_security/user", http.StatusTeapot},
		{http.MethodPost, "/_esauth/ui", http.StatusTeapot},
	} {
		if w := serve(c.method, c.path, nil); w.Code != c.code {
			t.Errorf("%s %s = %d, want %d", c.method, c.path, w.Code, c.code)
		}
	}
	w := serve(http.MethodPost, "/_esauth/ui/", nil)
	if got := w.Header().Get("Allow"); got != "GET, HEAD" {
		t.Errorf("405 Allow = %q", got)
	}
	w = serve(http.MethodGet, "/_esauth/ui", nil)
	if w.Code != http.StatusMovedPermanently || w.Header().Get("Location") != "/_esauth/ui/" {
		t.Errorf("GET /_esauth/ui = %d to %q, want a redirect to the page", w.Code, w.Header().Get("Location"))
	}
}

func TestRevalidation(t *testing.T) {
	w := serve(http.MethodGet, "/_esauth/ui/app.js", nil)
	etag := w.Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	w = serve(http.MethodGet, "/_esauth/ui/app.js", http.Header{"If-None-Match": {etag}})
	if w.Code != http.StatusNotModified {
		t.Errorf("If-None-Match with the ETag = %d, want 304", w.Code)
	}
	other := serve(http.MethodGet, "/_esauth/ui/api.js", nil).Header().Get("ETag")
	if other == etag {
		t.Error("two files share an ETag")
	}
}

// The files hold no inline script or style, which the policy would block,
// and never put text into the page as HTML.
func TestFilesKeepThePolicy(t *testing.T) {
	inlineScript := regexp.MustCompile(`<script(?:\s[^>]*)?>\s*[^<\s]`)
	handlerAttr := regexp.MustCompile(`(?i)\son[a-z]+\s*=`)
	err := fs.WalkDir(files, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		s := string(b)
		switch {
		case strings.HasSuffix(p, ".html"):
			if inlineScript.MatchString(s) {
				t.Errorf("%s: inline script", p)
			}
			if handlerAttr.MatchString(s) {
				t.Errorf("%s: inline event handler attribute", p)
			}
			if strings.Contains(s, "style=") || strings.Contains(s, "<style") {
				t.Errorf("%s: inline style", p)
			}
		case strings.HasSuffix(p, ".js"):
			for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function",
				"localStorage", "sessionStorage", "document.cookie"} {
				if strings.Contains(s, bad) {
					t.Errorf("%s uses %s", p, bad)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Every fetch of the page leaves the browser's own credentials out.
func TestFetchOmitsCredentials(t *testing.T) {
	b, err := files.ReadFile("static/api.js")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if n := strings.Count(s, "fetch("); n != 1 {
		t.Fatalf("api.js calls fetch %d times; keep one call, with credentials: 'omit'", n)
	}
	if !strings.Contains(s, "credentials: 'omit'") {
		t.Error("api.js's fetch does not omit credentials")
	}
	for _, name := range []string{"app.js", "index.html"} {
		b, err := files.ReadFile("static/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "fetch(") || strings.Contains(string(b), "XMLHttpRequest") {
			t.Errorf("%s calls the server itself; go through api.js", name)
		}
	}
}

func TestBodyIsTheFile(t *testing.T) {
	w := serve(http.MethodGet, "/_esauth/ui/", nil)
	want, _ := files.ReadFile("static/index.html")
	got, _ := io.ReadAll(w.Body)
	if string(got) != string(want) {
		t.Error("the page is not index.html")
	}
}
