package securityquery

import (
	"cmp"
	"slices"

	"github.com/esauth/esauth/internal/eserr"
)

// translate is FieldNameTranslators.translateQueryBuilderFields: it walks
// the query in the builder's order (a bool's must, should, must_not, then
// filter) and fails on the first type or field the schema refuses.
func (s *Schema) translate(q query) (query, error) {
	switch q := q.(type) {
	case *boolQuery:
		out := &boolQuery{msm: q.msm, adjustPureNegative: q.adjustPureNegative}
		for _, part := range []struct {
			in  []query
			out *[]query
		}{{q.must, &out.must}, {q.should, &out.should}, {q.mustNot, &out.mustNot}, {q.filter, &out.filter}} {
			for _, c := range part.in {
				t, err := s.translate(c)
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
		return q, s.checkField(q.field)
	case existsQuery:
		return q, s.checkField(q.field)
	case termsQuery:
		if q.lookup {
			return nil, eserr.IllegalArgument("terms query with terms lookup is not currently supported in this context")
		}
		return q, s.checkField(q.field)
	case prefixQuery:
		return q, s.checkField(q.field)
	case wildcardQuery:
		return q, s.checkField(q.field)
	case matchQuery:
		return q, s.checkField(q.field)
	case rangeQuery:
		if q.relation {
			return nil, eserr.IllegalArgument("range query with relation is not currently supported in this context")
		}
		return q, s.checkField(q.field)
	case sqsQuery:
		return s.translateSQS(q), nil
	case unsupportedQuery:
		return nil, eserr.IllegalArgument("Query type [%s] is not currently supported in this context", q.name)
	}
	return q, nil
}

func (s *Schema) checkField(name string) error {
	_, err := s.translateField(name, false)
	return err
}

// translateSQS resolves simple_query_string's field names and patterns to
// the document's fields (no fields means "*"), in the schema's order;
// querying all fields forces lenient, and naming nothing queryable
// matches nothing.
func (s *Schema) translateSQS(q sqsQuery) query {
	names := q.fields
	if len(names) == 0 {
		names = []string{"*"}
	}
	set := map[fref]bool{}
	all := false
	for _, n := range names {
		s.translatePattern(n, set)
		all = all || n == "*"
	}
	if len(set) == 0 {
		return matchNoneQuery{}
	}
	out := q
	out.refs = make([]fref, 0, len(set))
	for r := range set {
		out.refs = append(out.refs, r)
	}
	slices.SortFunc(out.refs, func(a, b fref) int {
		return cmp.Or(cmp.Compare(a.f, b.f), cmp.Compare(a.path, b.path))
	})
	if all {
		t := true
		out.lenient = &t
	}
	return out
}

// translate is translateFieldSortBuilders for one sort.
func (s *Schema) translateSort(rs *rawSort) error {
	if rs.nested {
		return eserr.IllegalArgument("nested sorting is not currently supported in this context")
	}
	if rs.field == "_doc" {
		rs.ref = fref{f: docField}
		return nil
	}
	r, err := s.translateField(rs.field, true)
	rs.ref = r
	return err
}
