package items

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/esauth/esauth/internal/eserr"
)

// MgetDoc is one document of an _mget body.
type MgetDoc struct {
	Index string // the doc's _index, or the default from the path
	ID    string
	Seq   int // position in the request, from 0
}

// MgetVerdict is the decision on one _mget document.
type MgetVerdict struct {
	Doc MgetDoc
	Err error // non-nil: denied, with the error to put in its place
}

// mgetItem is a parsed document with where its bytes are.
type mgetItem struct {
	index, id       string
	hasIndex, hasID bool
	start, end      int  // the doc object, or the id value of the ids form
	fromIDs         bool // given in the "ids" array
}

// FilterMget parses {"docs":[{_index,_id,…}…]} or {"ids":[…]} (with the
// path index), calls decide per doc, and returns the body to forward and the
// verdicts. The body is the one sent when nothing is denied, nil when
// everything is, and otherwise {"docs":[…]} with the allowed docs, each
// object byte for byte as sent (an id of the ids form becomes {"_id":id}).
//
// The body is read token by token as MultiGetRequest.add reads it (8.x), so
// that a forwarded doc names the same index for the cluster as for decide.
// Elasticsearch's parser steps into the objects of fields it does not know
// and would take an "_index" it finds there as the doc's own; such a body is
// refused rather than read two ways. Malformed bodies and bodies
// Elasticsearch's validation refuses (a doc without index or id, no docs)
// are errors in Elasticsearch's words, returned before anything is decided.
func FilterMget(body []byte, defaultIndex string, decide func(MgetDoc) error, opts ...Option) (forward []byte, verdicts []MgetVerdict, err error) {
	o := collect(opts)
	if len(body) == 0 {
		return nil, nil, eserr.Parse("request body or source parameter is required")
	}
	docs, err := parseMget(body, defaultIndex, o)
	if err != nil {
		return nil, nil, err
	}
	var problems []string
	for i, d := range docs {
		if !d.hasIndex {
			problems = append(problems, fmt.Sprintf("index is missing for doc %d", i))
		}
		if !d.hasID {
			problems = append(problems, fmt.Sprintf("id is missing for doc %d", i))
		}
	}
	if len(docs) == 0 {
		problems = append(problems, "no documents to get")
	}
	if len(problems) > 0 {
		return nil, nil, validation(problems)
	}
	verdicts = make([]MgetVerdict, len(docs))
	denied := 0
	for i, d := range docs {
		doc := MgetDoc{Index: d.index, ID: d.id, Seq: i}
		verdicts[i] = MgetVerdict{Doc: doc, Err: decide(doc)}
		if verdicts[i].Err != nil {
			denied++
		}
	}
	switch denied {
	case 0:
		return body, verdicts, nil
	case len(docs):
		return nil, verdicts, nil
	}
	out := []byte(`{"docs":[`)
	first := true
	for i, d := range docs {
		if verdicts[i].Err != nil {
			continue
		}
		if !first {
			out = append(out, ',')
		}
		first = false
		if d.fromIDs {
			out = append(out, `{"_id":`...)
			out = append(out, body[d.start:d.end]...)
			out = append(out, '}')
		} else {
			out = append(out, body[d.start:d.end]...)
		}
	}
	return append(out, "]}"...), verdicts, nil
}

// parsingError is ParsingException; its line and col metadata are left
// out because eserr carries metadata as strings and Elasticsearch prints
// them as numbers.
func parsingError(format string, args ...any) *eserr.Error {
	return &eserr.Error{Type: "parsing_exception", Status: 400, Reason: fmt.Sprintf(format, args...)}
}

// noText is what XContentParser.text() throws on a token with no text.
func noText(t token) *eserr.Error {
	return eserr.IllegalArgument("Expected text at %d:%d but found %s", t.line, t.col, t.kind)
}

