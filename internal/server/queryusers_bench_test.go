package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/nativeusers"
	"github.com/esauth/esauth/internal/passhash"
	"github.com/esauth/esauth/internal/server/servertest"
	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/user"
)

// BenchmarkQueryUsersFirstPage is the web page's users table over 100,000
// native users: POST /_security/_query/user with the first page sorted by
// username, through the node's production handler (authentication from
// the credential cache, authorization, the query index, encoding), with
// and without with_last_authenticated. Each reports x_authenticate: its
// time per request over GET /_security/_authenticate's, measured in the
// same run as the trivial baseline.
func BenchmarkQueryUsersFirstPage(b *testing.B) {
	const n = 100_000
	h, _ := passhash.Resolve("bcrypt4")
	hash, _ := h.Hash("user-secret")
	s := servertest.StartWith(b, servertest.Options{WrapStore: func(db store.Store) store.Store {
		// Loaded before the node reads anything: 10 commits, not 100,000.
		accounts := make([]nativeusers.Account, n)
		for i := range accounts {
			name, email := fmt.Sprintf("user%06d", i), fmt.Sprintf("user%06d@example.com", i)
			full := fmt.Sprintf("User Number %d", i)
			accounts[i] = nativeusers.Account{PasswordHash: hash, User: user.User{Username: name, FullName: &full, Email: &email,
				Roles: []string{"viewer", fmt.Sprintf("team-%d", i%50)}, Enabled: i%7 != 0}}
		}
		if err := nativeusers.New(db).Import(context.Background(), accounts); err != nil {
			b.Fatal(err)
		}
		return db
	}})
	auth := "Basic " + servertest.B64(servertest.Admin)
	const body = `{"from":0,"size":20,"sort":["username"]}`
	first := s.MustCall(b, 200, "POST", "/_security/_query/user", servertest.Admin, body) // loads the index, fills the cache
	if !strings.HasPrefix(first, fmt.Sprintf(`{"total":%d,"count":20,"users":[{"username":"user000000"`, n)) {
		b.Fatalf("first page: %.200s", first)
	}
	handler := s.Node.Handler()
	serve := func(method, path, body string) func(b *testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			w := &discardWriter{h: http.Header{}}
			for b.Loop() {
				clear(w.h)
				r, _ := http.NewRequest(method, path, strings.NewReader(body))
				r.Header.Set("Authorization", auth)
				if body != "" {
					r.Header.Set("Content-Type", "application/json")
				}
				r.RequestURI, r.RemoteAddr = path, "127.0.0.1:50000"
				handler.ServeHTTP(w, r)
			}
		}
	}
	var baseNs float64 // the baseline's ns/op, from its last run
	b.Run("authenticate_baseline", func(b *testing.B) {
		serve("GET", "/_security/_authenticate", "")(b)
		baseNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	for _, bc := range []struct{ name, path string }{
		{"plain", "/_security/_query/user"},
		{"with_last_authenticated", "/_security/_query/user?with_last_authenticated=true"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			serve("POST", bc.path, body)(b)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/baseNs, "x_authenticate")
		})
	}
}
