package roles

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const rolesYML = `# roles.yml as Elasticsearch documents it
admin:
  cluster:
    - all
  indices:
    - names:
        - '*'
      privileges:
        - all

power_user:
  cluster: [ "monitor" ]
  indices:
    - names: [ 'events-*' ]
      privileges: [ 'read' ]
      field_security:
        grant: [ 'category', '@timestamp', 'message' ]
      query: '{"match": {"category": "click"}}'
  metadata:
    _internal: true # files may use "_" keys
    version: 2
  description: "Power user"

superuser:
  cluster: [ 'all' ]

broken:
  cluster: monitor

unknown_privilege:
  cluster: [ 'do_everything' ]

not_a_map: [ 'monitor' ]

"bad name ":
  cluster: []

legacy:
  indices:
    - names: 'logs-*'
      privileges: [ 'read' ]
      fields: [ 'a' ]
    # an indented comment belongs to its role
`

func TestParseRolesFile(t *testing.T) {
	roles, problems, err := ParseRolesFile(strings.NewReader(rolesYML))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"admin": `{"cluster":["all"],"indices":[{"names":["*"],"privileges":["all"],"allow_restricted_indices":false}],` +
			`"applications":[],"run_as":[],"metadata":{},"transient_metadata":{"enabled":true}}`,
		"power_user": `{"cluster":["monitor"],"indices":[{"names":["events-*"],"privileges":["read"],` +
			`"field_security":{"grant":["category","@timestamp","message"]},"query":"{\"match\": {\"category\": \"click\"}}",` +
			`"allow_restricted_indices":false}],"applications":[],"run_as":[],"metadata":{"_internal":true,"version":2},` +
			`"transient_metadata":{"enabled":true},"description":"Power user"}`,
		"legacy": `{"cluster":[],"indices":[{"names":["logs-*"],"privileges":["read"],"field_security":{"grant":["a"]},` +
			`"allow_restricted_indices":false}],"applications":[],"run_as":[],"metadata":{},"transient_metadata":{"enabled":true}}`,
	}
	got := map[string]string{}
	for name, d := range roles {
		if d.Name != name {
			t.Errorf("%s: Name %q", name, d.Name)
		}
		b, _ := d.MarshalJSON()
		got[name] = string(b)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("roles (-want +got):\n%s", diff)
	}

	type problem struct {
		Role string
		Line int
		Err  string
	}
	var gotProblems []problem
	for _, p := range problems {
		msg := esError(p.Err)
		if strings.HasPrefix(msg, "not an eserr.Error: ") {
			msg = p.Err.Error()
		}
		gotProblems = append(gotProblems, problem{p.Role, p.Line, msg})
	}
	wantProblems := []problem{
		{"superuser", 24, "invalid role name - Role [superuser] is reserved and may not be used."},
		{"broken", 27, "parse_exception: failed to parse role [broken] <- parse_exception: " +
			"could not parse [cluster] field. expected a string array but found [VALUE_STRING] value instead"},
		{"unknown_privilege", 30, "action_request_validation_exception: Validation Failed: 1: " + unknownCluster("do_everything") + ";"},
		{"not_a_map", 33, "the role definition must be a map"},
		{"bad name ", 35, "invalid role name - " + roleNameMessage(1024)},
	}
	if diff := cmp.Diff(wantProblems, gotProblems); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if s := problems[0].Error(); s != "line 24: invalid role definition [superuser]: invalid role name - Role [superuser] is reserved and may not be used.. skipping role..." {
		t.Errorf("Problem.Error() = %q", s)
	}
}

