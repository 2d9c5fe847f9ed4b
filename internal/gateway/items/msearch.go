package items

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/xcontent"
)

// SearchItem is one search of an _msearch body.
type SearchItem struct {
	Seq int // position in the request, from 0
	// Indices are the header's index/indices (a string split at commas, or
	// an array), else the path default. Empty means every index, as it
	// does to Elasticsearch.
	Indices []string
	// Params are the header's other keys as strings, under their snake_case
	// names (expand_wildcards, ignore_unavailable, allow_no_indices,
	// routing, preference, search_type, ...); an array is joined with
	// commas, a null is left out.
	Params map[string]string
}

// SearchVerdict is the decision on one _msearch item.
type SearchVerdict struct {
	Item  SearchItem
	Names []string // what the item was forwarded with, when allowed
	Err   error    // non-nil: denied, with the error to put in its place
}

// msearchUnterminated is MultiSearchRequest's text, whose "\n" is a real
// line feed (a Java "\n" escape, unlike the bulk parser's "\\n").
const msearchUnterminated = "The msearch request must be terminated by a newline [\n]"

// msearchKeys maps the header keys MultiSearchRequest.readMultiLineFormat
// accepts (8.x) other than index/indices to their snake_case names.
var msearchKeys = map[string]string{
	"search_type": "search_type", "searchType": "search_type",
	"ccs_minimize_roundtrips": "ccs_minimize_roundtrips", "ccsMinimizeRoundtrips": "ccs_minimize_roundtrips",
	"request_cache": "request_cache", "requestCache": "request_cache",
	"preference": "preference", "routing": "routing",
	"allow_partial_search_results": "allow_partial_search_results",
	"expand_wildcards":             "expand_wildcards", "expandWildcards": "expand_wildcards",
	"ignore_unavailable": "ignore_unavailable", "ignoreUnavailable": "ignore_unavailable",
	"allow_no_indices": "allow_no_indices", "allowNoIndices": "allow_no_indices",
	"ignore_throttled": "ignore_throttled", "ignoreThrottled": "ignore_throttled",
}

// FilterMsearch reads header/body line pairs, calls decide per item and
// writes the kept pairs to the writer open returns (opened once, before the
// first kept pair, as for FilterBulk). decide returns either the index names
// to forward the item with, or the error to answer in its place.
//
// A kept item's header is always rewritten as {"index":[names…],<other keys
// as sent>}: index and indices both go, so the cluster searches exactly
// the names decide returned whichever of the two it would have read. The
// body line passes byte for byte. decide must return at least one name for
// an allowed item ("*","-*" for a search that should match nothing): an
// empty list would make the cluster search every index, so FilterMsearch
// fails instead.
//
// Pairs are split as readMultiLineFormat splits them: an empty line is an
// empty header; a last header without a body line is dropped, never
// decided. Header errors (bad JSON, an unknown key, an explicit index when
// DisallowExplicitIndex is set, a last line without '\n', a line over
// maxLine, no items at all) are Elasticsearch's whole-request errors; as
// for FilterBulk the body is streamed, so on any error the caller must abort
// what open returned. When a header has both index and indices,
// SearchItem.Indices takes the one Elasticsearch would, which is decided by
// Java's HashMap iteration order. Body lines are not parsed.
func FilterMsearch(r io.Reader, defaultIndices []string, maxLine int, decide func(SearchItem) ([]string, error),
	open func() (io.Writer, error), opts ...Option) ([]SearchVerdict, error) {
	o := collect(opts)
	lr := newLineReader(r, maxLine, msearchUnterminated)
	defer lr.release()
	var (
		verdicts []SearchVerdict
		out      io.Writer
		head     []byte
		scratch  []byte
	)
	for {
		line, err := lr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		head = append(head[:0], line[:len(line)-1]...) // the reader reuses line
		h, err := parseHeader(head)
		if err != nil {
			return nil, err
		}
		item, err := h.item(head, len(verdicts), defaultIndices, o)
		if err != nil {
			return nil, err
		}
		body, err := lr.next()
		if errors.Is(err, io.EOF) {
			break // readMultiLineFormat drops a header with no body line
		}
		if err != nil {
			return nil, err
		}
		names, derr := decide(item)
		if derr == nil && len(names) == 0 {
			return nil, eserr.IllegalState("no index names to forward _msearch item [%d] with", item.Seq)
		}
		verdicts = append(verdicts, SearchVerdict{Item: item, Names: names, Err: derr})
		if derr != nil {
			continue
		}
		if out == nil {
			if out, err = open(); err != nil {
				return nil, err
			}
		}
		scratch = h.rewrite(scratch[:0], head, names)
		if _, err := out.Write(scratch); err != nil {
			return nil, err
		}
		if _, err := out.Write(body); err != nil {
			return nil, err
		}
	}
	if len(verdicts) == 0 {
		if lr.read == 0 {
			return nil, eserr.Parse("request body or source parameter is required")
		}
		return nil, validation([]string{"no requests added"})
	}
	return verdicts, nil
}

