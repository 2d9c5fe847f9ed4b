package tokens

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/user"
)

// Result is a new token pair, as the get-token API returns it.
type Result struct {
	// AccessToken and RefreshToken are the tokens themselves: shown once,
	// to the caller, never logged. RefreshToken is "" when none was made
	// (client_credentials).
	AccessToken, RefreshToken string
	// ExpiresIn is the access token's life (token.timeout).
	ExpiresIn time.Duration
	// Authentication is whom the tokens stand for.
	Authentication Authentication
}

// Create issues an access token for auth, and a refresh token too when
// withRefresh is set (TokenService.createOAuth2Tokens). client is who
// asked, the only one who may refresh it. It returns ErrDisabled while the
// service is off.
func (s *Service) Create(ctx context.Context, auth Authentication, client Client, withRefresh bool) (Result, error) {
	if !s.Enabled() {
		return Result{}, ErrDisabled()
	}
	access, ref := newPair(withRefresh)
	if err := s.store(ctx, access, ref, auth, client); err != nil {
		return Result{}, err
	}
	res := Result{AccessToken: access.encode(), ExpiresIn: s.cfg.Timeout, Authentication: auth}
	if ref != nil {
		res.RefreshToken = ref.encode()
	}
	return res, nil
}

// store writes the document of a new pair, with a creation time such that
// creation + timeout is the expiry (TokenService.getCreationTime).
func (s *Service) store(ctx context.Context, access raw, ref *raw, auth Authentication, client Client) error {
	now := s.now()
	expires := now.Truncate(time.Millisecond).Add(s.cfg.Timeout.Truncate(time.Second))
	created := expires.Add(-s.cfg.Timeout.Truncate(time.Second))
	auth = snapshot(auth)
	eff := auth.Effective()
	d := document{
		DocType:      docType,
		CreationTime: created.UnixMilli(),
		AccessToken: accessPart{Token: access.digest(), Realm: eff.Realm, UserToken: userToken{
			ID: access.key()[len(docPrefix):], Version: formatVersion, ExpirationTime: expires.UnixMilli(),
			Authentication: auth, Metadata: map[string]any{}}},
	}
	if ref != nil {
		d.RefreshToken = &refreshPart{Token: ref.digest(),
			Client: clientDoc{Type: "unassociated_client", User: client.Username, Realm: client.Realm, APIKeyID: client.APIKeyID}}
	}
	b, err := json.Marshal(&d)
	if err != nil {
		return err
	}
	if err := s.db.Create(ctx, store.Tokens, access.key(), b); err != nil {
		if errors.Is(err, store.ErrExists) {
			// 64 random bits collided: not worth a retry path.
			return fmt.Errorf("tokens: a token document exists under a new key")
		}
		return err
	}
	return nil
}

// snapshot copies the users' roles and metadata so that the document
// does not share them with the caller, and gives a user without roles an
// empty list, as Elasticsearch writes it.
func snapshot(a Authentication) Authentication {
	cp := func(u user.User) user.User {
		u.Roles = slices.Clone(u.Roles)
		if u.Roles == nil {
			u.Roles = []string{}
		}
		u.Metadata = slices.Clone(u.Metadata)
		if len(u.Metadata) == 0 {
			u.Metadata = user.EmptyMetadata
		}
		return u
	}
	a.Authenticating.User = cp(a.Authenticating.User)
	if a.RunAs != nil {
		r := *a.RunAs
		r.User = cp(r.User)
		a.RunAs = &r
	}
	return a
}
