package httpapi

import (
	"context"
	"slices"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/realm"
)

// invalidator is a realm with a credential cache.
type invalidator interface {
	Invalidate(username string)
	InvalidateAll()
}

// clearRealmCache is POST /_security/realm/{realms}/_clear_cache: it evicts
// the named users (or everyone) from the named realms' caches (or every
// realm's, for _all and *), answering in the nodes-response shape.
func (a *API) clearRealmCache(r *request) (exec, error) {
	names := allOrList(r.pathParam("realms"))
	usersParam, _ := r.param("usernames")
	users := allOrList(usersParam)
	return func(ctx context.Context) (*response, error) {
		if err := r.authorize(ctx, ""); err != nil {
			return nil, err
		}
		targets := a.AllRealms
		if names != nil {
			targets = nil
			for _, n := range names {
				i := slices.IndexFunc(a.AllRealms, func(rl realm.Realm) bool { return rl.Ref().Name == n })
				if i < 0 {
					return ok(a.nodesResponse(ctx, eserr.IllegalArgument("could not find active realm [%s]", n)))
				}
				targets = append(targets, a.AllRealms[i])
			}
		}
		if a.Cluster != nil {
			if err := a.Cluster.ClearCaches(ctx, "realms", names, users); err != nil {
				return nil, err
			}
		}
		for _, rl := range targets {
			c, ok := rl.(invalidator)
			if !ok {
				continue
			}
			if users == nil {
				c.InvalidateAll()
				continue
			}
			for _, u := range users {
				c.Invalidate(u)
			}
		}
		return ok(a.nodesResponse(ctx, nil))
	}, nil
}

// allOrList is paramAsStringArrayOrEmptyIfAll: nil means every item.
func allOrList(s string) []string {
	list := names(s)
	if len(list) == 0 || (len(list) == 1 && (list[0] == "_all" || list[0] == "*")) {
		return nil
	}
	return list
}

// nodesResponse renders a nodes response listing every node; failure, when
// set, is this node's failure (Elasticsearch still answers 200).
func (a *API) nodesResponse(ctx context.Context, failure *eserr.Error) orderedObject {
	all := []Node{a.Node}
	if a.Cluster != nil {
		all = a.Cluster.Nodes(ctx)
	}
	header := orderedObject{{"total", len(all)}, {"successful", len(all)}, {"failed", 0}}
	nodes := orderedObject{}
	for _, n := range all {
		nodes = append(nodes, field{n.ID, orderedObject{{"name", n.Name}}})
	}
	if failure != nil {
		header = orderedObject{{"total", 1}, {"successful", 0}, {"failed", 1}, {"failures", []any{orderedObject{
			{"type", "failed_node_exception"},
			{"reason", "Failed node [" + a.Node.ID + "]"},
			{"node_id", a.Node.ID},
			{"caused_by", orderedObject{{"type", failure.Type}, {"reason", failure.Reason}}},
		}}}}
		nodes = orderedObject{}
	}
	return orderedObject{{"_nodes", header}, {"cluster_name", a.Node.ClusterName}, {"nodes", nodes}}
}
