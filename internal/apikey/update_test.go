package apikey

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/roles"
)

func TestParseUpdate(t *testing.T) {
	for _, tt := range []struct{ name, body, want string }{
		{"unknown", `{"name":"x"}`, `{"type":"x_content_parse_exception","reason":"[1:2] [update_api_key_request_payload] unknown field [name]"}`},
		{"metadata string", `{"metadata":"x"}`, `{"type":"x_content_parse_exception","reason":"[1:13] [update_api_key_request_payload] metadata doesn't support values of type: VALUE_STRING"}`},
		{"bad expiration", `{"expiration":"forever"}`, `{"type":"x_content_parse_exception","reason":"Failed to build [update_api_key_request_payload] after last required field arrived","caused_by":{"type":"illegal_argument_exception","reason":"failed to parse setting [expiration] with value [forever] as a time value: unit is missing or unrecognized"}}`},
		{"bad expiration, every field", `{"role_descriptors":{},"metadata":{},"expiration":"1.5h"}`, `{"type":"x_content_parse_exception","reason":"[1:51] [update_api_key_request_payload] failed to parse field [expiration]","caused_by":{"type":"x_content_parse_exception","reason":"Failed to build [update_api_key_request_payload] after last required field arrived","caused_by":{"type":"illegal_argument_exception","reason":"failed to parse [1.5h], fractional time values are not supported"}}}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseUpdateRequest([]byte(tt.body))
			if got := errJSON(err); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
	for _, tt := range []struct{ name, body, want string }{
		{"no ids", `{"metadata":{}}`, `{"type":"illegal_argument_exception","reason":"Required [ids]"}`},
		{"unknown", `{"ids":["a"],"id":"b"}`, `{"type":"x_content_parse_exception","reason":"[1:14] [bulk_update_api_key_request] unknown field [id] did you mean [ids]?"}`},
		{"no body", ``, `{"type":"parse_exception","reason":"request body is required"}`},
	} {
		t.Run("bulk "+tt.name, func(t *testing.T) {
			_, err := ParseBulkUpdateRequest([]byte(tt.body))
			if got := errJSON(err); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
	r, err := ParseUpdateRequest(nil)
	if err != nil || r.RoleDescriptors != nil || r.Metadata != nil || r.ExpirationSeconds != nil {
		t.Errorf("empty body: %+v %v", r, err)
	}
	r, _ = ParseUpdateRequest([]byte(`{"role_descriptors":{}}`))
	if r.RoleDescriptors == nil || len(r.RoleDescriptors) != 0 {
		t.Errorf("{} must differ from absent: %#v", r.RoleDescriptors)
	}
	b, _ := ParseBulkUpdateRequest([]byte(`{"ids":[],"metadata":{"_x":1}}`))
	want := `{"type":"action_request_validation_exception","reason":"Validation Failed: 1: API key metadata keys may not start with [_];2: Field [ids] cannot be empty;"}`
	if got := errJSON(b.Validate()); got != want {
		t.Errorf("bulk validation\ngot  %s\nwant %s", got, want)
	}
}

func TestUpdate(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	k := f.create(`{"name":"k","role_descriptors":{"r":{"cluster":["monitor"]}},"metadata":{"a":1}}`, aliceCaller())
	if _, err := f.svc.Authenticate(ctx, k.Encoded()); err != nil { // warm the caches
		t.Fatal(err)
	}
	update := func(id, body string, caller Caller) (string, error) {
		t.Helper()
		req, err := ParseUpdateRequest([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if err := req.Validate(); err != nil {
			t.Fatal(err)
		}
		resp, err := f.svc.Update(ctx, id, req, caller)
		if err != nil {
			return "", err
		}
		return jsonOf(t, resp), nil
	}
	// The same caller, nothing new: a noop.
	if got, err := update(k.ID, ``, aliceCaller()); got != `{"updated":false}` || err != nil {
		t.Errorf("empty update: %s %v", got, err)
	}
	if got, _ := update(k.ID, `{"metadata":{"a":1},"role_descriptors":{"r":{"cluster":["monitor"]}}}`, aliceCaller()); got != `{"updated":false}` {
		t.Errorf("same values: %s", got)
	}
	before := f.storedDoc(k.ID)
	// A new snapshot of the owner's roles is an update.
	grown := aliceCaller()
	grown.RoleDescriptors = append(grown.RoleDescriptors, roles.Descriptor{Name: "extra", Cluster: []string{"manage"}})
	if got, _ := update(k.ID, ``, grown); got != `{"updated":true}` {
		t.Errorf("new snapshot: %s", got)
	}
	after := f.storedDoc(k.ID)
	if !strings.Contains(after, `"extra":{"cluster":["manage"]`) || !strings.Contains(after, `"metadata_flattened":{"a":1}`) ||
		!strings.Contains(after, `"role_descriptors":{"r":`) {
		t.Errorf("after a snapshot refresh: %s", after)
	}
	if hashOf(before) != hashOf(after) {
		t.Error("an update changed the hash")
	}
	// Metadata replaces; {} roles remove them; expiration counts from now.
	f.clock.Add(time.Minute)
	if got, _ := update(k.ID, `{"metadata":{"b":2},"role_descriptors":{},"expiration":"1h"}`, grown); got != `{"updated":true}` {
		t.Errorf("replace: %s", got)
	}
	doc := f.storedDoc(k.ID)
	for _, want := range []string{`"metadata_flattened":{"b":2}`, `"role_descriptors":{},`, `"expiration_time":` + itoa(f.clock.Now().Add(time.Hour).UnixMilli())} {
		if !strings.Contains(doc, want) {
			t.Errorf("%s not in %s", want, doc)
		}
	}
	// The key authenticates with its new roles at once.
	a, err := f.svc.Authenticate(ctx, k.Encoded())
	if err != nil || len(a.RoleDescriptors) != 0 || len(a.LimitedBy) != 2 {
		t.Errorf("after update: %+v %v", a, err)
	}

	// Errors: not owned (same name, other realm), unknown, invalidated,
	// expired, by an API key.
	otherRealm := aliceCaller()
	otherRealm.Owner.Realm = "ldap1"
	_, err = update(k.ID, ``, otherRealm)
	if got, want := errJSON(err), `{"type":"resource_not_found_exception","reason":"no API key owned by requesting user found for ID [`+k.ID+`]"}`; got != want {
		t.Errorf("other realm\ngot  %s\nwant %s", got, want)
	}
	viaKey := aliceCaller()
	viaKey.ViaAPIKey = true
	_, err = update(k.ID, ``, viaKey)
	if got, want := errJSON(err), `{"type":"illegal_argument_exception","reason":"authentication via API key not supported: only the owner user can update an API key"}`; got != want {
		t.Errorf("via key\ngot  %s\nwant %s", got, want)
	}
	f.clock.Add(time.Hour)
	_, err = update(k.ID, ``, grown)
	if got, want := errJSON(err), `{"type":"illegal_argument_exception","reason":"cannot update expired API key [`+k.ID+`]"}`; got != want {
		t.Errorf("expired\ngot  %s\nwant %s", got, want)
	}
	k2 := f.create(`{"name":"k2"}`, aliceCaller())
	if _, err := f.svc.InvalidateKeys(ctx, &InvalidateRequest{IDs: []string{k2.ID}}, nil); err != nil {
		t.Fatal(err)
	}
	k3 := f.create(`{"name":"k3"}`, aliceCaller())
	bulk, _ := ParseBulkUpdateRequest([]byte(`{"ids":["` + k3.ID + `","` + k2.ID + `","nope","` + k3.ID + `"],"metadata":{"c":3}}`))
	resp, err := f.svc.BulkUpdate(ctx, bulk, aliceCaller())
	if err != nil {
		t.Fatal(err)
	}
	want := `{"updated":["` + k3.ID + `"],"noops":[],"errors":{"count":2,"details":{"` + k2.ID + `":{"type":"illegal_argument_exception","reason":"cannot update invalidated API key [` + k2.ID + `]"},` +
		`"nope":{"type":"resource_not_found_exception","reason":"no API key owned by requesting user found for ID [nope]"}}}}`
	if got := jsonOf(t, resp); got != want {
		t.Errorf("bulk\ngot  %s\nwant %s", got, want)
	}
	// Without errors there is no "errors" at all (maybeAddErrorDetails;
	// 30_update.yml: is_false errors).
	if got := jsonOf(t, &BulkUpdateResponse{}); got != `{"updated":[],"noops":[]}` {
		t.Errorf("empty bulk: %s", got)
	}
}

func hashOf(doc string) string {
	_, rest, _ := strings.Cut(doc, `"api_key_hash":"`)
	h, _, _ := strings.Cut(rest, `"`)
	return h
}

func TestSweep(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	active := f.create(`{"name":"active"}`, aliceCaller())
	expiring := f.create(`{"name":"expiring","expiration":"1d"}`, aliceCaller())
	invalid := f.create(`{"name":"invalid"}`, aliceCaller())
	if _, err := f.svc.InvalidateKeys(ctx, &InvalidateRequest{IDs: []string{invalid.ID}}, nil); err != nil {
		t.Fatal(err)
	}
	_, _ = f.svc.Authenticate(ctx, active.Encoded())
	_, _ = f.svc.Authenticate(ctx, expiring.Encoded())
	if err := f.svc.used.flush(ctx); err != nil {
		t.Fatal(err)
	}
	exists := func(id string) bool {
		_, err := f.db.Store.Get(ctx, "api-keys", id)
		return err == nil
	}
	f.clock.Add(7*24*time.Hour - time.Millisecond) // the invalidated key is not yet old enough
	if n, err := f.svc.Sweep(ctx); n != 0 || err != nil {
		t.Fatalf("early sweep removed %d: %v", n, err)
	}
	f.clock.Add(time.Millisecond)
	if n, err := f.svc.Sweep(ctx); n != 1 || err != nil || exists(invalid.ID) {
		t.Fatalf("sweep at the retention period removed %d: %v", n, err)
	}
	f.clock.Add(24 * time.Hour) // expired 7 days ago
	if n, err := f.svc.Sweep(ctx); n != 1 || err != nil || exists(expiring.ID) || !exists(active.ID) {
		t.Fatalf("second sweep removed %d: %v", n, err)
	}
	// The removed key's last use went with it.
	used, _ := f.svc.used.all(ctx)
	if _, ok := used[expiring.ID]; ok || used[active.ID] == 0 {
		t.Errorf("last use after sweep: %v", used)
	}
	_, err := f.svc.Authenticate(ctx, expiring.Encoded())
	if ae := authErr(t, err); ae.Reason != "unable to find apikey with id "+expiring.ID {
		t.Errorf("removed key: %q", ae.Reason)
	}
}
