package httpapi

import (
	"context"

	"github.com/esauth/esauth/internal/userquery"
)

// queryUsers is GET|POST /_security/_query/user: Elasticsearch's query DSL
// subset over the native users (never the built-in ones).
func (a *API) queryUsers(r *request) (exec, error) {
	if _, err := r.boolParam("with_profile_uid", false); err != nil {
		return nil, err
	}
	r.bodyConsumed = true
	q, err := userquery.Parse(r.body)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) (*response, error) {
		if err := r.authorize(ctx, ""); err != nil {
			return nil, err
		}
		users, err := a.UserIndex.Users(ctx)
		if err != nil {
			return nil, err
		}
		res := q.Run(users)
		list := make([]orderedObject, 0, len(res.Hits))
		for _, h := range res.Hits {
			u := h.User
			o := orderedObject{{"username", u.Username}, {"roles", u.Roles}, {"full_name", u.FullName},
				{"email", u.Email}, {"metadata", u.Metadata}, {"enabled", u.Enabled}}
			if h.Sort != nil {
				o = append(o, field{"_sort", h.Sort})
			}
			list = append(list, o)
		}
		return ok(orderedObject{{"total", res.Total}, {"count", len(list)}, {"users", list}})
	}, nil
}
