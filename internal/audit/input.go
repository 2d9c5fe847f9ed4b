package audit

import (
	"net/http"
	"strings"
)

// Request is what the audit log records of an HTTP request. It has no
// body and no headers beyond the three Elasticsearch records, so nothing
// a client sends as a credential can reach the log through it.
type Request struct {
	// ID correlates every event of one request ("request.id").
	ID string
	// Method is the HTTP method ("request.method").
	Method string
	// Path and Query are the request target's path and query string as
	// sent, still percent-encoded ("url.path", "url.query"); Query has no
	// leading "?".
	Path, Query string
	// RemoteAddr is the client's "ip:port", as net/http gives it
	// ("origin.address"); IPv6 addresses are bracketed: "[::1]:52434".
	RemoteAddr string
	// OpaqueID is the X-Opaque-Id header ("opaque_id").
	OpaqueID string
	// TraceID is the trace id of the W3C traceparent header ("trace.id").
	TraceID string
	// ForwardedFor is the X-Forwarded-For header, verbatim
	// ("x_forwarded_for").
	ForwardedFor string
	// Indices are what an index action touches ("indices"): the names it
	// was granted on, or the expressions it asked for when denied.
	Indices []string
}

// FromHTTP describes r for the audit log, splitting its request target as
// Elasticsearch's LoggingAuditTrail does. It does not allocate, so it can
// run on every request even when auditing is off.
func FromHTTP(r *http.Request, id string) Request {
	uri := r.RequestURI
	if uri == "" { // a request built in a test or by a client
		uri = r.URL.RequestURI()
	}
	path, query := splitURI(uri)
	return Request{
		ID:           id,
		Method:       r.Method,
		Path:         path,
		Query:        query,
		RemoteAddr:   r.RemoteAddr,
		OpaqueID:     r.Header.Get("X-Opaque-Id"),
		TraceID:      traceID(r.Header.Get("Traceparent")),
		ForwardedFor: r.Header.Get("X-Forwarded-For"),
	}
}

// splitURI cuts the path at "?" and the query at "#".
func splitURI(uri string) (path, query string) {
	end := strings.IndexByte(uri, '#')
	if end < 0 {
		end = len(uri)
	}
	q := strings.IndexByte(uri, '?')
	if q < 0 || q > end {
		return uri[:end], ""
	}
	return uri[:q], uri[q+1 : end]
}

// traceID extracts the trace id from "version-traceid-parentid-flags",
// as Elasticsearch's Task.TRACE_ID does; anything malformed gives "".
func traceID(traceparent string) string {
	if len(traceparent) < 55 || traceparent[2] != '-' || traceparent[35] != '-' {
		return ""
	}
	return traceparent[3:35]
}

// AuthenticationType is Elasticsearch's Authentication.AuthenticationType,
// written as "authentication.type".
type AuthenticationType string

// The authentication types esauth produces.
const (
	// Realm: a realm verified the user's credentials.
	Realm AuthenticationType = "REALM"
	// Anonymous: the request carried no credentials and anonymous access
	// is on.
	Anonymous AuthenticationType = "ANONYMOUS"
	// APIKey: an API key; the user is its owner.
	APIKey AuthenticationType = "API_KEY"
	// Token: a bearer token: a service account's, or an access token of
	// the token service (the user it was made for, and their realm).
	Token AuthenticationType = "TOKEN"
)

// Principal is the authenticated user an event is about.
type Principal struct {
	// Name is the user name ("user.name").
	Name string
	// Realm is the name of the realm that authenticated the user
	// ("user.realm"): default_native, reserved, default_file, __anonymous…
	Realm string
	// Roles are the user's effective roles ("user.roles" of access events).
	Roles []string
	// Type is "" or Realm for a realm user, Anonymous for anonymous access.
	Type AuthenticationType
	// RunByName and RunByRealm name the user who authenticated when the
	// request runs as another ("user.run_by.name", "user.run_by.realm"):
	// Name and Realm are then the user it runs as and the realm that
	// looked it up.
	RunByName, RunByRealm string
	// RunAsName and RunAsRealm name the user a run-as event is about
	// ("user.run_as.name", "user.run_as.realm"); Name and Realm are then
	// the user who authenticated.
	RunAsName, RunAsRealm string
	// APIKeyID and APIKeyName name the key of an APIKey authentication
	// ("apikey.id", "apikey.name").
	APIKeyID, APIKeyName string
	// TokenName and TokenType name the token of a Token authentication
	// ("authentication.token.name", "authentication.token.type").
	TokenName, TokenType string
}

// Failure describes a refused authentication.
type Failure struct {
	// Username is the name the client sent, "" when it sent none that
	// could be read ("user.name").
	Username string
	// LockedOut records that the attempt was refused without checking the
	// password because the account or the client is locked out. It is an
	// esauth extension, written as "esauth.locked_out":true.
	LockedOut bool
}

// Node identifies the node that writes the log. Empty fields are left
// out, which is how the emit_* settings take effect.
type Node struct {
	ClusterName, ClusterUUID string
	NodeName, NodeID         string
	// HostName and HostIP are the node's bound host ("host.name") and IP
	// ("host.ip").
	HostName, HostIP string
}
