package serviceaccount

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/esauth/esauth/internal/random"
)

// prefix is ServiceAccountToken.PREFIX: magic byte, token type, reserved
// byte, format version. Every encoded token therefore starts with "AAEAA".
var prefix = [4]byte{0, 1, 0, 1}

// MinSecretLength is ServiceAccountService.MIN_TOKEN_SECRET_LENGTH: a
// shorter secret fails authentication before any store is asked.
const MinSecretLength = 10

// Token is a parsed or generated service account token. Its secret is
// unexported and every way of printing a Token leaves it out.
type Token struct {
	Namespace, Service, Name string
	secret                   string
}

// Principal is "namespace/service".
func (t Token) Principal() string { return t.Namespace + "/" + t.Service }

// QualifiedName is "namespace/service/name", the key of the token in the
// service_tokens file, in the store and in the caches.
func (t Token) QualifiedName() string { return t.Principal() + "/" + t.Name }

// Secret returns the secret. Only authentication and the one answer that
// hands a new token out need it.
func (t Token) Secret() string { return t.secret }

// Bearer encodes the token as clients send it after "Bearer "
// (ServiceAccountToken.asBearerString): base64 of the prefix and
// "namespace/service/name:secret", standard alphabet, no padding.
func (t Token) Bearer() string {
	b := make([]byte, 0, len(prefix)+len(t.QualifiedName())+1+len(t.secret))
	b = append(b, prefix[:]...)
	b = append(b, t.QualifiedName()...)
	b = append(b, ':')
	b = append(b, t.secret...)
	return base64.RawStdEncoding.EncodeToString(b)
}

// String names the token without its secret, so that %v and %s are safe.
func (t Token) String() string { return t.QualifiedName() }

// GoString keeps %#v from printing the secret too.
func (t Token) GoString() string { return "serviceaccount.Token{" + t.QualifiedName() + "}" }

// ErrNotServiceToken means a bearer value is not a service account token
// at all. Elasticsearch then offers it to the next authenticator (the
// OAuth2 token service), so this is never a 401 by itself. Every error of
// ParseBearer wraps it.
var ErrNotServiceToken = errors.New("not a service account token")

// notMine wraps ErrNotServiceToken with why, for debug logs; the reasons
// never quote the value, which may hold a secret.
func notMine(reason string) error { return fmt.Errorf("%w: %s", ErrNotServiceToken, reason) }

// ParseBearer reads the value of an `Authorization: Bearer` header as
// ServiceAccountService.tryParseToken does. Whatever it cannot read as a
// service token (bad base64, another prefix, no ':', a qualified name
// without exactly three '/'-separated parts) is ErrNotServiceToken:
// Elasticsearch swallows each of these and lets the token service try.
// It does not check that the account exists or that the secret is long
// enough; authentication does, and refuses with a 401.
func ParseBearer(bearer string) (Token, error) {
	raw, err := decodeJavaBase64(bearer)
	if err != nil {
		return Token{}, notMine(err.Error())
	}
	if len(raw) < len(prefix) || [4]byte(raw[:4]) != prefix {
		return Token{}, notMine("the 4 leading bytes are not the service token prefix")
	}
	content := decodeUTF8(raw[4:])
	qualified, secret, ok := strings.Cut(content, ":")
	if !ok {
		return Token{}, notMine("missing ':'")
	}
	// Strings.delimitedListToStringArray: empty parts count.
	parts := strings.Split(qualified, "/")
	if len(parts) != 3 {
		return Token{}, notMine("The qualified name of a service token should take format of " +
			"'namespace/service_name/token_name', got [" + qualified + "]")
	}
	return Token{Namespace: parts[0], Service: parts[1], Name: parts[2], secret: secret}, nil
}

// BearerCredentials returns the value of a Bearer Authorization header,
// matching the scheme case-insensitively with exactly one space after it
// (Authenticator.extractBearerTokenFromHeader). An empty value is no
// credential.
func BearerCredentials(header string) (string, bool) {
	const scheme = "bearer "
	if len(header) <= len(scheme) || !strings.EqualFold(header[:len(scheme)], scheme) {
		return "", false
	}
	return header[len(scheme):], true
}

// secretLength counts Java chars (UTF-16 code units), as SecureString's
// length does.
func secretLength(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// NewToken generates a token for a built-in account, as
// ServiceAccountToken.newToken does: the secret is a random version 4 UUID
// in 22 characters of URL-safe base64 (UUIDs.randomBase64UUIDSecureString).
// The name must be valid.
func NewToken(a *Account, name string) (Token, error) {
	if err := ValidateTokenName(name); err != nil {
		return Token{}, err
	}
	return Token{Namespace: a.namespace, Service: a.service, Name: name, secret: random.ID()}, nil
}

// maxTokenNameLength is the {0,255} of the token name pattern plus its
// first character.
const maxTokenNameLength = 256

// InvalidTokenNameMessage is Validation.INVALID_SERVICE_ACCOUNT_TOKEN_NAME_MESSAGE.
const InvalidTokenNameMessage = "service account token name must have at least 1 character and at most 256 characters " +
	"that are alphanumeric (A-Z, a-z, 0-9) or hyphen (-) or underscore (_). It must not begin with an underscore (_)."

// TokenNameError is an invalid token name; its text is
// Validation.formatInvalidServiceTokenNameErrorMessage.
type TokenNameError struct{ Name string }

func (e *TokenNameError) Error() string {
	return "invalid service token name [" + e.Name + "]. " + InvalidTokenNameMessage
}

// ValidateTokenName applies ^[a-zA-Z0-9-][a-zA-Z0-9_-]{0,255}$, the rule
// for tokens created through the API or the CLI. Tokens are never
// checked against it when they authenticate.
func ValidateTokenName(name string) error {
	if name == "" || len(name) > maxTokenNameLength || name[0] == '_' {
		return &TokenNameError{Name: name}
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return &TokenNameError{Name: name}
		}
	}
	return nil
}

