package gateway

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/esauth/esauth/internal/authz"
	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/gateway/items"
	"github.com/esauth/esauth/internal/gateway/table"
	"github.com/esauth/esauth/internal/indices"
	"github.com/esauth/esauth/internal/pipeline"
	"github.com/esauth/esauth/internal/rest"
	"github.com/esauth/esauth/internal/upstream"
)

// The actions Elasticsearch decides each item of a multi-item request
// with, after the coordinating action's name-only check.
const (
	actionMgetShard = "indices:data/read/mget[shard]"
	actionSearch    = "indices:data/read/search"
)

// errDLSUpdate is BulkShardRequestInterceptor's answer to an update item
// on an index the roles restrict with document or field level security.
var errDLSUpdate = &eserr.Error{Type: "security_exception", Status: http.StatusBadRequest,
	Reason: "Can't execute a bulk item request with update requests embedded if field or document level security is enabled"}

// bulkAction is the action an item of a bulk is decided with.
func bulkAction(op string) string {
	switch op {
	case "create":
		return actionCreate
	case "update":
		return actionUpdate
	case "delete":
		return actionDelete
	}
	return actionIndex
}

// checkKey is one decision of a bulk: an operation on an index.
type checkKey struct{ op, index string }

// bulk forwards the items of a _bulk the caller may write, each decided
// as Elasticsearch decides it on its shard, and answers the others in
// their places with Elasticsearch's item errors.
func (g *Gateway) bulk(e *table.Endpoint) prepareFunc {
	return func(c *pipeline.Call) (pipeline.Prepared, error) {
		def := pathDefault(e, c)
		c.ConsumeAll()
		return pipeline.Prepared{
			Authz: authz.Request{Action: e.Action, Index: &authz.IndexRequest{NameOnly: true}},
			Run: func(ctx context.Context, d authz.Decision) (*rest.Response, error) {
				body, err := g.multiBody(c)
				if err != nil {
					return nil, err
				}
				now := time.Now()
				autoCreate := map[string]error{}
				checked := map[checkKey]error{}
				decide := func(it items.BulkItem) error {
					name := it.Index
					if strings.HasPrefix(name, "<") {
						resolved, err := indices.ResolveDateMath(name, now)
						if err != nil {
							return err
						}
						name = resolved
					}
					if it.Op != "delete" {
						// The cluster creates a missing target before any
						// item runs, and a refusal fails every item for it.
						err, seen := autoCreate[name]
						if !seen {
							err = g.mayAutoCreate(ctx, d, name)
							autoCreate[name] = err
						}
						if err != nil {
							return err
						}
					}
					// Items repeat a few indices and ops: each pair is
					// decided once.
					k := checkKey{it.Op, name}
					err, seen := checked[k]
					if !seen {
						err = d.CheckIndex(bulkAction(it.Op), name)
						if it.Op == "update" && errors.Is(err, authz.ErrFieldOrDocumentSecurity) {
							err = errDLSUpdate
						}
						checked[k] = err
					}
					return err
				}
				return relay(ctx, g, c, func(open func() (io.Writer, error)) ([]items.Verdict, error) {
					return items.FilterBulk(body, def, 0, decide, open)
				}, func(v items.Verdict) error { return v.Err }, items.SpliceBulk)
			},
		}, nil
	}
}

// mget forwards the documents of an _mget the caller may read and
// answers the others in their places.
func (g *Gateway) mget(e *table.Endpoint) prepareFunc {
	return func(c *pipeline.Call) (pipeline.Prepared, error) {
		def := pathDefault(e, c)
		c.ConsumeAll()
		return pipeline.Prepared{
			Authz: authz.Request{Action: e.Action, Index: &authz.IndexRequest{NameOnly: true}},
			Run: func(ctx context.Context, d authz.Decision) (*rest.Response, error) {
				r, err := g.multiBody(c)
				if err != nil {
					return nil, err
				}
				body, err := io.ReadAll(r)
				if err != nil {
					return nil, readErr(err)
				}
				decide := func(doc items.MgetDoc) error {
					if strings.ContainsAny(doc.Index, "*,") {
						return eserr.IllegalArgument("esauth forwards an _mget document only with one index, not the expression [%s]", doc.Index)
					}
					name, err := g.concrete(ctx, doc.Index)
					if err != nil {
						return err
					}
					return d.CheckIndex(actionMgetShard, name)
				}
				fwd, verdicts, err := items.FilterMget(body, def, decide)
				if err != nil {
					return nil, err
				}
				var resp *http.Response
				if fwd != nil {
					if resp, err = g.sendDecoded(ctx, c, fwd); err != nil {
						return nil, err
					}
				}
				return g.spliced(c, resp, denied(verdicts, func(v items.MgetVerdict) error { return v.Err }), func(r io.Reader, w io.Writer) error {
					return items.SpliceMget(r, verdicts, w)
				}), nil
			},
		}, nil
	}
}

