package authn

import (
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/esauth/esauth/internal/eserr"
)

// Challenge is the WWW-Authenticate value of Elasticsearch 8.15 and later.
const Challenge = `Basic realm="security", charset="UTF-8"`

// Unauthenticated is Elasticsearch's 401, with the challenge header.
func Unauthenticated(format string, args ...any) *eserr.Error {
	e := eserr.Security(http.StatusUnauthorized, format, args...)
	e.Header = map[string][]string{"WWW-Authenticate": {Challenge}}
	return e
}

// ParseBasic extracts Basic credentials as UsernamePasswordToken does: the
// scheme is case-insensitive, padding is optional, and the password is
// everything after the first colon. Other schemes carry no credentials
// this parser understands (found is false).
func ParseBasic(h string) (username, password string, found bool, err error) {
	const prefix = "basic "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return "", "", false, nil
	}
	enc := strings.TrimRight(strings.TrimSpace(h[len(prefix):]), "=")
	// Decode on the stack when it fits: this runs on every request.
	var stack [256]byte
	raw := stack[:0]
	if n := base64.RawStdEncoding.DecodedLen(len(enc)); n > len(stack) {
		raw = make([]byte, n)
	}
	n, decErr := base64.RawStdEncoding.Decode(raw[:cap(raw)], []byte(enc))
	if decErr != nil {
		return "", "", false, Unauthenticated("invalid basic authentication header encoding")
	}
	username, password, ok := strings.Cut(string(raw[:n]), ":")
	if !ok {
		return "", "", false, Unauthenticated("invalid basic authentication header value")
	}
	return username, password, true, nil
}
