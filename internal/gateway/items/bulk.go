package items

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"

	"github.com/esauth/esauth/internal/eserr"
)

// BulkItem is one action of a bulk body.
type BulkItem struct {
	// Op is index, create, update or delete. An index action whose
	// op_type is "create" is a create: Elasticsearch authorizes it as
	// op_type/create and answers it under "create".
	Op string
	// Index is the action line's _index, or the default from the path ("" if
	// neither). Only an explicit "_index":"" leaves it empty in a verdict:
	// an item with no index at all fails the request's validation instead.
	Index string
	// ID is "" when not given (auto id for index/create).
	ID string
	// Seq is the position in the request, from 0.
	Seq int
	// Pipeline is the action line's own ingest pipeline ("" if none; the
	// ?pipeline default of the URL is the caller's to see). A pipeline can
	// send the document to another index than Index, which the gateway
	// cannot follow and may want to refuse.
	Pipeline string
}

// Verdict is the decision on one bulk item.
type Verdict struct {
	Item BulkItem
	Err  error // non-nil: denied, with the error to put in its place
}

// bulkUnterminated is BulkRequestParser's text, with a literal backslash-n.
const bulkUnterminated = `The bulk request must be terminated by a newline [\n]`

// FilterBulk reads a bulk body from r (already decompressed), line by line,
// and writes to the writer open returns only the lines of items for which
// decide returns nil: the action line and, for index/create/update, its
// source line, byte for byte as sent. It returns one Verdict per item in
// order.
//
// Items are split exactly as Elasticsearch 8.x's BulkRequestParser splits
// them, so that the cluster reads every forwarded line as the same action on
// the same index: lines end at '\n' only; blank lines between items are
// skipped; the line after an index, create or update action is its source
// whatever it holds; an action line is read token by token, up to its first
// key's object, with comments allowed, duplicate keys refused and anything
// after that object ignored, as 8.x does. A last action whose source line is
// missing is dropped, never decided, as Elasticsearch drops it.
//
// A malformed body (unknown action key, bad JSON or an unknown parameter in
// an action line, a last line without '\n', a line over maxLine) is an error
// in Elasticsearch's words, and so is a body Elasticsearch's validation
// refuses as a whole (no index, no id for update/delete, an id over 512
// bytes, no items at all). Line numbers in messages count every line of the
// body from 1, source and blank lines included, as the parser's own counter
// does; the "[line:col]" of a JSON error is within the action line, which
// Elasticsearch parses on its own (so the line is always 1).
//
// An item is decided only once it is complete and well formed, but the body
// is streamed, so a malformed line can come after earlier items were decided
// and written. On any error the caller must abort what open returned (never
// complete the upstream request) and answer the error instead; a decide that
// audits should keep its records until FilterBulk returns nil.
//
// open is called once, before the first allowed line is written, so a caller
// can delay opening the upstream request until there is something to send
// (and never send anything when every item is denied); it returns the writer
// to use. maxLine bounds each line in bytes (without its '\n'); 0 means
// 100 MB, Elasticsearch's default http.max_content_length. Memory is one read
// buffer and two lines, never the body.
func FilterBulk(r io.Reader, defaultIndex string, maxLine int, decide func(BulkItem) error,
	open func() (io.Writer, error), opts ...Option) ([]Verdict, error) {
	o := collect(opts)
	lr := newLineReader(r, maxLine, bulkUnterminated)
	defer lr.release()
	var (
		verdicts []Verdict
		invalid  []string
		act      []byte
		out      io.Writer
		seq      int
		names    interner
		lex      lexer
	)
	for {
		line, err := lr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		a, err := parseAction(&lex, line[:len(line)-1], lr.n, defaultIndex, o)
		if err != nil {
			return nil, err
		}
		if a == nil {
			continue // a blank line
		}
		var src []byte
		if a.op != "delete" {
			act = append(act[:0], line...) // the reader reuses line
			line = act
			if src, err = lr.next(); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				return nil, err
			}
		}
		item := BulkItem{Op: a.op, Index: names.get(a.index), ID: a.id, Seq: seq, Pipeline: a.pipeline}
		seq++
		if msgs := a.problems(defaultIndex); len(msgs) > 0 {
			invalid = append(invalid, msgs...)
			continue
		}
		if len(invalid) > 0 {
			continue // the request fails as a whole: decide nothing more
		}
		derr := decide(item)
		verdicts = append(verdicts, Verdict{Item: item, Err: derr})
		if derr != nil {
			continue
		}
		if out == nil {
			if out, err = open(); err != nil {
				return nil, err
			}
		}
		if _, err := out.Write(line); err != nil {
			return nil, err
		}
		if src != nil {
			if _, err := out.Write(src); err != nil {
				return nil, err
			}
		}
	}
	if len(invalid) > 0 {
		return nil, validation(invalid)
	}
	if seq == 0 {
		if lr.read == 0 {
			return nil, eserr.Parse("request body is required")
		}
		return nil, validation([]string{"no requests added"})
	}
	return verdicts, nil
}

