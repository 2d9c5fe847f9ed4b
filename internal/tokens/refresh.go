package tokens

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/esauth/esauth/internal/store"
)

// Refresh rules (TokenService, ExpiredTokenRemover).
const (
	// MaxLifetime is how long a refresh token, and its document, lives.
	MaxLifetime = 24 * time.Hour
	// ReuseWindow is how long a used refresh token still answers with the
	// pair its first use issued (clients retrying, or racing each other).
	ReuseWindow = 30 * time.Second
)

// Superseding tokens' encryption (TokenService.encryptSupersedingTokens).
const (
	kdfIterations = 1024
	saltBytes     = 32
	ivBytes       = 12
	keyBytes      = 16 // PBEKeySpec(…, 128)
)

// GrantError is a refused grant, answered as RFC 6749's error response
// (400 {"error":Code,"error_description":Description}).
type GrantError struct{ Code, Description string }

func (e *GrantError) Error() string { return e.Code + ": " + e.Description }

// Status is the HTTP status of every grant error.
func (e *GrantError) Status() int { return http.StatusBadRequest }

func invalidGrant(desc string) *GrantError {
	return &GrantError{Code: "invalid_grant", Description: desc}
}

// errNoRefresh is TokenService's answer to every refresh token it cannot
// use without saying why.
var errNoRefresh = invalidGrant("could not refresh the requested token")

// errChanged ends a compare-and-swap whose document changed meanwhile.
var errChanged = errors.New("tokens: the document changed")

// Refresh trades a refresh token for a new pair (TokenService.refreshToken).
// Only client, the one who got the token, may use it, once: a second use
// within ReuseWindow gets the same new pair, later ones an error.
func (s *Service) Refresh(ctx context.Context, refreshToken string, client Client) (Result, error) {
	if !s.Enabled() {
		return Result{}, ErrDisabled()
	}
	b, ok := decode(refreshToken)
	if !ok {
		return Result{}, errNoRefresh
	}
	key, digest := b.key(), b.digest()
	requested := s.now()
	for range 5 {
		cur, err := s.db.Get(ctx, store.Tokens, key)
		if errors.Is(err, store.ErrNotFound) {
			return Result{}, errNoRefresh
		}
		if err != nil {
			return Result{}, err
		}
		d, err := decodeDocument(cur)
		if err != nil || d.DocType != docType || d.RefreshToken == nil || !sameDigest(d.RefreshToken.Token, digest) {
			return Result{}, errNoRefresh
		}
		if err := checkRefresh(requested, client, d); err != nil {
			return Result{}, err
		}
		if d.RefreshToken.Refreshed {
			return s.superseding(ctx, refreshToken, d)
		}
		access, ref := newPair(true)
		enc, err := encryptSuperseding(access, *ref, refreshToken)
		if err != nil {
			return Result{}, err
		}
		at := s.now().UnixMilli()
		_, err = s.db.Update(ctx, store.Tokens, key, func(now []byte) ([]byte, error) {
			if !bytes.Equal(now, cur) {
				return nil, errChanged // refreshed or invalidated meanwhile: look again
			}
			next, r := *d, *d.RefreshToken
			r.Refreshed, r.RefreshTime, r.Superseding = true, &at, enc
			next.RefreshToken = &r
			return json.Marshal(&next)
		})
		if errors.Is(err, errChanged) {
			continue
		}
		if err != nil {
			return Result{}, err
		}
		auth := d.AccessToken.UserToken.Authentication
		if err := s.store(ctx, access, ref, auth, client); err != nil {
			return Result{}, err
		}
		return Result{AccessToken: access.encode(), RefreshToken: ref.encode(), ExpiresIn: s.cfg.Timeout, Authentication: auth}, nil
	}
	return Result{}, errNoRefresh
}