// NewTokenName is the name RestCreateServiceAccountTokenAction gives a
// token created without one: "token_" and a time-based id
// (UUIDs.base64UUID), 26 characters in all.
func NewTokenName() string { return "token_" + timeBasedID() }

// The state of timeBasedID, as TimeBasedUUIDGenerator keeps it: a
// sequence number starting at random, the last timestamp used (never
// going backwards), and a random stand-in for the MAC address.
var flake struct {
	once     sync.Once
	mu       sync.Mutex
	sequence uint32
	last     int64
	node     [6]byte
}

// timeBasedID is TimeBasedUUIDGenerator.getBase64UUID: 15 bytes of
// sequence number, milliseconds and node, in Elasticsearch's byte order,
// as 20 characters of URL-safe base64.
func timeBasedID() string {
	flake.once.Do(func() {
		var b [4]byte
		_, _ = rand.Read(b[:]) // never fails since Go 1.24
		flake.sequence = binary.BigEndian.Uint32(b[:])
		_, _ = rand.Read(flake.node[:])
	})
	flake.mu.Lock()
	flake.sequence++
	seq := flake.sequence & 0xffffff
	ts := max(time.Now().UnixMilli(), flake.last)
	if seq == 0 {
		ts++ // the sequence wrapped: move on so that no id repeats
	}
	flake.last = ts
	flake.mu.Unlock()
	b := [15]byte{
		byte(seq), byte(seq >> 16),
		byte(ts >> 16), byte(ts >> 24), byte(ts >> 32), byte(ts >> 40),
	}
	copy(b[6:12], flake.node[:])
	b[12], b[13], b[14] = byte(ts>>8), byte(seq>>8), byte(ts)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// decodeJavaBase64 decodes as Base64.getDecoder().wrap(stream) reads, which
// is how ServiceAccountToken.fromBearerString decodes: the standard
// alphabet only (no white space, no URL-safe characters), padding optional,
// a lone character left over is an error, and the first '=' ends the
// input: the one '=' that may follow it is read and anything after is
// never looked at. Unused trailing bits are not checked.
func decodeJavaBase64(s string) ([]byte, error) {
	out := make([]byte, 0, len(s)*3/4+2)
	var bits uint32
	n := 0 // characters of the current 4-character unit
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '=' {
			// "=" alone or after one character is never valid; after two
			// characters a second "=" must follow.
			if n < 2 || n == 2 && (i+1 >= len(s) || s[i+1] != '=') {
				return nil, errors.New("illegal base64 ending sequence")
			}
			return flush(out, bits, n), nil
		}
		v := base64Value(c)
		if v < 0 {
			return nil, errors.New("illegal base64 character")
		}
		bits = bits<<6 | uint32(v)
		n++
		if n == 4 {
			out = append(out, byte(bits>>16), byte(bits>>8), byte(bits))
			bits, n = 0, 0
		}
	}
	if n == 1 {
		return nil, errors.New("base64 input has one un-decoded dangling character")
	}
	return flush(out, bits, n), nil
}

// flush appends the bytes of a final unit of n (2 or 3) characters.
func flush(out []byte, bits uint32, n int) []byte {
	switch n {
	case 2:
		return append(out, byte(bits>>4))
	case 3:
		return append(out, byte(bits>>10), byte(bits>>2))
	}
	return out
}

func base64Value(c byte) int {
	switch {
	case 'A' <= c && c <= 'Z':
		return int(c - 'A')
	case 'a' <= c && c <= 'z':
		return int(c-'a') + 26
	case '0' <= c && c <= '9':
		return int(c-'0') + 52
	case c == '+':
		return 62
	case c == '/':
		return 63
	}
	return -1
}

// decodeUTF8 is CharArrays.utf8BytesToChars: Java's UTF-8 decoder with
// REPLACE, which puts one U+FFFD for each maximal ill-formed subpart (and
// one for an encoded surrogate), so that a token name with broken UTF-8
// reads as it does in Elasticsearch's messages.
func decodeUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r != utf8.RuneError || n > 1 {
			sb.Write(b[:n])
			b = b[n:]
			continue
		}
		sb.WriteRune(utf8.RuneError)
		b = b[illFormed(b):]
	}
	return sb.String()
}

// illFormed returns the length of the ill-formed sequence at the start of
// b: the longest prefix that could begin a well-formed character (Unicode's
// "maximal subpart"), at least 1; a complete encoded surrogate counts as
// one sequence, as Java's decoder treats it.
func illFormed(b []byte) int {
	lo, hi, need := byte(0x80), byte(0xBF), 0
	switch c := b[0]; {
	case c >= 0xC2 && c <= 0xDF:
		need = 1
	case c == 0xE0:
		need, lo = 2, 0xA0
	case c == 0xED:
		if len(b) >= 3 && b[1] >= 0xA0 && b[1] <= 0xBF && b[2] >= 0x80 && b[2] <= 0xBF {
			return 3
		}
		need, hi = 2, 0x9F
	case c >= 0xE1 && c <= 0xEF:
		need = 2
	case c == 0xF0:
		need, lo = 3, 0x90
	case c >= 0xF1 && c <= 0xF3:
		need = 3
	case c == 0xF4:
		need, hi = 3, 0x8F
	default:
		return 1
	}
	n := 1
	for ; n <= need && n < len(b); n++ {
		if b[n] < lo || b[n] > hi {
			return n
		}
		lo, hi = 0x80, 0xBF
	}
	return n
}
