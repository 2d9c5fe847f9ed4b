package roles

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/xcontent"
)

// value is one JSON value of a body that is already known to be
// well-formed (xcontent.Fields has read all of it), with its offset in the
// body so that errors can carry Jackson's line and column.
type value struct {
	body []byte // the whole body
	off  int    // where raw starts in body
	raw  []byte
	// field is what Jackson's currentName() returns while the parser
	// sits on this value: the member's name, except for a scalar inside an
	// array, whose context has no name ("null" in Elasticsearch's
	// messages); an object or array element takes the array's name.
	field string
}

func (v value) token() xcontent.Token { return xcontent.Value{Raw: v.raw}.Token() }

func (v value) str() string {
	var s string
	_ = json.Unmarshal(v.raw, &s) // the value is a valid JSON string
	return s
}

// text is Jackson's text() of a scalar: a string's content, or a number's
// or boolean's literal.
func (v value) text() string {
	if v.token() == xcontent.String {
		return v.str()
	}
	return string(v.raw)
}

// compact returns the value as compact JSON.
func (v value) compact() []byte {
	var b bytes.Buffer
	_ = json.Compact(&b, v.raw) // the value is valid JSON
	return b.Bytes()
}

// xerr is an x_content_parse_exception located at off.
func (v value) xerr(off int, format string, args ...any) error {
	line, col := position(v.body, off)
	return eserr.XContentParse(line, col, fmt.Sprintf(format, args...))
}

// fields calls fn for each member of an object value, in order, with the
// offset of the member's name.
func (v value) fields(fn func(name string, nameOff int, val value) error) error {
	i := xcontent.SkipSpace(v.raw, 0) + 1 // past '{'
	for {
		i = xcontent.SkipSpace(v.raw, i)
		if v.raw[i] == '}' {
			return nil
		}
		if v.raw[i] == ',' {
			i = xcontent.SkipSpace(v.raw, i+1)
		}
		nameOff := i
		end := xcontent.StringEnd(v.raw, i)
		var name string
		_ = json.Unmarshal(v.raw[i:end], &name)
		i = xcontent.SkipSpace(v.raw, end)
		i = xcontent.SkipSpace(v.raw, i+1) // past ':'
		n := xcontent.ValueLen(v.raw[i:])
		val := value{body: v.body, off: v.off + i, raw: v.raw[i : i+n], field: name}
		if err := fn(name, v.off+nameOff, val); err != nil {
			return err
		}
		i += n
	}
}

// elems calls fn for each element of an array value. Elements carry the
// name Jackson would report for them (see name).
func (v value) elems(fn func(val value) error) error {
	i := xcontent.SkipSpace(v.raw, 0) + 1 // past '['
	for {
		i = xcontent.SkipSpace(v.raw, i)
		if v.raw[i] == ']' {
			return nil
		}
		if v.raw[i] == ',' {
			i = xcontent.SkipSpace(v.raw, i+1)
		}
		n := xcontent.ValueLen(v.raw[i:])
		el := value{body: v.body, off: v.off + i, raw: v.raw[i : i+n], field: "null"}
		if c := el.raw[0]; c == '{' || c == '[' {
			// Jackson takes a start marker's name from the enclosing field.
			el.field = v.field
		}
		if err := fn(el); err != nil {
			return err
		}
		i += n
	}
}

// position turns a byte offset into Jackson's 1-based line and column.
func position(body []byte, off int) (line, col int) {
	if off > len(body) {
		off = len(body)
	}
	before := body[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = off - bytes.LastIndexByte(before, '\n')
	return line, col
}
