package httpapi

import (
	"context"
	"slices"

	"github.com/esauth/esauth/internal/audit"
	"github.com/esauth/esauth/internal/authz"
	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/roles"
	"github.com/esauth/esauth/internal/xcontent"
)

// putRole is PUT|POST /_security/role/{name}.
func (a *API) putRole(r *request) (exec, error) {
	name := r.pathParam("name")
	body, err := r.requiredBody()
	if err != nil {
		return nil, err
	}
	d, err := roles.ParseDescriptor(name, body, roles.FromAPI)
	if err != nil {
		return nil, err
	}
	if err := r.refresh(); err != nil {
		return nil, err
	}
	return func(ctx context.Context) (*response, error) {
		if err := d.Validate(); err != nil {
			return nil, err
		}
		if err := r.authorize(ctx, ""); err != nil {
			return nil, err
		}
		r.auditChange(audit.PutRoleChange(name, d))
		created, err := a.RoleStore.Put(ctx, d)
		if err != nil {
			return nil, err
		}
		return ok(orderedObject{{"role", orderedObject{{"created", created}}}})
	}, nil
}

// getRoles is GET /_security/role and /_security/role/{name}: the built-in
// roles and the native ones, as TransportGetRolesAction answers (roles.yml
// roles are not part of this API in Elasticsearch either).
func (a *API) getRoles(r *request) (exec, error) {
	list, named := r.pathParams["name"]
	return func(ctx context.Context) (*response, error) {
		if err := r.authorize(ctx, ""); err != nil {
			return nil, err
		}
		builtin := roles.Builtin()
		out := orderedObject{}
		if !named {
			for _, n := range sortedNames(builtin) {
				out = append(out, field{n, builtin[n]})
			}
			native, err := a.RoleStore.List(ctx)
			if err != nil {
				return nil, err
			}
			for _, d := range native {
				out = append(out, field{d.Name, d})
			}
			return ok(out)
		}
		var ask []string
		seen := map[string]bool{}
		for _, n := range names(list) {
			if seen[n] {
				continue
			}
			seen[n] = true
			if d, ok := builtin[n]; ok {
				out = append(out, field{n, d})
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
				out = append(out, field{d.Name, d})
			}
		}
		if len(out) == 0 {
			return emptyNotFound()
		}
		return ok(out)
	}, nil
}

// deleteRole is DELETE /_security/role/{name}.
func (a *API) deleteRole(r *request) (exec, error) {
	name := r.pathParam("name")
	if err := r.refresh(); err != nil {
		return nil, err
	}
	return func(ctx context.Context) (*response, error) {
		if err := r.authorize(ctx, ""); err != nil {
			return nil, err
		}
		r.auditChange(audit.DeleteRoleChange(name))
		if err := roles.ReservedDeleteError(name); err != nil {
			return nil, err
		}
		found, err := a.RoleStore.Delete(ctx, name)
		if err != nil {
			return nil, err
		}
		return foundResponse(found)
	}, nil
}

// clearRolesCache is POST /_security/role/{name}/_clear_cache.
func (a *API) clearRolesCache(r *request) (exec, error) {
	list := allOrList(r.pathParam("name"))
	return func(ctx context.Context) (*response, error) {
		if err := r.authorize(ctx, ""); err != nil {
			return nil, err
		}
		if a.Cluster != nil {
			if err := a.Cluster.ClearCaches(ctx, "roles", list, nil); err != nil {
				return nil, err
			}
		}
		if list == nil {
			a.RoleCache.InvalidateAll()
		}
		for _, n := range list {
			a.RoleCache.Invalidate(n)
		}
		return ok(a.nodesResponse(ctx, nil))
	}, nil
}

// builtinPrivileges is GET /_security/privilege/_builtin.
func (a *API) builtinPrivileges(r *request) (exec, error) {
	return func(ctx context.Context) (*response, error) {
		if err := r.authorize(ctx, ""); err != nil {
			return nil, err
		}
		return ok(orderedObject{{"cluster", roles.ClusterPrivilegeNames()}, {"index", roles.IndexPrivilegeNames()}})
	}, nil
}

