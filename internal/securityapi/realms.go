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
// realm's, for _all and *), answering in the nodes-response shape.
func (a *API) clearRealmCache(c *pipeline.Call) (pipeline.Prepared, error) {
	names := rest.AllOrList(c.PathParam("realms"))
	usersParam, _ := c.Param("usernames")
	users := rest.AllOrList(usersParam)
	return pipeline.Prepared{Run: func(ctx context.Context, _ authz.Decision) (*rest.Response, error) {
		for _, n := range names {
			if !slices.ContainsFunc(a.Realms, func(rl realm.Realm) bool { return rl.Ref().Name == n }) {
				return rest.OK(a.nodesResponse(ctx, eserr.IllegalArgument("could not find active realm [%s]", n)))
			}
		}
		if a.Peers != nil {
			if err := a.Peers.ClearCaches(ctx, peers.ClearRealmsKind, names, users); err != nil {
				return nil, err
			}
		}
		a.Caches.ClearRealms(names, users)
		return rest.OK(a.nodesResponse(ctx, nil))
	}}, nil
}

// nodesResponse renders a nodes response listing every node; failure, when
// set, is this node's failure (Elasticsearch still answers 200).
func (a *API) nodesResponse(ctx context.Context, failure *eserr.Error) xcontent.Object {
	all := []peers.Node{a.Node}
	if a.Peers != nil {
		all = a.Peers.Nodes(ctx)
	}
	header := xcontent.Obj("total", len(all), "successful", len(all), "failed", 0)
	nodes := xcontent.Object{}
	for _, n := range all {
		nodes = nodes.With(n.ID, xcontent.Obj("name", n.Name))
	}
	if failure != nil {
		header = xcontent.Obj("total", 1, "successful", 0, "failed", 1, "failures", []any{xcontent.Obj(
			"type", "failed_node_exception",
			"reason", "Failed node ["+a.Node.ID+"]",
			"node_id", a.Node.ID,
			"caused_by", xcontent.Obj("type", failure.Type, "reason", failure.Reason),
		)})
		nodes = xcontent.Object{}
	}
	return xcontent.Obj("_nodes", header, "cluster_name", a.Node.ClusterName, "nodes", nodes)
}
