package items

import (
	"io"
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/google/go-cmp/cmp"
)

func denyMget(d MgetDoc) error {
	if d.Index == "secret" || d.ID == "secret" {
		return eserr.Security(403, "%s", reasonMget)
	}
	return nil
}

func TestFilterMgetErrors(t *testing.T) {
	tests := []struct {
		name, body, defaultIndex string
		opts                     []Option
		typ, reason              string
	}{
		{"empty", "", "", nil, "parse_exception", "request body or source parameter is required"},
		{"blank", "  \n", "", nil, "parsing_exception", "unexpected token [null], expected [START_OBJECT]"},
		{"array", "[]", "", nil, "parsing_exception", "unexpected token [START_ARRAY], expected [START_OBJECT]"},
		{"docs object", `{"docs":{}}`, "", nil, "parsing_exception", "unexpected token [START_OBJECT], expected [FIELD_NAME] or [START_ARRAY]"},
		{"docs string", `{"docs":"a"}`, "", nil, "parsing_exception", "unexpected token [VALUE_STRING], expected [FIELD_NAME] or [START_ARRAY]"},
		{"unknown array", `{"documents":[]}`, "", nil, "parsing_exception", "unknown key [documents] for a START_ARRAY, expected [docs] or [ids]"},
		{"doc not an object", `{"docs":["a"]}`, "", nil, "illegal_argument_exception", "docs array element should include an object"},
		{"id not a value", `{"ids":[{"_id":"1"}]}`, "i", nil, "illegal_argument_exception", "ids array element should only contain ids"},
		{"null id", `{"ids":[null]}`, "i", nil, "illegal_argument_exception", "ids array element should only contain ids"},
		{"unknown field", `{"docs":[{"_id":"1","foo":"x"}]}`, "i", nil, "parse_exception", "failed to parse multi get request. unknown field [foo]"},
		{"type", `{"docs":[{"_index":"a","_type":"_doc","_id":"1"}]}`, "", nil, "parse_exception", "failed to parse multi get request. unknown field [_type]"},
		{"fields", `{"docs":[{"_id":"1","fields":"a"}]}`, "i", nil, "parsing_exception", "Unsupported field [fields] used, expected [stored_fields] instead"},
		{"fields array", `{"docs":[{"_id":"1","fields":["a"]}]}`, "i", nil, "parsing_exception", "Unsupported field [fields] used, expected [stored_fields] instead"},
		{"numeric source", `{"docs":[{"_id":"1","_source":1}]}`, "i", nil, "parse_exception", "illegal type for _source: [VALUE_NUMBER]"},
		{"source key", `{"docs":[{"_id":"1","_source":{"inclusions":["a"]}}]}`, "i", nil, "illegal_argument_exception", "Expected text at 1:32 but found FIELD_NAME"},
		{"source object", `{"docs":[{"_id":"1","_source":{"includes":{}}}]}`, "i", nil, "parse_exception", "unexpected token while parsing source settings"},
		{"nested stored fields", `{"docs":[{"_id":"1","stored_fields":[["a"]]}]}`, "i", nil, "illegal_argument_exception", "Expected text at 1:38 but found START_ARRAY"},
		{"version type", `{"docs":[{"_id":"1","version_type":"x"}]}`, "i", nil, "illegal_argument_exception", "No version type match [x]"},
		{"explicit index refused", `{"docs":[{"_index":"a","_id":"1"}]}`, "", []Option{DisallowExplicitIndex()}, "illegal_argument_exception", "explicit index in multi get is not allowed"},
		// Elasticsearch would read this _index as the doc's own; a gateway
		// reading the tree would not. Refused so both cannot disagree.
		{"index smuggled in an unknown array", `{"docs":[{"_id":"1","foo":[{"_index":"secret"}]}]}`, "ok", nil, "illegal_argument_exception", "docs array element should include an object"},
		{"index smuggled in a known field", `{"docs":[{"routing":{"_index":"secret"},"_id":"1"}]}`, "ok", nil, "illegal_argument_exception", "docs array element should include an object"},
		{"missing index and id", `{"docs":[{"_id":"1"},{"_index":"a"}]}`, "", nil, "action_request_validation_exception", "Validation Failed: 1: index is missing for doc 0;2: id is missing for doc 1;"},
		{"ids without index", `{"ids":["1"]}`, "", nil, "action_request_validation_exception", "Validation Failed: 1: index is missing for doc 0;"},
		{"null id field", `{"docs":[{"_id":null}]}`, "i", nil, "action_request_validation_exception", "Validation Failed: 1: id is missing for doc 0;"},
		{"nothing", `{}`, "i", nil, "action_request_validation_exception", "Validation Failed: 1: no documents to get;"},
		{"empty docs", `{"docs":[]}`, "i", nil, "action_request_validation_exception", "Validation Failed: 1: no documents to get;"},
		{"trailing comma", `{"docs":[{"_id":"1",}]}`, "i", nil, "x_content_parse_exception", "[1:22] Unexpected character ('}' (code 125)): was expecting double-quote to start field name"},
		{"duplicate", `{"docs":[],"docs":[]}`, "i", nil, "x_content_parse_exception", "[1:18] Duplicate field 'docs'"},
		{"truncated", `{"docs":[`, "i", nil, "x_content_e_o_f_exception", "[1:10] Unexpected end of file"},
		{"position on a later line", "{\n  \"docs\": [\n    {\"_id\": 1,}\n  ]\n}", "i", nil, "x_content_parse_exception", "[3:16] Unexpected character ('}' (code 125)): was expecting double-quote to start field name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			decided := 0
			fwd, v, err := FilterMget([]byte(tt.body), tt.defaultIndex, func(MgetDoc) error { decided++; return nil }, tt.opts...)
			wantES(t, "FilterMget", err, tt.typ, tt.reason, 400)
			if fwd != nil || v != nil || decided != 0 {
				t.Errorf("forward %q, verdicts %v, %d decided with an error", fwd, v, decided)
			}
		})
	}
}

