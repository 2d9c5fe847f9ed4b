// Package webui serves esauth's web page: static files written by the
// project (ES modules, HTML, CSS; no third-party code, no build step),
// embedded in the binary and served under Prefix.
//
// The files hold no data and need no authentication: every call the page
// makes goes to the same /_security API every client uses, with
// credentials held in the page's memory only.
package webui

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

// Prefix is where the page lives. Index names cannot start with "_", so it
// never shadows a cluster's data, and the gateway never forwards /_esauth.
const Prefix = "/_esauth/ui/"

//go:embed static
var files embed.FS

// Headers every answer of the page carries. The policy allows scripts,
// styles and connections to the page's own origin only: no inline script
// or style, no framing, no form posts anywhere.
var securityHeaders = map[string]string{
	"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
		"form-action 'none'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'",
	"X-Content-Type-Options": "nosniff",
	"X-Frame-Options":        "DENY",
	"Referrer-Policy":        "no-referrer",
	"Permissions-Policy":     "camera=(), microphone=(), geolocation=()",
	// The files change with the binary and carry no version in their names:
	// revalidate each time, which costs a 304 at most.
	"Cache-Control": "no-cache",
}

// contentTypes are the only kinds of file served; anything else is a 404.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".svg":  "image/svg+xml",
}

// file is one embedded file, ready to serve.
type file struct {
	body        []byte
	contentType string
	etag        string
}

// load reads every embedded file of a known kind.
func load() map[string]file {
	out := map[string]file{}
	err := fs.WalkDir(files, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ct, ok := contentTypes[path.Ext(p)]
		if !ok {
			return nil
		}
		b, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		out[strings.TrimPrefix(p, "static/")] = file{body: b, contentType: ct, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		return nil
	})
	if err != nil {
		panic(err) // the embedded files are fixed at build time
	}
	return out
}

// Handler serves the page's files under Prefix; Prefix itself is index.html.
func Handler() http.Handler {
	all := load()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for k, v := range securityHeaders {
			h.Set(k, v)
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name, ok := strings.CutPrefix(r.URL.Path, Prefix)
		if name == "" {
			name = "index.html"
		}
		f, found := all[name]
		if !ok || !found {
			http.NotFound(w, r)
			return
		}
		h.Set("Content-Type", f.contentType)
		h.Set("ETag", f.etag)
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(f.body))
	})
}

// Wrap serves the page under Prefix (and redirects the prefix without its
// slash to it); every other request goes to next.
func Wrap(next http.Handler) http.Handler {
	page := Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, Prefix):
			page.ServeHTTP(w, r)
		case r.URL.Path == strings.TrimSuffix(Prefix, "/") && (r.Method == http.MethodGet || r.Method == http.MethodHead):
			w.Header().Set("Cache-Control", "no-cache")
			http.Redirect(w, r, Prefix, http.StatusMovedPermanently)
		default:
			next.ServeHTTP(w, r)
		}
	})
}
