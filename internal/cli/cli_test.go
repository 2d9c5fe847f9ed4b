package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/config"
)

// The tests in this file run the package in-process; the others run the
// built binary.

func TestParseInterleaved(t *testing.T) {
	for _, tc := range []struct {
		args      []string
		pos       []string
		password  string
		overrides []string
	}{
		{[]string{"bob", "-p", "x"}, []string{"bob"}, "x", nil},
		{[]string{"-p", "x", "bob"}, []string{"bob"}, "x", nil},
		{[]string{"bob", "-Ea=b", "--password=x", "carol"}, []string{"bob", "carol"}, "x", []string{"a=b"}},
		{[]string{"-E", "a=b", "--", "-p", "bob"}, []string{"-p", "bob"}, "", []string{"a=b"}},
		{[]string{"bob", "--", "-Ea=b"}, []string{"bob", "-Ea=b"}, "", nil},
	} {
		f := newFlags("test")
		var password string
		f.stringVar(&password, "p", "password")
		pos, err := f.parse(tc.args)
		if err != nil || !slices.Equal(pos, tc.pos) || password != tc.password || !slices.Equal(f.overrides, config.Overrides(tc.overrides)) {
			t.Errorf("parse(%q) = %q, %v; password %q, -E %q", tc.args, pos, err, password, f.overrides)
		}
	}
	f := newFlags("test")
	if _, err := f.parse([]string{"bob", "--help"}); err != errHelp {
		t.Errorf("--help after an argument: %v", err)
	}
}

func TestErrorCause(t *testing.T) {
	for body, want := range map[string]string{
		`{"error":{"root_cause":[{"type":"t","reason":"root"}],"type":"t","reason":"top"},"status":400}`: "top",
		`{"error":{"root_cause":[{"type":"t","reason":"root"}],"type":"t"},"status":400}`:                "root",
		`{"error":{"type":"only_type"},"status":500}`:                                                    "only_type",
		`{"error":"plain message","status":500}`:                                                         "plain message",
		`{"status":500}`:                                                                                 "",
		`not json`:                                                                                       "",
	} {
		if got := errorCause([]byte(body)); got != want {
			t.Errorf("errorCause(%s) = %q, want %q", body, got, want)
		}
	}
}

func TestNodeURL(t *testing.T) {
	for _, tc := range []struct {
		host, given, want string
	}{
		{"127.0.0.1", "", "http://127.0.0.1:9200"},
		{"0.0.0.0", "", "http://127.0.0.1:9200"},
		{"::", "", "http://[::1]:9200"},
		{"::1", "", "http://[::1]:9200"},
		{"node.example", "", "http://node.example:9200"},
		{"", "https://h:1/base/?q=1#f", "https://h:1/base"},
	} {
		u, err := nodeURL(config.Config{HTTPHost: tc.host, HTTPPortLow: 9200}, tc.given)
		if err != nil || u.String() != tc.want {
			t.Errorf("nodeURL(%q, %q) = %v, %v; want %s", tc.host, tc.given, u, err, tc.want)
		}
	}
	for _, bad := range []string{"localhost:9200", "ftp://h", "http://", "::"} {
		if _, err := nodeURL(config.Config{}, bad); err == nil {
			t.Errorf("nodeURL(%q) accepted", bad)
		}
	}
}

// TestNodeURLWithTLS: with HTTPS on, the default URL is https and an
// http:// one is refused before anything is sent.
func TestNodeURLWithTLS(t *testing.T) {
	cfg := config.Config{HTTPHost: "0.0.0.0", HTTPPortLow: 9200, HTTPTLS: config.TLSConfig{Enabled: true}}
	for given, want := range map[string]string{"": "https://127.0.0.1:9200", "https://node.example:9243/": "https://node.example:9243"} {
		if u, err := nodeURL(cfg, given); err != nil || u.String() != want {
			t.Errorf("nodeURL(%q) = %v, %v; want %s", given, u, err, want)
		}
	}
	_, err := nodeURL(cfg, "http://node.example:9200")
	var ue *userError
	if !errors.As(err, &ue) || ue.code != exitUsage || !strings.Contains(ue.msg, "use [https://node.example:9200]") {
		t.Errorf("an http:// URL with TLS on: %v", err)
	}
}

