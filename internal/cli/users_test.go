package cli

import (
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/passhash"
	rolesdef "github.com/esauth/esauth/internal/roles"
)

// knownRolesLine is the "Known roles" line of the unknown-roles warning
// for a home without roles.yml.
func knownRolesLine() string {
	return "Known roles: [" + strings.Join(slices.Sorted(maps.Keys(rolesdef.Builtin())), ", ") + "]\n"
}

func unknownRolesWarning(h *home, roles string) string {
	return "Warning: The following roles [" + roles + "] are not in the [" + filepath.Join(h.conf, "roles.yml") + "] file. " +
		"Make sure the names are correct. If the names are correct and the roles were created using the API please " +
		"disregard this message. Nonetheless the user will still be associated with all specified roles\n" + knownRolesLine()
}

// hashOf returns the hash the users file holds for name.
func (h *home) hashOf(t *testing.T, name string) string {
	t.Helper()
	for _, line := range strings.Split(h.readFile(t, "users"), "\n") {
		if n, hash, ok := strings.Cut(line, ":"); ok && n == name {
			return hash
		}
	}
	t.Fatalf("no user %s in the users file", name)
	return ""
}

// expectPassword checks that the users file holds a bcrypt4 hash of
// password for name.
func (h *home) expectPassword(t *testing.T, name, password string) {
	t.Helper()
	hash := h.hashOf(t, name)
	if !strings.HasPrefix(hash, "$2a$04$") {
		t.Errorf("the hash of %s is not bcrypt4 (the configured algorithm)", name)
	}
	if ok, err := passhash.Verify(password, hash); !ok || err != nil {
		t.Errorf("the hash of %s does not verify the password: %v, %v", name, ok, err)
	}
}

func TestUseradd(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	pw := h.secret("s3cret-bob")
	r := h.run(t, "", "users", "useradd", "bob", "-p", pw, "-r", "superuser,viewer,made_up")
	expect(t, r, 0, "", unknownRolesWarning(h, "made_up"))
	h.expectPassword(t, "bob", pw)
	if got, want := h.readFile(t, "users_roles"), "made_up:bob\nsuperuser:bob\nviewer:bob\n"; got != want {
		t.Errorf("users_roles = %q, want %q", got, want)
	}

	// Options may come first; the password may come from a pipe; no roles
	// leaves users_roles alone.
	pw2 := h.secret("piped-password")
	r = h.run(t, pw2+"\n", "users", "useradd", "--roles=", "carol")
	expect(t, r, 0, "", "")
	h.expectPassword(t, "carol", pw2)
	if got := h.readFile(t, "users_roles"); strings.Contains(got, "carol") {
		t.Errorf("carol got roles: %q", got)
	}

	expectError(t, h.run(t, "", "users", "useradd", "bob", "-p", pw), exitCodeError, "User [bob] already exists")
	expectError(t, h.run(t, "", "users", "useradd", "elastic", "-p", pw), exitDataError,
		"Invalid username [elastic]... Username [elastic] is reserved and may not be used.")
	expectError(t, h.run(t, "", "users", "useradd", "_anonymous", "-p", pw), exitDataError,
		"Invalid username [_anonymous]... Username [_anonymous] is reserved and may not be used.")
	expectError(t, h.run(t, "", "users", "useradd", strings.Repeat("a", 1025), "-p", pw), exitDataError,
		"Invalid username ["+strings.Repeat("a", 1025)+"]... User names must be at least 1 and no more than 1024 characters. "+
			"They can contain alphanumeric characters (a-z, A-Z, 0-9), spaces, punctuation, and printable symbols in the "+
			"Basic Latin (ASCII) block. Leading or trailing whitespace is not allowed.")
	expectError(t, h.run(t, "", "users", "useradd", "a:b", "-p", pw), exitDataError,
		"Invalid username [a:b]... Usernames in the users file cannot contain ':' or start with '#'.")
	expectError(t, h.run(t, "", "users", "useradd", "dave", "-p", "short"), exitDataError,
		"Invalid password...passwords must be at least [6] characters long")
	expectError(t, h.run(t, "short\n", "users", "useradd", "dave"), exitDataError,
		"Invalid password...passwords must be at least [6] characters long")
	expectError(t, h.run(t, "", "users", "useradd", "dave"), exitIOError,
		"unable to read from standard input; is standard input open and a tty attached?")
	expectError(t, h.run(t, "", "users", "useradd", "dave", "-p", pw, "-r", "ok, bad"), exitDataError,
		"Invalid role [ bad]... Role names must be at least 1 and no more than 507 characters. "+
			"They can contain alphanumeric characters (a-z, A-Z, 0-9), spaces, punctuation, and printable symbols in the "+
			"Basic Latin (ASCII) block. Leading or trailing whitespace is not allowed.")
	expectError(t, h.run(t, "", "users", "useradd", "dave", "-p", pw, "-r", "a:b"), exitDataError,
		"Invalid role [a:b]... Roles in the users_roles file cannot contain ':' or start with '#'.")
	expectError(t, h.run(t, "", "users", "useradd", "-p", pw), exitUsage, "Missing username argument")
	expectError(t, h.run(t, "", "users", "useradd", "x", "y", "-p", pw), exitUsage,
		"Expected a single username argument, found extra: [x, y]")
	expectError(t, execute(t, "", nil, "users", "useradd", "dave", "-p"), exitUsage, "flag needs an argument: -p")
	// A failed command changed nothing.
	if got := strings.Count(h.readFile(t, "users"), "\n"); got != 2 {
		t.Errorf("the users file has %d lines, want 2", got)
	}

	// With the reserved realm off, reserved names are ordinary file users.
	r = execute(t, "", nil, append([]string{"users", "useradd", "elastic", "-p", pw},
		h.settings("xpack.security.authc.reserved_realm.enabled=false")...)...)
	expect(t, r, 0, "", "")
}

