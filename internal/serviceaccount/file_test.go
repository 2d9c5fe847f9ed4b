package serviceaccount

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Resolve-only hashes (HasherTests.testResolveFromHash) and the test
// vector of es-hashing.md.
const (
	bcryptHash  = "$2a$10$1oZj.8KmlwiCy4DWKvDH3OU0Ko4WRF4FknyvCh3j/ZtaRCNYA6Xzm"
	pbkdf2Hash  = "{PBKDF2}10000$NB6kwTrIPrwJJTu+KXiPUkW5bMf1oG2BMzDJLA479Bk=$CvCgHb5UkalUiNPicqMDOzIsnh3ppyz3SZOp+Gjv+hc="
	stretchHash = esHash
)

func TestParseTokensFile(t *testing.T) {
	for _, tt := range []struct {
		name     string
		in       string
		want     map[string]string
		problems []Problem
		err      string
	}{
		{name: "empty", in: "", want: map[string]string{}},
		{name: "one token", in: "elastic/fleet-server/token1:" + stretchHash + "\n",
			want: map[string]string{"elastic/fleet-server/token1": stretchHash}},
		{name: "every hash family, no final newline, CRLF and CR",
			in:   "elastic/fleet-server/a:" + bcryptHash + "\r\nelastic/kibana/b:" + pbkdf2Hash + "\relastic/auto-ops/c:" + stretchHash,
			want: map[string]string{"elastic/fleet-server/a": bcryptHash, "elastic/kibana/b": pbkdf2Hash, "elastic/auto-ops/c": stretchHash}},
		{name: "comments and blank lines",
			in:   "# a comment\n\n   \t\n\u2003\n#elastic/kibana/x:" + bcryptHash + "\nelastic/kibana/y:" + bcryptHash + "\n",
			want: map[string]string{"elastic/kibana/y": bcryptHash}},
		{name: "lines are trimmed, the key is not split further",
			in:   "  elastic/kibana/y:" + bcryptHash + " \t\n",
			want: map[string]string{"elastic/kibana/y": bcryptHash}},
		{name: "an indented # is not a comment",
			in:   " #elastic/kibana/y:" + bcryptHash + "\n",
			want: map[string]string{"#elastic/kibana/y": bcryptHash},
			problems: []Problem{{1, "key [#elastic/kibana/y] names the unknown service account [#elastic/kibana] " +
				"(known: [elastic/fleet-server,elastic/fleet-server-remote,elastic/auto-ops,elastic/kibana,elastic/enterprise-search-server]); it can never authenticate"}}},
		{name: "a no-break space is not blank: the line has no colon",
			in: "\u00a0\n", err: "Missing ':' character at line #1"},
		{name: "duplicate: the last wins",
			in:       "elastic/kibana/y:" + bcryptHash + "\nelastic/kibana/y:" + pbkdf2Hash + "\n",
			want:     map[string]string{"elastic/kibana/y": pbkdf2Hash},
			problems: []Problem{{2, "found duplicated key [elastic/kibana/y], already on line 1; earlier entries are overridden"}}},
		{name: "plain text is skipped",
			in:   "elastic/kibana/y:my-secret-value\nelastic/kibana/z:\nelastic/kibana/w : " + bcryptHash + "\n",
			want: map[string]string{},
			problems: []Problem{
				{1, "skipping plaintext service account token for key [elastic/kibana/y]: the part after ':' must be a hash (create tokens with the service-tokens tool)"},
				{2, "skipping plaintext service account token for key [elastic/kibana/z]: the part after ':' must be a hash (create tokens with the service-tokens tool)"},
				{3, "skipping plaintext service account token for key [elastic/kibana/w ]: the part after ':' must be a hash (create tokens with the service-tokens tool)"},
			}},
		{name: "a plain-text line does not override an earlier hash",
			in:       "elastic/kibana/y:" + bcryptHash + "\nelastic/kibana/y:oops\n",
			want:     map[string]string{"elastic/kibana/y": bcryptHash},
			problems: []Problem{{2, "skipping plaintext service account token for key [elastic/kibana/y]: the part after ':' must be a hash (create tokens with the service-tokens tool)"}}},
		{name: "split at the first colon",
			in:       "elastic/kibana/y::" + bcryptHash + "\n",
			want:     map[string]string{},
			problems: []Problem{{1, "skipping plaintext service account token for key [elastic/kibana/y]: the part after ':' must be a hash (create tokens with the service-tokens tool)"}}},
		{name: "keys that can never authenticate are kept and reported",
			in: "elastic/kibana:" + bcryptHash + "\nelastic/kibana/a/b:" + bcryptHash + "\nfoo/bar/t:" + bcryptHash +
				"\nelastic/kibana/_t:" + bcryptHash + "\n:" + bcryptHash + "\n",
			want: map[string]string{"elastic/kibana": bcryptHash, "elastic/kibana/a/b": bcryptHash, "foo/bar/t": bcryptHash,
				"elastic/kibana/_t": bcryptHash, "": bcryptHash},
			problems: []Problem{
				{1, "key [elastic/kibana] is not of the form namespace/service_name/token_name; it can never authenticate"},
				{2, "key [elastic/kibana/a/b] is not of the form namespace/service_name/token_name; it can never authenticate"},
				{3, "key [foo/bar/t] names the unknown service account [foo/bar] (known: [elastic/fleet-server,elastic/fleet-server-remote,elastic/auto-ops,elastic/kibana,elastic/enterprise-search-server]); it can never authenticate"},
				{4, "key [elastic/kibana/_t]: invalid service token name [_t]. " + InvalidTokenNameMessage + "; the token works but the API and the tool cannot manage it"},
				{5, "key [] is not of the form namespace/service_name/token_name; it can never authenticate"},
			}},
		{name: "missing colon fails the file",
			in: "elastic/kibana/y:" + bcryptHash + "\n# ok\nelastic/kibana/z\n", err: "Missing ':' character at line #3"},
		{name: "bcrypt cost out of range fails the file",
			in:  "elastic/kibana/y:$2a$15$" + bcryptHash[7:] + "\n",
			err: "Invalid hash for key [elastic/kibana/y]: it starts like a bcrypt hash, but with a cost Elasticsearch cannot read or does not support at line #1"},
		{name: "unreadable PBKDF2 iterations fail the file",
			in:  "elastic/kibana/y:{PBKDF2}12a$abc$def\n",
			err: "Invalid hash for key [elastic/kibana/y]: it starts like a PBKDF2 hash, but with a cost Elasticsearch cannot read or does not support at line #1"},
		{name: "unsupported PBKDF2_STRETCH iterations fail the file",
			in:  "elastic/kibana/y:{PBKDF2_STRETCH}20000$abc$def\n",
			err: "Invalid hash for key [elastic/kibana/y]: it starts like a PBKDF2_STRETCH hash, but with a cost Elasticsearch cannot read or does not support at line #1"},
		{name: "not UTF-8 fails the file", in: "elastic/kibana/y:" + bcryptHash + "\n\xff\n", err: "the file is not valid UTF-8"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, problems, err := ParseTokensFile([]byte(tt.in))
			if tt.err != "" {
				var fe *FileError
				if !errors.As(err, &fe) || err.Error() != tt.err || got != nil {
					t.Fatalf("got %v, %v; want FileError %q", got, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("tokens (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.problems, problems); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

// TestProblemsHideHashes checks that no problem or error quotes what
// follows the colon: it may be a hash, a secret or a whole token.
func TestProblemsHideHashes(t *testing.T) {
	const secret = "AAEAAWVsYXN0aWMvZmxlZXQtc2VydmVyL3Rva2VuMTpyNXdk-secret"
	for _, in := range []string{
		"elastic/kibana/y:" + secret + "\n",
		"elastic/kibana/y:$2a$" + secret + "\n",
		"elastic/kibana/y:$2a$1" + secret + strings.Repeat("x", 60) + "\n",
		"elastic/kibana/y:{PBKDF2}" + secret + "$x$y\n",
		"elastic/kibana/y:{PBKDF2_STRETCH}1" + secret + "$x$y\n",
	} {
		_, problems, err := ParseTokensFile([]byte(in))
		all := ""
		for _, p := range problems {
			all += p.String()
		}
		if err != nil {
			all += err.Error()
		}
		if all == "" {
			t.Errorf("%q: no problem reported", in)
		}
		if strings.Contains(all, "secret") {
			t.Errorf("%q: a report quotes the hash part: %s", in, all)
		}
	}
}

func TestWriteTokensFile(t *testing.T) {
	dir := t.TempDir()
	tokens := map[string]string{"elastic/kibana/b": bcryptHash, "elastic/fleet-server/a": stretchHash, "elastic/auto-ops/c": pbkdf2Hash}
	if err := WriteTokensFile(dir, tokens); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, TokensFile))
	if err != nil {
		t.Fatal(err)
	}
	want := "elastic/auto-ops/c:" + pbkdf2Hash + "\nelastic/fleet-server/a:" + stretchHash + "\nelastic/kibana/b:" + bcryptHash + "\n"
	if string(data) != want {
		t.Errorf("file =\n%s\nwant\n%s", data, want)
	}
	back, problems, err := ReadTokensFile(dir)
	if err != nil || len(problems) != 0 || !maps.Equal(back, tokens) {
		t.Errorf("read back %v %v %v", back, problems, err)
	}
	if runtime.GOOS != "windows" {
		fi, _ := os.Stat(filepath.Join(dir, TokensFile))
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("new file mode %v, want 0600", fi.Mode().Perm())
		}
		// An existing file keeps its mode, but never stays open to others.
		if err := os.Chmod(filepath.Join(dir, TokensFile), 0o647); err != nil {
			t.Fatal(err)
		}
		if err := WriteTokensFile(dir, map[string]string{}); err != nil {
			t.Fatal(err)
		}
		fi, _ = os.Stat(filepath.Join(dir, TokensFile))
		if fi.Mode().Perm() != 0o640 {
			t.Errorf("rewritten file mode %v, want 0640", fi.Mode().Perm())
		}
	}
	// Sorted by key, however many.
	many := map[string]string{}
	var lines []string
	for _, c := range "jihgfedcba" {
		key := "elastic/kibana/" + string(c)
		many[key] = bcryptHash
		lines = append([]string{key + ":" + bcryptHash + "\n"}, lines...)
	}
	if err := WriteTokensFile(dir, many); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, TokensFile)); string(data) != strings.Join(lines, "") {
		t.Errorf("not sorted:\n%s", data)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
	// A key may end in white space: it reads back the same.
	odd := map[string]string{"elastic/kibana/k ": bcryptHash}
	if err := WriteTokensFile(dir, odd); err != nil {
		t.Fatal(err)
	}
	if back, _, err := ReadTokensFile(dir); err != nil || !maps.Equal(back, odd) {
		t.Errorf("trailing space in a key: %q, %v", back, err)
	}
	for _, bad := range []map[string]string{
		{"a:b/c/d": bcryptHash},
		{"#a/b/c": bcryptHash},
		{"": bcryptHash},
		{" a/b/c": bcryptHash},
		{"a/b/c\n": bcryptHash},
		{"a/b/c": ""},
		{"a/b/c": bcryptHash + "\nx/y/z:" + bcryptHash},
		{"a/b/c": " " + bcryptHash},
	} {
		err := WriteTokensFile(dir, bad)
		if err == nil {
			t.Errorf("%q written", bad)
		} else if strings.Contains(err.Error(), bcryptHash) {
			t.Errorf("the error quotes the hash: %v", err)
		}
	}
}

func TestReadTokensFile(t *testing.T) {
	dir := t.TempDir()
	if got, _, err := ReadTokensFile(dir); err != nil || len(got) != 0 || got == nil {
		t.Errorf("missing file: %v, %v; want no tokens", got, err)
	}
	if err := os.WriteFile(filepath.Join(dir, TokensFile), []byte("no colon\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := ReadTokensFile(dir)
	var fe *FileError
	if !errors.As(err, &fe) || fe.Line != 1 ||
		err.Error() != "failed to parse service tokens file ["+filepath.Join(dir, TokensFile)+"]: Missing ':' character at line #1" {
		t.Errorf("got %v", err)
	}
	if err := os.Remove(filepath.Join(dir, TokensFile)); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, TokensFile), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ReadTokensFile(dir); err == nil || errors.As(err, &fe) {
		t.Errorf("a directory in place of the file: %v", err)
	}
}
