package filerealm

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/esauth/esauth/internal/passhash"
	"github.com/esauth/esauth/internal/realm"
	"github.com/esauth/esauth/internal/user"
	"github.com/google/go-cmp/cmp"
)

// Vectors from internal/passhash/testdata/es-hash-vectors.tsv.
const (
	bcrypt2a  = "$2a$05$zxnP0vdREMxnEpkLCDI2OuSaSk/QEKA2.A42iOpI6U2u.RLLOWm1e"                                                   // test123
	bcrypt2y  = "$2y$04$OLNTeJiq3vjYqTZwgDi62OU5MvzkV3Jqz.KiR3pwgQv70pD6bUsGa"                                                   // U21VniQwdEWATfqO
	pbkdf2    = "{PBKDF2}1000$32yPZSShxuKYAl47ip0g6VwbFrD8tvFJuQCoRPGhXC8=$cXAE1BkBXRmkv7pQA7fw4TZ1+rFWS2/nZGeA3kL1Eu8="         // test123
	stretch   = "{PBKDF2_STRETCH}1000$AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=$e7UO+DY+a/Lb6R1aNZDkPTiAmc6yyp2oPlTJZt2e23c=" // test123
	sha1Hash  = "{SHA}cojt0Pw//L6ToM8G41aOKFIWh7w="                                                                              // test123
	ssha256   = "{SSHA256}AQIDBAUGBwg=ZH2cU6+isJvNFU+s6CiamMesW+S81XTh5U9K+eV0hEE="                                              // test123
	md5Hash   = "{MD5}zAPnR6avu8v4vnZorP6+5Q=="                                                                                  // test123
	testPass  = "test123"
	otherPass = "U21VniQwdEWATfqO"
)

// syncBuffer collects log output from the watcher goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testRealm returns a realm over dir whose verifier counts calls.
type testRealm struct {
	*Realm
	logs  *syncBuffer
	calls atomic.Int64
}

