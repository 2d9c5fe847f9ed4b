package fakecluster

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// matcher decides whether a document matches a query. Scoring is not
// modelled: every hit scores 1.0.
type matcher func(d *doc) bool

func matchAll(*doc) bool { return true }

// parseQuery builds a matcher from the query DSL subset the gateway tests
// use: match_all, match_none, term, terms, match, match_phrase, ids, exists,
// prefix, range and bool (must, filter, should, must_not,
// minimum_should_match). Anything else is a parsing_exception, so a test
// never mistakes an unsupported query for an empty result.
func parseQuery(v any) (matcher, *esError) {
	if v == nil {
		return matchAll, nil
	}
	q, ok := v.(map[string]any)
	if !ok || len(q) != 1 {
		return nil, &esError{status: 400, typ: "parsing_exception", reason: "[_na] query malformed, must start with start_object"}
	}
	for name, body := range q {
		switch name {
		case "match_all":
			return matchAll, nil
		case "match_none":
			return func(*doc) bool { return false }, nil
		case "ids":
			return idsQuery(body)
		case "bool":
			return boolQuery(body)
		case "exists":
			m, _ := body.(map[string]any)
			f, _ := m["field"].(string)
			if f == "" {
				return nil, queryMalformed(name, "must specify a [field]")
			}
			return func(d *doc) bool { return len(fieldValues(d.src, f)) > 0 }, nil
		case "term", "terms", "match", "match_phrase", "prefix", "range":
			return fieldQuery(name, body)
		default:
			return nil, unknownQuery(name)
		}
	}
	panic("unreachable")
}

func idsQuery(body any) (matcher, *esError) {
	m, _ := body.(map[string]any)
	vals, _ := m["values"].([]any)
	ids := map[string]bool{}
	for _, v := range vals {
		ids[fmt.Sprint(v)] = true
	}
	return func(d *doc) bool { return ids[d.id] }, nil
}

func boolQuery(body any) (matcher, *esError) {
	m, ok := body.(map[string]any)
	if !ok {
		return nil, queryMalformed("bool", "query malformed, no start_object after query name")
	}
	clauses := func(key string) ([]matcher, *esError) {
		var list []any
		switch v := m[key].(type) {
		case nil:
			return nil, nil
		case []any:
			list = v
		default:
			list = []any{v}
		}
		out := make([]matcher, 0, len(list))
		for _, c := range list {
			mt, err := parseQuery(c)
			if err != nil {
				return nil, err
			}
			out = append(out, mt)
		}
		return out, nil
	}
	var groups [4][]matcher
	for i, key := range []string{"must", "filter", "should", "must_not"} {
		var err *esError
		if groups[i], err = clauses(key); err != nil {
			return nil, err
		}
	}
	must := append(groups[0], groups[1]...)
	should, mustNot := groups[2], groups[3]
	minShould := 0
	if len(should) > 0 && len(must) == 0 {
		minShould = 1
	}
	if v, ok := m["minimum_should_match"]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(fmt.Sprint(v)))
		if err != nil {
			return nil, queryMalformed("bool", "only an integer minimum_should_match is supported by fakecluster")
		}
		minShould = n
	}
	return func(d *doc) bool {
		for _, mt := range must {
			if !mt(d) {
				return false
			}
		}
		for _, mt := range mustNot {
			if mt(d) {
				return false
			}
		}
		n := 0
		for _, mt := range should {
			if mt(d) {
				n++
			}
		}
		return n >= minShould
	}, nil
}

// fieldQuery handles the queries shaped {"<kind>": {"<field>": value-or-object}}.
func fieldQuery(kind string, body any) (matcher, *esError) {
	m, ok := body.(map[string]any)
	if !ok || len(m) == 0 {
		return nil, queryMalformed(kind, "query malformed, no start_object after query name")
	}
	var field string
	var arg any
	for f, a := range m {
		if f == "boost" || f == "_name" {
			continue
		}
		if field != "" {
			return nil, queryMalformed(kind, "query doesn't support multiple fields, found ["+field+"] and ["+f+"]")
		}
		field, arg = f, a
	}
	// The long form {"field": {"value"|"query": x, ...}}.
	opts, long := arg.(map[string]any)
	if long && kind != "range" {
		arg = firstOf(opts, "value", "query")
	}
	switch kind {
	case "term":
		return func(d *doc) bool { return anyValue(d, field, func(v any) bool { return sameValue(v, arg) }) }, nil
	case "terms":
		list, ok := arg.([]any)
		if !ok {
			return nil, queryMalformed(kind, "query requires an array of terms")
		}
		return func(d *doc) bool {
			return anyValue(d, field, func(v any) bool {
				return slices.ContainsFunc(list, func(t any) bool { return sameValue(v, t) })
			})
		}, nil
	case "match", "match_phrase":
		want := tokens(fmt.Sprint(arg))
		all := kind == "match_phrase" || (long && strings.EqualFold(fmt.Sprint(opts["operator"]), "and"))
		return func(d *doc) bool { return matchTokens(d, field, want, all) }, nil
	case "prefix":
		p := fmt.Sprint(arg)
		return func(d *doc) bool {
			return anyValue(d, field, func(v any) bool { return strings.HasPrefix(scalarString(v), p) })
		}, nil
	default: // range
		if !long {
			return nil, queryMalformed(kind, "query malformed, no start_object after query name")
		}
		return rangeQuery(field, opts), nil
	}
}

