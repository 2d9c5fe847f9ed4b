package upstream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"

	"github.com/esauth/esauth/internal/eserr"
)

// failureKind says how far an attempt got, which decides whether it may
// be retried elsewhere and which status the client gets.
type failureKind int

const (
	connectFailed   failureKind = iota // refused, unreachable, DNS, TLS: nothing sent
	connectTimeout                     // no connection within ConnectTimeout: nothing sent
	disconnected                       // connected, then lost before a response head
	responseTimeout                    // no response head within ResponseTimeout
)

func (k failureKind) connect() bool { return k == connectFailed || k == connectTimeout }

var errResponseTimeout = errors.New("upstream: response time-out")

// nodeError is one failed attempt on one node.
type nodeError struct {
	addr  string
	kind  failureKind
	after time.Duration // the time-out that expired, for the time-out kinds
	err   error
}

func (e *nodeError) Error() string { return "[" + e.addr + "] " + e.reason() }
func (e *nodeError) Unwrap() error { return e.err }

// reason describes the failure for clients and logs. It is built from the
// error's kind and parts, never the whole text of an error from net/http,
// which can quote a URL.
func (e *nodeError) reason() string {
	switch e.kind {
	case connectTimeout:
		return fmt.Sprintf("connect timed out after [%s]", e.after)
	case responseTimeout:
		return fmt.Sprintf("no response within [%s]", e.after)
	case connectFailed:
		return "cannot connect: " + describe(e.err)
	}
	return "connection lost before the response: " + describe(e.err)
}

// describe names the cause of a network error in a few words.
func describe(err error) string {
	var ce *connectError
	if errors.As(err, &ce) && ce.tls {
		// crypto/tls and crypto/x509 messages name certificates and
		// hosts, which is what an operator needs to fix verification.
		return "TLS handshake failed: " + ce.err.Error()
	}
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset by peer"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the node closed the connection"
	case errors.As(err, &dnsErr):
		return "cannot resolve [" + dnsErr.Name + "]: " + dnsErr.Err
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Err != nil {
		return opErr.Err.Error()
	}
	msg := err.Error()
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	return msg
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// classify turns a round-trip error into a nodeError.
func classify(addr string, connTimeout time.Duration, err error) *nodeError {
	var ce *connectError
	if errors.As(err, &ce) {
		if isTimeout(ce.err) {
			return &nodeError{addr: addr, kind: connectTimeout, after: connTimeout, err: err}
		}
		return &nodeError{addr: addr, kind: connectFailed, err: err}
	}
	return &nodeError{addr: addr, kind: disconnected, err: err}
}

// failure is Do's error: every attempt, in order.
type failure struct{ attempts []*nodeError }

func (f *failure) Error() string {
	parts := make([]string, len(f.attempts))
	for i, a := range f.attempts {
		parts[i] = a.Error()
	}
	return "the cluster did not answer: " + strings.Join(parts, "; ")
}

// statusError is an unexpected status from a request esauth makes for
// itself (the metadata fetch).
type statusError struct {
	what    string
	status  int
	excerpt string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("the cluster answered [%d] to [%s]: %s", e.status, e.what, e.excerpt)
}

// Statuses of a cluster that could not be reached. All three are in the
// official clients' default retry list (Go: RetryOnStatus 502, 503, 504;
// JS: the same, and the node is marked dead), so a client with other
// gateways or nodes tries those; none is used for a request that reached
// the cluster and was refused, which must not be retried.
const (
	statusUnreachable = http.StatusServiceUnavailable // no connection: the cluster is unavailable
	statusBroken      = http.StatusBadGateway         // connected, but no valid answer
	statusTimeout     = http.StatusGatewayTimeout
	// statusClientGone is nginx's "client closed request": nobody reads
	// it, but it tells a cancelled request apart in logs and audit.
	statusClientGone = 499
)

// Err turns an error from Do, Copy or ResolveIndexAll into Elasticsearch's
// error shape. The exception types are Elasticsearch's own for the same
// events between its nodes; the reason names each node tried (host:port)
// and what went wrong, but no URL, path or credential.
func Err(err error) *eserr.Error {
	if err == nil {
		return nil
	}
	var ee *eserr.Error
	if errors.As(err, &ee) {
		return ee
	}
	var f *failure
	if errors.As(err, &f) && len(f.attempts) > 0 {
		last := f.attempts[len(f.attempts)-1]
		e := &eserr.Error{Reason: f.Error()}
		switch last.kind {
		case connectFailed:
			e.Type, e.Status = "connect_transport_exception", statusUnreachable
		case connectTimeout:
			e.Type, e.Status = "connect_transport_exception", statusTimeout
		case disconnected:
			e.Type, e.Status = "node_disconnected_exception", statusBroken
		case responseTimeout:
			e.Type, e.Status = "receive_timeout_transport_exception", statusTimeout
		}
		return e
	}
	if errors.As(err, &f) {
		return &eserr.Error{Type: "connect_transport_exception", Status: statusUnreachable,
			Reason: "the cluster did not answer: no node could be tried"}
	}
	var se *statusError
	if errors.As(err, &se) {
		return &eserr.Error{Type: "status_exception", Status: statusBroken, Reason: se.Error()}
	}
	switch {
	case errors.Is(err, context.Canceled):
		return &eserr.Error{Type: "task_cancelled_exception", Status: statusClientGone, Reason: "the client cancelled the request"}
	case errors.Is(err, context.DeadlineExceeded):
		return &eserr.Error{Type: "timeout_exception", Status: statusTimeout, Reason: "the request timed out before the cluster answered"}
	}
	// An error from reading or writing a body mid-copy: its text comes
	// from the network stack and names no credential, but the status line
	// has usually been sent already, so this only reaches logs.
	return &eserr.Error{Type: "node_disconnected_exception", Status: statusBroken,
		Reason: "the exchange with the cluster failed: " + describe(err)}
}
