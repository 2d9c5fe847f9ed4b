package securityapi

import (
	"context"
	"slices"
	"strings"

	"github.com/esauth/esauth/internal/authz"
	"github.com/esauth/esauth/internal/pipeline"
	"github.com/esauth/esauth/internal/rest"
	"github.com/esauth/esauth/internal/roles"
	"github.com/esauth/esauth/internal/securityquery"
	"github.com/esauth/esauth/internal/xcontent"
)

// queryRoles is GET|POST /_security/_query/role (8.15+): the query DSL
// subset, sort and paging over the native roles, never the built-in ones
// (RestQueryRoleAction, TransportQueryRoleAction). The body is parsed and
// validated before authorization, translated after it.
func (a *API) queryRoles(c *pipeline.Call) (pipeline.Prepared, error) {
	body, err := securityquery.Roles.ParseBody(c.Content())
	if err != nil {
		return pipeline.Prepared{}, err
	}
	return pipeline.Prepared{Validate: body.Validate,
		Run: func(ctx context.Context, _ authz.Decision) (*rest.Response, error) {
			req, err := body.Build()
			if err != nil {
				return nil, err
			}
			list, err := a.RoleStore.List(ctx)
			if err != nil {
				return nil, err
			}
			slices.SortFunc(list, func(x, y roles.Descriptor) int { return strings.Compare(x.Name, y.Name) })
			docs := make(securityquery.RoleDocs, len(list))
			for i, d := range list {
				doc := securityquery.RoleDoc{Name: d.Name, Description: d.Description, Metadata: securityquery.FlattenJSON(d.Metadata)}
				for _, ap := range d.Applications {
					doc.Applications = append(doc.Applications, securityquery.RoleApplication{Application: ap.Application, Resources: ap.Resources, Privileges: ap.Privileges})
				}
				docs[i] = doc
			}
			res := req.Run(docs)
			items := make([]any, len(res.Hits))
			for i, h := range res.Hits {
				items[i] = sortedItem{namedRole(list[h.Doc]), h.Sort}
			}
			return rest.OK(xcontent.Obj("total", res.Total, "count", len(items), "roles", items))
		}}, nil
}

// namedRole renders a role as the query API shows it: its name, then the
// role as get shows it (QueryRoleResponse.Item).
type namedRole roles.Descriptor

// AppendJSON implements xcontent.Appender.
func (r namedRole) AppendJSON(dst []byte) ([]byte, error) {
	body, err := roles.Descriptor(r).MarshalJSON()
	if err != nil {
		return nil, err
	}
	dst = append(dst, `{"name":`...)
	dst = xcontent.AppendString(dst, r.Name)
	if len(body) > 2 {
		dst = append(dst, ',')
	}
	return append(dst, body[1:]...), nil
}
