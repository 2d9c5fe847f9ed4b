package items

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/google/go-cmp/cmp"
)

var fuzzDenied = eserr.Security(403, "denied")

func deniedBy(mask uint64, seq int) bool { return mask>>(seq%64)&1 == 1 }

var bulkSeeds = []string{
	"{\"index\":{\"_index\":\"a\",\"_id\":\"1\"}}\n{\"f\":1}\n{\"delete\":{\"_index\":\"b\",\"_id\":\"2\"}}\n",
	"{\"create\":{}}\n\n\n{\"update\":{\"_id\":\"1\"}}\r\n{\"doc\":{}}\r\n",
	"{\"index\":{\"op_type\":\"create\"},\"x\":1}\n{}\n{\"index\":/*c*/{}\n{}\n",
	"{\"foo\":{}}\n",
	"{\"index\":{\"_index\":\"a\\u0000\",\"pipeline\":\"p\",\"dynamic_templates\":{\"a\":\"b\"}}}\n{}\n",
}

// FuzzFilterBulk checks that FilterBulk never panics and only ever forwards
// a subsequence of the lines it was given; and, the property the gateway's
// safety rests on, that the forwarded body reads back as exactly the allowed
// items, so the cluster acts on what was decided and nothing else.
func FuzzFilterBulk(f *testing.F) {
	for _, s := range bulkSeeds {
		f.Add([]byte(s), uint64(0b0101))
	}
	f.Fuzz(func(t *testing.T, body []byte, mask uint64) {
		var s sink
		v, err := FilterBulk(bytes.NewReader(body), "d", 256, func(it BulkItem) error {
			if deniedBy(mask, it.Seq) {
				return fuzzDenied
			}
			return nil
		}, s.open)
		if err != nil {
			if v != nil {
				t.Fatalf("verdicts with error %v", err)
			}
			return
		}
		out := s.buf.String()
		if !isSubsequence(lines(out), lines(string(body))) {
			t.Fatalf("forwarded lines are not the body's:\n%q\nfrom\n%q", out, body)
		}
		var allowed []BulkItem
		for i, vd := range v {
			if vd.Item.Seq != i {
				t.Fatalf("verdict %d has Seq %d", i, vd.Item.Seq)
			}
			if vd.Err == nil {
				it := vd.Item
				it.Seq = len(allowed)
				allowed = append(allowed, it)
			}
		}
		if want := min(len(allowed), 1); s.opened != want {
			t.Fatalf("opened %d times for %d allowed items", s.opened, len(allowed))
		}
		if len(allowed) > 0 {
			var again sink
			v2, err := FilterBulk(strings.NewReader(out), "d", 256, func(BulkItem) error { return nil }, again.open)
			if err != nil {
				t.Fatalf("forwarded body does not parse: %v\n%q", err, out)
			}
			var got []BulkItem
			for _, vd := range v2 {
				got = append(got, vd.Item)
			}
			if diff := cmp.Diff(allowed, got); diff != "" {
				t.Fatalf("forwarded body reads differently (-decided +read):\n%s", diff)
			}
			if again.buf.String() != out {
				t.Fatalf("refiltering changed the body")
			}
		}
		// Splice with a stand-in answer and check the shape.
		var up io.Reader
		if len(allowed) > 0 {
			var b strings.Builder
			b.WriteString(`{"took":1,"errors":false,"items":[`)
			for i, it := range allowed {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(`{"` + it.Op + `":{"status":200}}`)
			}
			b.WriteString("]}")
			up = strings.NewReader(b.String())
		}
		var resp bytes.Buffer
		if err := SpliceBulk(up, v, &resp); err != nil {
			t.Fatal(err)
		}
		var parsed struct {
			Errors bool              `json:"errors"`
			Items  []json.RawMessage `json:"items"`
		}
		if err := json.Unmarshal(resp.Bytes(), &parsed); err != nil || len(parsed.Items) != len(v) || parsed.Errors != (len(allowed) < len(v)) {
			t.Fatalf("spliced %s (%v)", resp.Bytes(), err)
		}
	})
}

var msearchSeeds = []string{
	"{\"index\":\"a,b\"}\n{\"query\":{}}\n\n{}\n",
	"{\"indices\":[\"x\"],\"index\":\"y\",\"routing\":\"r\",\"expand_wildcards\":[\"open\",\"closed\"]}\r\n{}\r\n",
	"\"s\"\n{}\n{}\n",
	"{\"index\":[1e3,true]}\n{}\n{\"search_type\":null}\n{}\n",
	"{\"foo\":1}\n{}\n",
}

