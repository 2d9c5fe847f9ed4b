package securityquery

import (
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/xcontent"
)

// Elasticsearch's defaults for a search without from/size, and the
// security index's index.max_result_window.
const (
	defaultSize     = 10
	maxResultWindow = 10000
)

// Request is a parsed and validated query body, ready to run.
type Request struct {
	s     *Schema
	match matcher // nil matches every document
	from  int
	size  int
	sorts []sortKey // nil when the body has no sort
	after []afterValue
	aggs  []*agg
}

// parser holds the body for locating errors, the query nesting depth and
// the schema whose body is parsed.
type parser struct {
	body  []byte
	depth int
	name  string // the payload parser's name
	s     *Schema
}

// rawRequest is the body as Elasticsearch's REST layer parses it, before the
// transport action validates and translates it.
type rawRequest struct {
	query      query // nil without "query"
	from, size *int32
	sorts      []rawSort
	after      []scalar
	hasAfter   bool
	aggs       []*rawAgg
	aggsSeen   int // how many of "aggs" and "aggregations" the body has
}

// Parse parses a query body for the schema's documents. A nil or empty
// body is match_all, from 0, size 10. Errors are *eserr.Error values
// carrying Elasticsearch's type, reason, cause chain and status, in the
// order Elasticsearch checks: body parsing, request validation,
// field-name translation (query, sort, aggregations), the search
// request's validation, then what the shard would reject (query
// building, sort, search_after, result window, aggregations).
//
// Parse is ParseBody, Validate and Build in one. An API runs them apart
// when authorization comes between, as in Elasticsearch: the REST layer
// parses and the request validates before it, the transport action
// translates after it.
func (s *Schema) Parse(body []byte) (*Request, error) {
	return s.parseAt(body, time.Now().UnixMilli())
}

// parseAt is Parse with "now" (for date math) given.
func (s *Schema) parseAt(body []byte, now int64) (*Request, error) {
	b, err := s.ParseBody(body)
	if err != nil {
		return nil, err
	}
	if err := b.Validate(); err != nil {
		return nil, err
	}
	return b.build(now)
}

// Body is a parsed query body, not yet validated or translated.
type Body struct {
	s   *Schema
	raw rawRequest
}

