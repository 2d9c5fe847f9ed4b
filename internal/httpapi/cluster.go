package httpapi

import (
	"context"

	"github.com/esauth/esauth/internal/eserr"
)

// The Elasticsearch build esauth presents itself as.
const (
	Version       = "8.19.0"
	BuildHash     = "esauth"
	buildDate     = "2026-11-01T00:00:00.000000000Z"
	luceneVersion = "9.12.2"
)

// main is GET and HEAD /: the info document clients and tools read for the
// cluster UUID and the version. Elasticsearch pretty-prints it by default.
func (a *API) main(r *request) (exec, error) {
	return func(ctx context.Context) (*response, error) {
		if err := r.authorize(ctx, ""); err != nil {
			return nil, err
		}
		return &response{status: 200, prettyByDefault: true, body: orderedObject{
			{"name", a.Node.Name},
			{"cluster_name", a.Node.ClusterName},
			{"cluster_uuid", a.Node.ClusterUUID},
			{"version", orderedObject{
				{"number", Version},
				{"build_flavor", "default"},
				{"build_type", "tar"},
				{"build_hash", BuildHash},
				{"build_date", buildDate},
				{"build_snapshot", false},
				{"lucene_version", luceneVersion},
				{"minimum_wire_compatibility_version", "7.17.0"},
				{"minimum_index_compatibility_version", "7.0.0"},
			}},
			{"tagline", "You Know, for Search"},
		}}, nil
	}, nil
}

// health is GET /_cluster/health: no shards, green while the store answers
// and red when a shared store cannot be reached. The wait_for_* parameters
// are satisfied at once because nothing is pending.
func (a *API) health(r *request) (exec, error) {
	if v, ok := r.param("wait_for_status"); ok {
		switch v {
		case "green", "yellow", "red":
		default:
			return nil, eserr.IllegalArgument("unknown cluster health status [%s]", v)
		}
	}
	level, _ := r.param("level")
	switch level {
	case "", "cluster", "indices", "shards":
	default:
		return nil, eserr.IllegalArgument("No enum constant org.elasticsearch.action.admin.cluster.health.ClusterHealthRequest.Level.%s", upper(level))
	}
	for _, p := range []string{"local", "master_timeout", "timeout", "wait_for_active_shards", "wait_for_nodes",
		"wait_for_events", "wait_for_no_relocating_shards", "wait_for_no_initializing_shards", "expand_wildcards"} {
		r.param(p)
	}
	human, _ := r.boolParam("human", false)
	return func(ctx context.Context) (*response, error) {
		if err := r.authorize(ctx, ""); err != nil {
			return nil, err
		}
		nodes := 1
		if a.Cluster != nil {
			nodes = len(a.Cluster.Nodes(ctx))
		}
		status := "green"
		if a.Cluster != nil && !a.Cluster.Healthy(ctx) {
			status = "red"
		}
		body := orderedObject{
			{"cluster_name", a.Node.ClusterName},
			{"status", status},
			{"timed_out", false},
			{"number_of_nodes", nodes},
			{"number_of_data_nodes", nodes},
			{"active_primary_shards", 0},
			{"active_shards", 0},
			{"relocating_shards", 0},
			{"initializing_shards", 0},
			{"unassigned_shards", 0},
			{"unassigned_primary_shards", 0},
			{"delayed_unassigned_shards", 0},
			{"number_of_pending_tasks", 0},
			{"number_of_in_flight_fetch", 0},
		}
		if human {
			body = append(body, field{"task_max_waiting_in_queue", "0s"})
		}
		body = append(body, field{"task_max_waiting_in_queue_millis", 0})
		if human {
			body = append(body, field{"active_shards_percent", "100.0%"})
		}
		body = append(body, field{"active_shards_percent_as_number", jsonFloat(100.0)})
		if level == "indices" || level == "shards" {
			body = append(body, field{"indices", orderedObject{}})
		}
		return ok(body)
	}, nil
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// jsonFloat marshals with a decimal point, as Java prints a double.
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	b, err := marshal(float64(f))
	if err == nil && !containsAny(b, ".eE") {
		b = append(b, '.', '0')
	}
	return b, err
}

func containsAny(b []byte, chars string) bool {
	for _, c := range b {
		for i := 0; i < len(chars); i++ {
			if c == chars[i] {
				return true
			}
		}
	}
	return false
}