// checkRefresh is TokenService.checkTokenDocumentForRefresh, in its order.
func checkRefresh(requested time.Time, client Client, d *document) error {
	r := d.RefreshToken
	switch {
	case requested.After(d.created().Add(MaxLifetime)):
		return invalidGrant("token document has expired")
	case r.Invalidated:
		return invalidGrant("token has been invalidated")
	case !client.canRefresh(r.Client):
		return invalidGrant("tokens must be refreshed by the creating client")
	case !r.Refreshed:
		return nil
	case r.RefreshTime == nil || r.Superseding == nil:
		return invalidGrant("token has already been refreshed")
	}
	at := time.UnixMilli(*r.RefreshTime)
	switch {
	case requested.After(at.Add(ReuseWindow)):
		return invalidGrant("token has already been refreshed more than 30 seconds in the past")
	case requested.Before(at.Add(-ReuseWindow)):
		return invalidGrant("token has been refreshed more than 30 seconds in the future, clock skew too great")
	}
	return nil
}

// superseding answers a repeated refresh with the pair the first one
// issued, once its document exists (TokenService.decryptAndReturnSupersedingTokens).
func (s *Service) superseding(ctx context.Context, refreshToken string, d *document) (Result, error) {
	access, ref, err := decryptSuperseding(d.RefreshToken.Superseding, refreshToken)
	if err != nil {
		s.log.Warn("could not read the superseding tokens of a refreshed token", "err", err)
		return Result{}, errNoRefresh
	}
	// The first refresh marks the old document before it writes the new
	// one; wait a little for it, as Elasticsearch does.
	wait := 10 * time.Millisecond
	for range 8 {
		_, err := s.db.Get(ctx, store.Tokens, access.key())
		if err == nil {
			return Result{AccessToken: access.encode(), RefreshToken: ref.encode(), ExpiresIn: s.cfg.Timeout,
				Authentication: d.AccessToken.UserToken.Authentication}, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return Result{}, err
		}
		sleep(ctx, wait)
		wait *= 2
	}
	return Result{}, errNoRefresh
}

// encryptSuperseding encrypts "access|refresh" (URL-safe base64 of their
// bytes) with AES-GCM under a key derived from the refresh token they
// supersede (PBKDF2-HMAC-SHA512, 1024 rounds), the salt as additional data.
func encryptSuperseding(access, ref raw, refreshToken string) (*superseding, error) {
	salt, iv := make([]byte, saltBytes), make([]byte, ivBytes)
	_, _ = rand.Read(salt)
	_, _ = rand.Read(iv)
	aead, err := supersedingCipher(refreshToken, salt)
	if err != nil {
		return nil, err
	}
	plain := base64.RawURLEncoding.EncodeToString(access[:]) + "|" + base64.RawURLEncoding.EncodeToString(ref[:])
	sealed := aead.Seal(nil, iv, []byte(plain), salt)
	return &superseding{EncryptedTokens: base64.StdEncoding.EncodeToString(sealed),
		EncryptionIV: base64.StdEncoding.EncodeToString(iv), EncryptionSalt: base64.StdEncoding.EncodeToString(salt)}, nil
}

func decryptSuperseding(sup *superseding, refreshToken string) (access, ref raw, err error) {
	if sup == nil {
		return access, ref, errors.New("no superseding tokens")
	}
	iv, err1 := base64.StdEncoding.DecodeString(sup.EncryptionIV)
	salt, err2 := base64.StdEncoding.DecodeString(sup.EncryptionSalt)
	sealed, err3 := base64.StdEncoding.DecodeString(sup.EncryptedTokens)
	if err := errors.Join(err1, err2, err3); err != nil {
		return access, ref, err
	}
	if len(iv) != ivBytes {
		return access, ref, errors.New("bad initialization vector")
	}
	aead, err := supersedingCipher(refreshToken, salt)
	if err != nil {
		return access, ref, err
	}
	plain, err := aead.Open(nil, iv, sealed, salt)
	if err != nil {
		return access, ref, err
	}
	a, r, ok := strings.Cut(string(plain), "|")
	ab, err1 := base64.RawURLEncoding.DecodeString(a)
	rb, err2 := base64.RawURLEncoding.DecodeString(r)
	if !ok || err1 != nil || err2 != nil || len(ab) != rawLen || len(rb) != rawLen {
		return access, ref, errors.New("decrypted tokens string is not correctly formatted")
	}
	copy(access[:], ab)
	copy(ref[:], rb)
	return access, ref, nil
}

func supersedingCipher(refreshToken string, salt []byte) (cipher.AEAD, error) {
	k, err := pbkdf2.Key(sha512.New, refreshToken, salt, kdfIterations, keyBytes)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
