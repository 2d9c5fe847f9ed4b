package apikey

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// TestParseGrantErrors covers how ParseGrantRequest refuses a body, with
// ObjectParser("grant_api_key_request")'s messages and locations.
func TestParseGrantErrors(t *testing.T) {
	for _, tt := range []struct{ name, body, want string }{
		{"not an object", `[]`, `{"type":"parse_exception","reason":"expected an object, but found token [START_ARRAY]"}`},
		{"unknown field", `{"grant_typ":"password"}`, `{"type":"x_content_parse_exception","reason":"[1:2] [grant_api_key_request] unknown field [grant_typ] did you mean [grant_type]?"}`},
		{"grant_type number", `{"grant_type":1}`, `{"type":"x_content_parse_exception","reason":"[1:15] [grant_api_key_request] grant_type doesn't support values of type: VALUE_NUMBER"}`},
		{"password null", `{"password":null}`, `{"type":"x_content_parse_exception","reason":"[1:13] [grant_api_key_request] password doesn't support values of type: VALUE_NULL"}`},
		{"api_key string", `{"api_key":"k"}`, `{"type":"x_content_parse_exception","reason":"[1:12] [grant_api_key_request] api_key doesn't support values of type: VALUE_STRING"}`},
		{"api_key without name", `{"api_key":{}}`,
			`{"type":"x_content_parse_exception","reason":"[1:13] [grant_api_key_request] failed to parse field [api_key]","caused_by":{"type":"illegal_argument_exception","reason":"Required [name]"}}`},
		{"api_key unknown field", `{"api_key":{"name":"k","nme":1}}`,
			`{"type":"x_content_parse_exception","reason":"[1:24] [grant_api_key_request] failed to parse field [api_key]","caused_by":{"type":"x_content_parse_exception","reason":"[1:24] [api_key_request] unknown field [nme] did you mean [name]?"}}`},
		{"client_authentication incomplete", `{"client_authentication":{"scheme":"SharedSecret"}}`,
			`{"type":"x_content_parse_exception","reason":"[1:50] [grant_api_key_request] failed to parse field [client_authentication]","caused_by":{"type":"illegal_argument_exception","reason":"Required [value]"}}`},
		{"client_authentication unknown", `{"client_authentication":{"schema":"x"}}`,
			`{"type":"x_content_parse_exception","reason":"[1:27] [grant_api_key_request] failed to parse field [client_authentication]","caused_by":{"type":"x_content_parse_exception","reason":"[1:27] [client_authentication] unknown field [schema] did you mean [scheme]?"}}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseGrantRequest([]byte(tt.body))
			if got := errJSON(err); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestGrantValidate is GrantApiKeyRequest.validate: the key's messages,
// then the grant's, in one exception.
func TestGrantValidate(t *testing.T) {
	const key = `"api_key":{"name":"k"}`
	for _, tt := range []struct{ body, want string }{
		{`{` + key + `,"grant_type":"password","username":"u","password":"p"}`, ``},
		{`{` + key + `,"grant_type":"access_token","access_token":"t"}`, ``},
		{`{` + key + `,"grant_type":"access_token","access_token":"t","client_authentication":{"scheme":" SharedSecret ","value":"v"}}`, ``},
		{`{` + key + `}`, `1: [grant_type] is required;`},
		{`{}`, `1: api key name is required;2: [grant_type] is required;`},
		{`{"api_key":{"name":"_k"},"grant_type":"password"}`, `1: api key name may not begin with an underscore;2: [username] is required for grant_type [password];3: [password] is required for grant_type [password];`},
		{`{` + key + `,"grant_type":"password","username":"","password":"p","access_token":"t"}`, `1: [username] is required for grant_type [password];2: [access_token] is not supported for grant_type [password];`},
		{`{` + key + `,"grant_type":"password","username":"u","password":"p","client_authentication":{"scheme":"SharedSecret","value":"v"}}`, `1: [client_authentication] is not supported for grant_type [password];`},
		{`{` + key + `,"grant_type":"access_token","username":"u","password":"p"}`, `1: [access_token] is required for grant_type [access_token];2: [username] is not supported for grant_type [access_token];3: [password] is not supported for grant_type [access_token];`},
		{`{` + key + `,"grant_type":"access_token","access_token":"t","client_authentication":{"scheme":"Basic","value":"v"}}`, `1: [client_authentication.scheme] must be set to [SharedSecret];`},
		{`{` + key + `,"grant_type":"client_credentials"}`, `1: grant_type [client_credentials] is not supported;`},
		// Sent empty is not absent: Java's type is "" rather than null.
		{`{` + key + `,"grant_type":""}`, `1: grant_type [] is not supported;`},
	} {
		r, err := ParseGrantRequest([]byte(tt.body))
		if err != nil {
			t.Fatalf("%s: %v", tt.body, err)
		}
		got := ""
		if err := r.Validate(); err != nil {
			got = strings.TrimPrefix(err.Error(), "action_request_validation_exception: Validation Failed: ")
			if !strings.Contains(errJSON(err), "action_request_validation_exception") {
				t.Errorf("%s: %s", tt.body, errJSON(err))
			}
		}
		if got != tt.want {
			t.Errorf("%s:\ngot  %s\nwant %s", tt.body, got, tt.want)
		}
	}
}

func TestGrantRequestHidesSecrets(t *testing.T) {
	r, err := ParseGrantRequest([]byte(`{"grant_type":"password","username":"u","password":"hunter2-secret","access_token":"tok-secret","api_key":{"name":"k"}}`))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	slog.New(slog.NewJSONHandler(&b, nil)).Info("grant", "req", r)
	out := b.String() + fmt.Sprint(r.LogValue())
	if strings.Contains(out, "secret") || !strings.Contains(out, `"username":"u"`) {
		t.Errorf("logged: %s", out)
	}
}
