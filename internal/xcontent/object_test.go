package xcontent

import (
	"encoding/json"
	"testing"
)

// Append must write exactly what Marshal (encoding/json with HTML escaping
// off) writes, or answers would change shape when it is used.
func TestAppendMatchesMarshal(t *testing.T) {
	values := []any{
		nil, "", "plain", `quote " backslash \ slash /`, "<html> & 'amp'", "tab\tnl\nret\rbs\bff\f",
		"\x00\x01\x1f\x7f", "é ü 日本 😀", "bad \xff utf8 \xc3", "line\u2028para\u2029", true, false, 0, -42, int64(1 << 40),
		[]string{}, []string(nil), []string{"a", "b\"c"}, []any{1, "x", nil, []string{"y"}},
		json.RawMessage(`{ "a" : [1, 2 ,"x y"] }`), json.RawMessage(nil),
		Obj("k", "v", "n", Obj("deep", []any{Object{}}), "m", map[string]int{"z": 1, "a": 2}),
		[]Object{Obj("a", 1), {}}, []Object(nil), Float(100), Float(0.5),
	}
	for _, v := range values {
		want, err := Marshal(v)
		if err != nil {
			t.Fatalf("Marshal(%#v): %v", v, err)
		}
		got, err := Append(nil, v)
		if err != nil {
			t.Fatalf("Append(%#v): %v", v, err)
		}
		if string(got) != string(want) {
			t.Errorf("Append(%#v) = %s, want %s", v, got, want)
		}
	}
	if _, err := Append(nil, json.RawMessage(`{bad`)); err == nil {
		t.Error("invalid raw JSON was accepted")
	}
	if b, _ := Marshal(Float(100)); string(b) != "100.0" {
		t.Errorf("Float(100) = %s", b)
	}
}

func TestPretty(t *testing.T) {
	got := string(Pretty([]byte(`{"a":{"b":[1,"x"],"e":{},"l":[]},"n":null}`)))
	want := "{\n  \"a\" : {\n    \"b\" : [\n      1,\n      \"x\"\n    ],\n    \"e\" : { },\n    \"l\" : [ ]\n  },\n  \"n\" : null\n}\n"
	if got != want {
		t.Errorf("Pretty:\n%s\nwant\n%s", got, want)
	}
	if got := string(Pretty([]byte(`{bad`))); got != `{bad` {
		t.Errorf("invalid input changed: %q", got)
	}
}
