package securityapi

import (
	"context"
	"slices"

	"github.com/esauth/esauth/internal/authz"
	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/peers"
	"github.com/esauth/esauth/internal/pipeline"
	"github.com/esauth/esauth/internal/realm"
	"github.com/esauth/esauth/internal/rest"
	"github.com/esauth/esauth/internal/xcontent"
)

// clearRealmCache is POST /_security/realm/{realms}/_clear_cache: it evicts
// the named users (or everyone) from the named realms' caches (or every
// realm's, for _all and *) on every node, answering in the nodes-response
// shape once each node has done so or failed to.
func (a *API) clearRealmCache(c *pipeline.Call) (pipeline.Prepared, error) {
	names := rest.AllOrList(c.PathParam("realms"))
	usersParam, _ := c.Param("usernames")
	users := rest.AllOrList(usersParam)
	return pipeline.Prepared{Run: func(ctx context.Context, _ authz.Decision) (*rest.Response, error) {
		for _, n := range names {
			if !slices.ContainsFunc(a.Realms, func(rl realm.Realm) bool { return rl.Ref().Name == n }) {
				err := eserr.IllegalArgument("could not find active realm [%s]", n)
				return rest.OK(a.nodesResponse(peers.Answers{Failed: []peers.Failure{{Node: a.Node, Type: err.Type, Reason: err.Reason}}}))
			}
		}
		ans := peers.Answers{Done: []peers.Node{a.Node}}
		if a.Peers != nil {
			var err error
			if ans, err = a.Peers.ClearCaches(ctx, peers.ClearRealmsKind, names, users); err != nil {
				return nil, err
			}
		}
		// This node has applied the request through its watch already,
		// unless that is failing; clearing is cheap and safe to repeat.
		a.Caches.ClearRealms(names, users)
		return rest.OK(a.nodesResponse(ans))
	}}, nil
}

// nodesResponse renders Elasticsearch's nodes response: the nodes that
// answered under "nodes", each other one as a failed_node_exception whose
// cause is its failure (Elasticsearch still answers 200).
func (a *API) nodesResponse(ans peers.Answers) xcontent.Object {
	header := xcontent.Obj("total", len(ans.Done)+len(ans.Failed), "successful", len(ans.Done), "failed", len(ans.Failed))
	if len(ans.Failed) > 0 {
		failures := make([]any, 0, len(ans.Failed))
		for _, f := range ans.Failed {
			failures = append(failures, xcontent.Obj(
				"type", "failed_node_exception",
				"reason", "Failed node ["+f.Node.ID+"]",
				"node_id", f.Node.ID,
				"caused_by", xcontent.Obj("type", f.Type, "reason", f.Reason),
			))
		}
		header = header.With("failures", failures)
	}
	nodes := xcontent.Object{}
	for _, n := range ans.Done {
		nodes = nodes.With(n.ID, xcontent.Obj("name", n.Name))
	}
	return xcontent.Obj("_nodes", header, "cluster_name", a.Node.ClusterName, "nodes", nodes)
}
