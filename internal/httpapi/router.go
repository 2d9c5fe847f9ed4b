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

// lookup finds the route for a method and raw path the way Elasticsearch's
// RestController walks its path trie: candidate paths are tried from the
// most literal to the most general, and the first that has the method
// wins. So PUT /_security/user/_password is the self change-password route
// while GET /_security/user/_password still finds the user "_password".
// With no route for the method, allowed lists the methods of every
// matching path (for the 405), in Elasticsearch's method order.
func lookup(routes []*route, method, rawPath string) (rt *route, params map[string]string, allowed []string) {
	segs := strings.Split(strings.Trim(rawPath, "/"), "/")
	best := -1
	seen := make(map[string]bool)
	for _, r := range routes {
		p, score, ok := r.pat.match(segs)
		if !ok {
			continue
		}
		seen[r.method] = true
		if r.method == method && score > best {
			rt, params, best = r, p, score
		}
	}
	if rt != nil {
		return rt, params, nil
	}
	for _, m := range methodOrder {
		if seen[m] {
			allowed = append(allowed, m)
		}
	}
	return nil, nil, allowed
}

// methodOrder is the declaration order of Elasticsearch's RestRequest.Method.
var methodOrder = []string{"GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE", "CONNECT"}