// ParseBody parses a body as the REST handler does.
func (s *Schema) ParseBody(body []byte) (*Body, error) {
	b := &Body{s: s}
	if len(body) > 0 {
		if err := s.parseBody(body, &b.raw); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// Validate is the request's validate: from and size.
func (b *Body) Validate() error {
	raw := &b.raw
	var v eserr.Validator
	if raw.from != nil && *raw.from < 0 {
		v.Add("[from] parameter cannot be negative but was [%d]", *raw.from)
	}
	if raw.size != nil && *raw.size < 0 {
		v.Add("[size] parameter cannot be negative but was [%d]", *raw.size)
	}
	return v.Err()
}

// Build translates a validated body and builds what the shard would,
// with date math's "now" the current time.
func (b *Body) Build() (*Request, error) { return b.build(time.Now().UnixMilli()) }

func (b *Body) build(now int64) (*Request, error) { return b.raw.build(b.s, now) }

func (s *Schema) parseBody(body []byte, raw *rawRequest) error {
	p := &parser{body: body, name: s.Payload, s: s}
	root, dup, dupOff := jsonTree(body)
	if root == nil {
		return p.syntaxError()
	}
	if root.kind != kObject {
		return p.xcp(root.off, root.off, "[%s] Expected START_OBJECT but was: %s", p.name, root.kind).err
	}
	// Elasticsearch enables Jackson's strict duplicate detection.
	if dupOff >= 0 {
		return p.xcp(dupOff, dupOff, "Duplicate field '%s'", dup).err
	}
	if f := p.payload(root, raw); f != nil {
		return f.err
	}
	if raw.aggsSeen > 1 {
		// The ConstructingObjectParser's builder refuses both, once every
		// field has been parsed.
		e := newErr("x_content_parse_exception", 400, "Failed to build ["+p.name+"] after last required field arrived")
		e.CausedBy = eserr.IllegalArgument("Duplicate 'aggs' or 'aggregations' field")
		return e
	}
	return nil
}

// syntaxError reports a body that is not well-formed JSON. A body that
// starts with a token other than '{' fails on that token first, as the
// streaming parser does; otherwise xcontent words the syntax error.
func (p *parser) syntaxError() error {
	i := 0
	for i < len(p.body) && (p.body[i] == ' ' || p.body[i] == '\t' || p.body[i] == '\n' || p.body[i] == '\r') {
		i++
	}
	if i == len(p.body) {
		return p.xcp(i, i, "[%s] Expected START_OBJECT but was: null", p.name).err
	}
	var k kind
	switch c := p.body[i]; {
	case c == '[':
		k = kArray
	case c == '"':
		k = kString
	case c == '-' || (c >= '0' && c <= '9'):
		k = kNumber
	}
	if k != 0 {
		return p.xcp(i, i, "[%s] Expected START_OBJECT but was: %s", p.name, k).err
	}
	if err := xcontent.Fields(p.body, func(xcontent.Value) error { return nil }); err != nil {
		return err
	}
	return p.xcp(i, i, "Unexpected character").err
}

// payload is the REST handler's PARSER.
func (p *parser) payload(root *node, raw *rawRequest) *failure {
	for i, key := range root.keys {
		v := root.vals[i]
		var f *failure
		switch key {
		case "query":
			if v.kind != kObject {
				return p.wrongType(p.name, key, v)
			}
			raw.query, f = p.topLevelQuery(v)
		case "aggs", "aggregations":
			if !p.s.Aggs {
				return p.unknownField(p.name, root, i, p.s.payloadFields())
			}
			if v.kind != kObject {
				return p.wrongType(p.name, key, v)
			}
			raw.aggsSeen++
			raw.aggs, f = p.aggregations(v, 0)
		case "from", "size":
			if v.kind != kNumber && v.kind != kString {
				return p.wrongType(p.name, key, v)
			}
			var n int32
			n, f = p.intValue(v)
			if key == "from" {
				raw.from = &n
			} else {
				raw.size = &n
			}
		case "sort":
			if v.kind != kObject && v.kind != kArray {
				return p.wrongType(p.name, key, v)
			}
			raw.sorts, f = p.sortList(v)
		case "search_after":
			if v.kind == kObject {
				return p.wrongType(p.name, key, v)
			}
			raw.hasAfter = true
			raw.after, f = p.searchAfter(v)
		default:
			return p.unknownField(p.name, root, i, p.s.payloadFields())
		}
		if f != nil {
			return p.wrapField(p.name, key, f)
		}
	}
	return nil
}

// build runs the checks that follow body parsing, in Elasticsearch's order,
// and compiles what the shard would build.
func (raw *rawRequest) build(s *Schema, now int64) (*Request, error) {
	// The transport action: the query's translation, then the sorts',
	// then the aggregations'.
	q := raw.query
	if q != nil {
		var err error
		if q, err = s.translate(q); err != nil {
			return nil, err
		}
	}
	for i := range raw.sorts {
		if err := s.translateSort(&raw.sorts[i]); err != nil {
			return nil, err
		}
	}
	if err := s.translateAggs(raw.aggs); err != nil {
		return nil, err
	}
	// SearchRequest.validate on the internal search.
	if raw.hasAfter && raw.from != nil && *raw.from > 0 {
		var sv eserr.Validator
		sv.Add("[from] parameter must be set to 0 when [search_after] is used")
		return nil, sv.Err()
	}
	// The shard: query, sort, search_after, the result window, then the
	// aggregations.
	c := &compiler{s: s, now: now}
	req := &Request{s: s, size: defaultSize}
	if raw.from != nil {
		req.from = int(*raw.from)
	}
	if raw.size != nil {
		req.size = int(*raw.size)
	}
	if q != nil {
		m, err := c.compile(q)
		if err == nil && clauses(m) > maxClauseCount {
			err = tooManyClauses()
		}
		if err != nil {
			return nil, shardFailure(err)
		}
		if _, all := m.(matchAllMatcher); !all {
			req.match = m
		}
	}
	for _, rs := range raw.sorts {
		k, err := c.buildSort(rs)
		if err != nil {
			return nil, shardFailure(err)
		}
		req.sorts = append(req.sorts, k)
	}
	if raw.hasAfter {
		after, err := c.convertAfter(req.sorts, raw.after)
		if err != nil {
			return nil, shardFailure(err)
		}
		req.after = after
	}
	if window := req.from + req.size; window > maxResultWindow {
		return nil, shardFailure(eserr.IllegalArgument("Result window is too large, from + size must be less than or equal to: [%d] but was [%d]. "+
			"See the scroll api for a more efficient way to request large data sets. "+
			"This limit can be set by changing the [index.max_result_window] index level setting.", maxResultWindow, window))
	}
	aggs, err := c.buildAggs(raw.aggs)
	if err != nil {
		return nil, shardFailure(err)
	}
	req.aggs = aggs
	return req, nil
}

// Value accessors with XContentParser's coercions and messages.

// jacksonToken is Jackson's JsonToken name, which its own exceptions print.
func jacksonToken(v *node) string {
	switch v.kind {
	case kNumber:
		if classify(v.str) == numDouble {
			return "VALUE_NUMBER_FLOAT"
		}
		return "VALUE_NUMBER_INT"
	case kBool:
		if v.b {
			return "VALUE_TRUE"
		}
		return "VALUE_FALSE"
	}
	return v.kind.String()
}

func (p *parser) notNumeric(v *node) *failure {
	return p.xcp(v.off, v.off, "Current token (%s) not numeric, can not use numeric value accessors", jacksonToken(v))
}

// text is XContentParser.text().
func (p *parser) text(v *node) (string, *failure) {
	if !v.isValue() {
		return "", illegalState(v.off, "Can't get text on a %s at %s", v.kind, loc(p.body, v.off))
	}
	return v.text(), nil
}

// textOrNull is XContentParser.textOrNull(); ok is false for null.
func (p *parser) textOrNull(v *node) (s string, ok bool, f *failure) {
	if v.kind == kNull {
		return "", false, nil
	}
	s, f = p.text(v)
	return s, f == nil, f
}

// booleanValue is XContentParser.booleanValue(): strings must be exactly
// "true" or "false" (empty is false).
func (p *parser) booleanValue(v *node) (bool, *failure) {
	switch v.kind {
	case kBool:
		return v.b, nil
	case kString:
		switch v.str {
		case "true":
			return true, nil
		case "false", "":
			return false, nil
		}
		return false, illegalArg(v.off, "Failed to parse value [%s] as only [true] or [false] are allowed.", v.str)
	}
	return false, p.xcp(v.off, v.off, "Current token (%s) not of boolean type", jacksonToken(v))
}

// floatValue is XContentParser.floatValue() with string coercion.
func (p *parser) floatValue(v *node) (float32, *failure) {
	switch v.kind {
	case kNumber:
		f, _ := strconv.ParseFloat(v.str, 32)
		return float32(f), nil
	case kString:
		f, ok := parseJavaDouble(v.str)
		if !ok {
			return 0, numberFormat(v.off, javaNFE(v.str))
		}
		return float32(f), nil
	}
	return 0, p.notNumeric(v)
}

// boost parses a "boost" and applies AbstractQueryBuilder.boost's check.
func (p *parser) boost(v *node) *failure {
	b, f := p.floatValue(v)
	if f != nil {
		return f
	}
	if b < 0 {
		return illegalArg(v.off, "negative [boost] are not allowed.")
	}
	return nil
}

// intValue is XContentParser.intValue() with coercion: strings go through
// Double.parseDouble, fractions are truncated.
func (p *parser) intValue(v *node) (int32, *failure) {
	switch v.kind {
	case kString:
		f, ok := parseJavaDouble(v.str)
		if !ok {
			return 0, numberFormat(v.off, javaNFE(v.str))
		}
		if f < math.MinInt32 || f > math.MaxInt32 {
			return 0, illegalArg(v.off, "Value [%s] is out of range for an integer", v.str)
		}
		if math.IsNaN(f) {
			return 0, nil
		}
		return int32(f), nil
	case kNumber:
		var f float64
		if classify(v.str) == numDouble {
			f, _ = strconv.ParseFloat(v.str, 64)
		} else {
			b, _ := new(big.Float).SetString(v.str)
			f, _ = b.Float64()
		}
		if f < math.MinInt32 || f > math.MaxInt32 || math.IsInf(f, 0) {
			return 0, p.xcp(v.off, v.off, "Numeric value (%s) out of range of int (-2147483648 - 2147483647)", v.str)
		}
		return int32(f), nil
	}
	return 0, p.notNumeric(v)
}

// scalar is a value Elasticsearch keeps as a Java Object (objectBytes,
// objectText): a string, a number literal, a boolean, null, or a structure.
type scalar struct {
	kind kind
	s    string
	b    bool
}

func scalarOf(v *node) scalar { return scalar{kind: v.kind, s: v.str, b: v.b} }

// javaString is the Object's toString(), which is what a keyword field
// indexes and compares.
func (v scalar) javaString() string {
	switch v.kind {
	case kNumber:
		return javaNumber(v.s)
	case kBool:
		if v.b {
			return "true"
		}
		return "false"
	}
	return v.s
}

// Sorting.

// rawSort is one parsed FieldSortBuilder.
type rawSort struct {
	ref     fref // set by translation
	field   string
	desc    bool
	mode    string // "" or lower-case SortMode
	missing *scalar
	nested  bool
}

var fieldSortFields = []string{"missing", "unmapped_type", "order", "mode", "nested", "numeric_type", "format", "nested_path", "nested_filter"}

// sortList is the "sort" field parser: declareObjectArray whose items are a
// field name or a one-key {field: {options}} object.
func (p *parser) sortList(v *node) ([]rawSort, *failure) {
	if v.kind == kObject {
		s, f := p.sortItem(v)
		if f != nil {
			return nil, f
		}
		return []rawSort{s}, nil
	}
	var out []rawSort
	for _, it := range v.vals {
		if it.kind == kArray {
			return nil, illegalState(it.off, "expected value but got [START_ARRAY]")
		}
		s, f := p.sortItem(it)
		if f != nil {
			return nil, f
		}
		out = append(out, s)
	}
	return out, nil
}

func (p *parser) sortItem(it *node) (rawSort, *failure) {
	switch it.kind {
	case kString:
		return rawSort{field: it.str}, nil
	case kObject:
	default:
		return rawSort{}, illegalArg(it.off, "%s", p.s.malformedSort())
	}
	if len(it.keys) == 0 {
		return rawSort{}, parsing(it.end, "Failed to parse object: expecting token of type [FIELD_NAME] but found [END_OBJECT]")
	}
	s := rawSort{field: it.keys[0]}
	opts := it.vals[0]
	if opts.kind != kObject {
		return rawSort{}, p.xcp(opts.off, opts.off, "[field_sort] Expected START_OBJECT but was: %s", opts.kind)
	}
	for i, key := range opts.keys {
		val := opts.vals[i]
		if f := p.fieldSortOption(&s, opts, i, key, val); f != nil {
			return rawSort{}, f
		}
	}
	if len(it.keys) > 1 {
		return rawSort{}, parsing(it.koff[1], "Failed to parse object: expecting token of type [END_OBJECT] but found [FIELD_NAME]")
	}
	return s, nil
}

// fieldSortOption is one field of FieldSortBuilder's ObjectParser.
func (p *parser) fieldSortOption(s *rawSort, opts *node, i int, key string, val *node) *failure {
	const name = "field_sort"
	isString := val.kind == kString
	switch key {
	case "missing":
		if val.kind == kObject || val.kind == kArray {
			return p.wrongType(name, key, val)
		}
		if val.kind != kNull {
			m := scalarOf(val)
			s.missing = &m
		}
	case "unmapped_type", "format", "numeric_type":
		if !isString {
			return p.wrongType(name, key, val)
		}
	case "order":
		if !isString {
			return p.wrongType(name, key, val)
		}
		// SortOrder.fromString is valueOf(upper-cased).
		switch up := strings.ToUpper(val.str); up {
		case "ASC":
			s.desc = false
		case "DESC":
			s.desc = true
		default:
			return p.wrapField(name, key, illegalArg(val.off, "No enum constant org.elasticsearch.search.sort.SortOrder.%s", up))
		}
	case "mode":
		if !isString {
			return p.wrongType(name, key, val)
		}
		switch low := strings.ToLower(val.str); low {
		case "min", "max", "sum", "avg", "median":
			s.mode = low
		default:
			return p.wrapField(name, key, illegalArg(val.off, "Unknown SortMode [%s]", val.str))
		}
	case "nested":
		if val.kind != kObject {
			return p.wrongType(name, key, val)
		}
		s.nested = true
	case "nested_path":
		if !isString {
			return p.wrongType(name, key, val)
		}
		return p.wrapField(name, key, parsing(val.off, "[nested_path] has been removed in favour of the [nested] parameter"))
	case "nested_filter":
		if val.kind != kObject {
			return p.wrongType(name, key, val)
		}
		return p.wrapField(name, key, parsing(val.off, "[nested_filter] has been removed in favour of the [nested] parameter"))
	default:
		return p.unknownField(name, opts, i, fieldSortFields)
	}
	return nil
}

// searchAfter is SearchAfterBuilder.fromXContent.
func (p *parser) searchAfter(v *node) ([]scalar, *failure) {
	if v.kind != kArray {
		return nil, parsing(v.off, "Expected [START_ARRAY] in [search_after] but found [%s] inside search_after", v.kind)
	}
	out := make([]scalar, 0, len(v.vals))
	for _, it := range v.vals {
		if it.kind == kObject || it.kind == kArray {
			return nil, parsing(it.off, "Expected [VALUE_STRING] or [VALUE_NUMBER] or [VALUE_BOOLEAN] or [VALUE_NULL] but found [%s] inside search_after.", it.kind)
		}
		out = append(out, scalarOf(it))
	}
	if len(out) == 0 {
		return nil, illegalArg(v.end, "Values must contains at least one value.")
	}
	return out, nil
}
