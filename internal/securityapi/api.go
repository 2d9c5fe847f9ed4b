package securityapi

import (
	"context"
	"log/slog"
	"strings"

	"github.com/esauth/esauth/internal/serviceaccount"
	"github.com/esauth/esauth/internal/tokens"

	"github.com/esauth/esauth/internal/apikey"
	"github.com/esauth/esauth/internal/apppriv"

	"github.com/esauth/esauth/internal/authn"
	"github.com/esauth/esauth/internal/authz"
	"github.com/esauth/esauth/internal/config"
	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/lastauth"
	"github.com/esauth/esauth/internal/lockout"
	"github.com/esauth/esauth/internal/nativeusers"
	"github.com/esauth/esauth/internal/passhash"
	"github.com/esauth/esauth/internal/peers"
	"github.com/esauth/esauth/internal/pipeline"
	"github.com/esauth/esauth/internal/profiles"
	"github.com/esauth/esauth/internal/realm"
	"github.com/esauth/esauth/internal/rest"
	"github.com/esauth/esauth/internal/roles"
	"github.com/esauth/esauth/internal/user"
)

// Caches is what clearing caches needs: the node's one invalidation
// fan-out, on this node only.
type Caches interface {
	ClearRealms(realms, users []string)
	ClearRoles(names []string)
}

// API is the security API's collaborators. Every field but those marked
// optional must be set before Routes is called.
type API struct {
	Node peers.Node
	// Peers are the other nodes sharing the store; nil on a single node.
	Peers     *peers.Peers
	Users     *nativeusers.Store
	UserIndex *nativeusers.Index
	RoleStore *roles.Store
	Authz     *authz.Authorizer
	// Realms are every active realm, including those that do not
	// authenticate, for clearing their caches by name.
	Realms []realm.Realm
	Caches Caches
	// Hasher hashes new passwords (xpack.security.authc.password_hashing.algorithm).
	Hasher passhash.Hasher
	// PasswordPolicy checks new clear-text passwords; the zero value means
	// Elasticsearch's length rule alone.
	PasswordPolicy user.PasswordPolicy
	// ReservedRealm is xpack.security.authc.reserved_realm.enabled: when
	// false, built-in names are ordinary native users.
	ReservedRealm bool
	Anonymous     config.Anonymous
	// FileUsers tells file-realm users apart (optional: no file realm).
	FileUsers interface {
		Lookup(username string) (user.User, bool)
	}
	// LastAuth keeps native users' last login (optional).
	LastAuth *lastauth.Recorder
	// APIKeys keeps API keys (optional: nil answers that they are off).
	APIKeys *apikey.Service
	// ServiceAccounts keeps service account tokens.
	ServiceAccounts *serviceaccount.Service
	// Tokens is the token service (optional: nil answers that it is off).
	Tokens *tokens.Service
	// Authn authenticates the credentials a body carries (the grants of
	// grant API key, the token service and profile activation) as a
	// request's own are (optional: without it those grants fail).
	Authn *authn.Authenticator
	// Profiles keeps user profiles (optional: nil only in tests that
	// need none).
	Profiles *profiles.Service
	// AppPrivileges keeps application privileges.
	AppPrivileges *apppriv.Store
	// Lockout is the login lockout (optional: turned off).
	Lockout *lockout.Tracker
	// Healthy reports whether the store answers, for _cluster/health.
	Healthy func(ctx context.Context) bool
	Log     *slog.Logger
}

// route is one row of the table: a pipeline route whose Prepare fills in
// the action.
type route struct {
	method, path, action string
	body                 rest.BodyPolicy
	prepare              func(*pipeline.Call) (pipeline.Prepared, error)
}

