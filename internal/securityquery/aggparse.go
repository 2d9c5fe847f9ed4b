package securityquery

import (
	"strings"

	"github.com/esauth/esauth/internal/eserr"
)

// rawAgg is one parsed aggregation, before translation: what
// AggregatorFactories.parseAggregators and the builders' parsers make of
// the body.
type rawAgg struct {
	name, typ string
	off       int // the type's object, for errors
	subs      []*rawAgg

	// Values-source aggregations (terms, range, date_range, missing,
	// cardinality, value_count).
	field    string
	hasField bool
	ref      fref
	script   bool
	missing  *scalar

	// terms
	size, minDocCount int
	order             []bucketOrder
	include, exclude  *termFilter

	// range and date_range
	ranges   []rawRange
	keyed    bool
	format   string
	timeZone string

	// composite
	sources  []*compositeSource
	after    *node
	hasAfter bool

	// filter and filters
	filter         query
	filters        []namedFilter
	filtersKeyed   bool
	otherBucket    bool
	otherBucketKey string
}

type rawRange struct {
	key      *string
	from, to *scalar
}

type namedFilter struct {
	key string
	q   query
}

type compositeSource struct {
	name, typ     string
	field         string
	hasField      bool
	ref           fref
	script        bool
	missingBucket bool
	desc          bool
}

// bucketOrder is one terms "order": _count, _key or a sub-aggregation.
type bucketOrder struct {
	path string
	desc bool
}

// termFilter is a terms include or exclude: a regex or exact values.
type termFilter struct {
	values map[string]bool
	re     *luceneRegexp
}

// knownAggs are the aggregation types an 8.x node registers, with whether
// each is a pipeline aggregation. The query APIs allow few of them; the
// rest parse (esauth does not read their bodies) and are then refused.
var knownAggs = map[string]bool{
	"adjacency_matrix": false, "auto_date_histogram": false, "avg": false, "boxplot": false,
	"cardinality": false, "categorize_text": false, "composite": false, "date_histogram": false,
	"date_range": false, "diversified_sampler": false, "extended_stats": false, "filter": false,
	"filters": false, "frequent_item_sets": false, "geo_bounds": false, "geo_centroid": false,
	"geo_distance": false, "geo_line": false, "geohash_grid": false, "geohex_grid": false,
	"geotile_grid": false, "global": false, "histogram": false, "ip_prefix": false, "ip_range": false,
	"matrix_stats": false, "max": false, "median_absolute_deviation": false, "min": false,
	"missing": false, "multi_terms": false, "nested": false, "percentile_ranks": false,
	"percentiles": false, "random_sampler": false, "range": false, "rare_terms": false,
	"rate": false, "reverse_nested": false, "sampler": false, "scripted_metric": false,
	"significant_terms": false, "significant_text": false, "stats": false, "string_stats": false,
	"sum": false, "t_test": false, "terms": false, "time_series": false, "top_hits": false,
	"top_metrics": false, "value_count": false, "variable_width_histogram": false, "weighted_avg": false,
	"avg_bucket": true, "bucket_correlation": true, "bucket_count_ks_test": true, "bucket_script": true,
	"bucket_selector": true, "bucket_sort": true, "cumulative_cardinality": true, "cumulative_sum": true,
	"derivative": true, "extended_stats_bucket": true, "inference": true, "max_bucket": true,
	"min_bucket": true, "moving_fn": true, "moving_percentiles": true, "normalize": true,
	"percentiles_bucket": true, "serial_diff": true, "stats_bucket": true, "sum_bucket": true,
}

func aggNames() []string {
	out := make([]string, 0, len(knownAggs))
	for n := range knownAggs {
		out = append(out, n)
	}
	return out
}

// leafOnly are the metrics aggregations, which take no sub-aggregations.
func leafOnly(typ string) bool { return typ == "cardinality" || typ == "value_count" }

