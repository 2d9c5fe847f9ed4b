package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/esauth/esauth/internal/authz"
	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/gateway/table"
	"github.com/esauth/esauth/internal/indices"
	"github.com/esauth/esauth/internal/metrics"
	"github.com/esauth/esauth/internal/pipeline"
	"github.com/esauth/esauth/internal/rest"
	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/upstream"
)

// Options are the gateway's collaborators.
type Options struct {
	// Upstream is the cluster behind.
	Upstream *upstream.Client
	// Store keeps who owns each scroll, point in time and async search.
	Store store.Store
	// MaxContentLength is http.max_content_length, which bounds the bodies
	// the gateway reads (and, decoded, gzip bodies).
	MaxContentLength int64
	// Metrics records forwarded requests; nil records nothing.
	Metrics *metrics.Gateway
	Log     *slog.Logger
}

// Gateway serves Elasticsearch's data plane in front of a cluster.
type Gateway struct {
	opt      Options
	contexts *contexts
	// actions are the routes' first actions, by "METHOD /path", for the
	// metrics' action family.
	actions map[string]string

	mdMu      sync.Mutex
	mdFetched time.Time
	md        *indices.Metadata
}

// New returns a gateway.
func New(opt Options) *Gateway {
	return &Gateway{opt: opt, contexts: &contexts{db: opt.Store, now: time.Now}, actions: map[string]string{}}
}

// Sweep forgets expired search contexts now and then, until ctx ends.
func (g *Gateway) Sweep(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := g.contexts.sweep(ctx); err != nil {
				g.opt.Log.Warn("forgetting expired search contexts", "err", err)
			}
		}
	}
}

// metadata is the cluster's indices, aliases and data streams: fetched by
// the upstream client (which caches it briefly and shares one fetch among
// concurrent callers) and parsed once per fetch.
func (g *Gateway) metadata(ctx context.Context, fresh bool) (*indices.Metadata, error) {
	body, fetched, err := g.opt.Upstream.ResolveIndexAll(ctx, fresh)
	if err != nil {
		g.opt.Metrics.ObserveMetadataRefresh(false)
		return nil, upstream.Err(err)
	}
	g.mdMu.Lock()
	defer g.mdMu.Unlock()
	if g.md != nil && fetched.Equal(g.mdFetched) {
		return g.md, nil
	}
	md, err := indices.ParseResolveIndex(body)
	g.opt.Metrics.ObserveMetadataRefresh(err == nil)
	if err != nil {
		return nil, fmt.Errorf("gateway: reading the cluster's _resolve/index answer: %w", err)
	}
	g.md, g.mdFetched = md, fetched
	return md, nil
}

// Routes turns the classification table into routes: every row that is
// not answered locally (the security API) and not refused is decided and
// forwarded by its handler; refused rows answer why.
func (g *Gateway) Routes(endpoints []table.Endpoint) ([]pipeline.Route, error) {
	var out []pipeline.Route
	seen := map[string]bool{}
	for i := range endpoints {
		e := &endpoints[i]
		if e.Kind == table.Local {
			continue
		}
		// The spec names one path several ways (the inference APIs' put
		// variants); the table classifies them alike, and the router has
		// one route per shape.
		if shape := e.Method + " " + shapeOf(e.Path); seen[shape] {
			continue
		} else {
			seen[shape] = true
		}
		prepare, body, err := g.handler(e, endpoints)
		if err != nil {
			return nil, fmt.Errorf("gateway: %s %s: %w", e.Method, e.Path, err)
		}
		g.actions[e.Method+" "+e.Path] = e.Action
		out = append(out, pipeline.Route{Method: e.Method, Path: e.Path, Body: body, Prepare: prepare})
	}
	return out, nil
}

type prepareFunc = func(*pipeline.Call) (pipeline.Prepared, error)

