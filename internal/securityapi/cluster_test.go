package securityapi_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/rest"
	"github.com/esauth/esauth/internal/server/servertest"
	"github.com/esauth/esauth/internal/store"
)

func TestMainAndHealth(t *testing.T) {
	s := servertest.Start(t, "node.name=node-1", "cluster.name=test-cluster")
	wantMain := `{
  "name" : "node-1",
  "cluster_name" : "test-cluster",
  "cluster_uuid" : "` + s.Node.Self().ClusterUUID + `",
  "version" : {
    "number" : "` + rest.Version + `",
    "build_flavor" : "default",
    "build_type" : "tar",
    "build_hash" : "` + rest.BuildHash + `",
    "build_date" : "` + rest.BuildDate + `",
    "build_snapshot" : false,
    "lucene_version" : "` + rest.LuceneVersion + `",
    "minimum_wire_compatibility_version" : "7.17.0",
    "minimum_index_compatibility_version" : "7.0.0"
  },
  "tagline" : "You Know, for Search"
}
`
	if got := s.MustCall(t, 200, "GET", "/", servertest.Admin, ""); got != wantMain {
		t.Errorf("GET /:\n%s\nwant\n%s", got, wantMain)
	}
	if got := s.MustCall(t, 200, "GET", "/?pretty=false", servertest.Admin, ""); strings.Contains(got, "\n") || !strings.HasPrefix(got, `{"name":"node-1"`) {
		t.Errorf("GET /?pretty=false: %s", got)
	}
	r := s.Call(t, "HEAD", "/", servertest.Admin, "")
	if r.Status != 200 || r.Body != "" {
		t.Errorf("HEAD /: %d %q", r.Status, r.Body)
	}
	wantHealth := `{"cluster_name":"test-cluster","status":"green","timed_out":false,"number_of_nodes":1,"number_of_data_nodes":1,` +
		`"active_primary_shards":0,"active_shards":0,"relocating_shards":0,"initializing_shards":0,"unassigned_shards":0,` +
		`"unassigned_primary_shards":0,"delayed_unassigned_shards":0,"number_of_pending_tasks":0,"number_of_in_flight_fetch":0,` +
		`"task_max_waiting_in_queue_millis":0,"active_shards_percent_as_number":100.0}`
	if got := s.MustCall(t, 200, "GET", "/_cluster/health", servertest.Admin, ""); got != wantHealth {
		t.Errorf("health:\n%s\nwant\n%s", got, wantHealth)
	}
}

// downStore fails every read while down is set.
type downStore struct {
	store.Store
	down atomic.Bool
}

func (d *downStore) Get(ctx context.Context, c store.Collection, k string) ([]byte, error) {
	if d.down.Load() {
		return nil, fmt.Errorf("%w: test", store.ErrUnavailable)
	}
	return d.Store.Get(ctx, c, k)
}

// Health follows the store, and wait_for_status waits for it, as
// Elasticsearch does (review §14: it was always green and never waited).
func TestHealthFollowsTheStore(t *testing.T) {
	ds := &downStore{}
	s := servertest.StartWith(t, servertest.Options{WrapStore: func(db store.Store) store.Store { ds.Store = db; return ds }})
	s.MustCall(t, 200, "GET", "/_security/_authenticate", servertest.Admin, "") // cached from now on
	if body := s.MustCall(t, 200, "GET", "/_cluster/health?wait_for_status=green&timeout=1s", servertest.Admin, ""); !strings.Contains(body, `"status":"green","timed_out":false`) {
		t.Errorf("healthy: %s", body)
	}
	ds.down.Store(true)
	if body := s.MustCall(t, 200, "GET", "/_cluster/health", servertest.Admin, ""); !strings.Contains(body, `"status":"red","timed_out":false`) {
		t.Errorf("store down: %s", body)
	}
	start := time.Now()
	r := s.Call(t, "GET", "/_cluster/health?wait_for_status=yellow&timeout=300ms", servertest.Admin, "")
	if waited := time.Since(start); r.Status != 408 || !strings.Contains(r.Body, `"status":"red","timed_out":true`) || waited < 300*time.Millisecond {
		t.Errorf("waiting in vain: %d after %v: %s", r.Status, waited, r.Body)
	}
	// The store comes back while a request waits: it answers green.
	done := make(chan servertest.Reply)
	go func() {
		done <- s.Call(t, "GET", "/_cluster/health?wait_for_status=green&timeout=30s", servertest.Admin, "")
	}()
	ds.down.Store(false)
	if r := <-done; r.Status != 200 || !strings.Contains(r.Body, `"status":"green","timed_out":false`) {
		t.Errorf("recovered: %d %s", r.Status, r.Body)
	}
	if r := s.Call(t, "GET", "/_cluster/health?timeout=soon", servertest.Admin, ""); r.Status != 400 || !strings.Contains(r.Body, "failed to parse setting [timeout] with value [soon] as a time value") {
		t.Errorf("bad timeout: %d %s", r.Status, r.Body)
	}
}
