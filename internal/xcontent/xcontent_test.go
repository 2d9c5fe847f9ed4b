package xcontent

import (
	"errors"
	"testing"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/google/go-cmp/cmp"
)

func fields(t *testing.T, body string) ([]string, error) {
	t.Helper()
	var got []string
	err := Fields([]byte(body), func(v Value) error {
		got = append(got, v.Field+"="+string(v.Token()))
		return nil
	})
	return got, err
}

func TestFieldsTokens(t *testing.T) {
	got, err := fields(t, `{"a":"x","b":1.5,"c":true,"d":null,"e":[1],"f":{"g":1}}`)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a=VALUE_STRING", "b=VALUE_NUMBER", "c=VALUE_BOOLEAN", "d=VALUE_NULL", "e=START_ARRAY", "f=START_OBJECT"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
}

func TestFieldsErrors(t *testing.T) {
	tests := []struct {
		body, typ, reason string
	}{
		{"", "parse_exception", "request body is required"},
		{"   ", "parse_exception", "expected an object, but found token [null]"},
		{"[1]", "parse_exception", "expected an object, but found token [START_ARRAY]"},
		{`"x"`, "parse_exception", "expected an object, but found token [VALUE_STRING]"},
		{"12", "parse_exception", "expected an object, but found token [VALUE_NUMBER]"},
		{`{"a":1,"a":2}`, "x_content_parse_exception", "[1:11] Duplicate field 'a'"},
		{`{"m":{"k":1,"k":2}}`, "x_content_parse_exception", "[1:19] Duplicate field 'k'"},
		{`{"a":`, "x_content_parse_exception", "[1:6] Unexpected end-of-input"},
		{"{\n\"a\" 1}", "x_content_parse_exception", "[2:5] expected colon after object key"},
	}
	for _, tt := range tests {
		_, err := fields(t, tt.body)
		var e *eserr.Error
		if !errors.As(err, &e) {
			t.Errorf("%q: error %v, want an *eserr.Error", tt.body, err)
			continue
		}
		if e.Type != tt.typ || e.Reason != tt.reason || e.Status != 400 {
			t.Errorf("%q: got %s %q %d, want %s %q 400", tt.body, e.Type, e.Reason, e.Status, tt.typ, tt.reason)
		}
	}
}

func TestFieldsStopsAtCallbackError(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	err := Fields([]byte(`{"a":1,"b":2}`), func(Value) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Fatalf("err=%v after %d calls, want stop after 1", err, n)
	}
}

func value(field, raw string) Value { return Value{Field: field, Raw: []byte(raw)} }

func TestValueConversions(t *testing.T) {
	if s, err := value("p", `"sécret"`).String(); err != nil || s != "sécret" {
		t.Errorf("String = %q, %v", s, err)
	}
	if _, err := value("password", `12`).String(); err == nil || err.Error() != "parse_exception: expected field [password] to be of type string, but found [VALUE_NUMBER] instead" {
		t.Errorf("String error = %v", err)
	}
	if s, err := value("email", `null`).NullableString(); err != nil || s != nil {
		t.Errorf("NullableString(null) = %v, %v", s, err)
	}
	if _, err := value("full_name", `[]`).NullableString(); err == nil || err.Error() != "parse_exception: expected field [full_name] to be of type string, but found [START_ARRAY] instead" {
		t.Errorf("NullableString error = %v", err)
	}
	if b, err := value("enabled", `false`).Bool(); err != nil || b {
		t.Errorf("Bool = %v, %v", b, err)
	}
	if _, err := value("enabled", `"true"`).Bool(); err == nil || err.Error() != "parse_exception: expected field [enabled] to be of type boolean, but found [VALUE_STRING] instead" {
		t.Errorf("Bool error = %v", err)
	}
	if o, err := value("metadata", "{ \"b\" : 1, \"a\": [ 2 ] }").Object(); err != nil || string(o) != `{"b":1,"a":[2]}` {
		t.Errorf("Object = %s, %v", o, err)
	}
	if _, err := value("metadata", `null`).Object(); err == nil || err.Error() != "parse_exception: expected field [metadata] to be of type object, but found [VALUE_NULL] instead" {
		t.Errorf("Object error = %v", err)
	}
}

func TestStringArray(t *testing.T) {
	tests := []struct {
		raw     string
		want    []string
		wantErr string
	}{
		{`["a","b"]`, []string{"a", "b"}, ""},
		{`[]`, []string{}, ""},
		{`null`, nil, "could not parse [roles] field. expected a string array but found null value instead"},
		{`1`, nil, "could not parse [roles] field. expected a string array but found [VALUE_NUMBER] value instead"},
		{`{}`, nil, "could not parse [roles] field. expected a string array but found [START_OBJECT] value instead"},
		{`["a",1]`, nil, "could not parse [roles] field. expected a string array but one of the value in the array is [VALUE_NUMBER]"},
		{`["a",null]`, nil, "could not parse [roles] field. expected a string array but one of the value in the array is [VALUE_NULL]"},
	}
	for _, tt := range tests {
		got, err := value("roles", tt.raw).StringArray()
		if tt.wantErr != "" {
			var e *eserr.Error
			if !errors.As(err, &e) || e.Reason != tt.wantErr || e.Type != "parse_exception" {
				t.Errorf("%s: error %v, want %q", tt.raw, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.raw, err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.raw, diff)
		}
	}
}

func TestCommaList(t *testing.T) {
	if diff := cmp.Diff([]string{"a", " b", ""}, CommaList("a, b,")); diff != "" {
		t.Error(diff)
	}
	if got := CommaList(""); len(got) != 0 || got == nil {
		t.Errorf("CommaList(\"\") = %#v, want empty non-nil", got)
	}
}

func FuzzFields(f *testing.F) {
	for _, s := range []string{`{"username":"a","roles":["x"],"metadata":{"k":[1,{"z":null}]}}`, `{"a":1,"a":2}`, `[`, `{"a":`, ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		_ = Fields(body, func(v Value) error {
			_, _ = v.StringArray()
			_, _ = v.Object()
			_, _ = v.NullableString()
			return nil
		})
	})
}
