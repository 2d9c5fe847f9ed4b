package gateway_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/server/servertest"
)

// A cluster that goes away gives an Elasticsearch-shaped error the
// official clients retry, the security API keeps working, and service
// resumes by itself when the cluster is back.
func TestClusterStoppedAndRestarted(t *testing.T) {
	s, fc := setup(t, "esauth.gateway.upstream.dead_node_backoff=1s")
	s.MustCall(t, 200, "GET", "/logs-1/_doc/1", as("bob"), "")
	fc.Stop()
	r := s.Call(t, "GET", "/logs-1/_doc/1", as("bob"), "")
	if r.Status != 502 && r.Status != 503 {
		t.Errorf("cluster down: %d %s", r.Status, r.Body)
	}
	if !strings.Contains(r.Body, `"error":{"root_cause":[`) {
		t.Errorf("not Elasticsearch's error shape: %s", r.Body)
	}
	s.MustCall(t, 200, "GET", "/_security/_authenticate", as("bob"), "")
	if err := fc.Restart(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := s.Call(t, "GET", "/logs-1/_doc/1", as("bob"), "")
		if r.Status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recovery: %d %s", r.Status, r.Body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// A cluster slower than esauth.gateway.upstream.response_timeout gives a
// 504; a client that gives up cancels its request to the cluster.
func TestSlowClusterAndClientDisconnect(t *testing.T) {
	s, fc := setup(t, "esauth.gateway.upstream.response_timeout=300ms")
	fc.SetDelay(2 * time.Second)
	start := time.Now()
	r := s.Call(t, "GET", "/logs-1/_doc/1", as("bob"), "")
	if r.Status != 504 || time.Since(start) > 1500*time.Millisecond {
		t.Errorf("slow cluster: %d after %v: %s", r.Status, time.Since(start), r.Body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", s.URL+"/logs-1/_doc/1", nil)
	req.Header.Set("Authorization", "Basic "+servertest.B64(as("bob")))
	if _, err := s.Client().Do(req); err == nil {
		t.Error("the client did not give up")
	}
	fc.SetDelay(0)
	// Answers come back once the cluster's delayed requests are done.
	deadline := time.Now().Add(10 * time.Second)
	for s.Call(t, "GET", "/logs-1/_doc/1", as("bob"), "").Status != 200 {
		if time.Now().After(deadline) {
			t.Fatal("no answer after the cluster sped up")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// A cluster answer cut short reaches the client as a broken answer, never
// as a shorter one that looks complete.
func TestTruncatedAnswerIsNotCompleted(t *testing.T) {
	cut := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Elastic-Product", "Elasticsearch")
		w.WriteHeader(200)
		io.WriteString(w, `{"cluster_name":"half`)
		w.(http.Flusher).Flush()
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	defer cut.Close()
	s := servertest.Start(t, "esauth.gateway.upstream="+cut.URL)
	req, _ := http.NewRequest("GET", s.URL+"/_cluster/health", nil)
	req.Header.Set("Authorization", "Basic "+servertest.B64(servertest.Admin))
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil {
		t.Errorf("a truncated answer read as complete: %q", body)
	}
}

// The metrics count forwarded requests by action family and status, the
// cluster's failures by the error answered, and metadata reads.
func TestGatewayMetrics(t *testing.T) {
	s, fc := setup(t, "esauth.metrics.address=127.0.0.1:0")
	s.MustCall(t, 200, "GET", "/logs-*/_search", as("bob"), "")
	s.MustCall(t, 200, "GET", "/logs-1/_doc/1", as("bob"), "")
	s.MustCall(t, 404, "GET", "/logs-1/_doc/nope", as("bob"), "")
	fc.Stop()
	s.Call(t, "GET", "/logs-1/_doc/1", as("bob"), "")
	rec := httptest.NewRecorder()
	s.Node.Metrics().Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	text := rec.Body.String()
	for _, want := range []string{
		`esauth_gateway_forwarded_requests_total{family="indices:data/read",code="200"} 2`,
		`esauth_gateway_forwarded_requests_total{family="indices:data/read",code="404"} 1`,
		`esauth_gateway_upstream_errors_total{type="connect_transport_exception"} 1`,
		`esauth_gateway_upstream_duration_seconds_count{family="indices:data/read"} 3`,
		`esauth_gateway_metadata_refreshes_total{result="success"}`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(text, `esauth_gateway_metadata_refreshes_total{result="success"} 0`) {
		t.Error("no metadata read was counted")
	}
}
