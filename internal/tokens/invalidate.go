package tokens

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/xcontent"
)

// InvalidateResult is TokensInvalidationResult: how many tokens were
// invalidated, how many were already, the failures, and the status to
// answer with.
type InvalidateResult struct {
	Invalidated, Previously int
	Errors                  []*eserr.Error
	Status                  int
}

// Body renders the result as TokensInvalidationResult.toXContent.
func (r InvalidateResult) Body() xcontent.Object {
	o := xcontent.Obj("invalidated_tokens", r.Invalidated, "previously_invalidated_tokens", r.Previously,
		"error_count", len(r.Errors))
	if len(r.Errors) > 0 {
		details := make([]any, len(r.Errors))
		for i, e := range r.Errors {
			o := xcontent.Obj("type", e.Type, "reason", e.Reason)
			if e.CausedBy != nil {
				o = o.With("caused_by", xcontent.Obj("type", e.CausedBy.Type, "reason", e.CausedBy.Reason))
			}
			details[i] = o
		}
		o = o.With("error_details", details)
	}
	return o
}

// Invalidate is DELETE /_security/oauth2/token: one access token, one
// refresh token, or every active token of a realm and/or user.
func (s *Service) Invalidate(ctx context.Context, req *InvalidateRequest) (InvalidateResult, error) {
	if !s.Enabled() {
		return InvalidateResult{}, ErrDisabled()
	}
	switch {
	case req.Token != "":
		return s.invalidateOne(ctx, req.Token, false)
	case req.RefreshToken != "":
		return s.invalidateOne(ctx, req.RefreshToken, true)
	}
	return s.invalidateFor(ctx, req.RealmName, req.Username)
}

// part names the half of a document an invalidation sets.
type part bool

const (
	accessHalf  part = false
	refreshHalf part = true
)

func (p part) String() string {
	if p == refreshHalf {
		return "refresh_token"
	}
	return "access_token"
}

// invalidateOne invalidates the access or refresh token tok: a 404 with
// nothing counted when no document has it (invalidateAccessToken,
// invalidateRefreshToken).
func (s *Service) invalidateOne(ctx context.Context, tok string, refresh bool) (InvalidateResult, error) {
	notFound := InvalidateResult{Status: http.StatusNotFound}
	b, ok := decode(tok)
	if !ok {
		return notFound, nil
	}
	raw, err := s.db.Get(ctx, store.Tokens, b.key())
	if errors.Is(err, store.ErrNotFound) {
		return notFound, nil
	}
	if err != nil {
		return InvalidateResult{}, err
	}
	d, err := decodeDocument(raw)
	if err != nil || d.DocType != docType {
		return notFound, nil
	}
	res := InvalidateResult{Status: http.StatusOK}
	if refresh {
		if d.RefreshToken == nil || !sameDigest(d.RefreshToken.Token, b.digest()) {
			return notFound, nil
		}
		if d.RefreshToken.Invalidated {
			res.Previously++ // not written again
			return res, nil
		}
		s.mark(ctx, b.key(), refreshHalf, &res)
		return res, nil
	}
	if !sameDigest(d.AccessToken.Token, b.digest()) {
		return notFound, nil
	}
	s.mark(ctx, b.key(), accessHalf, &res)
	return res, nil
}

// invalidateFor invalidates every token of the realm and/or user that can
// still be used (TokenService.invalidateActiveTokensForRealmAndUser):
// their refresh tokens first, so that none can make new access tokens
// meanwhile, then their access tokens. Each half written counts once, as
// in Elasticsearch. Nothing found is a 200 with nothing counted.
func (s *Service) invalidateFor(ctx context.Context, realmName, username string) (InvalidateResult, error) {
	now := s.now()
	var withRefresh, all []string
	err := s.db.List(ctx, store.Tokens, func(key string, raw []byte) error {
		d, err := decodeDocument(raw)
		if err != nil || d.DocType != docType {
			return nil
		}
		eff := d.AccessToken.UserToken.Authentication.Effective()
		if realmName != "" && d.AccessToken.Realm != realmName || username != "" && eff.User.Username != username {
			return nil
		}
		accessActive := !d.AccessToken.Invalidated && !now.After(d.expiration())
		refreshActive := d.RefreshToken != nil && !d.RefreshToken.Invalidated && !d.created().Before(now.Add(-MaxLifetime))
		if !accessActive && !refreshActive {
			return nil
		}
		all = append(all, key)
		if d.RefreshToken != nil {
			withRefresh = append(withRefresh, key)
		}
		return nil
	})
	if err != nil {
		return InvalidateResult{}, err
	}
	res := InvalidateResult{Status: http.StatusOK}
	for _, key := range withRefresh {
		s.mark(ctx, key, refreshHalf, &res)
	}
	for _, key := range all {
		s.mark(ctx, key, accessHalf, &res)
	}
	return res, nil
}

// errUnchanged ends an update that would change nothing.
var errUnchanged = errors.New("tokens: already invalidated")

// mark sets one half of a document invalidated and counts the outcome:
// invalidated, previously invalidated (a no-op update), or an error.
func (s *Service) mark(ctx context.Context, key string, p part, res *InvalidateResult) {
	_, err := s.db.Update(ctx, store.Tokens, key, func(cur []byte) ([]byte, error) {
		if cur == nil {
			return nil, store.ErrNotFound
		}
		d, err := decodeDocument(cur)
		if err != nil {
			return nil, err
		}
		flag := &d.AccessToken.Invalidated
		if p == refreshHalf {
			if d.RefreshToken == nil {
				return nil, errors.New("the document has no refresh_token")
			}
			flag = &d.RefreshToken.Invalidated
		}
		if *flag {
			return nil, errUnchanged
		}
		*flag = true
		return json.Marshal(d)
	})
	switch {
	case err == nil:
		res.Invalidated++
		s.Forget(key)
	case errors.Is(err, errUnchanged):
		res.Previously++
	default:
		s.log.Warn("invalidating a token failed", "key", key, "half", p.String(), "err", err)
		cause := &eserr.Error{Type: "exception", Reason: err.Error()}
		if errors.Is(err, store.ErrUnavailable) {
			cause = &eserr.Error{Type: "unavailable_shards_exception", Reason: "the store is unavailable"}
		}
		res.Errors = append(res.Errors, &eserr.Error{Type: "exception", Reason: "Error invalidating " + p.String() + ": ", CausedBy: cause})
	}
}
