package server

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"
)

// A client that trickles its request head is disconnected once
// readHeaderTimeout has passed, whatever it keeps sending; a request head
// over the hard cap gets an answer, not a hung connection.
func TestSlowClientsAreCutOff(t *testing.T) {
	saved := readHeaderTimeout
	readHeaderTimeout = 300 * time.Millisecond
	t.Cleanup(func() { readHeaderTimeout = saved })
	n := startNode(t)
	addr := strings.TrimPrefix(n.url, "http://")

	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	if _, err := conn.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n")); err != nil {
		t.Fatal(err)
	}
	// Keep trickling header bytes; the server must still end it.
	closed := make(chan time.Duration, 1)
	go func() {
		buf := make([]byte, 1024)
		for {
			_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := conn.Read(buf); err != nil {
				closed <- time.Since(start)
				return
			}
		}
	}()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	limit := time.After(5 * time.Second)
trickle:
	for {
		select {
		case d := <-closed:
			if d > 2*time.Second {
				t.Errorf("the slow client was cut off after %v, want about 300ms", d)
			}
			t.Logf("slow client cut off after %v", d)
			break trickle
		case <-tick.C:
			_, _ = conn.Write([]byte("X-A: b\r\n"))
		case <-limit:
			t.Fatal("a slow client kept its connection for 5 s")
		}
	}

	// 80 KiB of headers, over the 64 KiB cap: Go answers 431 and closes.
	c2, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	_ = c2.SetDeadline(time.Now().Add(5 * time.Second))
	go func() {
		_, _ = c2.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("b", 80<<10) + "\r\n\r\n"))
	}()
	line, err := bufio.NewReader(c2).ReadString('\n')
	if err != nil || !strings.Contains(line, "431") {
		t.Errorf("an 80 KiB head got %q, %v; want a 431", line, err)
	}
}