// action is what BulkRequestParser keeps of an action line.
type action struct {
	op, index, id, pipeline string
	hasIndex, hasID         bool
}

// problems are the messages BulkRequest.validate would add for this item,
// in its order: ReplicationRequest's index check, the id checks of
// DeleteRequest and UpdateRequest, and DocWriteRequest's id length.
func (a *action) problems(defaultIndex string) []string {
	var msgs []string
	if !a.hasIndex && defaultIndex == "" {
		msgs = append(msgs, "index is missing")
	}
	if (a.op == "update" || a.op == "delete") && a.id == "" {
		msgs = append(msgs, "id is missing")
	}
	if len(a.id) > 512 {
		msgs = append(msgs, "id ["+a.id+"] is too long, must be no longer than 512 bytes but was: "+strconv.Itoa(len(a.id)))
	}
	return msgs
}

// parseAction reads one action line as BulkRequestParser's parseActionLine
// does (8.x, REST API version 8), returning nil for a blank line.
func parseAction(l *lexer, line []byte, n int, defaultIndex string, o options) (*action, error) {
	l.reset(line)
	t, err := l.next()
	if err != nil {
		return nil, esError(err)
	}
	if t.kind == tEnd {
		return nil, nil
	}
	if t.kind != tStartObject {
		return nil, malformed(n, "expected START_OBJECT but found [%s]", t.kind)
	}
	if t, err = l.next(); err != nil {
		return nil, esError(err)
	}
	if t.kind != tField {
		return nil, malformed(n, "expected FIELD_NAME but found [%s]", t.kind)
	}
	verb := t.text
	switch verb {
	case "index", "create", "update", "delete":
	default:
		return nil, malformed(n, "expected field [create], [delete], [index] or [update] but found [%s]", verb)
	}
	a := &action{op: verb, index: defaultIndex}
	var opType string
	var versioned, requireDataStream, dynamicTemplates bool
	if t, err = l.next(); err != nil {
		return nil, esError(err)
	}
	switch t.kind {
	case tStartObject:
		field := ""
		for {
			if t, err = l.next(); err != nil {
				return nil, esError(err)
			}
			if t.kind == tEndObject {
				break
			}
			switch {
			case t.kind == tField:
				field = t.text
			case t.kind.isValue():
				switch field {
				case "_index":
					if o.noExplicitIndex {
						return nil, eserr.IllegalArgument("explicit index in bulk is not allowed")
					}
					a.index, a.hasIndex = t.text, true
				case "_id":
					a.id, a.hasID = t.text, true
				case "op_type":
					opType = t.text
				case "version":
					versioned = versioned || t.text != "-3" // -3 is Versions.MATCH_ANY
				case "version_type":
					switch t.text {
					case "internal":
					case "external", "external_gt", "external_gte":
						versioned = true
					default:
						return nil, eserr.IllegalArgument("No version type match [%s]", t.text)
					}
				case "pipeline":
					a.pipeline = t.text
				case "require_data_stream":
					requireDataStream = t.text == "true"
				case "routing", "if_seq_no", "if_primary_term", "retry_on_conflict", "_source",
					"require_alias", "list_executed_pipelines":
				default: // _type too: REST API 8 refuses it
					return nil, eserr.IllegalArgument("Action/metadata line [%d] contains an unknown parameter [%s]", n, field)
				}
			case t.kind == tStartArray:
				return nil, malformed(n, "expected a simple value for field [%s] but found [%s]", field, t.kind)
			case t.kind == tStartObject && (field == "dynamic_templates" || field == "_source"):
				inner, err := l.next()
				if err != nil {
					return nil, esError(err)
				}
				if inner.kind != tEndObject {
					if field == "dynamic_templates" {
						dynamicTemplates = true
					}
					if _, err := l.skipChildren(); err != nil {
						return nil, esError(err)
					}
				}
			case t.kind == tNull:
			default:
				return nil, malformed(n, "expected a simple value for field [%s] but found [%s]", field, t.kind)
			}
		}
	case tEndObject:
	default:
		return nil, malformed(n, "expected START_OBJECT or END_OBJECT but found [%s]", t.kind)
	}
	// checkBulkActionIsProperlyClosed, 8.x: a missing brace, more keys or
	// trailing values only draw a deprecation warning; only bad JSON in the
	// one or two tokens it reads fails.
	if t, err = l.next(); err != nil {
		var le *lexErr
		if !errors.As(err, &le) || !le.eof {
			return nil, esError(err)
		}
	} else if t.kind == tEndObject {
		if _, err := l.next(); err != nil {
			return nil, esError(err)
		}
	}
	switch verb {
	case "index":
		if opType == "create" {
			a.op = "create"
		}
	case "delete":
		if dynamicTemplates {
			return nil, eserr.IllegalArgument("Delete request in line [%d] does not accept dynamic_templates", n)
		}
	case "update":
		if versioned {
			return nil, eserr.IllegalArgument("Update requests do not support versioning. Please use `if_seq_no` and `if_primary_term` instead")
		}
		if requireDataStream {
			return nil, eserr.IllegalArgument("Update requests do not support the `require_data_stream` flag, as data streams do not support update operations")
		}
		if dynamicTemplates {
			return nil, eserr.IllegalArgument("Update request in line [%d] does not accept dynamic_templates", n)
		}
	}
	return a, nil
}

