package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	es8 "github.com/elastic/go-elasticsearch/v8"
	es9 "github.com/elastic/go-elasticsearch/v9"
)

// TestAPIKeyWithTheGoClients creates an API key with the v8 client and
// authenticates with it through the clients' own APIKey option (the v8
// and v9 transports send "APIKey <encoded>").
func TestAPIKeyWithTheGoClients(t *testing.T) {
	t.Parallel()
	pw := newPassword("elastic")
	s := startServer(t, options{password: pw})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := es8.NewClient(es8.Config{Addresses: []string{s.url}, Username: "elastic", Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	res, err := admin.Security.CreateAPIKey(strings.NewReader(`{"name":"go-key","role_descriptors":{"r":{"cluster":["monitor"]}}}`),
		admin.Security.CreateAPIKey.WithContext(ctx))
	var key struct {
		ID      string `json:"id"`
		Encoded string `json:"encoded"`
	}
	decodeESAPI(t, "SecurityCreateAPIKey", res, err, http.StatusOK, &key)

	v8, err := es8.NewClient(es8.Config{Addresses: []string{s.url}, APIKey: key.Encoded})
	if err != nil {
		t.Fatal(err)
	}
	res, err = v8.Security.Authenticate(v8.Security.Authenticate.WithContext(ctx))
	var who struct {
		Username string                    `json:"username"`
		Type     string                    `json:"authentication_type"`
		APIKey   struct{ ID, Name string } `json:"api_key"`
	}
	decodeESAPI(t, "SecurityAuthenticate with an API key", res, err, http.StatusOK, &who)
	if who.Username != "elastic" || who.Type != "api_key" || who.APIKey.ID != key.ID || who.APIKey.Name != "go-key" {
		t.Errorf("v8 authenticate: %+v", who)
	}

	v9, err := es9.NewTyped(es9.WithAddresses(s.url), es9.WithAPIKey(key.Encoded))
	if err != nil {
		t.Fatal(err)
	}
	r, err := v9.Security.Authenticate().Do(ctx)
	if err != nil || r.Username != "elastic" || r.ApiKey == nil || r.ApiKey.Id != key.ID {
		t.Errorf("v9 authenticate: %+v %v", r, err)
	}
	// The key may monitor, and nothing its descriptors leave out.
	if h, err := v9.Cluster.Health().Do(ctx); err != nil || h == nil {
		t.Errorf("v9 health: %v", err)
	}
	if _, err := v9.Security.GetUser().Do(ctx); err == nil {
		t.Error("a monitor-only key read the users")
	}
}

// TestServiceTokenWithTheGoClient authenticates with a service token
// through the v8 client's ServiceToken option ("Bearer <token>").
func TestServiceTokenWithTheGoClient(t *testing.T) {
	t.Parallel()
	pw := newPassword("elastic")
	s := startServer(t, options{password: pw})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := es8.NewClient(es8.Config{Addresses: []string{s.url}, Username: "elastic", Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	res, err := admin.Security.CreateServiceToken("elastic", "fleet-server", admin.Security.CreateServiceToken.WithName("e2e"),
		admin.Security.CreateServiceToken.WithContext(ctx))
	var created struct {
		Token struct{ Value string } `json:"token"`
	}
	decodeESAPI(t, "SecurityCreateServiceToken", res, err, http.StatusOK, &created)
	fleet, err := es8.NewClient(es8.Config{Addresses: []string{s.url}, ServiceToken: created.Token.Value})
	if err != nil {
		t.Fatal(err)
	}
	res, err = fleet.Security.Authenticate(fleet.Security.Authenticate.WithContext(ctx))
	var who struct {
		Username string `json:"username"`
		Type     string `json:"authentication_type"`
	}
	decodeESAPI(t, "SecurityAuthenticate with a service token", res, err, http.StatusOK, &who)
	if who.Username != "elastic/fleet-server" || who.Type != "token" {
		t.Errorf("authenticate: %+v", who)
	}
}
