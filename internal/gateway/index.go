package gateway

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/esauth/esauth/internal/authz"
	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/gateway/table"
	"github.com/esauth/esauth/internal/indices"
	"github.com/esauth/esauth/internal/pipeline"
	"github.com/esauth/esauth/internal/rest"
	"github.com/esauth/esauth/internal/roles"
)

// maxForwardPath bounds the path the gateway sends with expanded index
// names: the cluster refuses request lines over 4 KB
// (http.max_initial_line_length), which leaves room for the query.
const maxForwardPath = 3 << 10

// defaults turns a row's documented indices options into the options a
// request starts from (strict, expanding open indices, where the spec
// names an option without a default).
func defaults(e *table.Endpoint) (indices.Options, error) {
	m := e.DefaultOptions()
	return indices.ParseOptions(func(name string) (string, bool) {
		v, ok := m[name]
		return v, ok && v != ""
	}, indices.StrictExpandOpen)
}

// index forwards an index action: its expressions resolved to the names
// the caller's roles allow, the path rewritten to those names, every
// further action the API runs checked on them.
func (g *Gateway) index(e *table.Endpoint, all []table.Endpoint) prepareFunc {
	withIndex := indexedVariant(e, all)
	return func(c *pipeline.Call) (pipeline.Prepared, error) {
		ic, req, err := g.prepareIndex(e, withIndex, c)
		if err != nil {
			return pipeline.Prepared{}, err
		}
		return pipeline.Prepared{Authz: req, Run: func(ctx context.Context, d authz.Decision) (*rest.Response, error) {
			resp, err := ic.send(ctx, d, nil)
			if err != nil {
				return nil, err
			}
			return g.stream(resp), nil
		}}, nil
	}
}

// indexCall is a prepared request of an index row.
type indexCall struct {
	g         *Gateway
	e         *table.Endpoint
	c         *pipeline.Call
	req       indexRequest
	withIndex string
}

func (g *Gateway) prepareIndex(e *table.Endpoint, withIndex string, c *pipeline.Call) (*indexCall, authz.Request, error) {
	req, err := g.indexRequest(c, e)
	if err != nil {
		return nil, authz.Request{}, err
	}
	return &indexCall{g: g, e: e, c: c, req: req, withIndex: withIndex}, authz.Request{Action: e.Action, Index: req.primary}, nil
}

// send checks the API's further actions on the granted names and forwards
// the request with them, and with body (nil: the request's own).
func (ic *indexCall) send(ctx context.Context, d authz.Decision, body []byte) (*http.Response, error) {
	res := d.Indices()
	if err := checkFurther(d, ic.e, res.Names); err != nil {
		return nil, err
	}
	path, err := ic.g.forwardPath(d, ic.e, ic.c, ic.req, res, ic.withIndex)
	if err != nil {
		return nil, err
	}
	return ic.g.send(ctx, ic.c, path, dropQuery(ic.c.URL.RawQuery, captureNames(ic.e.Path)...), body)
}

// indexRequest is an index row's request, as authorization sees it.
type indexRequest struct {
	primary *authz.IndexRequest
	param   string // the capture holding the primary names ("" for All)
}

// indexRequest reads a request's index expressions and options. Path
// parameters win over query parameters of the same name, as in
// Elasticsearch, except where the path has no index: there ?index= names
// the indices (RestRequest merges both), so it is honoured, and dropped
// from what is forwarded.
func (g *Gateway) indexRequest(c *pipeline.Call, e *table.Endpoint) (indexRequest, error) {
	def, err := defaults(e)
	if err != nil {
		return indexRequest{}, err
	}
	opts, err := indices.ParseOptions(c.Param, def)
	if err != nil {
		return indexRequest{}, err
	}
	r := indexRequest{primary: &authz.IndexRequest{Options: opts, Metadata: g.metadata}}
	t := e.Targets[0]
	switch t.From {
	case table.Path, table.Single:
		r.param = t.Param
		r.primary.Expressions = indices.Split(c.PathParam(t.Param))
		r.primary.Single = t.From == table.Single
	case table.All:
		if v, ok := c.Param("index"); ok {
			r.primary.Expressions = indices.Split(v)
		}
	case table.None:
		r.primary.NoIndices = true
	}
	if table.NameOnly(e.Action) {
		r.primary.NameOnly = true
	}
	c.ConsumeAll()
	return r, nil
}