// jvalue is a header value as parser.map() builds it, with where its bytes
// are.
type jvalue struct {
	kind       tokKind
	text       string
	elems      []jvalue // of an array
	start, end int
}

type headerEntry struct {
	key              string
	keyStart, keyEnd int
	val              jvalue
}

type header struct{ entries []headerEntry }

// parseHeader reads a header line as readMultiLineFormat does: parser.map()
// (which takes anything but an object for an empty map), then one more token,
// which must be the end.
func parseHeader(line []byte) (*header, error) {
	h := &header{}
	if len(line) == 0 {
		return h, nil
	}
	l := newLexer(line)
	t, err := l.next()
	if err != nil {
		return nil, esError(err)
	}
	if t.kind == tStartObject {
		for {
			if t, err = l.next(); err != nil {
				return nil, esError(err)
			}
			if t.kind == tEndObject {
				break
			}
			e := headerEntry{key: t.text, keyStart: t.start, keyEnd: t.end}
			vt, err := l.next()
			if err != nil {
				return nil, esError(err)
			}
			if e.val, err = readValue(l, vt); err != nil {
				return nil, err
			}
			h.entries = append(h.entries, e)
		}
	}
	if t.kind != tEnd {
		if t, err = l.next(); err != nil {
			return nil, esError(err)
		}
		if t.kind != tEnd {
			return nil, &eserr.Error{Type: "x_content_parse_exception", Status: http.StatusBadRequest,
				Reason: (&lexErr{line: t.line, col: t.col, msg: "Unexpected token after end of object"}).Error()}
		}
	}
	return h, nil
}

func readValue(l *lexer, t token) (jvalue, error) {
	v := jvalue{kind: t.kind, text: t.text, start: t.start, end: t.end}
	switch t.kind {
	case tStartObject:
		end, err := l.skipChildren()
		if err != nil {
			return v, esError(err)
		}
		v.end = end.end
	case tStartArray:
		for {
			et, err := l.next()
			if err != nil {
				return v, esError(err)
			}
			if et.kind == tEndArray {
				v.end = et.end
				break
			}
			e, err := readValue(l, et)
			if err != nil {
				return v, err
			}
			v.elems = append(v.elems, e)
		}
	}
	return v, nil
}

// item applies the header's keys in the order Elasticsearch meets them:
// the iteration order of the HashMap parser.map() returns.
func (h *header) item(line []byte, seq int, defaults []string, o options) (SearchItem, error) {
	it := SearchItem{Seq: seq}
	hasIndex := false
	keys := make([]string, len(h.entries))
	for i, e := range h.entries {
		keys[i] = e.key
	}
	for _, i := range javaHashOrder(keys) {
		e := &h.entries[i]
		switch e.key {
		case "index", "indices":
			if o.noExplicitIndex {
				return it, eserr.IllegalArgument("explicit index in multi search is not allowed")
			}
			names, err := stringArray(e.val, line)
			if err != nil {
				return it, err
			}
			it.Indices, hasIndex = names, true
		default:
			name, ok := msearchKeys[e.key]
			if !ok {
				return it, eserr.IllegalArgument("key [%s] is not supported in the metadata section", e.key)
			}
			if e.val.kind == tNull {
				continue
			}
			if it.Params == nil {
				it.Params = make(map[string]string)
			}
			it.Params[name] = paramString(e.val, line)
		}
	}
	if !hasIndex {
		it.Indices = append([]string(nil), defaults...)
	}
	return it, nil
}

