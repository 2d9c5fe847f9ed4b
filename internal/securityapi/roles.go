package securityapi

import (
	"context"
	"slices"

	"github.com/esauth/esauth/internal/audit"
	"github.com/esauth/esauth/internal/authz"
	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/peers"
	"github.com/esauth/esauth/internal/pipeline"
	"github.com/esauth/esauth/internal/rest"
	"github.com/esauth/esauth/internal/roles"
	"github.com/esauth/esauth/internal/xcontent"
)

// putRole is PUT|POST /_security/role/{name}.
func (a *API) putRole(c *pipeline.Call) (pipeline.Prepared, error) {
	name := c.PathParam("name")
	body, err := c.RequiredContent()
	if err != nil {
		return pipeline.Prepared{}, err
	}
	d, err := roles.ParseDescriptor(name, body, roles.FromAPI)
	if err != nil {
		return pipeline.Prepared{}, err
	}
	if err := refresh(c); err != nil {
		return pipeline.Prepared{}, err
	}
	return pipeline.Prepared{Validate: d.Validate, Run: func(ctx context.Context, _ authz.Decision) (*rest.Response, error) {
		if err := d.CheckQueries(); err != nil {
			return nil, err
		}
		c.AuditChange(audit.PutRoleChange(name, d))
		created, err := a.RoleStore.Put(ctx, d)
		if err != nil {
			return nil, err
		}
		return rest.OK(xcontent.Obj("role", xcontent.Obj("created", created)))
	}}, nil
}

// getRoles is GET /_security/role and /_security/role/{name}: the built-in
// roles and the native ones, as TransportGetRolesAction answers (roles.yml
// roles are not part of this API in Elasticsearch either).
func (a *API) getRoles(c *pipeline.Call) (pipeline.Prepared, error) {
	list, named := c.Params.Get("name")
	return pipeline.Prepared{Run: func(ctx context.Context, _ authz.Decision) (*rest.Response, error) {
		builtin := roles.Builtin()
		out := xcontent.Object{}
		if !named {
			for _, n := range sortedNames(builtin) {
				out = out.With(n, builtin[n])
			}
			native, err := a.RoleStore.List(ctx)
			if err != nil {
				return nil, err
			}
			for _, d := range native {
				out = out.With(d.Name, d)
			}
			return rest.OK(out)
		}
		var ask []string
		seen := map[string]bool{}
		for _, n := range rest.Names(list) {
			if seen[n] {
				continue
			}
			seen[n] = true
			if d, ok := builtin[n]; ok {
				out = out.With(n, d)
			} else {
				ask = append(ask, n)
			}
		}
		if len(ask) > 0 {
			native, err := a.RoleStore.Get(ctx, ask...)
			if err != nil {
				return nil, err
			}
			for _, d := range native {
				out = out.With(d.Name, d)
			}
		}
		if len(out) == 0 {
			return rest.EmptyNotFound()
		}
		return rest.OK(out)
	}}, nil
}

// deleteRole is DELETE /_security/role/{name}.
func (a *API) deleteRole(c *pipeline.Call) (pipeline.Prepared, error) {
	name := c.PathParam("name")
	if err := refresh(c); err != nil {
		return pipeline.Prepared{}, err
	}
	return pipeline.Prepared{Run: func(ctx context.Context, _ authz.Decision) (*rest.Response, error) {
		c.AuditChange(audit.DeleteRoleChange(name))
		if err := roles.ReservedDeleteError(name); err != nil {
			return nil, err
		}
		found, err := a.RoleStore.Delete(ctx, name)
		if err != nil {
			return nil, err
		}
		return rest.Found(found)
	}}, nil
}

