package securityapi

import (
	"context"
	"net/http"
	"slices"

	"github.com/esauth/esauth/internal/apppriv"
	"github.com/esauth/esauth/internal/authz"
	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/peers"
	"github.com/esauth/esauth/internal/pipeline"
	"github.com/esauth/esauth/internal/rest"
	"github.com/esauth/esauth/internal/xcontent"
)

// appPrivilegeRoutes are the application privilege APIs
// (RestPutPrivilegesAction, RestGetPrivilegesAction,
// RestDeletePrivilegesAction, RestClearPrivilegesCacheAction).
func (a *API) appPrivilegeRoutes() []route {
	const (
		p   = "/_security/privilege"
		act = "cluster:admin/xpack/security/privilege/"
	)
	return []route{
		{"PUT", p, act + "put", rest.BodyBuffered, a.putPrivileges},
		{"POST", p, act + "put", rest.BodyBuffered, a.putPrivileges},
		{"GET", p, act + "get", rest.BodyNone, a.getPrivileges},
		{"GET", p + "/{application}", act + "get", rest.BodyNone, a.getPrivileges},
		{"GET", p + "/{application}/{name}", act + "get", rest.BodyNone, a.getPrivileges},
		{"DELETE", p + "/{application}/{name}", act + "delete", rest.BodyNone, a.deletePrivileges},
		{"POST", p + "/{application}/_clear_cache", act + "cache/clear", rest.BodyNone, a.clearPrivilegesCache},
	}
}

// everyApplication is authz.Request.Applications for a request on all
// applications, which only the manage pattern "*" covers.
var everyApplication = []string{"*"}

// putPrivileges is PUT|POST /_security/privilege.
func (a *API) putPrivileges(c *pipeline.Call) (pipeline.Prepared, error) {
	body, err := c.RequiredContent()
	if err != nil {
		return pipeline.Prepared{}, err
	}
	ds, err := apppriv.ParsePut(body)
	if err != nil {
		return pipeline.Prepared{}, err
	}
	if err := refresh(c); err != nil {
		return pipeline.Prepared{}, err
	}
	var apps []string
	for _, d := range ds {
		if !slices.Contains(apps, d.Application) {
			apps = append(apps, d.Application)
		}
	}
	if apps == nil {
		apps = everyApplication
	}
	return pipeline.Prepared{
		Authz:    authz.Request{Applications: apps},
		Validate: func() error { return apppriv.Validate(ds) },
		Run: func(ctx context.Context, _ authz.Decision) (*rest.Response, error) {
			out := make(map[string]xcontent.Object, len(apps))
			for _, d := range ds {
				created, err := a.AppPrivileges.Put(ctx, d)
				if err != nil {
					return nil, err
				}
				out[d.Application] = out[d.Application].With(d.Name, xcontent.Obj("created", created))
			}
			res := xcontent.Object{}
			for _, app := range apps {
				res = res.With(app, out[app])
			}
			return rest.OK(res)
		},
	}, nil
}

// getPrivileges is GET /_security/privilege[/{application}[/{name}]]: no
// application (or "") is every one, one ending in "*" a prefix; no name
// is every one. Asked names of which none exist are a 404 with {}.
func (a *API) getPrivileges(c *pipeline.Call) (pipeline.Prepared, error) {
	app, _ := c.Params.Get("application")
	list, _ := c.Params.Get("name")
	names := rest.Names(list)
	var apps []string
	authzApps := everyApplication
	if app != "" {
		apps = []string{app}
		authzApps = apps
	}
	return pipeline.Prepared{
		Authz: authz.Request{Applications: authzApps},
		Run: func(ctx context.Context, _ authz.Decision) (*rest.Response, error) {
			ds, err := a.AppPrivileges.Get(ctx, apps, names)
			if err != nil {
				return nil, err
			}
			res := xcontent.Object{}
			for i := 0; i < len(ds); {
				group := xcontent.Object{}
				j := i
				for ; j < len(ds) && ds[j].Application == ds[i].Application; j++ {
					group = group.With(ds[j].Name, ds[j])
				}
				res = res.With(ds[i].Application, group)
				i = j
			}
			if len(names) > 0 && len(ds) == 0 {
				return &rest.Response{Status: http.StatusNotFound, Body: res}, nil
			}
			return rest.OK(res)
		},
	}, nil
}

// deletePrivileges is DELETE /_security/privilege/{application}/{name}:
// {app: {name: {"found": bool}}}, a 404 when none was found.
func (a *API) deletePrivileges(c *pipeline.Call) (pipeline.Prepared, error) {
	app := c.PathParam("application")
	var names []string
	for _, n := range rest.Names(c.PathParam("name")) {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	if err := refresh(c); err != nil {
		return pipeline.Prepared{}, err
	}
	return pipeline.Prepared{
		Authz: authz.Request{Applications: []string{app}},
		Validate: func() error {
			// DeletePrivilegesRequest.validate
			var v eserr.Validator
			if app == "" {
				v.Add("application name is missing")
			}
			if !slices.ContainsFunc(names, func(n string) bool { return n != "" }) {
				v.Add("privileges are missing")
			}
			return v.Err()
		},
		Run: func(ctx context.Context, _ authz.Decision) (*rest.Response, error) {
			found, err := a.AppPrivileges.Delete(ctx, app, names)
			if err != nil {
				return nil, err
			}
			group := xcontent.Object{}
			for _, n := range names {
				group = group.With(n, xcontent.Obj("found", slices.Contains(found, n)))
			}
			res := &rest.Response{Status: http.StatusOK, Body: xcontent.Obj(app, group)}
			if len(found) == 0 {
				res.Status = http.StatusNotFound
			}
			return res, nil
		},
	}, nil
}

// clearPrivilegesCache is POST /_security/privilege/{application}/_clear_cache:
// every node drops its stored privileges, answering in the nodes shape.
// ClearPrivilegesCacheRequest is no ApplicationPrivilegesRequest, so the
// global application manage privilege does not cover it.
func (a *API) clearPrivilegesCache(c *pipeline.Call) (pipeline.Prepared, error) {
	list := rest.AllOrList(c.PathParam("application"))
	return pipeline.Prepared{
		Run: func(ctx context.Context, _ authz.Decision) (*rest.Response, error) {
			ans := peers.Answers{Done: []peers.Node{a.Node}}
			if a.Peers != nil {
				var err error
				if ans, err = a.Peers.ClearCaches(ctx, peers.ClearAppPrivilegesKind, list, nil); err != nil {
					return nil, err
				}
			}
			a.AppPrivileges.Invalidate() // as in clearRealmCache
			return rest.OK(a.nodesResponse(ans))
		},
	}, nil
}