// Routes returns the security API's routes. Every user route also answers
// on its legacy /_xpack/security path with a deprecation warning.
func (a *API) Routes() []pipeline.Route {
	const (
		usr      = "/_security/user"
		svcToken = "/_security/service/{namespace}/{service}/credential/token"
		sec      = "cluster:admin/xpack/security/"
		bd       = rest.BodyBuffered
	)
	var security []route
	both := func(path, action string, body rest.BodyPolicy, prepare func(*pipeline.Call) (pipeline.Prepared, error)) {
		for _, m := range []string{"PUT", "POST"} {
			security = append(security, route{m, path, action, body, prepare})
		}
	}
	one := func(method, path, action string, body rest.BodyPolicy, prepare func(*pipeline.Call) (pipeline.Prepared, error)) {
		security = append(security, route{method, path, action, body, prepare})
	}
	both(usr+"/{username}", sec+"user/put", bd, a.putUser)
	one("GET", usr, sec+"user/get", rest.BodyNone, a.getUsers)
	one("GET", usr+"/{username}", sec+"user/get", rest.BodyNone, a.getUsers)
	one("DELETE", usr+"/{username}", sec+"user/delete", rest.BodyNone, a.deleteUser)
	both(usr+"/{username}/_password", authz.ActionChangePassword, bd, a.changePassword)
	both(usr+"/_password", authz.ActionChangePassword, bd, a.changePassword)
	both(usr+"/{username}/_enable", sec+"user/set_enabled", rest.BodyNone, a.setEnabled(true))
	both(usr+"/{username}/_disable", sec+"user/set_enabled", rest.BodyNone, a.setEnabled(false))
	one("GET", "/_security/_authenticate", authz.ActionAuthenticate, rest.BodyNone, a.whoami)
	one("POST", "/_security/realm/{realms}/_clear_cache", sec+"realm/cache/clear", rest.BodyNone, a.clearRealmCache)
	both("/_security/role/{name}", sec+"role/put", bd, a.putRole)
	one("GET", "/_security/role", sec+"role/get", rest.BodyNone, a.getRoles)
	one("GET", "/_security/role/{name}", sec+"role/get", rest.BodyNone, a.getRoles)
	one("DELETE", "/_security/role/{name}", sec+"role/delete", rest.BodyNone, a.deleteRole)
	one("POST", "/_security/role/{name}/_clear_cache", sec+"roles/cache/clear", rest.BodyNone, a.clearRolesCache)
	one("GET", usr+"/_privileges", authz.ActionListPrivileges, rest.BodyNone, a.userPrivileges)
	for _, m := range []string{"GET", "POST"} {
		one(m, usr+"/_has_privileges", authz.ActionHasPrivileges, bd, a.hasPrivileges)
		one(m, usr+"/{username}/_has_privileges", authz.ActionHasPrivileges, bd, a.hasPrivileges)
	}

	table := []route{
		{"GET", "/", "cluster:monitor/main", rest.BodyNone, a.main},
		{"HEAD", "/", "cluster:monitor/main", rest.BodyNone, a.main},
		{"GET", "/_cluster/health", "cluster:monitor/health", rest.BodyNone, a.health},
		{"GET", "/_security/privilege/_builtin", sec + "privilege/builtin/get", rest.BodyNone, a.builtinPrivileges},
		{"GET", "/_security/_query/user", sec + "user/query", bd, a.withProfileUIDs(a.queryUsers)},
		{"POST", "/_security/_query/user", sec + "user/query", bd, a.withProfileUIDs(a.queryUsers)},
		// esauth's own: manage_security grants both, as every
		// cluster:admin/xpack/security/ action.
		{"GET", lockedUsersPath, sec + "esauth/locked_users/get", rest.BodyNone, a.lockedUsers},
		{"DELETE", lockedUsersPath + "/{kind}/{name}", sec + "esauth/locked_users/delete", rest.BodyNone, a.unlock},
		// Every authenticated user may score a password (authz.sameUser).
		{"POST", passwordCheckPath, authz.ActionCheckPassword, bd, a.checkPassword},
		{"POST", "/_security/api_key", sec + "api_key/create", bd, a.createAPIKey},
		{"PUT", "/_security/api_key", sec + "api_key/create", bd, a.createAPIKey},
		{"GET", "/_security/api_key", sec + "api_key/get", rest.BodyNone, a.getAPIKeys},
		{"DELETE", "/_security/api_key", sec + "api_key/invalidate", bd, a.invalidateAPIKeys},
		{"PUT", "/_security/api_key/{ids}", sec + "api_key/update", bd, a.updateAPIKey},
		{"POST", "/_security/api_key/grant", sec + "api_key/grant", bd, a.grantAPIKey},
		{"PUT", "/_security/api_key/grant", sec + "api_key/grant", bd, a.grantAPIKey},
		{"POST", "/_security/api_key/_bulk_update", sec + "api_key/bulk_update", bd, a.bulkUpdateAPIKeys},
		{"POST", "/_security/api_key/{ids}/_clear_cache", sec + "cache/clear", rest.BodyNone, a.clearAPIKeyCache},
		{"POST", "/_security/cross_cluster/api_key", sec + "cross_cluster/api_key/create", bd, a.createCrossClusterAPIKey},
		{"PUT", "/_security/cross_cluster/api_key/{id}", sec + "cross_cluster/api_key/update", bd, a.updateCrossClusterAPIKey},
		{"GET", "/_security/_query/api_key", sec + "api_key/query", bd, a.queryAPIKeys},
		{"POST", "/_security/_query/api_key", sec + "api_key/query", bd, a.queryAPIKeys},
		{"GET", "/_security/_query/role", sec + "role/query", bd, a.queryRoles},
		{"POST", "/_security/_query/role", sec + "role/query", bd, a.queryRoles},
		{"GET", "/_security/service", sec + "service_account/get", rest.BodyNone, a.getServiceAccounts},
		{"GET", "/_security/service/{namespace}", sec + "service_account/get", rest.BodyNone, a.getServiceAccounts},
		{"GET", "/_security/service/{namespace}/{service}", sec + "service_account/get", rest.BodyNone, a.getServiceAccounts},
		{"POST", svcToken, sec + "service_account/token/create", rest.BodyNone, a.createServiceToken},
		{"POST", svcToken + "/{name}", sec + "service_account/token/create", rest.BodyNone, a.createServiceToken},
		{"PUT", svcToken + "/{name}", sec + "service_account/token/create", rest.BodyNone, a.createServiceToken},
		{"DELETE", svcToken + "/{name}", sec + "service_account/token/delete", rest.BodyNone, a.deleteServiceToken},
		{"GET", "/_security/service/{namespace}/{service}/credential", sec + "service_account/credential/get", rest.BodyNone, a.serviceCredentials},
		{"POST", svcToken + "/{name}/_clear_cache", sec + "cache/clear", rest.BodyNone, a.clearServiceTokenCache},
	}
	table = append(table, a.profileRoutes()...)
	table = append(table, a.appPrivilegeRoutes()...)
	table = append(table, a.fileUserRoutes()...)
	out := make([]pipeline.Route, 0, len(table)+2*len(security))
	for _, rt := range append(table, security...) {
		out = append(out, rt.pipelineRoute(""))
	}
	for _, rt := range security {
		legacy := rt
		legacy.path = strings.Replace(rt.path, "/_security/", "/_xpack/security/", 1)
		out = append(out, legacy.pipelineRoute(rt.path))
	}
	out = append(out, a.tokenRoutes()...)
	return out
}

