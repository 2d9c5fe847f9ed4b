package user

import (
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/xcontent"
)

func TestValidateUsername(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"a", true},
		{"_underscore", true},
		{"with space inside", true},
		{"p!u@n#c$t%u^a&t*i(o)n~`{}|[]\\:;\"'<>,.?/", true},
		{strings.Repeat("x", 507), true},
		{strings.Repeat("x", 508), false},
		{"", false},
		{" lead", false},
		{"trail ", false},
		{"tab\tinside", false},
		{"nul\x00", false},
		{"del\x7f", false},
		{"ünïcode", false},
	}
	for _, tt := range tests {
		err := ValidateUsername(tt.name)
		if (err == nil) != tt.ok {
			t.Errorf("ValidateUsername(%q) = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
	if err := ValidateFileUsername(strings.Repeat("x", 1024)); err != nil {
		t.Errorf("file realm allows 1024 characters: %v", err)
	}
	want := "User names must be at least 1 and no more than 507 characters. They can contain alphanumeric characters (a-z, A-Z, 0-9), spaces, punctuation, and printable symbols in the Basic Latin (ASCII) block. Leading or trailing whitespace is not allowed."
	if err := ValidateUsername(""); err == nil || err.Error() != want {
		t.Errorf("message = %v", err)
	}
	if err := ValidateRoleName(" r"); err == nil || !strings.HasPrefix(err.Error(), "Role names must be") {
		t.Errorf("role message = %v", err)
	}
}

func TestValidatePassword(t *testing.T) {
	tests := []struct {
		pw string
		ok bool
	}{
		{"123456", true},
		{"12345", false},
		{"", false},
		{"ééééé", false}, // 5 chars, 10 bytes: Elasticsearch counts chars
		{"😀😀😀", true},    // 3 runes but 6 UTF-16 units, as Java counts
		{"😀😀", false},
	}
	for _, tt := range tests {
		err := ValidatePassword(tt.pw)
		if (err == nil) != tt.ok {
			t.Errorf("ValidatePassword(%q) = %v, want ok=%v", tt.pw, err, tt.ok)
		}
		if err != nil && err.Error() != "passwords must be at least [6] characters long" {
			t.Errorf("message = %q", err)
		}
	}
}

func TestBuiltins(t *testing.T) {
	names := []string{}
	for _, b := range Builtins() {
		names = append(names, b.Name)
		if got, ok := LookupBuiltin(b.Name); !ok || got.Name != b.Name {
			t.Errorf("LookupBuiltin(%q) failed", b.Name)
		}
	}
	if got := strings.Join(names, ","); got != "elastic,kibana,kibana_system,logstash_system,beats_system,apm_system,remote_monitoring_user" {
		t.Errorf("built-in users = %s", got)
	}
	if _, ok := LookupBuiltin("joe"); ok {
		t.Error("joe is not built in")
	}
	if !IsInternal("_xpack_security") || IsInternal("elastic") {
		t.Error("IsInternal is wrong")
	}
}

// AppendJSON must write what encoding/json writes for the tagged struct.
func TestAppendJSONMatchesMarshal(t *testing.T) {
	name := "Jack <Nicholson>"
	for _, u := range []User{
		{Username: "joe", Roles: []string{}, Metadata: EmptyMetadata, Enabled: true},
		{Username: "jack", Roles: []string{"a", "b"}, FullName: &name, Metadata: []byte(`{ "k" : [1, "x"] }`)},
	} {
		want, _ := xcontent.Marshal(u)
		got, err := u.AppendJSON(nil)
		if err != nil || string(got) != string(want) {
			t.Errorf("AppendJSON = %s, %v\nwant %s", got, err, want)
		}
	}
}
