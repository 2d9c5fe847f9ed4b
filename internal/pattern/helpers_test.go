package pattern

import (
	"math/rand/v2"
	"strings"
)

// allStrings returns every string of at most n symbols from alphabet
// (whose symbols may be multi-byte), shortest first.
func allStrings(alphabet string, n int) []string {
	syms := strings.Split(alphabet, "")
	out := []string{""}
	level := []string{""}
	for range n {
		var next []string
		for _, p := range level {
			for _, c := range syms {
				next = append(next, p+c)
			}
		}
		out = append(out, next...)
		level = next
	}
	return out
}

// randomString returns a string of up to n symbols from alphabet.
func randomString(rng *rand.Rand, alphabet string, n int) string {
	syms := []rune(alphabet)
	var b strings.Builder
	for range rng.IntN(n + 1) {
		b.WriteRune(syms[rng.IntN(len(syms))])
	}
	return b.String()
}
