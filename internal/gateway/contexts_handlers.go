package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/esauth/esauth/internal/authz"
	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/gateway/table"
	"github.com/esauth/esauth/internal/pipeline"
	"github.com/esauth/esauth/internal/rest"
	"github.com/esauth/esauth/internal/timevalue"
)

// Keep-alives when a request gives none: a scroll's and a point in time's
// must be given, an async search's defaults to five days.
const (
	defaultKeepAlive      = 5 * time.Minute
	defaultAsyncKeepAlive = 5 * 24 * time.Hour
)

// keepAlive reads a keep-alive parameter ("1m"), or def.
func keepAlive(v string, def time.Duration) time.Duration {
	if d, err := timevalue.Parse("keep_alive", v); err == nil && d > 0 {
		return d
	}
	return def
}

// missingContext is Elasticsearch's answer for a scroll or point in time
// that does not exist, or belongs to someone else.
func missingContext(id string) error {
	return &eserr.Error{Type: "search_context_missing_exception", Status: http.StatusNotFound,
		Reason: "No search context found for id [" + id + "]"}
}

// search is the search handler: an index request, where a point in time
// in the body replaces the path's indices (it must be the caller's own),
// and where ?scroll= opens a scroll bound to its owner.
func (g *Gateway) search(e *table.Endpoint, all []table.Endpoint) prepareFunc {
	withIndex := indexedVariant(e, all)
	return func(c *pipeline.Call) (pipeline.Prepared, error) {
		body := c.Content()
		if pit := pitID(body); pit != "" {
			c.ConsumeAll()
			return pipeline.Prepared{
				// The point in time's indices were authorized when it was
				// opened; the search needs read somewhere, as a scroll does.
				Authz: authz.Request{Action: e.Action, Index: &authz.IndexRequest{NoIndices: true}},
				Run: func(ctx context.Context, d authz.Decision) (*rest.Response, error) {
					if err := g.mustOwn(ctx, c, kindPIT, pit); err != nil {
						return nil, err
					}
					resp, err := g.send(ctx, c, c.URL.EscapedPath(), dropQuery(c.URL.RawQuery), body)
					if err != nil {
						return nil, err
					}
					return g.stream(resp), nil
				},
			}, nil
		}
		scroll, scrolling := c.Query()["scroll"]
		ic, req, err := g.prepareIndex(e, withIndex, c)
		if err != nil {
			return pipeline.Prepared{}, err
		}
		return pipeline.Prepared{Authz: req, Run: func(ctx context.Context, d authz.Decision) (*rest.Response, error) {
			resp, err := ic.send(ctx, d, body)
			if err != nil {
				return nil, err
			}
			if scrolling {
				if err := g.bind(ctx, c, resp, kindScroll, "_scroll_id", keepAlive(last(scroll), defaultKeepAlive)); err != nil {
					return nil, err
				}
			}
			return g.stream(resp), nil
		}}, nil
	}
}

// bind binds the id the cluster answered with (in field) to the caller,
// before the client can see and use it.
func (g *Gateway) bind(ctx context.Context, c *pipeline.Call, resp *http.Response, kind, field string, keep time.Duration) error {
	id := peekID(resp, field)
	if id == "" {
		return nil
	}
	if err := g.contexts.record(ctx, kind, id, c.Auth, keep); err != nil {
		resp.Body.Close()
		return err
	}
	return nil
}

// pitID is the body's pit.id, if any.
func pitID(body []byte) string {
	var b struct {
		PIT struct {
			ID string `json:"id"`
		} `json:"pit"`
	}
	if len(body) == 0 || json.Unmarshal(body, &b) != nil {
		return ""
	}
	return b.PIT.ID
}

func last(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}

// mustOwn refuses a context the caller did not open, with the 404 that
// Elasticsearch answers for a context that is not there.
func (g *Gateway) mustOwn(ctx context.Context, c *pipeline.Call, kind, id string) error {
	ok, err := g.contexts.owns(ctx, kind, id, c.Auth)
	if err != nil {
		return err
	}
	if !ok {
		if kind == kindAsync {
			return &eserr.Error{Type: "resource_not_found_exception", Status: http.StatusNotFound, Reason: id}
		}
		return missingContext(id)
	}
	return nil
}