func (rt route) pipelineRoute(replacement string) pipeline.Route {
	prepare, action := rt.prepare, rt.action
	return pipeline.Route{Method: rt.method, Path: rt.path, Body: rt.body, Deprecated: replacement,
		Prepare: func(c *pipeline.Call) (pipeline.Prepared, error) {
			p, err := prepare(c)
			p.Authz.Action = action
			return p, err
		}}
}

// reserved reports whether name is a built-in user while the reserved realm
// is on (ClientReservedRealm.isReserved).
func (a *API) reserved(name string) (user.Builtin, bool) {
	if !a.ReservedRealm {
		return user.Builtin{}, false
	}
	return user.LookupBuiltin(name)
}

// policy is the configured password policy, or Elasticsearch's rule.
func (a *API) policy() user.PasswordPolicy {
	if a.PasswordPolicy.MinLength == 0 {
		return user.DefaultPolicy()
	}
	return a.PasswordPolicy
}

// refresh validates the write requests' refresh parameter. Every esauth
// write is durable and visible when acknowledged, so all values mean the
// same; the parameter is still checked as Elasticsearch checks it.
func refresh(c *pipeline.Call) error {
	v, ok := c.Param("refresh")
	if !ok {
		return nil
	}
	switch v {
	case "", "true", "false", "wait_for":
		return nil
	}
	return eserr.IllegalArgument("Unknown value for refresh: [%s].", v)
}

// targetUser is the {username} of the path, or the caller on the routes
// without one (the self variants of _password and _has_privileges).
func targetUser(c *pipeline.Call) string {
	if name, ok := c.Params.Get("username"); ok {
		return name
	}
	return c.Auth.User().Username
}
