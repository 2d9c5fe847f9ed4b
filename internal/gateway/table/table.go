// Package table classifies Elasticsearch's REST endpoints for the security
// gateway: for every method and path of the REST API it says which
// transport action(s) Elasticsearch's security layer authorizes, whether
// they are checked with cluster or index privileges, where the index names
// come from, which gateway handler must process the request and the API's
// default indices options. The facts live in endpoints.tsv (embedded),
// with the Elasticsearch source each row was taken from; this file parses
// and validates them.
//
// How the gateway reads a row:
//
//   - Kind cluster: every action is checked against the user's cluster
//     privileges (roles.NamedClusterPrivilege.Grants); the request names
//     no indices ES would authorize (an index in the path of a cluster
//     action, such as GET /_cluster/health/{index}, is not authorized).
//   - Kind index: the first action is checked with index privileges on
//     the names the Targets describe, unless NameOnly says ES only asks
//     whether some index privilege grants it; further actions are child
//     actions ES authorizes with the same user: cluster-kind ones against
//     cluster privileges, index-kind ones on the same targets.
//   - Kind local: answered by esauth itself (the /_security APIs), never
//     forwarded.
//   - Kind refused: answered with 403 and never forwarded (fail closed);
//     Source is the reason.
//
// Path and query parameters share one namespace in Elasticsearch
// (RestRequest.params), and several handlers read "index" from it: a
// request such as GET /_search?index=secret searches "secret". The
// gateway must therefore either reject an "index" query parameter or
// treat it as the target wherever the path has no {index}.
package table

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/esauth/esauth/internal/roles"
)

//go:embed endpoints.tsv
var endpointsTSV string

// Kind says how a request is authorized.
type Kind string

// The kinds of endpoint.
const (
	Cluster Kind = "cluster"
	Index   Kind = "index"
	Local   Kind = "local"
	Refused Kind = "refused"
)

// From says where a request's index names come from.
type From string

// The sources of index names.
const (
	// Path: a path parameter holding a comma-separated, replaceable list:
	// wildcards, _all and date math are resolved against the names the
	// user may see, as IndicesAndAliasesResolver does.
	Path From = "path"
	// Single: a path parameter naming one index (non-replaceable request):
	// date math only, wildcards and _all rejected (gw§3.3).
	Single From = "single"
	// All: the path names no index, so the request targets every index
	// (expanded to the authorized ones).
	All From = "all"
	// None: the request carries no index names (scroll, point-in-time
	// close, async results): ES checks the id's owner or the action name.
	None From = "none"
	// Body: the handler reads index names from the request body.
	Body From = "body"
)

// Target is one source of index names.
type Target struct {
	From  From
	Param string // the path parameter, for Path and Single
}

func (t Target) String() string {
	if t.Param == "" {
		return string(t.From)
	}
	return string(t.From) + ":" + t.Param
}

