package indices

import (
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/esauth/esauth/internal/eserr"
)

// Resolution is what a replaceable request must be forwarded with.
type Resolution struct {
	// Names are the names to forward, de-duplicated, in a stable order
	// (expression order; each wildcard's matches sorted by name): every
	// wildcard, _all or empty-list expansion narrowed to existing names the
	// user may touch, and the explicit names the user may touch, whether
	// they exist or not (the backend then answers for missing ones as
	// Elasticsearch would).
	Names []string
	// NoIndices: nothing is left and allow_no_indices holds. Elasticsearch
	// rewrites the request to "*,-*" and answers it as on no index; the
	// caller forwards that or answers empty itself.
	NoIndices bool
	// Denied are explicit names the user may not touch, kept because
	// ignore_unavailable is false: the request is a 403 for the action
	// "on indices [...]" listing them (IndicesPermission.authorize fails
	// the whole request on any of them).
	Denied []string
}

// IndexNotFoundError is IndexNotFoundException as the security layer
// throws it: 404 index_not_found_exception, reason "no such index [X]",
// and two metadata fields that Elasticsearch renders after "reason" in
// the error object and in its root_cause: "index_uuid":"_na_" then
// "index":X (ElasticsearchException.setIndex; HashMap order of
// "es.index_uuid" and "es.index"). This path sets no resource.type or
// resource.id. Unwrap gives the eserr.Error for renderers that do not
// know the metadata.
type IndexNotFoundError struct {
	Index string
	err   *eserr.Error
}

func newIndexNotFound(index string) *IndexNotFoundError {
	return &IndexNotFoundError{Index: index, err: &eserr.Error{
		Type: "index_not_found_exception", Reason: "no such index [" + index + "]", Status: http.StatusNotFound,
		Metadata: [][2]string{{"index_uuid", "_na_"}, {"index", index}},
	}}
}

func (e *IndexNotFoundError) Error() string { return e.err.Error() }

// Unwrap returns the error's type, reason and status.
func (e *IndexNotFoundError) Unwrap() error { return e.err }

// Metadata returns the extra fields of the error object, in
// Elasticsearch's order.
func (e *IndexNotFoundError) Metadata() [][2]string {
	return [][2]string{{"index_uuid", "_na_"}, {"index", e.Index}}
}

// DeniedError is a resolution failure that Elasticsearch does not send as
// is: AuthorizationService turns every failure of replaceable-request
// resolution other than IndexNotFoundException into a 403
// security_exception for the action (AuthorizationDenialMessages
// actionDenied, with no "on indices" part) whose caused_by is Cause.
// Examples: a bad date math expression, "cluster:index" naming an unknown
// remote cluster. Unwrap gives the cause.
type DeniedError struct {
	Cause *eserr.Error
}

func (e *DeniedError) Error() string { return "access denied by index resolution: " + e.Cause.Error() }

// Unwrap returns the cause.
func (e *DeniedError) Unwrap() error { return e.Cause }

var emptyMetadata = &Metadata{byName: map[string]int32{}}

