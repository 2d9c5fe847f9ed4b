package securityquery

import (
	"strconv"
	"strings"
	"time"

	"github.com/esauth/esauth/internal/eserr"
)

// query is a parsed query clause, before field-name translation.
type query interface{}

type boolQuery struct {
	must, filter, should, mustNot []query
	msm                           *string
	adjustPureNegative            bool
}

type matchAllQuery struct{}

// matchNoneQuery is what translation makes of a simple_query_string whose
// fields name nothing queryable.
type matchNoneQuery struct{}

type idsQuery struct{ ids []string }

type termQuery struct {
	field string
	value scalar
	ci    bool
}

type termsQuery struct {
	field  string
	values []scalar
	lookup bool
}

type existsQuery struct{ field string }

type prefixQuery struct {
	field, value string
	ci           bool
}

type wildcardQuery struct {
	field, value string
	ci           bool
}

type rangeQuery struct {
	field      string
	from, to   *scalar // nil: unbounded
	incL, incU bool
	relation   bool
	format     string
	timeZone   *time.Location // nil: none given
}

type matchQuery struct {
	field          string
	text           string
	and            bool
	msm            *string
	fuzziness      *fuzziness
	prefixLength   int
	transpositions bool
	lenient        bool
	zeroTermsAll   bool
	analyzer       string
}

type sqsQuery struct {
	text            string
	fields          []string // nil: none given, which means "*"
	and             bool
	flags           int
	lenient         *bool
	msm             *string
	analyzer        string
	analyzeWildcard bool
	fuzzyPrefix     int
	transpositions  bool
	refs            []fref // the fields, once translated
}

// unsupportedQuery is a query type Elasticsearch knows but the user-query
// translator refuses.
type unsupportedQuery struct{ name string }

// maxNestedDepth is indices.query.bool.max_nested_depth's default.
const maxNestedDepth = 30

// knownQueries are the query names an 8.x node registers (server and
// default x-pack plugins). Names outside this list are "unknown query";
// names inside it that the translator does not handle parse and then fail
// translation. The value is the builder's getName() when it differs.
var knownQueries = map[string]string{
	"bool": "", "boosting": "", "combined_fields": "", "constant_score": "", "dis_max": "",
	"distance_feature": "", "exists": "", "function_score": "", "fuzzy": "", "geo_bounding_box": "",
	"geo_distance": "", "geo_grid": "", "geo_shape": "", "has_child": "", "has_parent": "", "ids": "",
	"intervals": "", "knn": "", "match": "", "match_all": "", "match_bool_prefix": "", "match_none": "",
	"match_phrase": "", "match_phrase_prefix": "", "more_like_this": "", "multi_match": "", "nested": "",
	"parent_id": "", "percolate": "", "pinned": "", "prefix": "", "query_string": "", "range": "",
	"rank_feature": "", "regexp": "", "rule": "", "script": "", "script_score": "", "semantic": "",
	"shape": "", "simple_query_string": "", "span_containing": "", "span_field_masking": "",
	"field_masking_span": "span_field_masking", "span_first": "", "span_gap": "", "span_multi": "",
	"span_near": "", "span_not": "", "span_or": "", "span_term": "", "span_within": "", "sparse_vector": "",
	"term": "", "terms": "", "terms_set": "", "text_expansion": "", "weighted_tokens": "", "wildcard": "",
	"wrapper": "",
}

func queryNames() []string {
	names := make([]string, 0, len(knownQueries))
	for n := range knownQueries {
		names = append(names, n)
	}
	return names
}

// topLevelQuery is AbstractQueryBuilder.parseTopLevelQuery: the depth
// counter starts afresh for each top-level query.
func (p *parser) topLevelQuery(n *node) (query, *failure) {
	p.depth = 0
	return p.innerQuery(n)
}

