package authn_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/audit"
	"github.com/esauth/esauth/internal/server/servertest"
)

// runAsCall sends one request with the run-as header.
func runAsCall(t *testing.T, s *servertest.Server, method, path, auth, runAs, body string) servertest.Reply {
	t.Helper()
	var req *http.Request
	if body == "" {
		req, _ = http.NewRequest(method, s.URL+path, nil)
	} else {
		req, _ = http.NewRequest(method, s.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Basic "+servertest.B64(auth))
	req.Header.Set("es-security-runas-user", runAs)
	return s.Do(t, req)
}

// A run-as header is never ignored: the request runs with the target's
// roles once the caller's run_as privilege allows it, and is refused
// otherwise (review §3: it used to run with the caller's privileges).
func TestRunAs(t *testing.T) {
	const hash = "$2a$04$OLNTeJiq3vjYqTZwgDi62OU5MvzkV3Jqz.KiR3pwgQv70pD6bUsGa" // only looked up, never checked
	s := servertest.StartWith(t, servertest.Options{
		Settings: []string{"xpack.security.audit.enabled=true", "xpack.security.audit.logfile.events.include=_all",
			"esauth.audit.flush_interval=0"},
		Files: map[string]string{"users": "filebob:" + hash + "\n", "users_roles": "mon:filebob\n"},
	})
	s.MustCall(t, 200, "PUT", "/_security/role/proxy", servertest.Admin, `{"run_as":["bob","filebob","ghost","off"]}`)
	s.MustCall(t, 200, "PUT", "/_security/role/mon", servertest.Admin, `{"cluster":["monitor"]}`)
	s.MustCall(t, 200, "PUT", "/_security/user/proxy", servertest.Admin, `{"password":"proxy-secret","roles":["proxy"]}`)
	s.MustCall(t, 200, "PUT", "/_security/user/nobody", servertest.Admin, `{"password":"nobody-secret","roles":[]}`)
	s.MustCall(t, 200, "PUT", "/_security/user/bob", servertest.Admin, `{"password":"bob-secret","roles":["viewer"],"full_name":"Bob"}`)
	s.MustCall(t, 200, "PUT", "/_security/user/off", servertest.Admin, `{"password":"off-secret","roles":[],"enabled":false}`)

	// The review's reproduction: a superuser running as a user without
	// privileges gets that user's privileges, not its own.
	r := runAsCall(t, s, "PUT", "/_security/user/viaRunAs", servertest.Admin, "bob", `{"password":"xxxxxxxx","roles":["superuser"]}`)
	want := "action [cluster:admin/xpack/security/user/put] is unauthorized for user [elastic] run as [bob] with effective roles [viewer], this action is granted by the cluster privileges [manage_security,all]"
	if r.Status != 403 || r.Body != servertest.ESError("security_exception", want, 403) {
		t.Errorf("superuser as bob: %d %s", r.Status, r.Body)
	}
	s.MustCall(t, 404, "GET", "/_security/user/viaRunAs", servertest.Admin, "")

	// _authenticate shows the user it runs as, and both realms.
	got := runAsCall(t, s, "GET", "/_security/_authenticate", "proxy:proxy-secret", "bob", "")
	wantAuth := `{"username":"bob","roles":["viewer"],"full_name":"Bob","email":null,"metadata":{},"enabled":true,` +
		`"authentication_realm":{"name":"default_native","type":"native"},"lookup_realm":{"name":"default_native","type":"native"},"authentication_type":"realm"}`
	if got.Status != 200 || got.Body != wantAuth {
		t.Errorf("_authenticate as bob: %d %s\nwant %s", got.Status, got.Body, wantAuth)
	}
	got = runAsCall(t, s, "GET", "/_security/_authenticate", "proxy:proxy-secret", "filebob", "")
	if got.Status != 200 || !strings.Contains(got.Body, `"username":"filebob","roles":["mon"]`) ||
		!strings.Contains(got.Body, `"authentication_realm":{"name":"default_native","type":"native"},"lookup_realm":{"name":"default_file","type":"file"}`) {
		t.Errorf("_authenticate as a file user: %d %s", got.Status, got.Body)
	}
	// The target's privileges apply: its role may read health.
	if r := runAsCall(t, s, "GET", "/_cluster/health", "proxy:proxy-secret", "filebob", ""); r.Status != 200 {
		t.Errorf("health as filebob: %d %s", r.Status, r.Body)
	}

	tests := []struct {
		name, auth, runAs string
		status            int
		reason            string
	}{
		{"no run_as privilege", "nobody:nobody-secret", "bob", 403,
			"action [cluster:admin/xpack/security/user/authenticate] is unauthorized for user [nobody] with effective roles [], because user [nobody] is unauthorized to run as [bob]"},
		{"not in the privilege", "proxy:proxy-secret", "elastic", 403,
			"action [cluster:admin/xpack/security/user/authenticate] is unauthorized for user [proxy] with effective roles [proxy], because user [proxy] is unauthorized to run as [elastic]"},
		{"unknown user, though allowed", "proxy:proxy-secret", "ghost", 403,
			"action [cluster:admin/xpack/security/user/authenticate] is unauthorized for user [proxy] with effective roles [proxy], because user [proxy] is unauthorized to run as [ghost]"},
		{"disabled user", "proxy:proxy-secret", "off", 401, ""},
		{"empty header", "proxy:proxy-secret", "", 401, ""},
	}
	for _, tt := range tests {
		r := runAsCall(t, s, "GET", "/_security/_authenticate", tt.auth, tt.runAs, "")
		if r.Status != tt.status {
			t.Errorf("%s: %d %s", tt.name, r.Status, r.Body)
			continue
		}
		if tt.status == 403 && r.Body != servertest.ESError("security_exception", tt.reason, 403) {
			t.Errorf("%s: %s\nwant %s", tt.name, r.Body, tt.reason)
		}
		if tt.status == 401 && !strings.Contains(r.Body, "unable to authenticate user [proxy] for REST request [/_security/_authenticate]") {
			t.Errorf("%s: %s", tt.name, r.Body)
		}
	}

	// The audit log records both users.
	raw, err := os.ReadFile(filepath.Join(s.LogsDir, audit.FileName))
	if err != nil {
		t.Fatal(err)
	}
	var granted, access, denied bool
	sc := bufio.NewScanner(strings.NewReader(string(raw)))
	for sc.Scan() {
		var e map[string]any
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		switch {
		case e["event.action"] == "run_as_granted" && e["user.name"] == "proxy" && e["user.run_as.name"] == "bob" &&
			e["user.realm"] == "default_native" && e["user.run_as.realm"] == "default_native":
			granted = true
		case e["event.action"] == "access_granted" && e["user.name"] == "bob" && e["user.run_by.name"] == "proxy" &&
			e["user.run_by.realm"] == "default_native":
			access = true
		case e["event.action"] == "run_as_denied" && e["user.name"] == "nobody" && e["user.run_as.name"] == "bob":
			denied = true
		}
	}
	if !granted || !access || !denied {
		t.Errorf("audit: run_as_granted %v, access_granted run by %v, run_as_denied %v\n%s", granted, access, denied, raw)
	}
}
