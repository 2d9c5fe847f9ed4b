package passhash

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

type vector struct {
	line           int
	hash, password string
	want           bool
	origin         string
}

// loadVectors reads testdata/es-hash-vectors.tsv.
func loadVectors(tb testing.TB) []vector {
	tb.Helper()
	f, err := os.Open("testdata/es-hash-vectors.tsv")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var vs []vector
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, "\t")
		if len(fields) != 4 || (fields[2] != "true" && fields[2] != "false") {
			tb.Fatalf("es-hash-vectors.tsv:%d: malformed line %q", n, line)
		}
		vs = append(vs, vector{line: n, hash: fields[0], password: fields[1], want: fields[2] == "true", origin: fields[3]})
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	if len(vs) == 0 {
		tb.Fatal("no vectors")
	}
	return vs
}

func mustResolve(tb testing.TB, name string) Hasher {
	tb.Helper()
	h, err := Resolve(name)
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

// slow reports whether verifying hash with h takes long enough to skip
// under the race detector, in -short runs and while fuzzing.
func slow(h Hasher, hash string) bool {
	switch h.fam {
	case famBcrypt:
		return h.cost > 6
	case famPBKDF2, famStretch:
		return h.cost > 10000 || len(hash) > 512
	}
	return false
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// allNames is every name Resolve accepts.
func allNames() []string {
	return append(StoredAlgorithms(), "sha1", "md5", "ssha256", "noop", "clear_text")
}