func TestUseraddMissingConfigDir(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	h.conf = filepath.Join(h.conf, "nowhere")
	want := "Configuration file [" + filepath.Join(h.conf, "users") + "] is missing"
	expectError(t, h.run(t, "", "users", "useradd", "bob", "-p", "s3cret-bob"), exitConfig, want)
	expectError(t, h.run(t, "", "users", "list"), exitConfig, want)
}

func TestUserdel(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	pw := h.secret("s3cret-pw")
	expect(t, h.run(t, "", "users", "useradd", "bob", "-p", pw, "-r", "viewer"), 0, "", "")
	expect(t, h.run(t, "", "users", "useradd", "carol", "-p", pw, "-r", "viewer,editor"), 0, "", "")
	expect(t, h.run(t, "", "users", "userdel", "bob"), 0, "", "")
	if users := h.readFile(t, "users"); strings.Contains(users, "bob") || !strings.Contains(users, "carol:") {
		t.Errorf("users after userdel bob: %d lines, bob still there or carol gone", strings.Count(users, "\n"))
	}
	if got, want := h.readFile(t, "users_roles"), "editor:carol\nviewer:carol\n"; got != want {
		t.Errorf("users_roles = %q, want %q", got, want)
	}
	expectError(t, h.run(t, "", "users", "userdel", "bob"), exitNoUser, "User [bob] doesn't exist")
	expectError(t, h.run(t, "", "users", "userdel", "kibana_system"), exitDataError,
		"Invalid username [kibana_system]... Username [kibana_system] is reserved and may not be used.")
	expectError(t, h.run(t, "", "users", "userdel"), exitUsage, "Missing username argument")
}

func TestPasswd(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	old, pw, piped := h.secret("old-password"), h.secret("new-password"), h.secret("piped-new-password")
	expect(t, h.run(t, "", "users", "useradd", "bob", "-p", old), 0, "", "")
	expect(t, h.run(t, "", "users", "passwd", "bob", "-p", pw), 0, "", "")
	h.expectPassword(t, "bob", pw)
	expect(t, h.run(t, piped+"\r\n", "users", "passwd", "bob"), 0, "", "")
	h.expectPassword(t, "bob", piped)
	expectError(t, h.run(t, "", "users", "passwd", "nobody", "-p", pw), exitNoUser, "User [nobody] doesn't exist")
	// Elasticsearch checks the password before it looks for the user.
	expectError(t, h.run(t, "", "users", "passwd", "nobody", "-p", "12345"), exitDataError,
		"Invalid password...passwords must be at least [6] characters long")
	expectError(t, h.run(t, "", "users", "passwd", "bob", "--password", "12345"), exitDataError,
		"Invalid password...passwords must be at least [6] characters long")
	h.expectPassword(t, "bob", piped)
}

