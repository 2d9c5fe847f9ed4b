package upstream

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestCopyContentLength(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/fixed":
			w.Header().Set("Content-Length", "11")
			w.Write([]byte("hello world"))
		case "/head":
			// As Elasticsearch answers HEAD: the GET body's length, no body.
			w.Header().Set("Content-Length", "1234")
		case "/chunked":
			w.Write([]byte("part 1 "))
			w.(http.Flusher).Flush()
			w.Write([]byte("part 2"))
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	t.Cleanup(up.Close)
	c, _ := newClient(t, Config{}, up.URL)
	g := front(t, c)

	for _, tt := range []struct {
		method, path string
		length       int64
		chunked      bool
		body         string
	}{
		{http.MethodGet, "/fixed", 11, false, "hello world"},
		{http.MethodHead, "/head", 1234, false, ""},
		{http.MethodGet, "/chunked", -1, true, "part 1 part 2"},
		{http.MethodGet, "/empty", 0, false, ""},
	} {
		resp, err := send(t, g, tt.method, tt.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || string(b) != tt.body {
			t.Errorf("%s %s: body %q, %v", tt.method, tt.path, b, err)
		}
		chunked := slices.Contains(resp.TransferEncoding, "chunked")
		if resp.ContentLength != tt.length || chunked != tt.chunked {
			t.Errorf("%s %s: length %d chunked %v, want %d %v", tt.method, tt.path, resp.ContentLength, chunked, tt.length, tt.chunked)
		}
	}
}

// A streamed answer reaches the client piece by piece, not when it ends.
func TestCopyFlushesStreamedAnswers(t *testing.T) {
	release := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("first "))
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
		w.Write([]byte("second"))
	}))
	t.Cleanup(func() { up.Close() })
	c, _ := newClient(t, Config{}, up.URL)
	g := front(t, c)
	resp, err := send(t, g, http.MethodGet, "/_cat/indices", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got := make(chan string, 1)
	go func() {
		b := make([]byte, len("first "))
		_, err := io.ReadFull(resp.Body, b)
		if err != nil {
			got <- err.Error()
			return
		}
		got <- string(b)
	}()
	select {
	case s := <-got:
		if s != "first " {
			t.Fatalf("first piece %q", s)
		}
	case <-time.After(waitLimit):
		t.Fatal("the first piece did not arrive before the answer ended")
	}
	close(release)
	if rest, _ := io.ReadAll(resp.Body); string(rest) != "second" {
		t.Errorf("rest %q", rest)
	}
}

func TestCopyTrailers(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Checksum")
		w.Write([]byte("data"))
		w.Header().Set("X-Checksum", "abc")
	}))
	t.Cleanup(up.Close)
	c, _ := newClient(t, Config{}, up.URL)
	g := front(t, c)
	resp, err := send(t, g, http.MethodGet, "/", nil)
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(resp.Body)
	resp.Body.Close()
	if got := resp.Trailer.Get("X-Checksum"); got != "abc" {
		t.Errorf("trailer %q", got)
	}
}

// Copy's header rules, seen before net/http's server adds or drops
// anything of its own.
func TestCopyHeaders(t *testing.T) {
	for _, tt := range []struct {
		name   string
		resp   *http.Response
		length string // "" for none
	}{
		{"declared length", &http.Response{StatusCode: 200, ContentLength: 4,
			Header: http.Header{"Content-Length": {"4"}}, Body: io.NopCloser(strings.NewReader("abcd"))}, "4"},
		{"HEAD keeps the GET length", &http.Response{StatusCode: 200, ContentLength: 1234,
			Header: http.Header{"Content-Length": {"1234"}}, Body: http.NoBody, Request: &http.Request{Method: http.MethodHead}}, "1234"},
		{"chunked", &http.Response{StatusCode: 200, ContentLength: -1, TransferEncoding: []string{"chunked"},
			Header: http.Header{"Transfer-Encoding": {"chunked"}}, Body: io.NopCloser(strings.NewReader("abcd"))}, ""},
		// A transport that leaves the header on a chunked answer (net/http
		// removes it; a hand-written one might not).
		{"stale header on a chunked answer", &http.Response{StatusCode: 200, ContentLength: -1,
			Header: http.Header{"Content-Length": {"999"}}, Body: io.NopCloser(strings.NewReader("abcd"))}, ""},
		{"204 without a length", &http.Response{StatusCode: 204, ContentLength: 0, Header: http.Header{}, Body: http.NoBody}, ""},
	} {
		rec := httptest.NewRecorder()
		rec.Header().Set("X-Set-By-Gateway", "1")
		if _, _, err := Copy(rec, tt.resp); err != nil {
			t.Fatal(err)
		}
		h := rec.Result().Header
		if got := h.Get("Content-Length"); got != tt.length {
			t.Errorf("%s: Content-Length %q, want %q", tt.name, got, tt.length)
		}
		if h.Get("Transfer-Encoding") != "" || h.Get("X-Set-By-Gateway") != "1" || h.Get("X-Elastic-Product") != "Elasticsearch" {
			t.Errorf("%s: headers %v", tt.name, h)
		}
	}
}

type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, errors.New("connection reset by peer")
	}
	k := min(len(p), r.n)
	r.n -= k
	return k, nil
}

func TestCopyReportsTruncation(t *testing.T) {
	rec := httptest.NewRecorder()
	resp := &http.Response{StatusCode: 200, Header: http.Header{}, ContentLength: -1, Body: io.NopCloser(&failingReader{n: 100})}
	status, n, err := Copy(rec, resp)
	if err == nil || status != 200 || n != 100 {
		t.Errorf("Copy: %d, %d, %v", status, n, err)
	}
}

// Copy holds one buffer per response, whatever the answer's size.
func TestCopyStreamsWithBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("moves 50 MB")
	}
	const size = 50 << 20
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := []byte(strings.Repeat("0123456789abcdef", 2048)) // 32 KiB
		for sent := 0; sent < size; sent += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	t.Cleanup(up.Close)
	c, _ := newClient(t, Config{}, up.URL)
	g := front(t, c)

	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()

	start := time.Now()
	resp, err := send(t, g, http.MethodGet, "/big/_search", nil)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	close(stop)
	<-sampled
	if err != nil || n != size {
		t.Fatalf("copied %d bytes, %v", n, err)
	}
	if !slices.Contains(resp.TransferEncoding, "chunked") {
		t.Errorf("not chunked: %v", resp.TransferEncoding)
	}
	growth := int64(peak.Load()) - int64(base.HeapAlloc)
	t.Logf("50 MB in %v, heap growth at peak %s", time.Since(start).Round(time.Millisecond), strconv.FormatInt(growth>>10, 10)+" KiB")
	if growth > 4<<20 {
		t.Errorf("heap grew by %d KiB while streaming 50 MB", growth>>10)
	}
}
