package profiles

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/store/boltstore"
)

func newService(t *testing.T) (*Service, *time.Time) {
	t.Helper()
	db, err := boltstore.Open(filepath.Join(t.TempDir(), "esauth.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	now := time.UnixMilli(1_700_000_000_000)
	s := New(db)
	s.now = func() time.Time { return now }
	return s, &now
}

func ptr(s string) *string { return &s }

var native = Realm{Name: "default_native", Type: "native"}

func joe() Subject {
	return Subject{Username: "joe", Roles: []string{"superuser"}, FullName: ptr("Bazooka Joe"), Email: ptr("joe@bazooka.gum"), Realm: native}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The uid is ProfileDocument.computeBaseUidForSubject's: Elasticsearch's
// documentation shows jacknich's profile as
// u_79HkWkwmnBH5gqFKwoxggWPjEBOur1zLPXQPEl1VBW0_0.
func TestBaseUID(t *testing.T) {
	if got, want := uidOf("jacknich", 0), "u_79HkWkwmnBH5gqFKwoxggWPjEBOur1zLPXQPEl1VBW0_0"; got != want {
		t.Errorf("uid of jacknich = %s, want %s", got, want)
	}
	if got, want := BaseUID("joe"), "u_eGdcwXYIE3LEOrqz6p-3DHQ4HrAtxuk_ttRNFh2m7rM"; got != want {
		t.Errorf("BaseUID(joe) = %s, want %s", got, want)
	}
}

func TestActivateCreatesThenReuses(t *testing.T) {
	s, now := newService(t)
	ctx := context.Background()
	p, err := s.Activate(ctx, joe())
	if err != nil {
		t.Fatal(err)
	}
	uid := BaseUID("joe") + "_0"
	want := `{"uid":"` + uid + `","enabled":true,"last_synchronized":1700000000000,"user":{"username":"joe","roles":["superuser"],"realm_name":"default_native","email":"joe@bazooka.gum","full_name":"Bazooka Joe"},"labels":{},"data":{},"_doc":{"_primary_term":1,"_seq_no":0}}`
	if got := mustJSON(t, p); got != want {
		t.Fatalf("activate:\n got %s\nwant %s", got, want)
	}
	// Within 30 seconds and unchanged: nothing is written.
	*now = now.Add(10 * time.Second)
	p, err = s.Activate(ctx, joe())
	if err != nil || p.UID() != uid || p.doc.SeqNo != 0 || p.doc.LastSynchronized != 1700000000000 {
		t.Fatalf("second activation: %v %+v", err, p.doc)
	}
	// A change of roles is written at once, and so is any activation
	// after 30 seconds.
	sub := joe()
	sub.Roles = []string{"viewer"}
	p, err = s.Activate(ctx, sub)
	if err != nil || p.doc.SeqNo != 1 || p.doc.User.Roles[0] != "viewer" {
		t.Fatalf("changed roles: %v %+v", err, p.doc)
	}
	*now = now.Add(31 * time.Second)
	p, err = s.Activate(ctx, sub)
	if err != nil || p.doc.SeqNo != 2 || p.doc.LastSynchronized != now.UnixMilli() {
		t.Fatalf("after the interval: %v %+v", err, p.doc)
	}
}

// Activation enables a disabled profile and keeps labels and data.
func TestActivateEnablesAndKeepsData(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	p, _ := s.Activate(ctx, joe())
	if err := s.UpdateData(ctx, p.UID(), []byte(`{"kibana":{"spaces":"demo"}}`), []byte(`{"app1":{"theme":"dark"}}`), NoVersion); err != nil {
		t.Fatal(err)
	}
	if err := s.SetEnabled(ctx, p.UID(), false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Activate(ctx, joe()); err != nil {
		t.Fatal(err)
	}
	got, errs, err := s.Get(ctx, []string{p.UID()}, []string{"*"})
	if err != nil || len(errs) != 0 || len(got) != 1 {
		t.Fatalf("get: %v %v %v", got, errs, err)
	}
	if !got[0].Enabled() || string(got[0].doc.Labels) != `{"kibana":{"spaces":"demo"}}` || string(got[0].data.bytes()) != `{"app1":{"theme":"dark"}}` {
		t.Errorf("after activation: %s", mustJSON(t, got[0]))
	}
}

// A user of the same name from another realm gets the next
// differentiator; after nine, activation fails as Elasticsearch's does.
func TestDifferentiator(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	p0, _ := s.Activate(ctx, joe())
	file := joe()
	file.Realm = Realm{Name: "default_file", Type: "file"}
	p1, err := s.Activate(ctx, file)
	if err != nil || p1.UID() != BaseUID("joe")+"_1" || p0.UID() == p1.UID() {
		t.Fatalf("file joe: %v %s", err, p1.UID())
	}
	// Each finds its own again.
	if again, _ := s.Activate(ctx, file); again.UID() != p1.UID() {
		t.Errorf("file joe again: %s", again.UID())
	}
	// Realms other than file and native are told apart by name too.
	for i := 2; i <= 9; i++ {
		sub := joe()
		sub.Realm = Realm{Name: "ldap" + string(rune('0'+i)), Type: "ldap"}
		p, err := s.Activate(ctx, sub)
		if err != nil || !strings.HasSuffix(p.UID(), "_"+string(rune('0'+i))) {
			t.Fatalf("ldap %d: %v %s", i, err, p.UID())
		}
	}
	sub := joe()
	sub.Realm = Realm{Name: "ldap10", Type: "ldap"}
	_, err = s.Activate(ctx, sub)
	var e *eserr.Error
	if !errors.As(err, &e) || e.Status != 500 || e.Reason != "profile differentiator value is too high for base Uid ["+BaseUID("joe")+"]" {
		t.Errorf("tenth: %v", err)
	}
	uids, err := s.UIDs(ctx, []Subject{{Username: "joe", Realm: Realm{Name: "other_name", Type: "file"}}, {Username: "nobody", Realm: native}})
	if err != nil || len(uids) != 1 || uids["joe"] != p1.UID() {
		t.Errorf("UIDs: %v %v", uids, err)
	}
}

// Concurrent first activations of one user make one profile.
func TestConcurrentActivation(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	uids := make([]string, 8)
	for i := range uids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := s.Activate(ctx, joe())
			if err != nil {
				t.Error(err)
				return
			}
			uids[i] = p.UID()
		}()
	}
	wg.Wait()
	for _, u := range uids {
		if u != BaseUID("joe")+"_0" {
			t.Errorf("uids: %v", uids)
			break
		}
	}
}

func TestUpdateDataMergesAndVersions(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	p, _ := s.Activate(ctx, joe())
	uid := p.UID()
	steps := []struct {
		labels, data string
		v            Version
		wantErr      string
		wantSeq      int64
	}{
		{"", `{"app1":{"theme":"default","font":1},"app2":{"theme":"dark"}}`, NoVersion, "", 1},
		// Objects merge key by key; other values replace.
		{"", `{"app1":{"theme":"light","extra":[1,2]},"app2":"flat"}`, Version{1, 1}, "", 2},
		// The same again changes nothing: no new sequence number.
		{"", `{"app1":{"theme":"light"}}`, Version{2, 1}, "", 2},
		// A stale version is a conflict.
		{"", `{"app1":{"theme":"x"}}`, Version{1, 1},
			"version_conflict_engine_exception: [profile_" + uid + "]: version conflict, required seqNo [1], primary term [1]. current document has seqNo [2] and primary term [1]", 2},
		{"", `{"app1":{"theme":"x"}}`, Version{2, 7},
			"version_conflict_engine_exception: [profile_" + uid + "]: version conflict, required seqNo [2], primary term [7]. current document has seqNo [2] and primary term [1]", 2},
		{"", `{"app1":{}}`, Version{2, -1}, "action_request_validation_exception: Validation Failed: 1: ifSeqNo is set, but primary term is [0];", 2},
		{"", `{"app1":{}}`, Version{-1, 3}, "action_request_validation_exception: Validation Failed: 1: ifSeqNo is unassigned, but primary term is [3];", 2},
		{`{"kibana":{"spaces":["a","b"]}}`, "", Version{2, 1}, "", 3},
	}
	for i, st := range steps {
		var labels, data []byte
		if st.labels != "" {
			labels = []byte(st.labels)
		}
		if st.data != "" {
			data = []byte(st.data)
		}
		err := s.UpdateData(ctx, uid, labels, data, st.v)
		if (err == nil) != (st.wantErr == "") || (err != nil && err.Error() != st.wantErr) {
			t.Fatalf("step %d: err %v, want %q", i, err, st.wantErr)
		}
		doc, _ := s.get(ctx, uid)
		if doc.SeqNo != st.wantSeq {
			t.Fatalf("step %d: seq_no %d, want %d", i, doc.SeqNo, st.wantSeq)
		}
	}
	doc, _ := s.get(ctx, uid)
	if got, want := string(doc.Data), `{"app1":{"theme":"light","font":1,"extra":[1,2]},"app2":"flat"}`; got != want {
		t.Errorf("data %s, want %s", got, want)
	}
	if got, want := string(doc.Labels), `{"kibana":{"spaces":["a","b"]}}`; got != want {
		t.Errorf("labels %s, want %s", got, want)
	}
	var e *eserr.Error
	err := s.UpdateData(ctx, "u_missing_0", nil, []byte(`{"a":1}`), NoVersion)
	if !errors.As(err, &e) || e.Status != 404 || e.Error() != "document_missing_exception: [profile_u_missing_0]: document missing" {
		t.Errorf("missing: %v", err)
	}
	if err := s.SetEnabled(ctx, "u_missing_0", true); !errors.As(err, &e) || e.Type != "document_missing_exception" {
		t.Errorf("enable missing: %v", err)
	}
}

func TestSetEnabledNoop(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	p, _ := s.Activate(ctx, joe())
	for i, st := range []struct {
		enabled bool
		seq     int64
	}{{true, 0}, {false, 1}, {false, 1}, {true, 2}} {
		if err := s.SetEnabled(ctx, p.UID(), st.enabled); err != nil {
			t.Fatal(err)
		}
		doc, _ := s.get(ctx, p.UID())
		if doc.Enabled != st.enabled || doc.SeqNo != st.seq {
			t.Errorf("step %d: enabled %v seq %d", i, doc.Enabled, doc.SeqNo)
		}
	}
}

func TestDataFilter(t *testing.T) {
	data := `{"app1":{"key1":"v1","key2":{"deep":true}},"app2":{"theme":"dark"},"other":[{"a":1,"b":2},3]}`
	for _, tt := range []struct {
		keys []string
		want string
	}{
		{nil, `{}`},
		{[]string{"*"}, data},
		{[]string{"app1"}, `{"app1":{"key1":"v1","key2":{"deep":true}}}`},
		{[]string{"app1.key1"}, `{"app1":{"key1":"v1"}}`},
		{[]string{"app1.key2.deep", "app2"}, `{"app1":{"key2":{"deep":true}},"app2":{"theme":"dark"}}`},
		{[]string{"app*"}, `{"app1":{"key1":"v1","key2":{"deep":true}},"app2":{"theme":"dark"}}`},
		{[]string{"*.theme"}, `{"app2":{"theme":"dark"}}`},
		{[]string{"other.a"}, `{"other":[{"a":1}]}`},
		{[]string{"nope"}, `{}`},
	} {
		p, err := newProfile(&document{Data: []byte(data)}, tt.keys)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(p.data.bytes()); got != tt.want {
			t.Errorf("%q: %s, want %s", tt.keys, got, tt.want)
		}
	}
}

func TestGetErrors(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	p, _ := s.Activate(ctx, joe())
	got, errs, err := s.Get(ctx, []string{"b_missing", p.UID(), "a_missing"}, nil)
	if err != nil || len(got) != 1 || got[0].UID() != p.UID() || len(errs) != 2 ||
		errs["a_missing"].Error() != "resource_not_found_exception: profile document not found" {
		t.Errorf("get: %v %v %v", got, errs, err)
	}
	_ = s.SetEnabled(ctx, p.UID(), false)
	en, errs, err := s.Enabled(ctx, []string{p.UID(), "x", p.UID()})
	if err != nil || len(en) != 0 || len(errs) != 1 || errs["x"] == nil {
		t.Errorf("enabled: %v %v %v", en, errs, err)
	}
}

func TestSuggest(t *testing.T) {
	s, now := newService(t)
	ctx := context.Background()
	mk := func(name, full, email string) Profile {
		*now = now.Add(time.Second)
		sub := Subject{Username: name, Roles: []string{}, Realm: native}
		if full != "" {
			sub.FullName = &full
		}
		if email != "" {
			sub.Email = &email
		}
		p, err := s.Activate(ctx, sub)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	joe := mk("joe", "Bazooka Joe", "joe@bazooka.gum")
	jack := mk("jacknich", "Jack Nicholson", "jacknich@example.com")
	jane := mk("jane", "Jane Doe", "")
	test1 := mk("test_user_1", "Test User 1", "")
	_ = s.UpdateData(ctx, jane.UID(), []byte(`{"kibana":{"spaces":"demo"},"team":["blue","red"]}`), nil, NoVersion)
	uids := func(res Suggestion) string {
		var out []string
		for _, p := range res.Profiles {
			out = append(out, p.doc.User.Username)
		}
		return strings.Join(out, ",")
	}
	for _, tt := range []struct {
		req   SuggestRequest
		want  string
		total int
	}{
		{SuggestRequest{Name: "joe", Size: 5}, "joe", 1},
		{SuggestRequest{Name: "ja", Size: 10}, "jacknich,jane", 2},               // prefixes, in more fields for jacknich
		{SuggestRequest{Name: "jack nicholson", Size: 10}, "jacknich", 1},        // words in order
		{SuggestRequest{Name: "nicholsen jack", Size: 10}, "jacknich", 1},        // fuzzy, then prefix
		{SuggestRequest{Name: "bazooka", Size: 10}, "joe", 1},                    // full name and email
		{SuggestRequest{Name: "test", Size: 10}, "test_user_1", 1},               // one token
		{SuggestRequest{Name: "", Size: 10}, "test_user_1,jane,jacknich,joe", 4}, // newest first
		{SuggestRequest{Name: "", Size: 2}, "test_user_1,jane", 4},
		{SuggestRequest{Name: "", Size: 10, HintUIDs: []string{joe.UID()}}, "joe,test_user_1,jane,jacknich", 4},
		{SuggestRequest{Name: "", Size: 10, HintLabel: "team", HintLabelIn: []string{"red"}}, "jane,test_user_1,jacknich,joe", 4},
		{SuggestRequest{Name: "j", Size: 10, HintUIDs: []string{jack.UID()}}, "jacknich,joe,jane", 3},
		{SuggestRequest{Name: "@@", Size: 10}, "", 0},
	} {
		res, err := s.Suggest(ctx, tt.req)
		if err != nil {
			t.Fatal(err)
		}
		if got := uids(res); got != tt.want || res.Total != tt.total {
			t.Errorf("%+v: %s (total %d), want %s (%d)", tt.req, got, res.Total, tt.want, tt.total)
		}
	}
	// Disabled profiles are never suggested.
	_ = s.SetEnabled(ctx, test1.UID(), false)
	if res, _ := s.Suggest(ctx, SuggestRequest{Name: "test", Size: 10}); res.Total != 0 {
		t.Errorf("a disabled profile was suggested")
	}
	res, _ := s.Suggest(ctx, SuggestRequest{Name: "jane", Size: 1, DataKeys: []string{"*"}})
	want := `{"took":0,"total":{"value":1,"relation":"eq"},"profiles":[{"uid":"` + jane.UID() + `","user":{"username":"jane","roles":[],"realm_name":"default_native","full_name":"Jane Doe"},"labels":{"kibana":{"spaces":"demo"},"team":["blue","red"]},"data":{}}]}`
	if got := mustJSON(t, res); got != want {
		t.Errorf("answer:\n got %s\nwant %s", got, want)
	}
}

func TestParseAndValidate(t *testing.T) {
	for _, tt := range []struct {
		name, body, want string
	}{
		{"activate unknown", `{"grant_type":"password","usernme":"x"}`, "x_content_parse_exception: [1:26] [activate_profile_request] unknown field [usernme] did you mean [username]?"},
		{"activate type", `{"grant_type":1}`, "x_content_parse_exception: [1:15] [activate_profile_request] grant_type doesn't support values of type: VALUE_NUMBER"},
		{"activate empty", `{}`, "action_request_validation_exception: Validation Failed: 1: [grant_type] is required;"},
		{"activate password", `{"grant_type":"password","access_token":"t"}`, "action_request_validation_exception: Validation Failed: 1: [username] is required for grant_type [password];2: [password] is required for grant_type [password];3: [access_token] is not supported for grant_type [password];"},
		{"activate token", `{"grant_type":"access_token","username":"u","password":"p"}`, "action_request_validation_exception: Validation Failed: 1: [access_token] is required for grant_type [access_token];2: [username] is not supported for grant_type [access_token];3: [password] is not supported for grant_type [access_token];"},
		{"activate other", `{"grant_type":"client_credentials"}`, "action_request_validation_exception: Validation Failed: 1: grant_type [client_credentials] is not supported;"},
	} {
		g, err := ParseActivate([]byte(tt.body))
		if err == nil {
			err = g.Validate()
		}
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: %v\nwant %s", tt.name, err, tt.want)
		}
	}
	for _, tt := range []struct {
		body, want string
	}{
		{`{}`, "action_request_validation_exception: Validation Failed: 1: update request is empty;"},
		{`{"labels":{},"data":{}}`, "action_request_validation_exception: Validation Failed: 1: update request is empty;"},
		{`{"data":{"a.b":1,"_c":2,"_d.e":3}}`, "action_request_validation_exception: Validation Failed: 1: application name must not contain dot, but found [a.b,_d.e];2: application name must not start with underscore, but found [_c,_d.e];"},
		{`{"data":"x"}`, "x_content_parse_exception: [1:9] [update_profile_data_request_payload] data doesn't support values of type: VALUE_STRING"},
		{"{\n\"datum\":{}}", "x_content_parse_exception: [2:1] [update_profile_data_request_payload] unknown field [datum] did you mean [data]?"},
	} {
		u, err := ParseDataUpdate([]byte(tt.body))
		if err == nil {
			err = u.Validate()
		}
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: %v\nwant %s", tt.body, err, tt.want)
		}
	}
	data := "x"
	for _, tt := range []struct {
		body  string
		param *string
		want  string
	}{
		{`{"size":-1}`, nil, "action_request_validation_exception: Validation Failed: 1: [size] parameter cannot be negative but was [-1];"},
		{`{"hint":{}}`, nil, "action_request_validation_exception: Validation Failed: 1: [hint] parameter cannot be empty;"},
		{`{"hint":{"uids":[],"labels":{"a":"x","b":"y"}}}`, nil, "action_request_validation_exception: Validation Failed: 1: [uids] hint cannot be empty;2: [labels] hint supports a single key, got [a,b];"},
		{`{"hint":{"labels":{"a*":[]}}}`, nil, "action_request_validation_exception: Validation Failed: 1: [labels] hint key cannot contain wildcard;2: [labels] hint value cannot be empty;"},
		{`{"hint":{"labels":{"a":1}}}`, nil, "parse_exception: [labels] hint supports either string or list of strings as its value"},
		{`{"hint":{"labels":{"a":[1]}}}`, nil, "parse_exception: [labels] hint supports either string value or list of strings"},
		{`{"data":"a"}`, &data, "illegal_argument_exception: The [data] parameter must be specified in either request body or as query parameter, but not both"},
		{`{"size":"x"}`, nil, "x_content_parse_exception: [1:9] [suggest_profile_request_payload] failed to parse field [size]"},
		{`{"nam":"x"}`, nil, "x_content_parse_exception: [1:2] [suggest_profile_request_payload] unknown field [nam] did you mean [name]?"},
	} {
		r, err := ParseSuggest([]byte(tt.body), tt.param)
		if err == nil {
			err = r.Validate()
		}
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: %v\nwant %s", tt.body, err, tt.want)
		}
	}
	r, err := ParseSuggest([]byte(`{"name":"j","size":"3","hint":{"uids":"u1","labels":{"k":["a","b"]}},"data":"app1, app2,,"}`), nil)
	if err != nil || r.Validate() != nil || r.Name != "j" || r.Size != 3 || r.HintUIDs[0] != "u1" || r.HintLabel != "k" ||
		strings.Join(r.HintLabelIn, ",") != "a,b" || strings.Join(r.DataKeys, ",") != "app1,app2" {
		t.Errorf("suggest parse: %+v %v", r, err)
	}
	if r, err := ParseSuggest(nil, nil); err != nil || r.Size != 10 || r.Validate() != nil {
		t.Errorf("empty suggest: %+v %v", r, err)
	}
	for _, tt := range []struct{ body, want string }{
		{``, "parse_exception: request body or source parameter is required"},
		{`{}`, "illegal_argument_exception: Required [uids, privileges]"},
		{`{"uids":["a"]}`, "illegal_argument_exception: Required [privileges]"},
		{`{"uids":["a"],"privileges":[]}`, "x_content_parse_exception: [1:28] [profile_has_privileges_request] privileges doesn't support values of type: START_ARRAY"},
		{`{"uid":["a"]}`, "x_content_parse_exception: [1:2] [profile_has_privileges_request] unknown field [uid] did you mean [uids]?"},
	} {
		_, err := ParseHasPrivileges([]byte(tt.body))
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: %v\nwant %s", tt.body, err, tt.want)
		}
	}
}

// A profile written by one Service is read by another over the same store
// (what a second node sees).
func TestSharedStore(t *testing.T) {
	s, _ := newService(t)
	other := New(s.db)
	p, _ := s.Activate(context.Background(), joe())
	got, _, err := other.Get(context.Background(), []string{p.UID()}, nil)
	if err != nil || len(got) != 1 {
		t.Fatalf("%v %v", got, err)
	}
	if _, err := s.db.Get(context.Background(), store.Profiles, p.UID()); err != nil {
		t.Fatal(err)
	}
}