func rangeQuery(field string, opts map[string]any) matcher {
	type bound struct {
		v    any
		test func(c int) bool
	}
	var bounds []bound
	for key, test := range map[string]func(int) bool{
		"gt": func(c int) bool { return c > 0 }, "gte": func(c int) bool { return c >= 0 },
		"lt": func(c int) bool { return c < 0 }, "lte": func(c int) bool { return c <= 0 },
	} {
		if v, ok := opts[key]; ok {
			bounds = append(bounds, bound{v, test})
		}
	}
	return func(d *doc) bool {
		return anyValue(d, field, func(v any) bool {
			for _, b := range bounds {
				if !b.test(compareValues(v, b.v)) {
					return false
				}
			}
			return true
		})
	}
}

// fieldValues collects the values at a dotted path, looking through arrays
// and accepting keys that themselves contain dots. A ".keyword" suffix
// falls back to the field itself, as the default dynamic mapping's keyword
// sub-field would.
func fieldValues(src map[string]any, path string) []any {
	var out []any
	var walk func(v any, rest string)
	walk = func(v any, rest string) {
		switch v := v.(type) {
		case []any:
			for _, e := range v {
				walk(e, rest)
			}
			return
		case map[string]any:
			if rest == "" {
				return
			}
			if x, ok := v[rest]; ok {
				walk(x, "")
			}
			for i := 0; i < len(rest); i++ {
				if rest[i] == '.' {
					if x, ok := v[rest[:i]]; ok {
						walk(x, rest[i+1:])
					}
				}
			}
			return
		case nil:
			return
		}
		if rest == "" {
			out = append(out, v)
		}
	}
	walk(src, path)
	if len(out) == 0 && strings.HasSuffix(path, ".keyword") {
		return fieldValues(src, strings.TrimSuffix(path, ".keyword"))
	}
	return out
}

func anyValue(d *doc, field string, f func(any) bool) bool {
	return slices.ContainsFunc(fieldValues(d.src, field), f)
}

// scalarString renders a scalar the way it compares: numbers in their
// shortest form, so 5, 5.0 and "5" meet.
func scalarString(v any) string {
	switch v := v.(type) {
	case json.Number:
		if f, err := v.Float64(); err == nil {
			return strconv.FormatFloat(f, 'g', -1, 64)
		}
		return v.String()
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case string:
		return v
	}
	return fmt.Sprint(v)
}

func sameValue(a, b any) bool { return scalarString(a) == scalarString(b) }

func number(v any) (float64, bool) {
	switch v := v.(type) {
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	case float64:
		return v, true
	case string:
		f, err := strconv.ParseFloat(v, 64)
		return f, err == nil
	}
	return 0, false
}

// compareValues orders two scalars: numerically when both are numbers,
// else as strings.
func compareValues(a, b any) int {
	if x, ok := number(a); ok {
		if y, ok := number(b); ok {
			switch {
			case x < y:
				return -1
			case x > y:
				return 1
			}
			return 0
		}
	}
	return strings.Compare(scalarString(a), scalarString(b))
}

// tokens is a crude standard analyzer: lower-case runs of letters and
// digits.
func tokens(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

func matchTokens(d *doc, field string, want []string, all bool) bool {
	have := map[string]bool{}
	for _, v := range fieldValues(d.src, field) {
		for _, t := range tokens(scalarString(v)) {
			have[t] = true
		}
	}
	n := 0
	for _, w := range want {
		if have[w] {
			n++
		}
	}
	if all {
		return len(want) > 0 && n == len(want)
	}
	return n > 0
}

// uriQuery turns the q= parameter into a matcher: "*" or "*:*" match all,
// "field:value" matches like a match query, a bare word matches any field.
func uriQuery(q string) matcher {
	q = strings.TrimSpace(q)
	if q == "*" || q == "*:*" || q == "" {
		return matchAll
	}
	if field, value, ok := strings.Cut(q, ":"); ok {
		want := tokens(value)
		return func(d *doc) bool { return matchTokens(d, field, want, false) }
	}
	want := tokens(q)
	return func(d *doc) bool {
		var all []string
		var collect func(v any)
		collect = func(v any) {
			switch v := v.(type) {
			case map[string]any:
				for _, x := range v {
					collect(x)
				}
			case []any:
				for _, x := range v {
					collect(x)
				}
			case nil:
			default:
				all = append(all, tokens(scalarString(v))...)
			}
		}
		collect(d.src)
		return slices.ContainsFunc(want, func(w string) bool { return slices.Contains(all, w) })
	}
}

// sortKey is one sort clause.
type sortKey struct {
	field string
	desc  bool
}

// parseSort reads a body sort: a field name, {"field": "desc"},
// {"field": {"order": "desc"}}, or a list of those.
func parseSort(v any) ([]sortKey, *esError) {
	var list []any
	switch v := v.(type) {
	case nil:
		return nil, nil
	case []any:
		list = v
	default:
		list = []any{v}
	}
	var out []sortKey
	for _, e := range list {
		switch e := e.(type) {
		case string:
			out = append(out, sortKey{field: e, desc: e == "_score"})
		case map[string]any:
			for f, spec := range e {
				order := ""
				switch spec := spec.(type) {
				case string:
					order = spec
				case map[string]any:
					order, _ = spec["order"].(string)
				}
				desc := f == "_score"
				switch strings.ToLower(order) {
				case "desc":
					desc = true
				case "asc":
					desc = false
				case "":
				default:
					return nil, illegalArgument("No enum constant org.elasticsearch.search.sort.SortOrder.%s", strings.ToUpper(order))
				}
				out = append(out, sortKey{field: f, desc: desc})
			}
		default:
			return nil, parseError("[sort] must be a string, an object or an array")
		}
	}
	return out, nil
}

// parseSortParam reads sort=field:desc,other from the query string.
func parseSortParam(s string) []sortKey {
	var out []sortKey
	for _, part := range splitNames(s) {
		f, order, _ := strings.Cut(part, ":")
		out = append(out, sortKey{field: f, desc: order == "desc" || (order == "" && f == "_score")})
	}
	return out
}