func newTestRealm(t *testing.T, dir string) *testRealm {
	t.Helper()
	tr := &testRealm{logs: &syncBuffer{}}
	r, err := New(realm.Ref{}, dir, slog.New(slog.NewTextHandler(tr.logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	r.verify = func(password, hash string) (bool, error) {
		tr.calls.Add(1)
		return passhash.Verify(password, hash)
	}
	tr.Realm = r
	return tr
}

func (tr *testRealm) ok(t *testing.T, name, password string) bool {
	t.Helper()
	_, out, err := tr.Authenticate(context.Background(), name, password)
	if err != nil {
		t.Fatalf("Authenticate(%s): %v", name, err)
	}
	return out == realm.Success
}

func TestAuthenticateHashFormats(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, UsersFile, strings.Join([]string{
		"# users in every format Elasticsearch reads",
		"bcrypt:" + bcrypt2a,
		"bcrypty:" + bcrypt2y,
		"pbkdf2:" + pbkdf2,
		"stretch:" + stretch,
		"sha:" + sha1Hash,
		"ssha:" + ssha256,
		"md5:" + md5Hash,
		"plain:" + testPass, // no known prefix: compared as clear text
		"apr1:$apr1$R3DdqiAZ$aljIkaIVPSarmDMlJUBBP.",
	}, "\n")+"\n")
	tr := newTestRealm(t, dir)
	for _, name := range []string{"bcrypt", "pbkdf2", "stretch", "sha", "ssha", "md5", "plain"} {
		if !tr.ok(t, name, testPass) {
			t.Errorf("%s: right password rejected", name)
		}
		if tr.ok(t, name, "wrong-password") {
			t.Errorf("%s: wrong password accepted", name)
		}
	}
	if !tr.ok(t, "bcrypty", otherPass) {
		t.Error("$2y$: right password rejected")
	}
	if tr.ok(t, "apr1", testPass) {
		t.Error("apr1 is no longer supported by Elasticsearch but was accepted")
	}
}

func TestAuthenticateOutcomes(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, UsersFile, "alice:"+pbkdf2+"\nbob:"+sha1Hash+"\n")
	writeFile(t, dir, UsersRolesFile, "superuser:alice\nadmin: alice , carol\n")
	tr := newTestRealm(t, dir)
	ctx := context.Background()

	p, out, err := tr.Authenticate(ctx, "alice", testPass)
	if err != nil || out != realm.Success {
		t.Fatalf("alice: %v %v", out, err)
	}
	want := realm.Principal{
		User:  user.User{Username: "alice", Roles: []string{"admin", "superuser"}, Metadata: []byte(`{}`), Enabled: true},
		Realm: realm.Ref{Name: "default_file", Type: "file"},
	}
	if d := cmp.Diff(want, p); d != "" {
		t.Errorf("principal (-want +got):\n%s", d)
	}
	if tr.Ref() != want.Realm {
		t.Errorf("Ref() = %v", tr.Ref())
	}

	p, _, _ = tr.Authenticate(ctx, "bob", testPass)
	if p.User.Roles == nil || len(p.User.Roles) != 0 {
		t.Errorf("bob roles = %#v, want []", p.User.Roles)
	}

	// Wrong password: Continue, no error, the user's own hash is used.
	tr.calls.Store(0)
	if _, out, err := tr.Authenticate(ctx, "alice", "nope"); out != realm.Continue || err != nil {
		t.Errorf("wrong password: %v %v", out, err)
	}
	if tr.calls.Load() != 1 {
		t.Errorf("wrong password: %d verifications, want 1", tr.calls.Load())
	}
	// Unknown users (carol only has roles) are not this realm's: no
	// verification here (the chain pays the fake hash once if no realm
	// knows them), and Owns says so without looking at a password.
	for _, name := range []string{"carol", "nobody"} {
		tr.calls.Store(0)
		if _, out, err := tr.Authenticate(ctx, name, testPass); out != realm.Unknown || err != nil {
			t.Errorf("%s: %v %v", name, out, err)
		}
		if tr.calls.Load() != 0 || tr.Owns(name) {
			t.Errorf("%s: %d verifications, owned=%v; want 0, false", name, tr.calls.Load(), tr.Owns(name))
		}
	}
	if !tr.Owns("alice") {
		t.Error("Owns(alice) = false")
	}

	// Returned slices are copies: changing them does not affect the realm.
	p.User.Roles = append(p.User.Roles, "x")
	u, _ := tr.Lookup("alice")
	u.Roles[0] = "changed"
	if u2, _ := tr.Lookup("alice"); u2.Roles[0] != "admin" {
		t.Error("Lookup shares its roles slice with the table")
	}
}

func TestLookupAndUsers(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, UsersFile, "zoe:a\nalice:b\nmid:c\n")
	writeFile(t, dir, UsersRolesFile, "r:zoe,ghost\n")
	tr := newTestRealm(t, dir)
	u, ok := tr.Lookup("zoe")
	if !ok || u.Username != "zoe" || !u.Enabled || u.FullName != nil || u.Email != nil || string(u.Metadata) != "{}" {
		t.Errorf("Lookup(zoe) = %+v, %v", u, ok)
	}
	if _, ok := tr.Lookup("ghost"); ok {
		t.Error("a name only in users_roles is not a file user")
	}
	var names []string
	for _, u := range tr.Users() {
		names = append(names, u.Username)
	}
	if d := cmp.Diff([]string{"alice", "mid", "zoe"}, names); d != "" {
		t.Error(d)
	}
}

func TestNew(t *testing.T) {
	dir := t.TempDir()
	r, err := New(realm.Ref{Name: "file1", Type: "file"}, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Ref().Name != "file1" || len(r.Users()) != 0 {
		t.Errorf("ref %v, users %v", r.Ref(), r.Users())
	}
	writeFile(t, dir, UsersFile, "a:\xff\n")
	if _, err := New(realm.Ref{}, dir, nil); err == nil {
		t.Error("New with an unreadable users file succeeded")
	}

	// Skipped lines are logged with file and line, never with their content.
	writeFile(t, dir, UsersFile, "good:"+sha1Hash+"\n:"+sha1Hash+"\nbad\x01:"+testPass+"\n")
	tr := newTestRealm(t, dir)
	logs := tr.logs.String()
	path := filepath.Join(dir, UsersFile)
	for _, line := range []string{"line=2", "line=3"} {
		if !strings.Contains(logs, line) || !strings.Contains(logs, "file="+path) {
			t.Errorf("log lacks %s for %s:\n%s", line, path, logs)
		}
	}
	if strings.Contains(logs, sha1Hash) || strings.Contains(logs, testPass) {
		t.Errorf("log leaks a hash or password:\n%s", logs)
	}
}
