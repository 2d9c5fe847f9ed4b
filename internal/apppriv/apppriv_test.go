package apppriv

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/store/boltstore"
)

func TestValidateMessages(t *testing.T) {
	ok := Descriptor{Application: "myapp", Name: "read", Actions: []string{"data:read/*"}}
	with := func(f func(*Descriptor)) []Descriptor { d := ok; f(&d); return []Descriptor{d} }
	tests := []struct {
		name string
		ds   []Descriptor
		want string // the whole reason; "" when valid
	}{
		{"valid", []Descriptor{ok}, ""},
		{"valid suffix", with(func(d *Descriptor) { d.Application = "kibana-.kibana" }), ""},
		{"none", nil, "Validation Failed: 1: At least one application privilege must be provided;"},
		{"blank app", with(func(d *Descriptor) { d.Application = "" }), "Validation Failed: 1: Application names cannot be blank;"},
		{"wildcard app", with(func(d *Descriptor) { d.Application = "myapp*" }), "Validation Failed: 1: Application names may not contain '*' (found 'myapp*');"},
		{"whitespace app", with(func(d *Descriptor) { d.Application = "my app" }), "Validation Failed: 1: Application names may not contain whitespace (found 'my app');"},
		{"bad prefix", with(func(d *Descriptor) { d.Application = "1app" }), "Validation Failed: 1: An application name prefix must match the pattern ^[a-z][A-Za-z0-9]*$ (found '1app');"},
		{"short prefix", with(func(d *Descriptor) { d.Application = "ap-x" }), "Validation Failed: 1: An application name prefix must be at least 3 characters long (found 'ap');"},
		{"bad suffix", with(func(d *Descriptor) { d.Application = "app-a|b" }), `Validation Failed: 1: An application name suffix may not contain any of the characters ' "*\<|,>/?' (found 'a|b');`},
		{"bad name", with(func(d *Descriptor) { d.Name = "Read" }), "Validation Failed: 1: Application privilege names must match the pattern ^[a-z][a-zA-Z0-9_.-]*$ (found 'Read');"},
		{"no actions", with(func(d *Descriptor) { d.Actions = []string{} }), "Validation Failed: 1: Application privileges must have at least one action;"},
		{"action without separator", with(func(d *Descriptor) { d.Actions = []string{"read"} }), "Validation Failed: 1: action [read] must contain one of [ '/' , '*' , ':' ];"},
		{"action not graph", with(func(d *Descriptor) { d.Actions = []string{"data: read"} }), `Validation Failed: 1: Application privilege names and actions must match the pattern ^\p{Graph}*$ (found 'data: read');`},
		{"reserved metadata", with(func(d *Descriptor) { d.Metadata = []byte(`{"_x":1}`) }), "Validation Failed: 1: metadata keys may not start with [_] (in privilege myapp read);"},
		{"all in order", with(func(d *Descriptor) { d.Application, d.Name, d.Actions = "", "", nil }),
			"Validation Failed: 1: Application names cannot be blank;2: Application privilege names must match the pattern ^[a-z][a-zA-Z0-9_.-]*$ (found '');3: Application privileges must have at least one action;"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.ds)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			var e *eserr.Error
			if !errors.As(err, &e) || e.Type != "action_request_validation_exception" || e.Reason != tt.want {
				t.Fatalf("Validate = %#v\nwant %q", err, tt.want)
			}
		})
	}
}

