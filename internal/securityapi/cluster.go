package securityapi

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/esauth/esauth/internal/authz"
	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/pipeline"
	"github.com/esauth/esauth/internal/rest"
	"github.com/esauth/esauth/internal/timevalue"
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

// healthOrder ranks the health statuses: waiting for one is satisfied by
// it or a better one.
var healthOrder = map[string]int{"red": 0, "yellow": 1, "green": 2}

// health is GET /_cluster/health: no shards; green while the store answers
// and red when it does not. wait_for_status waits, up to timeout (30s by
// default), for the status asked or a better one, and answers 408 with
// timed_out:true if it does not come, as Elasticsearch does.
func (a *API) health(c *pipeline.Call) (pipeline.Prepared, error) {
	waitFor, waiting := c.Param("wait_for_status")
	if _, ok := healthOrder[waitFor]; waiting && !ok {
		return pipeline.Prepared{}, eserr.IllegalArgument("unknown cluster health status [%s]", waitFor)
	}
	timeout := 30 * time.Second
	if v, ok := c.Param("timeout"); ok {
		d, err := timevalue.Parse("timeout", v)
		if err != nil {
			return pipeline.Prepared{}, eserr.Parse("%s", err.Error())
		}
		timeout = d
	}
	level, _ := c.Param("level")
	switch level {
	case "", "cluster", "indices", "shards":
	default:
		return pipeline.Prepared{}, eserr.IllegalArgument("No enum constant org.elasticsearch.action.admin.cluster.health.ClusterHealthRequest.Level.%s", strings.ToUpper(level))
	}
	for _, p := range []string{"local", "master_timeout", "wait_for_active_shards", "wait_for_nodes",
		"wait_for_events", "wait_for_no_relocating_shards", "wait_for_no_initializing_shards", "expand_wildcards"} {
		c.Param(p)
	}
	human, _ := c.BoolParam("human", false)
	return pipeline.Prepared{Run: func(ctx context.Context, _ authz.Decision) (*rest.Response, error) {
		status, timedOut := a.waitForHealth(ctx, waitFor, timeout)
		nodes := 1
		if a.Peers != nil {
			nodes = len(a.Peers.Nodes(ctx))
		}
		body := xcontent.Obj(
			"cluster_name", a.Node.ClusterName,
			"status", status,
			"timed_out", timedOut,
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
		res := &rest.Response{Status: http.StatusOK, Body: body}
		if timedOut {
			res.Status = http.StatusRequestTimeout
		}
		return res, nil
	}}, nil
}

// healthPoll is how often a health wait looks at the store again.
const healthPoll = 100 * time.Millisecond

// waitForHealth returns the status once it is at least waitFor ("" waits
// for nothing), or the last status seen when timeout (or the caller) ends
// the wait first.
func (a *API) waitForHealth(ctx context.Context, waitFor string, timeout time.Duration) (status string, timedOut bool) {
	var deadline <-chan time.Time
	if timeout >= 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		deadline = t.C
	}
	for {
		status = "red"
		if a.Healthy(ctx) {
			status = "green"
		}
		if healthOrder[status] >= healthOrder[waitFor] || waitFor == "" {
			return status, false
		}
		select {
		case <-deadline:
			return status, true
		case <-ctx.Done():
			return status, true
		case <-time.After(healthPoll):
		}
	}
}