// innerQuery is AbstractQueryBuilder.parseInnerQueryBuilder on an object.
func (p *parser) innerQuery(n *node) (query, *failure) {
	if len(n.keys) == 0 {
		return nil, illegalArg(n.end, "query malformed, empty clause found at [%s]", loc(p.body, n.end))
	}
	name, body := n.keys[0], n.vals[0]
	if body.kind != kObject {
		return nil, parsing(body.off, "[%s] query malformed, no start_object after query name", name)
	}
	p.depth++
	if p.depth > maxNestedDepth {
		return nil, illegalArg(body.off, "The nested depth of the query exceeds the maximum nested depth for queries set in [indices.query.bool.max_nested_depth]")
	}
	var q query
	var f *failure
	switch name {
	case "bool":
		q, f = p.boolQuery(body)
	case "match_all":
		q, f = p.matchAllQuery(body)
	case "ids":
		q, f = p.idsQuery(body)
	case "term":
		q, f = p.termQuery(body)
	case "terms":
		q, f = p.termsQuery(body)
	case "exists":
		q, f = p.existsQuery(body)
	case "prefix":
		q, f = p.prefixQuery(body)
	case "wildcard":
		q, f = p.wildcardQuery(body)
	case "match":
		q, f = p.matchQuery(body)
	case "range":
		q, f = p.rangeQuery(body)
	case "simple_query_string":
		q, f = p.sqsQuery(body)
	default:
		canonical, known := knownQueries[name]
		if !known {
			e := parsing(body.off, "unknown query [%s]%s", name, didYouMean(name, queryNames()))
			e.err.CausedBy = p.xcp(body.off, body.off, "unknown field [%s]", name).err
			e.err.CausedBy.Type = "named_object_not_found_exception"
			return nil, e
		}
		if canonical == "" {
			canonical = name
		}
		// The real parser would read the clause; the translator then
		// refuses the type whatever its content.
		q = unsupportedQuery{canonical}
	}
	p.depth--
	if f != nil {
		return nil, f
	}
	if len(n.keys) > 1 {
		return nil, parsing(n.koff[1], "[%s] malformed query, expected [END_OBJECT] but found [FIELD_NAME]", name)
	}
	return q, nil
}

var boolFields = []string{"must", "should", "must_not", "mustNot", "filter", "adjust_pure_negative", "minimum_should_match", "_name", "boost"}

// boolQuery is BoolQueryBuilder's ObjectParser ("bool").
func (p *parser) boolQuery(n *node) (query, *failure) {
	const name = "bool"
	q := &boolQuery{adjustPureNegative: true}
	for i, key := range n.keys {
		v := n.vals[i]
		var f *failure
		switch key {
		case "must", "should", "must_not", "mustNot", "filter":
			if v.kind != kObject && v.kind != kArray && v.kind != kNull {
				return nil, p.wrongType(name, key, v)
			}
			var clauses []query
			clauses, f = p.clauses(v)
			switch key {
			case "must":
				q.must = append(q.must, clauses...)
			case "should":
				q.should = append(q.should, clauses...)
			case "filter":
				q.filter = append(q.filter, clauses...)
			default:
				q.mustNot = append(q.mustNot, clauses...)
			}
		case "adjust_pure_negative":
			if v.kind != kBool && v.kind != kString {
				return nil, p.wrongType(name, key, v)
			}
			q.adjustPureNegative, f = p.booleanValue(v)
		case "minimum_should_match":
			if v.kind == kObject || v.kind == kArray {
				return nil, p.wrongType(name, key, v)
			}
			if v.kind != kNull {
				s := v.text()
				q.msm = &s
			}
		case "_name":
			if v.kind != kString {
				return nil, p.wrongType(name, key, v)
			}
		case "boost":
			if v.kind != kNumber && v.kind != kString {
				return nil, p.wrongType(name, key, v)
			}
			f = p.boost(v)
		default:
			return nil, p.unknownField(name, n, i, boolFields)
		}
		if f != nil {
			return nil, p.wrapField(name, key, f)
		}
	}
	return q, nil
}

