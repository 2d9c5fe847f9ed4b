// Command gwproxy is the harness's Go gateway ceiling: a bare
// httputil.ReverseProxy in front of one upstream that lets a request
// through when its HTTP Basic credentials match one user's bcrypt hash.
// A verified Authorization header is remembered (by its SHA-256), so
// only the first request of a credential pays for bcrypt, as a realm
// cache does; nothing else (no roles, no request classification).
package main

import (
	"crypto/sha256"
	"flag"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"

	"golang.org/x/crypto/bcrypt"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9101", "address to listen on")
	upstream := flag.String("upstream", "http://127.0.0.1:9200", "URL of the upstream")
	user := flag.String("user", "bench", "the one user")
	hash := flag.String("hash", "", "the user's bcrypt hash")
	flag.Parse()
	u, err := url.Parse(*upstream)
	if err != nil {
		log.Fatal(err)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 256
	proxy := &httputil.ReverseProxy{
		Rewrite:   func(r *httputil.ProxyRequest) { r.SetURL(u) },
		Transport: transport,
	}
	var (
		mu       sync.RWMutex
		verified = map[[32]byte]bool{}
	)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := sha256.Sum256([]byte(r.Header.Get("Authorization")))
		mu.RLock()
		ok := verified[key]
		mu.RUnlock()
		if !ok {
			name, password, given := r.BasicAuth()
			ok = given && name == *user && bcrypt.CompareHashAndPassword([]byte(*hash), []byte(password)) == nil
			if ok {
				mu.Lock()
				verified[key] = true
				mu.Unlock()
			}
		}
		if !ok {
			w.Header().Set("WWW-Authenticate", `Basic realm="bench"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		r.Header.Del("Authorization")
		proxy.ServeHTTP(w, r)
	})
	log.Fatal(http.ListenAndServe(*addr, h))
}
