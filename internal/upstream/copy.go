package upstream

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
)

// hopHeaders are the connection-specific headers of RFC 9110 §7.6.1 (and
// the older Proxy-Connection and Keep-Alive): they describe one hop and
// must not be forwarded, in either direction. Headers named in Connection
// are hop-by-hop too.
var hopHeaders = []string{
	"Connection",
	"Proxy-Connection",
	"Keep-Alive",
	"Proxy-Authenticate",
	"Proxy-Authorization",
	"Te",
	"Trailer",
	"Transfer-Encoding",
	"Upgrade",
}

// credentialHeaders identify the caller to a secured cluster. The gateway
// authenticates callers itself, and the cluster must only ever see the
// gateway's own credentials: a forwarded es-security-runas-user or
// es-secondary-authorization would let a caller act as someone else on a
// cluster that honours them.
var credentialHeaders = []string{
	"Authorization",
	"Es-Security-Runas-User",
	"Es-Secondary-Authorization",
}

// removeHopHeaders deletes the hop-by-hop headers from h, including those
// listed in its Connection header.
func removeHopHeaders(h http.Header) {
	for _, v := range h.Values("Connection") {
		for name := range strings.SplitSeq(v, ",") {
			if name = textproto.TrimString(name); name != "" {
				h.Del(name)
			}
		}
	}
	for _, name := range hopHeaders {
		h.Del(name)
	}
}

// outgoingHeader is the header set sent to the cluster: the caller's,
// less hop-by-hop and credential headers, plus the configured credentials.
func outgoingHeader(in http.Header, auth string) http.Header {
	h := in.Clone()
	if h == nil {
		h = http.Header{}
	}
	removeHopHeaders(h)
	for _, name := range credentialHeaders {
		h.Del(name)
	}
	// Expect: 100-continue belongs to the client's hop, which net/http's
	// server has already answered.
	h.Del("Expect")
	if auth != "" {
		h.Set("Authorization", auth)
	}
	if _, ok := h["User-Agent"]; !ok {
		// An empty value keeps net/http from adding its own, so the cluster
		// sees the caller's request as it was.
		h["User-Agent"] = []string{""}
	}
	return h
}

// copyBufferSize is the size of the buffers Copy reuses: the memory one
// response in flight costs, whatever its length.
const copyBufferSize = 32 << 10

var copyBuffers = sync.Pool{New: func() any {
	b := make([]byte, copyBufferSize)
	return &b
}}

// productHeader is added to answers without one: the official v8/v9
// clients reject a 2xx answer that lacks it, and OpenSearch, unlike
// Elasticsearch, does not send it.
const productHeader = "X-Elastic-Product"

// Copy writes the cluster's response to w and closes its body: the status,
// the headers minus hop-by-hop ones, X-Elastic-Product when the cluster
// sent none, and the body through one reused buffer. An answer of unknown
// length is flushed after every read, so a streamed answer reaches the
// client as it is produced.
//
// It returns the status and the body bytes written. An error after the
// status was sent leaves a truncated response; the caller should then
// abort the connection (panic(http.ErrAbortHandler)), or a chunked
// response would end cleanly and look complete.
func Copy(w http.ResponseWriter, resp *http.Response) (int, int64, error) {
	defer resp.Body.Close()
	if resp.StatusCode < 200 {
		// net/http consumes 1xx answers itself; a 101 would mean the node
		// switched protocols, which Elasticsearch never does.
		return 0, 0, &statusError{what: "the forwarded request", status: resp.StatusCode, excerpt: "unexpected informational status"}
	}
	// Cleaned on a copy, so that a header the gateway set itself is safe
	// from the cluster's Connection list.
	from := resp.Header.Clone()
	removeHopHeaders(from)
	// The length is whatever net/http read off the wire: the declared
	// length for a fixed-length body (and for HEAD, the length a GET would
	// have), none for a chunked one.
	from.Del("Content-Length")
	h := w.Header()
	for name, values := range from {
		h[name] = values
	}
	if _, declared := resp.Header["Content-Length"]; declared && resp.ContentLength >= 0 {
		h.Set("Content-Length", strconv.FormatInt(resp.ContentLength, 10))
	}
	if len(resp.Header.Values(productHeader)) == 0 {
		h.Set(productHeader, "Elasticsearch")
	}
	w.WriteHeader(resp.StatusCode)

	streaming := resp.ContentLength < 0
	rc := http.NewResponseController(w)
	bp := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(bp)
	buf := *bp
	var written int64
	for {
		nr, rerr := resp.Body.Read(buf)
		if nr > 0 {
			nw, werr := w.Write(buf[:nr])
			written += int64(nw)
			if werr == nil && nw < nr {
				werr = io.ErrShortWrite
			}
			if werr != nil {
				return resp.StatusCode, written, fmt.Errorf("writing the response: %w", werr)
			}
			if streaming {
				if err := rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
					return resp.StatusCode, written, fmt.Errorf("flushing the response: %w", err)
				}
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return resp.StatusCode, written, fmt.Errorf("reading the cluster's response: %w", rerr)
		}
	}
	// Trailers are rare from Elasticsearch, but a chunked answer may carry
	// them; net/http sends prefixed keys as trailers without announcement.
	for name, values := range resp.Trailer {
		h[http.TrailerPrefix+name] = append([]string(nil), values...)
	}
	return resp.StatusCode, written, nil
}
