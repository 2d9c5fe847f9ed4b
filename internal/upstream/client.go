package upstream

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/esauth/esauth/internal/eserr"
)

// Defaults for a Config left at zero. They match the esauth.gateway.*
// defaults, so a Client built by hand in a test behaves like a configured one.
const (
	DefaultConnectTimeout = 5 * time.Second
	DefaultDeadBackoff    = 60 * time.Second
)

// maxBackoffDoublings caps the dead-node backoff at DeadBackoff×2^5 (32 min
// for the 60 s default), the cut-off both official transports use
// (defaultResurrectTimeoutFactorCutoff in elastic-transport-go,
// resurrectTimeoutCutoff in elastic-transport-js).
const maxBackoffDoublings = 5

// Connection pool sizing. A gateway multiplexes many clients onto few
// nodes, so idle connections per node are many; the idle time-out stays
// under the 60 s idle limit common to load balancers, so the pool rarely
// hands out a connection something in between has already dropped.
const (
	maxIdlePerNode = 256
	idleTimeout    = 50 * time.Second
	tcpKeepAlive   = 30 * time.Second
	ioBufferSize   = 64 << 10 // bulk bodies are large: fewer syscalls
)

// Config describes the cluster and how to reach it.
type Config struct {
	// URLs are the nodes: http or https, host, port and an optional path
	// prefix; no userinfo (credentials go in Auth).
	URLs []*url.URL
	// Auth is the complete Authorization value sent with every request
	// ("Basic …", "ApiKey …"), or "" for none.
	Auth string
	// TLS is used for https nodes; nil means the system roots with full
	// verification.
	TLS *tls.Config
	// ConnectTimeout bounds TCP connect plus TLS handshake (0: default).
	ConnectTimeout time.Duration
	// ResponseTimeout bounds the time from sending to the response head;
	// the body may take longer. 0 means no limit.
	ResponseTimeout time.Duration
	// DeadBackoff is how long a node that failed to connect is skipped
	// (0: default); each further failure in a row doubles it, up to 32×.
	DeadBackoff time.Duration
	// MetadataTTL is how long ResolveIndexAll reuses a fetch; 0 reuses
	// nothing but still shares a fetch among concurrent callers.
	MetadataTTL time.Duration
}

// roundTripper is what Client needs from an HTTP/1.1 transport, so that
// net/http's can later give way to a hand-written one. An implementation
// must report a failure to connect (TCP or TLS) as an error wrapping
// *connectError: that is how Do knows nothing of the request was sent.
type roundTripper interface {
	RoundTrip(*http.Request) (*http.Response, error)
	CloseIdleConnections()
}

// Client sends requests to the cluster. It is safe for concurrent use.
type Client struct {
	cfg   Config
	log   *slog.Logger
	rt    roundTripper
	nodes []*node
	next  atomic.Uint64 // round-robin position
	// now is the clock for dead-node bookkeeping and metadata ages;
	// tests replace it.
	now  func() time.Time
	meta metaCache
}

// node is one cluster URL and its health.
type node struct {
	scheme, host string
	prefix       string // escaped path prefix without trailing slash
	addr         string // host:port, for messages and logs
	// deadUntil is 0 while the node is healthy, else the UnixNano time
	// until which it is skipped; atomic so the common case takes no lock.
	deadUntil atomic.Int64
	mu        sync.Mutex
	failures  int       // connect failures in a row
	lastFail  time.Time // when the node last failed, for picking among dead nodes
}

// Request is one request to forward.
type Request struct {
	Method string // "" is GET
	// Path is escaped, as url.URL.EscapedPath returns it, and is joined
	// to the node's path prefix.
	Path     string
	RawQuery string
	// Header is not modified; Do sends a cleaned copy.
	Header http.Header
	// Body is read at most once per attempt and never closed by Do.
	Body io.Reader
	// ContentLength is the body's length, -1 if unknown; 0 with a nil
	// Body is no body.
	ContentLength int64
	// GetBody returns a fresh copy of the body, which lets Do retry a
	// request whose body was already (partly) sent. nil: not replayable.
	GetBody func() (io.ReadCloser, error)
}

// NewRequest forwards an incoming request as it came: escaped path, query,
// headers and body. The body of a server request cannot be replayed, so
// Do retries it only when no byte of it was sent.
func NewRequest(r *http.Request) *Request {
	out := &Request{Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery,
		Header: r.Header, Body: r.Body, ContentLength: r.ContentLength}
	if r.ContentLength == 0 || r.Body == http.NoBody {
		out.Body, out.ContentLength = nil, 0
	}
	return out
}

