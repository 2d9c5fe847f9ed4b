package authn

import "testing"

// The ApiKey scheme is matched as Authenticator does: any case, exactly
// one space, and a value; other schemes are not API keys.
func TestAPIKeyCredentials(t *testing.T) {
	tests := []struct {
		header, want string
		ok           bool
	}{
		{"ApiKey abc", "abc", true},
		{"APIKey abc", "abc", true}, // the Go client
		{"apikey abc:def", "abc:def", true},
		{"ApiKey  abc", " abc", true}, // a second space belongs to the value, which then fails to decode
		{"ApiKey ", "", false},
		{"ApiKey", "", false},
		{"ApiKeyabc", "", false},
		{"Basic abc", "", false},
		{"Bearer abc", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := apiKeyCredentials(tt.header)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%q: %q %v, want %q %v", tt.header, got, ok, tt.want, tt.ok)
		}
	}
}
