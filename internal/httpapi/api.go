package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/esauth/esauth/internal/audit"
	"github.com/esauth/esauth/internal/authz"
	"github.com/esauth/esauth/internal/config"
	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/lastauth"
	"github.com/esauth/esauth/internal/lockout"
	"github.com/esauth/esauth/internal/metrics"
	"github.com/esauth/esauth/internal/nativeusers"
	"github.com/esauth/esauth/internal/passhash"
	"github.com/esauth/esauth/internal/realm"
	"github.com/esauth/esauth/internal/roles"
	"github.com/esauth/esauth/internal/suggest"
	"github.com/esauth/esauth/internal/user"
)

// Authorizer decides whether a principal may run an Elasticsearch action.
// target is the user the request is about ("" when none), for the rules
// that let users act on themselves. A denial is an *eserr.Error (403).
type Authorizer interface {
	Authorize(ctx context.Context, p realm.Principal, action, target string) error
	// Privileges and HasPrivileges answer the privilege-inspection APIs.
	Privileges(ctx context.Context, p realm.Principal) (authz.UserPrivileges, error)
	HasPrivileges(ctx context.Context, p realm.Principal, c authz.Check) (authz.Answer, error)
}

// Node describes this server as GET / and cluster responses show it.
type Node struct {
	ID          string
	Name        string
	ClusterName string
	ClusterUUID string
}

// API is the REST surface. Every field must be set before Handler is called.
type API struct {
	Node  Node
	Users *nativeusers.Store
	// UserIndex serves the query users API from memory.
	UserIndex *nativeusers.Index
	// RoleStore keeps native roles; RoleCache is the authorizer's role
	// cache, cleared by the roles clear-cache API.
	RoleStore *roles.Store
	RoleCache invalidator
	// Realms authenticate requests, in order; AllRealms are every active
	// realm, including those that do not authenticate, by name.
	Realms    realm.Chain
	AllRealms []realm.Realm
	Authz     Authorizer
	// Hasher hashes new passwords (xpack.security.authc.password_hashing.algorithm).
	Hasher passhash.Hasher
	// PasswordPolicy checks new clear-text passwords; the zero value means
	// Elasticsearch's length rule alone.
	PasswordPolicy user.PasswordPolicy
	// ReservedRealm is xpack.security.authc.reserved_realm.enabled: when
	// false, built-in names are ordinary native users.
	ReservedRealm bool
	// Anonymous is the anonymous-access configuration: requests without
	// credentials run as it when it has roles, and its roles are added to
	// every authenticated user's.
	Anonymous config.Anonymous
	// FileUsers tells file-realm users apart (nil without a file realm).
	FileUsers interface {
		Lookup(username string) (user.User, bool)
	}
	MaxContentLength int64
	Log              *slog.Logger
	// Cluster connects this node to the others sharing its store; nil on
	// a single node.
	Cluster Cluster
	// Audit writes the audit log; nil when xpack.security.audit is off.
	Audit *audit.Logger
	// Metrics counts requests by route and status; nil when off.
	Metrics *metrics.Metrics
	// Lockout blocks usernames and addresses after repeated failures; nil
	// when esauth.security.lockout.enabled is false.
	Lockout *lockout.Tracker
	// LastAuth records native users' last successful authentication; nil
	// when not kept.
	LastAuth *lastauth.Recorder
}

// Cluster is what the API needs from the nodes sharing a store.
type Cluster interface {
	// Healthy reports whether the shared store answers.
	Healthy(ctx context.Context) bool
	// Nodes lists every node, this one included.
	Nodes(ctx context.Context) []Node
	// ClearCaches asks every other node to clear the named realms' (nil:
	// all) caches for the users (nil: everyone), or the named roles' (nil:
	// all) when realms is "roles".
	ClearCaches(ctx context.Context, kind string, names, users []string) error
}

// Handler returns the http.Handler serving every route.
func (a *API) Handler() http.Handler {
	routes := newRouter(a.routes())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.serve(w, r, routes)
	})
}

// exec runs a prepared request: its transport-level validation,
// authorization and the action itself.
type exec func(ctx context.Context) (*response, error)

// route binds a method and path to a handler and its Elasticsearch action.
type route struct {
	method string
	path   string
	pat    pattern
	action string
	// prepare parses the request as the REST handler does (body, params)
	// and returns the rest of the work, as RestChannelConsumer does.
	prepare func(*request) (exec, error)
	// deprecated is the replacement path of a legacy /_xpack route.
	deprecated string
	// label names the route in metrics: "METHOD /path/{param}".
	label string
}