// clearRolesCache is POST /_security/role/{name}/_clear_cache: every node
// evicts the named roles (or all), answering in the nodes-response shape
// once each node has done so or failed to.
func (a *API) clearRolesCache(c *pipeline.Call) (pipeline.Prepared, error) {
	list := rest.AllOrList(c.PathParam("name"))
	return pipeline.Prepared{Run: func(ctx context.Context, _ authz.Decision) (*rest.Response, error) {
		ans := peers.Answers{Done: []peers.Node{a.Node}}
		if a.Peers != nil {
			var err error
			if ans, err = a.Peers.ClearCaches(ctx, peers.ClearRolesKind, list, nil); err != nil {
				return nil, err
			}
		}
		a.Caches.ClearRoles(list) // as in clearRealmCache
		return rest.OK(a.nodesResponse(ans))
	}}, nil
}

// builtinPrivileges is GET /_security/privilege/_builtin.
func (a *API) builtinPrivileges(*pipeline.Call) (pipeline.Prepared, error) {
	return pipeline.Prepared{Run: func(context.Context, authz.Decision) (*rest.Response, error) {
		return rest.OK(xcontent.Obj("cluster", roles.ClusterPrivilegeNames(), "index", roles.IndexPrivilegeNames()))
	}}, nil
}

// userPrivileges is GET /_security/user/_privileges: the caller's merged
// privileges.
func (a *API) userPrivileges(c *pipeline.Call) (pipeline.Prepared, error) {
	return pipeline.Prepared{
		Authz: authz.Request{Target: c.Auth.User().Username},
		Run: func(ctx context.Context, _ authz.Decision) (*rest.Response, error) {
			p, err := a.Authz.Privileges(ctx, c.Auth)
			if err != nil {
				return nil, err
			}
			indices := make([]xcontent.Object, 0, len(p.Indices))
			for _, g := range p.Indices {
				o := xcontent.Obj("names", g.Names, "privileges", g.Privileges)
				if g.FieldSecurity != nil {
					o = o.With("field_security", []any{g.FieldSecurity})
				}
				if g.Query != "" {
					o = o.With("query", []string{g.Query})
				}
				indices = append(indices, o.With("allow_restricted_indices", g.AllowRestrictedIndices))
			}
			apps := make([]xcontent.Object, 0, len(p.Applications))
			for _, ap := range p.Applications {
				apps = append(apps, xcontent.Obj("application", ap.Application, "privileges", ap.Privileges, "resources", ap.Resources))
			}
			return rest.OK(xcontent.Obj("cluster", p.Cluster, "global", []any{}, "indices", indices,
				"applications", apps, "run_as", p.RunAs))
		},
	}, nil
}

// hasPrivileges is GET|POST /_security/user/_has_privileges and
// /_security/user/{username}/_has_privileges.
func (a *API) hasPrivileges(c *pipeline.Call) (pipeline.Prepared, error) {
	name := targetUser(c)
	body, err := c.RequiredContent()
	if err != nil {
		return pipeline.Prepared{}, err
	}
	check, err := parseCheck(name+"/has_privileges", body)
	if err != nil {
		return pipeline.Prepared{}, err
	}
	return pipeline.Prepared{
		Authz: authz.Request{Target: name},
		Validate: func() error {
			if len(check.Cluster) == 0 && len(check.Index) == 0 && len(check.Application) == 0 {
				var v eserr.Validator
				v.Add("must specify at least one privilege")
				return v.Err()
			}
			return nil
		},
		Run: func(ctx context.Context, _ authz.Decision) (*rest.Response, error) {
			if name != c.Auth.User().Username {
				return nil, eserr.IllegalArgument("users may only check the privileges of their own account")
			}
			for _, cp := range check.Cluster {
				if err := roles.CheckClusterPrivilege(cp); err != nil {
					return nil, err
				}
			}
			ans, err := a.Authz.HasPrivileges(ctx, c.Auth, check)
			if err != nil {
				return nil, err
			}
			cluster := xcontent.Object{}
			for _, v := range ans.Cluster {
				cluster = cluster.With(v.Privilege, v.Held)
			}
			index := xcontent.Object{}
			for _, rv := range ans.Index {
				index = index.With(rv.Resource, verdicts(rv.Verdicts))
			}
			apps := xcontent.Object{}
			for _, av := range ans.Application {
				res := xcontent.Object{}
				for _, rv := range av.Resources {
					res = res.With(rv.Resource, verdicts(rv.Verdicts))
				}
				apps = apps.With(av.Application, res)
			}
			return rest.OK(xcontent.Obj("username", name, "has_all_requested", ans.All,
				"cluster", cluster, "index", index, "application", apps))
		},
	}, nil
}

