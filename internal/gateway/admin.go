package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/esauth/esauth/internal/authz"
	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/gateway/table"
	"github.com/esauth/esauth/internal/indices"
	"github.com/esauth/esauth/internal/pipeline"
	"github.com/esauth/esauth/internal/rest"
)

const actionAliases = "indices:admin/aliases"

// decodeBody reads a JSON object keeping numbers as written.
func decodeBody(body []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, eserr.Parse("failed to parse the request body: %v", err)
	}
	return m, nil
}

// names reads a field that holds one name or a list of them.
func names(v any) []string {
	switch x := v.(type) {
	case string:
		return indices.Split(x)
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// createIndex creates the path's index; aliases named in the body need
// indices:admin/aliases on the index and on each alias
// (AuthorizationService), and may not widen what the index allows.
func (g *Gateway) createIndex(e *table.Endpoint) prepareFunc {
	return func(c *pipeline.Call) (pipeline.Prepared, error) {
		param := e.Targets[0].Param
		exprs := indices.Split(c.PathParam(param))
		body := c.Content()
		var aliases []string
		if len(body) > 0 {
			m, err := decodeBody(body)
			if err != nil {
				return pipeline.Prepared{}, err
			}
			if a, ok := m["aliases"].(map[string]any); ok {
				for name := range a {
					aliases = append(aliases, name)
				}
			}
		}
		c.ConsumeAll()
		return pipeline.Prepared{
			Authz: authz.Request{Action: e.Action, Index: &authz.IndexRequest{Expressions: exprs, Single: true, Metadata: g.metadata}},
			Run: func(ctx context.Context, d authz.Decision) (*rest.Response, error) {
				index := d.Indices().Names[0]
				for _, alias := range aliases {
					if err := g.mayAlias(d, index, alias); err != nil {
						return nil, err
					}
				}
				path := rewrite(e.Path, c.URL.EscapedPath(), map[string][]string{param: {index}})
				resp, err := g.send(ctx, c, path, dropQuery(c.URL.RawQuery, param), body)
				if err != nil {
					return nil, err
				}
				return g.stream(resp), nil
			},
		}, nil
	}
}

// mayAlias checks adding alias to index: indices:admin/aliases on both,
// and no action allowed on the alias that the index does not allow.
func (g *Gateway) mayAlias(d authz.Decision, index, alias string) error {
	for _, n := range []string{index, alias} {
		if err := d.CheckIndex(actionAliases, n); err != nil {
			return err
		}
	}
	if d.Restricted(actionAliases, index) {
		return eserr.IllegalArgument("Alias requests are not allowed for users who have field or document level security enabled on one of the indices")
	}
	if !d.ActionsWithin(alias, index) {
		return eserr.Security(http.StatusForbidden, "Adding an alias is not allowed when the alias has more permissions than any of the indices")
	}
	return nil
}

// updateAliases authorizes every index and alias of the actions (the
// body's, or the path's index and alias): indices:admin/aliases on each,
// index wildcards narrowed to authorized names, the escalation guard on
// each added alias, and indices:admin/delete for remove_index.
func (g *Gateway) updateAliases(e *table.Endpoint) prepareFunc {
	return func(c *pipeline.Call) (pipeline.Prepared, error) {
		body := c.Content()
		fromPath := len(e.Targets) > 0 && e.Targets[0].From == table.Path
		var actions []any
		if !fromPath {
			m, err := decodeBody(body)
			if err != nil {
				return pipeline.Prepared{}, err
			}
			if actions, _ = m["actions"].([]any); len(actions) == 0 {
				var v eserr.Validator
				v.Add("At least one action is required")
				return pipeline.Prepared{}, v.Err()
			}
		}
		c.ConsumeAll()
		return pipeline.Prepared{
			Authz: authz.Request{Action: e.Action, Index: &authz.IndexRequest{NameOnly: true}},
			Run: func(ctx context.Context, d authz.Decision) (*rest.Response, error) {
				resolve := func(exprs []string) ([]string, error) {
					res, err := d.AuthorizeIndices(ctx, actionAliases, &authz.IndexRequest{Expressions: exprs, Options: indices.StrictExpandOpen, Metadata: g.metadata})
					if err != nil {
						return nil, err
					}
					if res.NoIndices {
						return nil, eserr.IllegalArgument("no index matches [%s]", strings.Join(exprs, ","))
					}
					return res.Names, nil
				}
				if fromPath {
					idx, err := resolve(indices.Split(c.PathParam("index")))
					if err != nil {
						return nil, err
					}
					alias := c.PathParam("name")
					for _, i := range idx {
						if c.Method != http.MethodDelete {
							if err := g.mayAlias(d, i, alias); err != nil {
								return nil, err
							}
						} else if err := d.CheckIndex(actionAliases, alias); err != nil {
							return nil, err
						}
					}
					path := rewrite(e.Path, c.URL.EscapedPath(), map[string][]string{"index": idx})
					resp, err := g.send(ctx, c, path, dropQuery(c.URL.RawQuery, "name"), body)
					if err != nil {
						return nil, err
					}
					return g.stream(resp), nil
				}
				for _, a := range actions {
					if err := g.authorizeAliasAction(d, a, resolve); err != nil {
						return nil, err
					}
				}
				out, err := json.Marshal(map[string]any{"actions": actions})
				if err != nil {
					return nil, err
				}
				resp, err := g.send(ctx, c, c.URL.EscapedPath(), c.URL.RawQuery, out)
				if err != nil {
					return nil, err
				}
				return g.stream(resp), nil
			},
		}, nil
	}
}

// authorizeAliasAction checks one {add|remove|remove_index: {...}} action
// and rewrites its index expressions to the authorized names.
func (g *Gateway) authorizeAliasAction(d authz.Decision, a any, resolve func([]string) ([]string, error)) error {
	obj, ok := a.(map[string]any)
	if !ok || len(obj) != 1 {
		return eserr.Parse("an alias action must be an object with one of [add, remove, remove_index]")
	}
	for op, v := range obj {
		spec, ok := v.(map[string]any)
		if !ok {
			return eserr.Parse("[%s] must be an object", op)
		}
		exprs := append(names(spec["index"]), names(spec["indices"])...)
		idx, err := resolve(exprs)
		if err != nil {
			return err
		}
		delete(spec, "index")
		spec["indices"] = idx
		aliases := append(names(spec["alias"]), names(spec["aliases"])...)
		switch op {
		case "add":
			for _, i := range idx {
				for _, al := range aliases {
					if err := g.mayAlias(d, i, al); err != nil {
						return err
					}
				}
			}
		case "remove":
			for _, al := range aliases {
				if strings.Contains(al, "*") {
					return eserr.IllegalArgument("esauth needs alias names, not patterns, to remove aliases: [%s]", al)
				}
				if err := d.CheckIndex(actionAliases, al); err != nil {
					return err
				}
			}
		case "remove_index":
			for _, i := range idx {
				if err := d.CheckIndex("indices:admin/delete", i); err != nil {
					return err
				}
			}
		default:
			return eserr.Parse("unknown alias action [%s]", op)
		}
	}
	return nil
}

// reindex reads from the source as a search and writes to the
// destination as bulk items would: the source narrowed to authorized
// indices, the destination's write (and auto_create) checked; remote
// sources and scripts that may move documents elsewhere are refused.
func (g *Gateway) reindex(e *table.Endpoint) prepareFunc {
	return func(c *pipeline.Call) (pipeline.Prepared, error) {
		m, err := decodeBody(c.Content())
		if err != nil {
			return pipeline.Prepared{}, err
		}
		src, _ := m["source"].(map[string]any)
		dst, _ := m["dest"].(map[string]any)
		if src == nil || dst == nil {
			var v eserr.Validator
			v.Add("use _reindex with a source and a dest")
			return pipeline.Prepared{}, v.Err()
		}
		c.ConsumeAll()
		return pipeline.Prepared{
			Authz: authz.Request{Action: e.Action, Index: &authz.IndexRequest{NameOnly: true}},
			Run: func(ctx context.Context, d authz.Decision) (*rest.Response, error) {
				if _, remote := src["remote"]; remote {
					return nil, eserr.Security(http.StatusForbidden, "esauth does not forward a reindex from a remote cluster: the cluster behind would read it with no check")
				}
				if script, ok := m["script"]; ok && strings.Contains(stringify(script), "_index") {
					return nil, eserr.Security(http.StatusForbidden, "esauth does not forward a reindex whose script may change a document's index: it cannot see where the documents go")
				}
				res, err := d.AuthorizeIndices(ctx, "indices:data/read/search", &authz.IndexRequest{Expressions: names(src["index"]), Options: indices.StrictExpandOpen, Metadata: g.metadata})
				if err != nil {
					return nil, err
				}
				if res.NoIndices {
					return nil, &eserr.Error{Type: "index_not_found_exception", Status: http.StatusNotFound,
						Reason: "no such index [" + strings.Join(names(src["index"]), ",") + "]"}
				}
				src["index"] = res.Names
				dest, _ := dst["index"].(string)
				action := actionIndex
				if op, _ := dst["op_type"].(string); op == "create" {
					action = actionCreate
				}
				out, err := d.AuthorizeIndices(ctx, action, &authz.IndexRequest{Expressions: []string{dest}, Single: true, Metadata: g.metadata})
				if err != nil {
					return nil, err
				}
				dst["index"] = out.Names[0]
				if err := g.mayAutoCreate(ctx, d, out.Names[0]); err != nil {
					return nil, err
				}
				body, err := json.Marshal(m)
				if err != nil {
					return nil, err
				}
				resp, err := g.send(ctx, c, c.URL.EscapedPath(), c.URL.RawQuery, body)
				if err != nil {
					return nil, err
				}
				return g.stream(resp), nil
			},
		}, nil
	}
}

func stringify(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// resize shrinks, splits or clones the authorized source into a target
// that may not allow more than the source does (ResizeRequestInterceptor).
func (g *Gateway) resize(e *table.Endpoint) prepareFunc {
	return func(c *pipeline.Call) (pipeline.Prepared, error) {
		source := indices.Split(c.PathParam("index"))
		target := c.PathParam("target")
		body := c.Content()
		c.ConsumeAll()
		return pipeline.Prepared{
			Authz: authz.Request{Action: e.Action, Index: &authz.IndexRequest{Expressions: source, Single: true, Metadata: g.metadata}},
			Run: func(ctx context.Context, d authz.Decision) (*rest.Response, error) {
				src := d.Indices().Names[0]
				if d.Restricted(e.Action, src) {
					return nil, eserr.IllegalArgument("Resize requests are not allowed for users when field or document level security is enabled on the source index")
				}
				if !d.ActionsWithin(target, src) {
					return nil, eserr.Security(http.StatusForbidden, "Resizing an index is not allowed when the target index has more permissions than the source index")
				}
				path := rewrite(e.Path, c.URL.EscapedPath(), map[string][]string{"index": {src}})
				resp, err := g.send(ctx, c, path, dropQuery(c.URL.RawQuery, "target"), body)
				if err != nil {
					return nil, err
				}
				return g.stream(resp), nil
			},
		}, nil
	}
}

// painlessExecute is a cluster action, unless the body names an index in
// context_setup: then it reads that index (SecurityActionMapper).
func (g *Gateway) painlessExecute(e *table.Endpoint) prepareFunc {
	return func(c *pipeline.Call) (pipeline.Prepared, error) {
		body := c.Content()
		c.ConsumeAll()
		req := authz.Request{Action: e.Action}
		if len(body) > 0 {
			m, err := decodeBody(body)
			if err != nil {
				return pipeline.Prepared{}, err
			}
			if cs, ok := m["context_setup"].(map[string]any); ok {
				if idx, ok := cs["index"].(string); ok && idx != "" {
					req = authz.Request{Action: "indices:data/read/scripts/painless/execute",
						Index: &authz.IndexRequest{Expressions: []string{idx}, Single: true, Metadata: g.metadata}}
				}
			}
		}
		return pipeline.Prepared{Authz: req, Run: func(ctx context.Context, d authz.Decision) (*rest.Response, error) {
			resp, err := g.send(ctx, c, c.URL.EscapedPath(), c.URL.RawQuery, body)
			if err != nil {
				return nil, err
			}
			return g.stream(resp), nil
		}}, nil
	}
}
