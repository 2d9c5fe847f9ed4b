package config

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad: any settings file either loads into a valid configuration or
// fails with an error; it never panics.
func FuzzLoad(f *testing.F) {
	for _, s := range []string{
		"http.port: 9200\n",
		"http:\n  port: 9300-9400\ncluster.name: prod\n",
		"xpack.security.authc.realms:\n  native.n1:\n    order: 0\n    cache.ttl: 5m\n",
		"xpack.security.authc.realms.file.f.order: x\n",
		"a: [1, 2]\n", "- list\n", "k: ${MISSING}\n", "http.port: 1\nhttp:\n  port: 2\n", "{", "",
	} {
		f.Add(s)
	}
	env := func(string) (string, bool) { return "", false }
	f.Fuzz(func(t *testing.T, content string) {
		path := filepath.Join(t.TempDir(), "esauth.yml")
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := Load(path, nil, env)
		if err != nil {
			return
		}
		_, _ = s.Config()
	})
}