// parseMget is MultiGetRequest.add.
func parseMget(body []byte, defaultIndex string, o options) ([]mgetItem, error) {
	l := newLexer(body)
	t, err := l.next()
	if err != nil {
		return nil, esError(err)
	}
	if t.kind != tStartObject {
		return nil, parsingError("unexpected token [%s], expected [START_OBJECT]", t.kind)
	}
	var docs []mgetItem
	field := ""
	for {
		if t, err = l.next(); err != nil {
			return nil, esError(err)
		}
		switch {
		case t.kind == tEndObject:
			// Elasticsearch reads no further: what follows is ignored.
			return docs, nil
		case t.kind == tField:
			field = t.text
		case t.kind == tStartArray && field == "docs":
			if docs, err = parseDocs(l, docs, defaultIndex, o); err != nil {
				return nil, err
			}
		case t.kind == tStartArray && field == "ids":
			for {
				if t, err = l.next(); err != nil {
					return nil, esError(err)
				}
				if t.kind == tEndArray {
					break
				}
				if !t.kind.isValue() {
					return nil, eserr.IllegalArgument("ids array element should only contain ids")
				}
				docs = append(docs, mgetItem{index: defaultIndex, hasIndex: defaultIndex != "", id: t.text, hasID: true,
					fromIDs: true, start: t.start, end: t.end})
			}
		case t.kind == tStartArray:
			return nil, parsingError("unknown key [%s] for a %s, expected [docs] or [ids]", field, t.kind)
		default:
			return nil, parsingError("unexpected token [%s], expected [FIELD_NAME] or [START_ARRAY]", t.kind)
		}
	}
}

// parseDocs is MultiGetRequest.parseDocuments.
func parseDocs(l *lexer, docs []mgetItem, defaultIndex string, o options) ([]mgetItem, error) {
	for {
		t, err := l.next()
		if err != nil {
			return nil, esError(err)
		}
		if t.kind == tEndArray {
			return docs, nil
		}
		if t.kind != tStartObject {
			return nil, eserr.IllegalArgument("docs array element should include an object")
		}
		d, err := parseDoc(l, t, defaultIndex, o)
		if err != nil {
			return nil, err
		}
		docs = append(docs, d)
	}
}

// parseDoc reads one doc object whose START_OBJECT is open. Like
// Elasticsearch it takes values under arrays it does not know as values of
// the field (so "_index":["a","b"] names b), and, unlike it, refuses an
// object it does not know instead of reading that object's fields as the
// doc's own.
func parseDoc(l *lexer, open token, defaultIndex string, o options) (mgetItem, error) {
	d := mgetItem{index: defaultIndex, hasIndex: defaultIndex != "", start: open.start}
	depth := l.depth()
	field := ""
	for {
		t, err := l.next()
		if err != nil {
			return d, esError(err)
		}
		switch {
		case t.kind == tEndObject:
			if l.depth() != depth-1 {
				return d, eserr.IllegalArgument("docs array element should include an object")
			}
			d.end = t.end
			return d, nil
		case t.kind == tField:
			field = t.text
		case t.kind.isValue():
			switch field {
			case "_index":
				if o.noExplicitIndex {
					return d, eserr.IllegalArgument("explicit index in multi get is not allowed")
				}
				d.index, d.hasIndex = t.text, true
			case "_id":
				d.id, d.hasID = t.text, true
			case "routing", "stored_fields", "version":
			case "version_type":
				switch t.text {
				case "internal", "external", "external_gt", "external_gte":
				default:
					return d, eserr.IllegalArgument("No version type match [%s]", t.text)
				}
			case "fields":
				return d, parsingError("Unsupported field [fields] used, expected [stored_fields] instead")
			case "_source":
				if t.kind == tNumber {
					return d, eserr.Parse("illegal type for _source: [%s]", t.kind)
				}
			default:
				return d, eserr.Parse("failed to parse multi get request. unknown field [%s]", field)
			}
		case t.kind == tStartArray && field == "fields":
			return d, parsingError("Unsupported field [fields] used, expected [stored_fields] instead")
		case t.kind == tStartArray && (field == "stored_fields" || field == "_source"):
			if err := textArray(l); err != nil {
				return d, err
			}
		case t.kind == tStartObject && field == "_source":
			if err := sourceObject(l); err != nil {
				return d, err
			}
		case t.kind == tStartObject:
			return d, eserr.IllegalArgument("docs array element should include an object")
		}
		// null, and the brackets of arrays it does not know, Elasticsearch
		// passes over.
	}
}

