package tokens

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/eserr"
)

func TestCreateRequestValidation(t *testing.T) {
	const grants = "grant_type only supports the values: [password, _kerberos, refresh_token, client_credentials]"
	tests := []struct {
		body, code, desc string // code "" means valid
	}{
		{`{"grant_type":"password","username":"joe","password":"s3cret"}`, "", ""},
		{`{"grant_type":"password","username":"joe","password":"s3cret","scope":"anything"}`, "", ""},
		{`{"grant_type":"client_credentials"}`, "", ""},
		{`{"grant_type":"refresh_token","refresh_token":"abc"}`, "", ""},
		{`{"grant_type":"_kerberos","kerberos_ticket":"dGlja2V0"}`, "", ""},
		{`{}`, "unsupported_grant_type", "Validation Failed: 1: " + grants + ";"},
		{`{"grant_type":"authorization_code"}`, "unsupported_grant_type", "Validation Failed: 1: " + grants + ";"},
		{`{"grant_type":"Password","username":"joe","password":"x"}`, "unsupported_grant_type", "Validation Failed: 1: " + grants + ";"},
		{`{"grant_type":"password"}`, "invalid_request", "Validation Failed: 1: username is missing;2: password is missing;"},
		{`{"grant_type":"password","username":"","password":""}`, "invalid_request", "Validation Failed: 1: username is missing;2: password is missing;"},
		{`{"grant_type":"password","username":"joe"}`, "invalid_request", "Validation Failed: 1: password is missing;"},
		// A message naming the grant_type makes it unsupported_grant_type,
		// as RestGetTokenAction decides.
		{`{"grant_type":"password","username":"joe","password":"x","refresh_token":"r"}`, "unsupported_grant_type",
			"Validation Failed: 1: refresh_token is not supported with the password grant_type;"},
		{`{"grant_type":"password","kerberos_ticket":"k","refresh_token":""}`, "unsupported_grant_type",
			"Validation Failed: 1: kerberos_ticket is not supported with the password grant_type;2: refresh_token is not supported with the password grant_type;3: username is missing;4: password is missing;"},
		{`{"grant_type":"refresh_token"}`, "invalid_request", "Validation Failed: 1: refresh_token is missing;"},
		{`{"grant_type":"refresh_token","refresh_token":"","username":"joe","password":"x"}`, "unsupported_grant_type",
			"Validation Failed: 1: username is not supported with the refresh_token grant_type;2: password is not supported with the refresh_token grant_type;3: refresh_token is missing;"},
		{`{"grant_type":"client_credentials","username":"joe","password":"x","kerberos_ticket":"k","refresh_token":"r"}`, "unsupported_grant_type",
			"Validation Failed: 1: username is not supported with the client_credentials grant_type;2: password is not supported with the client_credentials grant_type;3: kerberos_ticket is not supported with the client_credentials grant_type;4: refresh_token is not supported with the client_credentials grant_type;"},
		{`{"grant_type":"_kerberos"}`, "invalid_request", "Validation Failed: 1: kerberos_ticket is missing;"},
	}
	for _, tt := range tests {
		req, err := ParseCreateRequest([]byte(tt.body))
		if err != nil {
			t.Fatalf("%s: %v", tt.body, err)
		}
		got := req.Validate()
		switch {
		case tt.code == "" && got != nil:
			t.Errorf("%s: refused: %v", tt.body, got)
		case tt.code != "" && (got == nil || got.Code != tt.code || got.Description != tt.desc):
			t.Errorf("%s:\n got %+v\nwant %s %q", tt.body, got, tt.code, tt.desc)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, body, want string
		invalidate       bool
	}{
		{"no body", ``, "parse_exception: request body is required", false},
		{"unknown field", `{"grant_type":"password","usernme":"x"}`,
			"x_content_parse_exception: [1:26] [token_request] unknown field [usernme] did you mean [username]?", false},
		{"number", `{"grant_type":1}`, "x_content_parse_exception: [1:15] [token_request] grant_type doesn't support values of type: VALUE_NUMBER", false},
		{"null", `{"password":null}`, "x_content_parse_exception: [1:13] [token_request] password doesn't support values of type: VALUE_NULL", false},
		{"second line", "{\n \"x\":\"y\"}", "x_content_parse_exception: [2:2] [token_request] unknown field [x]", false},
		{"unknown invalidate field", `{"tokn":"a"}`,
			"x_content_parse_exception: [1:2] [invalidate_token] unknown field [tokn] did you mean [token]?", true},
		{"both tokens", `{"token":"a","refresh_token":"b"}`,
			"x_content_parse_exception: Failed to build [invalidate_token] after last required field arrived", true},
		{"both tokens, every field", `{"token":"a","refresh_token":"b","realm_name":"r","username":"u"}`,
			"x_content_parse_exception: [1:62] [invalidate_token] failed to parse field [username]", true},
	}
	for _, tt := range tests {
		var err error
		if tt.invalidate {
			_, err = ParseInvalidateRequest([]byte(tt.body))
		} else {
			_, err = ParseCreateRequest([]byte(tt.body))
		}
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: got %v\nwant %s", tt.name, err, tt.want)
		}
	}
	// The constructor's refusal is the cause, as ConstructingObjectParser
	// wraps it.
	_, err := ParseInvalidateRequest([]byte(`{"token":"a","refresh_token":"b"}`))
	if e, _ := err.(*eserr.Error); e == nil || e.CausedBy == nil || e.CausedBy.Reason != "only one of [token, refresh_token] may be sent per request" {
		t.Errorf("cause: %+v", err)
	}
}

