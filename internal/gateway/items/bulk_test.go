package items

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/google/go-cmp/cmp"
)

func TestFilterBulkParseErrors(t *testing.T) {
	long := strings.Repeat("x", 513)
	tests := []struct {
		name, body     string
		opts           []Option
		typ, reason    string
		status         int
		maxLine        int
		decidedAtFirst bool // the error comes after the first item was decided
	}{
		{name: "unknown action", body: "{\"foo\":{\"_index\":\"a\"}}\n{}\n", typ: "illegal_argument_exception",
			reason: "Malformed action/metadata line [1], expected field [create], [delete], [index] or [update] but found [foo]"},
		{name: "line numbers count source and blank lines", body: "{\"index\":{\"_index\":\"a\"}}\n{}\n\n{\"remove\":{}}\n{}\n", typ: "illegal_argument_exception",
			reason: "Malformed action/metadata line [4], expected field [create], [delete], [index] or [update] but found [remove]", decidedAtFirst: true},
		{name: "array", body: "[1]\n{}\n", typ: "illegal_argument_exception",
			reason: "Malformed action/metadata line [1], expected START_OBJECT but found [START_ARRAY]"},
		{name: "string", body: "\"index\"\n", typ: "illegal_argument_exception",
			reason: "Malformed action/metadata line [1], expected START_OBJECT but found [VALUE_STRING]"},
		{name: "empty object", body: "{}\n{}\n", typ: "illegal_argument_exception",
			reason: "Malformed action/metadata line [1], expected FIELD_NAME but found [END_OBJECT]"},
		{name: "action not an object", body: "{\"index\":\"a\"}\n{}\n", typ: "illegal_argument_exception",
			reason: "Malformed action/metadata line [1], expected START_OBJECT or END_OBJECT but found [VALUE_STRING]"},
		{name: "action null", body: "{\"delete\":null}\n", typ: "illegal_argument_exception",
			reason: "Malformed action/metadata line [1], expected START_OBJECT or END_OBJECT but found [VALUE_NULL]"},
		{name: "array parameter", body: "{\"index\":{\"_id\":[\"1\"]}}\n{}\n", typ: "illegal_argument_exception",
			reason: "Malformed action/metadata line [1], expected a simple value for field [_id] but found [START_ARRAY]"},
		{name: "object parameter", body: "{\"index\":{\"_index\":{\"a\":1}}}\n{}\n", typ: "illegal_argument_exception",
			reason: "Malformed action/metadata line [1], expected a simple value for field [_index] but found [START_OBJECT]"},
		{name: "unknown parameter", body: "{\"index\":{\"_require_alias\":true}}\n{}\n", typ: "illegal_argument_exception",
			reason: "Action/metadata line [1] contains an unknown parameter [_require_alias]"},
		{name: "type", body: "{\"index\":{\"_index\":\"a\",\"_type\":\"doc\"}}\n{}\n", typ: "illegal_argument_exception",
			reason: "Action/metadata line [1] contains an unknown parameter [_type]"},
		{name: "bad version type", body: "{\"index\":{\"_index\":\"a\",\"version_type\":\"force\"}}\n{}\n", typ: "illegal_argument_exception",
			reason: "No version type match [force]"},
		{name: "versioned update", body: "{\"update\":{\"_index\":\"a\",\"_id\":\"1\",\"version\":2}}\n{}\n", typ: "illegal_argument_exception",
			reason: "Update requests do not support versioning. Please use `if_seq_no` and `if_primary_term` instead"},
		{name: "external update", body: "{\"update\":{\"_index\":\"a\",\"_id\":\"1\",\"version_type\":\"external\"}}\n{}\n", typ: "illegal_argument_exception",
			reason: "Update requests do not support versioning. Please use `if_seq_no` and `if_primary_term` instead"},
		{name: "update to a data stream", body: "{\"update\":{\"_index\":\"a\",\"_id\":\"1\",\"require_data_stream\":true}}\n{}\n", typ: "illegal_argument_exception",
			reason: "Update requests do not support the `require_data_stream` flag, as data streams do not support update operations"},
		{name: "delete with templates", body: "{\"index\":{\"_index\":\"a\"}}\n{}\n{\"delete\":{\"_index\":\"a\",\"_id\":\"1\",\"dynamic_templates\":{\"f\":\"t\"}}}\n",
			typ: "illegal_argument_exception", reason: "Delete request in line [3] does not accept dynamic_templates", decidedAtFirst: true},
		{name: "update with templates", body: "{\"update\":{\"_index\":\"a\",\"_id\":\"1\",\"dynamic_templates\":{\"f\":\"t\"}}}\n{}\n",
			typ: "illegal_argument_exception", reason: "Update request in line [1] does not accept dynamic_templates"},
		{name: "explicit index refused", body: "{\"index\":{\"_index\":\"a\"}}\n{}\n", opts: []Option{DisallowExplicitIndex()},
			typ: "illegal_argument_exception", reason: "explicit index in bulk is not allowed"},
		{name: "truncated action", body: "{\"index\":{\"_id\":\"1\"\n{}\n", typ: "x_content_e_o_f_exception",
			reason: "[1:20] Unexpected end of file"},
		{name: "bad character", body: "{\"index\":{\"_id\":1x}}\n{}\n", typ: "x_content_parse_exception",
			reason: "[1:19] Unexpected character ('x' (code 120)): was expecting comma to separate Object entries"},
		{name: "duplicate key", body: "{\"index\":{\"_index\":\"a\",\"_index\":\"b\"}}\n{}\n", typ: "x_content_parse_exception",
			reason: "[1:32] Duplicate field '_index'"},
		{name: "garbage after the action", body: "{\"index\":{\"_index\":\"a\"}} x\n{}\n", typ: "x_content_parse_exception",
			reason: "[1:27] Unrecognized token 'x': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"},
		{name: "unquoted key", body: "{index:{}}\n{}\n", typ: "x_content_parse_exception",
			reason: "[1:3] Unexpected character ('i' (code 105)): was expecting double-quote to start field name"},
		{name: "lone surrogate", body: "{\"index\":{\"_index\":\"a\\ud800\"}}\n{}\n", typ: "x_content_parse_exception",
			reason: "[1:28] Unpaired surrogate in \\u escape"},
		{name: "no final newline", body: "{\"delete\":{\"_index\":\"a\",\"_id\":\"1\"}}", typ: "illegal_argument_exception",
			reason: `The bulk request must be terminated by a newline [\n]`},
		{name: "source without final newline", body: "{\"index\":{\"_index\":\"a\"}}\n{}", typ: "illegal_argument_exception",
			reason: `The bulk request must be terminated by a newline [\n]`},
		{name: "empty body", body: "", typ: "parse_exception", reason: "request body is required"},
		{name: "blank lines only", body: "\n  \n\r\n", typ: "action_request_validation_exception",
			reason: "Validation Failed: 1: no requests added;"},
		{name: "missing index and ids", body: "{\"index\":{}}\n{}\n{\"delete\":{\"_index\":\"a\"}}\n{\"update\":{}}\n{}\n", typ: "action_request_validation_exception",
			reason: "Validation Failed: 1: index is missing;2: id is missing;3: index is missing;4: id is missing;"},
		{name: "long id", body: "{\"index\":{\"_index\":\"a\",\"_id\":\"" + long + "\"}}\n{}\n", typ: "action_request_validation_exception",
			reason: "Validation Failed: 1: id [" + long + "] is too long, must be no longer than 512 bytes but was: 513;"},
		{name: "line over the limit", body: "{\"index\":{\"_index\":\"a\"}}\n{\"field\":\"" + strings.Repeat("v", 100) + "\"}\n", maxLine: 64,
			typ: "content_too_long_exception", reason: "entity content is too long [65] for the configured buffer limit [64]", status: 413},
		{name: "line just over a large limit", body: "{\"index\":{\"_index\":\"a\"}}\n{\"f\":\"" + strings.Repeat("v", 70000) + "\"}\n", maxLine: 70000,
			typ: "content_too_long_exception", reason: "entity content is too long [70008] for the configured buffer limit [70000]", status: 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			decided := 0
			var s sink
			v, err := FilterBulk(strings.NewReader(tt.body), "", tt.maxLine, func(BulkItem) error {
				decided++
				return nil
			}, s.open, tt.opts...)
			status := tt.status
			if status == 0 {
				status = 400
			}
			wantES(t, "FilterBulk", err, tt.typ, tt.reason, status)
			if v != nil {
				t.Errorf("verdicts %v with an error", v)
			}
			if want := map[bool]int{false: 0, true: 1}[tt.decidedAtFirst]; decided != want {
				t.Errorf("decided %d items, want %d", decided, want)
			}
		})
	}
}

