package passhash

import "testing"

// FuzzVerify checks that no hash string makes Verify panic, and that its
// result agrees with Identify and with Hasher.Verify.
func FuzzVerify(f *testing.F) {
	for _, v := range loadVectors(f) {
		f.Add(v.password, v.hash)
	}
	for _, hash := range []string{
		"", "$2a$", "$2a$10$short", "$2a$04#OLNTeJiq3vjYqTZwgDi62OU5MvzkV3Jqz.KiR3pwgQv70pD6bUsGa",
		"$2a$04$OLNTeJiq3vjYqTZwgDi6\u00802OU5MvzkV3Jqz.KiR3pwgQv70pD6bUsGa",
		"{PBKDF2}1000$", "{PBKDF2}1000$$", "{PBKDF2}1000$AAAAAAAAAAA=$", "{PBKDF2}+1000$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA",
		"{PBKDF2_STRETCH}x", "{SSHA256}", "{SSHA256}AQIDBAUGBé==", "{SHA}", "{MD5}",
	} {
		f.Add("test123", hash)
	}
	f.Fuzz(func(t *testing.T, password, hash string) {
		h, idErr := Identify(hash)
		if idErr == nil && slow(h, hash) {
			t.Skip("too slow to fuzz")
		}
		ok, err := Verify(password, hash)
		if err != nil && ok {
			t.Fatalf("Verify(%q, %q) = true with error %v", password, hash, err)
		}
		if idErr != nil {
			if errText(err) != idErr.Error() {
				t.Fatalf("Verify(%q, %q) error %q; Identify said %q", password, hash, errText(err), idErr)
			}
			return
		}
		if got := h.Verify(password, hash); got != (ok && err == nil) {
			t.Fatalf("%s.Verify(%q, %q) = %v; Verify said %v, %v", h, password, hash, got, ok, err)
		}
		_ = ValidateStoredHash(hash, h)
	})
}
