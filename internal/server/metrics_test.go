package server

import (
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/config"
	"github.com/esauth/esauth/internal/store/boltstore"
	"github.com/esauth/esauth/internal/store/etcdstore/etcdtest"
)

// startMetricsNode starts a node as startNode does, with metrics on a free
// port, and returns it with the base URL of its metrics listener.
func startMetricsNode(t *testing.T, overrides ...string) (node, string) {
	t.Helper()
	metricsReady := make(chan net.Addr, 1)
	n := startNodeWith(t, nodeOptions{overrides: append(overrides, "esauth.metrics.address=127.0.0.1:0"),
		elasticPassword: "elastic-pw", metricsReady: func(a net.Addr) { metricsReady <- a }})
	// The metrics listener is up before the API's.
	return n, "http://" + (<-metricsReady).String()
}

// scrape returns the samples of a metrics listener, by name and labels as
// written (`name{label="value"}`).
func scrape(t *testing.T, base string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("scrape: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	out := map[string]float64{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ') // label values may hold spaces, numbers do not
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if i < 0 || err != nil {
			t.Fatalf("bad sample line %q", line)
		}
		out[line[:i]] = v
	}
	return out
}

const (
	storeCount = `esauth_store_operation_duration_seconds_count{operation="%s"}`
	nativeHits = `esauth_credential_cache_hits_total{realm="default_native"}`
)

func storeOps(samples map[string]float64, op string) float64 {
	return samples[strings.Replace(storeCount, "%s", op, 1)]
}

// TestMetricsListener checks the listener of esauth.metrics.address: it
// serves /metrics only, and its counts follow the node's work.
func TestMetricsListener(t *testing.T) {
	n, m := startMetricsNode(t)
	before := scrape(t, m)
	for _, realm := range []string{"reserved", "default_file", "default_native"} {
		if _, ok := before[`esauth_credential_cache_misses_total{realm="`+realm+`"}`]; !ok {
			t.Errorf("no cache metrics for realm %s", realm)
		}
	}

	n.expect(t, 200, "PUT", "/_security/user/joe", admin, `{"password":"joe-secret","roles":["superuser"]}`)
	n.expect(t, 200, "GET", "/_security/_authenticate", "joe:joe-secret", "") // a cache miss reads the store
	n.expect(t, 200, "GET", "/_security/_authenticate", "joe:joe-secret", "") // a hit does not
	after := scrape(t, m)
	writes := func(s map[string]float64) float64 { return storeOps(s, "create") + storeOps(s, "update") }
	if writes(after) <= writes(before) {
		t.Errorf("store writes went from %v to %v after a user write", writes(before), writes(after))
	}
	if storeOps(after, "get") <= storeOps(before, "get") {
		t.Errorf("store gets went from %v to %v after a cache miss", storeOps(before, "get"), storeOps(after, "get"))
	}
	if after[nativeHits] < before[nativeHits]+1 {
		t.Errorf("native cache hits went from %v to %v after a repeated login", before[nativeHits], after[nativeHits])
	}
	n.expect(t, 401, "GET", "/_security/_authenticate", "joe:wrong-secret", "")
	final := scrape(t, m)
	for key, want := range map[string]float64{
		`esauth_authentications_total{realm="default_native",result="success"}`:         2,
		`esauth_authentications_total{realm="default_native",result="failure"}`:         1,
		`esauth_http_requests_total{route="GET /_security/_authenticate",code="401"}`:   1,
		`esauth_http_requests_total{route="PUT /_security/user/{username}",code="200"}`: 1,
		`esauth_slow_hash_duration_seconds_count`:                                       3, // first logins of elastic and joe, the wrong password
	} {
		if got := final[key] - before[key]; got != want {
			t.Errorf("%s rose by %v, want %v", key, got, want)
		}
	}
	if after[`esauth_store_errors_total{operation="update"}`] != 0 {
		t.Errorf("store errors counted: %v", after)
	}

	for _, tt := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/", 404},
		{"GET", "/_security/_authenticate", 404},
		{"GET", "/metrics/x", 404},
		{"POST", "/metrics", 405},
		{"HEAD", "/metrics", 200},
	} {
		req, _ := http.NewRequest(tt.method, m+tt.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("%s %s: %d, want %d", tt.method, tt.path, resp.StatusCode, tt.want)
		}
	}

	n.stop()
	if _, err := http.Get(m + "/metrics"); err == nil {
		t.Error("the metrics listener still answers after the node stopped")
	}
}

