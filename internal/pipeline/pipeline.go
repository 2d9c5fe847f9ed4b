package pipeline

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"strings"
	"time"

	"github.com/esauth/esauth/internal/audit"
	"github.com/esauth/esauth/internal/authn"
	"github.com/esauth/esauth/internal/authz"
	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/metrics"
	"github.com/esauth/esauth/internal/random"
	"github.com/esauth/esauth/internal/rest"
)

// Pipeline serves a set of routes.
type Pipeline struct {
	authn *authn.Authenticator
	authz *authz.Authorizer
	opt   Options
	trie  rest.Trie[*Route]
	// cross refuses state-changing requests a browser sends from another
	// site: once a browser holds Basic credentials for esauth, any page
	// could otherwise post a form to it with them.
	cross *http.CrossOriginProtection
}

// Options are the pipeline's collaborators besides authentication and
// authorization.
type Options struct {
	// MaxContentLength is http.max_content_length.
	MaxContentLength int64
	// Audit writes the access events; nil when auditing is off.
	Audit *audit.Logger
	// Metrics counts requests by route and status; nil when off.
	Metrics *metrics.Metrics
	Log     *slog.Logger
	// Fallback, when set, serves requests no route matches (the gateway's
	// requests it cannot classify), except for the security API's paths,
	// which never leave esauth.
	Fallback *Route
	// Challenges, when set, are the WWW-Authenticate values of every 401
	// (Basic, then ApiKey while API keys are on), as Elasticsearch lists
	// each credential type it accepts.
	Challenges []string
}