// TestFilterBulkSplitsAsElasticsearch pins the 8.x parser's leniencies: a
// blank line is skipped, the line after an index action is its source even
// when blank, keys after the action's object are ignored, a missing closing
// brace is accepted, and a last action without a source line is dropped.
func TestFilterBulkSplitsAsElasticsearch(t *testing.T) {
	body := "\n" +
		"{\"index\":{\"_index\":\"a\",\"_id\":\"1\"}}\n" +
		"\n" + // the source of item 0, blank as it is
		"  \n" + // skipped
		"{\"delete\":{\"_index\":\"a\",\"_id\":\"2\"},\"index\":{\"_index\":\"secret\"}}\n" + // the second key is ignored
		"{\"create\":{\"_index\":\"a\",\"_id\":\"3\"}\n" + // no closing brace
		"{\"x\":1}\n" +
		"{\"index\":/* a comment */{\"_index\":\"a\", \"op_type\":\"create\"}} // and another\n" +
		"{\"x\":2}\n" +
		"{\"update\":{\"_index\":\"a\",\"_id\":\"4\"}}\n" // no source line: dropped
	var got []BulkItem
	var s sink
	v, err := FilterBulk(strings.NewReader(body), "", 0, func(it BulkItem) error {
		got = append(got, it)
		return nil
	}, s.open)
	if err != nil {
		t.Fatal(err)
	}
	want := []BulkItem{
		{Op: "index", Index: "a", ID: "1", Seq: 0},
		{Op: "delete", Index: "a", ID: "2", Seq: 1},
		{Op: "create", Index: "a", ID: "3", Seq: 2},
		{Op: "create", Index: "a", Seq: 3},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("decided (-want +got):\n%s", diff)
	}
	if len(v) != len(want) {
		t.Errorf("%d verdicts, want %d", len(v), len(want))
	}
	wantOut := strings.Join(lines(body)[1:3], "") + strings.Join(lines(body)[4:9], "")
	if s.buf.String() != wantOut {
		t.Errorf("forwarded:\n%q\nwant:\n%q", s.buf.String(), wantOut)
	}
}