// FuzzFilterMsearch checks that FilterMsearch never panics, forwards body
// lines only from the body, and that the forwarded pairs read back as the
// decided names with the same other keys.
func FuzzFilterMsearch(f *testing.F) {
	for _, s := range msearchSeeds {
		f.Add([]byte(s), uint64(0b10))
	}
	f.Fuzz(func(t *testing.T, body []byte, mask uint64) {
		var s sink
		v, err := FilterMsearch(bytes.NewReader(body), []string{"p"}, 256, func(it SearchItem) ([]string, error) {
			if deniedBy(mask, it.Seq) {
				return nil, fuzzDenied
			}
			if len(it.Indices) == 0 {
				return []string{"*"}, nil
			}
			return it.Indices, nil
		}, s.open)
		if err != nil {
			if v != nil {
				t.Fatalf("verdicts with error %v", err)
			}
			return
		}
		out := s.buf.String()
		outLines, inLines := lines(out), lines(string(body))
		var bodies []string
		for i := 1; i < len(outLines); i += 2 {
			bodies = append(bodies, outLines[i])
		}
		if len(outLines)%2 != 0 || !isSubsequence(bodies, inLines) {
			t.Fatalf("forwarded bodies are not the body's:\n%q\nfrom\n%q", out, body)
		}
		var allowed []SearchItem
		for _, vd := range v {
			if vd.Err == nil {
				allowed = append(allowed, SearchItem{Seq: len(allowed), Indices: vd.Names, Params: vd.Item.Params})
			}
		}
		if len(allowed) != len(outLines)/2 || s.opened != min(len(allowed), 1) {
			t.Fatalf("%d allowed, %d pairs forwarded, opened %d", len(allowed), len(outLines)/2, s.opened)
		}
		if len(allowed) == 0 {
			return
		}
		var again sink
		var got []SearchItem
		_, err = FilterMsearch(strings.NewReader(out), nil, 0, func(it SearchItem) ([]string, error) {
			got = append(got, it)
			return it.Indices, nil
		}, again.open)
		if err != nil {
			t.Fatalf("forwarded body does not parse: %v\n%q", err, out)
		}
		if diff := cmp.Diff(allowed, got); diff != "" {
			t.Fatalf("forwarded headers read differently (-decided +read):\n%s", diff)
		}
		if again.buf.String() != out {
			t.Fatalf("refiltering changed the body:\n%q\n%q", out, again.buf.String())
		}
	})
}

// FuzzFilterMget checks that the forwarded _mget body reads back as exactly
// the allowed docs.
func FuzzFilterMget(f *testing.F) {
	for _, s := range []string{`{"docs":[{"_index":"a","_id":"1"},{"_id":2,"_source":["x"]}]}`, `{"ids":["1","2",3]}`,
		`{"docs":[{"_index":["a","b"],"_id":"1","x":[]}],"ids":["4"]}`, `{"docs":[{"_id":"1","foo":[{"_index":"s"}]}]}`} {
		f.Add([]byte(s), uint64(0b01))
	}
	f.Fuzz(func(t *testing.T, body []byte, mask uint64) {
		fwd, v, err := FilterMget(body, "d", func(d MgetDoc) error {
			if deniedBy(mask, d.Seq) {
				return fuzzDenied
			}
			return nil
		})
		if err != nil {
			if v != nil || fwd != nil {
				t.Fatalf("results with error %v", err)
			}
			return
		}
		var allowed []MgetDoc
		for _, vd := range v {
			if vd.Err == nil {
				allowed = append(allowed, MgetDoc{Index: vd.Doc.Index, ID: vd.Doc.ID, Seq: len(allowed)})
			}
		}
		if (fwd == nil) != (len(allowed) == 0) {
			t.Fatalf("forward %q for %d allowed docs", fwd, len(allowed))
		}
		if fwd == nil {
			return
		}
		var got []MgetDoc
		if _, _, err := FilterMget(fwd, "d", func(d MgetDoc) error { got = append(got, d); return nil }); err != nil {
			t.Fatalf("forwarded body does not parse: %v\n%q", err, fwd)
		}
		if diff := cmp.Diff(allowed, got); diff != "" {
			t.Fatalf("forwarded body reads differently (-decided +read):\n%s", diff)
		}
	})
}
