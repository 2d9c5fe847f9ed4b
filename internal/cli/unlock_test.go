package cli

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/store/etcdstore/etcdtest"
)

// unlock runs "esauth unlock" in-process with the home's settings and
// extra ones, and checks its output for secrets.
func (h *home) unlock(t *testing.T, extra []string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Unlock(context.Background(), append(args, h.settings(extra...)...), strings.NewReader(""), &stdout, &stderr)
	r := result{stdout: stdout.String(), stderr: stderr.String(), code: code}
	h.checkClean(t, "stdout", r.stdout)
	h.checkClean(t, "stderr", r.stderr)
	return r
}

// failLogins sends wrong passwords for each name once, expecting 401s.
func (h *home) failLogins(t *testing.T, n *node, names ...string) {
	t.Helper()
	wrong := h.secret("a-wrong-password")
	for _, name := range names {
		n.expectNoLogin(t, name, wrong)
	}
}

// expectBlocked checks that the node refuses name with a 429.
func expectBlocked(t *testing.T, n *node, name, password string) {
	t.Helper()
	if status, _ := n.authenticate(t, name, password); status != 429 {
		t.Fatalf("authenticating as %s: status %d, want 429 (blocked)", name, status)
	}
}

// names returns n distinct usernames.
func names(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return out
}

// TestUnlockStoppedNode lifts blocks kept in the embedded store while the
// node is stopped: they would otherwise hold after a restart.
func TestUnlockStoppedNode(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	lock := []string{"esauth.security.lockout.max_attempts=2", "esauth.security.lockout.ip.max_attempts=4"}
	elasticPW := h.secret("elastic-unlock-pw")
	// bob is blocked after two failures, the address after four.
	block := func() {
		t.Helper()
		n := h.start(t, elasticPW, lock...)
		h.failLogins(t, n, "bob", "bob")
		expectBlocked(t, n, "bob", "any")
		h.failLogins(t, n, "carol", "dave")
		expectBlocked(t, n, "elastic", elasticPW)
		n.stop(t)
	}
	block()
	// The blocks are in the store: a restart keeps them.
	n := h.start(t, elasticPW, lock...)
	expectBlocked(t, n, "elastic", elasticPW)
	n.stop(t)

	expect(t, h.unlock(t, lock, "user", "bob"), 0, "User [bob] unlocked.\n", "")
	expectError(t, h.unlock(t, lock, "user", "bob"), exitNoUser, "User [bob] is not locked")
	expectError(t, h.unlock(t, lock, "user", "nobody"), exitNoUser, "User [nobody] is not locked")
	expect(t, h.unlock(t, lock, "ip", "127.0.0.1"), 0, "Address [127.0.0.1] unlocked.\n", "")
	n = h.start(t, elasticPW, lock...)
	n.expectLogin(t, "elastic", elasticPW, "reserved")
	h.failLogins(t, n, "bob") // a 401: bob's block is gone too
	n.stop(t)

	block()
	expect(t, h.unlock(t, lock, "--all"), 0, "User [bob] unlocked.\nAddress [127.0.0.1] unlocked.\n", "")
	expect(t, h.unlock(t, lock, "--all"), 0, "No user or address is locked.\n", "")
	n = h.start(t, elasticPW, lock...)
	n.expectLogin(t, "elastic", elasticPW, "reserved")
	h.failLogins(t, n, "bob")
}

// TestUnlockRunningNode lifts blocks through a running node (its embedded
// store is locked) while the address the tool calls from is blocked too:
// the temporary file-realm superuser is exempt from address blocks.
func TestUnlockRunningNode(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	// Room for the few refusals each run of the tool costs while the node
	// loads its temporary user (max_attempts stays at its default, 5).
	lock := []string{"esauth.security.lockout.ip.max_attempts=20", "http.port=" + strconv.Itoa(freePort(t))}
	elasticPW := h.secret("elastic-unlock-running-pw")
	n := h.startWithFileUser(t, elasticPW, lock...)
	h.failLogins(t, n, "bob", "bob", "bob", "bob", "bob")
	expectBlocked(t, n, "bob", "any")
	h.failLogins(t, n, names("user", 15)...)
	expectBlocked(t, n, "elastic", elasticPW)

	expect(t, h.unlock(t, lock, "user", "bob"), 0, "User [bob] unlocked.\n", "")
	expectNoTempUser(t, h)
	expectBlocked(t, n, "elastic", elasticPW)
	expect(t, h.unlock(t, lock, "ip", "127.0.0.1"), 0, "Address [127.0.0.1] unlocked.\n", "")
	expectNoTempUser(t, h)
	n.expectLogin(t, "elastic", elasticPW, "reserved")
	h.failLogins(t, n, "bob")
	expectError(t, h.unlock(t, lock, "user", "nobody"), exitNoUser, "User [nobody] is not locked")

	h.failLogins(t, n, "bob", "bob", "bob", "bob")
	expectBlocked(t, n, "bob", "any")
	expect(t, h.unlock(t, lock, "--all"), 0, "User [bob] unlocked.\n", "")
	h.failLogins(t, n, "bob")
	expectNoTempUser(t, h)
}