// checkFurther checks the other actions an API runs with the caller's
// rights (a by-query's search and bulk, a cat API's cluster state).
func checkFurther(d authz.Decision, e *table.Endpoint, names []string) error {
	for _, a := range e.Actions[1:] {
		if roles.IsClusterAction(a) {
			if err := d.CheckCluster(a); err != nil {
				return err
			}
			continue
		}
		for _, n := range names {
			if err := d.CheckIndex(a, n); err != nil {
				return err
			}
		}
	}
	return nil
}

// forwardPath is the path to send: the authorized names in place of the
// expressions (Elasticsearch's own "*,-*" when none is left), or, when
// that would not fit in a request line, the expressions as written where
// the caller's roles provably cover all they could match.
func (g *Gateway) forwardPath(d authz.Decision, e *table.Endpoint, c *pipeline.Call, r indexRequest, res indicesResolution, withIndex string) (string, error) {
	names := res.Names
	if res.NoIndices {
		names = []string{"*", "-*"}
	}
	if r.primary.NoIndices || r.primary.NameOnly {
		return c.URL.EscapedPath(), nil
	}
	pattern, raw := e.Path, c.URL.EscapedPath()
	if r.param == "" {
		if withIndex == "" {
			return "", eserr.IllegalArgument("esauth cannot forward [%s %s] with index names", e.Method, e.Path)
		}
		pattern, raw = withIndex, insertIndex(withIndex, e.Path, raw)
	}
	path := rewrite(pattern, raw, map[string][]string{indexParam(r.param): names})
	if len(path) <= maxForwardPath {
		return path, nil
	}
	if short := shorten(d, e.Action, r.primary.Expressions, res); short != nil {
		if path := rewrite(pattern, raw, map[string][]string{indexParam(r.param): short}); len(path) <= maxForwardPath {
			return path, nil
		}
	}
	return "", &eserr.Error{Type: "illegal_argument_exception", Status: http.StatusBadRequest,
		Reason: "the request resolves to " + itoa(len(names)) + " indices, too many to name in one request to the cluster; narrow the index expression to what your roles grant"}
}

type indicesResolution = indices.Resolution

func indexParam(p string) string {
	if p == "" {
		return "index"
	}
	return p
}

// indexedVariant finds the path of the same API with an {index} capture,
// where a row without one forwards the names it resolved: /{index}/_search
// for /_search, /_cat/indices/{index} for /_cat/indices.
func indexedVariant(e *table.Endpoint, all []table.Endpoint) string {
	if len(e.Targets) == 0 || e.Targets[0].From != table.All {
		return ""
	}
	for _, o := range all {
		if o.Method == e.Method && strings.Contains(o.Path, "{index}") && strings.Replace(o.Path, "/{index}", "", 1) == e.Path {
			return o.Path
		}
	}
	return ""
}

// insertIndex maps a request path of a row without {index} onto the
// segments of its indexed variant, leaving the index segment empty for
// rewrite to fill.
func insertIndex(withIndex, pattern, raw string) string {
	capture := map[string]string{}
	pat, segs := segments(pattern), segments(raw)
	for i, s := range pat {
		if name, ok := strings.CutPrefix(s, "{"); ok && i < len(segs) {
			capture[strings.TrimSuffix(name, "}")] = segs[i]
		}
	}
	var b strings.Builder
	for _, s := range segments(withIndex) {
		b.WriteByte('/')
		if name, ok := strings.CutPrefix(s, "{"); ok {
			b.WriteString(capture[strings.TrimSuffix(name, "}")])
		} else {
			b.WriteString(s)
		}
	}
	return b.String()
}

// captureNames are the names of a path's captures.
func captureNames(path string) []string {
	var out []string
	for _, s := range segments(path) {
		if name, ok := strings.CutPrefix(s, "{"); ok {
			out = append(out, strings.TrimSuffix(name, "}"))
		}
	}
	return out
}

// dropQuery removes parameters from a raw query string, keeping the rest
// as sent. ?index= is always dropped: the path names the indices the
// cluster may touch.
func dropQuery(raw string, names ...string) string {
	if raw == "" {
		return ""
	}
	drop := map[string]bool{"index": true}
	for _, n := range names {
		drop[n] = true
	}
	var kept []string
	for _, kv := range strings.Split(raw, "&") {
		k, _, _ := strings.Cut(kv, "=")
		if key, err := url.QueryUnescape(k); err == nil && drop[key] {
			continue
		}
		kept = append(kept, kv)
	}
	return strings.Join(kept, "&")
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return string(b[i:])
}
