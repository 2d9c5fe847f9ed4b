package fakecluster

import (
	"maps"
	"net/url"
	"slices"
	"strings"
)

// indicesOptions are the per-request index resolution switches
// (ignore_unavailable, allow_no_indices, expand_wildcards).
type indicesOptions struct {
	ignoreUnavailable bool
	allowNoIndices    bool
	open              bool
	closed            bool
	hidden            bool
}

// Defaults per API, from the rest-api-spec (see es-gateway.md §3.9).
var (
	optsSearch = indicesOptions{allowNoIndices: true, open: true}
	optsDelete = indicesOptions{allowNoIndices: true, open: true, closed: true}
	optsAll    = indicesOptions{allowNoIndices: true, open: true, closed: true, hidden: true}
)

// parseOptions reads the three parameters from q, starting from def.
func parseOptions(q url.Values, def indicesOptions) (indicesOptions, *esError) {
	o := def
	var err *esError
	if o.ignoreUnavailable, err = boolParam(q, "ignore_unavailable", def.ignoreUnavailable); err != nil {
		return o, err
	}
	if o.allowNoIndices, err = boolParam(q, "allow_no_indices", def.allowNoIndices); err != nil {
		return o, err
	}
	if !q.Has("expand_wildcards") {
		return o, nil
	}
	o.open, o.closed, o.hidden = false, false, false
	for _, w := range strings.Split(q.Get("expand_wildcards"), ",") {
		switch strings.ToLower(strings.TrimSpace(w)) {
		case "open":
			o.open = true
		case "closed":
			o.closed = true
		case "hidden":
			o.hidden = true
		case "all":
			o.open, o.closed, o.hidden = true, true, true
		case "none":
		default:
			return o, illegalArgument("No enum constant org.elasticsearch.action.support.IndicesOptions.WildcardStates.%s", strings.ToUpper(w))
		}
	}
	return o, nil
}

// boolParam parses an ES boolean parameter: only "true" and "false" are
// accepted, and an empty value means the default.
func boolParam(q url.Values, name string, def bool) (bool, *esError) {
	switch v := q.Get(name); v {
	case "":
		return def, nil
	case "true":
		return true, nil
	case "false":
		return false, nil
	default:
		return def, illegalArgument("Failed to parse value [%s] as only [true] or [false] are allowed.", v)
	}
}

