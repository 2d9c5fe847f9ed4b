package profiles

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/xcontent"
)

// field is one member of a JSON object in a request body, with the
// offsets Jackson reports in its locations.
type field = xcontent.Member

// unknownField is ObjectParser's answer to a field it does not declare.
func unknownField(body []byte, f field, parser string, declared ...string) *eserr.Error {
	return xcontent.UnknownField(body, f, parser, declared)
}

// str reads a declareString field.
func str(body []byte, f field, parser string) (string, error) {
	if f.Token() != xcontent.String {
		return "", xcontent.WrongType(body, f, parser)
	}
	var s string
	_ = json.Unmarshal(f.Raw, &s)
	return s, nil
}

// object reads a declareObject field parsed with parser.map(): an object,
// compacted.
func object(body []byte, f field, parser string) ([]byte, error) {
	if f.Token() != xcontent.StartObject {
		return nil, xcontent.WrongType(body, f, parser)
	}
	var b bytes.Buffer
	if err := json.Compact(&b, f.Raw); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// stringArray reads a declareStringArray field: an array of strings, or
// one string.
func stringArray(body []byte, f field, parser string) ([]string, error) {
	switch f.Token() {
	case xcontent.String:
		s, err := str(body, f, parser)
		return []string{s}, err
	case xcontent.StartArray:
	default:
		return nil, xcontent.WrongType(body, f, parser)
	}
	var items []json.RawMessage
	_ = json.Unmarshal(f.Raw, &items)
	out := make([]string, 0, len(items))
	for _, it := range items {
		if (xcontent.Value{Raw: it}).Token() != xcontent.String {
			return nil, xcontent.ErrorAt(body, f.ValOff, "[%s] failed to parse field [%s]", parser, f.Key)
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
	switch f.Token() {
	case xcontent.Number:
		text = string(f.Raw)
	case xcontent.String:
		text, _ = str(body, f, parser)
	default:
		return 0, xcontent.WrongType(body, f, parser)
	}
	n, err := strconv.ParseInt(text, 10, 32)
	if err != nil {
		if fl, ferr := strconv.ParseFloat(text, 64); ferr == nil && fl == float64(int32(fl)) {
			return int(fl), nil // Jackson's getIntValue truncates 5.0
		}
		e := xcontent.ErrorAt(body, f.ValOff, "[%s] failed to parse field [%s]", parser, f.Key)
		e.CausedBy = &eserr.Error{Type: "number_format_exception", Status: http.StatusBadRequest,
			Reason: "For input string: \"" + text + "\""}
		return 0, e
	}
	return int(n), nil
}