// interner shares the strings of repeated index names, as the parser's
// stringDeduplicator does, so that verdicts of a large bulk cost one copy of
// each name. It stops growing after a while so that a body of distinct
// names cannot make it the larger cost.
type interner map[string]string

func (in *interner) get(s string) string {
	if v, ok := (*in)[s]; ok {
		return v
	}
	if *in == nil {
		*in = make(interner)
	}
	if len(*in) < 1024 {
		(*in)[s] = s
	}
	return s
}

// SpliceBulk reads the cluster's bulk response (JSON: took, errors,
// items[…]) from upstream (nil when nothing was forwarded) and writes the
// client's response to w: the cluster's items with the denied ones inserted
// at their request positions, "errors" true when any item failed, "took" kept
// (0 when nothing was forwarded), other top-level fields kept in order.
//
// A denied item is BulkItemResponse.toXContent of a failure:
// {"<op>":{"_index":…,"_id":… or null,"status":N,"error":{"type":…,"reason":…}}}
// with the error's caused_by and header as generateThrowableXContent writes
// them, and no root_cause. The cluster's items must match the forwarded
// ones in number and operation, or SpliceBulk fails rather than attribute
// one item's outcome to another. Pass only a 200 answer: any other is the
// cluster's error about the whole request, for the caller to relay.
func SpliceBulk(upstream io.Reader, verdicts []Verdict, w io.Writer) error {
	denied := 0
	for _, v := range verdicts {
		if v.Err != nil {
			denied++
		}
	}
	allowed := len(verdicts) - denied
	var doc *upstreamDoc
	if upstream == nil {
		// BulkResponse.toXContentChunked's order in 8.x.
		doc = synthetic("items", "errors", "false", "took", "0")
	} else {
		var err error
		if doc, err = readUpstream(upstream, "items", "_bulk"); err != nil {
			return err
		}
	}
	if len(doc.items) != allowed {
		return mismatch("_bulk", allowed, len(doc.items))
	}
	j := 0
	for _, v := range verdicts {
		if v.Err != nil {
			continue
		}
		if op := firstKey(doc.items[j]); op != v.Item.Op {
			return eserr.IllegalState("cannot merge the cluster's [_bulk] response: item [%d] answers [%s] where [%s] was sent", j, op, v.Item.Op)
		}
		j++
	}
	var prefix []byte
	if denied > 0 && !doc.has("errors") {
		prefix = []byte(`"errors":true,`)
	}
	bw := bufio.NewWriter(w)
	j = 0
	err := writeMerged(bw, doc, len(verdicts), func(dst []byte, k int) []byte {
		if v := verdicts[k]; v.Err != nil {
			return appendDeniedBulk(dst, v)
		}
		j++
		return appendCompact(dst, doc.items[j-1])
	}, func(key string) ([]byte, bool) {
		return []byte("true"), key == "errors" && denied > 0
	}, prefix)
	if err != nil {
		return err
	}
	return bw.Flush()
}

func appendDeniedBulk(dst []byte, v Verdict) []byte {
	e := esError(v.Err)
	dst = append(dst, '{')
	dst = appendQuoted(dst, v.Item.Op)
	dst = append(dst, `:{"_index":`...)
	dst = appendQuoted(dst, v.Item.Index)
	dst = append(dst, `,"_id":`...)
	if v.Item.ID == "" {
		dst = append(dst, "null"...)
	} else {
		dst = appendQuoted(dst, v.Item.ID)
	}
	dst = append(dst, `,"status":`...)
	dst = appendInt(dst, statusOf(e))
	dst = append(dst, `,"error":`...)
	dst = appendThrowable(dst, e)
	return append(dst, "}}"...)
}

// firstKey returns the first key of a JSON object, "" if there is none.
func firstKey(raw json.RawMessage) string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return ""
	}
	t, err := dec.Token()
	if err != nil {
		return ""
	}
	s, _ := t.(string)
	return s
}
