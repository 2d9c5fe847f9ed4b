package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/authcache"
	"github.com/esauth/esauth/internal/passhash"
	"github.com/esauth/esauth/internal/realm"
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

// cachedServer is a test server whose realms sit behind credential caches,
// as the server builds them.
func cachedServer(b *testing.B) *testServer {
	s := newTestServer(b)
	h, _ := passhash.ResolveCache("ssha256")
	cfg := authcache.Config{TTL: 20 * time.Minute, MaxUsers: 100000, Hasher: h}
	for i, r := range s.api.Realms.Realms {
		s.api.Realms.Realms[i] = realm.NewCached(r, cfg, nil)
	}
	return s
}

// BenchmarkAuthenticateCached is GET /_security/_authenticate with cached
// credentials: the whole hot path of an authenticated request (routing,
// Basic parsing, the cache, authorization, encoding). BenchmarkBare is the
// same request answered by a handler that does nothing but write a small
// JSON body: the ratio of the two is the cost esauth adds.
func BenchmarkAuthenticateCached(b *testing.B) {
	s := cachedServer(b)
	h := s.api.Handler()
	auth := "Basic " + b64(admin)
	newReq := func() *http.Request {
		r, _ := http.NewRequest(http.MethodGet, "/_security/_authenticate", nil)
		r.Header.Set("Authorization", auth)
		r.RequestURI = "/_security/_authenticate"
		return r
	}
	benchHandler(b, h, newReq)
}

func BenchmarkBare(b *testing.B) {
	body := []byte(`{"username":"elastic","roles":["superuser"],"enabled":true}`)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
	benchHandler(b, h, func() *http.Request {
		r, _ := http.NewRequest(http.MethodGet, "/_security/_authenticate", nil)
		r.Header.Set("Authorization", "Basic "+b64(admin))
		return r
	})
}

// BenchmarkPutUser creates a new user with a precomputed hash on every
// request: decoding, validation and a durable bbolt commit.
func BenchmarkPutUser(b *testing.B) {
	s := cachedServer(b)
	h := s.api.Handler()
	auth := "Basic " + b64(admin)
	hash, _ := s.api.Hasher.Hash("joe-secret")
	body := `{"password_hash":"` + hash + `","roles":["viewer","editor"],"full_name":"Joe Bloggs","email":"joe@example.com","metadata":{"team":"search","level":3}}`
	n := 0
	benchHandler(b, h, func() *http.Request {
		n++
		path := "/_security/user/joe-" + strconv.Itoa(n)
		r, _ := http.NewRequest(http.MethodPut, path, strings.NewReader(body))
		r.Header.Set("Authorization", auth)
		r.Header.Set("Content-Type", "application/json")
		r.RequestURI = path
		return r
	})
}

// BenchmarkGetUser is GET of one user: store read and response encoding.
func BenchmarkGetUser(b *testing.B) {
	s := cachedServer(b)
	s.mustCall(b, 200, "PUT", "/_security/user/joe", admin,
		`{"password":"joe-secret","roles":["viewer","editor"],"full_name":"Joe Bloggs","email":"joe@example.com","metadata":{"team":"search","level":3}}`)
	h := s.api.Handler()
	auth := "Basic " + b64(admin)
	benchHandler(b, h, func() *http.Request {
		r, _ := http.NewRequest(http.MethodGet, "/_security/user/joe", nil)
		r.Header.Set("Authorization", auth)
		r.RequestURI = "/_security/user/joe"
		return r
	})
}