func TestRoles(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	pw := h.secret("s3cret-pw")
	expect(t, h.run(t, "", "users", "useradd", "bob", "-p", pw, "-r", "viewer"), 0, "", "")
	expect(t, h.run(t, "", "users", "roles", "bob", "-a", "editor,superuser,viewer", "-r", "viewer"), 0, "", "")
	if got, want := h.readFile(t, "users_roles"), "editor:bob\nsuperuser:bob\n"; got != want {
		t.Errorf("users_roles = %q, want %q", got, want)
	}
	// Without -a and -r, roles lists the user.
	expect(t, h.run(t, "", "users", "roles", "bob"), 0, "bob            : editor,superuser\n", "")
	expect(t, h.run(t, "", "users", "roles", "bob", "--remove", "editor,superuser"), 0, "", "")
	if got := h.readFile(t, "users_roles"); got != "" {
		t.Errorf("users_roles = %q, want it empty", got)
	}
	expect(t, h.run(t, "", "users", "roles", "bob"), 0, "bob            : -\n", "")
	expectError(t, h.run(t, "", "users", "roles", "nobody", "-a", "viewer"), exitNoUser, "User [nobody] doesn't exist")
	expectError(t, h.run(t, "", "users", "roles", "nobody"), exitNoUser, "User [nobody] doesn't exist")
	r := h.run(t, "", "users", "roles", "bob", "-a", "custom")
	expect(t, r, 0, "", unknownRolesWarning(h, "custom"))
}

func TestList(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	expect(t, h.run(t, "", "users", "list"), 0, "No users found\n", "")
	pw := h.secret("s3cret-pw")
	expect(t, h.run(t, "", "users", "useradd", "bob", "-p", pw, "-r", "viewer,superuser"), 0, "", "")
	expect(t, h.run(t, "", "users", "useradd", "a_rather_long_username", "-p", pw), 0, "", "")
	expect(t, h.run(t, "", "users", "list"), 0,
		"a_rather_long_username: -\nbob            : superuser,viewer\n", "")
	expect(t, h.run(t, "", "users", "list", "bob"), 0, "bob            : superuser,viewer\n", "")

	// Roles neither built in nor in roles.yml are marked, and explained.
	h.writeFile(t, "roles.yml", "my_role:\n  cluster: [monitor]\n")
	h.run(t, "", "users", "roles", "bob", "-a", "my_role,nowhere")
	legend := "\n [*]   Role is not in the [" + filepath.Join(h.conf, "roles.yml") +
		"] file. If the role has been created using the API, please disregard this message.\n"
	expect(t, h.run(t, "", "users", "list"), 0,
		"a_rather_long_username: -\nbob            : my_role,nowhere*,superuser,viewer\n"+legend, "")
	expect(t, h.run(t, "", "users", "list", "bob"), 0, "bob            : my_role,nowhere*,superuser,viewer\n"+legend, "")
	expectError(t, h.run(t, "", "users", "list", "nobody"), exitNoUser, "User [nobody] doesn't exist")
	expectError(t, h.run(t, "", "users", "list", "a", "b"), exitUsage, "Expected a single username argument, found extra: [a, b]")

	// A skipped line is reported without its content.
	h.writeFile(t, "users", h.readFile(t, "users")+"broken line without colon\n")
	r := h.run(t, "", "users", "list", "bob")
	if r.code != 0 || !strings.HasPrefix(r.stderr, "Warning: "+filepath.Join(h.conf, "users")+":3: ") || strings.Contains(r.stderr, "broken") {
		t.Errorf("a skipped line: %s", r)
	}
}

func TestUsersCommandLine(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	r := h.run(t, "", "users", "--help")
	if r.code != 0 || !strings.Contains(r.stdout, "useradd - Adds a file user") || r.stderr != "" {
		t.Errorf("users --help: %s", r)
	}
	r = h.run(t, "", "users", "useradd", "-h")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "Adds a file user\n\nUsage: esauth users useradd") || r.stderr != "" {
		t.Errorf("users useradd -h: %s", r)
	}
	for _, sub := range []string{"userdel", "passwd", "roles", "list"} {
		if r := h.run(t, "", "users", sub, "--help"); r.code != 0 || !strings.Contains(r.stdout, "Usage: esauth users "+sub) {
			t.Errorf("users %s --help: %s", sub, r)
		}
	}
	expectError(t, execute(t, "", nil, "users"), exitUsage, "Missing command")
	expectError(t, execute(t, "", nil, "users", "frob"), exitUsage, "Unknown command [frob]")
	expectError(t, h.run(t, "", "users", "list", "--frob"), exitUsage, "flag provided but not defined: -frob")
	expectError(t, h.run(t, "", "users", "list", "-E", "no.such.setting=1"), exitConfig,
		"unknown setting [no.such.setting] please check that any required plugins are installed, or check the breaking changes documentation for removed settings")
	// --config and the attached -Ename=value form work like the server's.
	cfg := filepath.Join(t.TempDir(), "esauth.yml")
	if err := writeString(cfg, "path.conf: "+h.conf+"\n"); err != nil {
		t.Fatal(err)
	}
	h.run(t, "", "users", "useradd", "bob", "-p", h.secret("s3cret-pw"))
	r = execute(t, "", nil, "users", "list", "--config", cfg, "-Expack.security.authc.password_hashing.algorithm=bcrypt4")
	expect(t, r, 0, "bob            : -\n", "")
}
