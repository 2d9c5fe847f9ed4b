package layers

import (
	"go/build"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/esauth/esauth/"

// tiers lists esauth's packages from the bottom up; a package may import
// packages of its own tier or below, never above.
var tiers = [][]string{
	{"internal/pattern", "internal/eserr", "internal/user", "internal/xcontent", "internal/store", "internal/passhash",
		"internal/suggest", "internal/random", "internal/filewatch", "internal/timevalue", "internal/latency", "internal/store/boltstore", "internal/store/etcdstore",
		"internal/store/etcdstore/etcdtest", "internal/store/storetest", "internal/layers", "internal/webui"},
	{"internal/indices", "internal/fakecluster", "internal/gateway/table", "internal/gateway/items", "internal/roles", "internal/apikey", "internal/nativeusers", "internal/authcache", "internal/lockout",
		"internal/lastauth", "internal/audit", "internal/metrics", "internal/peers", "internal/securityquery",
		"internal/config", "internal/tlsconf", "internal/serviceaccount", "internal/tokens", "internal/profiles", "internal/apppriv"},
	{"internal/realm", "internal/filerealm", "internal/rest"},
	{"internal/authn"},
	{"internal/authz"},
	{"internal/upstream"},
	{"internal/pipeline"},
	{"internal/securityapi", "internal/gateway"},
	{"internal/server", "internal/server/servertest"},
	{"internal/cli"},
	{"cmd/esauth"},
}

func TestImportsFlowDownwards(t *testing.T) {
	tier := map[string]int{}
	for i, pkgs := range tiers {
		for _, p := range pkgs {
			tier[p] = i
		}
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, top := range []string{"internal", "cmd"} {
		err := filepath.WalkDir(filepath.Join(root, top), func(dir string, d fs.DirEntry, err error) error {
			if err != nil || !d.IsDir() || d.Name() == "testdata" {
				return err
			}
			pkg, err := build.ImportDir(dir, 0)
			if _, none := err.(*build.NoGoError); none {
				return nil
			}
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, dir)
			rel = filepath.ToSlash(rel)
			mine, ok := tier[rel]
			if !ok {
				t.Errorf("package %s has no tier: add it to tiers (and to docs/architecture.md)", rel)
				return nil
			}
			seen++
			for _, imp := range pkg.Imports {
				dep, ok := strings.CutPrefix(imp, module)
				if !ok {
					continue
				}
				if tier[dep] > mine {
					t.Errorf("%s (tier %d) imports %s (tier %d), which is above it", rel, mine, dep, tier[dep])
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if seen < 30 {
		t.Errorf("only %d packages checked", seen)
	}
}
