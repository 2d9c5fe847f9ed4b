package tokens

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/config"
	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/store"
	"github.com/esauth/esauth/internal/store/etcdstore/etcdtest"
)

// grantErr asserts an invalid_grant with desc.
func grantErr(t *testing.T, what string, err error, desc string) {
	t.Helper()
	var g *GrantError
	if !errors.As(err, &g) || g.Code != "invalid_grant" || g.Description != desc {
		t.Errorf("%s: got %v, want invalid_grant %q", what, err, desc)
	}
}

func expired(t *testing.T, what string, err error) {
	t.Helper()
	var e *eserr.Error
	if !errors.As(err, &e) || e.Status != 401 || e.Reason != "token expired" ||
		len(e.Header["WWW-Authenticate"]) != 1 || e.Header["WWW-Authenticate"][0] != ExpiredChallenge {
		t.Errorf("%s: got %v, want the expired token's 401", what, err)
	}
}

// dump is every byte the store holds of tokens.
func dump(t *testing.T, db store.Store) string {
	t.Helper()
	var b strings.Builder
	err := db.List(t.Context(), store.Tokens, func(key string, val []byte) error {
		b.WriteString(key + "=" + string(val) + "\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestLifecycle(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			ctx := t.Context()
			db := st.open(t)
			clk := &clock{now: t0}
			s := newService(db, clk)

			res, err := s.Create(ctx, joe, kibana, true)
			if err != nil {
				t.Fatal(err)
			}
			if res.ExpiresIn != 20*time.Minute || res.RefreshToken == "" || res.AccessToken == res.RefreshToken {
				t.Fatalf("result %+v", res)
			}
			got, err := s.Verify(ctx, res.AccessToken)
			if err != nil || got.Effective().User.Username != "joe" || got.Effective().Realm != "default_native" ||
				len(got.Effective().User.Roles) != 1 || got.Effective().User.Roles[0] != "viewer" {
				t.Fatalf("verify: %+v %v", got, err)
			}
			// The refresh token is no access token.
			if _, err := s.Verify(ctx, res.RefreshToken); !errors.Is(err, ErrNotToken) {
				t.Errorf("a refresh token as access token: %v", err)
			}
			// The store never holds a token, only digests.
			if all := dump(t, db); strings.Contains(all, res.AccessToken) || strings.Contains(all, strings.TrimRight(res.RefreshToken, "=")) ||
				!strings.Contains(all, `"doc_type":"token"`) {
				t.Errorf("store: %s", all)
			}

			// A token lives token.timeout: up to its expiry included.
			clk.Add(20 * time.Minute)
			if _, err := s.Verify(ctx, res.AccessToken); err != nil {
				t.Errorf("at expiry: %v", err)
			}
			clk.Add(time.Millisecond)
			_, err = s.Verify(ctx, res.AccessToken)
			expired(t, "after expiry", err)

			// The refresh token still works, once, for the creating client.
			_, err = s.Refresh(ctx, res.RefreshToken, otherUser)
			grantErr(t, "another client", err, "tokens must be refreshed by the creating client")
			first, err := s.Refresh(ctx, res.RefreshToken, kibana)
			if err != nil {
				t.Fatal(err)
			}
			if first.AccessToken == res.AccessToken || first.Authentication.Effective().User.Username != "joe" {
				t.Fatalf("refreshed: %+v", first)
			}
			if _, err := s.Verify(ctx, first.AccessToken); err != nil {
				t.Errorf("the new access token: %v", err)
			}
			// The superseding pair is kept only encrypted: neither token,
			// nor its bytes in any encoding, is in the store.
			all := dump(t, db)
			for _, tok := range []string{first.AccessToken, first.RefreshToken} {
				b, _ := decode(tok)
				for _, enc := range []string{strings.TrimRight(tok, "="), base64.RawURLEncoding.EncodeToString(b[:]), base64.RawStdEncoding.EncodeToString(b[:])} {
					if strings.Contains(all, enc) {
						t.Errorf("the store holds a token: %s", all)
					}
				}
			}
			if !strings.Contains(all, `"encrypted_tokens"`) {
				t.Errorf("store after refresh: %s", all)
			}
			// Within 30 seconds, again and again, the same pair.
			for _, step := range []time.Duration{0, 10 * time.Second, 20 * time.Second} {
				clk.Add(step)
				again, err := s.Refresh(ctx, res.RefreshToken, kibana)
				if err != nil || again.AccessToken != first.AccessToken || again.RefreshToken != first.RefreshToken {
					t.Fatalf("reuse after %v more: %v %v", step, again.AccessToken == first.AccessToken, err)
				}
			}
			_, err = s.Refresh(ctx, res.RefreshToken, otherUser)
			grantErr(t, "reuse by another client", err, "tokens must be refreshed by the creating client")
			// Past the window, and with a clock 31 s behind, refused.
			clk.Add(1 * time.Millisecond)
			_, err = s.Refresh(ctx, res.RefreshToken, kibana)
			grantErr(t, "after 30 s", err, "token has already been refreshed more than 30 seconds in the past")
			clk.Add(-30*time.Second - 31*time.Second)
			_, err = s.Refresh(ctx, res.RefreshToken, kibana)
			grantErr(t, "from the past", err, "token has been refreshed more than 30 seconds in the future, clock skew too great")
			clk.Add(61 * time.Second)

			// The new refresh token, in turn; and unknown ones.
			if _, err := s.Refresh(ctx, first.RefreshToken, kibana); err != nil {
				t.Errorf("the new refresh token: %v", err)
			}
			forged, _ := decode(first.RefreshToken)
			forged[0] ^= 1
			for _, bad := range []string{"", "garbage", first.AccessToken, forged.encode()} {
				_, err = s.Refresh(ctx, bad, kibana)
				grantErr(t, "refresh "+bad, err, "could not refresh the requested token")
			}

			// A refresh token lives 24 hours.
			other, err := s.Create(ctx, joe, kibana, true)
			if err != nil {
				t.Fatal(err)
			}
			clk.Add(MaxLifetime + time.Millisecond)
			_, err = s.Refresh(ctx, other.RefreshToken, kibana)
			grantErr(t, "after 24 h", err, "token document has expired")
		})
	}
}