// clauses is declareObjectArrayOrNull with parseInnerQueryBuilder as the
// item parser. An item that is not an object makes parseInnerQueryBuilder
// step to the next token, which it then reads as the clause if it is one.
func (p *parser) clauses(v *node) ([]query, *failure) {
	switch v.kind {
	case kNull:
		return nil, nil
	case kObject:
		q, f := p.innerQuery(v)
		if f != nil {
			return nil, f
		}
		return []query{q}, nil
	}
	var out []query
	for i := 0; i < len(v.vals); i++ {
		it := v.vals[i]
		if it.kind == kArray {
			return nil, illegalState(it.off, "expected value but got [START_ARRAY]")
		}
		if it.kind != kObject {
			next := v.end
			if i+1 < len(v.vals) {
				next = v.vals[i+1].off
			}
			if i+1 >= len(v.vals) || v.vals[i+1].kind != kObject {
				return nil, parsing(next, "[_na] query malformed, must start with start_object")
			}
			i++
			it = v.vals[i]
		}
		q, f := p.innerQuery(it)
		if f != nil {
			return nil, f
		}
		out = append(out, q)
	}
	return out, nil
}

var standardFields = []string{"boost", "_name"}

// standardField handles declareStandardFields (boost, _name) for the
// ObjectParser-based queries; ok is false for any other key.
func (p *parser) standardField(name string, key string, v *node) (bool, *failure) {
	switch key {
	case "boost":
		if v.kind != kNumber && v.kind != kString {
			return true, p.wrongType(name, key, v)
		}
		if f := p.boost(v); f != nil {
			return true, p.wrapField(name, key, f)
		}
		return true, nil
	case "_name":
		if v.kind != kString {
			return true, p.wrongType(name, key, v)
		}
		return true, nil
	}
	return false, nil
}

func (p *parser) matchAllQuery(n *node) (query, *failure) {
	for i, key := range n.keys {
		if ok, f := p.standardField("match_all", key, n.vals[i]); f != nil {
			return nil, f
		} else if !ok {
			return nil, p.unknownField("match_all", n, i, standardFields)
		}
	}
	return matchAllQuery{}, nil
}

var idsFields = []string{"values", "boost", "_name"}

func (p *parser) idsQuery(n *node) (query, *failure) {
	const name = "ids"
	q := idsQuery{}
	for i, key := range n.keys {
		v := n.vals[i]
		if key == "values" {
			if v.kind != kArray && v.kind != kString {
				return nil, p.wrongType(name, key, v)
			}
			items := []*node{v}
			if v.kind == kArray {
				items = v.vals
			}
			for _, it := range items {
				if it.kind == kArray {
					return nil, p.wrapField(name, key, illegalState(it.off, "expected value but got [START_ARRAY]"))
				}
				s, f := p.text(it)
				if f != nil {
					return nil, p.wrapField(name, key, f)
				}
				q.ids = append(q.ids, s)
			}
			continue
		}
		if ok, f := p.standardField(name, key, v); f != nil {
			return nil, f
		} else if !ok {
			return nil, p.unknownField(name, n, i, idsFields)
		}
	}
	return q, nil
}

// multipleFields is throwParsingExceptionOnMultipleFields.
func multipleFields(name string, at int, have, next string, haveSet bool) *failure {
	if haveSet {
		return parsing(at, "[%s] query doesn't support multiple fields, found [%s] and [%s]", name, have, next)
	}
	return nil
}

// fieldAndValue checks what the single-field query constructors check.
func fieldAndValue(at int, field string, fieldSet bool, valueSet bool) *failure {
	if !fieldSet || field == "" {
		return illegalArg(at, "field name is null or empty")
	}
	if !valueSet {
		return illegalArg(at, "value cannot be null")
	}
	return nil
}

