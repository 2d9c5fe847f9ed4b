package gateway

import (
	"context"
	"net/http"
	"strings"

	"github.com/esauth/esauth/internal/authz"
	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/gateway/table"
	"github.com/esauth/esauth/internal/indices"
	"github.com/esauth/esauth/internal/pipeline"
	"github.com/esauth/esauth/internal/rest"
)

// Item actions of writes, as AuthorizationService implies them for the
// one-item bulk Elasticsearch runs a single-document write as.
const (
	actionIndex      = "indices:data/write/index:op_type/index"
	actionCreate     = "indices:data/write/index:op_type/create"
	actionUpdate     = "indices:data/write/update"
	actionDelete     = "indices:data/write/delete"
	actionAutoCreate = "indices:admin/auto_create"
)

// itemAction is the action a single-document write is decided with.
func itemAction(c *pipeline.Call, path string) string {
	switch {
	case c.Method == http.MethodDelete:
		return actionDelete
	case strings.Contains(path, "/_update/"):
		return actionUpdate
	case strings.Contains(path, "/_create/"), !strings.Contains(path, "{id}"):
		return actionCreate // _create, or an id the cluster generates
	}
	if v, _ := c.Param("op_type"); v == "create" {
		return actionCreate
	}
	return actionIndex
}

// docWrite forwards a single-document index, create, update or delete:
// the coordinating action by name, then the item's action on its index,
// and indices:admin/auto_create when the index does not exist yet.
func (g *Gateway) docWrite(e *table.Endpoint) prepareFunc {
	return func(c *pipeline.Call) (pipeline.Prepared, error) {
		item := itemAction(c, e.Path)
		param := e.Targets[0].Param
		exprs := indices.Split(c.PathParam(param))
		c.ConsumeAll()
		return pipeline.Prepared{
			Authz: authz.Request{Action: e.Action, Index: &authz.IndexRequest{NameOnly: true}},
			Run: func(ctx context.Context, d authz.Decision) (*rest.Response, error) {
				res, err := d.AuthorizeIndices(ctx, item, &authz.IndexRequest{Expressions: exprs, Single: true, Metadata: g.metadata})
				if err != nil {
					return nil, err
				}
				if len(res.Names) != 1 {
					return nil, eserr.IllegalArgument("a document write names one index, not [%s]", strings.Join(res.Names, ","))
				}
				name := res.Names[0]
				if item != actionDelete {
					if err := g.mayAutoCreate(ctx, d, name); err != nil {
						return nil, err
					}
				}
				path := rewrite(e.Path, c.URL.EscapedPath(), map[string][]string{param: {name}})
				return g.forward(ctx, c, path, dropQuery(c.URL.RawQuery, captureNames(e.Path)...))
			},
		}, nil
	}
}

// mayAutoCreate checks indices:admin/auto_create on a write target the
// cluster does not have yet: the cluster would create it, and write alone
// does not grant that.
func (g *Gateway) mayAutoCreate(ctx context.Context, d authz.Decision, name string) error {
	md, err := g.metadata(ctx, false)
	if err != nil {
		return err
	}
	if _, ok := md.Lookup(name); ok {
		return nil
	}
	if md, err = g.metadata(ctx, true); err != nil {
		return err
	}
	if _, ok := md.Lookup(name); ok {
		return nil
	}
	return d.CheckIndex(actionAutoCreate, name)
}

// queryText forwards SQL, ES|QL and EQL-like requests whose indices hide
// inside a query string the gateway does not parse: only to users whose
// roles grant the action on every index.
func (g *Gateway) queryText(e *table.Endpoint) prepareFunc {
	return func(c *pipeline.Call) (pipeline.Prepared, error) {
		c.ConsumeAll()
		return pipeline.Prepared{
			Authz: authz.Request{Action: e.Action, Index: &authz.IndexRequest{NameOnly: true}},
			Run: func(ctx context.Context, d authz.Decision) (*rest.Response, error) {
				if !d.MayReadAll(e.Action) {
					return nil, eserr.Security(http.StatusForbidden,
						"action [%s] is refused for user [%s]: esauth cannot tell which indices this query reads, so it forwards it only for users whose roles grant [%s] on every index",
						e.Action, c.Auth.Effective.User.Username, e.Action)
				}
				return g.forward(ctx, c, c.URL.EscapedPath(), c.URL.RawQuery)
			},
		}, nil
	}
}