// userPrivileges is GET /_security/user/_privileges: the caller's merged
// privileges.
func (a *API) userPrivileges(r *request) (exec, error) {
	return func(ctx context.Context) (*response, error) {
		if err := r.authorize(ctx, r.principal.User.Username); err != nil {
			return nil, err
		}
		p, err := a.Authz.Privileges(ctx, r.principal)
		if err != nil {
			return nil, err
		}
		indices := make([]orderedObject, 0, len(p.Indices))
		for _, g := range p.Indices {
			o := orderedObject{{"names", g.Names}, {"privileges", g.Privileges}}
			if g.FieldSecurity != nil {
				o = append(o, field{"field_security", []any{g.FieldSecurity}})
			}
			if g.Query != "" {
				o = append(o, field{"query", []string{g.Query}})
			}
			indices = append(indices, append(o, field{"allow_restricted_indices", g.AllowRestrictedIndices}))
		}
		apps := make([]orderedObject, 0, len(p.Applications))
		for _, ap := range p.Applications {
			apps = append(apps, orderedObject{{"application", ap.Application}, {"privileges", ap.Privileges}, {"resources", ap.Resources}})
		}
		return ok(orderedObject{{"cluster", p.Cluster}, {"global", []any{}}, {"indices", indices},
			{"applications", apps}, {"run_as", p.RunAs}})
	}, nil
}

// hasPrivileges is GET|POST /_security/user/_has_privileges and
// /_security/user/{username}/_has_privileges.
func (a *API) hasPrivileges(r *request) (exec, error) {
	name := r.targetUser()
	body, err := r.requiredBody()
	if err != nil {
		return nil, err
	}
	check, err := parseCheck(name, body)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) (*response, error) {
		if len(check.Cluster) == 0 && len(check.Index) == 0 && len(check.Application) == 0 {
			var v eserr.Validator
			v.Add("must specify at least one privilege")
			return nil, v.Err()
		}
		if err := r.authorize(ctx, name); err != nil {
			return nil, err
		}
		if name != r.principal.User.Username {
			return nil, eserr.IllegalArgument("users may only check the privileges of their own account")
		}
		for _, c := range check.Cluster {
			if err := roles.CheckClusterPrivilege(c); err != nil {
				return nil, err
			}
		}
		ans, err := a.Authz.HasPrivileges(ctx, r.principal, check)
		if err != nil {
			return nil, err
		}
		cluster := orderedObject{}
		for _, v := range ans.Cluster {
			cluster = append(cluster, field{v.Privilege, v.Held})
		}
		index := orderedObject{}
		for _, rv := range ans.Index {
			index = append(index, field{rv.Resource, verdicts(rv.Verdicts)})
		}
		apps := orderedObject{}
		for _, av := range ans.Application {
			res := orderedObject{}
			for _, rv := range av.Resources {
				res = append(res, field{rv.Resource, verdicts(rv.Verdicts)})
			}
			apps = append(apps, field{av.Application, res})
		}
		return ok(orderedObject{{"username", name}, {"has_all_requested", ans.All},
			{"cluster", cluster}, {"index", index}, {"application", apps}})
	}, nil
}

func verdicts(vs []authz.Verdict) orderedObject {
	o := make(orderedObject, 0, len(vs))
	for _, v := range vs {
		o = append(o, field{v.Privilege, v.Held})
	}
	return o
}

// parseCheck reads a privileges check as RoleDescriptor.parsePrivilegesCheck.
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
			err = eserr.Parse("failed to parse privileges check [%s/has_privileges]. unexpected field [%s]", name, v.Field)
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
				err = eserr.Parse("failed to parse indices privileges for role [%s/has_privileges]. unexpected field [%s]", name, f.Field)
			}
			return err
		})
		if err == nil && ic.Names == nil {
			err = eserr.Parse("failed to parse indices privileges for role [%s/has_privileges]. missing required [names] field", name)
		}
		if err == nil && ic.Privileges == nil {
			err = eserr.Parse("failed to parse indices privileges for role [%s/has_privileges]. missing required [privileges] field", name)
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
				err = eserr.Parse("failed to parse application privileges for role [%s/has_privileges]. unexpected field [%s]", name, f.Field)
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
