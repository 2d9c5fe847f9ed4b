package server

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esauth/esauth/internal/config"
	"github.com/esauth/esauth/internal/nativeusers"
	"github.com/esauth/esauth/internal/passhash"
	"github.com/esauth/esauth/internal/random"
	"github.com/esauth/esauth/internal/store/boltstore"
)

func TestClusterUUIDIsStable(t *testing.T) {
	db, err := boltstore.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	a, err := clusterUUID(ctx, db)
	if err != nil || len(a) != 22 {
		t.Fatalf("uuid %q, %v", a, err)
	}
	b, _ := clusterUUID(ctx, db)
	if a != b {
		t.Errorf("uuid changed: %s then %s", a, b)
	}
}

func TestBootstrapElastic(t *testing.T) {
	h, _ := passhash.Resolve("bcrypt4")
	tests := []struct {
		env        string
		wantOutput bool
		wantErr    string
	}{
		{"", true, ""},
		{"from-env-pw", false, ""},
		{"short", false, "ELASTIC_PASSWORD: passwords must be at least [6] characters long"},
	}
	for _, tt := range tests {
		db, err := boltstore.Open(filepath.Join(t.TempDir(), "db"))
		if err != nil {
			t.Fatal(err)
		}
		users := nativeusers.New(db)
		var out bytes.Buffer
		opt := Options{Config: config.Config{PasswordHasher: h, ReservedRealmEnabled: true},
			Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Stdout: &out,
			Getenv: func(string) string { return tt.env }}
		err = bootstrapElastic(context.Background(), users, opt)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("env %q: err %v, want %s", tt.env, err, tt.wantErr)
			}
			db.Close()
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		st, _ := users.GetReserved(context.Background(), "elastic")
		pw := tt.env
		if tt.wantOutput {
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			pw = strings.TrimSpace(lines[len(lines)-1])
			if len(pw) != 20 || !strings.Contains(out.String(), "Password for the elastic user") {
				t.Errorf("printed %q", out.String())
			}
		} else if out.Len() != 0 {
			t.Errorf("printed %q with ELASTIC_PASSWORD set", out.String())
		}
		if ok, _ := passhash.Verify(pw, st.PasswordHash); !ok {
			t.Errorf("env %q: stored hash does not verify the password", tt.env)
		}
		// A second start keeps the password and prints nothing.
		out.Reset()
		opt.Getenv = func(string) string { return "another-password" }
		if err := bootstrapElastic(context.Background(), users, opt); err != nil || out.Len() != 0 {
			t.Errorf("second start: %v %q", err, out.String())
		}
		if st2, _ := users.GetReserved(context.Background(), "elastic"); st2 != st {
			t.Error("second start changed the elastic password")
		}
		db.Close()
	}
}

func TestListenPortRange(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := busy.Addr().(*net.TCPAddr).Port
	ln, err := listen(config.Config{HTTPHost: "127.0.0.1", HTTPPortLow: port, HTTPPortHigh: port + 1})
	if err != nil {
		t.Skipf("port %d is taken too: %v", port+1, err)
	}
	defer ln.Close()
	if got := ln.Addr().(*net.TCPAddr).Port; got != port+1 {
		t.Errorf("bound %d, want the next free port %d", got, port+1)
	}
	if _, err := listen(config.Config{HTTPHost: "127.0.0.1", HTTPPortLow: port, HTTPPortHigh: port}); err == nil ||
		!strings.Contains(err.Error(), "cannot bind") {
		t.Errorf("busy port: %v", err)
	}
}

func TestGeneratePassword(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		pw := random.Password(20)
		if len(pw) != 20 || strings.Trim(pw, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-*+=") != "" {
			t.Fatalf("bad password %q", pw)
		}
		if seen[pw] {
			t.Fatalf("repeated password %q", pw)
		}
		seen[pw] = true
	}
}

func TestNodeIDPersists(t *testing.T) {
	dir := t.TempDir()
	a, err := loadNodeID(dir)
	if err != nil || len(a) != 22 {
		t.Fatalf("node id %q, %v", a, err)
	}
	if b, _ := loadNodeID(dir); b != a {
		t.Errorf("node id changed: %s then %s", a, b)
	}
	if c, _ := loadNodeID(t.TempDir()); c == a {
		t.Error("two data paths share a node id")
	}
	// path.data need not exist yet (with etcd nothing else creates it).
	if d, err := loadNodeID(filepath.Join(t.TempDir(), "new", "data")); err != nil || len(d) != 22 {
		t.Errorf("node id in a new directory: %q, %v", d, err)
	}
}
