package apikey

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/esauth/esauth/internal/passhash"
	"github.com/esauth/esauth/internal/store"
)

// AuthError is an unsuccessful API key authentication, with Elasticsearch's
// message (ApiKeyService's AuthenticationResult.unsuccessful/terminate).
// The REST layer reports it as a 401 whose additional_unsuccessful_credentials
// is "API key: " + Reason.
type AuthError struct {
	Reason string
	// Terminate marks results that end authentication at once with this
	// message as the 401's reason (a key of another type, a server too
	// busy); the others let the chain go on, which then fails with
	// "unable to authenticate with provided credentials and anonymous
	// access is not allowed for this request".
	Terminate bool
	cause     error
}

func (e *AuthError) Error() string { return "API key: " + e.Reason }

// Unwrap returns the store or gate error behind the failure, if any.
func (e *AuthError) Unwrap() error { return e.cause }

func unsuccessful(format string, args ...any) *AuthError {
	if len(args) == 0 {
		return &AuthError{Reason: format}
	}
	return &AuthError{Reason: sprintf(format, args...)}
}

// HeaderCredentials is Authenticator.extractCredentialFromHeaderValue(h,
// "ApiKey"): the value after "ApiKey " (scheme in any case, exactly one
// space), or false when the header is of another scheme or empty after it.
func HeaderCredentials(header string) (string, bool) {
	const scheme = "ApiKey "
	if len(header) <= len(scheme) || !strings.EqualFold(header[:len(scheme)], scheme) {
		return "", false
	}
	return header[len(scheme):], true
}

// DecodeCredentials is ApiKeyService.parseApiKey: standard base64 (padding
// optional) of "id:secret", split at the first colon. Its errors carry
// Java's messages ("Illegal base64 character 5f", "invalid ApiKey value").
func DecodeCredentials(payload string) (Credentials, error) {
	decoded, err := javaBase64Decode(payload)
	if err != nil {
		return Credentials{}, err
	}
	colon := strings.IndexByte(decoded, ':')
	if colon < 1 {
		return Credentials{}, unsuccessful("invalid ApiKey value")
	}
	return Credentials{ID: javaString(decoded[:colon]), secret: javaString(decoded[colon+1:])}, nil
}

// javaString decodes UTF-8 as Java does, each malformed byte becoming
// U+FFFD.
func javaString(b string) string {
	if utf8.ValidString(b) {
		return b
	}
	var sb strings.Builder
	for _, r := range b {
		sb.WriteRune(r)
	}
	return sb.String()
}

const base64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// javaBase64Decode is java.util.Base64.getDecoder().decode of the header
// value's UTF-8 bytes (HTTP header bytes are Latin-1 characters to
// Elasticsearch), with the decoder's messages.
func javaBase64Decode(s string) (string, error) {
	src := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		src = utf8.AppendRune(src, rune(s[i]))
	}
	dst := make([]byte, 0, len(src)*3/4+3)
	bits, shift, sp := 0, 18, 0
	for sp < len(src) {
		c := src[sp]
		sp++
		v := strings.IndexByte(base64Alphabet, c)
		if v < 0 {
			if c == '=' {
				// "=" needs no padding, "xx=" misses its second "=",
				// "xx=y" ends with something else.
				if shift == 6 && (sp == len(src) || func() bool { sp++; return src[sp-1] != '=' }()) || shift == 18 {
					return "", unsuccessful("Input byte array has wrong 4-byte ending unit")
				}
				break
			}
			return "", unsuccessful("Illegal base64 character %s", strconv.FormatInt(int64(int8(c)), 16))
		}
		bits |= v << shift
		shift -= 6
		if shift < 0 {
			dst = append(dst, byte(bits>>16), byte(bits>>8), byte(bits))
			shift, bits = 18, 0
		}
	}
	switch shift {
	case 6:
		dst = append(dst, byte(bits>>16))
	case 0:
		dst = append(dst, byte(bits>>16), byte(bits>>8))
	case 12:
		return "", unsuccessful("Last unit does not have enough valid bits")
	}
	if sp < len(src) {
		return "", unsuccessful("Input byte array has incorrect ending byte at %d", sp)
	}
	return string(dst), nil
}

