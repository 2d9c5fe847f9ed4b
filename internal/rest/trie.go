package rest

import (
	"fmt"
	"net/url"
	"strings"
)

// Trie finds the value registered for a method and path the way
// Elasticsearch's RestController walks its PathTrie. Paths are split on
// "/"; a segment "{name}" captures one segment of a request path. A
// request path is tried in four modes, from the most literal to the most
// general: literal segments only; a capture allowed as the first segment;
// a capture allowed as the last; captures anywhere. Within a mode a literal
// segment is preferred and a capture is the fallback. The first candidate
// that has the request's method wins; so PUT /_security/user/_password is
// the caller's own password change, not a user named "_password".
//
// A Trie is built once and then only read, so lookups need no locking.
type Trie[V any] struct {
	root  tnode[V]
	slash *Methods[V] // the value of "/"
}

type tnode[V any] struct {
	literal map[string]*tnode[V]
	wild    *tnode[V] // the capture child, if any
	capture bool      // this node is a capture
	value   *Methods[V]
}

// Methods are the values registered for one path, by method.
type Methods[V any] struct {
	// Path is the registered path, such as "/_security/user/{username}";
	// metrics label requests with it, never with the raw path.
	Path    string
	entries []methodValue[V]
}

type methodValue[V any] struct {
	method string
	value  V
	path   string
	// names are the route's capture names in path order: routes reaching
	// the same node may name a capture differently (/{index}/_rollover and
	// /{alias}/_rollover), so names belong to the route, not the node.
	names []string
}

func (m *Methods[V]) get(method string) (V, bool) {
	e := m.entry(method)
	if e == nil {
		var zero V
		return zero, false
	}
	return e.value, true
}

func (m *Methods[V]) entry(method string) *methodValue[V] {
	for i := range m.entries {
		if m.entries[i].method == method {
			return &m.entries[i]
		}
	}
	return nil
}

// Add registers v for method and path. A path registered twice for one
// method is an error.
func (t *Trie[V]) Add(method, path string, v V) error {
	segs := splitPath(path, nil)
	var names []string
	var m **Methods[V]
	if len(segs) == 0 {
		m = &t.slash
	} else {
		n := &t.root
		for _, s := range segs {
			if name, ok := captureName(s); ok {
				if n.wild == nil {
					n.wild = &tnode[V]{capture: true}
				}
				names = append(names, name)
				n = n.wild
				continue
			}
			if n.literal == nil {
				n.literal = map[string]*tnode[V]{}
			}
			next := n.literal[s]
			if next == nil {
				next = &tnode[V]{}
				n.literal[s] = next
			}
			n = next
		}
		m = &n.value
	}
	if *m == nil {
		*m = &Methods[V]{Path: path}
	}
	if _, dup := (*m).get(method); dup {
		return fmt.Errorf("rest: %s %s is registered twice", method, path)
	}
	(*m).entries = append((*m).entries, methodValue[V]{method, v, path, names})
	return nil
}

func captureName(seg string) (string, bool) {
	if len(seg) > 2 && seg[0] == '{' && seg[len(seg)-1] == '}' {
		return seg[1 : len(seg)-1], true
	}
	return "", false
}

// splitPath splits a path as Java's String.split("/") does, then drops the
// empty segment before a leading "/": trailing empty segments go, inner
// ones stay (so "//x" has an empty first segment, and "/x/" is "/x").
func splitPath(path string, dst []string) []string {
	rest, _ := strings.CutPrefix(path, "/")
	if rest == path && path == "" {
		return dst
	}
	for {
		seg, after, more := strings.Cut(rest, "/")
		dst = append(dst, seg)
		if !more {
			break
		}
		rest = after
	}
	for len(dst) > 0 && dst[len(dst)-1] == "" {
		dst = dst[:len(dst)-1]
	}
	return dst
}

// Match is the result of a lookup.
type Match[V any] struct {
	// Value is the route's value; Found reports whether there is one.
	Value  V
	Found  bool
	Params Params
	// Route is the path the value was registered with.
	Route string
	// Allowed lists, when nothing was found, the methods the path has, in
	// Elasticsearch's method order (empty: no route has this path).
	Allowed []string
}

type mode int

const (
	explicitOnly mode = iota
	wildcardRoot
	wildcardLeaf
	wildcardAny
)