// New returns the pipeline serving routes. Two routes with the same method
// and path are an error.
func New(an *authn.Authenticator, az *authz.Authorizer, routes []Route, opt Options) (*Pipeline, error) {
	p := &Pipeline{authn: an, authz: az, opt: opt, cross: http.NewCrossOriginProtection()}
	for i := range routes {
		rt := &routes[i]
		if err := p.trie.Add(rt.Method, rt.Path, rt); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// Header values shared by every response; net/http only reads them.
var productHeader = []string{"Elasticsearch"}

// ServeHTTP implements http.Handler.
func (p *Pipeline) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p.opt.Metrics == nil {
		p.serve(w, r)
		return
	}
	start := time.Now()
	label, status := p.serve(w, r)
	p.opt.Metrics.ObserveRequest(label, status, time.Since(start))
}

// serve answers one request and returns its route's label for metrics
// and the status sent.
func (p *Pipeline) serve(w http.ResponseWriter, hr *http.Request) (label string, status int) {
	w.Header()["X-Elastic-Product"] = productHeader
	if id := hr.Header["X-Opaque-Id"]; len(id) > 0 {
		// Elasticsearch echoes it on every answer, its own errors included.
		w.Header()["X-Opaque-Id"] = id[:1]
	}
	if err := rest.CheckHead(hr); err != nil {
		return metrics.UnmatchedRoute, rest.WriteError(w, hr, p.opt.Log, rest.Output{}, err)
	}
	if err := p.cross.Check(hr); err != nil {
		// Official clients and curl send neither Sec-Fetch-Site nor
		// Origin, so only a browser's cross-site request ends here.
		return metrics.UnmatchedRoute, rest.WriteError(w, hr, p.opt.Log, rest.Output{},
			eserr.Security(http.StatusForbidden, "cross-site request refused: %s", err))
	}
	m := p.trie.Lookup(hr.Method, hr.URL.EscapedPath())
	if !m.Found && (len(m.Allowed) > 0 || p.opt.Fallback == nil || securityPath(hr.URL.Path)) {
		return metrics.UnmatchedRoute, rest.WriteNoRoute(w, hr, m.Allowed)
	}
	rt := m.Value
	if !m.Found {
		rt, m.Route = p.opt.Fallback, p.opt.Fallback.Path
	}
	label = rt.Method + " " + rt.Path
	if msg := rest.ContentTypeProblem(hr); msg != "" {
		return label, rest.WriteFlatError(w, http.StatusNotAcceptable, msg)
	}
	c := &Call{Request: rest.NewRequest(hr, m.Route, m.Params), Route: rt, audit: p.opt.Audit}
	if p.opt.Audit != nil {
		c.AuditRequest = audit.FromHTTP(hr, random.ID())
	}
	out, err := c.Output()
	if err != nil {
		return label, rest.WriteError(w, hr, p.opt.Log, out, err)
	}
	res, err := p.handle(c)
	if err != nil {
		return label, rest.WriteError(w, hr, p.opt.Log, out, p.challenged(err))
	}
	if rt.Deprecated != "" {
		res.Warnings = append(res.Warnings, rest.Deprecation(rt.Method, rt.Path, rt.Deprecated))
	}
	return label, rest.Write(w, hr, p.opt.Log, out, res)
}

// challenged puts the configured challenges on a 401 that asks for
// credentials.
func (p *Pipeline) challenged(err error) error {
	var e *eserr.Error
	if len(p.opt.Challenges) == 0 || !errors.As(err, &e) || e.Status != http.StatusUnauthorized || e.Header["WWW-Authenticate"] == nil {
		return err
	}
	if v := e.Header["WWW-Authenticate"]; len(v) == 1 && strings.HasPrefix(v[0], `Bearer realm="security", error=`) {
		return err // an access token's own answer (RFC 6750): expired
	}
	c := *e
	c.Header = maps.Clone(e.Header)
	c.Header["WWW-Authenticate"] = p.opt.Challenges
	return &c
}

// securityPath reports the paths of the security API and esauth's own,
// which esauth answers itself or not at all: never forwarded.
func securityPath(path string) bool {
	for _, p := range []string{"/_security", "/_xpack/security", "/_esauth"} {
		if rest, ok := strings.CutPrefix(path, p); ok && (rest == "" || rest[0] == '/') {
			return true
		}
	}
	return false
}

// handle runs one request through Elasticsearch's order of checks:
// authentication (headers only), the body, the handler's parsing, unknown
// parameters and unread bodies, validation, authorization, the action.
func (p *Pipeline) handle(c *Call) (*rest.Response, error) {
	if err := rest.CheckCompatible(c.Request.Request); err != nil {
		return nil, err
	}
	ctx := c.Context()
	auth, err := p.authn.Authenticate(ctx, c.Request.Request, c.AuditRequest)
	if err != nil {
		return nil, err
	}
	c.Auth = auth
	if c.Route.Body == rest.BodyBuffered {
		if err := c.ReadBody(p.opt.MaxContentLength); err != nil {
			return nil, err
		}
	}
	prep, err := c.Route.Prepare(c)
	if err != nil {
		return nil, err
	}
	if err := c.CheckConsumed(); err != nil {
		return nil, err
	}
	if c.Route.Body != rest.BodyStreamed {
		if err := c.CheckBodyConsumed(); err != nil {
			return nil, err
		}
	}
	if prep.Validate != nil {
		if err := prep.Validate(); err != nil {
			if a, ok := errors.AsType[*rest.Answered](err); ok {
				return a.Answer, nil
			}
			return nil, err
		}
	}
	action := prep.Authz.Action
	d, err := p.authz.Authorize(ctx, auth, prep.Authz)
	switch d.RunAs() {
	case authz.RunAsGranted:
		p.opt.Audit.RunAsGranted(c.AuditRequest, auth.AuditRunAs(), action)
	case authz.RunAsDenied:
		p.opt.Audit.RunAsDenied(c.AuditRequest, auth.AuditRunAs(), action)
		return nil, err
	}
	if err != nil {
		if ir := prep.Authz.Index; ir != nil {
			c.AuditRequest.Indices = ir.Expressions
		}
		p.opt.Audit.AccessDenied(c.AuditRequest, auth.Audit(), action)
		return nil, err
	}
	c.AuditRequest.Indices = d.Indices().Names
	p.opt.Audit.AccessGranted(c.AuditRequest, auth.Audit(), action)
	if !d.Granted() || prep.Run == nil {
		// Authorize never grants without saying so; failing closed here
		// costs nothing and catches a route prepared without a Run.
		return nil, fmt.Errorf("pipeline: %s %s has no granted decision to run with", c.Route.Method, c.Route.Path)
	}
	return prep.Run(ctx, d)
}
