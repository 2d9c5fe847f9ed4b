package items

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/xcontent"
)

// upstreamField is one top-level field of the cluster's answer, kept raw so
// that it goes back to the client as the cluster wrote it.
type upstreamField struct {
	key    string
	rawKey []byte
	raw    json.RawMessage
}

// upstreamDoc is the cluster's answer split into its top-level fields, with
// the items of its array field held one by one.
type upstreamDoc struct {
	fields  []upstreamField
	arrayAt int // index in fields of the items array
	items   []json.RawMessage
}

// readUpstream reads a top-level JSON object and the elements of its array
// field arrayKey.
func readUpstream(r io.Reader, arrayKey, api string) (*upstreamDoc, error) {
	fail := func(err error) error {
		return eserr.IllegalState("cannot merge the cluster's [%s] response: %v", api, err)
	}
	dec := json.NewDecoder(r)
	if t, err := dec.Token(); err != nil {
		return nil, fail(err)
	} else if t != json.Delim('{') {
		return nil, fail(errors.New("not a JSON object"))
	}
	doc := &upstreamDoc{arrayAt: -1}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, fail(err)
		}
		key := kt.(string)
		f := upstreamField{key: key, rawKey: xcontent.AppendString(nil, key)}
		if key == arrayKey && doc.arrayAt < 0 {
			if t, err := dec.Token(); err != nil {
				return nil, fail(err)
			} else if t != json.Delim('[') {
				return nil, fail(errors.New("[" + arrayKey + "] is not an array"))
			}
			for dec.More() {
				var raw json.RawMessage
				if err := dec.Decode(&raw); err != nil {
					return nil, fail(err)
				}
				doc.items = append(doc.items, raw)
			}
			if _, err := dec.Token(); err != nil {
				return nil, fail(err)
			}
			doc.arrayAt = len(doc.fields)
			doc.fields = append(doc.fields, f)
			continue
		}
		if err := dec.Decode(&f.raw); err != nil {
			return nil, fail(err)
		}
		doc.fields = append(doc.fields, f)
	}
	if _, err := dec.Token(); err != nil {
		return nil, fail(err)
	}
	if doc.arrayAt < 0 {
		return nil, fail(errors.New("no [" + arrayKey + "] array"))
	}
	return doc, nil
}

// synthetic is the answer to give when nothing was forwarded: the given
// fields (key, raw JSON value pairs) in order, then an empty array field.
func synthetic(arrayKey string, kv ...string) *upstreamDoc {
	doc := &upstreamDoc{}
	for i := 0; i+1 < len(kv); i += 2 {
		doc.fields = append(doc.fields, upstreamField{key: kv[i], rawKey: xcontent.AppendString(nil, kv[i]), raw: json.RawMessage(kv[i+1])})
	}
	doc.arrayAt = len(doc.fields)
	doc.fields = append(doc.fields, upstreamField{key: arrayKey, rawKey: xcontent.AppendString(nil, arrayKey)})
	return doc
}

func (d *upstreamDoc) has(key string) bool {
	for _, f := range d.fields {
		if f.key == key {
			return true
		}
	}
	return false
}

// mismatch refuses to merge an answer whose items do not line up with the
// forwarded ones: guessing would hand one item's outcome to another.
func mismatch(api string, sent, got int) error {
	return eserr.IllegalState("cannot merge the cluster's [%s] response: [%d] items were forwarded but [%d] came back", api, sent, got)
}

// appendCompact appends a JSON value without insignificant white space, so
// that a pretty-printed upstream answer and the synthetic items look alike.
func appendCompact(dst []byte, raw json.RawMessage) []byte {
	b := bytes.NewBuffer(dst)
	if err := json.Compact(b, raw); err != nil {
		return append(dst, raw...) // the decoder validated it already
	}
	return b.Bytes()
}

func appendQuoted(dst []byte, s string) []byte { return xcontent.AppendString(dst, s) }

// statusOf is the HTTP status an item carries; an error without one is an
// internal failure.
func statusOf(e *eserr.Error) int {
	if e.Status == 0 {
		return http.StatusInternalServerError
	}
	return e.Status
}

// writeMerged writes the fields of doc to w in order, the array field
// replaced by the merged items that item(k) returns for k from 0, and the
// field values change(key) returns (ok) replaced.
func writeMerged(w io.Writer, doc *upstreamDoc, n int, item func(dst []byte, k int) []byte,
	change func(key string) ([]byte, bool), prefix []byte) error {
	buf := append([]byte{'{'}, prefix...)
	for i, f := range doc.fields {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, f.rawKey...)
		buf = append(buf, ':')
		if v, ok := change(f.key); ok {
			buf = append(buf, v...)
			continue
		}
		if i != doc.arrayAt {
			buf = appendCompact(buf, f.raw)
			continue
		}
		buf = append(buf, '[')
		for k := 0; k < n; k++ {
			if k > 0 {
				buf = append(buf, ',')
			}
			buf = item(buf, k)
			if len(buf) > 32<<10 {
				// flush as we go: the answer is only held once, as items
				if _, err := w.Write(buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
		}
		buf = append(buf, ']')
	}
	buf = append(buf, '}')
	_, err := w.Write(buf)
	return err
}