// Resolve expands a replaceable request's index expressions for a user as
// IndicesAndAliasesResolver.resolveIndicesAndAliases and
// IndexAbstractionResolver.resolveIndexAbstractions (8.x) do.
//
// allowed says whether the user's roles grant the request's action on a
// name (index, alias or data stream name, or a name that does not exist);
// it is Role.allowedIndicesMatcher(action), restricted-index rules
// included. A backing index is also allowed when its data stream is
// (RBACEngine.resolveAuthorizedIndicesFromRole); Resolve applies that
// itself. An existing name is asked about once per call, a missing one at
// most twice.
//
// Before calling, the caller must have checked that the user has the
// action on some index at all (RBACEngine: role.checkIndicesAction);
// otherwise Elasticsearch denies with the original expressions and never
// resolves. Requests that allow remote indices skip that check in
// Elasticsearch but are denied after all when they end as NoIndices, so
// for them check it after Resolve, on NoIndices only.
//
// The rules, as in the Java:
//   - No expression, or exactly "_all": every existing name the user may
//     touch that is visible to "*", when wildcards expand at all
//     (expand_wildcards has open or closed); else nothing.
//   - Each expression is date-math resolved first (now, see
//     ResolveDateMath).
//   - "-x" excludes x only after some wildcard expression has been seen;
//     otherwise the '-' is part of a name. A wildcard exclusion removes
//     everything it matches; an explicit exclusion removes one earlier
//     occurrence (List.remove), so "a*,a*,-a1" keeps a1 (8.x; 9.x removes
//     it).
//   - An expression with '*' (when wildcards expand) matches, with
//     Regex.simpleMatch ('*' only), the existing names the user may touch
//     that are visible to it: hidden names only with
//     expand_wildcards=hidden or when the expression and the name both
//     start with '.'; indices only when their state (open/closed) is
//     expanded; aliases whatever their indices' state; data streams only
//     when the request includes data streams, never system ones; backing
//     indices are hidden indices and also match through their data
//     stream's privileges. A wildcard that matches nothing is a 404 when
//     allow_no_indices is false, else nothing.
//   - Any other expression is an explicit name: kept unless
//     ignore_unavailable is true and the user may not touch it.
//   - Nothing left: NoIndices when allow_no_indices, else a 404 "no such
//     index [[e1, e2]]" over the original expressions.
//
// Errors: *IndexNotFoundError (send as is) or *DeniedError (send a 403
// with its cause).
//
// System indices: Elasticsearch hides "net-new" system indices from REST
// callers without a product-origin header; _resolve/index does not say
// which system indices are net-new, so only system data streams and their
// backing indices are hidden here. A gateway that reads its metadata
// from _resolve/index with the same (unprivileged) headers never sees
// net-new system indices anyway.
func Resolve(exprs []string, opt Options, md *Metadata, allowed func(name string) bool, now time.Time) (Resolution, error) {
	if md == nil {
		md = emptyMetadata
	}
	r := resolver{md: md, opt: opt, allowed: allowed, scratch: getScratch(len(md.entries))}
	defer r.release()
	if isAllIndices(exprs) {
		if opt.expandWildcards() {
			for i := range md.entries {
				if r.visible("*", int32(i)) && r.available(int32(i)) {
					r.add(int32(i))
				}
			}
		}
	} else {
		local := exprs
		if opt.RemoteIndices {
			var err *eserr.Error
			if local, err = splitRemote(exprs); err != nil {
				return Resolution{}, &DeniedError{Cause: err}
			}
		}
		if err := r.expressions(local, now); err != nil {
			return Resolution{}, err
		}
	}
	res := r.result()
	if len(res.Names) == 0 && len(res.Denied) == 0 {
		if opt.AllowNoIndices {
			return Resolution{NoIndices: true}, nil
		}
		return Resolution{}, newIndexNotFound(javaList(exprs))
	}
	return res, nil
}

// isAllIndices is IndexNameExpressionResolver.isAllIndices.
func isAllIndices(exprs []string) bool {
	return len(exprs) == 0 || len(exprs) == 1 && exprs[0] == "_all"
}

// javaList is Arrays.toString.
func javaList(s []string) string { return "[" + strings.Join(s, ", ") + "]" }

// splitRemote is RemoteClusterAware.groupClusterIndices with no remote
// cluster configured, which is the gateway's case: an expression
// "cluster:index" (not date math) is never local. A cluster part without
// '*' names an unknown cluster (NoSuchRemoteClusterException from
// ClusterNameExpressionResolver); one with '*' matches no cluster and the
// expression is dropped.
func splitRemote(exprs []string) ([]string, *eserr.Error) {
	var local []string
	for i, e := range exprs {
		if e == "" || e[0] == '<' || strings.HasPrefix(e, "-<") {
			local = appendLocal(local, exprs, i)
			continue
		}
		colon := strings.IndexByte(e, ':')
		if colon == 0 {
			return nil, eserr.IllegalArgument("index name [%s] is invalid because the remote part is empty", e)
		}
		if colon < 0 {
			local = appendLocal(local, exprs, i)
			continue
		}
		cluster, index := e[:colon], e[colon+1:]
		negative := strings.HasPrefix(cluster, "-")
		if negative {
			cluster = cluster[1:]
		}
		if !strings.Contains(cluster, "*") {
			return nil, &eserr.Error{Type: "no_such_remote_cluster_exception", Status: http.StatusNotFound,
				Reason: "no such remote cluster: [" + cluster + "]"}
		}
		if negative && index != "*" {
			return nil, eserr.IllegalArgument("To exclude a cluster you must specify the '*' wildcard for the index expression, but found: [%s]", index)
		}
		if local == nil {
			local = make([]string, 0, len(exprs))
			local = append(local, exprs[:i]...)
		}
	}
	if local == nil {
		return exprs, nil
	}
	return local, nil
}

// appendLocal keeps exprs[i]; local stays nil while nothing was dropped.
func appendLocal(local, exprs []string, i int) []string {
	if local == nil {
		return nil
	}
	return append(local, exprs[i])
}

