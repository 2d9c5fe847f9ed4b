package httpapi

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"sync"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/xcontent"
)

// streamer is a response body written piece by piece, so that a large
// answer (every user) is never held in memory whole.
type streamer func(w *bufio.Writer) error

// output is how a request wants its JSON: pretty (Jackson's format) or
// not, whether it said so (some answers are pretty unless told), and
// filtered by filter_path.
type output struct {
	pretty, explicit bool
	filter           *filterPath
}

// format reads the response parameters every route accepts.
func (r *request) format() (output, error) {
	pretty, err := r.boolParam("pretty", false)
	if err != nil {
		return output{}, err
	}
	for _, p := range []string{"human", "error_trace"} {
		if _, err := r.boolParam(p, false); err != nil {
			return output{}, err
		}
	}
	_, explicit := r.query["pretty"]
	fp, _ := r.param("filter_path")
	return output{pretty: pretty, explicit: explicit, filter: parseFilterPath(fp)}, nil
}

// marshal encodes v as Elasticsearch does: no HTML escaping.
func marshal(v any) ([]byte, error) { return xcontent.Marshal(v) }

// write sends a success answer and returns its status.
func (a *API) write(w http.ResponseWriter, r *request, out output, res *response) int {
	for _, wr := range res.warnings {
		w.Header().Add("Warning", wr)
	}
	w.Header()["Content-Type"] = jsonContentHeader
	if res.prettyByDefault && !out.explicit {
		out.pretty = true
	}
	if s, ok := res.body.(streamer); ok && !out.pretty && out.filter == nil {
		w.WriteHeader(res.status)
		bw := bufio.NewWriterSize(w, 32<<10)
		if err := s(bw); err != nil {
			// The status is gone; cut the connection so the client sees a
			// broken response rather than a truncated valid-looking one.
			a.Log.Error("streaming a response failed", "path", r.URL.Path, "err", err)
			panic(http.ErrAbortHandler)
		}
		if err := bw.Flush(); err != nil {
			a.Log.Debug("client went away", "err", err)
		}
		return res.status
	}
	buf := bufPool.Get().(*[]byte)
	defer putBuf(buf)
	body, err := render((*buf)[:0], res.body)
	if err != nil {
		return a.writeError(w, r, out, err)
	}
	*buf = body
	if out.filter != nil {
		body = out.filter.apply(body)
	}
	if out.pretty {
		body = pretty(body)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(res.status)
	_, _ = w.Write(body)
	return res.status
}

// bufPool recycles response buffers; the common answers are well under
// its initial size, so most requests render without allocating.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

func putBuf(b *[]byte) {
	if cap(*b) <= 64<<10 { // do not pin the memory of one huge answer
		*b = (*b)[:0]
		bufPool.Put(b)
	}
}

// render appends the JSON of a response body to dst.
func render(dst []byte, body any) ([]byte, error) {
	switch b := body.(type) {
	case streamer:
		var buf bytes.Buffer
		bw := bufio.NewWriter(&buf)
		if err := b(bw); err != nil {
			return nil, err
		}
		if err := bw.Flush(); err != nil {
			return nil, err
		}
		return append(dst, buf.Bytes()...), nil
	}
	return appendJSON(dst, body)
}

// writeError renders err as Elasticsearch's error body. Errors that are not
// Elasticsearch exceptions are internal: logged with their cause, shown as
// a generic 500.
func (a *API) writeError(w http.ResponseWriter, r *request, out output, err error) int {
	var e *eserr.Error
	if errors.Is(err, store.ErrUnavailable) {
		// What Elasticsearch answers while its security index is out of
		// reach: a 503, which the official clients retry.
		a.Log.Warn("the store is unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
		e = &eserr.Error{Type: "unavailable_shards_exception", Status: http.StatusServiceUnavailable,
			Reason: "at least one primary shard for the index [.security-7] is unavailable"}
	} else if !errors.As(err, &e) {
		a.Log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		e = &eserr.Error{Type: "exception", Reason: "internal server error", Status: http.StatusInternalServerError}
	}
	h := w.Header()
	if e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden {
		// Elasticsearch strips these from security failures.
		h.Del("X-elastic-product")
		h.Del("Warning")
	}
	for k, vs := range e.Header {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	body, _ := appendJSON(nil, errorBody(e))
	if out.pretty {
		body = pretty(body)
	}
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.Status)
	_, _ = w.Write(body)
	return e.Status
}

// errorBody builds {"error":{"root_cause":[...],...},"status":N}; fields
// keep Elasticsearch's order: type, reason, caused_by, header.
func errorBody(e *eserr.Error) any {
	root := e
	for root.CausedBy != nil {
		root = root.CausedBy
	}
	top := exceptionJSON(e, true)
	top = append(orderedObject{{"root_cause", []any{exceptionJSON(root, false)}}}, top...)
	return orderedObject{{"error", top}, {"status", e.Status}}
}

func exceptionJSON(e *eserr.Error, withCause bool) orderedObject {
	o := orderedObject{{"type", e.Type}, {"reason", e.Reason}}
	if withCause && e.CausedBy != nil {
		o = append(o, field{"caused_by", exceptionJSON(e.CausedBy, true)})
	}
	if len(e.Header) > 0 {
		h := orderedObject{}
		for _, k := range slices.Sorted(maps.Keys(e.Header)) {
			vs := e.Header[k]
			if len(vs) == 1 {
				h = append(h, field{k, vs[0]})
			} else {
				h = append(h, field{k, vs})
			}
		}
		o = append(o, field{"header", h})
	}
	return o
}

// writeFlatError answers in the flat {"error":"...","status":N} form the
// RestController uses for requests that reach no handler.
func writeFlatError(w http.ResponseWriter, status int, msg string) int {
	body := orderedObject{{"error", msg}, {"status", status}}
	if status == http.StatusBadRequest {
		// "no handler found" carries no status field in Elasticsearch.
		body = body[:1]
	}
	b, _ := body.appendTo(nil)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
	return status
}

// field and orderedObject marshal a JSON object with a fixed key order.
type field struct {
	key string
	val any
}

type orderedObject []field

func (o orderedObject) MarshalJSON() ([]byte, error) { return o.appendTo(nil) }

// pretty re-indents compact JSON as Elasticsearch's pretty printer (Jackson
// with two-space indents for objects and arrays) does: `"key" : value`,
// empty containers as `{ }` and `[ ]`, and a final line feed.
func pretty(src []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber()
	var b bytes.Buffer
	if err := prettyValue(dec, &b, 0); err != nil {
		return src
	}
	b.WriteByte('\n')
	return b.Bytes()
}

func prettyValue(dec *json.Decoder, b *bytes.Buffer, depth int) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		v, err := marshal(tok)
		b.Write(v)
		return err
	}
	closing := byte('}')
	if d == '[' {
		closing = ']'
	}
	b.WriteByte(byte(d))
	n := 0
	for dec.More() {
		if n > 0 {
			b.WriteByte(',')
		}
		n++
		b.WriteByte('\n')
		indent(b, depth+1)
		if d == '{' {
			k, err := dec.Token()
			if err != nil {
				return err
			}
			kb, _ := marshal(k)
			b.Write(kb)
			b.WriteString(" : ")
		}
		if err := prettyValue(dec, b, depth+1); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return err
	}
	if n == 0 {
		b.WriteByte(' ')
	} else {
		b.WriteByte('\n')
		indent(b, depth)
	}
	b.WriteByte(closing)
	return nil
}

func indent(b *bytes.Buffer, depth int) {
	for range depth {
		b.WriteString("  ")
	}
}
