package apikey

import (
	"context"
	"encoding/base64"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/config"
)

// TestParseCreateErrors covers every way ParseCreateRequest refuses a body,
// with Elasticsearch's exception, message and location.
func TestParseCreateErrors(t *testing.T) {
	for _, tt := range []struct{ name, body, want string }{
		{"no body", ``, `{"type":"parse_exception","reason":"request body is required"}`},
		{"not an object", `[]`, `{"type":"parse_exception","reason":"expected an object, but found token [START_ARRAY]"}`},
		{"malformed", `{"name":}`, `{"type":"x_content_parse_exception","reason":"[1:8] invalid character '}' looking for beginning of value"}`},
		{"duplicate", `{"name":"a","name":"b"}`, `{"type":"x_content_parse_exception","reason":"[1:19] Duplicate field 'name'"}`},
		{"name missing", `{}`, `{"type":"illegal_argument_exception","reason":"Required [name]"}`},
		{"name missing with others", `{"expiration":"1d","metadata":{}}`, `{"type":"illegal_argument_exception","reason":"Required [name]"}`},
		{"name null", `{"name":null}`, `{"type":"x_content_parse_exception","reason":"[1:9] [api_key_request] name doesn't support values of type: VALUE_NULL"}`},
		{"name number", `{"name":1}`, `{"type":"x_content_parse_exception","reason":"[1:9] [api_key_request] name doesn't support values of type: VALUE_NUMBER"}`},
		{"unknown field", `{"name":"k","nme":"x"}`, `{"type":"x_content_parse_exception","reason":"[1:13] [api_key_request] unknown field [nme] did you mean [name]?"}`},
		// A transposition is two edits: not similar enough to suggest.
		{"unknown field, no suggestion", `{"name":"k","nmae":"x"}`, `{"type":"x_content_parse_exception","reason":"[1:13] [api_key_request] unknown field [nmae]"}`},
		{"unknown field far", `{"name":"k","zzz":1}`, `{"type":"x_content_parse_exception","reason":"[1:13] [api_key_request] unknown field [zzz]"}`},
		{"expiration number", `{"name":"k","expiration":1}`, `{"type":"x_content_parse_exception","reason":"[1:26] [api_key_request] expiration doesn't support values of type: VALUE_NUMBER"}`},
		{"metadata array", `{"name":"k","metadata":[]}`, `{"type":"x_content_parse_exception","reason":"[1:24] [api_key_request] metadata doesn't support values of type: START_ARRAY"}`},
		{"metadata null", `{"name":"k","metadata":null}`, `{"type":"x_content_parse_exception","reason":"[1:24] [api_key_request] metadata doesn't support values of type: VALUE_NULL"}`},
		{"role_descriptors string", `{"name":"k","role_descriptors":"x"}`, `{"type":"x_content_parse_exception","reason":"[1:32] [api_key_request] role_descriptors doesn't support values of type: VALUE_STRING"}`},
		{"role_descriptors array", `{"name":"k","role_descriptors":[]}`,
			`{"type":"x_content_parse_exception","reason":"[1:32] [api_key_request] failed to parse field [role_descriptors]","caused_by":{"type":"illegal_argument_exception","reason":"[role_descriptors] doesn't support arrays. Use a single object with multiple fields."}}`},
		{"role not an object", `{"name":"k","role_descriptors":{"r":1}}`,
			`{"type":"x_content_parse_exception","reason":"[1:37] [api_key_request] failed to parse field [role_descriptors]","caused_by":{"type":"x_content_parse_exception","reason":"[1:37] [role_descriptors] failed to parse field [r]","caused_by":{"type":"parse_exception","reason":"failed to parse role [r]. expected an object but found [VALUE_NUMBER] instead"}}}`},
		{"role unknown field", "{\"name\":\"k\",\n\"role_descriptors\":{\"r\":{\"cluster\":[],\"clusters\":[\"all\"]}}}",
			`{"type":"x_content_parse_exception","reason":"[2:50] [api_key_request] failed to parse field [role_descriptors]","caused_by":{"type":"x_content_parse_exception","reason":"[2:50] [role_descriptors] failed to parse field [r]","caused_by":{"type":"parse_exception","reason":"failed to parse role [r]. unexpected field [clusters]"}}}`},
		{"role description", `{"name":"k","role_descriptors":{"r":{"description":"d"}}}`,
			`{"type":"x_content_parse_exception","reason":"[1:52] [api_key_request] failed to parse field [role_descriptors]","caused_by":{"type":"x_content_parse_exception","reason":"[1:52] [role_descriptors] failed to parse field [r]","caused_by":{"type":"parse_exception","reason":"failed to parse role [r]. unexpected field [description]"}}}`},
		{"role restriction", `{"name":"k","role_descriptors":{"r":{"restriction":{"workflows":["search_application_query"]}}}}`,
			`{"type":"x_content_parse_exception","reason":"[1:52] [api_key_request] failed to parse field [role_descriptors]","caused_by":{"type":"x_content_parse_exception","reason":"[1:52] [role_descriptors] failed to parse field [r]","caused_by":{"type":"parse_exception","reason":"failed to parse role [r]. unexpected field [restriction]"}}}`},
		{"role cluster not strings", `{"name":"k","role_descriptors":{"r":{"cluster":[1]}}}`,
			`{"type":"x_content_parse_exception","reason":"[1:37] [api_key_request] failed to parse field [role_descriptors]","caused_by":{"type":"x_content_parse_exception","reason":"[1:37] [role_descriptors] failed to parse field [r]","caused_by":{"type":"parse_exception","reason":"failed to parse role [r]","caused_by":{"type":"parse_exception","reason":"could not parse [null] field. expected a string array but one of the value in the array is [VALUE_NUMBER]"}}}}`},
		// roles' own located errors keep the whole body's line and column.
		{"role application privileges", "{\"name\":\"k\",\n\"role_descriptors\":{\"r\":{\"applications\":[{\"application\":\"app\",\"privileges\":{},\"resources\":[\"*\"]}]}}}",
			`{"type":"x_content_parse_exception","reason":"[2:76] [api_key_request] failed to parse field [role_descriptors]","caused_by":{"type":"x_content_parse_exception","reason":"[2:76] [role_descriptors] failed to parse field [r]","caused_by":{"type":"x_content_parse_exception","reason":"[2:76] [application] privileges doesn't support values of type: START_OBJECT"}}}`},
		{"bad expiration", `{"name":"k","expiration":"1x"}`,
			`{"type":"x_content_parse_exception","reason":"Failed to build [api_key_request] after last required field arrived","caused_by":{"type":"illegal_argument_exception","reason":"failed to parse setting [expiration] with value [1x] as a time value: unit is missing or unrecognized"}}`},
		{"fractional expiration", `{"name":"k","expiration":"1.5d"}`,
			`{"type":"x_content_parse_exception","reason":"Failed to build [api_key_request] after last required field arrived","caused_by":{"type":"illegal_argument_exception","reason":"failed to parse [1.5d], fractional time values are not supported"}}`},
		{"negative expiration", `{"name":"k","expiration":"-2d"}`,
			`{"type":"x_content_parse_exception","reason":"Failed to build [api_key_request] after last required field arrived","caused_by":{"type":"illegal_argument_exception","reason":"failed to parse setting [expiration] with value [-2d] as a time value: negative durations are not supported"}}`},
		// With every field given, the request is built inside the last
		// field's parser, which wraps the failure once more.
		{"bad expiration, every field", `{"name":"k","role_descriptors":{},"metadata":{},"expiration":"soon"}`,
			`{"type":"x_content_parse_exception","reason":"[1:62] [api_key_request] failed to parse field [expiration]","caused_by":{"type":"x_content_parse_exception","reason":"Failed to build [api_key_request] after last required field arrived","caused_by":{"type":"illegal_argument_exception","reason":"failed to parse setting [expiration] with value [soon] as a time value: unit is missing or unrecognized"}}}`},
		{"bad expiration, metadata last", `{"name":"k","role_descriptors":{},"expiration":"x","metadata":{"a":1}}`,
			`{"type":"x_content_parse_exception","reason":"[1:69] [api_key_request] failed to parse field [metadata]","caused_by":{"type":"x_content_parse_exception","reason":"Failed to build [api_key_request] after last required field arrived","caused_by":{"type":"illegal_argument_exception","reason":"failed to parse setting [expiration] with value [x] as a time value: unit is missing or unrecognized"}}}`},
		{"unparsable number", `{"name":"k","expiration":"1e5s"}`,
			`{"type":"x_content_parse_exception","reason":"Failed to build [api_key_request] after last required field arrived","caused_by":{"type":"illegal_argument_exception","reason":"failed to parse [1e5s], fractional time values are not supported"}}`},
		{"junk number", `{"name":"k","expiration":"abcd"}`,
			`{"type":"x_content_parse_exception","reason":"Failed to build [api_key_request] after last required field arrived","caused_by":{"type":"illegal_argument_exception","reason":"failed to parse [abcd]"}}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCreateRequest([]byte(tt.body))
			if got := errJSON(err); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestCreateValidation covers CreateApiKeyRequest.validate's messages, in
// Elasticsearch's order within one action_request_validation_exception.
func TestCreateValidation(t *testing.T) {
	long := strings.Repeat("é", 257)
	for _, tt := range []struct{ name, body, want string }{
		{"ok", `{"name":"k"}`, ``},
		{"ok at 256", `{"name":"` + strings.Repeat("é", 256) + `"}`, ``},
		{"empty name", `{"name":""}`, `1: api key name is required;`},
		{"too long", `{"name":"` + long + `"}`, `1: api key name may not be more than 256 characters long;`},
		{"too long in UTF-16", `{"name":"` + strings.Repeat("😀", 129) + `"}`, `1: api key name may not be more than 256 characters long;`},
		{"leading space", `{"name":" k"}`, `1: api key name may not begin or end with whitespace;`},
		{"trailing tab", `{"name":"k\t"}`, `1: api key name may not begin or end with whitespace;`},
		{"underscore", `{"name":"_k"}`, `1: api key name may not begin with an underscore;`},
		{"underscore and space", `{"name":"_k "}`, `1: api key name may not begin or end with whitespace;2: api key name may not begin with an underscore;`},
		{"metadata", `{"name":"k","metadata":{"_x":1}}`, `1: API key metadata keys may not start with [_];`},
		{"nested metadata is fine", `{"name":"k","metadata":{"x":{"_y":1}}}`, ``},
		{"role metadata", `{"name":"k","role_descriptors":{"r":{"metadata":{"_x":1}}}}`, `1: role descriptor metadata keys may not start with [_];`},
		{"unknown cluster privilege", `{"name":"k","role_descriptors":{"r":{"cluster":["fly"]}}}`, `1: unknown cluster privilege [fly]. a privilege must be either one of the predefined cluster privilege names [`},
		{"everything", `{"name":"","metadata":{"_a":1},"role_descriptors":{"r":{"cluster":["monitor","fly"],"indices":[{"names":["x"],"privileges":["reed"]}],"metadata":{"_m":1}},"s":{"applications":[{"application":"ap","privileges":["a b"],"resources":["*"]}]}}}`,
			`1: api key name is required;2: API key metadata keys may not start with [_];3: unknown cluster privilege [fly]. a privilege must be`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, err := ParseCreateRequest([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			err = req.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("got %v", err)
				}
				return
			}
			got := errJSON(err)
			prefix := `{"type":"action_request_validation_exception","reason":"Validation Failed: ` + tt.want
			if !strings.HasPrefix(got, prefix) {
				t.Errorf("got  %s\nwant %s...", got, prefix)
			}
		})
	}
	// The whole list for the last case, message by message.
	req, _ := ParseCreateRequest([]byte(`{"name":"","metadata":{"_a":1},"role_descriptors":{"r":{"cluster":["monitor","fly"],"indices":[{"names":["x"],"privileges":["reed"]}],"metadata":{"_m":1}},"s":{"applications":[{"application":"ap","privileges":["a b"],"resources":["*"]}]}}}`))
	reason := req.Validate().Error()
	for i, want := range []string{"1: api key name is required;", "2: API key metadata keys may not start with [_];",
		"3: unknown cluster privilege [fly].", ";4: unknown index privilege [reed].", ";5: role descriptor metadata keys may not start with [_];",
		"6: An application name prefix must be at least 3 characters long (found 'ap');",
		"7: Application privilege names and actions must match the pattern ^\\p{Graph}*$ (found 'a b');"} {
		if !strings.Contains(reason, want) {
			t.Errorf("message %d: %q not in %s", i+1, want, reason)
		}
	}
}

var (
	idPattern     = regexp.MustCompile(`^[A-Za-z0-9_-]{20}$`)
	secretPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`)
)

func TestCreate(t *testing.T) {
	f := newFixture(t)
	resp := f.create(`{"name":"my-key","expiration":"1d","role_descriptors":{"r1":{"cluster":["monitor"],"index":[{"names":["logs-*"],"privileges":["read"]}]}},"metadata":{"env":"prod","<&>":"kept as sent"}}`, aliceCaller())
	if !idPattern.MatchString(resp.ID) || !secretPattern.MatchString(resp.Secret()) {
		t.Fatalf("id %q or secret %q malformed", resp.ID, resp.Secret())
	}
	exp := t0.Add(24 * time.Hour).UnixMilli()
	encoded := base64.StdEncoding.EncodeToString([]byte(resp.ID + ":" + resp.Secret()))
	want := `{"id":"` + resp.ID + `","name":"my-key","expiration":` + itoa(exp) + `,"api_key":"` + resp.Secret() + `","encoded":"` + encoded + `"}`
	if got := jsonOf(t, resp); got != want {
		t.Errorf("response\ngot  %s\nwant %s", got, want)
	}

	doc := f.storedDoc(resp.ID)
	hash := regexp.MustCompile(`"api_key_hash":"(\{PBKDF2\}1000\$[^"]+)"`).FindStringSubmatch(doc)
	if hash == nil {
		t.Fatalf("no PBKDF2 hash in %s", doc)
	}
	wantDoc := `{"doc_type":"api_key","type":"rest","creation_time":` + itoa(t0.UnixMilli()) + `,"expiration_time":` + itoa(exp) +
		`,"api_key_invalidated":false,"api_key_hash":"` + hash[1] + `",` +
		`"role_descriptors":{"r1":{"cluster":["monitor"],"indices":[{"names":["logs-*"],"privileges":["read"],"allow_restricted_indices":false}],"applications":[],"run_as":[],"metadata":{},"type":"role"}},` +
		`"limited_by_role_descriptors":{"logs_reader":{"cluster":["monitor"],"indices":[{"names":["logs-*"],"privileges":["read"],"allow_restricted_indices":false}],"applications":[],"run_as":[],"metadata":{},"type":"role"}},` +
		`"name":"my-key","version":8190099,"metadata_flattened":{"env":"prod","<&>":"kept as sent"},` +
		`"creator":{"principal":"alice","full_name":"Alice Liddell","email":null,"metadata":{"team":"blue"},"realm":"default_native","realm_type":"native"}}`
	if doc != wantDoc {
		t.Errorf("document\ngot  %s\nwant %s", doc, wantDoc)
	}
	if contains(doc, resp.Secret()) {
		t.Error("the stored document holds the secret")
	}

	// Without expiration or metadata: no "expiration" in the answer, null
	// in the document.
	resp2 := f.create(`{"name":"plain"}`, aliceCaller())
	if got := jsonOf(t, resp2); contains(got, "expiration") {
		t.Errorf("unexpected expiration: %s", got)
	}
	doc2 := f.storedDoc(resp2.ID)
	for _, want := range []string{`"expiration_time":null`, `"role_descriptors":{}`, `"metadata_flattened":null`} {
		if !contains(doc2, want) {
			t.Errorf("%s not in %s", want, doc2)
		}
	}
	if resp.ID == resp2.ID {
		t.Error("two keys share an id")
	}
	// The secret never shows in String or logs of the response.
	if contains(resp.String(), resp.Secret()) || contains(f.log.String(), resp.Secret()) {
		t.Error("the secret leaked into String or the log")
	}
}