// scrollRequest is a scroll id and keep-alive, from the path, the query or
// the body.
func scrollRequest(c *pipeline.Call) (id, keep string) {
	id = c.PathParam("scroll_id")
	if v, ok := c.Param("scroll_id"); ok && id == "" {
		id = v
	}
	keep, _ = c.Param("scroll")
	var b struct {
		ScrollID string `json:"scroll_id"`
		Scroll   string `json:"scroll"`
	}
	if body := c.Content(); len(body) > 0 && json.Unmarshal(body, &b) == nil {
		if id == "" {
			id = b.ScrollID
		}
		if keep == "" {
			keep = b.Scroll
		}
	}
	return id, keep
}

// scroll continues a scroll the caller owns, and binds the id it returns.
func (g *Gateway) scroll(e *table.Endpoint) prepareFunc {
	return func(c *pipeline.Call) (pipeline.Prepared, error) {
		id, keep := scrollRequest(c)
		c.ConsumeAll()
		if id == "" {
			var v eserr.Validator
			v.Add("scrollId is missing")
			return pipeline.Prepared{}, v.Err()
		}
		return pipeline.Prepared{
			Authz: authz.Request{Action: e.Action, Index: &authz.IndexRequest{NoIndices: true}},
			Run: func(ctx context.Context, d authz.Decision) (*rest.Response, error) {
				if err := g.mustOwn(ctx, c, kindScroll, id); err != nil {
					return nil, err
				}
				resp, err := g.send(ctx, c, c.URL.EscapedPath(), c.URL.RawQuery, c.Content())
				if err != nil {
					return nil, err
				}
				if err := g.bind(ctx, c, resp, kindScroll, "_scroll_id", keepAlive(keep, defaultKeepAlive)); err != nil {
					return nil, err
				}
				return g.stream(resp), nil
			},
		}, nil
	}
}

// clearScroll clears scrolls the caller owns; "_all" is the cluster
// action Elasticsearch renames it to (SecurityActionMapper).
func (g *Gateway) clearScroll(e *table.Endpoint) prepareFunc {
	return func(c *pipeline.Call) (pipeline.Prepared, error) {
		ids := scrollIDs(c)
		c.ConsumeAll()
		action, req := e.Action, &authz.IndexRequest{NoIndices: true}
		if len(ids) == 1 && ids[0] == "_all" {
			action, req = "cluster:admin/indices/scroll/clear_all", nil
		}
		return pipeline.Prepared{
			Authz: authz.Request{Action: action, Index: req},
			Run: func(ctx context.Context, d authz.Decision) (*rest.Response, error) {
				if req != nil {
					for _, id := range ids {
						if err := g.mustOwn(ctx, c, kindScroll, id); err != nil {
							return nil, err
						}
					}
				}
				resp, err := g.send(ctx, c, c.URL.EscapedPath(), c.URL.RawQuery, c.Content())
				if err != nil {
					return nil, err
				}
				if resp.StatusCode == http.StatusOK && req != nil {
					for _, id := range ids {
						_ = g.contexts.forget(ctx, kindScroll, id)
					}
				}
				return g.stream(resp), nil
			},
		}, nil
	}
}

// scrollIDs are the ids of a clear-scroll request: the path's comma list,
// or the body's scroll_id (a string or an array).
func scrollIDs(c *pipeline.Call) []string {
	if p := c.PathParam("scroll_id"); p != "" {
		return rest.Names(p)
	}
	var b struct {
		ScrollID json.RawMessage `json:"scroll_id"`
	}
	body := c.Content()
	if len(body) == 0 || json.Unmarshal(body, &b) != nil {
		return nil
	}
	var one string
	if json.Unmarshal(b.ScrollID, &one) == nil {
		return rest.Names(one)
	}
	var many []string
	_ = json.Unmarshal(b.ScrollID, &many)
	return many
}

