package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/passhash"
)

func TestMigrate(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	expect(t, h.run(t, "", "migrate"), 0, "No users found\n", "")

	bobPW, carolPW, clear := h.secret("bob-file-pw"), h.secret("carol-file-pw"), h.secret("clear-text-pw")
	expect(t, h.run(t, "", "users", "useradd", "bob", "-p", bobPW, "-r", "viewer,editor"), 0, "", "")
	expect(t, h.run(t, "", "users", "useradd", "carol", "-p", carolPW), 0, "", "")
	clean := h.readFile(t, "users")
	bcrypt4, _ := passhash.Resolve("bcrypt4")
	elasticHash, err := bcrypt4.Hash(h.secret("elastic-file-pw"))
	if err != nil {
		t.Fatal(err)
	}
	// A reserved name and a clear-text password (which Elasticsearch's
	// file realm accepts) cannot become native users.
	h.writeFile(t, "users", clean+"elastic:"+elasticHash+"\nplain:"+clear+"\n")
	expect(t, h.run(t, "", "migrate"), exitDataError,
		"bob: created\n"+
			"carol: created\n"+
			"elastic: skipped (user [elastic] is reserved and only the password can be changed)\n"+
			"plain: skipped (its password hash is not a bcrypt or PBKDF2 hash, which the native realm requires)\n"+
			"4 file based users: 2 created, 0 overwritten, 2 skipped\n",
		"ERROR: 2 file based users could not be migrated, with exit code 65\n")

	h.writeFile(t, "users", clean)
	expect(t, h.run(t, "", "migrate"), 0,
		"bob: skipped (a native user of that name exists; --overwrite replaces it)\n"+
			"carol: skipped (a native user of that name exists; --overwrite replaces it)\n"+
			"2 file based users: 0 created, 0 overwritten, 2 skipped\n", "")

	newPW := h.secret("bob-new-file-pw")
	expect(t, h.run(t, "", "users", "passwd", "bob", "-p", newPW), 0, "", "")
	expect(t, h.run(t, "", "migrate", "--overwrite"), 0,
		"bob: overwritten\ncarol: overwritten\n2 file based users: 0 created, 2 overwritten, 0 skipped\n", "")

	// Without the file users, the node authenticates them natively, with
	// the passwords they had in the file.
	expect(t, h.run(t, "", "users", "userdel", "bob"), 0, "", "")
	expect(t, h.run(t, "", "users", "userdel", "carol"), 0, "", "")
	elasticPW := h.secret("elastic-node-pw")
	n := h.start(t, elasticPW)
	n.expectLogin(t, "bob", newPW, "native")
	n.expectNoLogin(t, "bob", bobPW)
	n.expectLogin(t, "carol", carolPW, "native")
	status, body := n.request(t, "GET", "/_security/user/bob", "elastic", elasticPW, "")
	if status != 200 || !strings.Contains(body, `"roles":["editor","viewer"]`) {
		t.Errorf("GET bob: %d %s", status, body)
	}

	// A running node holds the store.
	expect(t, h.run(t, "", "users", "useradd", "dave", "-p", h.secret("dave-file-pw")), 0, "", "")
	expectError(t, h.run(t, "", "migrate"), exitTempFailure,
		"The store ["+filepath.Join(h.data, "esauth.db")+"] is in use by a running esauth node. "+
			"Stop the node, then run esauth migrate again to copy 1 file based users (dave)")

	expectError(t, h.run(t, "", "migrate", "now"), exitUsage, "Unexpected argument [now]")
	if r := h.run(t, "", "migrate", "-h"); r.code != 0 || !strings.Contains(r.stdout, "Usage: esauth migrate [--overwrite]") {
		t.Errorf("migrate -h: %s", r)
	}
}
