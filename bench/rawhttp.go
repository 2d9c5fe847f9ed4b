package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// rawConn is one keep-alive HTTP/1.1 connection that sends GETs and reads
// their answers with little more than the syscalls, as wrk does: the
// paced load's client. net/http's client costs several goroutine switches
// and allocations a request, which at tens of thousands of requests per
// second took a core from the servers measured and made the generator
// late. It knows what the harness's servers answer: a status line,
// headers, and a body framed by Content-Length, chunks or the end of the
// connection.
type rawConn struct {
	addr    string
	local   net.IP // the address to connect from, when set
	timeout time.Duration
	c       net.Conn
	br      *bufio.Reader
}

// rawTarget is where a URL's GETs go and how their request begins.
type rawTarget struct {
	addr string // host:port
	head string // "GET path HTTP/1.1\r\nHost: host\r\n"
}

func parseTarget(rawURL string) (rawTarget, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return rawTarget{}, err
	}
	if u.Scheme != "http" || u.Host == "" {
		return rawTarget{}, fmt.Errorf("%s: only http://host:port/ URLs", rawURL)
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "80")
	}
	return rawTarget{addr: addr, head: "GET " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host + "\r\n"}, nil
}

// request is the bytes of a GET to t with headers ("Name: value").
func (t rawTarget) request(headers []string) []byte {
	var b bytes.Buffer
	b.WriteString(t.head)
	for _, h := range headers {
		name, value, _ := strings.Cut(h, ":")
		b.WriteString(name + ": " + strings.TrimSpace(value) + "\r\n")
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

// get sends req and reads the answer, which must be a 200. A connection
// the server closed while idle is opened again and the request resent
// once, as net/http does for a GET.
func (c *rawConn) get(ctx context.Context, req []byte) error {
	for attempt := 0; ; attempt++ {
		reused := c.c != nil
		if !reused {
			d := net.Dialer{Timeout: c.timeout}
			if c.local != nil {
				d.LocalAddr = &net.TCPAddr{IP: c.local}
			}
			conn, err := d.DialContext(ctx, "tcp", c.addr)
			if err != nil {
				return err
			}
			c.c, c.br = conn, bufio.NewReaderSize(conn, 16<<10)
		}
		if c.timeout > 0 {
			_ = c.c.SetDeadline(time.Now().Add(c.timeout))
		}
		status, keep, started, err := c.exchange(req)
		if err != nil || !keep {
			c.close()
		}
		if err != nil && reused && !started && attempt == 0 && ctx.Err() == nil {
			continue // closed while idle: nothing of an answer came
		}
		if err == nil && status != 200 {
			err = fmt.Errorf("status %d", status)
		}
		return err
	}
}

func (c *rawConn) close() {
	if c.c != nil {
		c.c.Close()
		c.c, c.br = nil, nil
	}
}

// exchange writes req and reads one answer: its status, whether the
// connection stays open, and whether any of it arrived.
func (c *rawConn) exchange(req []byte) (status int, keep, started bool, err error) {
	if _, err := c.c.Write(req); err != nil {
		return 0, false, false, err
	}
	line, err := c.br.ReadSlice('\n')
	if err != nil {
		return 0, false, len(line) > 0, err
	}
	started = true
	if len(line) < 13 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[12] != ' ' && line[12] != '\r' {
		return 0, false, true, fmt.Errorf("bad status line %q", line)
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, false, true, fmt.Errorf("bad status line %q", line)
	}
	keep = line[7] == '1' // HTTP/1.1 keeps the connection by default
	length, chunked := -1, false
	for {
		line, err = c.br.ReadSlice('\n')
		if err != nil {
			return 0, false, true, fmt.Errorf("reading headers: %w", err)
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return 0, false, true, fmt.Errorf("bad header %q", line)
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil || length < 0 {
				return 0, false, true, fmt.Errorf("bad Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			if bytes.EqualFold(value, []byte("close")) {
				keep = false
			} else if bytes.EqualFold(value, []byte("keep-alive")) {
				keep = true
			}
		}
	}
	switch {
	case status == 204 || status == 304 || status/100 == 1:
	case chunked:
		err = c.discardChunks()
	case length >= 0:
		err = c.discard(length)
	default: // the body ends with the connection
		_, err = io.Copy(io.Discard, c.br)
		keep = false
	}
	return status, keep, true, err
}

func (c *rawConn) discard(n int) error {
	_, err := c.br.Discard(n)
	return err
}

// discardChunks reads a chunked body and its trailer.
func (c *rawConn) discardChunks() error {
	for {
		line, err := c.br.ReadSlice('\n')
		if err != nil {
			return err
		}
		hex, _, _ := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(";"))
		size, err := strconv.ParseInt(string(bytes.TrimSpace(hex)), 16, 64)
		if err != nil || size < 0 {
			return fmt.Errorf("bad chunk size %q", line)
		}
		if size == 0 {
			for { // the trailer, up to an empty line
				line, err := c.br.ReadSlice('\n')
				if err != nil {
					return err
				}
				if len(bytes.TrimRight(line, "\r\n")) == 0 {
					return nil
				}
			}
		}
		if err := c.discard(int(size)); err != nil {
			return err
		}
		if line, err := c.br.ReadSlice('\n'); err != nil || len(bytes.TrimRight(line, "\r\n")) != 0 {
			return errors.Join(err, errors.New("no line end after a chunk"))
		}
	}
}
