package authn_test

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/esauth/esauth/internal/passhash"
	"github.com/esauth/esauth/internal/server/servertest"
)

// slowChecks reads how many slow password checks the node has run from
// its metrics.
func slowChecks(t *testing.T, s *servertest.Server) int {
	t.Helper()
	rec := httptest.NewRecorder()
	s.Node.Metrics().Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "esauth_slow_hash_duration_seconds_count "); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no slow-hash count in the metrics")
	return 0
}

// Guesses sent all at once cannot get past the limit: with max_attempts 5,
// 300 simultaneous wrong passwords for one user cost at most 5 slow checks,
// the rest are refused with a 429 before any hashing, and the right
// password sent among them is refused too (review §1).
func TestLockoutHoldsUnderParallelGuesses(t *testing.T) {
	s := servertest.Start(t, "esauth.metrics.address=127.0.0.1:0", "esauth.security.lockout.max_attempts=5",
		"esauth.security.lockout.ip.max_attempts=1000", "esauth.security.authc.max_concurrent_hashes=1")
	// A check slow enough that every guess arrives while the first is hashed.
	h, _ := passhash.Resolve("bcrypt8")
	hash, _ := h.Hash("alice-password")
	s.MustCall(t, 200, "PUT", "/_security/user/alice", servertest.Admin, `{"password_hash":"`+hash+`","roles":[]}`)
	before := slowChecks(t, s)
	const n = 300
	codes := make([]int, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Add(1)
		go func() {
			defer done.Done()
			pw := "guess-" + strconv.Itoa(i)
			if i == n/2 {
				pw = "alice-password"
			}
			req, _ := http.NewRequest("GET", s.URL+"/_security/_authenticate", nil)
			req.Header.Set("Authorization", "Basic "+servertest.B64("alice:"+pw))
			start.Wait()
			resp, err := s.Client().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			codes[i] = resp.StatusCode
		}()
	}
	start.Done()
	done.Wait()
	count := map[int]int{}
	for _, c := range codes {
		count[c]++
	}
	checks := slowChecks(t, s) - before
	t.Logf("answers %v, %d slow checks", count, checks)
	if checks > 5 {
		t.Errorf("%d slow checks for one username, want at most max_attempts (5)", checks)
	}
	if count[401]+count[200] > 5 || count[429] < n-5 {
		t.Errorf("answers %v: more than 5 attempts were checked", count)
	}
	// Now it is blocked: the right password does not get in either.
	if r := s.Call(t, "GET", "/_security/_authenticate", "alice:alice-password", ""); count[200] == 0 && r.Status != 429 {
		t.Errorf("the right password after the flood: %d %s", r.Status, r.Body)
	}
}

// A wrong password sent again is answered from the failed-attempt memory:
// one slow check for the first try, none for the repeats (they wait as
// long as a check would, without hashing).
func TestRepeatedFailuresAreRemembered(t *testing.T) {
	s := servertest.Start(t, "esauth.metrics.address=127.0.0.1:0", "esauth.security.lockout.enabled=false")
	s.MustCall(t, 200, "PUT", "/_security/user/joe", servertest.Admin, `{"password":"joe-secret","roles":[]}`)
	before := slowChecks(t, s)
	for range 5 {
		s.MustCall(t, 401, "GET", "/_security/_authenticate", "joe:the-same-wrong-password", "")
	}
	if n := slowChecks(t, s) - before; n != 1 {
		t.Errorf("five identical wrong passwords cost %d slow checks, want 1", n)
	}
	// With the memory off, every one is checked.
	s = servertest.Start(t, "esauth.metrics.address=127.0.0.1:0", "esauth.security.lockout.enabled=false",
		"esauth.security.authc.failed_cache.ttl=0")
	s.MustCall(t, 200, "PUT", "/_security/user/joe", servertest.Admin, `{"password":"joe-secret","roles":[]}`)
	before = slowChecks(t, s)
	for range 5 {
		s.MustCall(t, 401, "GET", "/_security/_authenticate", "joe:the-same-wrong-password", "")
	}
	if n := slowChecks(t, s) - before; n != 5 {
		t.Errorf("with failed_cache.ttl 0, five wrong passwords cost %d slow checks, want 5", n)
	}
}