// Concurrent first refreshes of one token get one pair between them.
func TestConcurrentRefresh(t *testing.T) {
	clk := &clock{now: t0}
	s := newService(stores[0].open(t), clk)
	res, err := s.Create(t.Context(), joe, kibana, true)
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	out := make(chan Result, n)
	for range n {
		go func() {
			r, err := s.Refresh(t.Context(), res.RefreshToken, kibana)
			if err != nil {
				t.Error(err)
			}
			out <- r
		}()
	}
	first := <-out
	for range n - 1 {
		if r := <-out; r.AccessToken != first.AccessToken || r.RefreshToken != first.RefreshToken {
			t.Error("two refreshes of one token got different pairs")
		}
	}
}

func TestClientCredentialsAndRunAs(t *testing.T) {
	clk := &clock{now: t0}
	s := newService(stores[0].open(t), clk)
	eff := subject("bob", "default_file", "editor")
	auth := Authentication{Authenticating: subject("admin", "reserved", "superuser"), RunAs: &eff}
	res, err := s.Create(t.Context(), auth, Client{Username: "bob", Realm: "default_file"}, false)
	if err != nil || res.RefreshToken != "" {
		t.Fatalf("%+v %v", res, err)
	}
	got, err := s.Verify(t.Context(), res.AccessToken)
	if err != nil || got.Authenticating.User.Username != "admin" || got.Effective().User.Username != "bob" || got.Effective().Realm != "default_file" {
		t.Fatalf("%+v %v", got, err)
	}
}

