package authn

import (
	"strings"
	"testing"
)

// FuzzParseBasic: any Authorization header is either credentials, no
// credentials, or a 401; never a panic, and never a password in an error.
func FuzzParseBasic(f *testing.F) {
	for _, s := range []string{"", "Basic ", "Basic am9lOnNlY3JldA==", "basic am9lOnNlY3JldA", "Basic !!!", "Basic am9l",
		"Bearer abc", "BASIC Og==", "Basic " + strings.Repeat("QUFB", 1000)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		user, pass, found, err := ParseBasic(h)
		if err != nil && (found || user != "" || pass != "") {
			t.Fatalf("error with credentials: %q %q %v %v", user, pass, found, err)
		}
		if err != nil && pass != "" && strings.Contains(err.Error(), pass) {
			t.Fatalf("error shows the password: %v", err)
		}
	})
}
