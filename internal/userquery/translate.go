package userquery

import (
	"strings"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/pattern"
)

// field is one of the user document's queryable fields.
type field int

const (
	fUsername field = iota
	fRoles
	fEnabled
	fFullName
	fEmail
	fDoc // the _doc sort pseudo-field
)

// queryFields are FieldNameTranslators.USER_FIELD_NAME_TRANSLATORS, in its
// order. Query-level and index-level names are the same.
var queryFields = [...]string{"username", "roles", "enabled", "full_name", "email"}

func (f field) String() string {
	if f == fDoc {
		return "_doc"
	}
	return queryFields[f]
}

// sortable is false for full_name and email: the security index maps them
// as text without fielddata.
func (f field) sortable() bool { return f != fFullName && f != fEmail }

// isPattern is Regex.isSimpleMatchPattern.
func isPattern(s string) bool { return strings.Contains(s, "*") }

func lookupField(name string) (field, bool) {
	for i, n := range queryFields {
		if n == name {
			return field(i), true
		}
	}
	return 0, false
}

// translateField is FieldNameTranslators.translate.
func translateField(name string, inSort bool) (field, error) {
	if isPattern(name) {
		return 0, eserr.IllegalArgument("Field name pattern [%s] is not allowed for querying or aggregation", name)
	}
	if f, ok := lookupField(name); ok {
		if inSort && !f.sortable() {
			return 0, eserr.IllegalArgument("sorting is not supported for field [%s]", name)
		}
		return f, nil
	}
	return 0, eserr.IllegalArgument("Field [%s] is not allowed for querying or aggregation", name)
}

// translatePattern is FieldNameTranslators.translatePattern: the fields a
// name or pattern names; unknown names simply name none.
func translatePattern(pat string, into map[field]bool) {
	for i, n := range queryFields {
		if (isPattern(pat) && pattern.SimpleMatch(pat, n)) || pat == n {
			into[field(i)] = true
		}
	}
}

// translate is FieldNameTranslators.translateQueryBuilderFields: it walks
// the query in the builder's order (a bool's must, should, must_not, then
// filter) and fails on the first type or field the user index refuses.
func translate(q query) (query, error) {
	switch q := q.(type) {
	case *boolQuery:
		out := &boolQuery{msm: q.msm, adjustPureNegative: q.adjustPureNegative}
		for _, part := range []struct {
			in  []query
			out *[]query
		}{{q.must, &out.must}, {q.should, &out.should}, {q.mustNot, &out.mustNot}, {q.filter, &out.filter}} {
			for _, c := range part.in {
				t, err := translate(c)
				if err != nil {
					return nil, err
				}
				*part.out = append(*part.out, t)
			}
		}
		return out, nil
	case matchAllQuery, idsQuery:
		return q, nil
	case termQuery:
		return q, checkField(q.field)
	case existsQuery:
		return q, checkField(q.field)
	case termsQuery:
		if q.lookup {
			return nil, eserr.IllegalArgument("terms query with terms lookup is not currently supported in this context")
		}
		return q, checkField(q.field)
	case prefixQuery:
		return q, checkField(q.field)
	case wildcardQuery:
		return q, checkField(q.field)
	case matchQuery:
		return q, checkField(q.field)
	case rangeQuery:
		if q.relation {
			return nil, eserr.IllegalArgument("range query with relation is not currently supported in this context")
		}
		return q, checkField(q.field)
	case sqsQuery:
		return translateSQS(q), nil
	case unsupportedQuery:
		return nil, eserr.IllegalArgument("Query type [%s] is not currently supported in this context", q.name)
	}
	return q, nil
}

func checkField(name string) error {
	_, err := translateField(name, false)
	return err
}

// translateSQS resolves simple_query_string's field names and patterns to
// the user fields (no fields means "*"); querying all fields forces lenient,
// and naming nothing queryable matches nothing.
func translateSQS(q sqsQuery) query {
	names := q.fields
	if len(names) == 0 {
		names = []string{"*"}
	}
	set := map[field]bool{}
	all := false
	for _, n := range names {
		translatePattern(n, set)
		all = all || n == "*"
	}
	if len(set) == 0 {
		return matchNoneQuery{}
	}
	out := q
	out.fields = out.fields[:0:0]
	for i := range queryFields {
		if set[field(i)] {
			out.fields = append(out.fields, queryFields[i])
		}
	}
	if all {
		t := true
		out.lenient = &t
	}
	return out
}

// translate is translateFieldSortBuilders for one sort.
func (s rawSort) translate() error {
	if s.nested {
		return eserr.IllegalArgument("nested sorting is not currently supported in this context")
	}
	if s.field == "_doc" {
		return nil
	}
	_, err := translateField(s.field, true)
	return err
}
