package fakecluster

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Cluster is a running fake cluster. Its methods are safe for concurrent use.
type Cluster struct {
	cfg   config
	st    *state
	delay atomic.Int64

	mu     sync.Mutex
	addr   string
	srv    *httptest.Server
	closed bool

	recMu sync.Mutex
	reqs  []Request
}

type config struct {
	openSearch bool
	delay      time.Duration
	user, pass string
	auth       bool
	gzip       bool
}

// Option configures Start.
type Option func(*config)

// OpenSearch makes the cluster answer as OpenSearch 2.x: no
// X-elastic-product header and OpenSearch's GET / body.
func OpenSearch() Option { return func(c *config) { c.openSearch = true } }

// Delay makes every answer wait d before it is written (for timeout tests).
// SetDelay changes it later.
func Delay(d time.Duration) Option { return func(c *config) { c.delay = d } }

// RequireAuth makes the cluster demand HTTP basic credentials of its own and
// answer 401 without them, as a backend with its own security would.
func RequireAuth(user, password string) Option {
	return func(c *config) { c.auth, c.user, c.pass = true, user, password }
}

// GzipResponses compresses answers when the request accepts gzip, as ES
// does with its default http.compression=true. Off by default so tests that
// read raw answers need not decompress.
func GzipResponses() Option { return func(c *config) { c.gzip = true } }

// Request is one request as the cluster received it.
type Request struct {
	Method string
	// Path is the path exactly as it arrived on the wire, still escaped.
	Path     string
	RawQuery string
	Header   http.Header
	// Body is the decoded body: gzip bodies are inflated (the
	// Content-Encoding header stays in Header).
	Body []byte
	Time time.Time
}

// Start serves a new, empty cluster on 127.0.0.1.
func Start(opts ...Option) *Cluster {
	c := &Cluster{st: newState()}
	for _, o := range opts {
		o(&c.cfg)
	}
	c.delay.Store(int64(c.cfg.delay))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic("fakecluster: listen: " + err.Error())
	}
	c.addr = l.Addr().String()
	c.serveLocked(l)
	return c
}

func (c *Cluster) serveLocked(l net.Listener) {
	c.srv = &httptest.Server{Listener: l, Config: &http.Server{Handler: c}}
	c.srv.Start()
}

// URL is the cluster's base URL, the same across Stop and Restart.
func (c *Cluster) URL() string { return "http://" + c.addr }

// SetDelay changes how long every answer waits.
func (c *Cluster) SetDelay(d time.Duration) { c.delay.Store(int64(d)) }

// Stop takes the cluster down: the port is closed and open connections are
// cut, so clients see connection refused until Restart. Data survives.
func (c *Cluster) Stop() {
	c.mu.Lock()
	srv := c.srv
	c.srv = nil
	c.mu.Unlock()
	if srv == nil {
		return
	}
	// Cut connections first: that cancels the contexts of delayed answers,
	// which Close would otherwise wait for.
	srv.CloseClientConnections()
	srv.Close()
}

// Restart brings the cluster back on the same address (stopping it first if
// it runs). Like a restarted node it keeps its indices but loses every
// scroll and point-in-time context.
func (c *Cluster) Restart() error {
	c.Stop()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return errors.New("fakecluster: restart after Close")
	}
	if c.srv != nil {
		return nil
	}
	var l net.Listener
	var err error
	// The old socket is closed synchronously, but give the kernel a moment
	// in case a client connection is still being torn down.
	for deadline := time.Now().Add(2 * time.Second); ; {
		if l, err = net.Listen("tcp", c.addr); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("fakecluster: restart on %s: %w", c.addr, err)
	}
	c.st.mu.Lock()
	c.st.scrolls = map[string]*scrollCtx{}
	c.st.pits = map[string]*pitCtx{}
	c.st.mu.Unlock()
	c.serveLocked(l)
	return nil
}

// Close stops the cluster for good.
func (c *Cluster) Close() {
	c.Stop()
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
}

// Requests returns a copy of every recorded request, in arrival order.
func (c *Cluster) Requests() []Request {
	c.recMu.Lock()
	defer c.recMu.Unlock()
	out := make([]Request, len(c.reqs))
	for i, r := range c.reqs {
		r.Header = r.Header.Clone()
		r.Body = bytes.Clone(r.Body)
		out[i] = r
	}
	return out
}

