package server_test

import (
	"net/http"
	"testing"

	"github.com/esauth/esauth/internal/server/servertest"
)

// discardWriter is a minimal ResponseWriter, so the benchmarks measure the
// handler rather than a recorder.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

func benchAuthenticate(b *testing.B, h http.Handler, authorization string) {
	b.ReportAllocs()
	w := &discardWriter{h: http.Header{}}
	for b.Loop() {
		clear(w.h)
		r, _ := http.NewRequest(http.MethodGet, "/_security/_authenticate", nil)
		r.Header.Set("Authorization", authorization)
		r.RequestURI, r.RemoteAddr = "/_security/_authenticate", "127.0.0.1:50000"
		h.ServeHTTP(w, r)
	}
}

// BenchmarkTokenAuthenticate compares GET /_security/_authenticate through
// the node's production handler with Basic credentials the realm cache
// holds and with an access token the token cache holds.
func BenchmarkTokenAuthenticate(b *testing.B) {
	s := servertest.Start(b, tokensOn)
	s.MustCall(b, 200, "GET", "/_security/_authenticate", servertest.Admin, "") // fill the realm cache
	raw := s.MustCall(b, 200, "POST", "/_security/oauth2/token", servertest.Admin, `{"grant_type":"client_credentials"}`)
	tok := raw[len(`{"access_token":"`) : len(`{"access_token":"`)+40]
	b.Run("basic", func(b *testing.B) { benchAuthenticate(b, s.Node.Handler(), "Basic "+servertest.B64(servertest.Admin)) })
	b.Run("bearer", func(b *testing.B) { benchAuthenticate(b, s.Node.Handler(), "Bearer "+tok) })
}