// response is a success answer: body is marshalled as JSON, or streamed
// when it is a streamer.
type response struct {
	status int
	body   any
	// warnings are deprecation Warning headers.
	warnings []string
	// prettyByDefault formats the body unless the request has ?pretty.
	prettyByDefault bool
}

func ok(body any) (*response, error) { return &response{status: http.StatusOK, body: body}, nil }

// foundResponse is a delete's {"found":...}: 200, or 404 when nothing was.
func foundResponse(found bool) (*response, error) {
	res := &response{status: http.StatusOK, body: orderedObject{{"found", found}}}
	if !found {
		res.status = http.StatusNotFound
	}
	return res, nil
}

// emptyNotFound is a GET of named things none of which exist: 404 {}.
func emptyNotFound() (*response, error) {
	return &response{status: http.StatusNotFound, body: orderedObject{}}, nil
}

// Header values shared by every response; net/http only reads them.
var (
	productHeader     = []string{"Elasticsearch"}
	jsonContentHeader = []string{"application/json"}
)

// alwaysConsumed are the parameters every request may carry: the response
// channel reads them before any handler runs.
var alwaysConsumed = []string{"pretty", "human", "error_trace", "filter_path"}

func (a *API) serve(w http.ResponseWriter, hr *http.Request, routes *router) {
	if a.Metrics == nil {
		a.serveRoute(w, hr, routes)
		return
	}
	start := time.Now()
	label, status := a.serveRoute(w, hr, routes)
	a.Metrics.ObserveRequest(label, status, time.Since(start))
}

// serveRoute answers one request and returns its route's label and the
// status sent.
func (a *API) serveRoute(w http.ResponseWriter, hr *http.Request, routes *router) (label string, status int) {
	w.Header()["X-Elastic-Product"] = productHeader
	if err := tooLongHead(hr); err != nil {
		return metrics.UnmatchedRoute, a.writeError(w, &request{Request: hr, api: a}, output{}, err)
	}
	rt, params, allowed := routes.lookup(hr.Method, hr.URL.EscapedPath())
	if rt == nil {
		return metrics.UnmatchedRoute, a.routeError(w, hr, allowed)
	}
	if msg := contentTypeProblem(hr); msg != "" {
		return rt.label, writeFlatError(w, http.StatusNotAcceptable, msg)
	}
	r := &request{Request: hr, api: a, route: rt, pathParams: params}
	if a.Audit != nil {
		r.audit = audit.FromHTTP(hr, audit.NewRequestID())
	}
	if hr.URL.RawQuery != "" {
		// Without a query string there is nothing to check parameters
		// against, so most requests skip building either map.
		r.query = hr.URL.Query()
		r.consumed = make(map[string]bool, len(alwaysConsumed)+len(params)+4)
		for _, p := range alwaysConsumed {
			r.consumed[p] = true
		}
		for p := range params {
			r.consumed[p] = true
		}
	}
	out, err := r.format()
	if err == nil {
		var res *response
		res, err = a.handle(r)
		if err == nil {
			if rt.deprecated != "" {
				res.warnings = append(res.warnings, deprecation(rt))
			}
			return rt.label, a.write(w, r, out, res)
		}
	}
	return rt.label, a.writeError(w, r, out, err)
}

// handle runs one request through Elasticsearch's order of checks:
// content type, body, authentication, the handler's parsing, unknown
// parameters and unread bodies, then validation, authorization and action.
func (a *API) handle(r *request) (*response, error) {
	if err := compatProblem(r.Request); err != nil {
		return nil, err
	}
	if err := r.readBody(); err != nil {
		return nil, err
	}
	p, err := a.authenticate(r)
	if err != nil {
		return nil, err
	}
	r.principal = p
	run, err := r.route.prepare(r)
	if err != nil {
		return nil, err
	}
	if err := r.checkConsumed(); err != nil {
		return nil, err
	}
	if len(r.body) > 0 && !r.bodyConsumed {
		return nil, eserr.IllegalArgument("request [%s %s] does not support having a body", r.Method, r.URL.Path)
	}
	res, err := run(r.Context())
	if err == nil && !r.authorized {
		// Every route must authorize; failing closed here catches a route
		// that forgot to rather than serving it unchecked.
		return nil, fmt.Errorf("httpapi: route %s %s answered without authorization", r.route.method, r.route.path)
	}
	return res, err
}

