package audit

// entry holds one event's fields until render writes them.
type entry struct {
	eventType string
	action    Event // "event.action", unless change names it
	principal *Principal
	roles     bool   // write the principal's "user.roles"
	userName  string // "user.name" when there is no principal
	req       *Request
	rest      bool   // a REST-layer event: url and method
	realm     string // "realm": the realm that authenticated the user
	esAction  string // "action" and, derived from it, "request.name"
	change    *Change
	lockedOut bool
}

// timestampLayout is the audit appender's %d{yyyy-MM-dd'T'HH:mm:ss,SSSZ}.
const timestampLayout = "2006-01-02T15:04:05,000-0700"

// render appends e as one line, with its fields in the order of
// Elasticsearch's audit log4j2 pattern, empty ones left out as its
// %varsNotEmpty leaves them out, and ", " between fields as it writes them.
func (l *Logger) render(b []byte, e *entry) []byte {
	b = append(b, `{"type":"audit", "timestamp":"`...)
	b = l.now().AppendFormat(b, timestampLayout)
	b = append(b, '"')
	b = append(b, l.node...)
	b = field(b, "event.type", e.eventType)
	if e.change != nil {
		b = field(b, "event.action", e.change.action())
	} else {
		b = field(b, "event.action", e.action.String())
	}
	if p := e.principal; p != nil {
		t := p.Type
		if t == "" {
			t = Realm
		}
		b = field(b, "authentication.type", string(t))
		b = field(b, "user.name", p.Name)
		b = field(b, "user.run_by.name", p.RunByName)
		b = field(b, "user.run_as.name", p.RunAsName)
		b = field(b, "user.realm", p.Realm)
		b = field(b, "user.run_by.realm", p.RunByRealm)
		b = field(b, "user.run_as.realm", p.RunAsRealm)
		if e.roles {
			b = append(b, `, "user.roles":`...)
			b = appendStrings(b, p.Roles)
		}
		b = field(b, "apikey.id", p.APIKeyID)
		b = field(b, "apikey.name", p.APIKeyName)
		b = field(b, "authentication.token.name", p.TokenName)
		b = field(b, "authentication.token.type", p.TokenType)
	} else {
		b = field(b, "user.name", e.userName)
	}
	r := e.req
	if e.change == nil {
		b = field(b, "origin.type", "rest")
		b = field(b, "origin.address", r.RemoteAddr)
	}
	b = field(b, "realm", e.realm)
	if e.rest {
		b = field(b, "url.path", r.Path)
		b = field(b, "url.query", r.Query)
		b = field(b, "request.method", r.Method)
	}
	b = field(b, "request.id", r.ID)
	b = field(b, "action", e.esAction)
	b = field(b, "request.name", requestName(e.esAction))
	if e.esAction != "" && e.change == nil && len(r.Indices) > 0 {
		b = append(b, `, "indices":`...)
		b = appendStrings(b, r.Indices)
	}
	if e.change == nil {
		b = field(b, "opaque_id", r.OpaqueID)
		b = field(b, "trace.id", r.TraceID)
		b = field(b, "x_forwarded_for", r.ForwardedFor)
	} else {
		b = e.change.appendField(b)
	}
	if e.lockedOut {
		b = append(b, `, "esauth.locked_out":true`...)
	}
	return append(b, "}\n"...)
}

// field appends `, "key":"value"`, or nothing for an empty value.
func field(b []byte, key, value string) []byte {
	if value == "" {
		return b
	}
	b = append(b, `, "`...)
	b = append(b, key...)
	b = append(b, `":`...)
	return appendQuoted(b, value)
}

// renderNode renders the node fields every event starts with, in the
// pattern's order.
func renderNode(n Node) []byte {
	var b []byte
	b = field(b, "cluster.name", n.ClusterName)
	b = field(b, "cluster.uuid", n.ClusterUUID)
	b = field(b, "node.name", n.NodeName)
	b = field(b, "node.id", n.NodeID)
	b = field(b, "host.name", n.HostName)
	return field(b, "host.ip", n.HostIP)
}

// requestName is the "request.name" Elasticsearch writes for an action:
// the simple class name of its transport request. Actions esauth does not
// serve have none, and the field is left out.
func requestName(action string) string {
	const sec = "cluster:admin/xpack/security/"
	switch action {
	case "":
		return ""
	case "cluster:monitor/main":
		return "MainRequest"
	case "cluster:monitor/health":
		return "ClusterHealthRequest"
	case sec + "user/put":
		return "PutUserRequest"
	case sec + "user/get":
		return "GetUsersRequest"
	case sec + "user/delete":
		return "DeleteUserRequest"
	case sec + "user/change_password":
		return "ChangePasswordRequest"
	case sec + "user/set_enabled":
		return "SetEnabledRequest"
	case sec + "user/authenticate":
		return "AuthenticateRequest"
	case sec + "user/list_privileges":
		return "GetUserPrivilegesRequest"
	case sec + "user/has_privileges":
		return "HasPrivilegesRequest"
	case sec + "user/query":
		return "QueryUserRequest"
	case sec + "role/put":
		return "PutRoleRequest"
	case sec + "role/get":
		return "GetRolesRequest"
	case sec + "role/delete":
		return "DeleteRoleRequest"
	case sec + "realm/cache/clear":
		return "ClearRealmCacheRequest"
	case sec + "roles/cache/clear":
		return "ClearRolesCacheRequest"
	case sec + "privilege/builtin/get":
		return "GetBuiltinPrivilegesRequest"
	}
	return dataRequests[action]
}

// dataRequests are the request classes of the data-plane actions a
// gateway forwards most, for "request.name".
var dataRequests = map[string]string{
	"indices:data/read/search":              "SearchRequest",
	"indices:data/read/scroll":              "SearchScrollRequest",
	"indices:data/read/msearch":             "MultiSearchRequest",
	"indices:data/read/get":                 "GetRequest",
	"indices:data/read/mget":                "MultiGetRequest",
	"indices:data/read/count":               "CountRequest",
	"indices:data/write/bulk":               "BulkRequest",
	"indices:data/write/index":              "IndexRequest",
	"indices:data/write/delete":             "DeleteRequest",
	"indices:data/write/update":             "UpdateRequest",
	"indices:admin/create":                  "CreateIndexRequest",
	"indices:admin/delete":                  "DeleteIndexRequest",
	"indices:data/read/open_point_in_time":  "OpenPointInTimeRequest",
	"indices:data/read/close_point_in_time": "ClosePointInTimeRequest",
	"indices:data/write/delete/byquery":     "DeleteByQueryRequest",
	"indices:data/write/update/byquery":     "UpdateByQueryRequest",
	"indices:data/write/reindex":            "ReindexRequest",
}