func (p *parser) termQuery(n *node) (query, *failure) {
	const name = "term"
	q := termQuery{}
	fieldSet, valueSet := false, false
	setValue := func(v *node) {
		q.value = scalarOf(v)
		valueSet = v.kind != kNull
	}
	for i, key := range n.keys {
		v := n.vals[i]
		switch {
		case v.kind == kObject:
			if f := multipleFields(name, v.off, q.field, key, fieldSet); f != nil {
				return nil, f
			}
			q.field, fieldSet = key, true
			for j, ik := range v.keys {
				iv := v.vals[j]
				switch ik {
				case "term":
					setValue(iv)
				case "value":
					if iv.kind == kArray {
						return nil, parsing(iv.off, "[term] query does not support arrays for value - use a bool query with multiple term clauses in the should section or use a Terms query if scoring is not required")
					}
					setValue(iv)
				case "_name":
					if _, f := p.text(iv); f != nil {
						return nil, f
					}
				case "boost":
					if f := p.boost(iv); f != nil {
						return nil, f
					}
				case "case_insensitive":
					ci, f := p.booleanValue(iv)
					if f != nil {
						return nil, f
					}
					q.ci = ci
				default:
					return nil, parsing(iv.off, "[term] query does not support [%s]", ik)
				}
			}
		case v.isValue():
			if f := multipleFields(name, v.off, q.field, key, fieldSet); f != nil {
				return nil, f
			}
			q.field, fieldSet = key, true
			setValue(v)
		case v.kind == kArray:
			return nil, parsing(v.off, "[term] query does not support array of values")
		}
	}
	if f := fieldAndValue(n.end, q.field, fieldSet, valueSet); f != nil {
		return nil, f
	}
	return q, nil
}

func (p *parser) termsQuery(n *node) (query, *failure) {
	const name = "terms"
	q := termsQuery{}
	fieldSet := false
	for i, key := range n.keys {
		v := n.vals[i]
		switch {
		case v.kind == kArray || v.kind == kObject:
			if fieldSet {
				return nil, parsing(v.off, "[%s] query does not support multiple fields", name)
			}
			q.field, fieldSet = key, true
			if v.kind == kObject {
				// A terms lookup; its content does not matter, the
				// translator refuses every lookup.
				q.lookup = true
				continue
			}
			for _, it := range v.vals {
				if it.kind == kNull {
					return nil, parsing(it.off, "No value specified for terms query")
				}
				q.values = append(q.values, scalarOf(it))
			}
		case v.isValue():
			switch key {
			case "boost":
				if f := p.boost(v); f != nil {
					return nil, f
				}
			case "_name":
			default:
				return nil, parsing(v.off, "[%s] query does not support [%s]", name, key)
			}
		default:
			return nil, parsing(v.off, "[%s] unknown token [%s] after [%s]", name, v.kind, key)
		}
	}
	if !fieldSet {
		return nil, parsing(n.end, "[%s] query requires a field name, followed by array of terms or a document lookup specification", name)
	}
	if q.field == "" {
		return nil, illegalArg(n.end, "field name cannot be null.")
	}
	return q, nil
}

func (p *parser) existsQuery(n *node) (query, *failure) {
	const name = "exists"
	var field string
	fieldSet := false
	for i, key := range n.keys {
		v := n.vals[i]
		if !v.isValue() {
			return nil, parsing(v.off, "[%s] unknown token [%s] after [%s]", name, v.kind, key)
		}
		switch key {
		case "field":
			field, fieldSet = v.text(), true
		case "boost":
			if f := p.boost(v); f != nil {
				return nil, f
			}
		case "_name":
		default:
			return nil, parsing(v.off, "[%s] query does not support [%s]", name, key)
		}
	}
	if !fieldSet {
		return nil, parsing(n.end, "[%s] must be provided with a [field]", name)
	}
	if field == "" {
		return nil, illegalArg(n.end, "field name is null or empty")
	}
	return existsQuery{field}, nil
}