// msearch forwards the searches of an _msearch (or _msearch/template)
// the caller may run, each narrowed to the indices its roles grant as a
// search of its own would be, and answers the others in their places.
func (g *Gateway) msearch(e *table.Endpoint) prepareFunc {
	return func(c *pipeline.Call) (pipeline.Prepared, error) {
		base, err := defaults(e)
		if err != nil {
			return pipeline.Prepared{}, err
		}
		// Options of the URL are every item's defaults, as in
		// MultiSearchRequest.readMultiLineFormat.
		opts, err := indices.ParseOptions(c.Param, base)
		if err != nil {
			return pipeline.Prepared{}, err
		}
		def := indices.Split(pathDefault(e, c))
		c.ConsumeAll()
		return pipeline.Prepared{
			Authz: authz.Request{Action: e.Action, Index: &authz.IndexRequest{NameOnly: true}},
			Run: func(ctx context.Context, d authz.Decision) (*rest.Response, error) {
				body, err := g.multiBody(c)
				if err != nil {
					return nil, err
				}
				decide := func(it items.SearchItem) ([]string, error) {
					o, err := indices.ParseOptions(func(name string) (string, bool) {
						v, ok := it.Params[name]
						return v, ok
					}, opts)
					if err != nil {
						return nil, err
					}
					res, err := d.AuthorizeIndices(ctx, actionSearch, &authz.IndexRequest{Expressions: it.Indices, Options: o, Metadata: g.metadata})
					if err != nil {
						return nil, err
					}
					if res.NoIndices || len(res.Names) == 0 {
						return []string{"*", "-*"}, nil
					}
					return res.Names, nil
				}
				return relay(ctx, g, c, func(open func() (io.Writer, error)) ([]items.SearchVerdict, error) {
					return items.FilterMsearch(body, def, 0, decide, open)
				}, func(v items.SearchVerdict) error { return v.Err }, items.SpliceMsearch)
			},
		}, nil
	}
}

// relay runs a streaming item filter over a body, forwards the items it
// kept once the whole body was read, and answers with the cluster's items
// and the denied ones merged in request order.
func relay[V any](ctx context.Context, g *Gateway, c *pipeline.Call, filter func(open func() (io.Writer, error)) ([]V, error),
	errOf func(V) error, splice func(io.Reader, []V, io.Writer) error) (*rest.Response, error) {
	var kept held
	if n := c.Request.Request.ContentLength; n > 0 && c.Request.Request.Header.Get("Content-Encoding") == "" {
		// What is kept cannot outgrow what came, which the limit bounds.
		kept.buf.Grow(int(n))
	}
	verdicts, err := filter(kept.open)
	if err != nil {
		return nil, readErr(err)
	}
	resp, err := g.forwardHeld(ctx, c, &kept)
	if err != nil {
		return nil, err
	}
	return g.spliced(c, resp, denied(verdicts, errOf), func(r io.Reader, w io.Writer) error {
		return splice(r, verdicts, w)
	}), nil
}

// pathDefault is the index a multi-item path names for items that name
// none.
func pathDefault(e *table.Endpoint, c *pipeline.Call) string {
	for _, t := range e.Targets {
		if t.Param != "" {
			return c.PathParam(t.Param)
		}
	}
	return ""
}

// denied reports whether any item was answered in place by the gateway.
func denied[V any](verdicts []V, errOf func(V) error) bool {
	return slices.ContainsFunc(verdicts, func(v V) bool { return errOf(v) != nil })
}

