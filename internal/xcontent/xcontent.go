package xcontent

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/esauth/esauth/internal/eserr"
)

// Token is the name Elasticsearch prints for a JSON token in its messages.
type Token string

// The tokens a field value can start with.
const (
	StartObject Token = "START_OBJECT"
	StartArray  Token = "START_ARRAY"
	String      Token = "VALUE_STRING"
	Number      Token = "VALUE_NUMBER"
	Boolean     Token = "VALUE_BOOLEAN"
	Null        Token = "VALUE_NULL"
)

// Value is one field's raw JSON value.
type Value struct {
	Field string
	Raw   json.RawMessage
}

// Token reports the kind of the value from its first byte; the value is
// already known to be valid JSON.
func (v Value) Token() Token {
	switch v.Raw[0] {
	case '{':
		return StartObject
	case '[':
		return StartArray
	case '"':
		return String
	case 't', 'f':
		return Boolean
	case 'n':
		return Null
	}
	return Number
}

func (v Value) typeError(want string) error {
	return eserr.Parse("expected field [%s] to be of type %s, but found [%s] instead", v.Field, want, v.Token())
}

// String returns a string value, or a parse_exception for any other token.
func (v Value) String() (string, error) {
	if v.Token() != String {
		return "", v.typeError("string")
	}
	var s string
	err := json.Unmarshal(v.Raw, &s)
	return s, err
}

// NullableString returns nil for null and the string otherwise.
func (v Value) NullableString() (*string, error) {
	if v.Token() == Null {
		return nil, nil
	}
	s, err := v.String()
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// Bool returns a boolean value.
func (v Value) Bool() (bool, error) {
	if v.Token() != Boolean {
		return false, v.typeError("boolean")
	}
	return v.Raw[0] == 't', nil
}

// Object returns an object value, compacted, with its keys in the order
// given; null and other tokens are parse errors.
func (v Value) Object() (json.RawMessage, error) {
	if v.Token() != StartObject {
		return nil, v.typeError("object")
	}
	var b bytes.Buffer
	if err := json.Compact(&b, v.Raw); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// StringArray is XContentUtils.readStringArray(parser, false).
func (v Value) StringArray() ([]string, error) {
	switch tok := v.Token(); tok {
	case Null:
		return nil, eserr.Parse("could not parse [%s] field. expected a string array but found null value instead", v.Field)
	case StartArray:
	default:
		return nil, eserr.Parse("could not parse [%s] field. expected a string array but found [%s] value instead", v.Field, tok)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(v.Raw, &items); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		s, err := Value{Field: v.Field, Raw: it}.String()
		if err != nil {
			return nil, eserr.Parse("could not parse [%s] field. expected a string array but one of the value in the array is [%s]",
				v.Field, Value{Raw: it}.Token())
		}
		out = append(out, s)
	}
	return out, nil
}

// CommaList splits a string the way Strings.commaDelimitedListToStringArray
// does: no trimming, and "" yields no items.
func CommaList(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// ErrBodyRequired is what request.requiredContent() throws.
var ErrBodyRequired = eserr.Parse("request body is required")

// Fields calls fn for each top-level field of the JSON object in body, in
// order, stopping at fn's first error. Like Elasticsearch it reports a body
// that is not an object, malformed JSON at its position, and duplicate keys.
func Fields(body []byte, fn func(Value) error) error {
	if len(body) == 0 {
		return ErrBodyRequired
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return eserr.Parse("expected an object, but found token [null]")
		}
		return syntaxError(body, dec, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return eserr.Parse("expected an object, but found token [%s]", tokenName(tok))
	}
	seen := make(map[string]bool)
	for dec.More() {
		keyTok, err := dec.Token()
		if err != nil {
			return syntaxError(body, dec, err)
		}
		key, _ := keyTok.(string)
		if seen[key] {
			return duplicate(body, dec, key)
		}
		seen[key] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return syntaxError(body, dec, err)
		}
		if err := checkDuplicates(raw); err != nil {
			return duplicate(body, dec, err.Error())
		}
		if err := fn(Value{Field: key, Raw: raw}); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return syntaxError(body, dec, err)
	}
	return nil
}

func tokenName(tok json.Token) Token {
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			return StartArray
		}
		return StartObject
	case string:
		return String
	case bool:
		return Boolean
	case nil:
		return Null
	}
	return Number
}

// checkDuplicates finds a repeated key in any nested object, which
// Elasticsearch's strict duplicate detection rejects. raw is valid JSON.
func checkDuplicates(raw json.RawMessage) error {
	if raw[0] != '{' && raw[0] != '[' {
		return nil
	}
	return walk(json.NewDecoder(bytes.NewReader(raw)))
}

// walk consumes one value from dec; the error's text is the repeated key.
func walk(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	keys := map[string]bool{}
	for dec.More() {
		if d == '{' {
			k, err := dec.Token()
			if err != nil {
				return err
			}
			if keys[k.(string)] {
				return errors.New(k.(string))
			}
			keys[k.(string)] = true
		}
		if err := walk(dec); err != nil {
			return err
		}
	}
	_, err = dec.Token() // the closing delimiter
	return err
}

func duplicate(body []byte, dec *json.Decoder, key string) error {
	line, col := position(body, dec.InputOffset())
	return eserr.XContentParse(line, col, "Duplicate field '"+key+"'")
}

func syntaxError(body []byte, dec *json.Decoder, err error) error {
	off := dec.InputOffset()
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = se.Offset
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		off = int64(len(body))
		err = errors.New("Unexpected end-of-input")
	}
	line, col := position(body, off)
	return eserr.XContentParse(line, col, err.Error())
}

// position turns a byte offset into Jackson's 1-based line and column.
func position(body []byte, off int64) (line, col int) {
	if off > int64(len(body)) {
		off = int64(len(body))
	}
	before := body[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(off) - bytes.LastIndexByte(before, '\n')
	return line, col
}

// Marshal encodes v as Elasticsearch writes JSON: like json.Marshal but
// without rewriting <, > and & as \u escapes, so stored metadata and every
// answer come back exactly as they were sent.
func Marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// Items returns the elements of an array value, each named after the field.
func (v Value) Items() ([]Value, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(v.Raw, &items); err != nil {
		return nil, err
	}
	out := make([]Value, len(items))
	for i, it := range items {
		out[i] = Value{Field: v.Field, Raw: it}
	}
	return out, nil
}
