package apikey

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/esauth/esauth/internal/store"
	"net/http"
	"strings"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/suggest"
	"github.com/esauth/esauth/internal/xcontent"
)

// member is one field of a JSON object in a request body, with the offsets
// Jackson reports in its locations.
type member struct {
	key    string
	keyOff int // the opening quote of the name
	valOff int // the first byte of the value
	raw    []byte
}

func (m member) token() xcontent.Token { return xcontent.Value{Raw: m.raw}.Token() }

// lastOff is where the parser stands once it has read the whole value:
// the closing bracket of an object or array, else the value itself.
func (m member) lastOff() int {
	if m.raw[0] == '{' || m.raw[0] == '[' {
		return m.valOff + len(m.raw) - 1
	}
	return m.valOff
}

func (m member) str() string {
	var s string
	_ = json.Unmarshal(m.raw, &s) // only called on a VALUE_STRING
	return s
}

// topMembers checks body as xcontent.Fields does (Elasticsearch's messages
// for a missing body, a non-object, malformed JSON and duplicate keys) and
// returns its top-level fields in order.
func topMembers(body []byte) ([]member, error) {
	if err := xcontent.Fields(body, func(xcontent.Value) error { return nil }); err != nil {
		return nil, err
	}
	start := skipSpace(body, 0)
	return members(body, start, body[start:]), nil
}

// members lists the fields of the object raw, which starts at off in body
// and is known to be well-formed.
func members(body []byte, off int, raw []byte) []member {
	var out []member
	i := skipSpace(raw, 0) + 1 // past '{'
	for {
		i = skipSpace(raw, i)
		if raw[i] == '}' {
			return out
		}
		if raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
		keyOff := i
		end := stringEnd(raw, i)
		var key string
		_ = json.Unmarshal(raw[i:end], &key)
		i = skipSpace(raw, end)
		i = skipSpace(raw, i+1) // past ':'
		n := valueLen(raw[i:])
		out = append(out, member{key: key, keyOff: off + keyOff, valOff: off + i, raw: raw[i : i+n]})
		i += n
	}
}

// elements lists the values of the array raw, at off in body.
func elements(off int, raw []byte) []member {
	var out []member
	i := skipSpace(raw, 0) + 1 // past '['
	for {
		i = skipSpace(raw, i)
		if raw[i] == ']' {
			return out
		}
		if raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
		n := valueLen(raw[i:])
		out = append(out, member{valOff: off + i, raw: raw[i : i+n]})
		i += n
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the offset just past the JSON string starting at i.
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(b)
}

// valueLen is the length of the JSON value at the start of b.
func valueLen(b []byte) int {
	var raw json.RawMessage
	_ = json.NewDecoder(bytes.NewReader(b)).Decode(&raw) // b is well-formed
	return len(raw)
}

// location renders a byte offset as Jackson's "line:column".
func location(body []byte, off int) string {
	off = max(0, min(off, len(body)))
	before := body[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := off - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("%d:%d", line, col)
}

// xcp is an XContentParseException located at off.
func xcp(body []byte, off int, format string, args ...any) *eserr.Error {
	return &eserr.Error{Type: "x_content_parse_exception", Status: http.StatusBadRequest,
		Reason: "[" + location(body, off) + "] " + fmt.Sprintf(format, args...)}
}

// failedField is ObjectParser's wrapper around any failure of a field's
// parser, located where the parser stood.
func failedField(body []byte, off int, parser, field string, cause error) *eserr.Error {
	e := xcp(body, off, "[%s] failed to parse field [%s]", parser, field)
	e.CausedBy = asES(cause)
	return e
}

// failedBuild is ConstructingObjectParser's wrapper around a failure of the
// request's constructor, which has no location.
func failedBuild(parser string, cause error) *eserr.Error {
	return &eserr.Error{Type: "x_content_parse_exception", Status: http.StatusBadRequest,
		Reason: "Failed to build [" + parser + "] after last required field arrived", CausedBy: asES(cause)}
}

func unknownField(body []byte, m member, parser string, fields []string) *eserr.Error {
	return xcp(body, m.keyOff, "[%s] unknown field [%s]%s", parser, m.key, didYouMean(m.key, fields))
}

// wrongType is ObjectParser's FieldParser.assertSupports.
func wrongType(body []byte, m member, parser string) *eserr.Error {
	return xcp(body, m.valOff, "[%s] %s doesn't support values of type: %s", parser, m.key, m.token())
}

// didYouMean is SuggestingErrorOnUnknown.suggest.
func didYouMean(unknown string, candidates []string) string {
	if p := suggest.Phrase(suggest.Closest(unknown, candidates, 0.5)); p != "" {
		return " " + p
	}
	return ""
}

// asES turns any error into the exception it stands for; errors that are
// not Elasticsearch's are illegal arguments, as Java's would mostly be.
func asES(err error) *eserr.Error {
	if e, ok := err.(*eserr.Error); ok {
		return e
	}
	return eserr.IllegalArgument("%s", err.Error())
}

// locatedAt reads the "[line:col] " prefix of an XContentParseException.
func locatedAt(e *eserr.Error) (string, bool) {
	if e.Type != "x_content_parse_exception" || !strings.HasPrefix(e.Reason, "[") {
		return "", false
	}
	loc, _, ok := strings.Cut(e.Reason[1:], "] ")
	return loc, ok
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
