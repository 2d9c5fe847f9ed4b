package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	es8 "github.com/elastic/go-elasticsearch/v8"
)

// TestTLSWithTheOfficialClient turns HTTPS on in the two documented
// commands (certutil http, then the ssl settings) and drives the server
// with go-elasticsearch trusting only the generated CA. Plain HTTP to the
// same port gets no answer.
func TestTLSWithTheOfficialClient(t *testing.T) {
	t.Parallel()
	conf := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, binary, "certutil", "http", "-E", "path.conf="+conf).CombinedOutput()
	if err != nil {
		t.Fatalf("certutil http: %v\n%s", err, out)
	}
	ca, err := os.ReadFile(filepath.Join(conf, "certs", "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	pw := newPassword("elastic")
	s := startServer(t, options{password: pw, args: []string{"-E", "path.conf=" + conf,
		"-E", "xpack.security.http.ssl.enabled=true",
		"-E", "xpack.security.http.ssl.certificate=certs/http.crt",
		"-E", "xpack.security.http.ssl.key=certs/http.key"}})
	if !strings.HasPrefix(s.url, "https://") {
		t.Fatalf("started on %s, want https", s.url)
	}
	client, err := es8.NewClient(es8.Config{Addresses: []string{s.url}, Username: "elastic", Password: pw, CACert: ca})
	if err != nil {
		t.Fatal(err)
	}
	res, err := client.Security.Authenticate(client.Security.Authenticate.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var who struct {
		Username string `json:"username"`
	}
	if err := json.NewDecoder(res.Body).Decode(&who); err != nil || res.StatusCode != http.StatusOK || who.Username != "elastic" {
		t.Fatalf("authenticate over TLS: %d %+v %v", res.StatusCode, who, err)
	}
	plain := &http.Client{Timeout: 5 * time.Second}
	if res, err := plain.Get(strings.Replace(s.url, "https://", "http://", 1) + "/"); err == nil {
		res.Body.Close()
		if res.StatusCode == http.StatusOK {
			t.Error("plain HTTP was served on the TLS port")
		}
	}
}
