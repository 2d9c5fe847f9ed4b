package main

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// The raw client reads every framing net/http's server writes, keeps its
// connection when it may and opens another when it must.
func TestRawConnFraming(t *testing.T) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Test") != "yes" {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		switch r.URL.Path {
		case "/length":
			_, _ = w.Write([]byte(strings.Repeat("x", 300)))
		case "/chunked":
			for range 3 {
				_, _ = w.Write([]byte(strings.Repeat("y", 5000)))
				w.(http.Flusher).Flush()
			}
		case "/close":
			w.Header().Set("Connection", "close")
			_, _ = w.Write([]byte("bye"))
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c := &rawConn{addr: strings.TrimPrefix(srv.URL, "http://")}
	defer c.close()
	send := func(path string, headers ...string) error {
		target, err := parseTarget(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		return c.get(context.Background(), target.request(headers))
	}
	for _, path := range []string{"/length", "/chunked", "/length", "/chunked?a=b"} {
		if err := send(path, "X-Test: yes"); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections for four keep-alive requests", n)
	}
	if err := send("/close", "X-Test: yes"); err != nil {
		t.Fatal(err)
	}
	if err := send("/length", "X-Test: yes"); err != nil {
		t.Fatal(err)
	}
	if n := conns.Load(); n != 2 {
		t.Errorf("%d connections, want a second after Connection: close", n)
	}
	if err := send("/length"); err == nil || err.Error() != "status 403" {
		t.Errorf("a 403 gave %v", err)
	}
	if err := send("/empty", "X-Test: yes"); err == nil || err.Error() != "status 204" {
		t.Errorf("a 204 gave %v", err)
	}
	if err := send("/length", "X-Test: yes"); err != nil {
		t.Errorf("after a 204: %v", err)
	}
}

// A server that closes an idle connection: the next request goes on a
// new one, once.
func TestRawConnReconnects(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			// One answer per connection, then close without saying so.
			br := bufio.NewReader(conn)
			for {
				line, err := br.ReadString('\n')
				if err != nil || line == "\r\n" {
					break
				}
			}
			_, _ = conn.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
			conn.Close()
		}
	}()
	c := &rawConn{addr: ln.Addr().String()}
	defer c.close()
	target, _ := parseTarget("http://" + ln.Addr().String() + "/")
	for i := range 3 {
		if err := c.get(context.Background(), target.request(nil)); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if _, err := parseTarget("https://example.com/"); err == nil {
		t.Error("an https URL parsed")
	}
}
