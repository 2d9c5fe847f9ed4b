package roles

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/esauth/esauth/internal/eserr"
)

// esError renders an error as "type: reason" plus " <- type: reason" for
// each caused_by, the parts of Elasticsearch's error body that tests pin.
func esError(err error) string {
	var e *eserr.Error
	if !errors.As(err, &e) {
		if err == nil {
			return "<nil>"
		}
		return "not an eserr.Error: " + err.Error()
	}
	s := e.Type + ": " + e.Reason
	for c := e.CausedBy; c != nil; c = c.CausedBy {
		s += " <- " + c.Type + ": " + c.Reason
	}
	return s
}

func TestParseErrors(t *testing.T) {
	const (
		pe  = "parse_exception: "
		ipr = pe + "failed to parse indices privileges for role [r]. "
		apr = pe + "failed to parse application privileges for role [r]. "
		wrp = pe + "failed to parse role [r] <- " + pe
	)
	tests := []struct {
		name string
		body string
		v    Validation
		want string
	}{
		{"empty body", ``, FromAPI, pe + "request body is required"},
		{"blank body", `  `, FromAPI, pe + "failed to parse role [r]. expected an object but found [null] instead"},
		{"array body", `[]`, FromAPI, pe + "failed to parse role [r]. expected an object but found [START_ARRAY] instead"},
		{"string body", `"x"`, FromAPI, pe + "failed to parse role [r]. expected an object but found [VALUE_STRING] instead"},
		{"malformed", `{"cluster":`, FromAPI, "x_content_parse_exception: [1:12] Unexpected end-of-input"},
		{"duplicate", `{"cluster":[],"cluster":[]}`, FromAPI, "x_content_parse_exception: [1:24] Duplicate field 'cluster'"},
		{"unknown field", `{"foo":1}`, FromAPI, pe + "failed to parse role [r]. unexpected field [foo]"},
		{"restriction is for API keys", `{"restriction":{}}`, FromAPI, pe + "failed to parse role [r]. unexpected field [restriction]"},
		{"remote_cluster unsupported", `{"remote_cluster":[]}`, FromAPI, pe + "failed to parse role [r]. unexpected field [remote_cluster]"},
		{"transient_metadata not object", `{"transient_metadata":1}`, FromAPI, pe + "failed to parse role [r]. unexpected field [transient_metadata]"},
		{"cluster string", `{"cluster":"all"}`, FromAPI,
			wrp + "could not parse [cluster] field. expected a string array but found [VALUE_STRING] value instead"},
		{"cluster number element", `{"cluster":["all",1]}`, FromAPI,
			wrp + "could not parse [null] field. expected a string array but one of the value in the array is [VALUE_NUMBER]"},
		{"cluster object element", `{"cluster":[{}]}`, FromAPI,
			wrp + "could not parse [cluster] field. expected a string array but one of the value in the array is [START_OBJECT]"},
		{"run_as object", `{"run_as":{}}`, FromAPI,
			wrp + "could not parse [run_as] field. expected a string array but found [START_OBJECT] value instead"},
		{"metadata null", `{"metadata":null}`, FromAPI, pe + "expected field [metadata] to be of type object, but found [VALUE_NULL] instead"},
		{"metadata array", `{"metadata":[]}`, FromAPI, pe + "expected field [metadata] to be of type object, but found [START_ARRAY] instead"},
		{"description number", `{"description":1}`, FromAPI, pe + "expected field [description] to be of type string, but found [VALUE_NUMBER] instead"},
		{"indices object", `{"indices":{}}`, FromAPI, ipr + "expected field [indices] value to be an array, but found [START_OBJECT] instead"},
		{"index alias", `{"index":"x"}`, FromAPI, ipr + "expected field [index] value to be an array, but found [VALUE_STRING] instead"},
		{"indices scalar element", `{"indices":[1]}`, FromAPI,
			ipr + "expected field [null] value to be an array of objects, but found an array element of type [VALUE_NUMBER]"},
		{"indices array element", `{"indices":[[]]}`, FromAPI,
			ipr + "expected field [indices] value to be an array of objects, but found an array element of type [START_ARRAY]"},
		{"names missing", `{"indices":[{"privileges":["read"]}]}`, FromAPI, ipr + "missing required [names] field"},
		{"privileges missing", `{"indices":[{"names":"a"}]}`, FromAPI, ipr + "missing required [privileges] field"},
		{"privileges null", `{"indices":[{"names":"a","privileges":null}]}`, FromAPI, ipr + "missing required [privileges] field"},
		{"privileges empty", `{"indices":[{"names":"a","privileges":[]}]}`, FromAPI,
			"illegal_argument_exception: indices privileges must define at least one privilege"},
		{"names empty", `{"indices":[{"names":[],"privileges":["read"]}]}`, FromAPI, ipr + "[names] cannot be an empty array"},
		{"names number", `{"indices":[{"names":1}]}`, FromAPI,
			ipr + "expected field [names] value to be a string or an array of strings, but found [VALUE_NUMBER] instead"},
		{"names null", `{"indices":[{"names":null}]}`, FromAPI,
			ipr + "expected field [names] value to be a string or an array of strings, but found [VALUE_NULL] instead"},
		{"names bad element", `{"indices":[{"names":[true]}]}`, FromAPI,
			wrp + "could not parse [null] field. expected a string array but one of the value in the array is [VALUE_BOOLEAN]"},
		{"allow_restricted_indices string", `{"indices":[{"names":"a","allow_restricted_indices":"true"}]}`, FromAPI,
			ipr + "expected field [allow_restricted_indices] value to be a boolean, but found [VALUE_STRING] instead"},
		{"query array", `{"indices":[{"names":"a","query":[]}]}`, FromAPI,
			ipr + "expected field [query] value to be null, a string, an array, or an object, but found [START_ARRAY] instead"},
		{"field_security array", `{"indices":[{"names":"a","field_security":[]}]}`, FromAPI,
			ipr + `expected START_OBJECT but got START_ARRAY in "field_security".`},
		{"field_security empty", `{"indices":[{"names":"a","field_security":{}}]}`, FromAPI, ipr + `"field_security" must not be empty.`},
		{"field_security unknown option", `{"indices":[{"names":"a","field_security":{"deny":[]}}]}`, FromAPI,
			ipr + `"field_security" only accepts options grant and except, but got: deny`},
		{"grant null", `{"indices":[{"names":"a","field_security":{"grant":null}}]}`, FromAPI, ipr + "grant must not be null."},
		{"except null", `{"indices":[{"names":"a","field_security":{"grant":[],"except":null}}]}`, FromAPI, ipr + "except must not be null."},
		{"except without grant", `{"indices":[{"names":"a","privileges":["read"],"field_security":{"except":["x"]}}]}`, FromAPI,
			ipr + "field_security requires grant if except is given"},
		{"2.x fields from the API", `{"indices":[{"names":"a","fields":["x"]}]}`, FromAPI,
			pe + `["fields": [...]] format has changed for field permissions in role [r], use ["field_security": {"grant":[...],"except":[...]}] instead`},
		{"index transient_metadata", `{"indices":[{"names":"a","transient_metadata":1}]}`, FromAPI,
			pe + `failed to parse transient metadata for role [r]. expected START_OBJECT but got VALUE_NUMBER in "transient_metadata".`},
		{"clusters outside remote_indices", `{"indices":[{"names":"a","clusters":["x"]}]}`, FromAPI, ipr + "unexpected field [clusters]"},
		{"index unknown field", `{"indices":[{"names":"a","foo":1}]}`, FromAPI, ipr + "unexpected field [foo]"},
		{"remote_indices object", `{"remote_indices":{}}`, FromAPI,
			pe + "failed to parse remote indices privileges for role [r]. expected field [remote_indices] value to be an array, but found [START_OBJECT] instead"},
		{"remote_indices clusters missing", `{"remote_indices":[{"names":"a","privileges":["read"]}]}`, FromAPI,
			pe + "failed to parse remote indices privileges for role [r]. missing required [clusters] field"},
		{"remote_indices 2.x fields", `{"remote_indices":[{"names":"a","fields":[]}]}`, FromFile,
			pe + `["fields": [...]] format has changed for field permissions in role [r], use ["field_security": {"grant":[...],"except":[...]}] instead`},
		{"applications object", `{"applications":{}}`, FromAPI,
			apr + "expected field [applications] value to be an array, but found [START_OBJECT] instead"},
		{"application alias scalar element", `{"application":["x"]}`, FromAPI,
			apr + "expected field [null] value to be an array of objects, but found an array element of type [VALUE_STRING]"},
		{"resources missing", `{"applications":[{"application":"app","privileges":["a"]}]}`, FromAPI, apr + "missing required [resources] field"},
		{"app privileges missing", `{"applications":[{"application":"app","resources":["*"]}]}`, FromAPI, apr + "missing required [privileges] field"},
		{"application missing", `{"applications":[{"privileges":["a"],"resources":["*"]}]}`, FromAPI,
			"illegal_argument_exception: application privileges must have an application name"},
		{"application blank", `{"applications":[{"application":"","privileges":["a"],"resources":["*"]}]}`, FromAPI,
			"illegal_argument_exception: application privileges must have an application name"},
		{"app privileges empty", `{"applications":[{"application":"app","privileges":[],"resources":["*"]}]}`, FromAPI,
			"illegal_argument_exception: application privileges must define at least one privilege"},
		{"resources empty", `{"applications":[{"application":"app","privileges":["a"],"resources":[]}]}`, FromAPI,
			"illegal_argument_exception: application privileges must refer to at least one resource"},
		{"application unknown field", `{"applications":[{"applicaton":"app"}]}`, FromAPI,
			"x_content_parse_exception: [1:19] [application] unknown field [applicaton] did you mean [application]?"},
		{"application unknown field far off", "{\"applications\":[\n {\"zzz\":1}]}", FromAPI,
			"x_content_parse_exception: [2:3] [application] unknown field [zzz]"},
		{"application number", `{"applications":[{"application":1}]}`, FromAPI,
			"x_content_parse_exception: [1:33] [application] application doesn't support values of type: VALUE_NUMBER"},
		{"app privileges object", `{"applications":[{"privileges":{}}]}`, FromAPI,
			"x_content_parse_exception: [1:32] [application] privileges doesn't support values of type: START_OBJECT"},
		{"app privileges null element", `{"applications":[{"privileges":[null]}]}`, FromAPI,
			"x_content_parse_exception: [1:32] [application] failed to parse field [privileges]"},
		{"global number", `{"global":1}`, FromAPI,
			"x_content_parse_exception: [1:11] failed to parse privilege. expected [START_OBJECT] but found [VALUE_NUMBER] instead"},
		{"global unknown category", `{"global":{"foo":{}}}`, FromAPI,
			"x_content_parse_exception: [1:12] failed to parse privilege. expected one of application,profile but found [foo] instead"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseDescriptor("r", []byte(tt.body), tt.v)
			if diff := cmp.Diff(tt.want, esError(err)); diff != "" {
				t.Errorf("ParseDescriptor(%s) (-want +got):\n%s", tt.body, diff)
			}
		})
	}
}

