package upstream

import (
	"context"
	"crypto/tls"
	"net"
	"time"
)

// dialer opens connections to nodes. It does TLS itself rather than
// leaving it to net/http, so that the TCP connect and the handshake share
// one connect time-out and any failure of either is a *connectError:
// nothing of the request was sent, and another node can take it.
type dialer struct {
	net     net.Dialer
	timeout time.Duration
	tls     *tls.Config
}

// connectError is a failure to open a usable connection to a node.
type connectError struct {
	addr string
	tls  bool // the TCP connect worked, the handshake did not
	err  error
}

func (e *connectError) Error() string {
	if e.tls {
		return "TLS handshake with " + e.addr + " failed: " + e.err.Error()
	}
	return e.err.Error()
}

func (e *connectError) Unwrap() error { return e.err }

func (d *dialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	conn, err := d.net.DialContext(ctx, network, addr)
	if err != nil {
		return nil, &connectError{addr: addr, err: err}
	}
	return conn, nil
}

func (d *dialer) dialTLS(ctx context.Context, network, addr string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	raw, err := d.net.DialContext(ctx, network, addr)
	if err != nil {
		return nil, &connectError{addr: addr, err: err}
	}
	cfg := d.tls.Clone()
	if cfg.ServerName == "" {
		// net/http sets this from the URL when it does the handshake; here
		// it is ours to set, or the certificate's names go unchecked
		// against the node's.
		host, _, _ := net.SplitHostPort(addr)
		cfg.ServerName = host
	}
	// Elasticsearch's REST layer speaks HTTP/1.1 only; say so in ALPN
	// rather than let a TLS-terminating proxy in front pick h2.
	cfg.NextProtos = []string{"http/1.1"}
	conn := tls.Client(raw, cfg)
	if err := conn.HandshakeContext(ctx); err != nil {
		raw.Close()
		return nil, &connectError{addr: addr, tls: true, err: err}
	}
	return conn, nil
}