func TestParsePut(t *testing.T) {
	ds, err := ParsePut([]byte(`{"app":{"p1":{"application":"app","name":"p1","actions":["a:1","b:2","a:1"],"metadata":{"k": 1}},"p2":{"actions":"c:3"}},"app2":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range ds {
		b, _ := d.MarshalJSON()
		got = append(got, string(b))
	}
	want := []string{
		`{"application":"app","name":"p1","actions":["a:1","b:2"],"metadata":{"k":1}}`,
		`{"application":"app","name":"p2","actions":["c:3"],"metadata":{}}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("ParsePut:\n got %s\nwant %s", got, want)
	}
	bad := []struct{ body, typ, reason string }{
		{`{"app":{"p":{"application":"other"}}}`, "illegal_argument_exception", "privilege application [other] in source does not match the provided application [app]"},
		{`{"app":{"p":{"name":"q"}}}`, "illegal_argument_exception", "privilege name [q] in source does not match the provided name [p]"},
		{`{"app":[]}`, "parse_exception", "expected the value for app to be an object, but found START_ARRAY instead"},
		{`{"app":{"p":1}}`, "parse_exception", "expected the value for app to be an object, but found VALUE_NUMBER instead"},
		{`{"app":{"p":{"foo":1}}}`, "x_content_parse_exception", "[1:14] [application-privilege] unknown field [foo]"},
		{`{"app":{"p":{"actions":[1]}}}`, "x_content_parse_exception", "[1:24] [application-privilege] failed to parse field [actions]"},
	}
	for _, tt := range bad {
		_, err := ParsePut([]byte(tt.body))
		var e *eserr.Error
		if !errors.As(err, &e) || e.Type != tt.typ || e.Reason != tt.reason {
			t.Errorf("ParsePut(%s) = %v, want %s %s", tt.body, err, tt.typ, tt.reason)
		}
	}
}

// Kibana's registration, cut down.
var kibana = []Descriptor{
	{Application: "kibana-.kibana", Name: "all", Actions: []string{"login:", "ui:*", "saved_object:*"}},
	{Application: "kibana-.kibana", Name: "read", Actions: []string{"login:", "ui:*:discover/show", "saved_object:*/get"}},
	{Application: "kibana-.kibana", Name: "space_read", Actions: []string{"login:", "ui:*:discover/show"}},
	{Application: "other-app", Name: "read", Actions: []string{"data:read/*"}},
}

func TestGet(t *testing.T) {
	render := func(ps []Privilege) string {
		var out []string
		for _, p := range ps {
			out = append(out, p.Application+strings.Join(p.Names, "|")+"="+strings.Join(p.Actions, "|"))
		}
		return strings.Join(out, " ")
	}
	tests := []struct {
		app   string
		names []string
		want  string
	}{
		{"kibana-.kibana", []string{"all"}, "kibana-.kibanaall=login:|saved_object:*|ui:*"},
		{"kibana-.kibana", []string{"read", "ui:x"}, "kibana-.kibanaread|ui:x=login:|saved_object:*/get|ui:*:discover/show|ui:x"},
		{"kibana-.kibana", []string{"nope"}, "kibana-.kibananope="},
		{"kibana-.kibana", nil, "kibana-.kibananone="},
		{"*", []string{"read"}, "kibana-.kibanaread=login:|saved_object:*/get|ui:*:discover/show other-appread=data:read/*"},
		{"kib*", []string{"read"}, "kibana-.kibanaread=login:|saved_object:*/get|ui:*:discover/show"},
		{"zzz*", []string{"read"}, "zzz*read="},
	}
	for _, tt := range tests {
		if got := render(Get(tt.app, tt.names, kibana)); got != tt.want {
			t.Errorf("Get(%s, %v):\n got %s\nwant %s", tt.app, tt.names, got, tt.want)
		}
	}
}

func TestPermission(t *testing.T) {
	// As roles resolve them: against the stored privileges they name.
	grant := func(app string, names []string, resources ...string) Grant {
		var named []Descriptor
		for _, d := range kibana {
			if slices.Contains(names, d.Name) {
				named = append(named, d)
			}
		}
		return Grant{Privilege: Get(app, names, named)[0], Resources: resources}
	}
	tests := []struct {
		name                     string
		grants                   []Grant
		app, resource, privilege string
		stored                   []Descriptor
		want                     bool
	}{
		{"kibana all grants a ui action", []Grant{grant("kibana-.kibana", []string{"all"}, "*")}, "kibana-.kibana", "space:default", "ui:8.15.0:discover/show", kibana, true},
		{"kibana all grants login", []Grant{grant("kibana-.kibana", []string{"all"}, "*")}, "kibana-.kibana", "space:default", "login:", kibana, true},
		{"kibana all lacks an api action", []Grant{grant("kibana-.kibana", []string{"all"}, "*")}, "kibana-.kibana", "space:default", "api:foo", kibana, false},
		{"kibana all covers read by actions", []Grant{grant("kibana-.kibana", []string{"all"}, "*")}, "kibana-.kibana", "*", "read", kibana, true},
		{"kibana read does not cover all", []Grant{grant("kibana-.kibana", []string{"read"}, "*")}, "kibana-.kibana", "*", "all", kibana, false},
		{"resource outside", []Grant{grant("kibana-.kibana", []string{"all"}, "space:a")}, "kibana-.kibana", "space:b", "login:", kibana, false},
		{"resource pattern inside", []Grant{grant("kibana-.kibana", []string{"all"}, "space:*")}, "kibana-.kibana", "space:a*", "login:", kibana, true},
		{"resource pattern wider", []Grant{grant("kibana-.kibana", []string{"all"}, "space:a")}, "kibana-.kibana", "space:*", "login:", kibana, false},
		{"resources of equal privileges united", []Grant{grant("kibana-.kibana", []string{"all"}, "space:a"), grant("kibana-.kibana", []string{"all"}, "space:b")}, "kibana-.kibana", "space:?", "login:", kibana, false},
		{"resources of equal privileges cover together", []Grant{grant("kibana-.kibana", []string{"all"}, "space:a"), grant("kibana-.kibana", []string{"all"}, "space:b")}, "kibana-.kibana", "/space:[ab]/", "login:", kibana, true},
		{"other application", []Grant{grant("kibana-.kibana", []string{"all"}, "*")}, "other-app", "*", "data:read/x", kibana, false},
		// No descriptor: a name grants only itself, by ApplicationPrivilege.equals.
		{"undefined name, same set", []Grant{grant("myapp", []string{"read"}, "*")}, "myapp", "r", "read", nil, true},
		{"undefined name, larger set", []Grant{grant("myapp", []string{"read", "write"}, "*")}, "myapp", "r", "read", nil, false},
		{"undefined name, other name", []Grant{grant("myapp", []string{"read"}, "*")}, "myapp", "r", "write", nil, false},
		{"undefined name, same set, other app", []Grant{grant("myapp", []string{"read"}, "*")}, "yourapp", "r", "read", nil, false},
		// Wildcard applications of a role.
		{"role app pattern with stored privilege", []Grant{grant("kibana-*", []string{"read"}, "*")}, "kibana-.kibana", "space:default", "ui:8.15.0:discover/show", kibana, true},
		{"role app pattern, total action", []Grant{grant("kibana-*", []string{"*"}, "*")}, "kibana-x", "r", "anything", nil, true},
		{"role app pattern, other app", []Grant{grant("kibana-*", []string{"*"}, "*")}, "other-app", "r", "data:read/x", nil, false},
		{"superuser", []Grant{grant("*", []string{"*"}, "*")}, "anyapp", "r", "anything", nil, true},
		{"action patterns as privileges", []Grant{grant("myapp", []string{"data:read/*"}, "*")}, "myapp", "r", "data:read/x", nil, true},
		{"action pattern subset", []Grant{grant("myapp", []string{"data:*"}, "*")}, "myapp", "r", "data:read/*", nil, true},
		{"action pattern not subset", []Grant{grant("myapp", []string{"data:read/*"}, "*")}, "myapp", "r", "data:*", nil, false},
		{"empty asked never matches by actions", []Grant{grant("myapp", []string{"data:*"}, "*")}, "myapp", "r", "read", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NewPermission(tt.grants).Check(tt.app, tt.resource, tt.privilege, tt.stored); got != tt.want {
				t.Errorf("Check(%s, %s, %s) = %v, want %v", tt.app, tt.resource, tt.privilege, got, tt.want)
			}
		})
	}
}

