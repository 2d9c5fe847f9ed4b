package metrics_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/authcache"
	"github.com/esauth/esauth/internal/metrics"
)

func TestHandler(t *testing.T) {
	m := metrics.New()
	m.ObserveRequest("GET /_security/user/{username}", 200, time.Millisecond)
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()

	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != metrics.ContentType {
		t.Errorf("GET: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if want := `esauth_http_requests_total{route="GET /_security/user/{username}",code="200"} 1` + "\n"; !strings.Contains(string(body), want) {
		t.Errorf("GET body lacks %q:\n%s", want, body)
	}
	if string(body) != string(m.Registry().AppendText(nil)) {
		t.Error("the handler's body differs from AppendText")
	}

	resp, err = http.Head(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(body) != 0 || resp.ContentLength <= 0 {
		t.Errorf("HEAD: %d, %d body bytes, Content-Length %d", resp.StatusCode, len(body), resp.ContentLength)
	}

	resp, err = http.Post(srv.URL, "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

// TestEsauthSet checks the names, labels and starting series of the set.
func TestEsauthSet(t *testing.T) {
	m := metrics.New()
	stats := authcache.Stats{Hits: 7, Misses: 3, Evictions: 1, Loads: 2}
	if err := m.AddRealm("default_native", func() authcache.Stats { return stats }); err != nil {
		t.Fatal(err)
	}
	if err := m.AddRealm("default_native", func() authcache.Stats { return stats }); err == nil {
		t.Error("a second realm of the same name was accepted")
	}
	m.ObserveRequest("GET /", 200, 30*time.Microsecond)
	m.ObserveRequest(metrics.UnmatchedRoute, 999, time.Second) // beyond the table of codes
	m.ObserveAuth("default_native", true)
	m.ObserveAuth("", false)
	m.ObserveSlowHash(60 * time.Millisecond)
	m.Lockout(metrics.LockoutUser)
	stats.Hits = 8 // read at scrape time

	text := string(m.Registry().AppendText(nil))
	for _, want := range []string{
		`esauth_http_requests_total{route="GET /",code="200"} 1`,
		`esauth_http_requests_total{route="unmatched",code="999"} 1`,
		`esauth_http_request_duration_seconds_bucket{route="GET /",le="5e-05"} 1`,
		`esauth_http_request_duration_seconds_count{route="unmatched"} 1`,
		`esauth_authentications_total{realm="_none",result="failure"} 1`,
		`esauth_authentications_total{realm="default_native",result="failure"} 0`,
		`esauth_authentications_total{realm="default_native",result="success"} 1`,
		`esauth_credential_cache_hits_total{realm="default_native"} 8`,
		`esauth_credential_cache_misses_total{realm="default_native"} 3`,
		`esauth_credential_cache_evictions_total{realm="default_native"} 1`,
		`esauth_slow_hash_duration_seconds_bucket{le="0.05"} 0`,
		`esauth_slow_hash_duration_seconds_bucket{le="0.1"} 1`,
		`esauth_slow_hash_duration_seconds_count 1`,
		`esauth_lockouts_total{kind="ip"} 0`,
		`esauth_lockouts_total{kind="user"} 1`,
		`esauth_store_operation_duration_seconds_count{operation="delete"} 0`,
		`esauth_store_errors_total{operation="update"} 0`,
		"# TYPE esauth_store_operation_duration_seconds histogram",
		"# TYPE esauth_credential_cache_hits_total counter",
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("scrape lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("scrape:\n%s", text)
	}
}

// TestNilMetrics checks that recording with metrics off is a no-op.
func TestNilMetrics(t *testing.T) {
	var m *metrics.Metrics
	m.ObserveRequest("GET /", 200, time.Millisecond)
	m.ObserveAuth("r", true)
	m.ObserveSlowHash(time.Millisecond)
	m.Lockout(metrics.LockoutIP)
}

func TestFamily(t *testing.T) {
	for action, want := range map[string]string{
		"indices:data/read/search":                "indices:data/read",
		"indices:data/write/index:op_type/create": "indices:data/write",
		"indices:admin/create":                    "indices:admin",
		"cluster:monitor/health":                  "cluster:monitor",
		"cluster:admin/xpack/security/user/put":   "cluster:admin",
		"":                                        "unclassified",
		"indices:data/odd":                        "indices:data/odd",
	} {
		if got := metrics.Family(action); got != want {
			t.Errorf("Family(%q) = %q, want %q", action, got, want)
		}
	}
}