// pitOpen opens a point in time on the authorized indices and binds its id.
func (g *Gateway) pitOpen(e *table.Endpoint, all []table.Endpoint) prepareFunc {
	return g.opening(e, all, kindPIT, defaultKeepAlive)
}

// opening is an index request whose answer carries the id of a context
// the cluster keeps (a point in time, an async result), bound to the
// caller for its keep_alive.
func (g *Gateway) opening(e *table.Endpoint, all []table.Endpoint, kind string, def time.Duration) prepareFunc {
	withIndex := indexedVariant(e, all)
	return func(c *pipeline.Call) (pipeline.Prepared, error) {
		keep, _ := c.Param("keep_alive")
		ic, req, err := g.prepareIndex(e, withIndex, c)
		if err != nil {
			return pipeline.Prepared{}, err
		}
		return pipeline.Prepared{Authz: req, Run: func(ctx context.Context, d authz.Decision) (*rest.Response, error) {
			resp, err := ic.send(ctx, d, nil)
			if err != nil {
				return nil, err
			}
			if err := g.bind(ctx, c, resp, kind, "id", keepAlive(keep, def)); err != nil {
				return nil, err
			}
			return g.stream(resp), nil
		}}, nil
	}
}

// pitClose closes a point in time the caller owns.
func (g *Gateway) pitClose(e *table.Endpoint) prepareFunc {
	return func(c *pipeline.Call) (pipeline.Prepared, error) {
		var b struct {
			ID string `json:"id"`
		}
		body := c.Content()
		_ = json.Unmarshal(body, &b)
		c.ConsumeAll()
		return pipeline.Prepared{
			Authz: authz.Request{Action: e.Action, Index: &authz.IndexRequest{NoIndices: true}},
			Run: func(ctx context.Context, d authz.Decision) (*rest.Response, error) {
				if err := g.mustOwn(ctx, c, kindPIT, b.ID); err != nil {
					return nil, err
				}
				resp, err := g.send(ctx, c, c.URL.EscapedPath(), c.URL.RawQuery, body)
				if err != nil {
					return nil, err
				}
				if resp.StatusCode == http.StatusOK {
					_ = g.contexts.forget(ctx, kindPIT, b.ID)
				}
				return g.stream(resp), nil
			},
		}, nil
	}
}

// asyncSubmit authorizes the inner search on the targets (the submit
// itself is not index-checked), forwards, and binds the id of a result
// the cluster keeps.
func (g *Gateway) asyncSubmit(e *table.Endpoint, all []table.Endpoint) prepareFunc {
	inner := *e
	if len(e.Actions) > 1 {
		inner.Action, inner.Actions = e.Actions[1], e.Actions[1:]
	}
	return g.opening(&inner, all, kindAsync, defaultAsyncKeepAlive)
}

// asyncGet follows up on an async result the caller owns; users with
// cancel_task may delete anyone's (AsyncSearchSecurity).
func (g *Gateway) asyncGet(e *table.Endpoint) prepareFunc {
	return func(c *pipeline.Call) (pipeline.Prepared, error) {
		id := c.PathParam("id")
		c.ConsumeAll()
		return pipeline.Prepared{
			Authz: authz.Request{Action: e.Action, Index: &authz.IndexRequest{NoIndices: true}},
			Run: func(ctx context.Context, d authz.Decision) (*rest.Response, error) {
				err := g.mustOwn(ctx, c, kindAsync, id)
				if err != nil && !(c.Method == http.MethodDelete && d.CheckCluster("cluster:admin/tasks/cancel") == nil) {
					return nil, err
				}
				resp, err := g.send(ctx, c, c.URL.EscapedPath(), c.URL.RawQuery, nil)
				if err != nil {
					return nil, err
				}
				if c.Method == http.MethodDelete && resp.StatusCode == http.StatusOK {
					_ = g.contexts.forget(ctx, kindAsync, id)
				}
				return g.stream(resp), nil
			},
		}, nil
	}
}