// splitNames splits a comma-separated index expression list as ES does
// (Strings.splitStringByCommaToArray), dropping empty parts.
func splitNames(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// named is an abstraction an expression list resolved to, and whether it was
// named explicitly (explicit names make closed indices an error).
type named struct {
	name     string
	explicit bool
}

// resolveNames expands expressions to existing abstractions the way
// IndexNameExpressionResolver does: "_all" or nothing means "*", wildcards
// match visible names, "-x" excludes only after a wildcard, explicit names
// must exist unless ignore_unavailable.
func (s *state) resolveNames(exprs []string, o indicesOptions) ([]named, *esError) {
	wild := o.open || o.closed
	if len(exprs) == 0 || (len(exprs) == 1 && exprs[0] == "_all") {
		if !wild {
			return nil, nil
		}
		exprs = []string{"*"}
	}
	var out []named
	drop := func(match func(string) bool) {
		out = slices.DeleteFunc(out, func(n named) bool { return match(n.name) })
	}
	add := func(name string, explicit bool) {
		for i := range out {
			if out[i].name == name {
				out[i].explicit = out[i].explicit || explicit
				return
			}
		}
		out = append(out, named{name, explicit})
	}
	wildcardSeen := false
	for _, e := range exprs {
		exclude := false
		if strings.HasPrefix(e, "-") && wildcardSeen {
			exclude, e = true, e[1:]
		}
		e = resolveDateMath(e)
		if wild && strings.Contains(e, "*") {
			wildcardSeen = true
			if exclude {
				drop(func(n string) bool { return simpleMatch(e, n) })
				continue
			}
			m := s.matchWildcard(e, o)
			if len(m) == 0 && !o.allowNoIndices {
				return nil, indexNotFound(e)
			}
			for _, n := range m {
				add(n, false)
			}
			continue
		}
		if exclude {
			drop(func(n string) bool { return n == e })
			continue
		}
		if strings.HasPrefix(e, "_") {
			return nil, invalidIndexName(e, "must not start with '_'.")
		}
		if s.exists(e) {
			add(e, true)
		} else if !o.ignoreUnavailable {
			err := indexNotFound(e)
			if strings.HasPrefix(e, "-") {
				err.reason += " and if you intended to exclude this index, ensure that you use wildcards that include it before explicitly excluding it"
			}
			return nil, err
		}
	}
	return out, nil
}

// matchWildcard lists every index, alias and data stream the pattern matches
// and the options make visible, sorted.
func (s *state) matchWildcard(pattern string, o indicesOptions) []string {
	var out []string
	consider := func(name string) {
		if simpleMatch(pattern, name) && s.visible(pattern, name, o) {
			out = append(out, name)
		}
	}
	for name := range s.indices {
		consider(name)
	}
	for _, a := range s.aliasNames() {
		consider(a)
	}
	for name := range s.streams {
		consider(name)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// visible is IndexAbstractionResolver.isIndexVisible without system-index
// access levels: hidden indices need expand_wildcards=hidden unless both the
// pattern and the name start with a dot; open/closed apply to indices only.
func (s *state) visible(pattern, name string, o indicesOptions) bool {
	ix := s.indices[name]
	if ix == nil {
		return true
	}
	implicit := strings.HasPrefix(pattern, ".") && strings.HasPrefix(name, ".")
	if ix.hidden && !o.hidden && !implicit {
		return false
	}
	if ix.closed {
		return o.closed
	}
	return o.open
}

// simpleMatch is ES's Regex.simpleMatch: '*' matches any run of characters,
// nothing else is special.
func simpleMatch(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return len(s) >= len(last) && strings.HasSuffix(s, last)
}

// concrete resolves expressions to concrete indices for a multi-index API.
// forbidClosed is set for APIs that cannot read closed indices (search,
// count, refresh): a closed index named explicitly is an error there unless
// ignore_unavailable, and is skipped when a wildcard reached it.
func (s *state) concrete(exprs []string, o indicesOptions, forbidClosed bool) ([]*index, *esError) {
	names, err := s.resolveNames(exprs, o)
	if err != nil {
		return nil, err
	}
	seen := map[string]*index{}
	for _, n := range names {
		for _, ix := range s.members(n.name) {
			if ix.closed {
				if !n.explicit && !o.closed {
					continue
				}
				if forbidClosed {
					if n.explicit && !o.ignoreUnavailable {
						return nil, indexClosed(ix)
					}
					continue
				}
			}
			seen[ix.name] = ix
		}
	}
	if len(seen) == 0 && !o.allowNoIndices {
		if len(exprs) == 1 && exprs[0] == "_all" {
			exprs = nil
		}
		return nil, indexNotFoundAll(exprs)
	}
	out := make([]*index, 0, len(seen))
	for _, n := range slices.Sorted(maps.Keys(seen)) {
		out = append(out, seen[n])
	}
	return out, nil
}

// readTarget resolves the one index a single-document read addresses: an
// index, or an alias or data stream with exactly one index. Wildcards are not
// expanded (strictSingleIndexNoExpandForbidClosed).
func (s *state) readTarget(name string) (*index, *esError) {
	name = resolveDateMath(name)
	m := s.members(name)
	switch {
	case len(m) == 0:
		return nil, indexNotFound(name)
	case len(m) > 1:
		names := make([]string, len(m))
		for i, ix := range m {
			names[i] = ix.name
		}
		return nil, illegalArgument("alias [%s] has more than one index associated with it [%s], can't execute a single index op",
			name, strings.Join(names, ", "))
	case m[0].closed:
		return nil, indexClosed(m[0])
	}
	return m[0], nil
}

// writeTarget resolves the index a document write goes to. A missing index
// is created when autoCreate is set (action.auto_create_index defaults to
// true); data streams accept only op_type create and write to their newest
// backing index.
func (s *state) writeTarget(name string, create, autoCreate bool) (*index, *esError) {
	name = resolveDateMath(name)
	if ds := s.streams[name]; ds != nil {
		if !create {
			return nil, illegalArgument("only write ops with an op_type of create are allowed in data streams")
		}
		return s.indices[ds.backing[len(ds.backing)-1]], nil
	}
	ix := s.indices[name]
	if ix == nil {
		m := s.aliasMembers(name)
		switch {
		case len(m) > 1:
			return nil, illegalArgument("no write index is defined for alias [%s]. The write index may be explicitly disabled using is_write_index=false or the alias points to multiple indices without one being designated as a write index", name)
		case len(m) == 1:
			ix = m[0]
		case !autoCreate:
			return nil, indexNotFound(name)
		default:
			var err *esError
			if ix, err = s.createIndex(name); err != nil {
				return nil, err
			}
		}
	}
	if ix.closed {
		return nil, indexClosed(ix)
	}
	return ix, nil
}

// resolveIndexAPI answers GET /_resolve/index/{name} with the body of
// ResolveIndexAction.Response: indices with sorted aliases and attributes,
// aliases with their sorted indices, data streams with backing indices, each
// list sorted by name. Data streams are not expanded to backing indices here.
func (c *Cluster) resolveIndexAPI(k *call) *reply {
	o, err := parseOptions(k.q, optsSearch)
	if err != nil {
		return err.reply()
	}
	exprs := splitNames(k.segs[2])
	if len(exprs) == 1 && exprs[0] == "_all" {
		exprs = []string{"*"}
	}
	s := c.st
	names, err := s.resolveNames(exprs, o)
	if err != nil {
		return err.reply()
	}
	indices, aliases, streams := []obj{}, []obj{}, []obj{}
	slices.SortFunc(names, func(a, b named) int { return strings.Compare(a.name, b.name) })
	for _, n := range names {
		switch {
		case s.indices[n.name] != nil:
			ix := s.indices[n.name]
			o := obj{{"name", ix.name}}
			if len(ix.aliases) > 0 {
				o = o.with("aliases", slices.Sorted(maps.Keys(ix.aliases)))
			}
			o = o.with("attributes", ix.attributes())
			if ix.stream != "" {
				o = o.with("data_stream", ix.stream)
			}
			indices = append(indices, o)
		case s.streams[n.name] != nil:
			ds := s.streams[n.name]
			streams = append(streams, obj{{"name", ds.name}, {"backing_indices", slices.Clone(ds.backing)}, {"timestamp_field", "@timestamp"}})
		default:
			var members []string
			for _, ix := range s.aliasMembers(n.name) {
				members = append(members, ix.name)
			}
			aliases = append(aliases, obj{{"name", n.name}, {"indices", members}})
		}
	}
	return jsonReply(200, obj{{"indices", indices}, {"aliases", aliases}, {"data_streams", streams}})
}

// attributes are sorted by name, as ResolveIndexAction sorts them.
func (ix *index) attributes() []string {
	a := []string{"open"}
	if ix.closed {
		a[0] = "closed"
	}
	if ix.hidden {
		a = append(a, "hidden")
	}
	if ix.system {
		a = append(a, "system")
	}
	slices.Sort(a)
	return a
}