// Reset forgets the recorded requests (not the data).
func (c *Cluster) Reset() {
	c.recMu.Lock()
	c.reqs = nil
	c.recMu.Unlock()
}

// Hits counts recorded requests whose escaped path starts with pathPrefix.
func (c *Cluster) Hits(pathPrefix string) int {
	c.recMu.Lock()
	defer c.recMu.Unlock()
	n := 0
	for _, r := range c.reqs {
		if strings.HasPrefix(r.Path, pathPrefix) {
			n++
		}
	}
	return n
}

// call is a request as the handlers see it: path split into unescaped
// segments, query parsed, body decoded.
type call struct {
	method string
	segs   []string
	q      url.Values
	body   []byte
	header http.Header
	uri    string
	start  time.Time
}

// reply is a buffered answer; buffering lets Delay hold it back and lets the
// writer set Content-Length and compress.
type reply struct {
	status int
	ctype  string
	body   []byte
	header http.Header
	// emptyHead marks exists-style answers whose HEAD form has no length.
	emptyHead bool
}

func jsonReply(status int, v any) *reply {
	b, err := marshal(v)
	if err != nil {
		panic("fakecluster: encoding an answer: " + err.Error())
	}
	return &reply{status: status, ctype: "application/json", body: b}
}

// ServeHTTP records the request, then answers it.
func (c *Cluster) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	raw, _ := io.ReadAll(r.Body)
	body, decodeErr := decodeBody(r.Header, raw)
	c.recMu.Lock()
	c.reqs = append(c.reqs, Request{
		Method:   r.Method,
		Path:     wirePath(r),
		RawQuery: r.URL.RawQuery,
		Header:   r.Header.Clone(),
		Body:     bytes.Clone(body),
		Time:     start,
	})
	c.recMu.Unlock()

	var rep *reply
	switch {
	case c.cfg.auth && !c.authorized(r):
		rep = c.unauthorized(r)
	case decodeErr != nil:
		rep = parseError("failed to decompress request body: %v", decodeErr).reply()
	default:
		q, _ := url.ParseQuery(r.URL.RawQuery)
		k := &call{method: r.Method, segs: splitPath(wirePath(r)), q: q, body: body, header: r.Header, uri: r.URL.RequestURI(), start: start}
		if k.segs == nil {
			rep = noHandler(k)
		} else {
			if len(k.body) == 0 && q.Has("source") {
				// ES accepts the body in ?source= for clients that cannot send
				// a body with GET.
				k.body = []byte(q.Get("source"))
			}
			c.st.mu.Lock()
			rep = c.route(k)
			c.st.mu.Unlock()
		}
	}
	c.wait(r.Context())
	c.write(w, r, rep)
}

// wait holds the answer back for the configured delay, giving up early when
// the client goes away or Stop cuts the connection.
func (c *Cluster) wait(ctx context.Context) {
	d := time.Duration(c.delay.Load())
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

func (c *Cluster) write(w http.ResponseWriter, r *http.Request, rep *reply) {
	h := w.Header()
	for k, vs := range rep.header {
		h[k] = vs
	}
	if !c.cfg.openSearch {
		// Written in ES's spelling; HTTP header names are case-insensitive.
		h["X-elastic-product"] = []string{"Elasticsearch"}
	}
	if id := r.Header.Get("X-Opaque-Id"); id != "" {
		h.Set("X-Opaque-Id", id)
	}
	ctype := rep.ctype
	if ctype == "application/json" {
		ctype = c.jsonContentType(r)
	}
	if ctype != "" {
		h.Set("Content-Type", ctype)
	}
	body := rep.body
	if c.cfg.gzip && len(body) > 0 && r.Method != http.MethodHead && acceptsGzip(r) {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		_, _ = zw.Write(body)
		_ = zw.Close()
		body = b.Bytes()
		h.Set("Content-Encoding", "gzip")
		h.Add("Vary", "Accept-Encoding")
	}
	if r.Method == http.MethodHead && rep.emptyHead {
		h.Set("Content-Length", "0")
	} else {
		// HEAD answers carry the GET body's length with no body, as ES's
		// DefaultRestChannel does.
		h.Set("Content-Length", fmt.Sprint(len(body)))
	}
	w.WriteHeader(rep.status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// jsonContentType echoes a compatible-with media type back, as ES does for
// clients that ask for it (the official clients send
// application/vnd.elasticsearch+json;compatible-with=8).
func (c *Cluster) jsonContentType(r *http.Request) string {
	if c.cfg.openSearch {
		return "application/json; charset=UTF-8"
	}
	accept := r.Header.Get("Accept")
	if i := strings.Index(accept, "compatible-with="); i >= 0 && strings.Contains(accept, "vnd.elasticsearch+json") {
		v := accept[i+len("compatible-with="):]
		if j := strings.IndexAny(v, ",; "); j >= 0 {
			v = v[:j]
		}
		return "application/vnd.elasticsearch+json;compatible-with=" + v
	}
	return "application/json"
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		if strings.EqualFold(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]), "gzip") {
			return true
		}
	}
	return false
}

