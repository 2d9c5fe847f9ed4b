package gateway

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/esauth/esauth/internal/pipeline"
	"github.com/esauth/esauth/internal/rest"
	"github.com/esauth/esauth/internal/upstream"
)

// send forwards a request with a body the gateway already holds (nil:
// the request's own, streamed) and returns the cluster's response head.
func (g *Gateway) send(ctx context.Context, c *pipeline.Call, path, rawQuery string, body []byte) (*http.Response, error) {
	req := upstream.NewRequest(c.Request.Request)
	req.Path, req.RawQuery = path, rawQuery
	if body != nil {
		req.Body, req.ContentLength = bytes.NewReader(body), int64(len(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	return g.do(ctx, c, req)
}

// do sends one request to the cluster and records it in the metrics.
func (g *Gateway) do(ctx context.Context, c *pipeline.Call, req *upstream.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := g.opt.Upstream.Do(ctx, req)
	if err != nil {
		e := upstream.Err(err)
		g.opt.Metrics.ObserveUpstreamError(e.Type)
		return nil, e
	}
	g.opt.Metrics.ObserveForward(g.actions[c.Route.Method+" "+c.Route.Path], resp.StatusCode, time.Since(start))
	return resp, nil
}

// stream answers with the cluster's response.
func (g *Gateway) stream(resp *http.Response) *rest.Response {
	return &rest.Response{Send: func(w http.ResponseWriter) int {
		defer resp.Body.Close()
		status, _, err := upstream.Copy(w, resp)
		if err != nil {
			g.opt.Log.Debug("copying the cluster's answer", "err", err)
			if status != 0 {
				// The status is gone: cut the connection, so that the
				// client sees a broken answer, not a short one that
				// looks complete.
				panic(http.ErrAbortHandler)
			}
			return upstreamFailed(w)
		}
		return status
	}}
}

// peekWindow is how far into a response the gateway looks for the id of
// a scroll, point in time or async search, which Elasticsearch writes
// first.
const peekWindow = 64 << 10

// peekID reads the top-level string field of a successful JSON response
// without consuming it: the response still streams whole afterwards. It
// returns "" when the field is not among the first fields of the window.
func peekID(resp *http.Response, field string) string {
	if resp.StatusCode != http.StatusOK {
		return ""
	}
	br := bufio.NewReaderSize(resp.Body, peekWindow)
	resp.Body = struct {
		io.Reader
		io.Closer
	}{br, resp.Body}
	head, _ := br.Peek(peekWindow)
	dec := json.NewDecoder(bytes.NewReader(head))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return ""
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return ""
		}
		if k == field {
			var id string
			if dec.Decode(&id) != nil {
				return ""
			}
			return id
		}
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return ""
		}
	}
	return ""
}

// upstreamFailed answers a cluster response that could not be relayed at
// all (an informational status): a 502.
func upstreamFailed(w http.ResponseWriter) int {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadGateway)
	_, _ = io.WriteString(w, `{"error":{"root_cause":[{"type":"node_disconnected_exception","reason":"the cluster's answer could not be relayed"}],"type":"node_disconnected_exception","reason":"the cluster's answer could not be relayed"},"status":502}`)
	return http.StatusBadGateway
}