// handler picks the preparation of one row and how it reads its body.
func (g *Gateway) handler(e *table.Endpoint, all []table.Endpoint) (prepareFunc, rest.BodyPolicy, error) {
	switch e.Handler {
	case table.Refuse:
		return refuse(e), rest.BodyStreamed, nil
	case table.Forward, table.ByQuery:
		if e.Kind == table.Cluster {
			return g.cluster(e), rest.BodyStreamed, nil
		}
		return g.index(e, all), rest.BodyStreamed, nil
	case table.Search:
		return g.search(e, all), rest.BodyBuffered, nil
	case table.Scroll:
		return g.scroll(e), rest.BodyBuffered, nil
	case table.ClearScroll:
		return g.clearScroll(e), rest.BodyBuffered, nil
	case table.PITOpen:
		return g.pitOpen(e, all), rest.BodyStreamed, nil
	case table.PITClose:
		return g.pitClose(e), rest.BodyBuffered, nil
	case table.AsyncSubmit:
		return g.asyncSubmit(e, all), rest.BodyStreamed, nil
	case table.AsyncGet:
		return g.asyncGet(e), rest.BodyStreamed, nil
	case table.DocWrite:
		return g.docWrite(e), rest.BodyStreamed, nil
	case table.QueryText:
		return g.queryText(e), rest.BodyStreamed, nil
	case table.CreateIndex:
		return g.createIndex(e), rest.BodyBuffered, nil
	case table.UpdateAliases:
		return g.updateAliases(e), rest.BodyBuffered, nil
	case table.Reindex:
		return g.reindex(e), rest.BodyBuffered, nil
	case table.Resize:
		return g.resize(e), rest.BodyBuffered, nil
	case table.PainlessExecute:
		return g.painlessExecute(e), rest.BodyBuffered, nil
	case table.Bulk:
		return g.bulk(e), rest.BodyStreamed, nil
	case table.MGet:
		return g.mget(e), rest.BodyStreamed, nil
	case table.MSearch, table.MSearchTemplate:
		return g.msearch(e), rest.BodyStreamed, nil
	case table.MTermVectors:
		// Its documents may be artificial (a "doc" and no _id), which the
		// _mget reader refuses; until it has its own, it is not forwarded.
		refused := *e
		refused.Source = "_mtermvectors is not supported by the gateway; use _termvectors per document"
		return refuse(&refused), rest.BodyStreamed, nil
	}
	return nil, 0, fmt.Errorf("no handler [%s]", e.Handler)
}

// refuse answers a row esauth does not forward, saying why.
func refuse(e *table.Endpoint) prepareFunc {
	reason := e.Source
	if reason == "" {
		reason = "not supported"
	}
	return func(*pipeline.Call) (pipeline.Prepared, error) {
		return pipeline.Prepared{}, eserr.Security(http.StatusForbidden,
			"esauth does not forward [%s %s] to the cluster: %s", e.Method, e.Path, reason)
	}
}

// cluster forwards a cluster action once the caller's cluster privileges
// grant it (and every further action the API runs).
func (g *Gateway) cluster(e *table.Endpoint) prepareFunc {
	return func(c *pipeline.Call) (pipeline.Prepared, error) {
		c.ConsumeAll()
		return pipeline.Prepared{
			Authz: authz.Request{Action: e.Action},
			Run: func(ctx context.Context, d authz.Decision) (*rest.Response, error) {
				for _, a := range e.Actions[1:] {
					if err := d.CheckCluster(a); err != nil {
						return nil, err
					}
				}
				return g.forward(ctx, c, c.URL.EscapedPath(), c.URL.RawQuery)
			},
		}, nil
	}
}

// forward sends the request to the cluster with path and query, its
// body streamed, and streams the cluster's answer back.
func (g *Gateway) forward(ctx context.Context, c *pipeline.Call, path, rawQuery string) (*rest.Response, error) {
	resp, err := g.send(ctx, c, path, rawQuery, nil)
	if err != nil {
		return nil, err
	}
	return g.stream(resp), nil
}

// Fallback is the route of requests the table does not know: forwarded
// only for users who hold every cluster and index privilege (and logged),
// refused for everyone else, since esauth cannot tell what they touch.
func (g *Gateway) Fallback() *pipeline.Route {
	return &pipeline.Route{Method: "*", Path: "/{unclassified}", Body: rest.BodyStreamed,
		Prepare: func(c *pipeline.Call) (pipeline.Prepared, error) {
			c.ConsumeAll()
			return pipeline.Prepared{
				Authz: authz.Request{Action: "cluster:admin/esauth/gateway/unclassified", RequireAll: true},
				Run: func(ctx context.Context, d authz.Decision) (*rest.Response, error) {
					g.opt.Log.Warn("forwarding a request the gateway cannot classify", "method", c.Method, "path", c.URL.Path, "user", c.Auth.Effective.User.Username)
					return g.forward(ctx, c, c.URL.EscapedPath(), c.URL.RawQuery)
				},
			}, nil
		}}
}

// shapeOf is a path with its capture names left out.
func shapeOf(path string) string {
	segs := segments(path)
	for i, s := range segs {
		if strings.HasPrefix(s, "{") {
			segs[i] = "{}"
		}
	}
	return "/" + strings.Join(segs, "/")
}
