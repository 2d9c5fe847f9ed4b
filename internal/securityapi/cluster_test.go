package securityapi_test

import (
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/rest"
	"github.com/esauth/esauth/internal/server/servertest"
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