// aggregations is AggregatorFactories.parseAggregators on an object.
func (p *parser) aggregations(n *node, level int) ([]*rawAgg, *failure) {
	var out []*rawAgg
	for i, name := range n.keys {
		v := n.vals[i]
		if strings.ContainsAny(name, "[]>") {
			return nil, parsing(n.koff[i], "Invalid aggregation name [%s]. Aggregation names can contain any character except '[', ']', and '>'", name)
		}
		if v.kind != kObject {
			return nil, parsing(v.off, "Aggregation definition for [%s starts with a [%s], expected a [START_OBJECT].", name, v.kind)
		}
		a := &rawAgg{name: name, size: 10, minDocCount: 1}
		var subs *node
		for j, key := range v.keys {
			body := v.vals[j]
			if body.kind != kObject {
				return nil, parsing(body.off, "Expected [START_OBJECT] under [%s], but got a [%s] in [%s]", key, body.kind, name)
			}
			switch key {
			case "meta":
			case "aggs", "aggregations":
				if subs != nil {
					return nil, parsing(body.off, "Found two sub aggregation definitions under [%s]", name)
				}
				subs = body
				var f *failure
				if a.subs, f = p.aggregations(body, level+1); f != nil {
					return nil, f
				}
			default:
				if a.typ != "" {
					return nil, parsing(body.off, "Found two aggregation type definitions in [%s]: [%s] and [%s]", name, a.typ, key)
				}
				if _, ok := knownAggs[key]; !ok {
					e := parsing(v.koff[j], "Unknown aggregation type [%s]%s", key, didYouMean(key, aggNames()))
					e.err.CausedBy = p.xcp(v.koff[j], v.koff[j], "unknown field [%s]", key).err
					e.err.CausedBy.Type = "named_object_not_found_exception"
					return nil, e
				}
				a.typ, a.off = key, body.off
				if f := p.aggBody(a, body); f != nil {
					return nil, f
				}
			}
		}
		if a.typ == "" {
			return nil, parsing(v.end, "Missing definition for aggregation [%s]", name)
		}
		if subs != nil && leafOnly(a.typ) {
			return nil, &failure{newErr("aggregation_initialization_exception", 500,
				"Aggregator ["+name+"] of type ["+a.typ+"] cannot accept sub-aggregations"), v.end}
		}
		out = append(out, a)
	}
	return out, nil
}

// aggBody parses the body of one of the aggregations the query APIs
// allow; other types are left unread.
func (p *parser) aggBody(a *rawAgg, body *node) *failure {
	switch a.typ {
	case "terms", "range", "date_range", "missing", "cardinality", "value_count":
		return p.valuesSourceAgg(a, body)
	case "composite":
		return p.compositeAgg(a, body)
	case "filter":
		q, f := p.innerQuery(body)
		if f != nil {
			return f
		}
		a.filter = q
	case "filters":
		return p.filtersAgg(a, body)
	}
	return nil
}

var vsFields = map[string][]string{
	"terms": {"field", "missing", "value_type", "format", "script", "size", "shard_size", "min_doc_count", "shard_min_doc_count",
		"execution_hint", "collect_mode", "order", "include", "exclude", "show_term_doc_count_error"},
	"range":       {"field", "missing", "value_type", "format", "script", "ranges", "keyed"},
	"date_range":  {"field", "missing", "value_type", "format", "script", "time_zone", "ranges", "keyed"},
	"missing":     {"field", "missing", "value_type", "format", "script"},
	"cardinality": {"field", "missing", "value_type", "format", "script", "precision_threshold", "execution_hint"},
	"value_count": {"field", "missing", "value_type", "format", "script"},
}