// prefixQuery is PrefixQueryBuilder.fromXContent.
func (p *parser) prefixQuery(n *node) (query, *failure) {
	const name = "prefix"
	q := prefixQuery{}
	fieldSet, valueSet := false, false
	for i, key := range n.keys {
		v := n.vals[i]
		if v.kind == kObject {
			if f := multipleFields(name, v.off, q.field, key, fieldSet); f != nil {
				return nil, f
			}
			q.field, fieldSet = key, true
			for j, ik := range v.keys {
				iv := v.vals[j]
				var f *failure
				switch ik {
				case "value":
					q.value, valueSet, f = p.textOrNull(iv)
				case "_name":
					_, f = p.text(iv)
				case "boost":
					f = p.boost(iv)
				case "rewrite":
					_, _, f = p.textOrNull(iv)
				case "case_insensitive":
					q.ci, f = p.booleanValue(iv)
				default:
					f = parsing(iv.off, "[%s] query does not support [%s]", name, ik)
				}
				if f != nil {
					return nil, f
				}
			}
			continue
		}
		if f := multipleFields(name, v.off, q.field, key, fieldSet); f != nil {
			return nil, f
		}
		q.field, fieldSet = key, true
		var f *failure
		if q.value, valueSet, f = p.textOrNull(v); f != nil {
			return nil, f
		}
	}
	if f := fieldAndValue(n.end, q.field, fieldSet, valueSet); f != nil {
		return nil, f
	}
	return q, nil
}

// wildcardQuery is WildcardQueryBuilder.fromXContent.
func (p *parser) wildcardQuery(n *node) (query, *failure) {
	const name = "wildcard"
	q := wildcardQuery{}
	fieldSet, valueSet := false, false
	for i, key := range n.keys {
		v := n.vals[i]
		if v.kind == kObject {
			if f := multipleFields(name, v.off, q.field, key, fieldSet); f != nil {
				return nil, f
			}
			q.field, fieldSet = key, true
			for j, ik := range v.keys {
				iv := v.vals[j]
				if !iv.isValue() {
					return nil, parsing(iv.off, "[%s] unknown token [%s] after [%s]", name, iv.kind, ik)
				}
				var f *failure
				switch ik {
				case "wildcard", "value":
					q.value, valueSet = iv.text(), true
				case "boost":
					f = p.boost(iv)
				case "rewrite", "_name":
				case "case_insensitive":
					q.ci, f = p.booleanValue(iv)
				default:
					f = parsing(iv.off, "[%s] query does not support [%s]", name, ik)
				}
				if f != nil {
					return nil, f
				}
			}
			continue
		}
		if f := multipleFields(name, v.off, q.field, key, fieldSet); f != nil {
			return nil, f
		}
		q.field, fieldSet = key, true
		s, f := p.text(v)
		if f != nil {
			return nil, f
		}
		q.value, valueSet = s, true
	}
	if f := fieldAndValue(n.end, q.field, fieldSet, valueSet); f != nil {
		return nil, f
	}
	return q, nil
}

// rangeQuery is RangeQueryBuilder.fromXContent.
func (p *parser) rangeQuery(n *node) (query, *failure) {
	const name = "range"
	q := rangeQuery{incL: true, incU: true}
	fieldSet := false
	var relation string
	relationSet := false
	// An array is not an error in itself: the streaming parser steps into
	// it and meets its items as if they were the object's own tokens.
	var tokens func(key string, v *node) *failure
	tokens = func(key string, v *node) *failure {
		switch {
		case v.isValue():
			return parsing(v.off, "[%s] query does not support [%s]", name, key)
		case v.kind == kArray:
			for _, it := range v.vals {
				if f := tokens(key, it); f != nil {
					return f
				}
			}
			return nil
		case v.kind != kObject:
			return nil
		}
		if f := multipleFields(name, v.off, q.field, key, fieldSet); f != nil {
			return f
		}
		q.field, fieldSet = key, true
		return p.rangeOptions(&q, v, &relation, &relationSet)
	}
	for i, key := range n.keys {
		if f := tokens(key, n.vals[i]); f != nil {
			return nil, f
		}
	}
	if !fieldSet || q.field == "" {
		return nil, illegalArg(n.end, "field name is null or empty")
	}
	if relationSet {
		switch strings.ToLower(relation) {
		case "intersects", "contains", "within":
			q.relation = true
		case "disjoint":
			return nil, illegalArg(n.end, "[range] query does not support relation [%s]", relation)
		default:
			return nil, illegalArg(n.end, "%s is not a valid relation", relation)
		}
	}
	return q, nil
}