// New checks cfg and builds a client with its own connection pool.
func New(cfg Config, log *slog.Logger) (*Client, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if len(cfg.URLs) == 0 {
		return nil, errors.New("upstream: no cluster URL")
	}
	if cfg.ConnectTimeout < 0 || cfg.ResponseTimeout < 0 || cfg.DeadBackoff < 0 || cfg.MetadataTTL < 0 {
		return nil, errors.New("upstream: negative time-out")
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	if cfg.DeadBackoff == 0 {
		cfg.DeadBackoff = DefaultDeadBackoff
	}
	c := &Client{cfg: cfg, log: log, now: time.Now}
	for _, u := range cfg.URLs {
		n, err := newNode(u)
		if err != nil {
			return nil, err
		}
		c.nodes = append(c.nodes, n)
	}
	c.rt = newTransport(cfg)
	return c, nil
}

func newNode(u *url.URL) (*node, error) {
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("upstream: [%s] is not an http or https URL", u.Redacted())
	}
	// net/http would turn userinfo into Basic credentials of its own,
	// beside or instead of the configured ones.
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Host == "" {
		return nil, fmt.Errorf("upstream: [%s] must be scheme://host[:port][/prefix]", u.Redacted())
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return &node{scheme: u.Scheme, host: u.Host, prefix: strings.TrimRight(u.EscapedPath(), "/"),
		addr: net.JoinHostPort(u.Hostname(), port)}, nil
}

// newTransport is net/http's transport set up for a gateway: HTTP/1.1
// only (the REST layer of Elasticsearch speaks nothing else), no proxy
// from the environment (credentials must not take a detour the operator
// did not configure), and no transparent compression, so the gateway
// sees and forwards exactly what the cluster sends.
func newTransport(cfg Config) *http.Transport {
	tlsCfg := cfg.TLS
	if tlsCfg == nil {
		tlsCfg = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	d := &dialer{net: net.Dialer{Timeout: cfg.ConnectTimeout, KeepAlive: tcpKeepAlive},
		timeout: cfg.ConnectTimeout, tls: tlsCfg}
	protocols := new(http.Protocols)
	protocols.SetHTTP1(true)
	return &http.Transport{
		DialContext:         d.dial,
		DialTLSContext:      d.dialTLS,
		MaxIdleConnsPerHost: maxIdlePerNode,
		IdleConnTimeout:     idleTimeout,
		DisableCompression:  true,
		WriteBufferSize:     ioBufferSize,
		ReadBufferSize:      ioBufferSize,
		Protocols:           protocols,
	}
}

// Close releases idle connections. In-flight requests are not affected.
func (c *Client) Close() {
	c.rt.CloseIdleConnections()
}

// Do sends r to a live node, chosen round-robin, and returns the response
// head; the caller must close the body (Copy does). The Authorization sent
// is the configured one, never the caller's.
//
// A node that fails to connect is marked dead for DeadBackoff, doubling on
// each failure in a row up to 32×, as the official clients do; the
// request then moves on to the next node. After a failure past the
// connect, only GET, HEAD and OPTIONS are retried, and only when the body
// can be sent again: the node may already be acting on the request, and
// replaying a write could apply it twice. A response time-out is never
// retried: the node is slow, not dead, and a second node would only get
// the same load. When every node is dead, the one that failed least
// recently is tried anyway: refusing outright would keep a recovered
// cluster unused until a backoff ends.
//
// Errors are for Err. Context cancellation cancels the upstream request.
func (c *Client) Do(ctx context.Context, r *Request) (*http.Response, error) {
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	if !strings.HasPrefix(r.Path, "/") {
		return nil, eserr.IllegalArgument("upstream path [%s] does not start with [/]", r.Path)
	}
	if _, err := url.PathUnescape(r.Path); err != nil {
		return nil, eserr.IllegalArgument("upstream path [%s] is not properly escaped", r.Path)
	}
	header := outgoingHeader(r.Header, c.cfg.Auth)

	var body io.Reader = r.Body
	contentLength := r.ContentLength
	if body == nil {
		contentLength = 0
	}
	var owned io.ReadCloser // a replay from GetBody, ours to close
	var fails []*nodeError
	tried := make([]bool, len(c.nodes))
	forced := false
	for {
		i := c.pick(tried, &forced)
		if i < 0 {
			break
		}
		tried[i] = true
		n := c.nodes[i]
		var guard *onceBody
		reqBody := io.ReadCloser(http.NoBody)
		if body != nil {
			guard = &onceBody{r: body, owned: owned}
			reqBody = guard
		}
		resp, err := c.attempt(ctx, n, method, r, header, reqBody, contentLength)
		if err == nil {
			c.markAlive(n)
			return resp, nil
		}
		started := guard != nil && guard.detach()
		if ctx.Err() != nil {
			// The caller gave up; its error says so better than the
			// node's.
			return nil, ctx.Err()
		}
		var ne *nodeError
		if !errors.As(err, &ne) {
			return nil, err
		}
		fails = append(fails, ne)
		if ne.kind.connect() {
			c.markDead(n, ne)
		}
		retry := ne.kind.connect() || idempotent(method) && ne.kind != responseTimeout
		if !retry {
			break
		}
		// A replay is closed by the transport after each attempt, so it
		// is never reused; the caller's own body is, when untouched.
		if started || owned != nil {
			if r.GetBody == nil {
				break
			}
			rc, err := r.GetBody()
			if err != nil {
				break
			}
			body, owned = rc, rc
		}
	}
	return nil, &failure{attempts: fails}
}

// attempt sends one request to n. The response time-out is a timer that
// cancels the request's context, so it covers connecting and sending too;
// it stops when the head arrives, and the context then lives on with the
// body until the body is closed.
func (c *Client) attempt(ctx context.Context, n *node, method string, r *Request, h http.Header, body io.ReadCloser, contentLength int64) (*http.Response, error) {
	actx, cancel := context.WithCancelCause(ctx)
	var timer *time.Timer
	if d := c.cfg.ResponseTimeout; d > 0 {
		timer = time.AfterFunc(d, func() { cancel(errResponseTimeout) })
	}
	u := &url.URL{Scheme: n.scheme, Host: n.host, RawQuery: r.RawQuery}
	u.RawPath = n.prefix + r.Path
	u.Path, _ = url.PathUnescape(u.RawPath) // checked by Do
	req := (&http.Request{Method: method, URL: u, Header: h, Body: body, ContentLength: contentLength,
		GetBody: r.GetBody, Host: n.host}).WithContext(actx)
	resp, err := c.rt.RoundTrip(req)
	if timer != nil && !timer.Stop() {
		// The timer fired, whatever RoundTrip made of the cancellation.
		if err == nil {
			resp.Body.Close()
		}
		cancel(nil)
		return nil, &nodeError{addr: n.addr, kind: responseTimeout, after: c.cfg.ResponseTimeout, err: errResponseTimeout}
	}
	if err != nil {
		cancel(nil)
		return nil, classify(n.addr, c.cfg.ConnectTimeout, err)
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// cancelOnClose ends the attempt's context with its body, so the timer's
// context does not outlive the request.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelCauseFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel(nil)
	return err
}

// onceBody lends the caller's body to one attempt. After detach no further
// read reaches the caller's reader, even from a transport goroutine still
// running; detach reports whether any read had begun, that is, whether the
// body can still be handed, untouched, to the next attempt.
type onceBody struct {
	r        io.Reader
	owned    io.Closer // non-nil for a replay from GetBody
	mu       sync.Mutex
	started  bool
	detached bool
}

var errDetached = errors.New("upstream: request body taken back after a failed attempt")

func (b *onceBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	if b.detached {
		b.mu.Unlock()
		return 0, errDetached
	}
	b.started = true
	b.mu.Unlock()
	return b.r.Read(p)
}

// Close closes a replay but not the caller's body, which belongs to the
// caller and may still serve the next attempt.
func (b *onceBody) Close() error {
	if b.owned != nil {
		return b.owned.Close()
	}
	return nil
}

func (b *onceBody) detach() (started bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.detached = true
	return b.started
}

// idempotent lists the methods retried after a failure past the connect.
// PUT and DELETE are idempotent in HTTP but not in Elasticsearch: a
// replayed index or delete bumps the version, and op_type=create answers
// 409 to its own first success.
func idempotent(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}

// pick returns the index of the next node to try, or -1. Healthy nodes and
// nodes whose backoff is over come first, round-robin; when none is left,
// one dead node is tried, the one that failed least recently.
func (c *Client) pick(tried []bool, forced *bool) int {
	now := c.now().UnixNano()
	count := uint64(len(c.nodes))
	start := c.next.Add(1) - 1
	for k := range count {
		i := int((start + k) % count)
		if d := c.nodes[i].deadUntil.Load(); !tried[i] && (d == 0 || now >= d) {
			return i
		}
	}
	if *forced {
		return -1
	}
	best := -1
	var bestFail time.Time
	for i, n := range c.nodes {
		if tried[i] {
			continue
		}
		n.mu.Lock()
		f := n.lastFail
		n.mu.Unlock()
		if best < 0 || f.Before(bestFail) {
			best, bestFail = i, f
		}
	}
	*forced = best >= 0
	return best
}

// markDead records a connect failure. Failures while the node is already
// dead (concurrent requests, or the try of a dead node) do not extend the
// backoff: one outage would otherwise reach the cap within a second.
func (c *Client) markDead(n *node, ne *nodeError) {
	now := c.now()
	n.mu.Lock()
	defer n.mu.Unlock()
	n.lastFail = now
	if d := n.deadUntil.Load(); d != 0 && now.UnixNano() < d {
		return
	}
	n.failures++
	backoff := c.cfg.DeadBackoff << min(n.failures-1, maxBackoffDoublings)
	n.deadUntil.Store(now.Add(backoff).UnixNano())
	c.log.Warn("cluster node failed to connect; skipping it", "node", n.addr, "error", ne.reason(),
		"failures_in_a_row", n.failures, "retry_in", backoff.String())
}

// markAlive clears a node's failures once it answers.
func (c *Client) markAlive(n *node) {
	if n.deadUntil.Load() == 0 {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.deadUntil.Load() == 0 {
		return
	}
	n.deadUntil.Store(0)
	n.failures = 0
	c.log.Info("cluster node answers again", "node", n.addr)
}
