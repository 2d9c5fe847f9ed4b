package apikey

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/eserr"
)

func TestGetValidation(t *testing.T) {
	for _, tt := range []struct {
		req  GetRequest
		want string
	}{
		{GetRequest{}, ""},
		{GetRequest{ID: "a", Username: "u"}, "1: username or realm name must not be specified when the api key id or api key name is specified;"},
		{GetRequest{Name: "a", RealmName: "r"}, "1: username or realm name must not be specified when the api key id or api key name is specified;"},
		{GetRequest{Owner: true, Username: "u"}, "1: neither username nor realm-name may be specified when retrieving owned API keys;"},
		{GetRequest{ID: "a", Name: "b"}, "1: only one of [api key id, api key name] can be specified;"},
		{GetRequest{ID: "a", Name: "b", Owner: true, RealmName: "r"}, "1: username or realm name must not be specified when the api key id or api key name is specified;" +
			"2: neither username nor realm-name may be specified when retrieving owned API keys;3: only one of [api key id, api key name] can be specified;"},
	} {
		err := tt.req.Validate()
		want := "<nil>"
		if tt.want != "" {
			want = `{"type":"action_request_validation_exception","reason":"Validation Failed: ` + tt.want + `"}`
		}
		if got := errJSON(err); got != want {
			t.Errorf("%+v:\ngot  %s\nwant %s", tt.req, got, want)
		}
	}
}

// keyJSON is one key as get renders it, for the fixtures below.
func keyJSON(id, name string, creation int64, rest string) string {
	return `{"id":"` + id + `","name":"` + name + `","type":"rest","creation":` + itoa(creation) + rest + `}`
}