// valuesSourceAgg is the ObjectParser of a values-source aggregation.
func (p *parser) valuesSourceAgg(a *rawAgg, body *node) *failure {
	name := a.typ
	for i, key := range body.keys {
		v := body.vals[i]
		var f *failure
		str := func(to *string) {
			if v.kind != kString {
				f = p.wrongType(name, key, v)
				return
			}
			*to = v.str
		}
		switch {
		case key == "field":
			str(&a.field)
			a.hasField = f == nil
		case key == "missing" && name != "missing":
			if v.kind == kObject || v.kind == kArray {
				return p.wrongType(name, key, v)
			}
			m := scalarOf(v)
			a.missing = &m
		case key == "value_type" || key == "execution_hint" || key == "collect_mode":
			var s string
			str(&s)
		case key == "format":
			str(&a.format)
		case key == "time_zone" && name == "date_range":
			str(&a.timeZone)
		case key == "script":
			if v.kind != kObject && v.kind != kString {
				return p.wrongType(name, key, v)
			}
			a.script = true
		case name == "terms" && (key == "size" || key == "shard_size" || key == "min_doc_count" || key == "shard_min_doc_count"):
			if v.kind != kNumber && v.kind != kString {
				return p.wrongType(name, key, v)
			}
			var n int32
			if n, f = p.intValue(v); f != nil {
				break
			}
			switch key {
			case "size":
				if n <= 0 {
					f = illegalArg(v.off, "[size] must be greater than 0. Found [%d] in [%s]", n, a.name)
				}
				a.size = int(n)
			case "shard_size":
				if n <= 0 {
					f = illegalArg(v.off, "[shardSize] must be greater than 0. Found [%d] in [%s]", n, a.name)
				}
			case "min_doc_count":
				if n < 0 {
					f = illegalArg(v.off, "[minDocCount] must be greater than or equal to 0. Found [%d] in [%s]", n, a.name)
				}
				a.minDocCount = int(n)
			default:
				if n < 0 {
					f = illegalArg(v.off, "[shardMinDocCount] must be greater than or equal to 0. Found [%d] in [%s]", n, a.name)
				}
			}
		case name == "terms" && key == "show_term_doc_count_error":
			if v.kind != kBool && v.kind != kString {
				return p.wrongType(name, key, v)
			}
			_, f = p.booleanValue(v)
		case name == "terms" && key == "order":
			if v.kind != kObject && v.kind != kArray {
				return p.wrongType(name, key, v)
			}
			a.order, f = p.bucketOrders(v)
		case name == "terms" && (key == "include" || key == "exclude"):
			var tf *termFilter
			if tf, f = p.termFilter(v); f == nil {
				if key == "include" {
					a.include = tf
				} else {
					a.exclude = tf
				}
			}
		case (name == "range" || name == "date_range") && key == "ranges":
			if v.kind != kArray {
				return p.wrongType(name, key, v)
			}
			a.ranges, f = p.ranges(name, v)
		case (name == "range" || name == "date_range") && key == "keyed":
			if v.kind != kBool && v.kind != kString {
				return p.wrongType(name, key, v)
			}
			a.keyed, f = p.booleanValue(v)
		case name == "cardinality" && key == "precision_threshold":
			if v.kind != kNumber && v.kind != kString {
				return p.wrongType(name, key, v)
			}
			_, f = p.intValue(v)
		default:
			return p.unknownField(name, body, i, vsFields[name])
		}
		if f != nil {
			if f.err.Type == "x_content_parse_exception" && strings.Contains(f.err.Reason, "doesn't support values of type") {
				return f
			}
			return p.wrapField(name, key, f)
		}
	}
	return nil
}

// bucketOrders is InternalOrder.Parser: {"_count":"desc"} or a list of
// such objects.
func (p *parser) bucketOrders(v *node) ([]bucketOrder, *failure) {
	items := []*node{v}
	if v.kind == kArray {
		items = v.vals
	}
	var out []bucketOrder
	for _, it := range items {
		if it.kind != kObject {
			return nil, parsing(it.off, "Order elements must be of type object in [terms] found token of type [%s].", it.kind)
		}
		for j, key := range it.keys {
			dir := it.vals[j]
			if dir.kind != kString {
				return nil, parsing(dir.off, "Unexpected token [%s] for [order]", dir.kind)
			}
			o := bucketOrder{path: key}
			switch strings.ToLower(dir.str) {
			case "asc":
			case "desc":
				o.desc = true
			default:
				return nil, parsing(dir.off, "Unknown order direction [%s]", dir.str)
			}
			if key == "_term" {
				o.path = "_key"
			}
			out = append(out, o)
		}
	}
	return out, nil
}

// termFilter parses include/exclude: a regular expression string or an
// array of exact values.
func (p *parser) termFilter(v *node) (*termFilter, *failure) {
	switch v.kind {
	case kString:
		re, err := compileLuceneRegexp(v.str)
		if err != nil {
			return nil, &failure{err, v.off}
		}
		return &termFilter{re: re}, nil
	case kArray:
		tf := &termFilter{values: map[string]bool{}}
		for _, it := range v.vals {
			if !it.isValue() {
				return nil, parsing(it.off, "Unrecognized token for an include [%s]", it.kind)
			}
			tf.values[scalarOf(it).javaString()] = true
		}
		return tf, nil
	}
	return nil, parsing(v.off, "Unrecognized token for an include [%s]", v.kind)
}

func (f *termFilter) accepts(s string) bool {
	if f.values != nil {
		return f.values[s]
	}
	return f.re.matches(s)
}

// ranges parses the "ranges" of a range or date_range aggregation.
func (p *parser) ranges(name string, v *node) ([]rawRange, *failure) {
	var out []rawRange
	for _, it := range v.vals {
		if it.kind != kObject {
			return nil, p.xcp(it.off, it.off, "[%s] Expected START_OBJECT but was: %s", "range", it.kind)
		}
		var r rawRange
		for j, key := range it.keys {
			val := it.vals[j]
			switch key {
			case "from", "to":
				if val.kind == kObject || val.kind == kArray {
					return nil, p.wrongType("range", key, val)
				}
				if val.kind == kNull {
					continue
				}
				if name == "range" && val.kind == kString {
					if _, ok := parseJavaDouble(val.str); !ok {
						// RangeAggregator.Range takes strings for dates only
						// through the field's format, at build time.
						s := scalarOf(val)
						if key == "from" {
							r.from = &s
						} else {
							r.to = &s
						}
						continue
					}
				}
				s := scalarOf(val)
				if key == "from" {
					r.from = &s
				} else {
					r.to = &s
				}
			case "key":
				if val.kind != kString {
					return nil, p.wrongType("range", key, val)
				}
				k := val.str
				r.key = &k
			default:
				return nil, p.unknownField("range", it, j, []string{"from", "to", "key"})
			}
		}
		out = append(out, r)
	}
	return out, nil
}

