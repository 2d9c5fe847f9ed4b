package securityapi

import (
	"context"
	"strings"

	"github.com/esauth/esauth/internal/authz"
	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/pipeline"
	"github.com/esauth/esauth/internal/rest"
	"github.com/esauth/esauth/internal/xcontent"
)

// main is GET and HEAD /: the info document clients and tools read for the
// cluster UUID and the version. Elasticsearch pretty-prints it by default.
func (a *API) main(*pipeline.Call) (pipeline.Prepared, error) {
	return pipeline.Prepared{Run: func(context.Context, authz.Decision) (*rest.Response, error) {
		return &rest.Response{Status: 200, PrettyByDefault: true, Body: xcontent.Obj(
			"name", a.Node.Name,
			"cluster_name", a.Node.ClusterName,
			"cluster_uuid", a.Node.ClusterUUID,
			"version", xcontent.Obj(
				"number", rest.Version,
				"build_flavor", "default",
				"build_type", "tar",
				"build_hash", rest.BuildHash,
				"build_date", rest.BuildDate,
				"build_snapshot", false,
				"lucene_version", rest.LuceneVersion,
				"minimum_wire_compatibility_version", "7.17.0",
				"minimum_index_compatibility_version", "7.0.0",
			),
			"tagline", "You Know, for Search",
		)}, nil
	}}, nil
}

// health is GET /_cluster/health: no shards, green while the store answers
// and red when a shared store cannot be reached. The wait_for_* parameters
// are satisfied at once because nothing is pending.
func (a *API) health(c *pipeline.Call) (pipeline.Prepared, error) {
	if v, ok := c.Param("wait_for_status"); ok {
		switch v {
		case "green", "yellow", "red":
		default:
			return pipeline.Prepared{}, eserr.IllegalArgument("unknown cluster health status [%s]", v)
		}
	}
	level, _ := c.Param("level")
	switch level {
	case "", "cluster", "indices", "shards":
	default:
		return pipeline.Prepared{}, eserr.IllegalArgument("No enum constant org.elasticsearch.action.admin.cluster.health.ClusterHealthRequest.Level.%s", strings.ToUpper(level))
	}
	for _, p := range []string{"local", "master_timeout", "timeout", "wait_for_active_shards", "wait_for_nodes",
		"wait_for_events", "wait_for_no_relocating_shards", "wait_for_no_initializing_shards", "expand_wildcards"} {
		c.Param(p)
	}
	human, _ := c.BoolParam("human", false)
	return pipeline.Prepared{Run: func(ctx context.Context, _ authz.Decision) (*rest.Response, error) {
		nodes := 1
		if a.Peers != nil {
			nodes = len(a.Peers.Nodes(ctx))
		}
		status := "green"
		if a.Peers != nil && !a.Peers.Healthy(ctx) {
			status = "red"
		}
		body := xcontent.Obj(
			"cluster_name", a.Node.ClusterName,
			"status", status,
			"timed_out", false,
			"number_of_nodes", nodes,
			"number_of_data_nodes", nodes,
			"active_primary_shards", 0,
			"active_shards", 0,
			"relocating_shards", 0,
			"initializing_shards", 0,
			"unassigned_shards", 0,
			"unassigned_primary_shards", 0,
			"delayed_unassigned_shards", 0,
			"number_of_pending_tasks", 0,
			"number_of_in_flight_fetch", 0,
		)
		if human {
			body = body.With("task_max_waiting_in_queue", "0s")
		}
		body = body.With("task_max_waiting_in_queue_millis", 0)
		if human {
			body = body.With("active_shards_percent", "100.0%")
		}
		body = body.With("active_shards_percent_as_number", xcontent.Float(100.0))
		if level == "indices" || level == "shards" {
			body = body.With("indices", xcontent.Object{})
		}
		return rest.OK(body)
	}}, nil
}
