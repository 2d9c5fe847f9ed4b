package random

import (
	"crypto/rand"
	"encoding/base64"
)

// Alphabets of Elasticsearch's CommandUtils: generated passwords use
// letters, digits and a few symbols that need no quoting in JSON or YAML;
// generated usernames only lower-case letters and digits.
const (
	PasswordChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-*+="
	UsernameChars = "abcdefghijklmnopqrstuvwxyz0123456789"
)

// ID returns an identifier in the form of Elasticsearch's
// UUIDs.randomBase64UUID: a random version 4 UUID in 22 characters of
// URL-safe base64 without padding.
func ID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails since Go 1.24
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Password returns n characters drawn from PasswordChars.
func Password(n int) string { return String(PasswordChars, n) }

// String draws n characters uniformly from chars (at most 256 of them).
func String(chars string, n int) string {
	b := make([]byte, n)
	// Rejection sampling: bytes at or above limit would favour the first
	// characters of the alphabet.
	limit := 256 - 256%len(chars)
	var r [1]byte
	for i := range b {
		for {
			_, _ = rand.Read(r[:])
			if int(r[0]) < limit {
				b[i] = chars[int(r[0])%len(chars)]
				break
			}
		}
	}
	return string(b)
}
