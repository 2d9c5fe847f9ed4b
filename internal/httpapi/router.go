package httpapi

import (
	"net/url"
	"strings"
)

// pattern is a route path split into segments; "{name}" segments capture.
type pattern []string

func parsePattern(p string) pattern { return strings.Split(strings.Trim(p, "/"), "/") }

// match compares the raw (still escaped) request path with the pattern and
// returns the unescaped captures. Escaped slashes stay inside one segment,
// so "a%2Fb" is one username, as in Elasticsearch.
func (p pattern) match(segs []string) (map[string]string, int, bool) {
	if len(segs) != len(p) {
		return nil, 0, false
	}
	var params map[string]string
	literals := 0
	for i, s := range p {
		if strings.HasPrefix(s, "{") {
			v, err := url.PathUnescape(segs[i])
			if err != nil || v == "" {
				return nil, 0, false
			}
			if params == nil {
				params = make(map[string]string, 1)
			}
			params[s[1:len(s)-1]] = v
			continue
		}
		if s != segs[i] {
			return nil, 0, false
		}
		literals++
	}
	return params, literals, true
}

// router finds routes. Paths without captures, the hot ones such as
// _authenticate, are found by one map lookup; the rest by a scan.
type router struct {
	routes []*route
	exact  map[string]map[string]*route // trimmed path, method
}

func newRouter(routes []*route) *router {
	rt := &router{routes: routes, exact: map[string]map[string]*route{}}
	for _, r := range routes {
		r.label = r.method + " " + r.path
		if strings.Contains(r.path, "{") {
			continue
		}
		p := strings.Trim(r.path, "/")
		if rt.exact[p] == nil {
			rt.exact[p] = map[string]*route{}
		}
		rt.exact[p][r.method] = r
	}
	return rt
}

// lookup finds the route for a method and raw path the way Elasticsearch's
// RestController walks its path trie: candidate paths are tried from the
// most literal to the most general, and the first that has the method
// wins. So PUT /_security/user/_password is the self change-password route
// while GET /_security/user/_password still finds the user "_password".
// With no route for the method, allowed lists the methods of every
// matching path (for the 405), in Elasticsearch's method order.
func (rt *router) lookup(method, rawPath string) (*route, map[string]string, []string) {
	trimmed := strings.Trim(rawPath, "/")
	// A route without captures that matches is the most literal match.
	if r := rt.exact[trimmed][method]; r != nil {
		return r, nil, nil
	}
	segs := strings.Split(trimmed, "/")
	var found *route
	var params map[string]string
	best := -1
	for _, r := range rt.routes {
		if r.method != method {
			continue
		}
		if p, score, ok := r.pat.match(segs); ok && score > best {
			found, params, best = r, p, score
		}
	}
	if found != nil {
		return found, params, nil
	}
	seen := make(map[string]bool)
	for _, r := range rt.routes {
		if _, _, ok := r.pat.match(segs); ok {
			seen[r.method] = true
		}
	}
	var allowed []string
	for _, m := range methodOrder {
		if seen[m] {
			allowed = append(allowed, m)
		}
	}
	return nil, nil, allowed
}

// methodOrder is the declaration order of Elasticsearch's RestRequest.Method.
var methodOrder = []string{"GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE", "CONNECT"}