func TestDisabled(t *testing.T) {
	clk := &clock{now: t0}
	db := stores[0].open(t)
	on := newService(db, clk)
	res, _ := on.Create(t.Context(), joe, kibana, true)
	off := New(db, config.TokenConfig{Timeout: 20 * time.Minute}, Options{Now: clk.Now})
	if _, err := off.Create(t.Context(), joe, kibana, true); err == nil || err.Error() != "feature_not_enabled_exception: security tokens are not enabled" {
		t.Errorf("create: %v", err)
	}
	if _, err := off.Refresh(t.Context(), res.RefreshToken, kibana); err == nil || !strings.Contains(err.Error(), "not enabled") {
		t.Errorf("refresh: %v", err)
	}
	if _, err := off.Invalidate(t.Context(), &InvalidateRequest{Token: res.AccessToken}); err == nil || !strings.Contains(err.Error(), "not enabled") {
		t.Errorf("invalidate: %v", err)
	}
	if _, err := off.Verify(t.Context(), res.AccessToken); !errors.Is(err, ErrNotToken) {
		t.Errorf("verify: %v", err)
	}
	if e := ErrDisabled(); e.Status != 400 || e.Metadata[0] != [2]string{"disabled.feature", "security_tokens"} {
		t.Errorf("%+v", e)
	}
}

func TestInvalidate(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			ctx := t.Context()
			clk := &clock{now: t0}
			s := newService(st.open(t), clk)
			mk := func(a Authentication, refresh bool) Result {
				r, err := s.Create(ctx, a, kibana, refresh)
				if err != nil {
					t.Fatal(err)
				}
				return r
			}
			inv := func(req InvalidateRequest) InvalidateResult {
				t.Helper()
				r, err := s.Invalidate(ctx, &req)
				if err != nil {
					t.Fatal(err)
				}
				return r
			}
			count := func(what string, r InvalidateResult, status, done, before int) {
				t.Helper()
				if r.Status != status || r.Invalidated != done || r.Previously != before || len(r.Errors) != 0 {
					t.Errorf("%s: got %+v, want %d %d/%d", what, r, status, done, before)
				}
			}
			a := mk(joe, true)
			if _, err := s.Verify(ctx, a.AccessToken); err != nil { // cached now
				t.Fatal(err)
			}
			count("access token", inv(InvalidateRequest{Token: a.AccessToken}), 200, 1, 0)
			_, err := s.Verify(ctx, a.AccessToken)
			expired(t, "an invalidated token", err)
			count("again", inv(InvalidateRequest{Token: a.AccessToken}), 200, 0, 1)
			// Its refresh token still works until invalidated itself.
			b, err := s.Refresh(ctx, a.RefreshToken, kibana)
			if err != nil {
				t.Fatal(err)
			}
			count("refresh token", inv(InvalidateRequest{RefreshToken: b.RefreshToken}), 200, 1, 0)
			count("refresh token again", inv(InvalidateRequest{RefreshToken: b.RefreshToken}), 200, 0, 1)
			_, err = s.Refresh(ctx, b.RefreshToken, kibana)
			grantErr(t, "an invalidated refresh token", err, "token has been invalidated")
			// Unknown tokens: a 404 with nothing counted.
			count("unknown", inv(InvalidateRequest{Token: "garbage"}), 404, 0, 0)
			count("an access token as refresh token", inv(InvalidateRequest{RefreshToken: b.AccessToken}), 404, 0, 0)
			if body, _ := (InvalidateResult{Status: 404}).Body().AppendJSON(nil); string(body) != `{"invalidated_tokens":0,"previously_invalidated_tokens":0,"error_count":0}` {
				t.Errorf("body %s", body)
			}

			// By user and realm: each active half counts.
			jane := Authentication{Authenticating: subject("jane", "default_file")}
			mk(jane, true)                                                              // 2 halves
			mk(jane, false)                                                             // 1 half
			mk(Authentication{Authenticating: subject("jane", "default_native")}, true) // another realm
			count("jane in default_file", inv(InvalidateRequest{Username: "jane", RealmName: "default_file"}), 200, 3, 0)
			count("jane everywhere", inv(InvalidateRequest{Username: "jane"}), 200, 2, 0)
			count("jane again", inv(InvalidateRequest{Username: "jane"}), 200, 0, 0)
			// joe's two documents are still active: a by its refresh token
			// (used, not invalidated), b by its access token. Each has one
			// half to write and one invalidated already.
			count("joe's realm", inv(InvalidateRequest{RealmName: "default_native"}), 200, 2, 2)
			count("nobody", inv(InvalidateRequest{Username: "nobody"}), 200, 0, 0)
		})
	}
}