func TestParseAccepts(t *testing.T) {
	tests := []struct {
		name string
		body string
		v    Validation
		want string // the GET rendering
	}{
		{"empty", `{}`, FromAPI,
			`{"cluster":[],"indices":[],"applications":[],"run_as":[],"metadata":{},"transient_metadata":{"enabled":true}}`},
		{"nulls are absent", `{"cluster":null,"run_as":null}`, FromAPI,
			`{"cluster":[],"indices":[],"applications":[],"run_as":[],"metadata":{},"transient_metadata":{"enabled":true}}`},
		{"transient_metadata and type dropped", `{"transient_metadata":{"enabled":false},"type":"role","metadata_flattened":{}}`, FromAPI,
			`{"cluster":[],"indices":[],"applications":[],"run_as":[],"metadata":{},"transient_metadata":{"enabled":true}}`},
		{"names string, query object, null query", `{"indices":[{"names":"a","privileges":["read"],"query":{ "term" : {"x":"<&>"} }},` +
			`{"names":"b","privileges":["read"],"query":null},{"names":"c","privileges":["read"],"query":""}]}`, FromAPI,
			`{"cluster":[],"indices":[{"names":["a"],"privileges":["read"],"query":"{\"term\":{\"x\":\"<&>\"}}","allow_restricted_indices":false},` +
				`{"names":["b"],"privileges":["read"],"allow_restricted_indices":false},{"names":["c"],"privileges":["read"],"allow_restricted_indices":false}],` +
				`"applications":[],"run_as":[],"metadata":{},"transient_metadata":{"enabled":true}}`},
		{"field security grant and except", `{"indices":[{"names":["a"],"privileges":["read"],"field_security":{"except":["b*"],"grant":["*"]}}]}`, FromAPI,
			`{"cluster":[],"indices":[{"names":["a"],"privileges":["read"],"field_security":{"grant":["*"],"except":["b*"]},"allow_restricted_indices":false}],` +
				`"applications":[],"run_as":[],"metadata":{},"transient_metadata":{"enabled":true}}`},
		{"2.x fields in a file", `{"indices":[{"names":["a"],"privileges":["read"],"fields":["x"]}]}`, FromFile,
			`{"cluster":[],"indices":[{"names":["a"],"privileges":["read"],"field_security":{"grant":["x"]},"allow_restricted_indices":false}],` +
				`"applications":[],"run_as":[],"metadata":{},"transient_metadata":{"enabled":true}}`},
		{"application privileges coerced", `{"application":[{"application":"app","privileges":"read","resources":[1,true]}]}`, FromAPI,
			`{"cluster":[],"indices":[],"applications":[{"application":"app","privileges":["read"],"resources":["1","true"]}],` +
				`"run_as":[],"metadata":{},"transient_metadata":{"enabled":true}}`},
		{"global", `{"global":{"profile":{"write":{"applications":["k","k"]}}}}`, FromAPI,
			`{"cluster":[],"global":{"application":{},"profile":{"write":{"applications":["k"]}}},"indices":[],"applications":[],` +
				`"run_as":[],"metadata":{},"transient_metadata":{"enabled":true}}`},
		{"empty global", `{"global":{"application":{}}}`, FromAPI,
			`{"cluster":[],"indices":[],"applications":[],"run_as":[],"metadata":{},"transient_metadata":{"enabled":true}}`},
		{"remote indices", `{"remote_indices":[{"clusters":["c*"],"names":["logs-*"],"privileges":["read"]}]}`, FromAPI,
			`{"cluster":[],"indices":[],"applications":[],"run_as":[],"metadata":{},"transient_metadata":{"enabled":true},` +
				`"remote_indices":[{"names":["logs-*"],"privileges":["read"],"allow_restricted_indices":false,"clusters":["c*"]}]}`},
		{"empty description", `{"description":""}`, FromAPI,
			`{"cluster":[],"indices":[],"applications":[],"run_as":[],"metadata":{},"transient_metadata":{"enabled":true}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseDescriptor("r", []byte(tt.body), tt.v)
			if err != nil {
				t.Fatalf("ParseDescriptor: %v", err)
			}
			// MarshalJSON, not json.Marshal, which would HTML-escape the
			// output as Elasticsearch does not.
			got, _ := d.MarshalJSON()
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("rendering (-want +got):\n%s", diff)
			}
		})
	}
}

// The parser applies the generic name rules (1024 characters, reserved
// names allowed) before looking at the body; the native limit of 507 is
// Validate's.
func TestParseName(t *testing.T) {
	invalid := "validation_exception: Validation Failed: 1: " + roleNameMessage(1024) + ";"
	for _, tt := range []struct{ name, want string }{
		{"", invalid},
		{" r", invalid},
		{"r\u00e9", invalid},
		{"r\t", invalid},
		{strings.Repeat("r", 1025), invalid},
		{strings.Repeat("r", 1024), "<nil>"},
		{"superuser", "<nil>"},
	} {
		name, _ := strconv.Unquote(`"` + tt.name + `"`)
		_, err := ParseDescriptor(name, []byte(`[]`), FromAPI)
		got := esError(err)
		if tt.want == "<nil>" && strings.HasPrefix(got, "parse_exception: ") {
			got = "<nil>" // the name passed; the body is what failed
		}
		if got != tt.want {
			t.Errorf("ParseDescriptor(%q): %s, want %s", name, got, tt.want)
		}
	}
}

// The put-role example of Elasticsearch's documentation, and the GET body
// Elasticsearch answers with (RoleDescriptor.toXContent: the query as a
// string, allow_restricted_indices always, transient_metadata, the
// description last).
const (
	myAdminRoleBody = `{
  "description": "Grants full access to all management features within the cluster.",
  "cluster": ["all"],
  "indices": [
    {
      "names": [ "index1", "index2" ],
      "privileges": ["all"],
      "field_security" : {
        "grant" : [ "title", "body" ]
      },
      "query": "{\"match\": {\"title\": \"foo\"}}"
    }
  ],
  "applications": [
    {
      "application": "myapp",
      "privileges": [ "admin", "read" ],
      "resources": [ "*" ]
    }
  ],
  "run_as": [ "other_user" ],
  "metadata" : {
    "version" : 1
  }
}`
	myAdminRoleGet = `{"cluster":["all"],"indices":[{"names":["index1","index2"],"privileges":["all"],` +
		`"field_security":{"grant":["title","body"]},"query":"{\"match\": {\"title\": \"foo\"}}","allow_restricted_indices":false}],` +
		`"applications":[{"application":"myapp","privileges":["admin","read"],"resources":["*"]}],"run_as":["other_user"],` +
		`"metadata":{"version":1},"transient_metadata":{"enabled":true},` +
		`"description":"Grants full access to all management features within the cluster."}`
)

func TestRoundTrip(t *testing.T) {
	d, err := ParseDescriptor("my_admin_role", []byte(myAdminRoleBody), FromAPI)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	got, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(myAdminRoleGet, string(got)); diff != "" {
		t.Errorf("GET shape (-want +got):\n%s", diff)
	}
	// What GET returns parses back to the same role (the parser drops
	// transient_metadata), and so does the stored document.
	for _, body := range [][]byte{got, d.storedJSON()} {
		again, err := ParseDescriptor("my_admin_role", body, FromStore)
		if err != nil {
			t.Fatalf("parse %s: %v", body, err)
		}
		if diff := cmp.Diff(d, again); diff != "" {
			t.Errorf("round trip of %s (-want +got):\n%s", body, diff)
		}
	}
	// A map keyed by role name renders as GET /_security/role does.
	all, _ := json.Marshal(map[string]Descriptor{"my_admin_role": d})
	if want := `{"my_admin_role":` + myAdminRoleGet + `}`; string(all) != want {
		t.Errorf("map rendering = %s, want %s", all, want)
	}
}

func TestDidYouMean(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"application", " did you mean [application]?"},
		{"privilege", " did you mean [privileges]?"},
		{"resource", " did you mean [resources]?"},
		{"xyz", ""},
	} {
		if got := didYouMean(tt.in, []string{"application", "privileges", "resources"}); got != tt.want {
			t.Errorf("didYouMean(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := didYouMean("abcd", []string{"abce", "abcf"}); got != " did you mean any of [abce, abcf]?" {
		t.Errorf("several suggestions: %q", got)
	}
}
