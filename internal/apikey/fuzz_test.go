package apikey

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

// FuzzDecodeCredentials checks the header decoding against Go's own
// base64 where the two must agree, and that it never panics.
func FuzzDecodeCredentials(f *testing.F) {
	for _, s := range []string{b64("id:secret"), "aWQ6c2VjcmV0", "aWQ6c", "=", "aWQ6cw==x", "aWQ6c2Vjé", "", ":", b64(":x"), b64("a:b:c")} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, payload string) {
		c, err := DecodeCredentials(payload)
		var ae *AuthError
		if err != nil && !errors.As(err, &ae) {
			t.Fatalf("%q: error of another kind: %v", payload, err)
		}
		// Well-formed standard base64, padded or not, decodes as Go's does
		// (which skips CR and LF; Java's basic decoder refuses them).
		if strings.ContainsAny(payload, "\r\n") {
			if err == nil {
				t.Fatalf("%q: line breaks accepted", payload)
			}
			return
		}
		raw, goErr := base64.StdEncoding.DecodeString(payload)
		if goErr != nil {
			raw, goErr = base64.RawStdEncoding.DecodeString(payload)
		}
		if goErr == nil {
			if err != nil && ae.Reason != "invalid ApiKey value" {
				t.Fatalf("%q: Go decodes it, DecodeCredentials says %v", payload, err)
			}
			colon := strings.IndexByte(string(raw), ':')
			if (colon < 1) != (err != nil) {
				t.Fatalf("%q: colon at %d, error %v", payload, colon, err)
			}
			if err == nil && (c.ID != javaString(string(raw[:colon])) || c.Secret() != javaString(string(raw[colon+1:]))) {
				t.Fatalf("%q: got %q %q", payload, c.ID, c.Secret())
			}
		}
		if err == nil && (c.ID == "" || strings.Contains(c.ID, ":")) {
			t.Fatalf("%q: id %q", payload, c.ID)
		}
	})
}