// maxFreshAttempts bounds the re-reads of a key that keeps being
// invalidated while it authenticates; the last read bypasses every cache.
const maxFreshAttempts = 3

// Authenticate checks the credentials of an "ApiKey" header (the value
// after the scheme) as ApiKeyService does, in its order: the document by
// id, its doc_type, whether it is invalidated, the secret against the
// stored hash (through the cache), the key's type, then expiry. A failure
// is an *AuthError with Elasticsearch's message; other errors are the
// context's.
//
// A successful answer was true at some instant during the call: once
// Invalidate(id) has returned, no call returns success from what was read
// before it.
func (s *Service) Authenticate(ctx context.Context, payload string) (*Authenticated, error) {
	creds, err := DecodeCredentials(payload)
	if err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		fresh := attempt == maxFreshAttempts
		gen := s.docs.gen(creds.ID)
		a, err := s.authenticateOnce(ctx, creds, gen, fresh)
		if err != nil {
			return nil, err // a refusal is never made stale by an invalidation
		}
		if fresh || s.docs.gen(creds.ID) == gen {
			s.used.record(creds.ID, s.now())
			return a, nil
		}
	}
}

func (s *Service) authenticateOnce(ctx context.Context, creds Credentials, gen uint64, fresh bool) (*Authenticated, error) {
	id := creds.ID
	k, err := s.loadKey(ctx, id, gen, fresh)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		s.log.Warn("API key authentication could not read the key", "id", id, "err", err)
		return nil, &AuthError{Reason: "apikey authentication for id " + id + " encountered a failure", cause: err}
	}
	if k == nil {
		s.secrets.Invalidate(id)
		return nil, unsuccessful("unable to find apikey with id %s", id)
	}
	d := k.doc
	if d.DocType != docType {
		return nil, unsuccessful("document [%s] is [%s] not an api key", id, d.DocType)
	}
	if d.Invalidated == nil {
		return nil, unsuccessful("api key document is missing invalidated field")
	}
	if *d.Invalidated {
		s.secrets.Invalidate(id)
		return nil, unsuccessful("api key [%s] has been invalidated", id)
	}
	ok, err := s.verify(ctx, k, creds.secret)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &AuthError{Reason: "server is too busy to respond", Terminate: true, cause: err}
	}
	if !ok {
		return nil, unsuccessful("invalid credentials for API key [%s]", id)
	}
	if d.Type != typeREST {
		return nil, &AuthError{Terminate: true,
			Reason: "authentication expected API key type of [rest], but API key [" + id + "] has type [" + d.Type + "]"}
	}
	if d.expiredAt(s.now()) {
		return nil, unsuccessful("api key is expired")
	}
	return k.auth, nil
}

// loadKey returns the key's document from the cache, else from the store
// (nil when there is none); fresh skips the cache.
func (s *Service) loadKey(ctx context.Context, id string, gen uint64, fresh bool) (*key, error) {
	now := s.now()
	if !fresh {
		if k := s.docs.get(id, now); k != nil {
			return k, nil
		}
	}
	raw, err := s.db.Get(ctx, store.APIKeys, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	k, err := newKey(id, raw)
	if err != nil {
		return nil, err
	}
	s.docs.putIfUnchanged(k, gen, now)
	return k, nil
}

// verify checks secret against the key's stored hash, read with the
// algorithm its prefix names (Hasher.resolveFromHash), through the cache of
// verified secrets.
func (s *Service) verify(ctx context.Context, k *key, secret string) (bool, error) {
	for range 2 {
		hash, ok, err := s.secrets.Authenticate(ctx, k.id, secret, func(ctx context.Context) (string, bool, error) {
			release, err := s.enter(ctx)
			if err != nil {
				return "", false, err
			}
			defer release()
			ok, err := passhash.Verify(secret, k.doc.Hash)
			return k.doc.Hash, ok && err == nil, nil
		})
		if err != nil {
			return false, err
		}
		if hash == k.doc.Hash {
			return ok, nil
		}
		// Remembered against another hash of this id: forget and verify
		// against the current one.
		s.secrets.Invalidate(k.id)
	}
	return false, nil
}
