package authn_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/latency"
	"github.com/esauth/esauth/internal/server/servertest"
)

// An unknown user, a wrong password, a disabled user and a remembered
// failure of any of them take alike over HTTP on a node built as in
// production (review §5: repeats of an unknown user took twice as long,
// and every repeat three times as long as a first attempt). The attempts
// are interleaved in a shuffled order, a few hundred of each.
func TestFailuresCannotBeToldApartByTiming(t *testing.T) {
	if testing.Short() {
		t.Skip("takes several seconds")
	}
	algo := "bcrypt6" // about 4 ms a check
	if raceEnabled {
		algo = "pbkdf2_1000" // bcrypt is ten times slower under the race detector
	}
	s := servertest.Start(t, "xpack.security.authc.password_hashing.algorithm="+algo,
		"esauth.security.lockout.enabled=false")
	s.MustCall(t, 200, "PUT", "/_security/user/joe", servertest.Admin, `{"password":"joe-secret","roles":[]}`)
	s.MustCall(t, 200, "PUT", "/_security/user/off", servertest.Admin, `{"password":"off-secret","roles":[],"enabled":false}`)
	kinds := []struct {
		name           string
		user, password string // "%d" in the password makes it new each time
	}{
		{"wrong password", "joe", "wrong-%d"},
		{"unknown user", "ghost", "wrong-%d"},
		{"disabled, wrong password", "off", "wrong-%d"},
		{"wrong password, repeated", "joe", "wrong"},
		{"unknown user, repeated", "ghost", "wrong"},
		{"disabled, right password, repeated", "off", "off-secret"},
	}
	client := s.Client()
	try := func(user, password string) time.Duration {
		req, _ := http.NewRequest("GET", s.URL+"/_security/_authenticate", nil)
		req.Header.Set("Authorization", "Basic "+servertest.B64(user+":"+password))
		start := time.Now()
		resp, err := client.Do(req)
		d := time.Since(start)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Fatalf("%s:%s answered %d", user, password, resp.StatusCode)
		}
		return d
	}
	const samples = 200
	times := make([][]time.Duration, len(kinds))
	order := make([]int, len(kinds))
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for i := -10; i < samples; i++ { // the first rounds warm up
		rng.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
		for _, k := range order {
			password := kinds[k].password
			if strings.Contains(password, "%d") {
				password = fmt.Sprintf(password, i)
			}
			if d := try(kinds[k].user, password); i >= 0 {
				times[k] = append(times[k], d)
			}
		}
	}
	var report strings.Builder
	for i, k := range kinds {
		fmt.Fprintf(&report, "%-36s %v\n", k.name, latency.Of(times[i]))
		if err := latency.Alike(times[0], times[i], 0.05); err != nil {
			t.Errorf("%s: %v", k.name, err)
		}
	}
	t.Logf("%s, %d samples each:\n%s", algo, samples, report.String())
}
