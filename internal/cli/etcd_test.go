package cli

import (
	"testing"
	"time"

	"github.com/esauth/esauth/internal/store/etcdstore/etcdtest"
)

// TestToolsOnEtcd: with esauth.store.type=etcd the tools change the shared
// store the nodes read, not a local bbolt file, and may do so while nodes
// run: the nodes follow the change.
func TestToolsOnEtcd(t *testing.T) {
	m := etcdtest.StartMember(t)
	h := newHome(t)
	etcd := []string{"esauth.store.type=etcd", "esauth.store.etcd.endpoints=" + m.ClientURL, "esauth.store.etcd.prefix=/cli/"}
	withEtcd := func(args ...string) []string {
		for _, e := range etcd {
			args = append(args, "-E", e)
		}
		return args
	}
	bobPW := h.secret("bob-file-pw")
	expect(t, h.run(t, "", "users", "useradd", "bob", "-p", bobPW, "-r", "viewer"), 0, "", "")
	expect(t, h.run(t, "", withEtcd("migrate")...), 0, "bob: created\n1 file based users: 1 created, 0 overwritten, 0 skipped\n", "")
	expect(t, h.run(t, "", "users", "userdel", "bob"), 0, "", "")

	n := h.start(t, h.secret("elastic-node-pw"), etcd...)
	n.expectLogin(t, "bob", bobPW, "native")

	newPW := h.secret("bob-reset-pw")
	if r := h.run(t, newPW+"\n", withEtcd("reset-password", "-u", "bob", "-i", "-b")...); r.code != 0 {
		t.Fatalf("reset-password on etcd with the node running: %s", r)
	}
	n.expectLogin(t, "bob", newPW, "native")
	deadline := time.Now().Add(time.Second)
	for {
		if code, _ := n.authenticate(t, "bob", bobPW); code == 401 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the running node still accepts the old password a second after the reset")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
