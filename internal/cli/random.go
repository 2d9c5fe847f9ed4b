package cli

import "crypto/rand"

// Alphabets of Elasticsearch's CommandUtils: generated passwords use
// letters, digits and a few symbols that need no quoting in JSON or YAML;
// generated usernames only lower-case letters and digits.
const (
	passwordChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-*+="
	usernameChars = "abcdefghijklmnopqrstuvwxyz0123456789"
)

// generatedPasswordLength is the length of the passwords reset-password
// generates, as elasticsearch-reset-password's.
const generatedPasswordLength = 20

// randomString draws n characters uniformly from chars with crypto/rand.
func randomString(chars string, n int) string {
	b := make([]byte, n)
	// Rejection sampling: bytes at or above limit would favour the first
	// characters of the alphabet.
	limit := 256 - 256%len(chars)
	var r [1]byte
	for i := range b {
		for {
			_, _ = rand.Read(r[:]) // never fails since Go 1.24
			if int(r[0]) < limit {
				b[i] = chars[int(r[0])%len(chars)]
				break
			}
		}
	}
	return string(b)
}

func generatePassword(n int) string { return randomString(passwordChars, n) }
