package profiles

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/suggest"
	"github.com/esauth/esauth/internal/xcontent"
)

// field is one member of a JSON object in a request body, with the offsets
// Jackson reports in its locations.
type field struct {
	key    string
	keyOff int // the opening quote of the name
	valOff int // the first byte of the value
	raw    []byte
}

func (f field) token() xcontent.Token { return xcontent.Value{Raw: f.raw}.Token() }

// fields checks body as xcontent.Fields does (Elasticsearch's answers to
// a missing body, a non-object, malformed JSON and duplicate keys) and
// returns its top-level members in order.
func fields(body []byte) ([]field, error) {
	if err := xcontent.Fields(body, func(xcontent.Value) error { return nil }); err != nil {
		return nil, err
	}
	start := skipSpace(body, 0)
	return members(body, start), nil
}

// members lists the fields of the well-formed object at off in body.
func members(body []byte, off int) []field {
	var out []field
	i := skipSpace(body, off) + 1 // past '{'
	for {
		i = skipSpace(body, i)
		if body[i] == '}' {
			return out
		}
		if body[i] == ',' {
			i = skipSpace(body, i+1)
		}
		keyOff := i
		end := stringEnd(body, i)
		var key string
		_ = json.Unmarshal(body[i:end], &key)
		i = skipSpace(body, end)
		i = skipSpace(body, i+1) // past ':'
		n := valueLen(body[i:])
		out = append(out, field{key: key, keyOff: keyOff, valOff: i, raw: body[i : i+n]})
		i += n
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

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

func valueLen(b []byte) int {
	var raw json.RawMessage
	_ = json.NewDecoder(bytes.NewReader(b)).Decode(&raw) // b is well-formed
	return len(raw)
}

// xcp is an XContentParseException at the byte offset off.
func xcp(body []byte, off int, format string, args ...any) *eserr.Error {
	off = max(0, min(off, len(body)))
	before := body[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := off - bytes.LastIndexByte(before, '\n')
	return eserr.XContentParse(line, col, fmt.Sprintf(format, args...))
}

// unknownField is ObjectParser's answer to a field it does not declare.
func unknownField(body []byte, f field, parser string, declared ...string) *eserr.Error {
	hint := ""
	if p := suggest.Phrase(suggest.Closest(f.key, declared, 0.5)); p != "" {
		hint = " " + p
	}
	return xcp(body, f.keyOff, "[%s] unknown field [%s]%s", parser, f.key, hint)
}

// wrongType is ObjectParser's answer to a value of a token the field does
// not take.
func wrongType(body []byte, f field, parser string) *eserr.Error {
	return xcp(body, f.valOff, "[%s] %s doesn't support values of type: %s", parser, f.key, f.token())
}

// str reads a declareString field.
func str(body []byte, f field, parser string) (string, error) {
	if f.token() != xcontent.String {
		return "", wrongType(body, f, parser)
	}
	var s string
	_ = json.Unmarshal(f.raw, &s)
	return s, nil
}

// object reads a declareObject field parsed with parser.map(): an object,
// compacted.
func object(body []byte, f field, parser string) ([]byte, error) {
	if f.token() != xcontent.StartObject {
		return nil, wrongType(body, f, parser)
	}
	var b bytes.Buffer
	if err := json.Compact(&b, f.raw); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// stringArray reads a declareStringArray field: an array of strings, or
// one string.
func stringArray(body []byte, f field, parser string) ([]string, error) {
	switch f.token() {
	case xcontent.String:
		s, err := str(body, f, parser)
		return []string{s}, err
	case xcontent.StartArray:
	default:
		return nil, wrongType(body, f, parser)
	}
	var items []json.RawMessage
	_ = json.Unmarshal(f.raw, &items)
	out := make([]string, 0, len(items))
	for _, it := range items {
		if (xcontent.Value{Raw: it}).Token() != xcontent.String {
			return nil, xcp(body, f.valOff, "[%s] failed to parse field [%s]", parser, f.key)
		}
		var s string
		_ = json.Unmarshal(it, &s)
		out = append(out, s)
	}
	return out, nil
}

// integer reads a declareInt field: a number, or a string holding one.
func integer(body []byte, f field, parser string) (int, error) {
	var text string
	switch f.token() {
	case xcontent.Number:
		text = string(f.raw)
	case xcontent.String:
		text, _ = str(body, f, parser)
	default:
		return 0, wrongType(body, f, parser)
	}
	n, err := strconv.ParseInt(text, 10, 32)
	if err != nil {
		if fl, ferr := strconv.ParseFloat(text, 64); ferr == nil && fl == float64(int32(fl)) {
			return int(fl), nil // Jackson's getIntValue truncates 5.0
		}
		e := xcp(body, f.valOff, "[%s] failed to parse field [%s]", parser, f.key)
		e.CausedBy = &eserr.Error{Type: "number_format_exception", Status: http.StatusBadRequest,
			Reason: "For input string: \"" + text + "\""}
		return 0, e
	}
	return int(n), nil
}