// TestFilterMgetReadsAsElasticsearch pins what the token walk accepts that a
// tree reading would read differently.
func TestFilterMgetReadsAsElasticsearch(t *testing.T) {
	tests := []struct {
		name, body, defaultIndex string
		want                     []MgetDoc
	}{
		{"values under an array count", `{"docs":[{"_index":["a","b"],"_id":[7]}]}`, "", []MgetDoc{{Index: "b", ID: "7"}}},
		{"empty unknown array passed over", `{"docs":[{"_id":"1","foo":[],"bar":[null]}]}`, "d", []MgetDoc{{Index: "d", ID: "1"}}},
		{"null index keeps the default", `{"docs":[{"_index":null,"_id":"1"}]}`, "d", []MgetDoc{{Index: "d", ID: "1"}}},
		{"ids as text", `{"ids":[1, true, "x", 1.50]}`, "d", []MgetDoc{{"d", "1", 0}, {"d", "true", 1}, {"d", "x", 2}, {"d", "1.50", 3}}},
		{"docs then ids", `{"docs":[{"_index":"a","_id":"1"}],"ids":["2"]}`, "d", []MgetDoc{{"a", "1", 0}, {"d", "2", 1}}},
		{"source forms", `{"docs":[{"_id":"1","_source":false},{"_id":"2","_source":["a"],"stored_fields":"f"},{"_id":"3","_source":{"include":"a","excludes":["b"]}}]}`, "d",
			[]MgetDoc{{"d", "1", 0}, {"d", "2", 1}, {"d", "3", 2}}},
		{"comments and what follows the body", "{/* c */\"ids\":[\"1\"]} // done\n garbage", "d", []MgetDoc{{Index: "d", ID: "1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []MgetDoc
			fwd, _, err := FilterMget([]byte(tt.body), tt.defaultIndex, func(d MgetDoc) error { got = append(got, d); return nil })
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("docs (-want +got):\n%s", diff)
			}
			if string(fwd) != tt.body {
				t.Errorf("forwarded %q, want the body as sent", fwd)
			}
		})
	}
}