// rangeOptions reads one field's {gte: ..., ...} object.
func (p *parser) rangeOptions(q *rangeQuery, v *node, relation *string, relationSet *bool) *failure {
	const name = "range"
	bound := func(v *node) *scalar {
		if v.kind == kNull {
			return nil
		}
		s := scalarOf(v)
		return &s
	}
	for j, ik := range v.keys {
		iv := v.vals[j]
		var f *failure
		switch ik {
		case "from":
			q.from = bound(iv)
		case "to":
			q.to = bound(iv)
		case "include_lower":
			q.incL, f = p.booleanValue(iv)
		case "include_upper":
			q.incU, f = p.booleanValue(iv)
		case "gt":
			q.from, q.incL = bound(iv), false
		case "gte":
			q.from, q.incL = bound(iv), true
		case "lt":
			q.to, q.incU = bound(iv), false
		case "lte":
			q.to, q.incU = bound(iv), true
		case "boost":
			f = p.boost(iv)
		case "format":
			q.format, f = p.text(iv)
		case "time_zone":
			var z string
			if z, f = p.text(iv); f == nil {
				zone, ok := parseZone(z)
				if !ok {
					// ZoneId.of's exception, which RangeQueryBuilder lets out.
					return &failure{newErr("zone_rules_exception", 500, "Unknown time-zone ID: "+z), iv.off}
				}
				q.timeZone = zone
			}
		case "_name":
			_, f = p.text(iv)
		case "relation":
			*relation, f = p.text(iv)
			*relationSet = true
		default:
			f = parsing(iv.off, "[%s] query does not support [%s]", name, ik)
		}
		if f != nil {
			return f
		}
	}
	return nil
}

// matchQuery is MatchQueryBuilder.fromXContent.
func (p *parser) matchQuery(n *node) (query, *failure) {
	const name = "match"
	q := matchQuery{transpositions: true}
	fieldSet, textSet := false, false
	for i, key := range n.keys {
		v := n.vals[i]
		if v.kind != kObject {
			if f := multipleFields(name, v.off, q.field, key, fieldSet); f != nil {
				return nil, f
			}
			q.field, fieldSet = key, true
			if v.kind == kNull {
				textSet = false
				continue
			}
			s, f := p.text(v)
			if f != nil {
				return nil, f
			}
			q.text, textSet = objectText(v, s), true
			continue
		}
		if f := multipleFields(name, v.off, q.field, key, fieldSet); f != nil {
			return nil, f
		}
		q.field, fieldSet = key, true
		for j, ik := range v.keys {
			iv := v.vals[j]
			if !iv.isValue() {
				return nil, parsing(iv.off, "[%s] unknown token [%s] after [%s]", name, iv.kind, ik)
			}
			if f := p.matchOption(&q, ik, iv, &textSet); f != nil {
				return nil, f
			}
		}
	}
	if !textSet {
		return nil, parsing(n.end, "No text specified for text query")
	}
	return q, nil
}

// objectText is the text of XContentParser.objectText()'s Object: numbers
// become Java Numbers and print as such.
func objectText(v *node, text string) string {
	if v.kind == kNumber {
		return javaNumber(v.str)
	}
	return text
}

