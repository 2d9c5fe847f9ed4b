package securityapi

import (
	"context"

	"github.com/esauth/esauth/internal/authz"
	"github.com/esauth/esauth/internal/pipeline"
	"github.com/esauth/esauth/internal/rest"
	"github.com/esauth/esauth/internal/user"
	"github.com/esauth/esauth/internal/xcontent"
)

// fileUsersPath is esauth's own list of the file realm's users, under the
// same _esauth prefix as the locked-users API: Elasticsearch's APIs never
// list them (kibana#8726), and the web page shows them read-only.
const fileUsersPath = "/_security/_esauth/file_users"

// fileUserLister is what the file realm offers besides Lookup
// (filerealm.Realm.Users): every user of the users file, sorted by name.
type fileUserLister interface {
	Users() []user.User
}

// fileUserRoutes are the file users API. Reading them is reading users:
// the action is GET user's, so read_security, manage_security and all
// grant it, as they grant GET /_security/user.
func (a *API) fileUserRoutes() []route {
	return []route{{"GET", fileUsersPath, "cluster:admin/xpack/security/user/get", rest.BodyNone, a.fileUsers}}
}

// fileUsers is GET /_security/_esauth/file_users:
// {"users":[{"username":…,"roles":[…]},…]} sorted by username, an empty
// list without a file realm. Only names and roles: the users file's
// hashes are never part of an answer.
func (a *API) fileUsers(*pipeline.Call) (pipeline.Prepared, error) {
	return pipeline.Prepared{Run: func(context.Context, authz.Decision) (*rest.Response, error) {
		list := []any{}
		if l, ok := a.FileUsers.(fileUserLister); ok {
			for _, u := range l.Users() {
				roles := u.Roles
				if roles == nil {
					roles = []string{}
				}
				list = append(list, xcontent.Obj("username", u.Username, "roles", roles))
			}
		}
		return rest.OK(xcontent.Obj("users", list))
	}}, nil
}
