package random

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestID(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := ID()
		b, err := base64.RawURLEncoding.DecodeString(id)
		if len(id) != 22 || err != nil || b[6]>>4 != 4 || b[8]>>6 != 2 {
			t.Fatalf("ID %q is not a base64 version 4 UUID (%v)", id, err)
		}
		if seen[id] {
			t.Fatalf("ID %q repeated", id)
		}
		seen[id] = true
	}
}

// Every character of the alphabet comes up, and nothing else does.
func TestString(t *testing.T) {
	counts := map[rune]int{}
	for _, c := range String(PasswordChars, 20000) {
		if !strings.ContainsRune(PasswordChars, c) {
			t.Fatalf("%q is not in the alphabet", c)
		}
		counts[c]++
	}
	if len(counts) != len(PasswordChars) {
		t.Errorf("%d of %d characters drawn", len(counts), len(PasswordChars))
	}
	// Uniform: each of 68 characters is expected 294 times; a biased
	// modulo would give the first 52 about 25% more than the rest.
	for c, n := range counts {
		if n < 200 || n > 400 {
			t.Errorf("%q drawn %d times out of 20000", c, n)
		}
	}
	if p := Password(20); len(p) != 20 {
		t.Errorf("Password(20) has %d characters", len(p))
	}
}
