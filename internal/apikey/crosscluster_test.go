package apikey

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// The three access bodies of Elasticsearch's YAML test
// (api_key/50_cross_cluster.yml), and the roles it expects them to become.
const (
	yamlSearchAndReplication = `{"search":[{"names":["logs*"],"query":{"term":{"category":"shared"}},"field_security":{"grant":["*"],"except":["private"]}}],
		"replication":[{"names":["archive"],"allow_restricted_indices":false}]}`
	yamlReplication = `{"replication":[{"names":["archive"]}]}`
	yamlSearchAll   = `{"search":[{"names":["*"],"allow_restricted_indices":true}]}`
)

func TestCrossClusterAccess(t *testing.T) {
	for _, tt := range []struct{ name, access, role, rendered string }{
		{"search and replication", yamlSearchAndReplication,
			`{"cross_cluster":{"cluster":["cross_cluster_search","monitor_enrich","cross_cluster_replication"],"indices":[` +
				`{"names":["logs*"],"privileges":["read","read_cross_cluster","view_index_metadata"],"field_security":{"grant":["*"],"except":["private"]},"query":"{\"term\":{\"category\":\"shared\"}}","allow_restricted_indices":false},` +
				`{"names":["archive"],"privileges":["cross_cluster_replication","cross_cluster_replication_internal"],"allow_restricted_indices":false}],` +
				`"applications":[],"run_as":[],"metadata":{},"transient_metadata":{"enabled":true}}}`,
			`{"search":[{"names":["logs*"],"field_security":{"grant":["*"],"except":["private"]},"query":"{\"term\":{\"category\":\"shared\"}}","allow_restricted_indices":false}],` +
				`"replication":[{"names":["archive"],"allow_restricted_indices":false}]}`},
		{"replication", yamlReplication,
			`{"cross_cluster":{"cluster":["cross_cluster_replication"],"indices":[{"names":["archive"],"privileges":["cross_cluster_replication","cross_cluster_replication_internal"],"allow_restricted_indices":false}],` +
				`"applications":[],"run_as":[],"metadata":{},"transient_metadata":{"enabled":true}}}`,
			`{"replication":[{"names":["archive"],"allow_restricted_indices":false}]}`},
		{"search", yamlSearchAll,
			`{"cross_cluster":{"cluster":["cross_cluster_search","monitor_enrich"],"indices":[{"names":["*"],"privileges":["read","read_cross_cluster","view_index_metadata"],"allow_restricted_indices":true}],` +
				`"applications":[],"run_as":[],"metadata":{},"transient_metadata":{"enabled":true}}}`,
			`{"search":[{"names":["*"],"allow_restricted_indices":true}]}`},
		// Granting every field is no field level security: replication
		// may have it.
		{"replication granting every field", `{"replication":[{"names":["archive"],"field_security":{"grant":["*"]}}]}`,
			`{"cross_cluster":{"cluster":["cross_cluster_replication"],"indices":[{"names":["archive"],"privileges":["cross_cluster_replication","cross_cluster_replication_internal"],"field_security":{"grant":["*"]},"allow_restricted_indices":false}],` +
				`"applications":[],"run_as":[],"metadata":{},"transient_metadata":{"enabled":true}}}`,
			`{"replication":[{"names":["archive"],"field_security":{"grant":["*"]},"allow_restricted_indices":false}]}`},
		// One entry may stand alone, and a name may be a string.
		{"single entry", `{"search":{"names":"metrics"}}`,
			`{"cross_cluster":{"cluster":["cross_cluster_search","monitor_enrich"],"indices":[{"names":["metrics"],"privileges":["read","read_cross_cluster","view_index_metadata"],"allow_restricted_indices":false}],` +
				`"applications":[],"run_as":[],"metadata":{},"transient_metadata":{"enabled":true}}}`,
			`{"search":[{"names":["metrics"],"allow_restricted_indices":false}]}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, err := ParseCreateCrossClusterRequest([]byte(`{"name":"k","access":` + tt.access + `}`))
			if err != nil {
				t.Fatal(errJSON(err))
			}
			if err := req.Validate(); err != nil {
				t.Fatal(errJSON(err))
			}
			if got := string(descriptorsJSON(req.RoleDescriptors, false)); got != tt.role {
				t.Errorf("role\ngot  %s\nwant %s", got, tt.role)
			}
			if got := string(accessJSON(req.RoleDescriptors)); got != tt.rendered {
				t.Errorf("access\ngot  %s\nwant %s", got, tt.rendered)
			}
			// The stored role reads back as the same access.
			stored, err := parseStoredDescriptors(descriptorsJSON(req.RoleDescriptors, true))
			if err != nil {
				t.Fatal(err)
			}
			if got := string(accessJSON(stored)); got != tt.rendered {
				t.Errorf("stored access\ngot  %s\nwant %s", got, tt.rendered)
			}
		})
	}
}

// TestParseCrossClusterCreateErrors covers how a create body is refused,
// with Elasticsearch's exceptions, messages and locations.
func TestParseCrossClusterCreateErrors(t *testing.T) {
	const (
		outer  = `"type":"x_content_parse_exception","reason":"[%s] [cross_cluster_api_key_request] failed to parse field [access]"`
		inner  = `"type":"x_content_parse_exception","reason":"[%s] [cross_cluster_api_key_request_access] failed to parse field [%s]"`
		indexE = `"type":"parse_exception","reason":"failed to parse indices privileges for role [cross_cluster]. `
	)
	wrap := func(loc, field, cause string) string {
		return `{` + sprintf(outer, loc) + `,"caused_by":{` + sprintf(inner, loc, field) + `,"caused_by":{` + cause + `}}}`
	}
	built := func(cause string) string {
		return `{"type":"x_content_parse_exception","reason":"Failed to build [cross_cluster_api_key_request] after last required field arrived","caused_by":{"type":"illegal_argument_exception","reason":"` + cause + `"}}`
	}
	for _, tt := range []struct{ name, body, want string }{
		{"no body", ``, `{"type":"parse_exception","reason":"request body is required"}`},
		{"nothing", `{}`, `{"type":"illegal_argument_exception","reason":"Required [name, access]"}`},
		{"no access", `{"name":"my-key"}`, `{"type":"illegal_argument_exception","reason":"Required [access]"}`},
		{"no name", `{"access":{"search":[{"names":["a"]}]}}`, `{"type":"illegal_argument_exception","reason":"Required [name]"}`},
		{"access null", `{"name":"k","access":null}`,
			`{"type":"x_content_parse_exception","reason":"[1:22] [cross_cluster_api_key_request] access doesn't support values of type: VALUE_NULL"}`},
		{"role_descriptors", `{"name":"k","role_descriptors":{}}`,
			`{"type":"x_content_parse_exception","reason":"[1:13] [cross_cluster_api_key_request] unknown field [role_descriptors]"}`},
		{"access empty", `{"name":"k","access":{}}`, built("must specify non-empty access for either [search] or [replication]")},
		{"search empty", `{"name":"k","access":{"search":[]}}`, built("must specify non-empty access for either [search] or [replication]")},
		{"both empty", `{"name":"k","access":{"search":[],"replication":[]}}`, built("must specify non-empty access for either [search] or [replication]")},
		{"replication with a query", `{"name":"k","access":{"replication":[{"names":["a"],"query":{"match_all":{}}}]}}`,
			built("replication does not support document or field level security")},
		{"replication with fields", `{"name":"k","access":{"replication":[{"names":["a"],"field_security":{"grant":["a"]}}]}}`,
			built("replication does not support document or field level security")},
		{"replication with excepted fields", `{"name":"k","access":{"replication":[{"names":["a"],"field_security":{"grant":["*"],"except":["b"]}}]}}`,
			built("replication does not support document or field level security")},
		// With every field given, the key is built inside the last one's
		// parser, which wraps the failure once more; the expiration is
		// read before the access is built.
		{"empty access, every field", `{"name":"k","expiration":"1d","metadata":{},"access":{}}`,
			`{"type":"x_content_parse_exception","reason":"[1:55] [cross_cluster_api_key_request] failed to parse field [access]","caused_by":` + built("must specify non-empty access for either [search] or [replication]") + `}`},
		{"bad expiration, every field", `{"name":"k","access":{},"metadata":{},"expiration":"1x"}`,
			`{"type":"x_content_parse_exception","reason":"[1:52] [cross_cluster_api_key_request] failed to parse field [expiration]","caused_by":` + built("failed to parse setting [expiration] with value [1x] as a time value: unit is missing or unrecognized") + `}`},
		{"unknown access field", `{"name":"k","access":{"serch":[]}}`,
			`{` + sprintf(outer, "1:23") + `,"caused_by":{"type":"x_content_parse_exception","reason":"[1:23] [cross_cluster_api_key_request_access] unknown field [serch] did you mean [search]?"}}`},
		{"search null", `{"name":"k","access":{"search":null}}`,
			`{` + sprintf(outer, "1:32") + `,"caused_by":{"type":"x_content_parse_exception","reason":"[1:32] [cross_cluster_api_key_request_access] search doesn't support values of type: VALUE_NULL"}}`},
		{"privileges given", `{"name":"k","access":{"search":[{"names":["a"],"privileges":["read"]}]}}`,
			wrap("1:61", "search", indexE+`field [privileges] must not present"`)},
		{"privileges given to replication", `{"name":"k","access":{"replication":[{"privileges":["all"],"names":["a"]}]}}`,
			wrap("1:52", "replication", indexE+`field [privileges] must not present"`)},
		{"names missing", `{"name":"k","access":{"search":[{"allow_restricted_indices":true}]}}`,
			wrap("1:65", "search", indexE+`missing required [names] field"`)},
		{"unexpected entry field", "{\"name\":\"k\",\n\"access\":{\"search\":[{\"names\":[\"a\"],\"clusters\":[\"*\"]}]}}",
			wrap("2:47", "search", indexE+`unexpected field [clusters]"`)},
		{"2.x fields", `{"name":"k","access":{"search":[{"names":["a"],"fields":["f"]}]}}`,
			wrap("1:57", "search", `"type":"parse_exception","reason":"[\"fields\": [...]] format has changed for field permissions in role [cross_cluster], use [\"field_security\": {\"grant\":[...],\"except\":[...]}] instead"`)},
		{"entry not an object", `{"name":"k","access":{"search":["logs"]}}`,
			wrap("1:33", "search", indexE+`expected field [null] value to be an array of objects, but found an array element of type [VALUE_STRING]"`)},
		{"nested array", `{"name":"k","access":{"search":[[]]}}`,
			wrap("1:33", "search", `"type":"illegal_state_exception","reason":"expected value but got [START_ARRAY]"`)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCreateCrossClusterRequest([]byte(tt.body))
			if got := errJSON(err); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// The name, expiration and metadata rules are those of every create.
func TestCrossClusterCreateValidation(t *testing.T) {
	req, err := ParseCreateCrossClusterRequest([]byte(`{"name":" _k","access":{"search":[{"names":["a"]}]},"metadata":{"_x":1}}`))
	if err != nil {
		t.Fatal(errJSON(err))
	}
	want := `{"type":"action_request_validation_exception","reason":"Validation Failed: 1: api key name may not begin or end with whitespace;2: API key metadata keys may not start with [_];"}`
	if got := errJSON(req.Validate()); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	req, err = ParseCreateCrossClusterRequest([]byte(`{"name":"k","expiration":"2d","access":{"search":[{"names":["a"]}]},"metadata":{"a":1}}`))
	if err != nil || req.Validate() != nil || *req.ExpirationSeconds != 2*86400 || req.Expiration != "2d" || string(req.Metadata) != `{"a":1}` {
		t.Errorf("a valid request: %+v %v", req, err)
	}
}

func TestParseCrossClusterUpdate(t *testing.T) {
	for _, tt := range []struct{ name, body, want string }{
		{"no body", ``, `{"type":"parse_exception","reason":"request body is required"}`},
		{"role_descriptors", `{"role_descriptors":{}}`, `{"type":"x_content_parse_exception","reason":"[1:2] [update_cross_cluster_api_key_request_payload] unknown field [role_descriptors]"}`},
		{"name", `{"name":"k"}`, `{"type":"x_content_parse_exception","reason":"[1:2] [update_cross_cluster_api_key_request_payload] unknown field [name]"}`},
		// The access is built after parsing, unwrapped.
		{"empty access", `{"access":{}}`, `{"type":"illegal_argument_exception","reason":"must specify non-empty access for either [search] or [replication]"}`},
		{"access with privileges", `{"access":{"replication":[{"names":["a"],"privileges":[]}]}}`,
			`{"type":"x_content_parse_exception","reason":"[1:55] [update_cross_cluster_api_key_request_payload] failed to parse field [access]","caused_by":{"type":"x_content_parse_exception","reason":"[1:55] [cross_cluster_api_key_request_access] failed to parse field [replication]","caused_by":{"type":"parse_exception","reason":"failed to parse indices privileges for role [cross_cluster]. field [privileges] must not present"}}}`},
		{"bad expiration", `{"metadata":{},"expiration":"1w"}`,
			`{"type":"x_content_parse_exception","reason":"Failed to build [update_cross_cluster_api_key_request_payload] after last required field arrived","caused_by":{"type":"illegal_argument_exception","reason":"failed to parse setting [expiration] with value [1w] as a time value: unit is missing or unrecognized"}}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseUpdateCrossClusterRequest([]byte(tt.body))
			if got := errJSON(err); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
	for _, tt := range []struct{ name, body, want string }{
		{"nothing to update", `{}`, `{"type":"action_request_validation_exception","reason":"Validation Failed: 1: must update either [access] or [metadata] for cross-cluster API keys;"}`},
		{"expiration alone", `{"expiration":"1d"}`, `{"type":"action_request_validation_exception","reason":"Validation Failed: 1: must update either [access] or [metadata] for cross-cluster API keys;"}`},
		{"reserved metadata", `{"metadata":{"_a":1}}`, `{"type":"action_request_validation_exception","reason":"Validation Failed: 1: API key metadata keys may not start with [_];"}`},
		{"metadata", `{"metadata":{}}`, `<nil>`},
		{"access", `{"access":` + yamlReplication + `}`, `<nil>`},
	} {
		t.Run("validate "+tt.name, func(t *testing.T) {
			r, err := ParseUpdateCrossClusterRequest([]byte(tt.body))
			if err != nil {
				t.Fatal(errJSON(err))
			}
			if got := errJSON(r.Validate()); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
	// The REST update has no such rule.
	if r, _ := ParseUpdateRequest([]byte(`{}`)); r.Validate() != nil {
		t.Error("an empty REST update must be valid")
	}
}

// createCrossCluster makes a cross-cluster key, failing the test on any error.
func (f *fixture) createCrossCluster(body string, caller Caller) *CreateResponse {
	f.t.Helper()
	req, err := ParseCreateCrossClusterRequest([]byte(body))
	if err != nil {
		f.t.Fatalf("parse %s: %s", body, errJSON(err))
	}
	if err := req.Validate(); err != nil {
		f.t.Fatalf("validate %s: %v", body, err)
	}
	resp, err := f.svc.CreateCrossCluster(context.Background(), req, caller)
	if err != nil {
		f.t.Fatalf("create %s: %v", body, err)
	}
	return resp
}

func TestCrossClusterKeyLifecycle(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	k := f.createCrossCluster(`{"name":"cc","expiration":"1d","access":`+yamlSearchAll+`,"metadata":{"tag":"dev"}}`, aliceCaller())
	if k.Expiration == nil || !k.Expiration.Equal(t0.Add(24*time.Hour)) {
		t.Errorf("expiration: %v", k.Expiration)
	}
	doc := f.storedDoc(k.ID)
	for _, want := range []string{`"type":"cross_cluster"`, `"limited_by_role_descriptors":{}`,
		`"role_descriptors":{"cross_cluster":{"cluster":["cross_cluster_search","monitor_enrich"],`, `"metadata_flattened":{"tag":"dev"}`,
		`"creator":{"principal":"alice"`} {
		if !strings.Contains(doc, want) {
			t.Errorf("stored document lacks %s:\n%s", want, doc)
		}
	}

	// It never authenticates here, and says why at once.
	_, err := f.svc.Authenticate(ctx, k.Encoded())
	var ae *AuthError
	if !errors.As(err, &ae) || !ae.Terminate ||
		ae.Reason != "authentication expected API key type of [rest], but API key ["+k.ID+"] has type [cross_cluster]" {
		t.Errorf("authenticate: %#v", err)
	}

	// Get shows its access and never a limited_by.
	get, err := f.svc.Get(ctx, GetRequest{ID: k.ID, WithLimitedBy: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"api_keys":[{"id":"` + k.ID + `","name":"cc","type":"cross_cluster","creation":` + itoa(t0.UnixMilli()) +
		`,"expiration":` + itoa(t0.Add(24*time.Hour).UnixMilli()) + `,"invalidated":false,"username":"alice","realm":"default_native","realm_type":"native","metadata":{"tag":"dev"},` +
		`"role_descriptors":{"cross_cluster":{"cluster":["cross_cluster_search","monitor_enrich"],"indices":[{"names":["*"],"privileges":["read","read_cross_cluster","view_index_metadata"],"allow_restricted_indices":true}],"applications":[],"run_as":[],"metadata":{},"transient_metadata":{"enabled":true}}},` +
		`"access":{"search":[{"names":["*"],"allow_restricted_indices":true}]}}]}`
	if got := jsonOf(t, get); got != want {
		t.Errorf("get\ngot  %s\nwant %s", got, want)
	}
	// So does the query API's rendering.
	qk, err := f.svc.QueryKeys(ctx)
	if err != nil || len(qk) != 1 || qk[0].Type != "cross_cluster" {
		t.Fatalf("query keys: %+v %v", qk, err)
	}
	info, _ := qk[0].Info(true)
	if got := jsonOf(t, info); !strings.Contains(got, `"type":"cross_cluster"`) || !strings.Contains(got, `"access":{"search":`) || strings.Contains(got, "limited_by") {
		t.Errorf("query item: %s", got)
	}

	// A key may not make one.
	req, _ := ParseCreateCrossClusterRequest([]byte(`{"name":"derived","access":` + yamlReplication + `}`))
	_, err = f.svc.CreateCrossCluster(ctx, req, Caller{Owner: alice, ViaAPIKey: true})
	if got, want := errJSON(err), `{"type":"illegal_argument_exception","reason":"authentication via API key not supported: An API key cannot be used to create a cross-cluster API key"}`; got != want {
		t.Errorf("via a key\ngot  %s\nwant %s", got, want)
	}
}

func TestCrossClusterUpdate(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	k := f.createCrossCluster(`{"name":"cc","access":{"search":[{"names":["logs*"]}]},"metadata":{"tag":"dev"}}`, aliceCaller())
	rest := f.create(`{"name":"r"}`, aliceCaller())
	update := func(id, body string, caller Caller) (string, error) {
		t.Helper()
		req, err := ParseUpdateCrossClusterRequest([]byte(body))
		if err != nil {
			t.Fatal(errJSON(err))
		}
		if err := req.Validate(); err != nil {
			t.Fatal(errJSON(err))
		}
		resp, err := f.svc.UpdateCrossCluster(ctx, id, req, caller)
		if err != nil {
			return "", err
		}
		return jsonOf(t, resp), nil
	}
	f.clock.Add(time.Minute)
	body := `{"access":` + yamlReplication + `,"metadata":{"tag":"prod"}}`
	if got, err := update(k.ID, body, aliceCaller()); got != `{"updated":true}` {
		t.Fatalf("update: %s %v", got, err)
	}
	doc := f.storedDoc(k.ID)
	for _, want := range []string{`"role_descriptors":{"cross_cluster":{"cluster":["cross_cluster_replication"],"indices":[{"names":["archive"],"privileges":["cross_cluster_replication","cross_cluster_replication_internal"]`,
		`"limited_by_role_descriptors":{}`, `"metadata_flattened":{"tag":"prod"}`, `"expiration_time":null`} {
		if !strings.Contains(doc, want) {
			t.Errorf("updated document lacks %s:\n%s", want, doc)
		}
	}
	// The same again changes nothing, access alone or metadata alone too.
	for _, b := range []string{body, `{"access":` + yamlReplication + `}`, `{"metadata":{"tag":"prod"}}`} {
		if got, err := update(k.ID, b, aliceCaller()); got != `{"updated":false}` {
			t.Errorf("noop %s: %s %v", b, got, err)
		}
	}
	// Metadata alone replaces the metadata and keeps the access.
	if got, _ := update(k.ID, `{"metadata":{"env":"x"}}`, aliceCaller()); got != `{"updated":true}` {
		t.Errorf("metadata update: %s", got)
	}
	if doc := f.storedDoc(k.ID); !strings.Contains(doc, `"metadata_flattened":{"env":"x"}`) || !strings.Contains(doc, `"cluster":["cross_cluster_replication"]`) {
		t.Errorf("after a metadata update:\n%s", doc)
	}
	// An expiration is counted from now.
	if got, _ := update(k.ID, `{"metadata":{"env":"x"},"expiration":"1h"}`, aliceCaller()); got != `{"updated":true}` {
		t.Errorf("expiration update: %s", got)
	}
	if doc := f.storedDoc(k.ID); !strings.Contains(doc, `"expiration_time":`+itoa(t0.Add(time.Minute+time.Hour).UnixMilli())) {
		t.Errorf("after an expiration update:\n%s", doc)
	}

	// Each update API takes only its own type of key.
	if _, err := update(rest.ID, `{"metadata":{}}`, aliceCaller()); errJSON(err) != `{"type":"illegal_argument_exception","reason":"cannot update API key of type [rest] while expected type is [cross_cluster]"}` {
		t.Errorf("a REST key through the cross-cluster update: %s", errJSON(err))
	}
	restReq, _ := ParseUpdateRequest([]byte(`{"metadata":{}}`))
	_, err := f.svc.Update(ctx, k.ID, restReq, aliceCaller())
	if errJSON(err) != `{"type":"illegal_argument_exception","reason":"cannot update API key of type [cross_cluster] while expected type is [rest]"}` {
		t.Errorf("a cross-cluster key through the REST update: %s", errJSON(err))
	}
	// Only the owner, never through a key.
	bob := Caller{Owner: Owner{Username: "bob", Realm: "default_native", RealmType: "native"}}
	if _, err := update(k.ID, `{"metadata":{}}`, bob); errJSON(err) != `{"type":"resource_not_found_exception","reason":"no API key owned by requesting user found for ID [`+k.ID+`]"}` {
		t.Errorf("someone else's key: %s", errJSON(err))
	}
	if _, err := update(k.ID, `{"metadata":{}}`, Caller{Owner: alice, ViaAPIKey: true}); errJSON(err) != `{"type":"illegal_argument_exception","reason":"authentication via API key not supported: only the owner user can update an API key"}` {
		t.Errorf("through a key: %s", errJSON(err))
	}
}

func TestInvalidateCrossClusterKeys(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	cc := f.createCrossCluster(`{"name":"cc","access":`+yamlSearchAll+`}`, aliceCaller())
	rest := f.create(`{"name":"r"}`, aliceCaller())

	// Without manage_security the cross-cluster key is skipped, with an error.
	resp, err := f.svc.InvalidateKeys(ctx, &InvalidateRequest{Username: "alice"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"invalidated_api_keys":["` + rest.ID + `"],"previously_invalidated_api_keys":[],"error_count":1,"error_details":[{"type":"security_exception","reason":"Cannot invalidate cross-cluster API key [` + cc.ID + `]. This requires [manage_security] cluster privilege or higher"}]}`
	if got := jsonOf(t, resp); got != want {
		t.Errorf("without manage_security\ngot  %s\nwant %s", got, want)
	}
	if strings.Contains(f.storedDoc(cc.ID), `"api_key_invalidated":true`) {
		t.Error("the skipped key was invalidated")
	}
	resp, err = f.svc.InvalidateKeys(ctx, &InvalidateRequest{IDs: []string{cc.ID}, CrossCluster: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := jsonOf(t, resp); got != `{"invalidated_api_keys":["`+cc.ID+`"],"previously_invalidated_api_keys":[],"error_count":0}` {
		t.Errorf("with manage_security: %s", got)
	}
}