// resolver is the state of one Resolve call.
type resolver struct {
	md      *Metadata
	opt     Options
	allowed func(string) bool
	*scratch
	extra      map[string]int32 // like state, for names that do not exist
	extraNames []string
}

// scratch is the per-entry bookkeeping of a call, pooled because it is
// sized by the cluster (5,000 indices: 25 KB) while most calls touch a few
// entries. Only touched entries are reset on release.
type scratch struct {
	auth  []uint8 // per entry: 0 not asked, 1 allowed, 2 not
	asked []int32 // the entries whose auth is set
	// state per entry: 0 never added; else 1 + its occurrences in the
	// list Elasticsearch would build.
	state []int32
	order []int32 // first additions: entry i, or ^k for extraNames[k]
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func getScratch(n int) *scratch {
	s := scratchPool.Get().(*scratch)
	if len(s.auth) < n {
		s.auth, s.state = make([]uint8, n), make([]int32, n)
	}
	return s
}

func (r *resolver) release() {
	s := r.scratch
	for _, i := range s.order {
		if i >= 0 {
			s.state[i] = 0
		}
	}
	for _, i := range s.asked {
		s.auth[i] = 0
	}
	s.order, s.asked = s.order[:0], s.asked[:0]
	if cap(s.order) > 1<<16 {
		s.order = nil // do not pin one huge request's buffer
	}
	r.scratch = nil
	scratchPool.Put(s)
}

func (r *resolver) expressions(exprs []string, now time.Time) error {
	wildcardSeen := false
	for _, index := range exprs {
		if index == "" {
			// index.charAt(0) on an empty element ("a,,b" in a path).
			return &DeniedError{Cause: &eserr.Error{Type: "string_index_out_of_bounds_exception",
				Status: http.StatusInternalServerError, Reason: "Index 0 out of bounds for length 0"}}
		}
		expr, minus := index, false
		if index[0] == '-' && wildcardSeen {
			expr, minus = index[1:], true
		}
		expr, err := ResolveDateMath(expr, now)
		if err != nil {
			return &DeniedError{Cause: err.(*eserr.Error)}
		}
		if r.opt.expandWildcards() && strings.Contains(expr, "*") {
			wildcardSeen = true
			if r.wildcard(expr, minus) == 0 && !r.opt.AllowNoIndices {
				return newIndexNotFound(expr)
			}
			continue
		}
		switch {
		case minus:
			r.removeOne(expr)
		case !r.opt.IgnoreUnavailable || r.check(expr):
			// Unauthorized names count as unavailable: ignore_unavailable
			// drops them here; otherwise authorization denies them.
			r.addName(expr)
		}
	}
	return nil
}

// wildcard applies one wildcard expression and returns how many names it
// matched. The names are sorted, so the literal prefix before the first
// '*' bounds the scan.
func (r *resolver) wildcard(expr string, minus bool) int {
	prefix := expr[:strings.IndexByte(expr, '*')]
	rest := expr[len(prefix):]
	anySuffix := rest == "*"
	entries := r.md.entries
	lo := sort.Search(len(entries), func(k int) bool { return entries[k].Name >= prefix })
	hi := lo + sort.Search(len(entries)-lo, func(k int) bool { return !strings.HasPrefix(entries[lo+k].Name, prefix) })
	if !minus {
		r.order = slices.Grow(r.order, hi-lo)
	}
	n := 0
	for k := lo; k < hi; k++ {
		if !anySuffix && !simpleMatch(rest, entries[k].Name[len(prefix):]) {
			continue
		}
		i := int32(k)
		if !r.visible(expr, i) || !r.available(i) {
			continue
		}
		n++
		if minus {
			if r.state[i] > 1 {
				r.state[i] = 1
			}
		} else {
			r.add(i)
		}
	}
	return n
}

// visible is IndexAbstractionResolver.isIndexVisible for a REST caller
// (system index access level NONE, aliases not ignored).
func (r *resolver) visible(expr string, i int32) bool {
	e := &r.md.entries[i]
	vis := !e.Hidden || r.opt.ExpandHidden ||
		strings.HasPrefix(e.Name, ".") && strings.HasPrefix(expr, ".") && strings.Contains(expr, "*")
	switch e.Kind {
	case KindAlias:
		// Open and closed do not apply to aliases.
		return vis
	case KindDataStream:
		return !r.opt.ExcludeDataStreams && !e.System && vis
	}
	if !vis || e.System && e.DataStream != "" {
		return false
	}
	if e.Closed {
		return r.opt.ExpandClosed
	}
	return r.opt.ExpandOpen
}

// available is membership of the authorized-and-available set
// (RBACEngine.resolveAuthorizedIndicesFromRole): existing names the
// predicate allows, plus the backing indices of allowed data streams when
// the request includes data streams. That set also leaves data streams
// out when the request excludes them; visible, asked first, already does.
func (r *resolver) available(i int32) bool {
	p := r.md.entries[i].parent
	return r.allowedEntry(i) || !r.opt.ExcludeDataStreams && p >= 0 && r.allowedEntry(p)
}

// check is AuthorizedIndices.check: an existing name is allowed by itself
// or through its data stream; a missing one by name.
func (r *resolver) check(name string) bool {
	if i, ok := r.md.byName[name]; ok {
		return r.checkEntry(i)
	}
	return r.allowed(name)
}

func (r *resolver) checkEntry(i int32) bool {
	p := r.md.entries[i].parent
	return p >= 0 && r.allowedEntry(p) || r.allowedEntry(i)
}

func (r *resolver) allowedEntry(i int32) bool {
	switch r.auth[i] {
	case 1:
		return true
	case 2:
		return false
	}
	ok := r.allowed(r.md.entries[i].Name)
	r.asked = append(r.asked, i)
	r.auth[i] = 2
	if ok {
		r.auth[i] = 1
	}
	return ok
}

func (r *resolver) add(i int32) {
	if r.state[i] == 0 {
		r.order = append(r.order, i)
		r.state[i] = 1
	}
	r.state[i]++
}

func (r *resolver) addName(name string) {
	if i, ok := r.md.byName[name]; ok {
		r.add(i)
		return
	}
	if r.extra == nil {
		r.extra = map[string]int32{}
	}
	if r.extra[name] == 0 {
		r.order = append(r.order, ^int32(len(r.extraNames)))
		r.extraNames = append(r.extraNames, name)
		r.extra[name] = 1
	}
	r.extra[name]++
}

// removeOne is List.remove(Object): one occurrence goes.
func (r *resolver) removeOne(name string) {
	if i, ok := r.md.byName[name]; ok {
		if r.state[i] > 1 {
			r.state[i]--
		}
		return
	}
	if r.extra[name] > 1 {
		r.extra[name]--
	}
}

func (r *resolver) result() Resolution {
	var res Resolution
	res.Names = make([]string, 0, len(r.order))
	for _, ref := range r.order {
		if ref >= 0 {
			if r.state[ref] > 1 {
				name := r.md.entries[ref].Name
				if r.checkEntry(ref) {
					res.Names = append(res.Names, name)
				} else {
					res.Denied = append(res.Denied, name)
				}
			}
			continue
		}
		name := r.extraNames[^ref]
		if r.extra[name] > 1 {
			if r.allowed(name) {
				res.Names = append(res.Names, name)
			} else {
				res.Denied = append(res.Denied, name)
			}
		}
	}
	return res
}

// simpleMatch is Regex.simpleMatch: '*' matches any run of characters,
// everything else matches itself.
func simpleMatch(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && pattern[p] == s[i]:
			p++
			i++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// ResolveSingle is the non-replaceable path
// (IndicesAndAliasesResolver.resolveIndicesAndAliasesWithoutWildcards):
// single-document get, index, delete, _create, _update, _explain,
// _termvectors and shard-level requests. Each name is date-math resolved
// and then authorized by name, existing or not; nothing is expanded.
//
// The errors are IllegalArgumentExceptions thrown before the security
// layer wraps anything, so they reach the client as 400
// illegal_argument_exception (derived from the code path; not observed).
// These requests do not allow remote indices, so a ':' is part of a name.
func ResolveSingle(exprs []string, action string, now time.Time) ([]string, error) {
	if len(exprs) == 0 {
		return nil, eserr.IllegalArgument("the action %s requires explicit index names, but none were provided", action)
	}
	if isAllIndices(exprs) {
		return nil, eserr.IllegalArgument("the action %s does not support accessing all indices; the provided index expression [%s] is not allowed",
			action, strings.Join(exprs, ","))
	}
	out := make([]string, 0, len(exprs))
	for _, name := range exprs {
		if strings.Contains(name, "*") {
			var wildcards []string
			for _, n := range exprs {
				if strings.Contains(n, "*") {
					wildcards = append(wildcards, n)
				}
			}
			return nil, eserr.IllegalArgument("the action %s does not support wildcards; the provided index expression(s) [%s] are not allowed",
				action, strings.Join(wildcards, ","))
		}
		resolved, err := ResolveDateMath(name, now)
		if err != nil {
			return nil, err
		}
		out = append(out, resolved)
	}
	return out, nil
}
