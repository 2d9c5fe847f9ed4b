package xcontent

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// Field is one key of an Object.
type Field struct {
	Key   string
	Value any
}

// Object is a JSON object whose keys keep the order they were given in,
// as Elasticsearch's answers do.
type Object []Field

// Obj builds an Object from alternating keys and values; an odd count or a
// key that is not a string is a programming error and panics.
func Obj(kv ...any) Object {
	if len(kv)%2 != 0 {
		panic("xcontent.Obj: odd number of arguments")
	}
	o := make(Object, 0, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		o = append(o, Field{kv[i].(string), kv[i+1]})
	}
	return o
}

// With returns o with one more field.
func (o Object) With(key string, value any) Object { return append(o, Field{key, value}) }

// MarshalJSON implements json.Marshaler.
func (o Object) MarshalJSON() ([]byte, error) { return o.AppendJSON(nil) }

// AppendJSON implements Appender.
func (o Object) AppendJSON(dst []byte) ([]byte, error) {
	dst = append(dst, '{')
	for i, f := range o {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendString(dst, f.Key)
		dst = append(dst, ':')
		var err error
		if dst, err = Append(dst, f.Value); err != nil {
			return nil, err
		}
	}
	return append(dst, '}'), nil
}

// Appender is a value that writes its own JSON, for the hot answers where
// boxing each field in an Object would cost an allocation per field.
type Appender interface {
	AppendJSON(dst []byte) ([]byte, error)
}

// Append appends v as compact JSON, byte for byte what Marshal would
// produce. The types answers are built from are written directly: going
// through encoding/json costs an encoder per value and a re-scan of every
// nested MarshalJSON, which was half the CPU of an authenticated request.
// Anything else falls back to Marshal.
func Append(dst []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case string:
		return AppendString(dst, x), nil
	case *string:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return AppendString(dst, *x), nil
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
			dst = AppendString(dst, s)
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
			if dst, err = Append(dst, e); err != nil {
				return nil, err
			}
		}
		return append(dst, ']'), nil
	case []Object:
		if x == nil {
			return append(dst, "null"...), nil
		}
		dst = append(dst, '[')
		for i, o := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = o.AppendJSON(dst); err != nil {
				return nil, err
			}
		}
		return append(dst, ']'), nil
	case Appender:
		return x.AppendJSON(dst)
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
	b, err := Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(dst, b...), nil
}

// Float marshals with a decimal point, as Java prints a double.
type Float float64

// MarshalJSON implements json.Marshaler.
func (f Float) MarshalJSON() ([]byte, error) {
	b, err := Marshal(float64(f))
	if err == nil && !bytes.ContainsAny(b, ".eE") {
		b = append(b, '.', '0')
	}
	return b, err
}