func TestMgetRoundTrip(t *testing.T) {
	const failure = `{"root_cause":[{"type":"security_exception","reason":"` + reasonMget + `"}],"type":"security_exception","reason":"` + reasonMget + `"}`
	const found = `{"_index":"ok","_id":"2","_version":1,"_seq_no":0,"_primary_term":1,"found":true,"_source":{}}`
	tests := []struct {
		name, body, defaultIndex, upstream, forward, want string
	}{{
		// es-gateway.md §4.2, word for word
		name:     "some denied",
		body:     `{"docs":[{"_index":"secret","_id":"1"}, {"_index":"ok","_id":"2","_source":true}]}`,
		forward:  `{"docs":[{"_index":"ok","_id":"2","_source":true}]}`,
		upstream: `{"docs":[` + found + `]}`,
		want:     `{"docs":[{"_index":"secret","_id":"1","error":` + failure + `},` + found + `]}`,
	}, {
		name:         "ids form, some denied, becomes the docs form",
		body:         `{"ids":["2","secret",3]}`,
		defaultIndex: "ok",
		forward:      `{"docs":[{"_id":"2"},{"_id":3}]}`,
		upstream:     `{"docs":[` + found + `,{"_index":"ok","_id":"3","found":false}]}`,
		want:         `{"docs":[` + found + `,{"_index":"ok","_id":"secret","error":` + failure + `},{"_index":"ok","_id":"3","found":false}]}`,
	}, {
		name:         "ids form, none denied, forwarded as sent",
		body:         `{"ids" : ["2"]}`,
		defaultIndex: "ok",
		forward:      `{"ids" : ["2"]}`,
		upstream:     "{\n  \"docs\" : [ " + found + " ]\n}",
		want:         `{"docs":[` + found + `]}`,
	}, {
		name: "all denied",
		body: `{"docs":[{"_index":"secret","_id":"1"},{"_index":"secret","_id":"2"}]}`,
		want: `{"docs":[{"_index":"secret","_id":"1","error":` + failure + `},{"_index":"secret","_id":"2","error":` + failure + `}]}`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fwd, v, err := FilterMget([]byte(tt.body), tt.defaultIndex, denyMget)
			if err != nil {
				t.Fatal(err)
			}
			if tt.forward == "" {
				if fwd != nil {
					t.Errorf("forward %q, want nil", fwd)
				}
			} else if string(fwd) != tt.forward {
				t.Errorf("forward %s, want %s", fwd, tt.forward)
			}
			var up io.Reader
			if tt.upstream != "" {
				up = strings.NewReader(tt.upstream)
			}
			var out strings.Builder
			if err := SpliceMget(up, v, &out); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Errorf("spliced:\n%s\nwant:\n%s", out.String(), tt.want)
			}
		})
	}
}

func TestSpliceMgetRefusesMisalignedAnswers(t *testing.T) {
	v := []MgetVerdict{{Doc: MgetDoc{Index: "ok", ID: "1"}}, {Doc: MgetDoc{Index: "ok", ID: "2", Seq: 1}}}
	tests := []struct{ name, upstream, reason string }{
		{"fewer", `{"docs":[{"_index":"ok","_id":"1"}]}`, "cannot merge the cluster's [_mget] response: [2] items were forwarded but [1] came back"},
		{"other ids", `{"docs":[{"_index":"ok","_id":"2"},{"_index":"ok","_id":"1"}]}`, "cannot merge the cluster's [_mget] response: doc [0] answers id [2] where [1] was sent"},
		{"no docs", `{"error":"x","status":500}`, "cannot merge the cluster's [_mget] response: no [docs] array"},
	}
	for _, tt := range tests {
		var out strings.Builder
		err := SpliceMget(strings.NewReader(tt.upstream), v, &out)
		wantES(t, tt.name, err, "illegal_state_exception", tt.reason, 500)
	}
}
