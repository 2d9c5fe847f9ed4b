package xcontent

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/suggest"
)

// Member is one field of a JSON object in a request body (or one element
// of an array, without a key), with the byte offsets Jackson reports in
// its locations. Parsers that must answer with Elasticsearch's located
// errors walk a body as Members.
type Member struct {
	Key    string
	KeyOff int // the opening quote of the name
	ValOff int // the first byte of the value
	Raw    []byte
}

// Token is the kind of the member's value.
func (m Member) Token() Token { return Value{Raw: m.Raw}.Token() }

// LastOff is where a parser stands once it has read the whole value: the
// closing bracket of an object or array, else the value itself.
func (m Member) LastOff() int {
	if m.Raw[0] == '{' || m.Raw[0] == '[' {
		return m.ValOff + len(m.Raw) - 1
	}
	return m.ValOff
}

// Str is the value of a VALUE_STRING member.
func (m Member) Str() string {
	var s string
	_ = json.Unmarshal(m.Raw, &s)
	return s
}

// TopMembers checks body as Fields does (Elasticsearch's messages for a
// missing body, a non-object, malformed JSON and duplicate keys) and
// returns its top-level fields in order.
func TopMembers(body []byte) ([]Member, error) {
	if err := Fields(body, func(Value) error { return nil }); err != nil {
		return nil, err
	}
	start := SkipSpace(body, 0)
	return Members(body, start, body[start:]), nil
}

// Members lists the fields of the object raw, which starts at off in body
// and is known to be well-formed.
func Members(body []byte, off int, raw []byte) []Member {
	var out []Member
	i := SkipSpace(raw, 0) + 1 // past '{'
	for {
		i = SkipSpace(raw, i)
		if raw[i] == '}' {
			return out
		}
		if raw[i] == ',' {
			i = SkipSpace(raw, i+1)
		}
		keyOff := i
		end := StringEnd(raw, i)
		var key string
		_ = json.Unmarshal(raw[i:end], &key)
		i = SkipSpace(raw, end)
		i = SkipSpace(raw, i+1) // past ':'
		n := ValueLen(raw[i:])
		out = append(out, Member{Key: key, KeyOff: off + keyOff, ValOff: off + i, Raw: raw[i : i+n]})
		i += n
	}
}

// Elements lists the values of the well-formed array raw, at off in body.
func Elements(off int, raw []byte) []Member {
	var out []Member
	i := SkipSpace(raw, 0) + 1 // past '['
	for {
		i = SkipSpace(raw, i)
		if raw[i] == ']' {
			return out
		}
		if raw[i] == ',' {
			i = SkipSpace(raw, i+1)
		}
		n := ValueLen(raw[i:])
		out = append(out, Member{ValOff: off + i, Raw: raw[i : i+n]})
		i += n
	}
}

// SkipSpace returns the index of the first byte at or after i that is not
// JSON white space.
func SkipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// StringEnd returns the offset just past the JSON string starting at i.
func StringEnd(b []byte, i int) int {
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

// ValueLen is the length of the well-formed JSON value at the start of b.
func ValueLen(b []byte) int {
	var raw json.RawMessage
	_ = json.NewDecoder(bytes.NewReader(b)).Decode(&raw)
	return len(raw)
}

// Location renders a byte offset of body as Jackson's "line:column".
func Location(body []byte, off int) string {
	off = max(0, min(off, len(body)))
	before := body[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := off - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("%d:%d", line, col)
}

// ErrorAt is an XContentParseException located at off in body.
func ErrorAt(body []byte, off int, format string, args ...any) *eserr.Error {
	return &eserr.Error{Type: "x_content_parse_exception", Status: http.StatusBadRequest,
		Reason: "[" + Location(body, off) + "] " + fmt.Sprintf(format, args...)}
}

// UnknownField is ObjectParser's refusal of a field it does not declare,
// with a suggestion among fields when one is close.
func UnknownField(body []byte, m Member, parser string, fields []string) *eserr.Error {
	return ErrorAt(body, m.KeyOff, "[%s] unknown field [%s]%s", parser, m.Key, DidYouMean(m.Key, fields))
}

// WrongType is ObjectParser's FieldParser.assertSupports.
func WrongType(body []byte, m Member, parser string) *eserr.Error {
	return ErrorAt(body, m.ValOff, "[%s] %s doesn't support values of type: %s", parser, m.Key, m.Token())
}

// DidYouMean is SuggestingErrorOnUnknown.suggest: " did you mean [x]?",
// or nothing when no candidate is close enough.
func DidYouMean(unknown string, candidates []string) string {
	if p := suggest.Phrase(suggest.Closest(unknown, candidates, 0.5)); p != "" {
		return " " + p
	}
	return ""
}
