package fakecluster

import (
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// searchReq is a parsed search: the body merged with the URL parameters
// that override it, as RestSearchAction does.
type searchReq struct {
	match       matcher
	from, size  int
	fromSet     bool
	sort        []sortKey
	source      sourceFilter
	trackTotal  int // hits.total is exact up to this; <0 leaves it out
	totalAsInt  bool
	searchAfter []any
	pitID       string
	pitKeep     time.Duration
	scroll      time.Duration
}

const maxResultWindow = 10000

func parseSearch(body []byte, q url.Values) (*searchReq, *esError) {
	r := &searchReq{match: matchAll, size: 10, trackTotal: maxResultWindow}
	var b map[string]any
	if len(body) > 0 {
		if err := decodeJSON(body, &b); err != nil {
			return nil, bodyParseError(err)
		}
	}
	var err *esError
	if r.match, err = parseQuery(b["query"]); err != nil {
		return nil, err
	}
	if q.Has("q") {
		r.match = uriQuery(q.Get("q"))
	}
	for _, p := range []struct {
		name string
		dst  *int
	}{{"from", &r.from}, {"size", &r.size}} {
		v, inBody := b[p.name]
		s := scalarString(v)
		if q.Has(p.name) {
			s, inBody = q.Get(p.name), true
		}
		if !inBody {
			continue
		}
		n, perr := strconv.Atoi(s)
		if perr != nil {
			return nil, illegalArgument("[%s] must be an integer, found [%s]", p.name, s)
		}
		if n < 0 {
			return nil, illegalArgument("[%s] parameter cannot be negative, found [%d]", p.name, n)
		}
		*p.dst = n
		if p.name == "from" {
			r.fromSet = true
		}
	}
	if r.sort, err = parseSort(b["sort"]); err != nil {
		return nil, err
	}
	if q.Has("sort") {
		r.sort = append(r.sort, parseSortParam(q.Get("sort"))...)
	}
	if r.source, err = filterFromBody(b["_source"]); err != nil {
		return nil, err
	}
	r.source = filterFromParams(q, r.source)
	if err := r.parseTrackTotal(b["track_total_hits"], q); err != nil {
		return nil, err
	}
	if sa, ok := b["search_after"].([]any); ok {
		if len(r.sort) == 0 {
			return nil, illegalArgument("Sort must contain at least one field.")
		}
		r.searchAfter = sa
	}
	if pit, ok := b["pit"].(map[string]any); ok {
		r.pitID, _ = pit["id"].(string)
		if ka, ok := pit["keep_alive"].(string); ok {
			if r.pitKeep, err = parseKeepAlive("keep_alive", ka); err != nil {
				return nil, err
			}
		}
	}
	if q.Has("scroll") {
		if r.scroll, err = parseKeepAlive("scroll", q.Get("scroll")); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func (r *searchReq) parseTrackTotal(v any, q url.Values) *esError {
	if q.Has("track_total_hits") {
		v = q.Get("track_total_hits")
	}
	switch s := scalarString(v); {
	case v == nil:
	case s == "true":
		r.trackTotal = int(^uint(0) >> 1)
	case s == "false":
		r.trackTotal = -1
	default:
		n, err := strconv.Atoi(s)
		if err != nil {
			return illegalArgument("[track_total_hits] must be a boolean or an integer, found [%s]", s)
		}
		r.trackTotal = n
	}
	if q.Get("rest_total_hits_as_int") == "true" {
		r.totalAsInt = true
	}
	return nil
}

// parseKeepAlive reads an ES time value (1m, 30s, 500ms ...) and applies the
// default search.max_keep_alive of 24h.
func parseKeepAlive(name, v string) (time.Duration, *esError) {
	units := []struct {
		suffix string
		unit   time.Duration
	}{{"nanos", time.Nanosecond}, {"micros", time.Microsecond}, {"ms", time.Millisecond},
		{"s", time.Second}, {"m", time.Minute}, {"h", time.Hour}, {"d", 24 * time.Hour}}
	for _, u := range units {
		num, ok := strings.CutSuffix(strings.TrimSpace(v), u.suffix)
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil || n < 0 {
			break
		}
		d := time.Duration(n) * u.unit
		if d > 24*time.Hour {
			return 0, illegalArgument("Keep alive for request (%s) is too large. It must be less than (1d). This limit can be set by changing the [search.max_keep_alive] cluster level setting.", v)
		}
		return d, nil
	}
	return 0, illegalArgument("failed to parse setting [%s] with value [%s] as a time value: unit is missing or unrecognized", name, v)
}

// shard is the documents of one index, live or frozen in a PIT.
type shard struct {
	index string
	docs  []*doc
}

func liveShards(ixs []*index) []shard {
	out := make([]shard, len(ixs))
	for i, ix := range ixs {
		out[i] = shard{ix.name, ix.sortedDocs()}
	}
	return out
}

type hit struct {
	index string
	d     *doc
	sort  []any
}

// run finds every matching document in shard order (index name, then
// indexing order) and sorts them. It returns the hits after search_after
// and the total, which search_after does not change.
func (r *searchReq) run(shards []shard) ([]hit, int) {
	var hits []hit
	for _, sh := range shards {
		for _, d := range sh.docs {
			if r.match(d) {
				hits = append(hits, hit{index: sh.index, d: d})
			}
		}
	}
	if len(r.sort) == 0 {
		return hits, len(hits)
	}
	for i := range hits {
		vals := make([]any, len(r.sort))
		for j, key := range r.sort {
			switch key.field {
			case "_score":
				vals[j] = score1
			case "_doc":
				vals[j] = i
			default:
				if v := fieldValues(hits[i].d.src, key.field); len(v) > 0 {
					vals[j] = v[0]
				}
			}
		}
		hits[i].sort = vals
	}
	slices.SortStableFunc(hits, func(a, b hit) int { return r.compareSort(a.sort, b.sort) })
	total := len(hits)
	if r.searchAfter != nil {
		hits = slices.DeleteFunc(hits, func(h hit) bool { return r.compareSort(h.sort, r.searchAfter) <= 0 })
	}
	return hits, total
}

// compareSort orders two sort tuples; missing values sort last either way.
func (r *searchReq) compareSort(a, b []any) int {
	for i, key := range r.sort {
		if i >= len(a) || i >= len(b) {
			return 0
		}
		x, y := a[i], b[i]
		switch {
		case x == nil && y == nil:
			continue
		case x == nil:
			return 1
		case y == nil:
			return -1
		}
		if key.field == "_score" {
			continue
		}
		c := compareValues(x, y)
		if key.desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

func (r *searchReq) sortedByField() bool {
	return len(r.sort) > 0 && !(len(r.sort) == 1 && r.sort[0].field == "_score")
}

func page(hits []hit, from, size int) []hit {
	if from >= len(hits) {
		return nil
	}
	return hits[from:min(from+size, len(hits))]
}

// body renders a search response in SearchResponse's field order.
func (r *searchReq) body(scrollID, pitID string, took int64, shards, total int, pg []hit) obj {
	o := obj{}
	if scrollID != "" {
		o = o.with("_scroll_id", scrollID)
	}
	if pitID != "" {
		o = o.with("pit_id", pitID)
	}
	o = o.with("took", took).with("timed_out", false).
		with("_shards", obj{{"total", shards}, {"successful", shards}, {"skipped", 0}, {"failed", 0}})
	hits := obj{}
	switch {
	case r.totalAsInt:
		hits = hits.with("total", total)
	case r.trackTotal < 0:
	case total > r.trackTotal:
		hits = hits.with("total", obj{{"value", r.trackTotal}, {"relation", "gte"}})
	default:
		hits = hits.with("total", obj{{"value", total}, {"relation", "eq"}})
	}
	var maxScore any
	if total > 0 && !r.sortedByField() {
		maxScore = score1
	}
	rendered := make([]obj, 0, len(pg))
	for _, h := range pg {
		var score any = score1
		if r.sortedByField() {
			score = nil
		}
		e := obj{{"_index", h.index}, {"_id", h.d.id}, {"_score", score}}
		if !r.source.off {
			e = e.with("_source", r.source.render(h.d))
		}
		if len(r.sort) > 0 {
			e = e.with("sort", h.sort)
		}
		rendered = append(rendered, e)
	}
	hits = hits.with("max_score", maxScore).with("hits", rendered)
	return o.with("hits", hits)
}

func took(k *call) int64 { return int64(time.Since(k.start) / time.Millisecond) }

func (c *Cluster) searchAPI(k *call) *reply {
	body, err := c.search(k, k.pathIndices(), k.q, k.body)
	if err != nil {
		return err.reply()
	}
	return jsonReply(200, body)
}

// search runs one search (also for _msearch items, whose header gives the
// indices and options). It returns the body on success and the error
// otherwise, for the caller to shape.
func (c *Cluster) search(k *call, indices []string, q url.Values, body []byte) (obj, *esError) {
	r, err := parseSearch(body, q)
	if err != nil {
		return nil, err
	}
	s := c.st
	if r.pitID != "" {
		if indices != nil {
			err = validation("[indices] cannot be used with point in time. Do not specify any index with point in time.")
		} else if r.scroll > 0 {
			err = validation("using [point in time] is not allowed in a scroll context")
		}
		if err != nil {
			return nil, err
		}
		p, err := s.lookupPit(r.pitID)
		if err != nil {
			return nil, err
		}
		if r.pitKeep > 0 {
			p.expires = time.Now().Add(r.pitKeep)
		}
		hits, total := r.run(p.shards)
		return r.body("", r.pitID, took(k), len(p.shards), total, page(hits, r.from, r.size)), nil
	}
	o, err := parseOptions(q, optsSearch)
	if err != nil {
		return nil, err
	}
	ixs, err := s.concrete(indices, o, true)
	if err != nil {
		return nil, err
	}
	if r.scroll > 0 && r.fromSet {
		err = validation("using [from] is not allowed in a scroll context")
		return nil, err
	}
	if r.scroll == 0 && r.from+r.size > maxResultWindow {
		err = illegalArgument("Result window is too large, from + size must be less than or equal to: [%d] but was [%d]. See the scroll api for a more efficient way to request large data sets. This limit can be set by changing the [index.max_result_window] index level setting.", maxResultWindow, r.from+r.size)
		return nil, err
	}
	hits, total := r.run(liveShards(ixs))
	if r.scroll > 0 {
		ctx := s.newScroll(r, hits, len(ixs))
		pg := page(hits, 0, r.size)
		ctx.pos = len(pg)
		return r.body(ctx.id, "", took(k), len(ixs), total, pg), nil
	}
	return r.body("", "", took(k), len(ixs), total, page(hits, r.from, r.size)), nil
}

// countAPI handles _count: a body with only "query", or q=.
func (c *Cluster) countAPI(k *call) *reply {
	match := matchAll
	if len(k.body) > 0 {
		var b map[string]any
		if err := decodeJSON(k.body, &b); err != nil {
			return bodyParseError(err).reply()
		}
		for key := range b {
			if key != "query" {
				return (&esError{status: 400, typ: "parsing_exception", reason: "request does not support [" + key + "]"}).reply()
			}
		}
		var err *esError
		if match, err = parseQuery(b["query"]); err != nil {
			return err.reply()
		}
	}
	if k.q.Has("q") {
		match = uriQuery(k.q.Get("q"))
	}
	o, err := parseOptions(k.q, optsSearch)
	if err != nil {
		return err.reply()
	}
	ixs, err := c.st.concrete(k.pathIndices(), o, true)
	if err != nil {
		return err.reply()
	}
	n := 0
	for _, ix := range ixs {
		for _, d := range ix.docs {
			if match(d) {
				n++
			}
		}
	}
	return jsonReply(200, obj{{"count", n}, {"_shards", obj{{"total", len(ixs)}, {"successful", len(ixs)}, {"skipped", 0}, {"failed", 0}}}})
}

// rawOrString accepts a JSON string or a list of strings.
func rawOrString(v json.RawMessage) []string {
	if len(v) == 0 {
		return nil
	}
	var one string
	if json.Unmarshal(v, &one) == nil {
		return splitNames(one)
	}
	var many []string
	_ = json.Unmarshal(v, &many)
	return many
}