// TestFilterBulkPassesLinesThrough checks that allowed lines reach the
// cluster byte for byte: CRLF endings, spacing, escapes and non-ASCII text
// as sent, denied items' lines nowhere.
func TestFilterBulkPassesLinesThrough(t *testing.T) {
	in := []string{
		"{ \"index\" : { \"_index\" : \"ok\", \"_id\" : \"\\u0031\" } }\r\n",
		"{\"title\":\"caf\u00e9 \\\"quoted\\\"\",  \"n\": 1.50e3}\r\n",
		"{\"index\":{\"_index\":\"secret\",\"_id\":\"2\"}}\n",
		"{\"secret\":true}\n",
		"{\"delete\":{\"_index\":\"ok\",\"_id\":\"3\"}}\n",
		"{\"update\":{\"_index\":\"ok\",\"_id\":\"4\",\"retry_on_conflict\":3,\"_source\":{\"includes\":[\"a\"]}}}\n",
		"{\"doc\":{\"a\":1},\"doc_as_upsert\":true}\n",
	}
	var s sink
	v, err := FilterBulk(strings.NewReader(strings.Join(in, "")), "", 0, denyBulk, s.open)
	if err != nil {
		t.Fatal(err)
	}
	want := in[0] + in[1] + in[4] + in[5] + in[6]
	if got := s.buf.String(); got != want {
		t.Errorf("forwarded:\n%q\nwant:\n%q", got, want)
	}
	if s.opened != 1 {
		t.Errorf("opened %d times, want 1", s.opened)
	}
	if v[0].Item.ID != "1" || v[1].Err == nil || v[0].Err != nil {
		t.Errorf("verdicts %+v", v)
	}
}

