package securityquery

import (
	"strings"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/pattern"
)

// Kind is how the security index maps a field, which decides what each
// query, sort and aggregation does with it.
type Kind uint8

// The field kinds the security index uses for queryable fields.
const (
	// Keyword: exact terms (one or many values); a runtime keyword field
	// (the API key "type") is one too.
	Keyword Kind = iota + 1
	// Text: analysed with the field's analyzer; not sortable.
	Text
	// Boolean: indexed as the terms "T" and "F", sorted as 0 and 1.
	Boolean
	// Date: epoch milliseconds, mapped with the format epoch_millis.
	Date
	// Flattened: an object whose leaf values are keyword terms, queried
	// as a whole ("metadata") or by key ("metadata.a.b").
	Flattened
)

// typeName is the mapping type Elasticsearch names in messages.
func (k Kind) typeName() string {
	switch k {
	case Keyword:
		return "keyword"
	case Text:
		return "text"
	case Boolean:
		return "boolean"
	case Date:
		return "date"
	}
	return "flattened"
}

// Field is one queryable field of a document kind: a row of
// FieldNameTranslators.
type Field struct {
	// Name is the name requests use ("username").
	Name string
	// Index is the security index's field ("creator.principal"), which
	// shard-level messages name.
	Index string
	Kind  Kind
	// Analyzer is a Text field's analyzer (index and search): "standard"
	// or "email".
	Analyzer string
	// NoSort marks a field the index cannot sort on (text without
	// fielddata): "sorting is not supported for field [x]".
	NoSort bool
	// Own marks esauth's own field, one Elasticsearch's translators do
	// not have: it is named only by its full name, never by a pattern, so
	// that "*" (simple_query_string's default fields, exists on "*")
	// names exactly the fields it names in Elasticsearch.
	Own bool
}

// Schema describes one kind of document for the engine: its fields, the
// name of the REST handler's body parser, its document ids, and whether
// the API takes aggregations.
type Schema struct {
	// Payload is the REST handler's ConstructingObjectParser name, which
	// body-level messages quote ("query_user_request_payload").
	Payload string
	Fields  []Field
	// IDPrefix is what the security index puts before a document's key
	// to make its _id ("user-" for users; none for API keys).
	IDPrefix string
	// Aggs makes "aggs"/"aggregations" part of the body.
	Aggs bool
	// MalformedSort is the REST handler's message for a sort item that is
	// neither a name nor an object; "" is "mal-formatted sort object".
	MalformedSort string

	analyzers []analyzer
}

// payloadFields are the body's fields, for did-you-mean suggestions.
func (s *Schema) payloadFields() []string {
	if s.Aggs {
		return []string{"query", "aggregations", "aggs", "from", "size", "sort", "search_after"}
	}
	return []string{"query", "from", "size", "sort", "search_after"}
}

func (s *Schema) malformedSort() string {
	if s.MalformedSort == "" {
		return "mal-formatted sort object"
	}
	return s.MalformedSort
}

// init resolves the fields' analyzers once.
func (s *Schema) init() *Schema {
	s.analyzers = make([]analyzer, len(s.Fields))
	for i, f := range s.Fields {
		a := anKeyword
		if f.Kind == Text {
			var ok bool
			if a, ok = analyzerByName(f.Analyzer); !ok {
				panic("securityquery: unknown analyzer " + f.Analyzer + " for field " + f.Name)
			}
		}
		s.analyzers[i] = a
	}
	return s
}

// Leaf is one leaf value of a flattened field: its dotted key and its
// value as the index keeps it (a string, a number's literal, true/false).
type Leaf struct {
	Path, Value string
}

// Source is the documents a request runs over, numbered 0 to Len()-1 in
// index order (which _doc sorts by and ties fall back to). Field numbers
// are indexes into the schema's Fields. A Source is only read.
type Source interface {
	Len() int
	// Key is document i's _id without the schema's IDPrefix.
	Key(i int) string
	// Strings appends the values of a Keyword or Text field to dst (a
	// Text field's raw values, before analysis).
	Strings(i, f int, dst []string) []string
	// Leaves are the leaf values of a Flattened field.
	Leaves(i, f int) []Leaf
	// Bool is a Boolean field; ok is false when the document has none.
	Bool(i, f int) (v, ok bool)
	// Date is a Date field in epoch milliseconds; ok is false when the
	// document has none.
	Date(i, f int) (ms int64, ok bool)
}

// fref is a translated field: a schema field, and for a flattened field
// the key below it (sub set, path possibly empty), or the _doc pseudo
// field.
type fref struct {
	f    int
	path string
	sub  bool
}

// docField is the _doc sort's fref.
const docField = -1

func (r fref) isDoc() bool { return r.f == docField }

// isPattern is Regex.isSimpleMatchPattern.
func isPattern(s string) bool { return strings.Contains(s, "*") }

// lookup finds the field a query-level name names: a field by its name,
// or a key below a flattened field ("metadata.a").
func (s *Schema) lookup(name string) (fref, bool) {
	for i, f := range s.Fields {
		if f.Name == name {
			return fref{f: i}, true
		}
		if f.Kind == Flattened && strings.HasPrefix(name, f.Name+".") {
			return fref{f: i, path: name[len(f.Name)+1:], sub: true}, true
		}
	}
	return fref{}, false
}

// kind is the kind of a translated field (a key of a flattened field is
// a keyword).
func (s *Schema) kind(r fref) Kind {
	if r.isDoc() {
		return 0
	}
	return s.Fields[r.f].Kind
}

// indexName is the index-level name of a translated field.
func (s *Schema) indexName(r fref) string {
	if r.isDoc() {
		return "_doc"
	}
	n := s.Fields[r.f].Index
	if r.sub {
		n += "." + r.path
	}
	return n
}

// analyzer is a translated field's analyzer.
func (s *Schema) analyzer(r fref) analyzer {
	if r.isDoc() {
		return anKeyword
	}
	return s.analyzers[r.f]
}

// translateField is FieldNameTranslators.translate.
func (s *Schema) translateField(name string, inSort bool) (fref, error) {
	if isPattern(name) {
		return fref{}, eserr.IllegalArgument("Field name pattern [%s] is not allowed for querying or aggregation", name)
	}
	if r, ok := s.lookup(name); ok {
		if inSort && s.Fields[r.f].NoSort {
			return fref{}, eserr.IllegalArgument("sorting is not supported for field [%s]", name)
		}
		return r, nil
	}
	return fref{}, eserr.IllegalArgument("Field [%s] is not allowed for querying or aggregation", name)
}

// translatePattern is FieldNameTranslators.translatePattern: the fields a
// name or pattern names (a pattern names a flattened field itself, never
// its keys); unknown names simply name none.
func (s *Schema) translatePattern(pat string, into map[fref]bool) {
	if isPattern(pat) {
		for i, f := range s.Fields {
			if !f.Own && pattern.SimpleMatch(pat, f.Name) {
				into[fref{f: i}] = true
			}
		}
		return
	}
	if r, ok := s.lookup(pat); ok {
		into[r] = true
	}
}