// Lookup finds the value for method and a raw, still escaped, request
// path. Captures are unescaped; one that cannot be unescaped does not match.
func (t *Trie[V]) Lookup(method, rawPath string) Match[V] {
	var stack [16]string
	segs := splitPath(rawPath, stack[:0])
	if len(segs) == 0 {
		if t.slash != nil {
			if v, ok := t.slash.get(method); ok {
				return Match[V]{Value: v, Found: true, Route: "/"}
			}
			return Match[V]{Allowed: allowedMethods(t.slash)}
		}
		return Match[V]{}
	}
	if len(segs) > maxSegments {
		return Match[V]{}
	}
	var cands [4]*tnode[V]
	var leaf *tnode[V]
	for md := explicitOnly; md <= wildcardAny; md++ {
		n, captured := t.root.retrieve(segs, 0, md)
		cands[md] = n
		if n == nil {
			continue
		}
		if e := n.value.entry(method); e != nil {
			params, ok := captures(segs, captured, e.names)
			if !ok {
				continue
			}
			return Match[V]{Value: e.value, Found: true, Params: params, Route: e.path}
		}
		leaf = n
	}
	if leaf == nil {
		return Match[V]{}
	}
	var all Methods[V]
	for _, n := range cands {
		if n != nil {
			all.entries = append(all.entries, n.value.entries...)
		}
	}
	return Match[V]{Allowed: allowedMethods(&all)}
}

// maxSegments bounds the depth of a path: captures are remembered as bits
// of a uint64, and no route is nearly that deep.
const maxSegments = 64

// retrieve is PathTrie.TrieNode.retrieve: the node with a value that segs
// reach from n in mode md, or nil, and which segments it took captures for
// (bit i for segs[i]).
func (n *tnode[V]) retrieve(segs []string, i int, md mode) (*tnode[V], uint64) {
	next, usedWild := n.step(segs, i, md)
	if next == nil {
		return nil, 0
	}
	if found, captured := next.descend(segs, i, md); found != nil {
		return found, captured
	}
	if !usedWild && md != explicitOnly && n.wild != nil {
		// The literal branch led nowhere: try the capture instead.
		return n.wild.descend(segs, i, md)
	}
	return nil, 0
}

// descend goes on below n, which was chosen for segs[i].
func (n *tnode[V]) descend(segs []string, i int, md mode) (*tnode[V], uint64) {
	var bit uint64
	if n.capture {
		bit = 1 << i
	}
	if i == len(segs)-1 {
		if n.value == nil {
			return nil, 0
		}
		return n, bit
	}
	found, captured := n.retrieve(segs, i+1, md)
	return found, captured | bit
}

// captures returns the captured segments, unescaped and named by the
// route's names; false if one cannot be unescaped. Most routes have none,
// and then nothing is allocated.
func captures(segs []string, captured uint64, names []string) (Params, bool) {
	if captured == 0 {
		return nil, true
	}
	var p Params
	for i, seg := range segs {
		if captured&(1<<i) == 0 {
			continue
		}
		v, err := url.PathUnescape(seg)
		if err != nil {
			return nil, false
		}
		p = append(p, Param{Name: names[len(p)], Value: v})
	}
	return p, true
}

// step picks the child for segs[i] as PathTrie does: the literal child
// first; a capture where the mode allows one, or where the literal child
// is the last segment (or, in root mode, the first) but has no value. A
// segment "*" is the capture itself, since PathTrie keys captures by "*".
func (n *tnode[V]) step(segs []string, i int, md mode) (next *tnode[V], usedWild bool) {
	last := i == len(segs)-1
	lit := n.literal[segs[i]]
	if lit == nil {
		if segs[i] == "*" || md == wildcardAny || (md == wildcardRoot && i == 0) || (md == wildcardLeaf && last) {
			return n.wild, n.wild != nil
		}
		return nil, false
	}
	if n.wild != nil && lit.value == nil {
		if last && md >= wildcardLeaf {
			return n.wild, true
		}
		if i == 0 && md == wildcardRoot {
			return n.wild, true
		}
	}
	return lit, false
}

// methodOrder is the declaration order of Elasticsearch's RestRequest.Method.
var methodOrder = [...]string{"GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE", "CONNECT"}

func allowedMethods[V any](m *Methods[V]) []string {
	var out []string
	for _, method := range methodOrder {
		if _, ok := m.get(method); ok {
			out = append(out, method)
		}
	}
	return out
}

// Param is one path capture.
type Param struct {
	Name, Value string
}

// Params are the captures of a path, unescaped.
type Params []Param

// Get returns the capture called name.
func (p Params) Get(name string) (string, bool) {
	for _, x := range p {
		if x.Name == name {
			return x.Value, true
		}
	}
	return "", false
}
