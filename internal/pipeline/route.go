package pipeline

import (
	"context"

	"github.com/esauth/esauth/internal/audit"
	"github.com/esauth/esauth/internal/authn"
	"github.com/esauth/esauth/internal/authz"
	"github.com/esauth/esauth/internal/rest"
)

// Route binds a method and path to the preparation of its requests.
type Route struct {
	Method, Path string
	// Body says whether the route reads a request body.
	Body rest.BodyPolicy
	// Deprecated is the replacement path of a legacy route; its answers
	// then carry Elasticsearch's deprecation warning.
	Deprecated string
	// Prepare parses a request as Elasticsearch's REST handler does
	// (parameters, body) and says what it asks to do; it runs once the
	// caller is authenticated and before anything is authorized.
	Prepare func(*Call) (Prepared, error)
}

// Call is a request being served, as its route's Prepare sees it.
type Call struct {
	*rest.Request
	// Auth is who is calling.
	Auth authn.Authentication
	// Route is the route that matched.
	Route *Route
	// AuditRequest describes the request to the audit log.
	AuditRequest audit.Request
	audit        *audit.Logger
}

// AuditChange records a change to users or roles; call it once the
// change is authorized, before it is carried out.
func (c *Call) AuditChange(ch audit.Change) { c.audit.SecurityConfigChange(c.AuditRequest, ch) }

// Prepared is a parsed request waiting for its authorization.
type Prepared struct {
	// Authz is what the request asks to do.
	Authz authz.Request
	// Validate is Elasticsearch's ActionRequest.validate, which runs before
	// authorization; nil when there is nothing to check.
	Validate func() error
	// Run carries the request out. The pipeline calls it only with a
	// granted decision for Authz.
	Run func(ctx context.Context, d authz.Decision) (*rest.Response, error)
}
