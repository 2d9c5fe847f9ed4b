package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestServeCommandLine(t *testing.T) {
	t.Parallel()
	r := execute(t, "", nil, "--help")
	if r.code != 0 || !strings.HasPrefix(r.stderr, "Usage: esauth [--config FILE] [-E name=value ...]\n") ||
		!strings.Contains(r.stderr, "  reset-password  reset the password of a native or built-in user\n") {
		t.Errorf("esauth --help: %s", r)
	}
	r = execute(t, "", nil, "bogus")
	if r.code != 2 || !strings.HasPrefix(r.stderr, "esauth: unexpected argument \"bogus\"\n") {
		t.Errorf("esauth bogus: %s", r)
	}
	r = execute(t, "", nil, "-E", "no-equals-sign")
	if r.code != 2 {
		t.Errorf("esauth -E no-equals-sign: %s", r)
	}
	r = execute(t, "", nil, "-E", "no.such.setting=1")
	if r.code != 1 || !strings.HasPrefix(r.stderr, "esauth: unknown setting [no.such.setting]") {
		t.Errorf("esauth -E no.such.setting=1: %s", r)
	}
}

// TestServeWithConfigFile checks that "esauth --config F -E k=v" still
// serves, and that the tools read the same file the same way.
func TestServeWithConfigFile(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	file := filepath.Join(h.conf, "esauth.yml")
	yml := "path:\n  data: " + h.data + "\nxpack.security.authc.password_hashing.algorithm: bcrypt4\n"
	if err := os.WriteFile(file, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	pw := h.secret("file-user-pw")
	// The settings file's directory is the configuration directory.
	r := execute(t, "", nil, "users", "useradd", "bob", "-p", pw, "--config", file)
	expect(t, r, 0, "", "")
	n := h.startArgs(t, h.secret("elastic-config-pw"), "--config", file, "-E", "http.port=0")
	n.expectLogin(t, "bob", pw, "file")
}