// TestUnlockOnEtcd: with a shared store the tool deletes the block there
// while the node runs, and the node follows.
func TestUnlockOnEtcd(t *testing.T) {
	m := etcdtest.StartMember(t)
	h := newHome(t)
	etcd := []string{"esauth.store.type=etcd", "esauth.store.etcd.endpoints=" + m.ClientURL, "esauth.store.etcd.prefix=/unlock/",
		"esauth.security.lockout.max_attempts=2"}
	n := h.start(t, h.secret("elastic-unlock-etcd-pw"), etcd...)
	h.failLogins(t, n, "bob", "bob")
	expectBlocked(t, n, "bob", "any")
	// The node writes the block to etcd in the background; the tool finds
	// it once it is there.
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := h.unlock(t, etcd, "user", "bob")
		if r.code == 0 {
			expect(t, r, 0, "User [bob] unlocked.\n", "")
			break
		}
		if r.code != exitNoUser || time.Now().After(deadline) {
			t.Fatalf("unlock user bob: %s", r)
		}
		time.Sleep(20 * time.Millisecond)
	}
	deadline = time.Now().Add(time.Second)
	for {
		status, _ := n.authenticate(t, "bob", h.secret("another-wrong-pw"))
		if status == 401 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("bob is still refused with %d a second after the unlock", status)
		}
		time.Sleep(10 * time.Millisecond)
	}
	expectError(t, h.unlock(t, etcd, "user", "bob"), exitNoUser, "User [bob] is not locked")
}

// TestUnlockCommandLine checks the command line's mistakes and --help.
func TestUnlockCommandLine(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{nil, exitUsage, "Missing what to unlock: [user NAME], [ip ADDRESS] or [--all]"},
		{[]string{"user"}, exitUsage, "Missing the username to unlock"},
		{[]string{"ip"}, exitUsage, "Missing the address to unlock"},
		{[]string{"group", "admins"}, exitUsage, "Unknown kind [group]; use [user] or [ip]"},
		{[]string{"ip", "example.com"}, exitUsage, "[example.com] is not an IP address"},
		{[]string{"user", "bob", "carol"}, exitUsage, "Unexpected argument [carol]"},
		{[]string{"--all", "user", "bob"}, exitUsage, "--all takes no other argument"},
		{[]string{"user", "bob", "--url", "localhost:9200"}, exitUsage, "Invalid URL [localhost:9200]: expected http://HOST:PORT or https://HOST:PORT"},
		{[]string{"user", "bob"}, exitNoInput, "There is no esauth store at [" + filepath.Join(h.data, "esauth.db") + "]: check path.data (and --config), or start the node once to create it"},
	} {
		expectError(t, h.unlock(t, nil, tc.args...), tc.code, tc.msg)
	}
	r := h.unlock(t, nil, "--help")
	if r.code != 0 || !strings.Contains(r.stdout, "Usage: esauth unlock user USERNAME") || r.stderr != "" {
		t.Errorf("unlock --help: %s", r)
	}
}

// TestAddressKey: an address is unlocked under the key it is blocked
// under, whichever way it is written.
func TestAddressKey(t *testing.T) {
	for in, want := range map[string]string{
		"10.0.0.1":            "10.0.0.1",
		"::ffff:10.0.0.1":     "10.0.0.1",
		"2001:db8::1":         "2001:db8::/64",
		"2001:db8:0:0:ffff::": "2001:db8::/64",
		"2001:db8::/64":       "2001:db8::/64",
		"2001:db8::5/64":      "2001:db8::/64",
		"10.0.0.0/8":          "",
		"2001:db8::/48":       "",
		"host.example":        "",
	} {
		got, ok := addressKey(in)
		if got != want || ok != (want != "") {
			t.Errorf("addressKey(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}
