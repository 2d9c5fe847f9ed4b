package cli

import (
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/passhash"
)

func TestHash(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	pw := h.secret("hash-me-please")
	for _, tc := range []struct {
		args   []string
		prefix string
	}{
		{nil, "$2a$04$"}, // the configured algorithm
		{[]string{"--algorithm", "pbkdf2_1000"}, "{PBKDF2}1000$"},
		{[]string{"--algorithm=PBKDF2_STRETCH_1000"}, "{PBKDF2_STRETCH}1000$"},
		{[]string{"-algorithm", "bcrypt5"}, "$2a$05$"},
	} {
		// Not h.run: printing a hash is this command's job.
		r := execute(t, pw+"\n", nil, append(append([]string{"hash"}, tc.args...), h.settings()...)...)
		hash := strings.TrimSuffix(r.stdout, "\n")
		if r.code != 0 || r.stderr != "" || !strings.HasPrefix(hash, tc.prefix) || strings.Contains(hash, "\n") {
			t.Errorf("hash %v: %s", tc.args, r)
			continue
		}
		if strings.Contains(r.stdout, pw) {
			t.Errorf("hash %v printed the password", tc.args)
		}
		if ok, err := passhash.Verify(pw, hash); !ok || err != nil {
			t.Errorf("hash %v: the hash does not verify: %v, %v", tc.args, ok, err)
		}
	}
	expectError(t, h.run(t, pw+"\n", "hash", "--algorithm", "md5"), exitUsage,
		"Invalid algorithm: md5. Valid values for password hashing are [bcrypt, bcrypt4, bcrypt5, bcrypt6, bcrypt7, "+
			"bcrypt8, bcrypt9, bcrypt10, bcrypt11, bcrypt12, bcrypt13, bcrypt14, pbkdf2, pbkdf2_1000, pbkdf2_10000, "+
			"pbkdf2_50000, pbkdf2_100000, pbkdf2_500000, pbkdf2_1000000, pbkdf2_stretch, pbkdf2_stretch_1000, "+
			"pbkdf2_stretch_10000, pbkdf2_stretch_50000, pbkdf2_stretch_100000, pbkdf2_stretch_500000, pbkdf2_stretch_1000000]")
	expectError(t, h.run(t, "12345\n", "hash"), exitDataError, "Invalid password...passwords must be at least [6] characters long")
	expectError(t, h.run(t, "", "hash"), exitIOError, "unable to read from standard input; is standard input open and a tty attached?")
	expectError(t, h.run(t, pw+"\n", "hash", pw), exitUsage, "Unexpected argument: the password is read from standard input, not from the command line")
	if r := h.run(t, "", "hash", "--help"); r.code != 0 || !strings.Contains(r.stdout, "Usage: esauth hash") {
		t.Errorf("hash --help: %s", r)
	}
}
