package httpapi

import "strings"

// routes is the one route table. Every user route also answers on its
// legacy /_xpack/security path with a deprecation warning.
func (a *API) routes() []*route {
	const user = "/_security/user"
	table := []*route{
		{method: "GET", path: "/", action: "cluster:monitor/main", prepare: a.main},
		{method: "HEAD", path: "/", action: "cluster:monitor/main", prepare: a.main},
		{method: "GET", path: "/_cluster/health", action: "cluster:monitor/health", prepare: a.health},
	}
	security := []*route{
		{method: "PUT", path: user + "/{username}", action: "cluster:admin/xpack/security/user/put", prepare: a.putUser},
		{method: "POST", path: user + "/{username}", action: "cluster:admin/xpack/security/user/put", prepare: a.putUser},
		{method: "GET", path: user, action: "cluster:admin/xpack/security/user/get", prepare: a.getUsers},
		{method: "GET", path: user + "/{username}", action: "cluster:admin/xpack/security/user/get", prepare: a.getUsers},
		{method: "DELETE", path: user + "/{username}", action: "cluster:admin/xpack/security/user/delete", prepare: a.deleteUser},
		{method: "PUT", path: user + "/{username}/_password", action: "cluster:admin/xpack/security/user/change_password", prepare: a.changePassword},
		{method: "POST", path: user + "/{username}/_password", action: "cluster:admin/xpack/security/user/change_password", prepare: a.changePassword},
		{method: "PUT", path: user + "/_password", action: "cluster:admin/xpack/security/user/change_password", prepare: a.changePassword},
		{method: "POST", path: user + "/_password", action: "cluster:admin/xpack/security/user/change_password", prepare: a.changePassword},
		{method: "PUT", path: user + "/{username}/_enable", action: "cluster:admin/xpack/security/user/set_enabled", prepare: a.setEnabled(true)},
		{method: "POST", path: user + "/{username}/_enable", action: "cluster:admin/xpack/security/user/set_enabled", prepare: a.setEnabled(true)},
		{method: "PUT", path: user + "/{username}/_disable", action: "cluster:admin/xpack/security/user/set_enabled", prepare: a.setEnabled(false)},
		{method: "POST", path: user + "/{username}/_disable", action: "cluster:admin/xpack/security/user/set_enabled", prepare: a.setEnabled(false)},
		{method: "GET", path: "/_security/_authenticate", action: "cluster:admin/xpack/security/user/authenticate", prepare: a.whoami},
		{method: "POST", path: "/_security/realm/{realms}/_clear_cache", action: "cluster:admin/xpack/security/realm/cache/clear", prepare: a.clearRealmCache},
		{method: "PUT", path: "/_security/role/{name}", action: "cluster:admin/xpack/security/role/put", prepare: a.putRole},
		{method: "POST", path: "/_security/role/{name}", action: "cluster:admin/xpack/security/role/put", prepare: a.putRole},
		{method: "GET", path: "/_security/role", action: "cluster:admin/xpack/security/role/get", prepare: a.getRoles},
		{method: "GET", path: "/_security/role/{name}", action: "cluster:admin/xpack/security/role/get", prepare: a.getRoles},
		{method: "DELETE", path: "/_security/role/{name}", action: "cluster:admin/xpack/security/role/delete", prepare: a.deleteRole},
		{method: "POST", path: "/_security/role/{name}/_clear_cache", action: "cluster:admin/xpack/security/roles/cache/clear", prepare: a.clearRolesCache},
		{method: "GET", path: user + "/_privileges", action: "cluster:admin/xpack/security/user/list_privileges", prepare: a.userPrivileges},
		{method: "GET", path: user + "/_has_privileges", action: "cluster:admin/xpack/security/user/has_privileges", prepare: a.hasPrivileges},
		{method: "POST", path: user + "/_has_privileges", action: "cluster:admin/xpack/security/user/has_privileges", prepare: a.hasPrivileges},
		{method: "GET", path: user + "/{username}/_has_privileges", action: "cluster:admin/xpack/security/user/has_privileges", prepare: a.hasPrivileges},
		{method: "POST", path: user + "/{username}/_has_privileges", action: "cluster:admin/xpack/security/user/has_privileges", prepare: a.hasPrivileges},
	}
	table = append(table, security...)
	table = append(table,
		&route{method: "GET", path: "/_security/privilege/_builtin", action: "cluster:admin/xpack/security/privilege/builtin/get", prepare: a.builtinPrivileges},
		&route{method: "GET", path: "/_security/_query/user", action: "cluster:admin/xpack/security/user/query", prepare: a.queryUsers},
		&route{method: "POST", path: "/_security/_query/user", action: "cluster:admin/xpack/security/user/query", prepare: a.queryUsers},
		// esauth's own: manage_security grants both, as every
		// cluster:admin/xpack/security/ action.
		&route{method: "GET", path: lockedUsersPath, action: "cluster:admin/xpack/security/esauth/locked_users/get", prepare: a.lockedUsers},
		&route{method: "DELETE", path: lockedUsersPath + "/{kind}/{name}", action: "cluster:admin/xpack/security/esauth/locked_users/delete", prepare: a.unlock})
	for _, rt := range security {
		legacy := *rt
		legacy.path = strings.Replace(rt.path, "/_security/", "/_xpack/security/", 1)
		legacy.deprecated = rt.path
		table = append(table, &legacy)
	}
	for _, rt := range table {
		rt.pat = parsePattern(rt.path)
	}
	return table
}
