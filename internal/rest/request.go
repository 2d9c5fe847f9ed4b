package rest

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/suggest"
)

// Request is one call in flight: the HTTP request plus what
// Elasticsearch's RestRequest tracks (path captures, the query parameters
// a handler read, the body).
type Request struct {
	*http.Request
	// Params are the path's captures; Route the path they were matched by.
	Params Params
	Route  string
	query  url.Values
	// consumed records every query parameter a handler asked for, present
	// or not, as RestRequest.param does; the rest are rejected. Both maps
	// are nil when the request has no query string.
	consumed     map[string]bool
	body         []byte
	bodyConsumed bool
}

// alwaysConsumed are the parameters every request may carry: the response
// channel reads them before any handler runs.
var alwaysConsumed = [...]string{"pretty", "human", "error_trace", "filter_path"}

// NewRequest wraps hr, matched by route with the captures params.
func NewRequest(hr *http.Request, route string, params Params) *Request {
	r := &Request{Request: hr, Params: params, Route: route}
	if hr.URL.RawQuery != "" {
		// Without a query string there is nothing to check parameters
		// against, so most requests skip building either map.
		r.query = hr.URL.Query()
		r.consumed = make(map[string]bool, len(alwaysConsumed)+len(params)+4)
		for _, p := range alwaysConsumed {
			r.consumed[p] = true
		}
		for _, p := range params {
			r.consumed[p.Name] = true
		}
	}
	return r
}

// PathParam returns a path capture ("" when the route has none of that name).
func (r *Request) PathParam(name string) string {
	v, _ := r.Params.Get(name)
	return v
}

// Param reads a query parameter and marks it as understood.
func (r *Request) Param(name string) (string, bool) {
	if r.consumed != nil {
		r.consumed[name] = true
	}
	v, ok := r.query[name]
	if !ok || len(v) == 0 {
		return "", ok
	}
	return v[len(v)-1], true
}

// BoolParam is RestRequest.paramAsBoolean: a bare or empty value is true.
func (r *Request) BoolParam(name string, def bool) (bool, error) {
	v, ok := r.Param(name)
	if !ok {
		return def, nil
	}
	return ParseBool(v)
}

// ParseBool is Booleans.parseBoolean: only "true", "false" and "" (true).
func ParseBool(v string) (bool, error) {
	switch v {
	case "", "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, eserr.IllegalArgument("Failed to parse value [%s] as only [true] or [false] are allowed.", v)
}

// ConsumeAll marks every parameter as understood: a request forwarded to
// the cluster has its parameters checked there.
func (r *Request) ConsumeAll() {
	for k := range r.query {
		r.consumed[k] = true
	}
}

// Query returns the query parameters (nil without a query string).
func (r *Request) Query() map[string][]string { return r.query }

// CheckConsumed rejects query parameters no one read, with Elasticsearch's
// "did you mean" suggestions drawn from the parameters that were read.
func (r *Request) CheckConsumed() error {
	if len(r.query) == 0 {
		return nil
	}
	var unknown []string
	for k := range r.query {
		if !r.consumed[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	var b strings.Builder
	plural := ""
	if len(unknown) > 1 {
		plural = "s"
	}
	fmt.Fprintf(&b, "request [%s] contains unrecognized parameter%s: ", r.URL.Path, plural)
	for i, u := range unknown {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "[%s]", u)
		if p := suggest.Phrase(suggest.Closest(u, slices.Collect(maps.Keys(r.consumed)), 0.5)); p != "" {
			b.WriteString(" -> " + p)
		}
	}
	return eserr.IllegalArgument("%s", b.String())
}

// ReadBody reads the whole body within limit bytes (http.max_content_length).
// Call it only once the caller is authenticated: until then a body costs
// the server nothing.
func (r *Request) ReadBody(limit int64) error {
	if r.Body == nil || r.Body == http.NoBody || r.Method == http.MethodHead {
		return nil // most requests: nothing to read, no buffer to allocate
	}
	if r.ContentLength > limit {
		return tooLong(r.ContentLength, limit)
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, limit))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLong(limit+1, limit)
	}
	if err != nil {
		return eserr.Parse("failed to read request body: %v", err)
	}
	r.body = body
	return nil
}

func tooLong(n, limit int64) error {
	return &eserr.Error{Type: "content_too_long_exception", Status: http.StatusRequestEntityTooLarge,
		Reason: fmt.Sprintf("entity content is too long [%d] for the configured buffer limit [%d]", n, limit)}
}

// Content returns the body read by ReadBody and marks it as understood
// (RestRequest.content).
func (r *Request) Content() []byte {
	r.bodyConsumed = true
	return r.body
}

// RequiredContent is RestRequest.requiredContent.
func (r *Request) RequiredContent() ([]byte, error) {
	if b := r.Content(); len(b) > 0 {
		return b, nil
	}
	return nil, eserr.Parse("request body is required")
}

// CheckBodyConsumed refuses a body the handler did not read. A body left
// unread (a route that never reads one) is recognised by its declared
// length, or by its first byte when it is chunked.
func (r *Request) CheckBodyConsumed() error {
	if r.bodyConsumed {
		return nil
	}
	has := len(r.body) > 0
	if !has && r.body == nil && r.Body != nil && r.Body != http.NoBody && r.Method != http.MethodHead {
		has = r.ContentLength > 0
		if r.ContentLength < 0 {
			var b [1]byte
			n, _ := io.ReadFull(r.Request.Body, b[:])
			has = n > 0
		}
	}
	if has {
		return eserr.IllegalArgument("request [%s %s] does not support having a body", r.Method, r.URL.Path)
	}
	return nil
}

// Names splits a comma-separated path list as Java's String.split(","):
// empty items stay, except trailing ones.
func Names(s string) []string {
	parts := strings.Split(s, ",")
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

// AllOrList is paramAsStringArrayOrEmptyIfAll: nil means every item.
func AllOrList(s string) []string {
	list := Names(s)
	if len(list) == 0 || (len(list) == 1 && (list[0] == "_all" || list[0] == "*")) {
		return nil
	}
	return list
}

// BodyPolicy says whether and how a route reads its request body.
type BodyPolicy int

const (
	// BodyNone: the route reads no body; one sent is refused.
	BodyNone BodyPolicy = iota
	// BodyBuffered: the body is read whole, within http.max_content_length,
	// once the caller is authenticated.
	BodyBuffered
	// BodyStreamed: the route reads the body itself, as a stream (the
	// gateway forwards it); it is never buffered whole.
	BodyStreamed
)