// stringArray is XContentMapValues.nodeStringArrayValue followed by
// SearchRequest.indices' null checks.
func stringArray(v jvalue, line []byte) ([]string, error) {
	npe := func(msg string) error {
		return &eserr.Error{Type: "null_pointer_exception", Status: http.StatusInternalServerError, Reason: msg}
	}
	nested := eserr.IllegalArgument("the index of an msearch header must be a string or an array of strings")
	switch v.kind {
	case tNull:
		return nil, npe(`Cannot invoke "Object.toString()" because "node" is null`)
	case tStartObject:
		// Java would split the map's toString() at its commas; no index
		// name can come of that.
		return nil, nested
	case tStartArray:
		out := make([]string, 0, len(v.elems))
		for _, e := range v.elems {
			switch e.kind {
			case tNull:
				return nil, npe("index must not be null")
			case tStartObject, tStartArray:
				return nil, nested
			}
			out = append(out, javaString(e))
		}
		return out, nil
	}
	return splitComma(javaString(v)), nil
}

// javaString is the value's Java toString() as the parsed map holds it.
func javaString(v jvalue) string {
	if v.kind == tNumber {
		return javaNumber(v.text)
	}
	return v.text
}

func paramString(v jvalue, line []byte) string {
	switch v.kind {
	case tStartArray:
		parts := make([]string, 0, len(v.elems))
		for _, e := range v.elems {
			parts = append(parts, paramString(e, line))
		}
		return strings.Join(parts, ",")
	case tStartObject:
		return string(line[v.start:v.end])
	case tNull:
		return ""
	}
	return javaString(v)
}

// splitComma is Strings.splitStringByCommaToArray: Java's String.split(","),
// which drops trailing empty strings, and nothing at all for "".
func splitComma(s string) []string {
	if s == "" {
		return []string{}
	}
	parts := strings.Split(s, ",")
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

// rewrite writes the header to forward: the decided names under "index",
// then every other key as sent, in order.
func (h *header) rewrite(dst, line []byte, names []string) []byte {
	dst = append(dst, `{"index":`...)
	dst, _ = xcontent.Append(dst, names)
	for _, e := range h.entries {
		if e.key == "index" || e.key == "indices" {
			continue
		}
		dst = append(dst, ',')
		dst = append(dst, line[e.keyStart:e.keyEnd]...)
		dst = append(dst, ':')
		dst = append(dst, line[e.val.start:e.val.end]...)
	}
	return append(dst, '}', '\n')
}

// SpliceMsearch merges the cluster's {"took":…,"responses":[…]} with the
// denied items at their positions, each as MultiSearchResponse writes a
// failure: {"error":{"root_cause":[…],"type":…,"reason":…},"status":N}.
// "took" is kept (0 when nothing was forwarded). The cluster's responses
// must match the forwarded items in number.
func SpliceMsearch(upstream io.Reader, verdicts []SearchVerdict, w io.Writer) error {
	allowed := 0
	for _, v := range verdicts {
		if v.Err == nil {
			allowed++
		}
	}
	var doc *upstreamDoc
	if upstream == nil {
		doc = synthetic("responses", "took", "0")
	} else {
		var err error
		if doc, err = readUpstream(upstream, "responses", "_msearch"); err != nil {
			return err
		}
	}
	if len(doc.items) != allowed {
		return mismatch("_msearch", allowed, len(doc.items))
	}
	bw := bufio.NewWriter(w)
	j := 0
	err := writeMerged(bw, doc, len(verdicts), func(dst []byte, k int) []byte {
		v := verdicts[k]
		if v.Err == nil {
			j++
			return appendCompact(dst, doc.items[j-1])
		}
		e := esError(v.Err)
		dst = append(dst, `{"error":`...)
		dst = appendFailure(dst, e)
		dst = append(dst, `,"status":`...)
		dst = appendInt(dst, statusOf(e))
		return append(dst, '}')
	}, noChange, nil)
	if err != nil {
		return err
	}
	return bw.Flush()
}
