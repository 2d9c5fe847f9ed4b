package securityapi

import (
	"context"

	"github.com/esauth/esauth/internal/authz"
	"github.com/esauth/esauth/internal/pipeline"
	"github.com/esauth/esauth/internal/rest"
	"github.com/esauth/esauth/internal/securityquery"
	"github.com/esauth/esauth/internal/xcontent"
)

// queryUsers is GET|POST /_security/_query/user: Elasticsearch's query DSL
// subset over the native users (never the built-in ones).
func (a *API) queryUsers(c *pipeline.Call) (pipeline.Prepared, error) {
	if _, err := c.BoolParam("with_profile_uid", false); err != nil {
		return pipeline.Prepared{}, err
	}
	// esauth's own, as on GET user: each user gains last_authenticated
	// after its own fields, so the default answer stays Elasticsearch's.
	withLast, err := c.BoolParam("with_last_authenticated", false)
	if err != nil {
		return pipeline.Prepared{}, err
	}
	q, err := securityquery.ParseUsers(c.Content())
	if err != nil {
		return pipeline.Prepared{}, err
	}
	return pipeline.Prepared{Run: func(ctx context.Context, _ authz.Decision) (*rest.Response, error) {
		users, err := a.UserIndex.Users(ctx)
		if err != nil {
			return nil, err
		}
		last, err := a.lastAuthTimes(ctx, withLast)
		if err != nil {
			return nil, err
		}
		// A query or sort on last_authenticated (esauth's own field)
		// reads the times on its first look at one, if the parameter
		// did not already.
		var lastErr error
		loaded := withLast
		res := q.RunWithLast(users, func(name string) (int64, bool) {
			if !loaded {
				loaded = true
				last, lastErr = a.lastAuthTimes(ctx, true)
			}
			t, ok := last[name]
			return t.UnixMilli(), ok
		})
		if lastErr != nil {
			return nil, lastErr
		}
		list := make([]xcontent.Object, 0, len(res.Hits))
		for _, h := range res.Hits {
			u := h.User
			o := xcontent.Obj("username", u.Username, "roles", u.Roles, "full_name", u.FullName,
				"email", u.Email, "metadata", u.Metadata, "enabled", u.Enabled)
			if withLast {
				o = o.With("last_authenticated", lastAuthenticated{last, u.Username})
			}
			if h.Sort != nil {
				o = o.With("_sort", h.Sort)
			}
			list = append(list, o)
		}
		return rest.OK(xcontent.Obj("total", res.Total, "count", len(list), "users", list))
	}}, nil
}