var compositeFields = []string{"sources", "size", "after"}

// compositeAgg is CompositeAggregationBuilder's parser.
func (p *parser) compositeAgg(a *rawAgg, body *node) *failure {
	const name = "composite"
	a.size = 10
	hasSources := false
	for i, key := range body.keys {
		v := body.vals[i]
		var f *failure
		switch key {
		case "sources":
			if v.kind != kArray && v.kind != kObject {
				return p.wrongType(name, key, v)
			}
			hasSources = true
			a.sources, f = p.compositeSources(v)
		case "size":
			if v.kind != kNumber && v.kind != kString {
				return p.wrongType(name, key, v)
			}
			var n int32
			if n, f = p.intValue(v); f == nil {
				if n <= 0 {
					f = illegalArg(v.off, "[size] must be greater than 0. Found [%d] in [%s]", n, a.name)
				}
				a.size = int(n)
			}
		case "after":
			if v.kind != kObject {
				return p.wrongType(name, key, v)
			}
			a.after, a.hasAfter = v, true
		default:
			return p.unknownField(name, body, i, compositeFields)
		}
		if f != nil {
			return p.wrapField(name, key, f)
		}
	}
	if !hasSources {
		return illegalArg(body.end, "Required [sources]")
	}
	return nil
}

var termsSourceFields = []string{"field", "script", "value_type", "missing_bucket", "missing_order", "order", "format", "user_agent"}

// compositeSources parses the list of one-key {name: {type: {...}}}
// objects.
func (p *parser) compositeSources(v *node) ([]*compositeSource, *failure) {
	items := []*node{v}
	if v.kind == kArray {
		items = v.vals
	}
	var out []*compositeSource
	seen := map[string]bool{}
	for _, it := range items {
		if it.kind != kObject {
			return nil, parsing(it.off, "Failed to parse object: expecting token of type [START_OBJECT] but found [%s]", it.kind)
		}
		for j, name := range it.keys {
			def := it.vals[j]
			if def.kind != kObject || len(def.keys) == 0 {
				return nil, parsing(def.off, "Failed to parse object: expecting token of type [START_OBJECT] but found [%s]", def.kind)
			}
			typ, body := def.keys[0], def.vals[0]
			s := &compositeSource{name: name, typ: typ}
			switch typ {
			case "terms", "histogram", "date_histogram", "geotile_grid":
			default:
				return nil, parsing(def.koff[0], "invalid source type: %s", typ)
			}
			if body.kind != kObject {
				return nil, p.xcp(body.off, body.off, "[%s] Expected START_OBJECT but was: %s", typ, body.kind)
			}
			if typ == "terms" {
				if f := p.termsSource(s, body); f != nil {
					return nil, f
				}
			}
			if seen[name] {
				return nil, illegalArg(def.off, "Composite source names must be unique, found duplicates: [%s]", name)
			}
			seen[name] = true
			out = append(out, s)
		}
	}
	return out, nil
}

func (p *parser) termsSource(s *compositeSource, body *node) *failure {
	const name = "terms"
	for i, key := range body.keys {
		v := body.vals[i]
		var f *failure
		switch key {
		case "field":
			if v.kind != kString {
				return p.wrongType(name, key, v)
			}
			s.field, s.hasField = v.str, true
		case "script":
			s.script = true
		case "value_type", "format", "missing_order":
			if v.kind != kString {
				return p.wrongType(name, key, v)
			}
		case "missing_bucket":
			if v.kind != kBool && v.kind != kString {
				return p.wrongType(name, key, v)
			}
			s.missingBucket, f = p.booleanValue(v)
		case "order":
			if v.kind != kString {
				return p.wrongType(name, key, v)
			}
			switch strings.ToLower(v.str) {
			case "asc":
			case "desc":
				s.desc = true
			default:
				f = illegalArg(v.off, "Unknown order %s", v.str)
			}
		default:
			return p.unknownField(name, body, i, termsSourceFields)
		}
		if f != nil {
			return p.wrapField(name, key, f)
		}
	}
	return nil
}