func TestBulkRoundTrip(t *testing.T) {
	const created = `{"index":{"_index":"ok","_id":"2","_version":1,"result":"created","_shards":{"total":2,"successful":1,"failed":0},"_seq_no":0,"_primary_term":1,"status":201}}`
	tests := []struct {
		name, body, upstream, want, forwarded string
	}{{
		// es-gateway.md §4.1, word for word
		name:      "some denied",
		body:      "{\"index\":{\"_index\":\"secret\",\"_id\":\"1\"}}\n{\"f\":1}\n{\"index\":{\"_index\":\"ok\",\"_id\":\"2\"}}\n{\"f\":2}\n",
		upstream:  `{"took":7,"errors":false,"items":[` + created + `]}`,
		forwarded: "{\"index\":{\"_index\":\"ok\",\"_id\":\"2\"}}\n{\"f\":2}\n",
		want: `{"took":7,"errors":true,"items":[` +
			`{"index":{"_index":"secret","_id":"1","status":403,"error":{"type":"security_exception","reason":"` + reasonIndex + `"}}},` +
			created + `]}`,
	}, {
		name:      "none denied, 8.x field order and pretty printing kept apart",
		body:      "{\"index\":{\"_index\":\"ok\",\"_id\":\"2\"}}\n{\"f\":2}\n",
		upstream:  "{\n  \"errors\" : false,\n  \"took\" : 3,\n  \"items\" : [\n    " + created + "\n  ]\n}\n",
		forwarded: "{\"index\":{\"_index\":\"ok\",\"_id\":\"2\"}}\n{\"f\":2}\n",
		want:      `{"errors":false,"took":3,"items":[` + created + `]}`,
	}, {
		name: "all denied: nothing forwarded, every op's shape, auto id null",
		body: "{\"create\":{\"_index\":\"secret\"}}\n{\"f\":1}\n{\"delete\":{\"_id\":\"7\"}}\n{\"update\":{\"_id\":\"8\"}}\n{\"doc\":{}}\n{\"index\":{\"op_type\":\"create\",\"_id\":\"9\"}}\n{}\n",
		want: `{"errors":true,"took":0,"items":[` +
			`{"create":{"_index":"secret","_id":null,"status":403,"error":{"type":"security_exception","reason":"` + reasonCreate + `"}}},` +
			`{"delete":{"_index":"secret","_id":"7","status":403,"error":{"type":"security_exception","reason":"` + reasonDelete + `"}}},` +
			`{"update":{"_index":"secret","_id":"8","status":403,"error":{"type":"security_exception","reason":"` + reasonUpdate + `"}}},` +
			`{"create":{"_index":"secret","_id":"9","status":403,"error":{"type":"security_exception","reason":"` + reasonCreate + `"}}}]}`,
	}, {
		name:      "other fields kept, denied last",
		body:      "{\"index\":{\"_index\":\"ok\",\"_id\":\"2\"}}\n{\"f\":2}\n{\"delete\":{\"_index\":\"secret\",\"_id\":\"3\"}}\n",
		upstream:  `{"errors":false,"took":4,"ingest_took":1,"items":[` + created + `]}`,
		forwarded: "{\"index\":{\"_index\":\"ok\",\"_id\":\"2\"}}\n{\"f\":2}\n",
		want: `{"errors":true,"took":4,"ingest_took":1,"items":[` + created + `,` +
			`{"delete":{"_index":"secret","_id":"3","status":403,"error":{"type":"security_exception","reason":"` + reasonDelete + `"}}}]}`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s sink
			defaultIndex := ""
			if strings.HasPrefix(tt.name, "all denied") {
				defaultIndex = "secret"
			}
			v, err := FilterBulk(strings.NewReader(tt.body), defaultIndex, 0, denyBulk, s.open)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.buf.String(); got != tt.forwarded {
				t.Errorf("forwarded %q, want %q", got, tt.forwarded)
			}
			if want := map[bool]int{false: 0, true: 1}[tt.forwarded != ""]; s.opened != want {
				t.Errorf("opened %d times, want %d", s.opened, want)
			}
			var up io.Reader
			if tt.upstream != "" {
				up = strings.NewReader(tt.upstream)
			}
			var out strings.Builder
			if err := SpliceBulk(up, v, &out); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Errorf("spliced:\n%s\nwant:\n%s", out.String(), tt.want)
			}
		})
	}
}