func TestInvalidateValidation(t *testing.T) {
	tests := []struct{ body, want string }{
		{`{"token":"a"}`, ""},
		{`{"refresh_token":"a"}`, ""},
		{`{"username":"joe"}`, ""},
		{`{"realm_name":"default_native","username":"joe"}`, ""},
		{`{}`, "Validation Failed: 1: token string must be provided when not specifying a realm name or a username;"},
		{`{"username":" "}`, "Validation Failed: 1: token string must be provided when not specifying a realm name or a username;"},
		{`{"token":"a","username":"joe"}`, "Validation Failed: 1: token string must not be provided when realm name or username is specified;2: token type must not be provided when realm name or username is specified;"},
		{`{"refresh_token":" ","realm_name":"r"}`, "Validation Failed: 1: token type must not be provided when realm name or username is specified;"},
	}
	for _, tt := range tests {
		req, err := ParseInvalidateRequest([]byte(tt.body))
		if err != nil {
			t.Fatalf("%s: %v", tt.body, err)
		}
		err = req.Validate()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.body, err)
		case tt.want != "" && (err == nil || err.Error() != "action_request_validation_exception: "+tt.want):
			t.Errorf("%s: got %v, want %s", tt.body, err, tt.want)
		}
	}
}

func TestTokenFormat(t *testing.T) {
	access, ref := newPair(true)
	a, r := access.encode(), ref.encode()
	if got, ok := decode(r); !ok || got != *ref {
		t.Errorf("refresh token %q does not decode", r)
	}
	if len(a) != 40 || !strings.HasSuffix(a, "=") {
		t.Errorf("access token %q: want 40 characters of padded base64", a)
	}
	if access.key() != ref.key() || access.digest() == ref.digest() {
		t.Error("a pair must share its document and nothing else")
	}
	for _, s := range []string{a, strings.TrimRight(a, "=")} {
		if got, ok := decode(s); !ok || got != access {
			t.Errorf("decode(%q) = %v, %v", s, got, ok)
		}
	}
	serviceToken := base64.RawStdEncoding.EncodeToString(append([]byte{0, 1, 0, 1}, "elastic/kibana/t:0123456789012345678901"...))
	vint := func(v uint32) []byte { return appendVInt(nil, v) }
	body := append(vint(rawLen), access[:]...)
	for name, s := range map[string]string{
		"empty":          "",
		"garbage":        "not-a-token",
		"service token":  serviceToken,
		"older version":  base64.StdEncoding.EncodeToString(append(vint(7_020_099), body...)),
		"short":          base64.StdEncoding.EncodeToString(append(vint(formatVersion), append(vint(rawLen-1), access[:rawLen-1]...)...)),
		"trailing bytes": base64.StdEncoding.EncodeToString(append(append(vint(formatVersion), body...), 0)),
		"url alphabet":   strings.NewReplacer("+", "-", "/", "_").Replace(a) + "-_",
	} {
		if _, ok := decode(s); ok {
			t.Errorf("%s: decoded", name)
		}
	}
	// Every token is new.
	seen := map[string]bool{}
	for range 1000 {
		a, _ := newPair(false)
		if seen[a.encode()] {
			t.Fatal("a token repeated")
		}
		seen[a.encode()] = true
	}
}
