package httpapi

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/esauth/esauth/internal/realm"
	"github.com/esauth/esauth/internal/user"
)

// appendJSON appends v as compact JSON, byte for byte what marshal would
// produce. The types every response is built from are written directly:
// going through encoding/json costs an encoder per value and a re-scan of
// every nested MarshalJSON, which was half the CPU of an authenticated
// request. Anything else falls back to marshal.
func appendJSON(dst []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case string:
		return appendString(dst, x), nil
	case *string:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return appendString(dst, *x), nil
	case bool:
		return strconv.AppendBool(dst, x), nil
	case int:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(dst, x, 10), nil
	case []string:
		if x == nil {
			return append(dst, "null"...), nil
		}
		dst = append(dst, '[')
		for i, s := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, s)
		}
		return append(dst, ']'), nil
	case []any:
		if x == nil {
			return append(dst, "null"...), nil
		}
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendJSON(dst, e); err != nil {
				return nil, err
			}
		}
		return append(dst, ']'), nil
	case orderedObject:
		return x.appendTo(dst)
	case jsonAppender:
		return x.appendJSON(dst)
	case user.User:
		return appendUser(dst, x)
	case realm.Ref:
		dst = append(dst, `{"name":`...)
		dst = appendString(dst, x.Name)
		dst = append(dst, `,"type":`...)
		dst = appendString(dst, x.Type)
		return append(dst, '}'), nil
	case json.RawMessage:
		if x == nil {
			return append(dst, "null"...), nil
		}
		// Stored documents may carry insignificant spaces; compacting also
		// validates, as encoding/json does for a RawMessage.
		buf := bytes.NewBuffer(dst)
		if err := json.Compact(buf, x); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	b, err := marshal(v)
	if err != nil {
		return nil, err
	}
	return append(dst, b...), nil
}

// jsonAppender is a response body that writes its own JSON, for the hot
// answers where boxing each field in an orderedObject would cost an
// allocation per field.
type jsonAppender interface {
	appendJSON(dst []byte) ([]byte, error)
}

// appendUser writes a user as Elasticsearch shows one, in its field order.
func appendUser(dst []byte, u user.User) ([]byte, error) {
	dst = append(dst, `{"username":`...)
	dst = appendString(dst, u.Username)
	dst = append(dst, `,"roles":`...)
	dst, _ = appendJSON(dst, u.Roles)
	dst = append(dst, `,"full_name":`...)
	dst, _ = appendJSON(dst, u.FullName)
	dst = append(dst, `,"email":`...)
	dst, _ = appendJSON(dst, u.Email)
	dst = append(dst, `,"metadata":`...)
	dst, err := appendJSON(dst, u.Metadata)
	if err != nil {
		return nil, err
	}
	dst = append(dst, `,"enabled":`...)
	dst = strconv.AppendBool(dst, u.Enabled)
	return append(dst, '}'), nil
}

func (o orderedObject) appendTo(dst []byte) ([]byte, error) {
	dst = append(dst, '{')
	for i, f := range o {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, f.key)
		dst = append(dst, ':')
		var err error
		if dst, err = appendJSON(dst, f.val); err != nil {
			return nil, err
		}
	}
	return append(dst, '}'), nil
}

const hexDigits = "0123456789abcdef"

// appendString quotes s as encoding/json does with HTML escaping off (as
// Elasticsearch's Jackson writes): short escapes for the usual controls,
// \u00XX for the rest, U+FFFD for invalid UTF-8, and U+2028/U+2029
// escaped for JavaScript's sake.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
