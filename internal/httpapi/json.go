package httpapi

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/esauth/esauth/internal/realm"
	"github.com/esauth/esauth/internal/user"
	"github.com/esauth/esauth/internal/xcontent"
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
		return xcontent.AppendString(dst, x), nil
	case *string:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return xcontent.AppendString(dst, *x), nil
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
			dst = xcontent.AppendString(dst, s)
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
		dst = xcontent.AppendString(dst, x.Name)
		dst = append(dst, `,"type":`...)
		dst = xcontent.AppendString(dst, x.Type)
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
	dst = xcontent.AppendString(dst, u.Username)
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
		dst = xcontent.AppendString(dst, f.key)
		dst = append(dst, ':')
		var err error
		if dst, err = appendJSON(dst, f.val); err != nil {
			return nil, err
		}
	}
	return append(dst, '}'), nil
}