// A user's own concurrent requests are never refused: credentials the
// cache proved right take no place among the attempts the lockout bounds
// (with max_attempts 5, more than 5 requests in flight used to get 429s),
// while a block still refuses them.
func TestConcurrentRequestsOfOneUser(t *testing.T) {
	s := servertest.Start(t, "esauth.security.lockout.max_attempts=5")
	// A slow hash, so that a burst of first logins finds the first still
	// being checked: those past the places wait for its verdict.
	slow, _ := passhash.Resolve("bcrypt10")
	beaHash, _ := slow.Hash("bea-password")
	s.MustCall(t, 200, "PUT", "/_security/user/bea", servertest.Admin, `{"password_hash":"`+beaHash+`","roles":[]}`)
	const n = 200
	codes := make([]int, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Add(1)
		go func() {
			defer done.Done()
			req, _ := http.NewRequest("GET", s.URL+"/_security/_authenticate", nil)
			req.Header.Set("Authorization", "Basic "+servertest.B64("bea:bea-password"))
			start.Wait()
			resp, err := s.Client().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			codes[i] = resp.StatusCode
		}()
	}
	start.Done()
	done.Wait()
	for i, c := range codes {
		if c != 200 {
			t.Fatalf("request %d of the same user: %d", i, c)
		}
	}
	// Five slow wrong guesses in flight hold every place the lockout
	// gives; the user's cached credentials still pass meanwhile.
	h, _ := passhash.Resolve("bcrypt10")
	hash, _ := h.Hash("cat-password")
	s2 := servertest.Start(t, "esauth.security.lockout.max_attempts=5", "esauth.security.authc.max_concurrent_hashes=1")
	s2.MustCall(t, 200, "PUT", "/_security/user/cat", servertest.Admin, `{"password_hash":"`+hash+`","roles":[]}`)
	s2.MustCall(t, 200, "GET", "/_security/_authenticate", "cat:cat-password", "")
	firstBack := make(chan struct{})
	var once sync.Once
	for i := range 5 {
		done.Add(1)
		go func() {
			defer done.Done()
			s2.Call(t, "GET", "/_security/_authenticate", "cat:guess-"+strconv.Itoa(i), "")
			once.Do(func() { close(firstBack) })
		}()
	}
	sent := 0
	for loop := true; loop; {
		select {
		case <-firstBack:
			loop = false
		default:
			if r := s2.Call(t, "GET", "/_security/_authenticate", "cat:cat-password", ""); r.Status != 200 {
				t.Fatalf("cached credentials while guesses are checked: %d %s", r.Status, r.Body)
			}
			sent++
		}
	}
	done.Wait()
	t.Logf("%d cached logins passed while wrong guesses held the places", sent)

	// A cached success forgets earlier failures, as a checked one does...
	for range 4 {
		s.MustCall(t, 401, "GET", "/_security/_authenticate", "bea:wrong", "")
	}
	s.MustCall(t, 200, "GET", "/_security/_authenticate", "bea:bea-password", "")
	for range 4 {
		s.MustCall(t, 401, "GET", "/_security/_authenticate", "bea:wrong", "")
	}
	s.MustCall(t, 200, "GET", "/_security/_authenticate", "bea:bea-password", "")
	// ...and a block refuses even cached credentials.
	for range 5 {
		s.Call(t, "GET", "/_security/_authenticate", "bea:wrong", "")
	}
	if r := s.Call(t, "GET", "/_security/_authenticate", "bea:bea-password", ""); r.Status != 429 {
		t.Errorf("cached credentials of a blocked user: %d %s", r.Status, r.Body)
	}
}