// spliced answers a multi-item request: the cluster's answer as it came
// when it covers every item and needs no filtering here, else the items
// merged in request order (resp nil: nothing was forwarded). An answer
// other than 200 is the cluster's verdict on the whole request and goes
// back as it came.
func (g *Gateway) spliced(c *pipeline.Call, resp *http.Response, anyDenied bool, splice func(io.Reader, io.Writer) error) *rest.Response {
	_, filtered := c.Param("filter_path")
	if resp != nil && (resp.StatusCode != http.StatusOK || (!anyDenied && !filtered)) {
		return g.stream(resp)
	}
	return &rest.Response{Status: http.StatusOK, Body: rest.Streamer(func(w *bufio.Writer) error {
		var r io.Reader
		if resp != nil {
			defer resp.Body.Close()
			r = resp.Body
		}
		return splice(r, w)
	})}
}

// forwardQuery is the query a multi-item request is forwarded with:
// filter_path is applied here, after the gateway's own items are merged
// in, since the cluster's filtered answer could not be merged with them.
func forwardQuery(c *pipeline.Call) string {
	return dropQuery(c.URL.RawQuery, "filter_path")
}

// concrete is the index an _mget document is read from: the one index of
// an alias, since the cluster decides the shard request on it; any other
// name as it is.
func (g *Gateway) concrete(ctx context.Context, name string) (string, error) {
	md, err := g.metadata(ctx, false)
	if err != nil {
		return "", err
	}
	a, ok := md.Lookup(name)
	if !ok || a.Kind != indices.KindAlias || len(a.Indices) != 1 {
		return name, nil
	}
	return a.Indices[0], nil
}

// multiBody is a multi-item request's body as the cluster reads it:
// decoded when gzip, and within http.max_content_length (decoded).
func (g *Gateway) multiBody(c *pipeline.Call) (io.Reader, error) {
	r := c.Request.Request
	limit := g.opt.MaxContentLength
	if limit <= 0 {
		limit = 100 << 20
	}
	if r.ContentLength > limit {
		return nil, tooLong(r.ContentLength, limit)
	}
	var body io.Reader = http.NoBody
	if r.Body != nil {
		body = &limited{r: r.Body, left: limit + 1, limit: limit}
	}
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
		return body, nil
	case "gzip", "x-gzip":
		return items.Gunzip(body, limit)
	default:
		return nil, eserr.IllegalArgument("unsupported Content-Encoding [%s]: esauth reads gzip or plain bodies", enc)
	}
}

// limited fails with the 413 once more than limit bytes were read.
type limited struct {
	r           io.Reader
	left, limit int64
}

func (l *limited) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, tooLong(l.limit+1, l.limit)
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left <= 0 && err == nil {
		return n, tooLong(l.limit+1, l.limit)
	}
	return n, err
}

func tooLong(n, limit int64) error {
	return &eserr.Error{Type: "content_too_long_exception", Status: http.StatusRequestEntityTooLarge,
		Reason: "entity content is too long [" + itoa(int(n)) + "] for the configured buffer limit [" + itoa(int(limit)) + "]"}
}

// readErr keeps an Elasticsearch error met while reading a body and words
// any other as the failed read it is.
func readErr(err error) error {
	var e *eserr.Error
	if err == nil || errors.As(err, &e) {
		return err
	}
	return eserr.Parse("failed to read request body: %v", err)
}

// held collects the items a filter keeps. They go to the cluster only
// once the whole body has been read and found well formed: a cluster
// that runs items as they arrive (8.x's incremental bulk) would otherwise
// run the first items of a request that later proves malformed.
type held struct {
	buf    bytes.Buffer
	opened bool
}

func (h *held) open() (io.Writer, error) {
	h.opened = true
	return &h.buf, nil
}

// sendDecoded forwards a body the gateway decoded and filtered: it goes
// without the caller's Content-Encoding, and asks for a plain answer,
// into which the gateway may merge its own items.
func (g *Gateway) sendDecoded(ctx context.Context, c *pipeline.Call, body []byte) (*http.Response, error) {
	req := upstream.NewRequest(c.Request.Request)
	req.RawQuery = forwardQuery(c)
	req.Header = req.Header.Clone()
	for _, h := range []string{"Content-Encoding", "Content-Length", "Accept-Encoding"} {
		req.Header.Del(h)
	}
	req.Body, req.ContentLength = bytes.NewReader(body), int64(len(body))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return g.do(ctx, c, req)
}

// forwardHeld sends what a filter kept, if anything.
func (g *Gateway) forwardHeld(ctx context.Context, c *pipeline.Call, h *held) (*http.Response, error) {
	if !h.opened {
		return nil, nil
	}
	return g.sendDecoded(ctx, c, h.buf.Bytes())
}
