package items

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// tokens lexes data to the end and describes each token.
func tokens(data string) ([]string, error) {
	l := newLexer([]byte(data))
	var out []string
	for {
		t, err := l.next()
		if err != nil {
			return out, err
		}
		if t.kind == tEnd {
			return out, nil
		}
		s := t.kind.String()
		if t.kind == tField || t.kind.isValue() {
			s += "=" + t.text
		}
		out = append(out, s+"@"+string(data[t.start:t.end]))
	}
}

func TestLexerTokens(t *testing.T) {
	got, err := tokens("\uFEFF{ \"a\" : [1, -2.5e+3, \"x\\n\\u00e9\\ud83d\\ude00\", true, false, null], /* c\n */ \"b\":{} // end\n}\r\n[]")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"START_OBJECT@{", `FIELD_NAME=a@"a"`, "START_ARRAY@[", "VALUE_NUMBER=1@1", "VALUE_NUMBER=-2.5e+3@-2.5e+3",
		"VALUE_STRING=x\né\U0001F600@\"x\\n\\u00e9\\ud83d\\ude00\"", "VALUE_BOOLEAN=true@true", "VALUE_BOOLEAN=false@false",
		"VALUE_NULL@null", "END_ARRAY@]", `FIELD_NAME=b@"b"`, "START_OBJECT@{", "END_OBJECT@}", "END_OBJECT@}",
		"START_ARRAY@[", "END_ARRAY@]",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tokens (-want +got):\n%s", diff)
	}
}

func TestLexerErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"a":1,}`, "[1:9] Unexpected character ('}' (code 125)): was expecting double-quote to start field name"},
		{`[1,]`, "[1:5] Unexpected character (']' (code 93)): expected a value"},
		{`[1}`, "[1:4] Unexpected close marker '}': expected ']'"},
		{`{"a"]`, "[1:6] Unexpected character (']' (code 93)): was expecting a colon to separate field name and value"},
		{`{"a":1 "b":2}`, "[1:9] Unexpected character ('\"' (code 34)): was expecting comma to separate Object entries"},
		{`{"a":01}`, "[1:8] Invalid numeric value: Leading zeroes not allowed"},
		{`[-x]`, "[1:4] Unexpected character ('x' (code 120)) in numeric value: expected digit (0-9) to follow minus sign, for valid numeric value"},
		{`[1.]`, "[1:5] Unexpected character (']' (code 93)) in numeric value: Decimal point not followed by a digit"},
		{`[1e]`, "[1:5] Unexpected character (']' (code 93)) in numeric value: Exponent indicator not followed by a digit"},
		{`1x`, "[1:3] Unexpected character ('x' (code 120)): Expected space separating root-level values"},
		{`[tru]`, "[1:5] Unrecognized token 'tru': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"},
		{`[nullx]`, "[1:7] Unrecognized token 'nullx': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"},
		{"[\"a\tb\"]", "[1:5] Illegal unquoted character ((CTRL-CHAR, code 9)): has to be escaped using backslash to be included in string value"},
		{`["\x"]`, "[1:5] Unrecognized character escape 'x' (code 120)"},
		{`["\u12g4"]`, "[1:8] Unexpected character ('g' (code 103)): expected a hex-digit for character escape sequence"},
		{`["\udc00"]`, "[1:9] Unpaired surrogate in \\u escape"},
		{"[\"\xff\"]", "[1:4] Invalid UTF-8 start byte 0xff"},
		{"[\"\xc3(\"]", "[1:5] Invalid UTF-8 middle byte 0x28"},
		{"\x01", "[1:2] Illegal character ((CTRL-CHAR, code 1)): only regular white space (\\r, \\n, \\t) is allowed between tokens"},
		{`/x`, "[1:3] Unexpected character ('x' (code 120)): was expecting either '*' or '/' for a comment"},
		{`{"a":1,"a":2}`, "[1:11] Duplicate field 'a'"},
		{"{\n\"a\":{\"b\":1,\n\"b\":2}}", "[3:4] Duplicate field 'b'"},
		{`[1, /* open`, "[1:12] Unexpected end of file"},
		{`["abc`, "[1:6] Unexpected end of file"},
		{`{"a":`, "[1:6] Unexpected end of file"},
		{`[tr`, "[1:4] Unexpected end of file"},
		{`]`, "[1:2] Unexpected close marker ']': expected '}'"},
		{`}`, "[1:2] Unexpected close marker '}': expected ']'"},
		{strings.Repeat("[", 1001), "[1:1002] Document nesting depth (1001) exceeds the maximum allowed (1000, from `StreamReadConstraints.getMaxNestingDepth()`)"},
	}
	for _, tt := range tests {
		_, err := tokens(tt.in)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%q:\n got %v\nwant %s", tt.in, err, tt.want)
		}
	}
	// Many keys switch duplicate detection to a set, which must still see.
	var b strings.Builder
	b.WriteString("{")
	for i := range 40 {
		fmt.Fprintf(&b, `"k%d":1,`, i)
	}
	b.WriteString(`"k0":2}`)
	if _, err := tokens(b.String()); err == nil || !strings.Contains(err.Error(), "Duplicate field 'k0'") {
		t.Errorf("40 keys: %v", err)
	}
}

// jacksonOnly reports failures that are the lexer's on purpose where
// encoding/json accepts the input (it checks neither duplicates nor UTF-8,
// and nests deeper).
func jacksonOnly(err error) bool {
	var le *lexErr
	if !errors.As(err, &le) {
		return false
	}
	for _, s := range []string{"Duplicate field", "Unpaired surrogate", "Invalid UTF-8", "nesting depth", "Number value length"} {
		if strings.Contains(le.msg, s) {
			return true
		}
	}
	return false
}

// FuzzLexer checks the lexer against encoding/json on comment-free input:
// both accept exactly the same single JSON values, apart from the checks
// only Jackson makes.
func FuzzLexer(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5e3,"x"]}`, `[]`, `"\ud83d\ude00"`, `{"a":1,"a":2}`, `[1,]`, `-0`, `1 2`, "\uFEFF{}", `{"a" :null }`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if strings.ContainsRune(string(data), '/') || strings.HasPrefix(string(data), "\uFEFF") {
			return // comments and a BOM are Jackson's extensions
		}
		l := newLexer(data)
		roots, depth := 0, 0
		var err error
		for {
			var tk token
			if tk, err = l.next(); err != nil || tk.kind == tEnd {
				break
			}
			switch tk.kind {
			case tStartObject, tStartArray:
				if depth == 0 {
					roots++
				}
				depth++
			case tEndObject, tEndArray:
				depth--
			case tField:
			default:
				if depth == 0 {
					roots++
				}
			}
			if tk.end > len(data) || tk.start > tk.end {
				t.Fatalf("token span %d..%d outside %d bytes", tk.start, tk.end, len(data))
			}
		}
		ours := err == nil && roots == 1
		if err != nil && jacksonOnly(err) {
			return
		}
		if theirs := json.Valid(data) && utf8.Valid(data); ours != theirs {
			t.Fatalf("%q: lexer accepts=%v (%v, %d roots), encoding/json accepts=%v", data, ours, err, roots, theirs)
		}
	})
}