// The handlers a row can name. Each one's job, for the gateway package
// that implements them:
const (
	// Forward authorizes the row's actions on its targets (rewriting a
	// Path or All target to the authorized expansion) and forwards.
	Forward = "forward"
	// LocalHandler: esauth answers the request itself (kind local).
	LocalHandler = "local"
	// Refuse: 403, never forwarded (kind refused).
	Refuse = "refuse"
	// Search: a search-like request. A ?scroll= opens a scroll whose id
	// the gateway records with its owner and authorized indices; a body
	// pit.id replaces the path indices with the point in time's own, so
	// the PIT's owner is checked instead.
	Search = "search"
	// Scroll continues a scroll: the id must belong to the caller (404
	// otherwise); the returned id is recorded again.
	Scroll = "scroll"
	// ClearScroll clears scroll ids or an SQL cursor: each must belong to
	// the caller; the id _all is renamed cluster:admin/indices/scroll/
	// clear_all (a cluster action, SecurityActionMapper) and may clear
	// only the caller's ids.
	ClearScroll = "clear_scroll"
	// PITOpen authorizes the open on its targets and records the returned
	// id with its owner and indices.
	PITOpen = "pit_open"
	// PITClose closes a point in time the caller owns.
	PITClose = "pit_close"
	// AsyncSubmit forwards a request that may leave a stored result (async
	// search, EQL): the inner search is authorized on the targets and a
	// returned id is recorded with its owner.
	AsyncSubmit = "async_submit"
	// AsyncGet follows up on a stored async result (get, stop, delete): the
	// id must belong to the caller (404 otherwise, AsyncSearchSecurity);
	// users with cancel_task may delete others' results; a delete forgets
	// the id.
	AsyncGet = "async_get"
	// Bulk: NDJSON action lines. The coordinating action is name-only; each
	// item's _index (default: the path's) is authorized with its item
	// action (op_type/index, op_type/create, update, delete), plus
	// indices:admin/auto_create for targets that may not exist; only the
	// allowed items are forwarded and 403 items are spliced back in order
	// (gw§4.1). Ingest pipelines can re-target documents the gateway cannot
	// see.
	Bulk = "bulk"
	// DocWrite: a single-document index, create, update or delete, which
	// ES runs as a one-item bulk: the coordinating action name-only, the
	// item action on the path index (op_type=create, _create and an
	// auto-generated id mean op_type/create), auto_create when the index
	// may not exist (a delete only with external versioning), and an
	// update refused under DLS/FLS.
	DocWrite = "doc_write"
	// MGet: body docs[]._index (default: the path's), each authorized with
	// indices:data/read/mget[shard]; denied docs become failure items.
	MGet = "mget"
	// MSearch: NDJSON header lines' index (default: the path's) and
	// indices options; one indices:data/read/search per item; denied items
	// become error items (gw§4.3).
	MSearch = "msearch"
	// MSearchTemplate: like MSearch with search-template items.
	MSearchTemplate = "msearch_template"
	// MTermVectors: body docs[]._index (default: the path's), each with
	// indices:data/read/mtv[shard].
	MTermVectors = "mtermvectors"
	// Reindex: body source.index (child search: read) and dest.index
	// (child bulk items: write, and auto_create); source.remote is refused
	// (remote cluster), and so is a script that can change ctx._index.
	Reindex = "reindex"
	// ByQuery: delete/update by query: the by-query action on the path
	// indices plus the child search and bulk ES runs with the caller's
	// credentials.
	ByQuery = "by_query"
	// CreateIndex: create the path index; aliases in the body need
	// indices:admin/aliases on the index and on each alias.
	CreateIndex = "create_index"
	// UpdateAliases: every index and alias of the body's actions (or of the
	// path) is authorized with indices:admin/aliases; adding an alias that
	// would grant more than its index is refused
	// (IndicesAliasesRequestInterceptor, gw§3.5).
	UpdateAliases = "update_aliases"
	// Resize: shrink, split, clone: the source is authorized; the target's
	// permissions must be a subset of the source's (ResizeRequestInterceptor).
	Resize = "resize"
	// QueryText: SQL and ES|QL, whose indices are inside a query string: the
	// gateway allows them only to users who may run the action on every
	// index, and records cursors and async ids with their owner.
	QueryText = "query_text"
	// PainlessExecute: a cluster action, unless the body's
	// context_setup.index renames it indices:data/read/scripts/painless/
	// execute on that index (SecurityActionMapper).
	PainlessExecute = "painless_execute"
)

// handlerKinds lists each handler with the kind of row it serves and
// whether it reads index names from the body.
var handlerKinds = map[string]struct {
	kinds []Kind
	body  bool
}{
	Forward:         {[]Kind{Cluster, Index}, false},
	LocalHandler:    {[]Kind{Local}, false},
	Refuse:          {[]Kind{Refused}, false},
	Search:          {[]Kind{Index}, false},
	Scroll:          {[]Kind{Index}, false},
	ClearScroll:     {[]Kind{Index}, false},
	PITOpen:         {[]Kind{Index}, false},
	PITClose:        {[]Kind{Index}, false},
	AsyncSubmit:     {[]Kind{Index}, false},
	AsyncGet:        {[]Kind{Index}, false},
	Bulk:            {[]Kind{Index}, true},
	DocWrite:        {[]Kind{Index}, false},
	MGet:            {[]Kind{Index}, true},
	MSearch:         {[]Kind{Index}, true},
	MSearchTemplate: {[]Kind{Index}, true},
	MTermVectors:    {[]Kind{Index}, true},
	Reindex:         {[]Kind{Index}, true},
	ByQuery:         {[]Kind{Index}, false},
	CreateIndex:     {[]Kind{Index}, true},
	UpdateAliases:   {[]Kind{Index}, true},
	Resize:          {[]Kind{Index}, false},
	QueryText:       {[]Kind{Index}, true},
	PainlessExecute: {[]Kind{Cluster}, false},
}