// routeError answers a path with no route (400) or a method the path does
// not have (405) in the flat shape Elasticsearch's RestController uses.
func (a *API) routeError(w http.ResponseWriter, r *http.Request, allowed []string) int {
	uri := r.URL.RequestURI()
	if r.Method == http.MethodOptions {
		// Elasticsearch answers OPTIONS itself: 200, empty, with Allow.
		if len(allowed) > 0 {
			w.Header().Set("Allow", strings.Join(allowed, ","))
		}
		w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
		w.WriteHeader(http.StatusOK)
		return http.StatusOK
	}
	if len(allowed) == 0 {
		return writeFlatError(w, http.StatusBadRequest, fmt.Sprintf("no handler found for uri [%s] and method [%s]", uri, r.Method))
	}
	w.Header().Set("Allow", strings.Join(allowed, ","))
	return writeFlatError(w, http.StatusMethodNotAllowed, fmt.Sprintf("Incorrect HTTP method for uri [%s] and method [%s], allowed: [%s]",
		uri, r.Method, strings.Join(allowed, ", ")))
}

// Elasticsearch's limits on the request head (http.max_initial_line_length
// and http.max_header_size); the server's own MaxHeaderBytes is a larger
// hard cap, past which Go answers a plain 431 before any handler runs.
const (
	maxInitialLine = 4 << 10
	maxHeaderSize  = 16 << 10
)

// tooLongHead answers a request line or header block over Elasticsearch's
// limits as Netty's decoder failures reach its RestController: 400s named
// after the decoder's exceptions.
func tooLongHead(r *http.Request) error {
	if n := len(r.Method) + len(r.RequestURI) + len(r.Proto) + 2; n > maxInitialLine {
		return &eserr.Error{Type: "too_long_http_line_exception", Status: http.StatusBadRequest,
			Reason: fmt.Sprintf("An HTTP line is larger than %d bytes.", maxInitialLine)}
	}
	n := len(r.Host) + len("Host: \r\n")
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4 // "k: v\r\n"
		}
	}
	if n > maxHeaderSize {
		return &eserr.Error{Type: "too_long_http_header_exception", Status: http.StatusBadRequest,
			Reason: fmt.Sprintf("HTTP header is larger than %d bytes.", maxHeaderSize)}
	}
	return nil
}

// deprecation renders the Warning Elasticsearch sends for a legacy path.
func deprecation(rt *route) string {
	return fmt.Sprintf("299 Elasticsearch-%s-%s \"[%s %s] is deprecated! Use [%s %s] instead.\"",
		Version, BuildHash, rt.method, rt.path, rt.method, rt.deprecated)
}

// checkConsumed rejects query parameters no one read, with Elasticsearch's
// "did you mean" suggestions drawn from the parameters that were read.
func (r *request) checkConsumed() error {
	if len(r.query) == 0 {
		return nil
	}
	var unknown []string
	for k := range r.query {
		if !r.consumed[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	var b strings.Builder
	plural := ""
	if len(unknown) > 1 {
		plural = "s"
	}
	fmt.Fprintf(&b, "request [%s] contains unrecognized parameter%s: ", r.URL.Path, plural)
	for i, u := range unknown {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "[%s]", u)
		if p := suggest.Phrase(suggest.Closest(u, slices.Collect(maps.Keys(r.consumed)), 0.5)); p != "" {
			b.WriteString(" -> " + p)
		}
	}
	return eserr.IllegalArgument("%s", b.String())
}

// readBody reads the request body within http.max_content_length.
func (r *request) readBody() error {
	if r.Body == nil || r.Body == http.NoBody || r.Method == http.MethodHead {
		return nil // most requests: nothing to read, no buffer to allocate
	}
	limit := r.api.MaxContentLength
	if r.ContentLength > limit {
		return tooLong(r.ContentLength, limit)
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, limit))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLong(limit+1, limit)
	}
	if err != nil {
		return eserr.Parse("failed to read request body: %v", err)
	}
	r.body = body
	return nil
}

func tooLong(n, limit int64) error {
	return &eserr.Error{Type: "content_too_long_exception", Status: http.StatusRequestEntityTooLarge,
		Reason: fmt.Sprintf("entity content is too long [%d] for the configured buffer limit [%d]", n, limit)}
}