func (p *parser) matchOption(q *matchQuery, key string, v *node, textSet *bool) *failure {
	var f *failure
	switch key {
	case "query":
		q.text, *textSet = objectText(v, v.text()), true
	case "analyzer":
		q.analyzer, f = p.text(v)
	case "boost":
		f = p.boost(v)
	case "fuzziness":
		if v.kind != kString && v.kind != kNumber {
			return illegalArg(v.off, "Can't parse fuzziness on token: [%s]", v.kind)
		}
		fz, err := parseFuzziness(v.text())
		if err != nil {
			return &failure{err, v.off}
		}
		q.fuzziness = fz
	case "prefix_length":
		var n int32
		if n, f = p.intValue(v); f == nil && n < 0 {
			return illegalArg(v.off, "[match] requires prefix length to be non-negative.")
		}
		q.prefixLength = int(n)
	case "max_expansions":
		var n int32
		if n, f = p.intValue(v); f == nil && n <= 0 {
			return illegalArg(v.off, "[match] requires maxExpansions to be positive.")
		}
	case "operator":
		var s string
		if s, f = p.text(v); f == nil {
			switch up := strings.ToUpper(s); up {
			case "OR":
				q.and = false
			case "AND":
				q.and = true
			default:
				return illegalArg(v.off, "No enum constant org.elasticsearch.index.query.Operator.%s", up)
			}
		}
	case "minimum_should_match":
		s := v.text()
		q.msm = &s
	case "fuzzy_rewrite", "_name":
	case "fuzzy_transpositions":
		q.transpositions, f = p.booleanValue(v)
	case "lenient":
		q.lenient, f = p.booleanValue(v)
	case "auto_generate_synonyms_phrase_query":
		_, f = p.booleanValue(v)
	case "zero_terms_query":
		var s string
		if s, f = p.text(v); f == nil {
			switch strings.ToLower(s) {
			case "none":
				q.zeroTermsAll = false
			case "all":
				q.zeroTermsAll = true
			default:
				return parsing(v.off, "Unsupported zero_terms_query value [%s]", s)
			}
		}
	default:
		return parsing(v.off, "[match] query does not support [%s]", key)
	}
	return f
}

var sqsFlags = map[string]int{
	"ALL": -1, "NONE": 0, "AND": flagAnd, "NOT": flagNot, "OR": flagOr, "PREFIX": flagPrefix,
	"PHRASE": flagPhrase, "PRECEDENCE": flagPrecedence, "ESCAPE": flagEscape, "WHITESPACE": flagWhitespace,
	"FUZZY": flagFuzzy, "NEAR": flagNear, "SLOP": flagNear,
}

// sqsQuery is SimpleQueryStringBuilder.fromXContent.
func (p *parser) sqsQuery(n *node) (query, *failure) {
	const name = "simple_query_string"
	q := sqsQuery{flags: -1, transpositions: true}
	textSet := false
	for i, key := range n.keys {
		v := n.vals[i]
		switch {
		case v.kind == kArray:
			if key != "fields" {
				return nil, parsing(v.off, "[%s] query does not support [%s]", name, key)
			}
			q.fields = []string{}
			for _, it := range v.vals {
				s, f := p.text(it)
				if f != nil {
					return nil, f
				}
				field, _, hasBoost := strings.Cut(s, "^")
				if hasBoost {
					if _, ok := parseJavaDouble(s[len(field)+1:]); !ok {
						return nil, numberFormat(it.off, javaNFE(s[len(field)+1:]))
					}
				}
				q.fields = append(q.fields, field)
			}
		case v.isValue():
			if f := p.sqsOption(&q, key, v, &textSet); f != nil {
				return nil, f
			}
		default:
			return nil, parsing(v.off, "[%s] unknown token [%s] after [%s]", name, v.kind, key)
		}
	}
	if !textSet {
		return nil, parsing(n.end, "[%s] query text missing", name)
	}
	return q, nil
}