// Handlers returns the handler names a row may use, sorted.
func Handlers() []string {
	var names []string
	for name := range handlerKinds {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// Endpoint is one row of the table.
type Endpoint struct {
	Method string
	// Path in the REST spec's syntax: /{index}/_doc/{id}.
	Path string
	// Action is the action ES authorizes first (Actions[0]); empty only on
	// refused rows whose name could not be found.
	Action string
	// Actions lists every action ES authorizes for the request, Action
	// first.
	Actions []string
	Kind    Kind
	// Targets say where index names come from (index rows only).
	Targets []Target
	Handler string
	// Defaults are the API's default indices options from its spec
	// ("ignore_unavailable=false;allow_no_indices=true;expand_wildcards=open");
	// a key with no value is a parameter the spec declares without a
	// default. Empty for rows that are not index rows, and for APIs that
	// declare no indices options.
	Defaults string
	// Source names the facts' origin or, for refused rows, the reason.
	Source string
	// Line is the row's line in endpoints.tsv.
	Line int
}

// DefaultOptions returns Defaults as a map (validated when the table was
// loaded).
func (e Endpoint) DefaultOptions() map[string]string {
	m := map[string]string{}
	if e.Defaults == "" {
		return m
	}
	for _, kv := range strings.Split(e.Defaults, ";") {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

// Params returns the path's parameter names in order.
func (e Endpoint) Params() []string { return pathParams(e.Path) }

// nameOnly lists the index actions ES authorizes by name only: it asks
// whether any of the user's index privileges grants the action, and the
// items or child requests carry the index checks
// (RBACEngine.shouldAuthorizeIndexActionNameOnly, gw§1.2).
var nameOnly = map[string]bool{
	"indices:data/write/bulk":            true,
	"indices:data/write/index":           true,
	"indices:data/write/delete":          true,
	"indices:data/read/mget":             true,
	"indices:data/read/mtv":              true,
	"indices:data/read/msearch":          true,
	"indices:data/read/mpercolate":       true,
	"indices:data/read/msearch/template": true,
	"indices:data/read/search/template":  true,
	"indices:data/write/reindex":         true,
	"indices:data/read/sql":              true,
	"indices:data/read/sql/translate":    true,
}

// NameOnly reports whether ES authorizes the index action by name only.
func NameOnly(action string) bool { return nameOnly[action] }

var loaded = sync.OnceValues(func() ([]Endpoint, error) { return parse(endpointsTSV) })

// Endpoints returns the table, parsed and validated once; the slice and
// its rows are the caller's own.
func Endpoints() ([]Endpoint, error) {
	eps, err := loaded()
	if err != nil {
		return nil, err
	}
	out := make([]Endpoint, len(eps))
	for i, e := range eps {
		e.Actions = slices.Clone(e.Actions)
		e.Targets = slices.Clone(e.Targets)
		out[i] = e
	}
	return out, nil
}

const header = "method\tpath\taction\tkind\ttarget\thandler\tdefaults\tsource"

// parse reads the table: lines starting with # are comments, the first
// other line is the header, every further line a row.
func parse(text string) ([]Endpoint, error) {
	var eps []Endpoint
	seen := map[string]int{}
	sawHeader := false
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		n := i + 1
		if strings.HasPrefix(line, "#") {
			continue
		}
		if !sawHeader {
			if line != header {
				return nil, fmt.Errorf("endpoints.tsv line %d: the header must be %q", n, header)
			}
			sawHeader = true
			continue
		}
		e, err := parseRow(line, n)
		if err != nil {
			return nil, err
		}
		key := e.Method + " " + e.Path
		if prev, dup := seen[key]; dup {
			return nil, fmt.Errorf("endpoints.tsv line %d (%s): duplicate of line %d", n, key, prev)
		}
		seen[key] = n
		eps = append(eps, e)
	}
	if !sawHeader {
		return nil, fmt.Errorf("endpoints.tsv: no header")
	}
	return eps, nil
}

var methods = []string{"GET", "HEAD", "POST", "PUT", "DELETE"}

func parseRow(line string, n int) (Endpoint, error) {
	cols := strings.Split(line, "\t")
	if len(cols) != 8 {
		return Endpoint{}, fmt.Errorf("endpoints.tsv line %d: %d columns, want 8", n, len(cols))
	}
	e := Endpoint{
		Method: cols[0], Path: cols[1], Kind: Kind(cols[3]), Handler: cols[5],
		Defaults: cols[6], Source: cols[7], Line: n,
	}
	fail := func(format string, args ...any) (Endpoint, error) {
		return Endpoint{}, fmt.Errorf("endpoints.tsv line %d (%s %s): %s", n, e.Method, e.Path, fmt.Sprintf(format, args...))
	}
	if !slices.Contains(methods, e.Method) {
		return fail("unknown method")
	}
	if err := checkPath(e.Path); err != nil {
		return fail("%v", err)
	}
	if cols[2] != "" {
		e.Actions = strings.Split(cols[2], "+")
		e.Action = e.Actions[0]
	}
	if strings.TrimSpace(e.Source) == "" {
		return fail("no source (or refusal reason)")
	}
	h, ok := handlerKinds[e.Handler]
	if !ok {
		return fail("unknown handler %q", e.Handler)
	}
	switch e.Kind {
	case Cluster, Index, Local, Refused:
	default:
		return fail("unknown kind %q", e.Kind)
	}
	if !slices.Contains(h.kinds, e.Kind) {
		return fail("handler %s does not serve %s rows", e.Handler, e.Kind)
	}
	if err := checkActions(e); err != nil {
		return fail("%v", err)
	}
	if localPath(e.Path) != (e.Kind == Local) {
		return fail("the /_security APIs, and only they and esauth's own, are local")
	}
	targets, err := parseTargets(cols[4], e.Path)
	if err != nil {
		return fail("%v", err)
	}
	e.Targets = targets
	if e.Kind == Index {
		if len(targets) == 0 {
			return fail("an index row needs a target")
		}
		if slices.Contains(e.Params(), "index") && !slices.ContainsFunc(targets, func(t Target) bool { return t.Param == "index" }) {
			return fail("the path's {index} is not a target")
		}
		body := slices.ContainsFunc(targets, func(t Target) bool { return t.From == Body })
		if body && !h.body {
			return fail("handler %s does not read index names from the body", e.Handler)
		}
	} else {
		if len(targets) != 0 {
			return fail("only index rows have targets")
		}
		if e.Defaults != "" {
			return fail("only index rows have default indices options")
		}
	}
	if err := checkDefaults(e.Defaults); err != nil {
		return fail("%v", err)
	}
	return e, nil
}

// checkPath accepts /literal/{param}/... with distinct parameter names.
func checkPath(path string) error {
	if !strings.HasPrefix(path, "/") {
		return fmt.Errorf("the path must start with /")
	}
	if path == "/" {
		return nil
	}
	seen := map[string]bool{}
	for _, seg := range strings.Split(path[1:], "/") {
		if seg == "" {
			return fmt.Errorf("empty path segment")
		}
		if strings.ContainsAny(seg, "{}") {
			name, ok := strings.CutPrefix(seg, "{")
			name, ok2 := strings.CutSuffix(name, "}")
			if !ok || !ok2 || name == "" || strings.ContainsAny(name, "{}") {
				return fmt.Errorf("bad path parameter %q", seg)
			}
			if seen[name] {
				return fmt.Errorf("path parameter {%s} twice", name)
			}
			seen[name] = true
		}
	}
	return nil
}

func pathParams(path string) []string {
	var names []string
	for _, seg := range strings.Split(path, "/") {
		if name, ok := strings.CutPrefix(seg, "{"); ok {
			names = append(names, strings.TrimSuffix(name, "}"))
		}
	}
	return names
}

// actionKind is the kind ES gives an action name: cluster first
// (ClusterPrivilegeResolver), then index (IndexPrivilege); anything else
// is denied outright (AuthorizationService.authorizeAction, gw§0).
func actionKind(action string) Kind {
	switch {
	case roles.IsClusterAction(action):
		return Cluster
	case roles.IsIndexAction(action):
		return Index
	}
	return ""
}

func checkActions(e Endpoint) error {
	for _, a := range e.Actions {
		if a == "" || strings.ContainsAny(a, " *\t") {
			return fmt.Errorf("bad action name %q", a)
		}
		if actionKind(a) == "" {
			return fmt.Errorf("%s is neither a cluster nor an index action", a)
		}
	}
	switch e.Kind {
	case Refused:
		return nil
	case Index:
		if e.Action == "" {
			return fmt.Errorf("no action")
		}
		if actionKind(e.Action) != Index {
			return fmt.Errorf("%s is not an index action", e.Action)
		}
		return nil
	}
	if e.Action == "" {
		return fmt.Errorf("no action")
	}
	for _, a := range e.Actions {
		if actionKind(a) != Cluster {
			return fmt.Errorf("%s is not a cluster action", a)
		}
	}
	return nil
}

func parseTargets(col, path string) ([]Target, error) {
	if col == "" {
		return nil, nil
	}
	params := pathParams(path)
	var ts []Target
	for _, part := range strings.Split(col, "+") {
		from, param, _ := strings.Cut(part, ":")
		t := Target{From: From(from), Param: param}
		switch t.From {
		case Path, Single:
			if !slices.Contains(params, param) {
				return nil, fmt.Errorf("target %s: no {%s} in the path", part, param)
			}
			if slices.ContainsFunc(ts, func(o Target) bool { return o.Param == param }) {
				return nil, fmt.Errorf("target %s twice", part)
			}
		case All, None, Body:
			if param != "" {
				return nil, fmt.Errorf("target %s takes no parameter", from)
			}
			if slices.Contains(ts, t) {
				return nil, fmt.Errorf("target %s twice", part)
			}
		default:
			return nil, fmt.Errorf("unknown target %q", part)
		}
		ts = append(ts, t)
	}
	if slices.ContainsFunc(ts, func(t Target) bool { return t.From == None }) && len(ts) > 1 {
		return nil, fmt.Errorf("target none stands alone")
	}
	if slices.ContainsFunc(ts, func(t Target) bool { return t.From == All }) && slices.Contains(params, "index") {
		return nil, fmt.Errorf("target all with an {index} in the path")
	}
	return ts, nil
}

var wildcardStates = []string{"open", "closed", "hidden", "none", "all"}

func checkDefaults(d string) error {
	if d == "" {
		return nil
	}
	seen := map[string]bool{}
	for _, kv := range strings.Split(d, ";") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || seen[k] {
			return fmt.Errorf("bad defaults %q", d)
		}
		seen[k] = true
		switch k {
		case "ignore_unavailable", "allow_no_indices":
			if v != "" && v != "true" && v != "false" {
				return fmt.Errorf("defaults: %s=%s is not a boolean", k, v)
			}
		case "expand_wildcards":
			if v == "" {
				continue
			}
			for _, s := range strings.Split(v, ",") {
				if !slices.Contains(wildcardStates, s) {
					return fmt.Errorf("defaults: unknown expand_wildcards state %q", s)
				}
			}
		default:
			return fmt.Errorf("defaults: unknown indices option %q", k)
		}
	}
	return nil
}

// localPath reports whether esauth answers the path itself: the security
// APIs (and their 7.x /_xpack/security spelling) and esauth's own.
func localPath(path string) bool {
	for _, prefix := range []string{"/_security/", "/_xpack/security/", "/_esauth/"} {
		if strings.HasPrefix(path, prefix) {
			return true
		}
	}
	return false
}
