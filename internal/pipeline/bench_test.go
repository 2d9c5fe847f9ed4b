package pipeline_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/passhash"
	"github.com/esauth/esauth/internal/server/servertest"
)

// discard is a minimal ResponseWriter, so the benchmarks measure the
// handler rather than a recorder.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

// benchHandler serves b.N requests built by newReq through h.
func benchHandler(b *testing.B, h http.Handler, newReq func() *http.Request) {
	b.Helper()
	b.ReportAllocs()
	w := &discard{h: http.Header{}}
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, newReq())
	}
}

func get(path, auth string) func() *http.Request {
	return func() *http.Request {
		r, _ := http.NewRequest(http.MethodGet, path, nil)
		r.Header.Set("Authorization", auth)
		r.RequestURI = path
		r.RemoteAddr = "127.0.0.1:50000"
		return r
	}
}

// BenchmarkAuthenticateCached is GET /_security/_authenticate with cached
// credentials through the node's production handler: the whole hot path
// of an authenticated request (routing, Basic parsing, lockout, the
// credential cache, authorization, encoding). BenchmarkBare is the same
// request answered by a handler that does nothing but write a small JSON
// body: the ratio of the two is the cost esauth adds.
func BenchmarkAuthenticateCached(b *testing.B) {
	s := servertest.Start(b)
	s.MustCall(b, 200, "GET", "/_security/_authenticate", servertest.Admin, "") // fill the cache
	benchHandler(b, s.Node.Handler(), get("/_security/_authenticate", "Basic "+servertest.B64(servertest.Admin)))
}

// BenchmarkAuthenticateAPIKey is the same request with an API key whose
// secret the key cache already verified: the cost of a key beside Basic.
func BenchmarkAuthenticateAPIKey(b *testing.B) {
	s := servertest.Start(b)
	var k struct{ Encoded string }
	if err := json.Unmarshal([]byte(s.MustCall(b, 200, "POST", "/_security/api_key", servertest.Admin, `{"name":"bench"}`)), &k); err != nil {
		b.Fatal(err)
	}
	h := s.Node.Handler()
	warm := get("/_security/_authenticate", "ApiKey "+k.Encoded)()
	h.ServeHTTP(&discard{h: http.Header{}}, warm) // verifies the secret once
	benchHandler(b, h, get("/_security/_authenticate", "ApiKey "+k.Encoded))
}

func BenchmarkBare(b *testing.B) {
	body := []byte(`{"username":"elastic","roles":["superuser"],"enabled":true}`)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
	benchHandler(b, h, get("/_security/_authenticate", "Basic "+servertest.B64(servertest.Admin)))
}

// BenchmarkGetUser is GET of one user: a route with a path parameter, a
// store read and the response's encoding.
func BenchmarkGetUser(b *testing.B) {
	s := servertest.Start(b)
	s.MustCall(b, 200, "PUT", "/_security/user/joe", servertest.Admin,
		`{"password":"joe-secret","roles":["viewer","editor"],"full_name":"Joe Bloggs","email":"joe@example.com","metadata":{"team":"search","level":3}}`)
	benchHandler(b, s.Node.Handler(), get("/_security/user/joe", "Basic "+servertest.B64(servertest.Admin)))
}

// BenchmarkPutUser creates a new user with a precomputed hash on every
// request: decoding, validation and a durable bbolt commit.
func BenchmarkPutUser(b *testing.B) {
	s := servertest.Start(b)
	auth := "Basic " + servertest.B64(servertest.Admin)
	h, _ := passhash.Resolve("bcrypt4")
	hash, _ := h.Hash("joe-secret")
	body := `{"password_hash":"` + hash + `","roles":["viewer","editor"],"full_name":"Joe Bloggs","email":"joe@example.com","metadata":{"team":"search","level":3}}`
	n := 0
	benchHandler(b, s.Node.Handler(), func() *http.Request {
		n++
		path := "/_security/user/joe-" + strconv.Itoa(n)
		r, _ := http.NewRequest(http.MethodPut, path, strings.NewReader(body))
		r.Header.Set("Authorization", auth)
		r.Header.Set("Content-Type", "application/json")
		r.RequestURI = path
		r.RemoteAddr = "127.0.0.1:50000"
		return r
	})
}