// TestMetricsKeepsMultiNode checks that the instrumented store still lets
// a node follow the others' writes: a changed password stops working on a
// node that had it cached.
func TestMetricsKeepsMultiNode(t *testing.T) {
	member := etcdtest.StartMember(t)
	a, _ := startMetricsNode(t, etcdSettings("/metrics/", member)...)
	b, bm := startMetricsNode(t, etcdSettings("/metrics/", member)...)
	a.expect(t, 200, "PUT", "/_security/user/joe", admin, `{"password":"joe-pw-1","roles":["superuser"]}`)
	b.expect(t, 200, "GET", "/_security/_authenticate", "joe:joe-pw-1", "") // cached on b
	a.expect(t, 200, "POST", "/_security/user/joe/_password", admin, `{"password":"joe-pw-2"}`)
	waitUntil(t, time.Second, func() bool {
		return b.status(t, "GET", "/_security/_authenticate", "joe:joe-pw-1", "") == 401
	})
	if s := scrape(t, bm); storeOps(s, "get") == 0 {
		t.Errorf("node b timed no etcd gets: %v", s)
	}
}

func TestMetricsOffByDefault(t *testing.T) {
	db, err := boltstore.Open(filepath.Join(t.TempDir(), "esauth.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if m, s := instrument(config.Config{}, db); m != nil || s != db {
		t.Errorf("without esauth.metrics.address: metrics %v, store %T", m, s)
	}
	if m, s := instrument(config.Config{Metrics: config.MetricsConfig{Address: "127.0.0.1:0"}}, db); m == nil || s == db {
		t.Errorf("with esauth.metrics.address: metrics %v, store %T", m, s)
	}
}

func TestMetricsAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	err = runOnce(t, "esauth.metrics.address="+ln.Addr().String(), "xpack.security.authc.password_hashing.algorithm=bcrypt4")
	if err == nil || !strings.Contains(err.Error(), "cannot bind esauth.metrics.address ["+ln.Addr().String()+"]") {
		t.Errorf("start with a taken metrics address: %v", err)
	}
}

// TestMetricsByCredential checks that every request's credential check is
// counted once, by the kind of credential sent and its result.
func TestMetricsByCredential(t *testing.T) {
	n, m := startMetricsNode(t, "esauth.security.lockout.max_attempts=2")
	raw := func(authorization string) int {
		t.Helper()
		req, _ := http.NewRequest("GET", n.url+"/_security/_authenticate", nil)
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	_, body := n.call(t, "POST", "/_security/api_key", admin, `{"name":"k"}`)
	encoded := body[strings.Index(body, `"encoded":"`)+len(`"encoded":"`):]
	encoded = encoded[:strings.IndexByte(encoded, '"')]
	_, body = n.call(t, "POST", "/_security/service/elastic/kibana/credential/token/t1", admin, "")
	token := body[strings.Index(body, `"value":"`)+len(`"value":"`):]
	token = token[:strings.IndexByte(token, '"')]
	n.expect(t, 200, "PUT", "/_security/user/joe", admin, `{"password":"joe-secret","roles":[]}`)
	before := scrape(t, m)

	for _, c := range []struct {
		authorization string
		want          int
	}{
		{"ApiKey " + encoded, 200},
		{"APIKey " + encoded, 200},
		{"ApiKey " + base64.StdEncoding.EncodeToString([]byte("nokey:nosecret")), 401},
		{"Bearer " + token, 200},
		{"Bearer not-a-token", 401},
		{"", 401},
		{"Negotiate abc", 401},
		{"Basic " + base64.StdEncoding.EncodeToString([]byte("joe:wrong")), 401},
		{"Basic " + base64.StdEncoding.EncodeToString([]byte("joe:wrong")), 401},
		{"Basic " + base64.StdEncoding.EncodeToString([]byte("joe:joe-secret")), 429}, // locked out
	} {
		if got := raw(c.authorization); got != c.want {
			t.Fatalf("%.20q: %d, want %d", c.authorization, got, c.want)
		}
	}
	after := scrape(t, m)
	for _, c := range []struct {
		credential, result string
		want               float64
	}{
		{"api_key", "success", 2}, {"api_key", "failure", 1},
		{"bearer", "success", 1}, {"bearer", "failure", 1},
		{"none", "failure", 1}, {"other", "failure", 1},
		{"basic", "failure", 2}, {"basic", "refused", 1}, {"basic", "success", 0}, {"basic", "error", 0},
	} {
		key := `esauth_credentials_total{credential="` + c.credential + `",result="` + c.result + `"}`
		if _, ok := after[key]; !ok {
			t.Errorf("no series %s", key)
		}
		if got := after[key] - before[key]; got != c.want {
			t.Errorf("%s rose by %v, want %v", key, got, c.want)
		}
	}
}