// filtersAgg is FiltersAggregationBuilder.parse.
func (p *parser) filtersAgg(a *rawAgg, body *node) *failure {
	a.otherBucketKey = "_other_"
	var otherSet bool
	var keyedSet, keyed bool
	filtersSet := false
	for i, key := range body.keys {
		v := body.vals[i]
		switch key {
		case "filters":
			filtersSet = true
			switch v.kind {
			case kObject:
				a.filtersKeyed = true
				for j, k := range v.keys {
					q, f := p.innerQuery(v.vals[j])
					if f != nil {
						return f
					}
					a.filters = append(a.filters, namedFilter{key: k, q: q})
				}
			case kArray:
				for _, it := range v.vals {
					if it.kind != kObject {
						return parsing(it.off, "Unknown key for a %s in [%s]: [%s].", it.kind, a.name, key)
					}
					q, f := p.innerQuery(it)
					if f != nil {
						return f
					}
					a.filters = append(a.filters, namedFilter{q: q})
				}
			default:
				return parsing(v.off, "Unknown key for a %s in [%s]: [%s].", v.kind, a.name, key)
			}
		case "other_bucket":
			if v.kind != kBool {
				return parsing(v.off, "Unknown key for a %s in [%s]: [%s].", v.kind, a.name, key)
			}
			a.otherBucket = v.b
		case "other_bucket_key":
			if v.kind != kString {
				return parsing(v.off, "Unknown key for a %s in [%s]: [%s].", v.kind, a.name, key)
			}
			a.otherBucketKey, otherSet = v.str, true
		case "keyed":
			if v.kind != kBool {
				return parsing(v.off, "Unknown key for a %s in [%s]: [%s].", v.kind, a.name, key)
			}
			keyedSet, keyed = true, v.b
		default:
			return parsing(v.off, "Unknown key for a %s in [%s]: [%s].", v.kind, a.name, key)
		}
	}
	if !filtersSet {
		return parsing(body.end, "Missing [filters] in filters aggregation [%s]", a.name)
	}
	if otherSet && !a.otherBucket {
		a.otherBucket = true // a key for the other bucket asks for it
	}
	if keyedSet && !keyed {
		a.filtersKeyed = false
	}
	return nil
}

// translateAggs is ApiKeyAggregationsBuilder.process: pipeline
// aggregations at the top are refused first; then each aggregation, and
// after it its sub-aggregations, is checked and its fields translated.
func (s *Schema) translateAggs(aggs []*rawAgg) error {
	for _, a := range aggs {
		if knownAggs[a.typ] {
			return eserr.IllegalArgument("Unsupported aggregation of type [%s]", a.typ)
		}
	}
	for _, a := range aggs {
		if err := s.translateAgg(a); err != nil {
			return err
		}
	}
	return nil
}

func (s *Schema) translateAgg(a *rawAgg) error {
	switch a.typ {
	case "terms", "range", "date_range", "missing", "cardinality", "value_count":
		if a.script {
			return eserr.IllegalArgument("Unsupported script value source for [%s] agg", a.name)
		}
		if !a.hasField {
			return nullField()
		}
		r, err := s.translateField(a.field, false)
		if err != nil {
			return err
		}
		a.ref = r
	case "composite":
		for _, src := range a.sources {
			if src.script {
				return eserr.IllegalArgument("Unsupported script value source for [%s] of composite agg [%s]", src.name, a.name)
			}
			if src.typ != "terms" {
				return eserr.IllegalArgument("Unsupported value source type for [%s] of composite agg [%s].Only [terms] value sources are allowed.", src.name, a.name)
			}
			if !src.hasField {
				return nullField()
			}
			r, err := s.translateField(src.field, false)
			if err != nil {
				return err
			}
			src.ref = r
		}
	case "filter":
		q, err := s.translate(a.filter)
		if err != nil {
			return err
		}
		a.filter = q
	case "filters":
		for i := range a.filters {
			q, err := s.translate(a.filters[i].q)
			if err != nil {
				return err
			}
			a.filters[i].q = q
		}
	default:
		if knownAggs[a.typ] {
			return eserr.IllegalArgument("Unsupported aggregation of type [%s]", a.typ)
		}
		return eserr.IllegalArgument("Unsupported API Keys agg [%s] of type [%s]", a.name, a.typ)
	}
	for _, sub := range a.subs {
		if err := s.translateAgg(sub); err != nil {
			return err
		}
	}
	return nil
}

// nullField is what translating an absent field name ends in.
func nullField() *eserr.Error {
	return newErr("null_pointer_exception", 500, `Cannot invoke "String.indexOf(int)" because "str" is null`)
}