// textArray reads an array of texts up to its end, as the parser's
// while-not-END_ARRAY loops over parser.text() do.
func textArray(l *lexer) error {
	for {
		t, err := l.next()
		if err != nil {
			return esError(err)
		}
		if t.kind == tEndArray {
			return nil
		}
		if !t.kind.isValue() {
			return noText(t)
		}
	}
}

// sourceObject reads a doc's "_source":{includes/excludes} object.
func sourceObject(l *lexer) error {
	for {
		t, err := l.next()
		if err != nil {
			return esError(err)
		}
		switch {
		case t.kind == tEndObject:
			return nil
		case t.kind == tField:
			switch t.text {
			case "includes", "include", "excludes", "exclude":
			default:
				// the parser builds its message with parser.text(), which
				// fails on the field name first
				return noText(t)
			}
		case t.kind == tStartArray:
			if err := textArray(l); err != nil {
				return err
			}
		case t.kind.isValue():
		default:
			return eserr.Parse("unexpected token while parsing source settings")
		}
	}
}

// SpliceMget merges the cluster's {"docs":[…]} with the denied docs at
// their positions, each as MultiGetResponse.Failure writes it:
// {"_index":…,"_id":…,"error":{"root_cause":[…],"type":…,"reason":…}}, with
// no status. The cluster's docs must match the forwarded ones in number and
// _id, or SpliceMget fails rather than hand one doc's answer to another.
func SpliceMget(upstream io.Reader, verdicts []MgetVerdict, w io.Writer) error {
	var allowed []MgetDoc
	for _, v := range verdicts {
		if v.Err == nil {
			allowed = append(allowed, v.Doc)
		}
	}
	var doc *upstreamDoc
	if upstream == nil {
		doc = synthetic("docs")
	} else {
		var err error
		if doc, err = readUpstream(upstream, "docs", "_mget"); err != nil {
			return err
		}
	}
	if len(doc.items) != len(allowed) {
		return mismatch("_mget", len(allowed), len(doc.items))
	}
	for j, d := range allowed {
		if id, ok := stringField(doc.items[j], "_id"); !ok || id != d.ID {
			return eserr.IllegalState("cannot merge the cluster's [_mget] response: doc [%d] answers id [%s] where [%s] was sent", j, id, d.ID)
		}
	}
	bw := bufio.NewWriter(w)
	j := 0
	err := writeMerged(bw, doc, len(verdicts), func(dst []byte, k int) []byte {
		v := verdicts[k]
		if v.Err == nil {
			j++
			return appendCompact(dst, doc.items[j-1])
		}
		dst = append(dst, `{"_index":`...)
		dst = appendQuoted(dst, v.Doc.Index)
		dst = append(dst, `,"_id":`...)
		dst = appendQuoted(dst, v.Doc.ID)
		dst = append(dst, `,"error":`...)
		dst = appendFailure(dst, esError(v.Err))
		return append(dst, '}')
	}, noChange, nil)
	if err != nil {
		return err
	}
	return bw.Flush()
}

func noChange(string) ([]byte, bool) { return nil, false }

// stringField returns the string value of a top-level field of a JSON
// object.
func stringField(raw json.RawMessage, key string) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return "", false
	}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return "", false
		}
		if kt == key {
			var s string
			if err := dec.Decode(&s); err != nil {
				return "", false
			}
			return s, true
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return "", false
		}
	}
	return "", false
}