// decodeBody inflates a gzip request body.
func decodeBody(h http.Header, raw []byte) ([]byte, error) {
	if !strings.EqualFold(strings.TrimSpace(h.Get("Content-Encoding")), "gzip") || len(raw) == 0 {
		return raw, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return raw, err
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return raw, err
	}
	return b, nil
}

// wirePath is the path as sent, before any unescaping: RequestURI up to the
// query.
func wirePath(r *http.Request) string {
	uri := r.RequestURI
	if !strings.HasPrefix(uri, "/") {
		if u, err := url.Parse(uri); err == nil {
			return u.EscapedPath()
		}
		return r.URL.EscapedPath()
	}
	p, _, _ := strings.Cut(uri, "?")
	return p
}

// splitPath splits an escaped path into unescaped segments. ES decodes each
// segment on its own, so %2F inside an index name does not split it. It
// returns nil for a path that does not unescape.
func splitPath(p string) []string {
	segs := []string{}
	for _, s := range strings.Split(p, "/") {
		if s == "" {
			continue
		}
		u, err := url.PathUnescape(s)
		if err != nil {
			return nil
		}
		segs = append(segs, u)
	}
	return segs
}

func (c *Cluster) authorized(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	return ok && subtle.ConstantTimeCompare([]byte(user), []byte(c.cfg.user)) == 1 &&
		subtle.ConstantTimeCompare([]byte(pass), []byte(c.cfg.pass)) == 1
}

// unauthorized answers like a secured cluster: ES's security_exception with
// the WWW-Authenticate challenges, or OpenSearch security's plain 401.
func (c *Cluster) unauthorized(r *http.Request) *reply {
	if c.cfg.openSearch {
		return &reply{status: 401, ctype: "text/plain; charset=UTF-8", body: []byte("Unauthorized"),
			header: http.Header{"Www-Authenticate": {`Basic realm="OpenSearch Security"`}}}
	}
	reason := "missing authentication credentials for REST request [" + r.URL.RequestURI() + "]"
	if user, _, ok := r.BasicAuth(); ok {
		reason = "unable to authenticate user [" + user + "] for REST request [" + r.URL.RequestURI() + "]"
	} else if auth := r.Header.Get("Authorization"); auth != "" {
		reason = "unable to authenticate with provided credentials and anonymous access is not allowed for this request"
	}
	challenges := []string{`Basic realm="security", charset="UTF-8"`, `Bearer realm="security"`, "ApiKey"}
	e := &esError{status: 401, typ: "security_exception", reason: reason,
		meta: obj{{"header", obj{{"WWW-Authenticate", challenges}}}}}
	rep := e.reply()
	rep.header = http.Header{"Www-Authenticate": challenges}
	return rep
}

// noHandler is RestController's answer to a path no handler has: the flat
// shape with no status field.
func noHandler(k *call) *reply {
	return jsonReply(400, obj{{"error", "no handler found for uri [" + k.uri + "] and method [" + k.method + "]"}})
}

// wrongMethod is RestController's 405 for a known path.
func wrongMethod(k *call, allowed []string) *reply {
	rep := jsonReply(405, obj{
		{"error", "Incorrect HTTP method for uri [" + k.uri + "] and method [" + k.method + "], allowed: [" + strings.Join(allowed, ", ") + "]"},
		{"status", 405},
	})
	rep.header = http.Header{"Allow": {strings.Join(allowed, ",")}}
	return rep
}