func TestStore(t *testing.T) {
	ctx := context.Background()
	db, err := boltstore.Open(filepath.Join(t.TempDir(), "esauth.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := NewStore(db)
	snap0, err := s.Snapshot(ctx)
	if err != nil || len(snap0.All()) != 0 {
		t.Fatalf("empty snapshot = %v, %v", snap0.All(), err)
	}
	if again, _ := s.Snapshot(ctx); again != snap0 {
		t.Error("the snapshot was not kept")
	}
	for _, d := range []Descriptor{{Application: "app-x", Name: "a", Actions: []string{"x:1"}}, {Application: "app", Name: "b", Actions: []string{"x:2"}}, {Application: "app", Name: "a", Actions: []string{"x:3"}}} {
		if created, err := s.Put(ctx, d); err != nil || !created {
			t.Fatalf("Put %v = %v, %v", d, created, err)
		}
	}
	if created, _ := s.Put(ctx, Descriptor{Application: "app", Name: "a", Actions: []string{"x:4"}}); created {
		t.Error("replacing reported created")
	}
	snap, _ := s.Snapshot(ctx)
	if snap == snap0 {
		t.Fatal("a write kept the old snapshot")
	}
	keys := func(ds []Descriptor) string {
		var out []string
		for _, d := range ds {
			out = append(out, d.key()+"="+strings.Join(d.Actions, ","))
		}
		return strings.Join(out, " ")
	}
	if got := keys(snap.All()); got != "app/a=x:4 app/b=x:2 app-x/a=x:1" {
		t.Errorf("snapshot = %s", got)
	}
	for _, tt := range []struct {
		apps, names []string
		want        string
	}{
		{nil, nil, "app/a=x:4 app/b=x:2 app-x/a=x:1"},
		{[]string{"app"}, nil, "app/a=x:4 app/b=x:2"},
		{[]string{"app*"}, []string{"a"}, "app/a=x:4 app-x/a=x:1"},
		{[]string{"*"}, []string{"b", "c"}, "app/b=x:2"},
		{[]string{"nope"}, nil, ""},
	} {
		got, err := s.Get(ctx, tt.apps, tt.names)
		if err != nil || keys(got) != tt.want {
			t.Errorf("Get(%v, %v) = %s, %v; want %s", tt.apps, tt.names, keys(got), err, tt.want)
		}
	}
	found, err := s.Delete(ctx, "app", []string{"a", "zz"})
	if err != nil || strings.Join(found, ",") != "a" {
		t.Errorf("Delete = %v, %v", found, err)
	}
	if snap2, _ := s.Snapshot(ctx); snap2 == snap || keys(snap2.All()) != "app/b=x:2 app-x/a=x:1" {
		t.Errorf("after delete: %s", keys(snap2.All()))
	}
	s.Invalidate()
	if snap3, _ := s.Snapshot(ctx); snap3 == snap {
		t.Error("Invalidate kept the snapshot")
	}
}
