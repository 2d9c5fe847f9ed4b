package upstream

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

const (
	// metadataPath and metadataQuery ask for every index, alias and data
	// stream, hidden and closed ones included: the gateway needs them all
	// to expand wildcards the way Elasticsearch would.
	metadataPath  = "/_resolve/index/*"
	metadataQuery = "expand_wildcards=all"
	// maxMetadataBytes bounds the answer held in memory. 100 000 indices
	// take some 15 MB; a larger answer means something is wrong upstream.
	maxMetadataBytes = 256 << 20
	// minMetadataFetchTime is the least time a fetch (head and body) gets.
	// Every waiting caller shares the fetch, so it must end even when
	// ResponseTimeout is unlimited.
	minMetadataFetchTime = 30 * time.Second
)

// metaCache holds the last metadata fetched and the fetch under way.
type metaCache struct {
	mu      sync.Mutex
	have    bool
	body    []byte
	at      time.Time // when the fetch that produced body started
	seq     uint64    // number of the fetch that produced body
	started uint64    // fetches started so far
	flight  *flight
	waiters int // callers waiting on a flight; tests watch it
}

// flight is one fetch; done is closed once body and err are set.
type flight struct {
	seq   uint64
	start time.Time
	done  chan struct{}
	body  []byte
	err   error
}

// ResolveIndexAll returns the raw body of
// GET /_resolve/index/*?expand_wildcards=all and the time its fetch
// started (the metadata is at least that recent). The body is shared:
// callers must not modify it.
//
// A fetch younger than MetadataTTL is reused. fresh=true asks for a fetch
// that started after the call, for when a name is missing and may have
// just been created. Concurrent callers share one fetch; it runs detached
// from their contexts, so a caller that gives up does not fail the others,
// and its result is cached for later callers. Failures are not cached.
func (c *Client) ResolveIndexAll(ctx context.Context, fresh bool) ([]byte, time.Time, error) {
	m := &c.meta
	m.mu.Lock()
	// need is the first fetch whose result this call accepts.
	var need uint64
	if fresh {
		need = m.started + 1
	}
	for {
		if m.have && m.seq >= need && (fresh || c.now().Sub(m.at) < c.cfg.MetadataTTL) {
			body, at := m.body, m.at
			m.mu.Unlock()
			return body, at, nil
		}
		f := m.flight
		if f == nil {
			m.started++
			f = &flight{seq: m.started, start: c.now(), done: make(chan struct{})}
			m.flight = f
			go c.fetchMetadata(f)
		}
		m.waiters++
		m.mu.Unlock()
		select {
		case <-f.done:
		case <-ctx.Done():
			m.mu.Lock()
			m.waiters--
			m.mu.Unlock()
			return nil, time.Time{}, ctx.Err()
		}
		m.mu.Lock()
		m.waiters--
		if f.seq >= need {
			m.mu.Unlock()
			return f.body, f.start, f.err
		}
		// That fetch began before a fresh call: start or join a later one.
	}
}

func (c *Client) fetchMetadata(f *flight) {
	ctx, cancel := context.WithTimeout(context.Background(), max(c.cfg.ResponseTimeout, minMetadataFetchTime))
	defer cancel()
	body, err := c.getMetadata(ctx)
	m := &c.meta
	m.mu.Lock()
	f.body, f.err = body, err
	if err == nil && f.seq > m.seq {
		m.have, m.body, m.at, m.seq = true, body, f.start, f.seq
	}
	if m.flight == f {
		m.flight = nil
	}
	m.mu.Unlock()
	close(f.done)
}

func (c *Client) getMetadata(ctx context.Context) ([]byte, error) {
	resp, err := c.Do(ctx, &Request{Method: http.MethodGet, Path: metadataPath, RawQuery: metadataQuery,
		Header: http.Header{"Accept": {"application/json"}}})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxMetadataBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading the index metadata: %w", err)
	}
	const what = "GET " + metadataPath + "?" + metadataQuery
	if resp.StatusCode != http.StatusOK {
		excerpt := string(body[:min(len(body), 300)])
		return nil, &statusError{what: what, status: resp.StatusCode, excerpt: excerpt}
	}
	if enc := resp.Header.Get("Content-Encoding"); enc != "" && enc != "identity" {
		// Not asked for (no Accept-Encoding is sent), and not JSON.
		return nil, &statusError{what: what, status: resp.StatusCode, excerpt: "unexpected Content-Encoding [" + enc + "]"}
	}
	if len(body) > maxMetadataBytes {
		return nil, &statusError{what: what, status: resp.StatusCode, excerpt: fmt.Sprintf("the answer exceeds %d bytes", maxMetadataBytes)}
	}
	return body, nil
}