func TestParseRolesFileEdges(t *testing.T) {
	tests := []struct {
		name, file string
		roles      []string
		problems   int
	}{
		{"empty", "", nil, 0},
		{"comments only", "# nothing\n\n   \n", nil, 0},
		{"indented before any role is ignored", "  cluster: [all]\nr:\n  cluster: [all]\n", []string{"r"}, 0},
		{"last definition wins", "r:\n  cluster: [all]\nr:\n  cluster: [monitor]\n", []string{"r"}, 0},
		{"empty role", "r: {}\n", []string{"r"}, 0},
		{"null role", "r:\n", nil, 1},
		{"bad yaml", "r: [\n", nil, 1},
		{"duplicate key", "r:\n  cluster: []\n  cluster: []\n", nil, 1},
		{"crlf", "r:\r\n  cluster: [all]\r\n", []string{"r"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			roles, problems, err := ParseRolesFile(strings.NewReader(tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.roles, sortedKeys(roles), cmpEmpty); diff != "" {
				t.Errorf("roles (-want +got):\n%s", diff)
			}
			if len(problems) != tt.problems {
				t.Errorf("problems = %v, want %d", problems, tt.problems)
			}
		})
	}
	roles, _, _ := ParseRolesFile(strings.NewReader("r:\n  cluster: [all]\nr:\n  cluster: [monitor]\n"))
	if c := roles["r"].Cluster; len(c) != 1 || c[0] != "monitor" {
		t.Errorf("last definition: cluster %v", c)
	}
}

// cmpEmpty treats nil and empty slices alike.
var cmpEmpty = cmp.Comparer(func(a, b []string) bool {
	return len(a) == 0 && len(b) == 0 || cmp.Equal(a, b)
})

func TestLoadFileRoles(t *testing.T) {
	dir := t.TempDir()
	f, err := LoadFileRoles(dir, nil)
	if err != nil {
		t.Fatalf("missing file: %v", err)
	}
	if len(f.Names()) != 0 {
		t.Errorf("missing file gave roles %v", f.Names())
	}
	if err := os.WriteFile(filepath.Join(dir, RolesFile), []byte(rolesYML), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err = LoadFileRoles(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"admin", "legacy", "power_user"}, f.Names()); diff != "" {
		t.Errorf("Names (-want +got):\n%s", diff)
	}
	if d, ok := f.Get("admin"); !ok || d.Cluster[0] != "all" {
		t.Errorf("Get(admin) = %v, %v", d, ok)
	}
	if _, ok := f.Get("superuser"); ok {
		t.Error("a reserved role was loaded from the file")
	}
	// A directory in place of the file is unreadable: an error at start.
	dir2 := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir2, RolesFile), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadFileRoles(dir2, nil); err == nil {
		t.Error("LoadFileRoles of an unreadable file succeeded")
	}
}

// Tests poll fast; changes must show within bound.
const (
	testInterval = 20 * time.Millisecond
	bound        = 5 * time.Second
)

func TestWatchReloads(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, RolesFile)
	write := func(content string) {
		t.Helper()
		// Rename into place, as editors and tools do, so that no poll sees
		// half a file.
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
	}
	write("a:\n  cluster: [monitor]\nb:\n  cluster: [monitor]\n")
	f, err := LoadFileRoles(dir, nil)
	if err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	var calls [][]string
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.Watch(ctx, testInterval, func(changed []string) {
			mu.Lock()
			defer mu.Unlock()
			calls = append(calls, changed)
		})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(bound):
			t.Error("Watch did not return after cancel")
		}
	})
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(bound)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within %v", what, bound)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	lastCall := func() []string {
		mu.Lock()
		defer mu.Unlock()
		if len(calls) == 0 {
			return nil
		}
		return calls[len(calls)-1]
	}

	// a changes, b goes, c comes.
	write("a:\n  cluster: [all]\nc:\n  cluster: [monitor]\n")
	waitFor("reload", func() bool { _, ok := f.Get("c"); return ok })
	if d, _ := f.Get("a"); d.Cluster[0] != "all" {
		t.Errorf("a not reloaded: %v", d.Cluster)
	}
	if _, ok := f.Get("b"); ok {
		t.Error("b survived its removal")
	}
	waitFor("onChange", func() bool { return lastCall() != nil })
	if diff := cmp.Diff([]string{"a", "b", "c"}, lastCall()); diff != "" {
		t.Errorf("changed (-want +got):\n%s", diff)
	}

	// A rewrite that changes no role (a comment) reloads silently.
	mu.Lock()
	n := len(calls)
	mu.Unlock()
	write("# comment\na:\n  cluster: [all]\nc:\n  cluster: [monitor]\n")
	time.Sleep(2 * (settlePolls + 2) * testInterval)
	mu.Lock()
	if len(calls) != n {
		t.Errorf("onChange called for a change of no role: %v", calls[n:])
	}
	mu.Unlock()

	// Removing the file removes every file role.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	waitFor("removal", func() bool { return len(f.Names()) == 0 })
	waitFor("onChange after removal", func() bool { return cmp.Equal(lastCall(), []string{"a", "c"}) })
}