func TestGet(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	bob := Caller{Owner: Owner{Username: "bob", Realm: "file", RealmType: "file"}}
	k1 := f.create(`{"name":"app-one","role_descriptors":{"r":{"cluster":["monitor"]}},"metadata":{"tier":1}}`, aliceCaller())
	f.clock.Add(time.Second)
	k2 := f.create(`{"name":"app-two","expiration":"1h"}`, aliceCaller())
	f.clock.Add(time.Second)
	k3 := f.create(`{"name":"other"}`, bob)
	c1, c2, c3 := t0.UnixMilli(), t0.Add(time.Second).UnixMilli(), t0.Add(2*time.Second).UnixMilli()
	exp2 := t0.Add(time.Second + time.Hour).UnixMilli()

	j1 := keyJSON(k1.ID, "app-one", c1, `,"invalidated":false,"username":"alice","realm":"default_native","realm_type":"native","metadata":{"tier":1},`+
		`"role_descriptors":{"r":{"cluster":["monitor"],"indices":[],"applications":[],"run_as":[],"metadata":{},"transient_metadata":{"enabled":true}}}`)
	j2 := keyJSON(k2.ID, "app-two", c2, `,"expiration":`+itoa(exp2)+`,"invalidated":false,"username":"alice","realm":"default_native","realm_type":"native","metadata":{},"role_descriptors":{}`)
	j3 := keyJSON(k3.ID, "other", c3, `,"invalidated":false,"username":"bob","realm":"file","realm_type":"file","metadata":{},"role_descriptors":{}`)

	get := func(req GetRequest, owned *OwnedBy) (string, int) {
		t.Helper()
		if err := req.Validate(); err != nil {
			t.Fatal(err)
		}
		resp, err := f.svc.Get(ctx, req, owned)
		if err != nil {
			t.Fatal(err)
		}
		return jsonOf(t, resp), resp.Status()
	}
	aliceKeys := &OwnedBy{Username: "alice", Realms: []string{"default_native"}}
	for _, tt := range []struct {
		name   string
		req    GetRequest
		owned  *OwnedBy
		want   string
		status int
	}{
		{"all", GetRequest{}, nil, `{"api_keys":[` + j1 + `,` + j2 + `,` + j3 + `]}`, 200},
		{"by id", GetRequest{ID: k2.ID}, nil, `{"api_keys":[` + j2 + `]}`, 200},
		{"unknown id", GetRequest{ID: "nope"}, nil, `{"api_keys":[]}`, 404},
		{"by name", GetRequest{Name: "other"}, nil, `{"api_keys":[` + j3 + `]}`, 200},
		{"by name prefix", GetRequest{Name: "app-*"}, nil, `{"api_keys":[` + j1 + `,` + j2 + `]}`, 200},
		{"by name star", GetRequest{Name: "*"}, nil, `{"api_keys":[` + j1 + `,` + j2 + `,` + j3 + `]}`, 200},
		{"name is not a pattern inside", GetRequest{Name: "app*one"}, nil, `{"api_keys":[]}`, 200},
		{"unknown name is not 404", GetRequest{Name: "nope"}, nil, `{"api_keys":[]}`, 200},
		{"by username", GetRequest{Username: "bob"}, nil, `{"api_keys":[` + j3 + `]}`, 200},
		{"by realm", GetRequest{RealmName: "default_native"}, nil, `{"api_keys":[` + j1 + `,` + j2 + `]}`, 200},
		{"by username and realm", GetRequest{Username: "alice", RealmName: "file"}, nil, `{"api_keys":[]}`, 200},
		{"owner", GetRequest{Owner: true}, aliceKeys, `{"api_keys":[` + j1 + `,` + j2 + `]}`, 200},
		{"owned filter", GetRequest{ID: k3.ID}, aliceKeys, `{"api_keys":[]}`, 404},
		{"profile uid accepted", GetRequest{ID: k3.ID, WithProfileUID: true}, nil, `{"api_keys":[` + j3 + `]}`, 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, status := get(tt.req, tt.owned)
			if got != tt.want || status != tt.status {
				t.Errorf("got  %d %s\nwant %d %s", status, got, tt.status, tt.want)
			}
		})
	}

	// with_limited_by adds the snapshot as an array of one map.
	got, _ := get(GetRequest{ID: k1.ID, WithLimitedBy: true}, nil)
	wantLimited := strings.TrimSuffix(j1, "}") + `,"limited_by":[{"logs_reader":{"cluster":["monitor"],"indices":[{"names":["logs-*"],"privileges":["read"],"allow_restricted_indices":false}],"applications":[],"run_as":[],"metadata":{},"transient_metadata":{"enabled":true}}}]}`
	if got != `{"api_keys":[`+wantLimited+`]}` {
		t.Errorf("with_limited_by\ngot  %s\nwant %s", got, `{"api_keys":[`+wantLimited+`]}`)
	}

	// active_only leaves out invalidated and expired keys; get shows them
	// otherwise, with the invalidation time.
	f.clock.Add(time.Hour) // k2 expires
	if _, err := f.svc.InvalidateKeys(ctx, &InvalidateRequest{IDs: []string{k3.ID}}, nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := get(GetRequest{ActiveOnly: true}, nil); got != `{"api_keys":[`+j1+`]}` {
		t.Errorf("active_only: %s", got)
	}
	inv := f.clock.Now().UnixMilli()
	j3inv := strings.Replace(j3, `"invalidated":false`, `"invalidated":true,"invalidation":`+itoa(inv), 1)
	if got, _ := get(GetRequest{ID: k3.ID}, nil); got != `{"api_keys":[`+j3inv+`]}` {
		t.Errorf("invalidated key\ngot  %s\nwant %s", got, `{"api_keys":[`+j3inv+`]}`)
	}

	// Nothing ever shows a secret or a hash.
	all, _ := get(GetRequest{WithLimitedBy: true, WithLastUsed: true}, nil)
	for _, k := range []*CreateResponse{k1, k2, k3} {
		if strings.Contains(all, k.Secret()) {
			t.Errorf("get shows the secret of %s", k.ID)
		}
	}
	if strings.Contains(all, "PBKDF2") || strings.Contains(all, "hash") {
		t.Errorf("get shows a hash: %s", all)
	}

	// Owner without its owner is a programming error.
	if _, err := f.svc.Get(ctx, GetRequest{Owner: true}, nil); err == nil {
		t.Error("owner=true without OwnedBy accepted")
	}
}

