package httpapi

import (
	"encoding/json"
	"testing"

	"github.com/esauth/esauth/internal/realm"
)

// appendJSON must write exactly what encoding/json (HTML escaping off)
// writes, or responses would change shape when it is used.
func TestAppendJSONMatchesMarshal(t *testing.T) {
	values := []any{
		nil, "", "plain", `quote " backslash \ slash /`, "<html> & 'amp'", "tab\tnl\nret\rbs\bff\f",
		"\x00\x01\x1f\x7f", "é ü 日本 😀", "bad \xff utf8 \xc3", "line\u2028para\u2029", true, false, 0, -42, int64(1 << 40),
		[]string{}, []string(nil), []string{"a", "b\"c"}, []any{1, "x", nil, []string{"y"}},
		realm.Ref{Name: "default_native", Type: "native"},
		json.RawMessage(`{ "a" : [1, 2 ,"x y"] }`), json.RawMessage(nil),
		orderedObject{{"k", "v"}, {"n", orderedObject{{"deep", []any{orderedObject{}}}}}, {"m", map[string]int{"z": 1, "a": 2}}},
	}
	for _, v := range values {
		want, err := marshal(v)
		if err != nil {
			t.Fatalf("marshal(%#v): %v", v, err)
		}
		got, err := appendJSON(nil, v)
		if err != nil {
			t.Fatalf("appendJSON(%#v): %v", v, err)
		}
		if string(got) != string(want) {
			t.Errorf("appendJSON(%#v) = %s, want %s", v, got, want)
		}
	}
	if _, err := appendJSON(nil, json.RawMessage(`{bad`)); err == nil {
		t.Error("invalid raw JSON was accepted")
	}
}