func TestCreateExpirationTruncatesToSeconds(t *testing.T) {
	f := newFixture(t)
	f.clock.Add(123 * time.Millisecond)
	for _, tt := range []struct {
		exp  string
		want time.Duration
	}{{"1500ms", time.Second}, {"500ms", 0}, {"0", 0}, {"-1", 0}, {"2h", 2 * time.Hour}, {"90S", 90 * time.Second},
		{"1000000micros", time.Second}, {"3000000000nanos", 3 * time.Second}, {"5m", 5 * time.Minute}, {" 7d ", 7 * 24 * time.Hour}, {"-1d", -24 * time.Hour}} {
		resp := f.create(`{"name":"k","expiration":"`+tt.exp+`"}`, aliceCaller())
		if resp.Expiration == nil || !resp.Expiration.Equal(f.clock.Now().Add(tt.want)) {
			t.Errorf("%s: expiration %v, want now+%v", tt.exp, resp.Expiration, tt.want)
		}
	}
	_, err := ParseCreateRequest([]byte(`{"name":"k","expiration":"5M"}`))
	if !contains(errJSON(err), "unit is missing or unrecognized") {
		t.Errorf("5M (months) accepted: %v", err)
	}
}

func TestDerivedKeys(t *testing.T) {
	f := newFixture(t)
	viaKey := aliceCaller()
	viaKey.ViaAPIKey = true
	for _, body := range []string{`{"name":"k"}`, `{"name":"k","role_descriptors":{}}`,
		`{"name":"k","role_descriptors":{"a":{},"b":{"cluster":["monitor"]}}}`, `{"name":"k","role_descriptors":{"a":{"metadata":{"x":1}}}}`} {
		req, _ := ParseCreateRequest([]byte(body))
		_, err := f.svc.Create(context.Background(), req, viaKey)
		want := `{"type":"illegal_argument_exception","reason":"creating derived api keys requires an explicit role descriptor that is empty (has no privileges)"}`
		if got := errJSON(err); got != want {
			t.Errorf("%s: got %s", body, got)
		}
	}
	resp := f.create(`{"name":"k","role_descriptors":{"noop":{}}}`, viaKey)
	if doc := f.storedDoc(resp.ID); !contains(doc, `"limited_by_role_descriptors":{},`) {
		t.Errorf("a derived key is limited by something: %s", doc)
	}
}

func TestDisabled(t *testing.T) {
	f := newFixture(t, func(c *config.APIKeyConfig) { c.Enabled = false })
	req, _ := ParseCreateRequest([]byte(`{"name":"k"}`))
	_, err := f.svc.Create(context.Background(), req, aliceCaller())
	want := `{"type":"feature_not_enabled_exception","reason":"api keys are not enabled","disabled.feature":"api_keys"}`
	if got := errJSON(err); got != want {
		t.Errorf("got %s", got)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