func TestLastUsed(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	k := f.create(`{"name":"k"}`, aliceCaller())
	idle := f.create(`{"name":"idle"}`, aliceCaller())
	f.clock.Add(time.Minute)
	for range 50 {
		if _, err := f.svc.Authenticate(ctx, k.Encoded()); err != nil {
			t.Fatal(err)
		}
	}
	writes := func() int64 {
		var n int64
		_ = f.db.List(ctx, "meta", func(string, []byte) error { n++; return nil })
		return n
	}
	if n := writes(); n != 0 {
		t.Errorf("%d last-use records written before a flush", n)
	}
	used := f.clock.Now().UnixMilli()
	resp, err := f.svc.Get(ctx, GetRequest{WithLastUsed: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := jsonOf(t, resp)
	if !strings.Contains(got, `"role_descriptors":{},"last_used":`+itoa(used)+`}`) || strings.Count(got, "last_used") != 1 {
		t.Errorf("with_last_used: %s", got)
	}
	resp, _ = f.svc.Get(ctx, GetRequest{}, nil)
	if strings.Contains(jsonOf(t, resp), "last_used") {
		t.Error("last_used shown without with_last_used")
	}
	// Flushed, it survives a restart; one record for fifty uses.
	if err := f.svc.used.flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := writes(); n != 1 {
		t.Errorf("%d last-use records, want 1", n)
	}
	restarted := f.newService()
	resp, _ = restarted.Get(ctx, GetRequest{ID: k.ID, WithLastUsed: true}, nil)
	if !strings.Contains(jsonOf(t, resp), `"last_used":`+itoa(used)) {
		t.Errorf("after restart: %s", jsonOf(t, resp))
	}
	_ = idle
}

func TestParseInvalidate(t *testing.T) {
	for _, tt := range []struct {
		name, body string
		want       InvalidateRequest
		err        string
	}{
		{"ids", `{"ids":["a","b"]}`, InvalidateRequest{IDs: []string{"a", "b"}}, ""},
		{"single id string", `{"ids":"a"}`, InvalidateRequest{IDs: []string{"a"}}, ""},
		{"owner", `{"owner":true}`, InvalidateRequest{Owner: true}, ""},
		{"owner string", `{"owner":"true"}`, InvalidateRequest{Owner: true}, ""},
		{"blank strings", `{"name":" ","username":"u"}`, InvalidateRequest{Username: "u"}, ""},
		{"no body", ``, InvalidateRequest{}, `{"type":"parse_exception","reason":"request body is required"}`},
		{"unknown", `{"id":"a"}`, InvalidateRequest{}, `{"type":"x_content_parse_exception","reason":"[1:2] [invalidate_api_key] unknown field [id] did you mean [ids]?"}`},
		{"owner number", `{"owner":1}`, InvalidateRequest{}, `{"type":"x_content_parse_exception","reason":"[1:10] [invalidate_api_key] owner doesn't support values of type: VALUE_NUMBER"}`},
		{"owner yes", `{"owner":"yes"}`, InvalidateRequest{}, `{"type":"x_content_parse_exception","reason":"[1:10] [invalidate_api_key] failed to parse field [owner]","caused_by":{"type":"illegal_argument_exception","reason":"Failed to parse value [yes] as only [true] or [false] are allowed."}}`},
		{"name object", `{"name":{}}`, InvalidateRequest{}, `{"type":"x_content_parse_exception","reason":"[1:9] [invalidate_api_key] name doesn't support values of type: START_OBJECT"}`},
		{"empty ids", `{"ids":[]}`, InvalidateRequest{}, `{"type":"x_content_parse_exception","reason":"Failed to build [invalidate_api_key] after last required field arrived","caused_by":{"type":"action_request_validation_exception","reason":"Validation Failed: 1: Field [ids] cannot be an empty array;"}}`},
		{"blank id", `{"ids":["a"," "]}`, InvalidateRequest{}, `{"type":"x_content_parse_exception","reason":"Failed to build [invalidate_api_key] after last required field arrived","caused_by":{"type":"action_request_validation_exception","reason":"Validation Failed: 1: Field [ids] must not contain blank id, but got blank id at index position: [1];"}}`},
		{"blank ids", `{"ids":["","a",""]}`, InvalidateRequest{}, `{"type":"x_content_parse_exception","reason":"Failed to build [invalidate_api_key] after last required field arrived","caused_by":{"type":"action_request_validation_exception","reason":"Validation Failed: 1: Field [ids] must not contain blank id, but got blank ids at index positions: [0, 2];"}}`},
		{"ids of objects", `{"ids":[{}]}`, InvalidateRequest{}, `{"type":"x_content_parse_exception","reason":"[1:9] [invalidate_api_key] failed to parse field [ids]","caused_by":{"type":"illegal_argument_exception","reason":"[ids] doesn't support values of type: START_OBJECT"}}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseInvalidateRequest([]byte(tt.body))
			if tt.err != "" {
				if got := errJSON(err); got != tt.err {
					t.Errorf("got  %s\nwant %s", got, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(r.IDs, ",") != strings.Join(tt.want.IDs, ",") || (r.IDs == nil) != (tt.want.IDs == nil) ||
				r.Name != tt.want.Name || r.Username != tt.want.Username || r.RealmName != tt.want.RealmName || r.Owner != tt.want.Owner {
				t.Errorf("got %+v, want %+v", r, tt.want)
			}
		})
	}
}

func TestInvalidateValidation(t *testing.T) {
	for _, tt := range []struct {
		req  InvalidateRequest
		want string
	}{
		{InvalidateRequest{}, "1: One of [api key id(s), api key name, username, realm name] must be specified if [owner] flag is false;"},
		{InvalidateRequest{IDs: []string{"a"}, Username: "u"}, "1: username or realm name must not be specified when the api key id(s) or api key name are specified;"},
		{InvalidateRequest{Owner: true, RealmName: "r"}, "1: neither username nor realm-name may be specified when invalidating owned API keys;"},
		{InvalidateRequest{IDs: []string{"a"}, Name: "n"}, "1: only one of [api key id(s), api key name] can be specified;"},
		{InvalidateRequest{Owner: true}, ""},
		{InvalidateRequest{RealmName: "r", Username: "u"}, ""},
	} {
		want := "<nil>"
		if tt.want != "" {
			want = `{"type":"action_request_validation_exception","reason":"Validation Failed: ` + tt.want + `"}`
		}
		if got := errJSON(tt.req.Validate()); got != want {
			t.Errorf("%+v:\ngot  %s\nwant %s", tt.req, got, want)
		}
	}
}

func TestInvalidate(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	bob := Caller{Owner: Owner{Username: "bob", Realm: "file", RealmType: "file"}}
	k1 := f.create(`{"name":"a"}`, aliceCaller())
	k2 := f.create(`{"name":"b"}`, aliceCaller())
	k3 := f.create(`{"name":"a"}`, bob)
	inv := func(body string, owned *OwnedBy) string {
		t.Helper()
		req, err := ParseInvalidateRequest([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if err := req.Validate(); err != nil {
			t.Fatal(err)
		}
		resp, err := f.svc.InvalidateKeys(ctx, req, owned)
		if err != nil {
			t.Fatal(err)
		}
		return jsonOf(t, resp)
	}
	if got, want := inv(`{"name":"a","owner":true}`, &OwnedBy{Username: "alice", Realms: []string{"default_native"}}),
		`{"invalidated_api_keys":["`+k1.ID+`"],"previously_invalidated_api_keys":[],"error_count":0}`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// Already invalidated keys are not found again: an empty answer, 200.
	if got, want := inv(`{"ids":["`+k1.ID+`","nope"]}`, nil), `{"invalidated_api_keys":[],"previously_invalidated_api_keys":[],"error_count":0}`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if got, want := inv(`{"username":"bob"}`, nil), `{"invalidated_api_keys":["`+k3.ID+`"],"previously_invalidated_api_keys":[],"error_count":0}`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// An owner filter keeps other users' keys out even by id.
	if got, want := inv(`{"ids":["`+k2.ID+`"]}`, &OwnedBy{Username: "bob", Realms: []string{"file"}}),
		`{"invalidated_api_keys":[],"previously_invalidated_api_keys":[],"error_count":0}`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	doc := f.storedDoc(k1.ID)
	if !strings.Contains(doc, `"api_key_invalidated":true`) || !strings.HasSuffix(doc, `,"invalidation_time":`+itoa(t0.UnixMilli())+`}`) {
		t.Errorf("document after invalidation: %s", doc)
	}
	// A race lost to another invalidation reports the key as previously
	// invalidated and keeps the first time.
	was, err := f.svc.invalidateOne(ctx, k1.ID, t0.Add(time.Hour).UnixMilli())
	if err != nil || !was || f.storedDoc(k1.ID) != doc {
		t.Errorf("second invalidation: %v %v", was, err)
	}
	// The response with errors.
	r := &InvalidateResponse{Invalidated: []string{"x"}, Errors: []*eserr.Error{{Type: "exception", Reason: "Error invalidating api key"}}}
	if got, want := jsonOf(t, r), `{"invalidated_api_keys":["x"],"previously_invalidated_api_keys":[],"error_count":1,"error_details":[{"type":"exception","reason":"Error invalidating api key"}]}`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
