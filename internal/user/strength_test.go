package user

import (
	"strings"
	"testing"
)

func TestPasswordScore(t *testing.T) {
	for _, tt := range []struct {
		pw    string
		valid bool
		want  int
	}{
		{"abc", false, 0},
		{"l0ng-r4nd0m-p@ssw0rd", false, 0}, // the policy refused it
		{"abcdef", true, 1},
		{"Passw0rd!", true, 2},                 // three classes
		{"abcdefghijkl", true, 2},              // 12 characters
		{"abcdefghijklmnop", true, 3},          // 16 characters
		{"l0ng-r4nd0m-p@ssw0rd", true, 4},      // 20 characters, three classes
		{"aaaaaaaaaaaaaaaaaaaaaaaa", true, 1},  // one distinct character
		{"abababababababab", true, 1},          // two distinct characters
		{"abcdabcdabcdabcdAB", true, 3},        // six distinct characters, 18 long
		{"Ωmega-Ωmega-Ωmega-1", true, 4},       // non-ASCII letters count as their case
		{"Ωmega-abcd", true, 2},                // Ω is upper case: three classes
		{strings.Repeat("abcde", 40), true, 3}, // length beyond 16 adds nothing
	} {
		if got := PasswordScore(tt.pw, tt.valid); got != tt.want {
			t.Errorf("PasswordScore(%q, %v) = %d, want %d", tt.pw, tt.valid, got, tt.want)
		}
	}
}