func TestSweep(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			ctx := t.Context()
			clk := &clock{now: t0}
			db := st.open(t)
			s := newService(db, clk)
			old, _ := s.Create(ctx, joe, kibana, true)
			clk.Add(time.Hour)
			young, _ := s.Create(ctx, joe, kibana, true)
			clk.Add(MaxLifetime - time.Hour)
			if n, err := s.Sweep(ctx); err != nil || n != 1 {
				t.Fatalf("sweep: %d %v", n, err)
			}
			_, err := s.Refresh(ctx, old.RefreshToken, kibana)
			grantErr(t, "a removed token", err, "could not refresh the requested token")
			if _, err := s.Refresh(ctx, young.RefreshToken, kibana); err != nil {
				t.Errorf("a young token: %v", err)
			}
			if n, err := s.Sweep(ctx); err != nil || n != 0 {
				t.Errorf("second sweep: %d %v", n, err)
			}
		})
	}
}

// countingStore counts reads of token documents.
type countingStore struct {
	store.Store
	gets int
}

func (c *countingStore) Get(ctx context.Context, col store.Collection, key string) ([]byte, error) {
	if col == store.Tokens {
		c.gets++
	}
	return c.Store.Get(ctx, col, key)
}

func TestVerifyCache(t *testing.T) {
	clk := &clock{now: t0}
	db := &countingStore{Store: stores[0].open(t)}
	s := newService(db, clk)
	res, _ := s.Create(t.Context(), joe, kibana, true)
	for range 5 {
		if _, err := s.Verify(t.Context(), res.AccessToken); err != nil {
			t.Fatal(err)
		}
	}
	if db.gets != 1 || s.cache.len() != 1 {
		t.Errorf("5 checks read the store %d times (%d cached)", db.gets, s.cache.len())
	}
	// A wrong token of the same document is refused from the cache.
	b, _ := decode(res.AccessToken)
	b[0] ^= 1
	if _, err := s.Verify(t.Context(), b.encode()); !errors.Is(err, ErrNotToken) {
		t.Errorf("a forged token: %v", err)
	}
	s.Forget(res2key(t, res.AccessToken))
	if _, err := s.Verify(t.Context(), res.AccessToken); err != nil || db.gets != 2 {
		t.Errorf("after Forget: %v, %d reads", err, db.gets)
	}
}

// An invalidation on one node reaches another node's cache through the
// shared store's watch.
func TestFollow(t *testing.T) {
	m := etcdtest.StartMember(t)
	dbA, dbB := openEtcd(t, m, "/follow/"), openEtcd(t, m, "/follow/")
	a, b := New(dbA, defaultCfg, Options{}), New(dbB, defaultCfg, Options{})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go b.Follow(ctx, dbB)
	res, err := a.Create(t.Context(), joe, kibana, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Verify(t.Context(), res.AccessToken); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // b's watch has started
	start := time.Now()
	if r, err := a.Invalidate(t.Context(), &InvalidateRequest{Token: res.AccessToken}); err != nil || r.Invalidated != 1 {
		t.Fatal(r, err)
	}
	for {
		_, err := b.Verify(t.Context(), res.AccessToken)
		var e *eserr.Error
		if errors.As(err, &e) && e.Status == http.StatusUnauthorized {
			break
		}
		if time.Since(start) > time.Second {
			t.Fatalf("still accepted on the other node after 1 s: %v", err)
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Logf("invalidation reached the other node in %v", time.Since(start))
}

func res2key(t *testing.T, tok string) string {
	t.Helper()
	b, ok := decode(tok)
	if !ok {
		t.Fatal("not a token")
	}
	return b.key()
}
