package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A node with xpack.security.audit.enabled writes Elasticsearch's audit
// events to <path.logs>/esauth_audit.json, with its node id, and has
// written them all by the time it has stopped.
func TestAuditLogThroughTheServer(t *testing.T) {
	logs := t.TempDir()
	n := startNode(t, "path.logs="+logs, "xpack.security.audit.enabled=true",
		"xpack.security.audit.logfile.events.include=authentication_failed,security_config_change")
	n.expect(t, 401, "GET", "/_security/_authenticate", "elastic:not-the-password", "")
	n.expect(t, 200, "PUT", "/_security/user/joe", admin, `{"password":"joe-password","roles":[]}`)
	n.stop()
	raw, err := os.ReadFile(filepath.Join(logs, "esauth_audit.json"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"event.action":"authentication_failed"`) ||
		!strings.Contains(lines[1], `"event.action":"put_user"`) || !strings.Contains(lines[0], `"node.id":`) {
		t.Errorf("audit log:\n%s", raw)
	}
	if strings.Contains(string(raw), "joe-password") || strings.Contains(string(raw), "not-the-password") {
		t.Error("a password reached the audit log")
	}
}