// TestSpliceBulkErrorShape checks generateThrowableXContent's order for a
// denial with a cause and a header: type, reason, metadata, caused_by,
// header, and no root_cause.
func TestSpliceBulkErrorShape(t *testing.T) {
	cause := &eserr.Error{Type: "index_not_found_exception", Reason: "no such index [logs]", Status: 404,
		Metadata: [][2]string{{"index_uuid", "_na_"}, {"index", "logs"}}}
	e := &eserr.Error{Type: "security_exception", Reason: "denied", Status: 403, CausedBy: cause,
		Header: map[string][]string{"X-B": {"2", "3"}, "X-A": {"1"}}}
	v := []Verdict{{Item: BulkItem{Op: "index", Index: "logs", ID: "a\"b"}, Err: e}}
	var out strings.Builder
	if err := SpliceBulk(nil, v, &out); err != nil {
		t.Fatal(err)
	}
	want := `{"errors":true,"took":0,"items":[{"index":{"_index":"logs","_id":"a\"b","status":403,"error":{"type":"security_exception","reason":"denied",` +
		`"caused_by":{"type":"index_not_found_exception","reason":"no such index [logs]","index_uuid":"_na_","index":"logs"},` +
		`"header":{"X-A":"1","X-B":["2","3"]}}}}]}`
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}
	// A plain Go error from decide is an internal failure, not a 403.
	v[0].Err = errors.New("resolver down")
	out.Reset()
	if err := SpliceBulk(nil, v, &out); err != nil {
		t.Fatal(err)
	}
	want = `{"errors":true,"took":0,"items":[{"index":{"_index":"logs","_id":"a\"b","status":500,"error":{"type":"exception","reason":"resolver down"}}}]}`
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestSpliceBulkRefusesMisalignedAnswers(t *testing.T) {
	ok := Verdict{Item: BulkItem{Op: "index", Index: "ok"}}
	denied := Verdict{Item: BulkItem{Op: "delete", Index: "secret", ID: "1"}, Err: eserr.Security(403, "no")}
	tests := []struct {
		name     string
		upstream io.Reader
		verdicts []Verdict
		reason   string
	}{
		{"fewer items", strings.NewReader(`{"took":1,"errors":false,"items":[]}`), []Verdict{ok, denied},
			"cannot merge the cluster's [_bulk] response: [1] items were forwarded but [0] came back"},
		{"more items", strings.NewReader(`{"took":1,"errors":false,"items":[{"index":{}},{"index":{}}]}`), []Verdict{ok},
			"cannot merge the cluster's [_bulk] response: [1] items were forwarded but [2] came back"},
		{"other operation", strings.NewReader(`{"took":1,"errors":false,"items":[{"create":{}}]}`), []Verdict{ok, denied},
			"cannot merge the cluster's [_bulk] response: item [0] answers [create] where [index] was sent"},
		{"no answer", nil, []Verdict{ok},
			"cannot merge the cluster's [_bulk] response: [1] items were forwarded but [0] came back"},
		{"an error answer", strings.NewReader(`{"error":{"type":"x","reason":"y"},"status":400}`), []Verdict{ok},
			"cannot merge the cluster's [_bulk] response: no [items] array"},
		{"not JSON", strings.NewReader(`<html>`), []Verdict{ok},
			"cannot merge the cluster's [_bulk] response: invalid character '<' looking for beginning of value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			err := SpliceBulk(tt.upstream, tt.verdicts, &out)
			wantES(t, "SpliceBulk", err, "illegal_state_exception", tt.reason, 500)
			if out.Len() != 0 {
				t.Errorf("wrote %q before failing", out.String())
			}
		})
	}
}

func TestFilterBulkDefaultsAndPipeline(t *testing.T) {
	body := "{\"index\":{\"pipeline\":\"geo\"}}\n{}\n{\"index\":{\"_index\":\"other\",\"_id\":\"1\"}}\n{}\n"
	var got []BulkItem
	_, err := FilterBulk(strings.NewReader(body), "logs", 0, func(it BulkItem) error {
		got = append(got, it)
		return nil
	}, (&sink{}).open)
	if err != nil {
		t.Fatal(err)
	}
	want := []BulkItem{{Op: "index", Index: "logs", Pipeline: "geo"}, {Op: "index", Index: "other", ID: "1", Seq: 1}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
}

func TestFilterBulkStreamingFailures(t *testing.T) {
	// A malformed line after an allowed item: the item was already written,
	// and the caller learns to abort from the error.
	var s sink
	body := "{\"index\":{\"_index\":\"ok\"}}\n{}\n{\"oops\":{}}\n"
	v, err := FilterBulk(strings.NewReader(body), "", 0, denyBulk, s.open)
	if err == nil || v != nil || s.opened != 1 {
		t.Errorf("got %v, %v, opened %d; want an error, no verdicts, opened once", v, err, s.opened)
	}
	// open's and the writer's errors stop the filter.
	boom := errors.New("boom")
	_, err = FilterBulk(strings.NewReader(body), "", 0, denyBulk, func() (io.Writer, error) { return nil, boom })
	if !errors.Is(err, boom) {
		t.Errorf("open error: got %v", err)
	}
	_, err = FilterBulk(strings.NewReader(body), "", 0, denyBulk, func() (io.Writer, error) { return failWriter{boom}, nil })
	if !errors.Is(err, boom) {
		t.Errorf("write error: got %v", err)
	}
	// A read error is a 400 unless it is already an Elasticsearch error.
	_, err = FilterBulk(io.MultiReader(strings.NewReader("{\"index\":{}}\n"), errReader{boom}), "a", 0, denyBulk, s.open)
	wantES(t, "read error", err, "parse_exception", "failed to read request body: boom", 400)
	tooBig := &eserr.Error{Type: "content_too_long_exception", Reason: "too long", Status: 413}
	_, err = FilterBulk(errReader{tooBig}, "a", 0, denyBulk, s.open)
	wantES(t, "eserr read error", err, "content_too_long_exception", "too long", 413)
}

type failWriter struct{ err error }

func (f failWriter) Write([]byte) (int, error) { return 0, f.err }

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
