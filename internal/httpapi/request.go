package httpapi

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/esauth/esauth/internal/audit"
	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/realm"
)

// request is one call in flight: the HTTP request plus what Elasticsearch's
// RestRequest tracks (path params, consumed query params, body).
type request struct {
	*http.Request
	api        *API
	route      *route
	pathParams map[string]string
	query      url.Values
	// consumed records every query parameter a handler asked for, present
	// or not, as RestRequest.param does; the rest are rejected. Both maps
	// are nil when the request has no query string.
	consumed     map[string]bool
	body         []byte
	bodyConsumed bool
	principal    realm.Principal
	authorized   bool
	// audit describes the request to the audit log (zero when it is off).
	audit audit.Request
}

// pathParam returns an unescaped path capture.
func (r *request) pathParam(name string) string { return r.pathParams[name] }

// param reads a query parameter and marks it as understood.
func (r *request) param(name string) (string, bool) {
	if r.consumed != nil {
		r.consumed[name] = true
	}
	v, ok := r.query[name]
	if !ok || len(v) == 0 {
		return "", ok
	}
	return v[len(v)-1], true
}

// boolParam is RestRequest.paramAsBoolean: a bare or empty value is true.
func (r *request) boolParam(name string, def bool) (bool, error) {
	v, ok := r.param(name)
	if !ok {
		return def, nil
	}
	return parseBool(v)
}

func parseBool(v string) (bool, error) {
	switch v {
	case "", "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, eserr.IllegalArgument("Failed to parse value [%s] as only [true] or [false] are allowed.", v)
}

// requiredBody is RestRequest.requiredContent.
func (r *request) requiredBody() ([]byte, error) {
	r.bodyConsumed = true
	if len(r.body) == 0 {
		return nil, eserr.Parse("request body is required")
	}
	return r.body, nil
}

// refresh validates the write requests' refresh parameter. Every esauth
// write is durable and visible when acknowledged, so all values mean the
// same; the parameter is still checked as Elasticsearch checks it.
func (r *request) refresh() error {
	v, ok := r.param("refresh")
	if !ok {
		return nil
	}
	switch v {
	case "", "true", "false", "wait_for":
		return nil
	}
	return eserr.IllegalArgument("Unknown value for refresh: [%s].", v)
}

// authorize checks the route's action for the caller; target is the user
// the request is about, if any.
func (r *request) authorize(ctx context.Context, target string) error {
	if err := r.api.Authz.Authorize(ctx, r.principal, r.route.action, target); err != nil {
		if r.api.Audit != nil {
			r.api.Audit.AccessDenied(r.audit, r.auditPrincipal(), r.route.action)
		}
		if r.isAnonymous() && !r.api.Anonymous.AuthzException {
			// authz_exception: false asks anonymous callers for credentials.
			return authError("action [%s] requires authentication", r.route.action)
		}
		return err
	}
	if r.api.Audit != nil {
		r.api.Audit.AccessGranted(r.audit, r.auditPrincipal(), r.route.action)
	}
	r.authorized = true
	return nil
}

// auditPrincipal describes the caller to the audit log.
func (r *request) auditPrincipal() audit.Principal { return auditPrincipal(r.principal) }

// auditPrincipal describes p to the audit log.
func auditPrincipal(p realm.Principal) audit.Principal {
	ap := audit.Principal{Name: p.User.Username, Realm: p.Realm.Name, Roles: p.User.Roles, Type: audit.Realm}
	if p.Realm == anonymousRef {
		ap.Type = audit.Anonymous
	}
	return ap
}

// auditChange logs a change to users or roles, once it is authorized.
func (r *request) auditChange(c audit.Change) {
	if r.api.Audit != nil {
		r.api.Audit.SecurityConfigChange(r.audit, c)
	}
}

// targetUser is the {username} of the path, or the caller on the routes
// without one (the self variants of _password and _has_privileges).
func (r *request) targetUser() string {
	if name, ok := r.pathParams["username"]; ok {
		return name
	}
	return r.principal.User.Username
}

// names splits a comma-separated path list as Java's String.split(","):
// empty items stay, except trailing ones.
func names(s string) []string {
	parts := strings.Split(s, ",")
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}
