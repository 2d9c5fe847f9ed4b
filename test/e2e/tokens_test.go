package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	es8 "github.com/elastic/go-elasticsearch/v8"
	es9 "github.com/elastic/go-elasticsearch/v9"
	"github.com/elastic/go-elasticsearch/v9/typedapi/types/enums/accesstokengranttype"
)

// TestTokenServiceWithTheGoClients gets an access token with the v8
// client's SecurityGetToken (password grant), authenticates with it
// through the ServiceToken option ("Bearer <token>"), refreshes it with
// the v9 typed client, and invalidates it.
func TestTokenServiceWithTheGoClients(t *testing.T) {
	t.Parallel()
	pw := newPassword("elastic")
	// Tokens are off on plain HTTP unless asked for, as in Elasticsearch.
	s := startServer(t, options{password: pw, args: []string{"-E", "xpack.security.authc.token.enabled=true"}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := es8.NewClient(es8.Config{Addresses: []string{s.url}, Username: "elastic", Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	res, err := admin.Security.GetToken(strings.NewReader(`{"grant_type":"password","username":"elastic","password":"`+pw+`"}`),
		admin.Security.GetToken.WithContext(ctx))
	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		Type         string `json:"type"`
		ExpiresIn    int    `json:"expires_in"`
	}
	decodeESAPI(t, "SecurityGetToken", res, err, http.StatusOK, &tok)
	secret(tok.AccessToken)
	secret(tok.RefreshToken)
	if tok.Type != "Bearer" || tok.ExpiresIn != 1200 || tok.AccessToken == "" || tok.RefreshToken == "" {
		t.Fatalf("token: type %q expires_in %d", tok.Type, tok.ExpiresIn)
	}

	bearer, err := es8.NewClient(es8.Config{Addresses: []string{s.url}, ServiceToken: tok.AccessToken})
	if err != nil {
		t.Fatal(err)
	}
	res, err = bearer.Security.Authenticate(bearer.Security.Authenticate.WithContext(ctx))
	var who struct {
		Username string `json:"username"`
		Type     string `json:"authentication_type"`
		Realm    struct {
			Name string `json:"name"`
		} `json:"authentication_realm"`
	}
	decodeESAPI(t, "SecurityAuthenticate with an access token", res, err, http.StatusOK, &who)
	if who.Username != "elastic" || who.Type != "token" || who.Realm.Name != "reserved" {
		t.Errorf("authenticate: %+v", who)
	}

	// The v9 typed client refreshes (as the same client: elastic).
	v9, err := es9.NewTyped(es9.WithAddresses(s.url), es9.WithBasicAuth("elastic", pw))
	if err != nil {
		t.Fatal(err)
	}
	next, err := v9.Security.GetToken().GrantType(accesstokengranttype.Refreshtoken).RefreshToken(tok.RefreshToken).Do(ctx)
	if err != nil {
		t.Fatalf("v9 refresh: %v", err)
	}
	secret(next.AccessToken)
	if next.RefreshToken != nil {
		secret(*next.RefreshToken)
	}
	if next.AccessToken == tok.AccessToken || next.Authentication.Username != "elastic" || next.Authentication.AuthenticationType != "token" {
		t.Errorf("v9 refresh: %+v", next.Authentication)
	}

	// Invalidated, the first token is refused.
	res, err = admin.Security.InvalidateToken(strings.NewReader(`{"token":"`+tok.AccessToken+`"}`), admin.Security.InvalidateToken.WithContext(ctx))
	var inv struct {
		Invalidated int `json:"invalidated_tokens"`
	}
	decodeESAPI(t, "SecurityInvalidateToken", res, err, http.StatusOK, &inv)
	if inv.Invalidated != 1 {
		t.Errorf("invalidated %d", inv.Invalidated)
	}
	res, err = bearer.Security.Authenticate(bearer.Security.Authenticate.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(res.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Errorf("an invalidated token: %d %v", res.StatusCode, res.Header)
	}
}

// TestTokenServiceWithTheJavaScriptClient runs js/client.mjs against a
// node with the token service on: its token case then gets an access
// token and sends it with the client's bearer option.
func TestTokenServiceWithTheJavaScriptClient(t *testing.T) {
	t.Parallel()
	pw := newPassword("elastic")
	s := startServer(t, options{password: pw, args: []string{"-E", "xpack.security.authc.token.enabled=true"}})
	runNode(t, "client.mjs", "ES_URL="+s.url, "ES_PASSWORD="+pw, "ES_TOKENS=on")
}
