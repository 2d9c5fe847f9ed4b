package rest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/xcontent"
)

// Output is how a request wants its JSON: pretty (Jackson's format) or
// not, whether it said so (some answers are pretty unless told), and
// filtered by filter_path.
type Output struct {
	pretty, explicit bool
	filter           *filterPath
}

// Output reads the response parameters every route accepts.
func (r *Request) Output() (Output, error) {
	pretty, err := r.BoolParam("pretty", false)
	if err != nil {
		return Output{}, err
	}
	for _, p := range []string{"human", "error_trace"} {
		if _, err := r.BoolParam(p, false); err != nil {
			return Output{}, err
		}
	}
	_, explicit := r.query["pretty"]
	fp, _ := r.Param("filter_path")
	return Output{pretty: pretty, explicit: explicit, filter: parseFilterPath(fp)}, nil
}

// Header values shared by every response; net/http only reads them.
var jsonContentHeader = []string{"application/json"}

// Write sends a success answer and returns its status.
func Write(w http.ResponseWriter, r *http.Request, log *slog.Logger, out Output, res *Response) int {
	if res.Send != nil {
		return res.Send(w)
	}
	for _, wr := range res.Warnings {
		w.Header().Add("Warning", wr)
	}
	w.Header()["Content-Type"] = jsonContentHeader
	if res.PrettyByDefault && !out.explicit {
		out.pretty = true
	}
	if s, ok := res.Body.(Streamer); ok && !out.pretty && out.filter == nil {
		w.WriteHeader(res.Status)
		bw := bufio.NewWriterSize(w, 32<<10)
		if err := s(bw); err != nil {
			// The status is gone; cut the connection so the client sees a
			// broken response rather than a truncated valid-looking one.
			log.Error("streaming a response failed", "method", r.Method, "path", r.URL.Path, "err", err)
			panic(http.ErrAbortHandler)
		}
		if err := bw.Flush(); err != nil {
			log.Debug("client went away", "err", err)
		}
		return res.Status
	}
	buf := bufPool.Get().(*[]byte)
	defer putBuf(buf)
	body, err := render((*buf)[:0], res.Body)
	if err != nil {
		return WriteError(w, r, log, out, err)
	}
	*buf = body
	if out.filter != nil {
		body = out.filter.apply(body)
	}
	if out.pretty {
		body = xcontent.Pretty(body)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(res.Status)
	_, _ = w.Write(body)
	return res.Status
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
	if s, ok := body.(Streamer); ok {
		var buf bytes.Buffer
		bw := bufio.NewWriter(&buf)
		if err := s(bw); err != nil {
			return nil, err
		}
		if err := bw.Flush(); err != nil {
			return nil, err
		}
		return append(dst, buf.Bytes()...), nil
	}
	return xcontent.Append(dst, body)
}

// WriteError renders err as Elasticsearch's error body and returns the
// status. Errors that are not Elasticsearch exceptions are internal:
// logged with their cause, shown as a generic 500.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, out Output, err error) int {
	var e *eserr.Error
	if errors.Is(err, store.ErrUnavailable) {
		// What Elasticsearch answers while its security index is out of
		// reach: a 503, which the official clients retry.
		log.Warn("the store is unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
		e = &eserr.Error{Type: "unavailable_shards_exception", Status: http.StatusServiceUnavailable,
			Reason: "at least one primary shard for the index [.security-7] is unavailable"}
	} else if !errors.As(err, &e) {
		log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
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
	body, _ := xcontent.Append(nil, ErrorBody(e))
	if out.pretty {
		body = xcontent.Pretty(body)
	}
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.Status)
	_, _ = w.Write(body)
	return e.Status
}

// ErrorBody builds {"error":{"root_cause":[...],...},"status":N}; fields
// keep Elasticsearch's order: type, reason, caused_by, header.
func ErrorBody(e *eserr.Error) xcontent.Object {
	root := e
	for root.CausedBy != nil {
		root = root.CausedBy
	}
	top := append(xcontent.Obj("root_cause", []any{exceptionJSON(root, false)}), exceptionJSON(e, true)...)
	return xcontent.Obj("error", top, "status", e.Status)
}

func exceptionJSON(e *eserr.Error, withCause bool) xcontent.Object {
	o := xcontent.Obj("type", e.Type, "reason", e.Reason)
	for _, m := range e.Metadata {
		o = o.With(m[0], m[1])
	}
	if withCause && e.CausedBy != nil {
		o = o.With("caused_by", exceptionJSON(e.CausedBy, true))
	}
	if len(e.Header) > 0 {
		h := xcontent.Object{}
		for _, k := range slices.Sorted(maps.Keys(e.Header)) {
			if vs := e.Header[k]; len(vs) == 1 {
				h = h.With(k, vs[0])
			} else {
				h = h.With(k, vs)
			}
		}
		o = o.With("header", h)
	}
	return o
}

// WriteFlatError answers in the flat {"error":"...","status":N} form the
// RestController uses for requests that reach no handler.
func WriteFlatError(w http.ResponseWriter, status int, msg string) int {
	body := xcontent.Obj("error", msg)
	if status != http.StatusBadRequest {
		// "no handler found" carries no status field in Elasticsearch.
		body = body.With("status", status)
	}
	b, _ := body.AppendJSON(nil)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
	return status
}

// WriteNoRoute answers a path with no route (400) or a method the path does
// not have (405) in the flat shape Elasticsearch's RestController uses, and
// OPTIONS as it does: 200, empty, with Allow.
func WriteNoRoute(w http.ResponseWriter, r *http.Request, allowed []string) int {
	uri := r.URL.RequestURI()
	if r.Method == http.MethodOptions {
		if len(allowed) > 0 {
			w.Header().Set("Allow", strings.Join(allowed, ","))
		}
		w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
		w.WriteHeader(http.StatusOK)
		return http.StatusOK
	}
	if len(allowed) == 0 {
		return WriteFlatError(w, http.StatusBadRequest, fmt.Sprintf("no handler found for uri [%s] and method [%s]", uri, r.Method))
	}
	w.Header().Set("Allow", strings.Join(allowed, ","))
	return WriteFlatError(w, http.StatusMethodNotAllowed, fmt.Sprintf("Incorrect HTTP method for uri [%s] and method [%s], allowed: [%s]",
		uri, r.Method, strings.Join(allowed, ", ")))
}
