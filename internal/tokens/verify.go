package tokens

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/store"
)

// ErrNotToken is a bearer value that is no access token of this service:
// not in its format, unknown, or not matching its document. The
// authenticator chain goes on ("oauth2 token: invalid token").
var ErrNotToken = errors.New("invalid token")

// ExpiredChallenge is the WWW-Authenticate value of an expired or
// invalidated access token (TokenService.EXPIRED_TOKEN_WWW_AUTH_VALUE,
// RFC 6750 section 3.1).
const ExpiredChallenge = `Bearer realm="security", error="invalid_token", error_description="The access token expired"`

// ErrExpired is the 401 of an access token that expired or was
// invalidated (TokenService.expiredTokenException).
func ErrExpired() *eserr.Error {
	e := eserr.Security(http.StatusUnauthorized, "token expired")
	e.Header = map[string][]string{"WWW-Authenticate": {ExpiredChallenge}}
	return e
}

// Verify checks an access token (TokenService.tryAuthenticateToken) and
// returns whom it stands for. The result is shared: callers must not
// modify it. Errors are ErrNotToken, ErrExpired's 401, or the store's
// (store.ErrUnavailable). While the service is off every value is
// ErrNotToken.
func (s *Service) Verify(ctx context.Context, bearer string) (*Authentication, error) {
	if !s.Enabled() {
		return nil, ErrNotToken
	}
	b, ok := decode(bearer)
	if !ok {
		return nil, ErrNotToken
	}
	id := b.docID()
	e := s.cache.get(id)
	if e == nil {
		var err error
		if e, err = s.load(ctx, id); err != nil {
			return nil, err
		}
	}
	if sum := sha256.Sum256(b[:]); subtle.ConstantTimeCompare(sum[:], e.access[:]) != 1 {
		return nil, ErrNotToken
	}
	if e.invalidated || s.now().After(e.expires) {
		return nil, ErrExpired()
	}
	return e.auth, nil
}

// load reads a token document into the cache.
func (s *Service) load(ctx context.Context, id docID) (*cached, error) {
	gen := s.cache.gen.Load()
	key := keyOf(id)
	raw, err := s.db.Get(ctx, store.Tokens, key)
	if errors.Is(err, store.ErrNotFound) {
		// Removed after its lifetime, or never issued.
		return nil, ErrNotToken
	}
	if err != nil {
		return nil, err
	}
	d, err := decodeDocument(raw)
	var access []byte
	if err == nil {
		access, err = base64.RawURLEncoding.DecodeString(d.AccessToken.Token)
	}
	if err != nil || d.DocType != docType || len(access) != sha256.Size {
		s.log.Warn("an unreadable token document", "key", key, "err", err)
		return nil, ErrNotToken
	}
	auth := d.AccessToken.UserToken.Authentication
	e := &cached{invalidated: d.AccessToken.Invalidated, expires: d.expiration(), auth: &auth}
	copy(e.access[:], access)
	s.cache.put(id, e, gen, s.now())
	return e, nil
}