func (p *parser) sqsOption(q *sqsQuery, key string, v *node, textSet *bool) *failure {
	var f *failure
	switch key {
	case "query":
		q.text, *textSet = v.text(), true
	case "boost":
		f = p.boost(v)
	case "analyzer":
		q.analyzer = v.text()
	case "default_operator":
		switch up := strings.ToUpper(v.text()); up {
		case "OR":
			q.and = false
		case "AND":
			q.and = true
		default:
			return illegalArg(v.off, "No enum constant org.elasticsearch.index.query.Operator.%s", up)
		}
	case "flags":
		if v.kind == kNumber {
			n, nf := p.intValue(v)
			if nf != nil {
				return nf
			}
			q.flags = int(n)
			if q.flags < 0 {
				q.flags = -1
			}
			return nil
		}
		flags, err := resolveFlags(v.text())
		if err != nil {
			return illegalArg(v.off, "%s", err.Error())
		}
		q.flags = flags
	case "lenient":
		var b bool
		if b, f = p.booleanValue(v); f == nil {
			q.lenient = &b
		}
	case "analyze_wildcard":
		q.analyzeWildcard, f = p.booleanValue(v)
	case "auto_generate_synonyms_phrase_query":
		_, f = p.booleanValue(v)
	case "fuzzy_prefix_length":
		var n int32
		n, f = p.intValue(v)
		q.fuzzyPrefix = int(n)
	case "fuzzy_max_expansions":
		_, f = p.intValue(v)
	case "fuzzy_transpositions":
		q.transpositions, f = p.booleanValue(v)
	case "quote_field_suffix", "_name":
	case "minimum_should_match":
		s := v.text()
		q.msm = &s
	default:
		return parsing(v.off, "[simple_query_string] unsupported field [%s]", key)
	}
	return f
}

type flagError string

func (e flagError) Error() string { return string(e) }

// resolveFlags is SimpleQueryStringFlag.resolveFlags.
func resolveFlags(s string) (int, error) {
	if s == "" {
		return -1, nil
	}
	magic := 0
	for _, part := range strings.Split(s, "|") {
		if part == "" {
			continue
		}
		v, ok := sqsFlags[strings.ToUpper(part)]
		if !ok {
			return 0, flagError("Unknown simple_query_string flag [" + part + "]")
		}
		switch v {
		case 0:
			return 0, nil
		case -1:
			return -1, nil
		}
		magic |= v
	}
	return magic, nil
}

// fuzziness is a parsed Fuzziness: a fixed edit distance or AUTO:low,high.
type fuzziness struct {
	auto      bool
	edits     int
	low, high int
}

// parseFuzziness is Fuzziness.fromString.
func parseFuzziness(s string) (*fuzziness, *eserr.Error) {
	if s == "" {
		return nil, newErr("illegal_argument_exception", 400, "fuzziness cannot be null or empty.")
	}
	up := strings.ToUpper(s)
	if up == "AUTO" {
		return &fuzziness{auto: true, low: 3, high: 6}, nil
	}
	if rest, ok := strings.CutPrefix(up, "AUTO:"); ok {
		parts := strings.Split(rest, ",")
		if len(parts) != 2 {
			return nil, newErr("parse_exception", 400, "failed to find low and high distance values")
		}
		lo, err1 := strconv.Atoi(parts[0])
		hi, err2 := strconv.Atoi(parts[1])
		if err1 != nil || err2 != nil {
			return nil, newErr("parse_exception", 400, `failed to parse [`+up+`] as a "auto:int,int"`)
		}
		if lo < 0 || hi < 0 || lo > hi {
			return nil, newErr("parse_exception", 400, "fuzziness wrongly configured [AUTO:"+parts[0]+","+parts[1]+"]")
		}
		return &fuzziness{auto: true, low: lo, high: hi}, nil
	}
	f, ok := parseJavaDouble(up)
	if !ok {
		return nil, newErr("illegal_argument_exception", 400, "Invalid fuzziness value: "+s)
	}
	f32 := float32(f)
	switch f32 {
	case 0, 1, 2:
		return &fuzziness{edits: int(f32)}, nil
	}
	return nil, newErr("illegal_argument_exception", 400, "fuzziness needs to be one of 0.0, 1.0 or 2.0 but was "+javaFloat(f32))
}

// distance is Fuzziness.asDistance for a term.
func (fz *fuzziness) distance(term string) int {
	if !fz.auto {
		return fz.edits
	}
	n := len([]rune(term))
	switch {
	case n < fz.low:
		return 0
	case n < fz.high:
		return 1
	}
	return 2
}