// TestLoginSchedule checks how the wait for the temporary user spends the
// refusals the node's lockout allows: never the one that would block.
func TestLoginSchedule(t *testing.T) {
	for _, tc := range []struct {
		lockout config.LockoutConfig
		budget  int
	}{
		{config.LockoutConfig{Enabled: false, MaxAttempts: 5, IPMaxAttempts: 50}, 0},
		{config.LockoutConfig{Enabled: true, MaxAttempts: 5, IPMaxAttempts: 50}, 4},
		{config.LockoutConfig{Enabled: true, MaxAttempts: 5, IPMaxAttempts: 0}, 4},
		{config.LockoutConfig{Enabled: true, MaxAttempts: 10, IPMaxAttempts: 3}, 2},
		{config.LockoutConfig{Enabled: true, MaxAttempts: 2, IPMaxAttempts: 50}, 1},
		{config.LockoutConfig{Enabled: true, MaxAttempts: 1, IPMaxAttempts: 50}, 1},
	} {
		if got := loginBudget(tc.lockout); got != tc.budget {
			t.Errorf("loginBudget(%+v) = %d, want %d", tc.lockout, got, tc.budget)
		}
	}
	start := time.Unix(1000, 0)
	at := func(k, n int) time.Duration { return attemptAt(start, k, n).Sub(start) }
	if at(0, 0) != 0 {
		t.Errorf("without lockout the first attempt waits %v", at(0, 0))
	}
	if at(0, 1) != loadTimeout {
		t.Errorf("a budget of one is spent at %v, want the deadline", at(0, 1))
	}
	for _, n := range []int{2, 4, 9} {
		prev := time.Duration(0)
		for k := range n {
			d := at(k, n)
			if d < settleWait || d > loadTimeout || d <= prev {
				t.Errorf("budget %d: attempt %d at %v, after %v", n, k, d, prev)
			}
			prev = d
		}
		if at(0, n) != settleWait || at(n-1, n) != loadTimeout {
			t.Errorf("budget %d: attempts from %v to %v, want %v to %v", n, at(0, n), at(n-1, n), settleWait, loadTimeout)
		}
	}
}

func TestReadLine(t *testing.T) {
	c := newConsole(context.Background(), strings.NewReader("one\r\ntwo\n\nlast"), io.Discard)
	for _, want := range []string{"one", "two", "", "last"} {
		if got, err := c.readLine(); got != want || err != nil {
			t.Errorf("readLine() = %q, %v; want %q", got, err, want)
		}
	}
	if _, err := c.readLine(); err == nil || !strings.Contains(err.Error(), "unable to read from standard input") {
		t.Errorf("readLine at EOF: %v", err)
	}
	c = newConsole(context.Background(), strings.NewReader(strings.Repeat("x", maxLine+1)+"\n"), io.Discard)
	if _, err := c.readLine(); err == nil {
		t.Error("an overlong line was accepted")
	}
}

// TestInterrupted checks that a signal (a cancelled context) ends a
// command blocked on its input, with exit code 130 and nothing printed.
func TestInterrupted(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	var stdout, stderr bytes.Buffer
	code := Hash(ctx, nil, pr, &stdout, &stderr)
	if code != exitInterrupted || stdout.Len() != 0 || stderr.Len() != 0 {
		t.Errorf("exit %d, stdout %q, stderr %q", code, &stdout, &stderr)
	}
}

func TestInProcess(t *testing.T) {
	conf := t.TempDir()
	var stdout, stderr bytes.Buffer
	args := []string{"useradd", "bob", "-r", "viewer", "-E", "path.conf=" + conf, "-E", "xpack.security.authc.password_hashing.algorithm=bcrypt4"}
	if code := Users(context.Background(), args, strings.NewReader("in-process-pw\n"), &stdout, &stderr); code != 0 {
		t.Fatalf("useradd: exit %d, %s", code, &stderr)
	}
	code := Users(context.Background(), []string{"list", "-E", "path.conf=" + conf}, nil, &stdout, &stderr)
	if code != 0 || stdout.String() != "bob            : viewer\n" || stderr.Len() != 0 {
		t.Errorf("list: exit %d, stdout %q, stderr %q", code, &stdout, &stderr)
	}
}