func verdicts(vs []authz.Verdict) xcontent.Object {
	o := make(xcontent.Object, 0, len(vs))
	for _, v := range vs {
		o = o.With(v.Privilege, v.Held)
	}
	return o
}

// parseCheck reads a privileges check as RoleDescriptor.parsePrivilegesCheck;
// name is the description its messages give ("<user>/has_privileges").
func parseCheck(name string, body []byte) (authz.Check, error) {
	var c authz.Check
	err := xcontent.Fields(body, func(v xcontent.Value) error {
		var err error
		switch v.Field {
		case "cluster":
			c.Cluster, err = v.StringArray()
		case "index":
			c.Index, err = parseIndexChecks(name, v)
		case "application":
			c.Application, err = parseAppChecks(name, v)
		default:
			err = eserr.Parse("failed to parse privileges check [%s]. unexpected field [%s]", name, v.Field)
		}
		return err
	})
	return c, err
}

func parseIndexChecks(name string, v xcontent.Value) ([]authz.IndexCheck, error) {
	var out []authz.IndexCheck
	err := eachObject(v, func(o xcontent.Value) error {
		var ic authz.IndexCheck
		err := xcontent.Fields(o.Raw, func(f xcontent.Value) error {
			var err error
			switch f.Field {
			case "names":
				ic.Names, err = stringOrArray(f)
			case "privileges":
				ic.Privileges, err = stringOrArray(f)
			case "allow_restricted_indices":
				ic.AllowRestrictedIndices, err = f.Bool()
			default:
				err = eserr.Parse("failed to parse indices privileges for role [%s]. unexpected field [%s]", name, f.Field)
			}
			return err
		})
		if err == nil && ic.Names == nil {
			err = eserr.Parse("failed to parse indices privileges for role [%s]. missing required [names] field", name)
		}
		if err == nil && ic.Privileges == nil {
			err = eserr.Parse("failed to parse indices privileges for role [%s]. missing required [privileges] field", name)
		}
		out = append(out, ic)
		return err
	})
	return out, err
}

func parseAppChecks(name string, v xcontent.Value) ([]authz.ApplicationCheck, error) {
	var out []authz.ApplicationCheck
	err := eachObject(v, func(o xcontent.Value) error {
		var ac authz.ApplicationCheck
		err := xcontent.Fields(o.Raw, func(f xcontent.Value) error {
			var err error
			switch f.Field {
			case "application":
				ac.Application, err = f.String()
			case "privileges":
				ac.Privileges, err = stringOrArray(f)
			case "resources":
				ac.Resources, err = stringOrArray(f)
			default:
				err = eserr.Parse("failed to parse application privileges for role [%s]. unexpected field [%s]", name, f.Field)
			}
			return err
		})
		out = append(out, ac)
		return err
	})
	return out, err
}

// eachObject calls fn for each object of a JSON array field.
func eachObject(v xcontent.Value, fn func(xcontent.Value) error) error {
	if v.Token() != xcontent.StartArray {
		return eserr.Parse("expected field [%s] to be of type array, but found [%s] instead", v.Field, v.Token())
	}
	items, err := v.Items()
	if err != nil {
		return err
	}
	for _, it := range items {
		if it.Token() != xcontent.StartObject {
			return eserr.Parse("expected field [%s] to be an array of objects, but found [%s]", v.Field, it.Token())
		}
		if err := fn(it); err != nil {
			return err
		}
	}
	return nil
}

// stringOrArray accepts a string or an array of strings.
func stringOrArray(v xcontent.Value) ([]string, error) {
	if v.Token() == xcontent.String {
		s, err := v.String()
		return []string{s}, err
	}
	return v.StringArray()
}

func sortedNames(m map[string]roles.Descriptor) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
