package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	es8 "github.com/elastic/go-elasticsearch/v8"
	"github.com/elastic/go-elasticsearch/v8/esapi"
	"github.com/google/go-cmp/cmp"
)

// TestESAPIClient drives the v8 client's functional esapi API
// (client.Security.PutUser is an esapi.SecurityPutUser), with and without
// compatibility headers, decoding the raw responses.
func TestESAPIClient(t *testing.T) {
	t.Parallel()
	pw := newPassword("elastic")
	s := startServer(t, options{password: pw})
	for _, compat := range []bool{false, true} {
		name := "plain"
		if compat {
			name = "compatibility mode"
		}
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			client, err := es8.NewClient(es8.Config{Addresses: []string{s.url}, Username: "elastic", Password: pw,
				EnableCompatibilityMode: compat})
			if err != nil {
				t.Fatal(err)
			}
			user := "esapi-user"
			if compat {
				user += "-compat"
			}
			userPW := newPassword("esapi")
			body, _ := json.Marshal(map[string]any{"password": userPW, "roles": []string{"viewer"},
				"full_name": "Esapi User", "metadata": map[string]any{"via": "esapi"}})
			res, err := client.Security.PutUser(user, strings.NewReader(string(body)),
				client.Security.PutUser.WithContext(ctx), client.Security.PutUser.WithRefresh("wait_for"))
			var put struct {
				Created bool `json:"created"`
			}
			decodeESAPI(t, "SecurityPutUser", res, err, http.StatusOK, &put)
			if !put.Created {
				t.Errorf("SecurityPutUser: created false")
			}

			res, err = client.Security.GetUser(client.Security.GetUser.WithUsername(user), client.Security.GetUser.WithContext(ctx))
			var got map[string]struct {
				Username string         `json:"username"`
				Roles    []string       `json:"roles"`
				FullName string         `json:"full_name"`
				Email    *string        `json:"email"`
				Metadata map[string]any `json:"metadata"`
				Enabled  bool           `json:"enabled"`
			}
			decodeESAPI(t, "SecurityGetUser", res, err, http.StatusOK, &got)
			u, ok := got[user]
			if !ok || len(got) != 1 {
				t.Fatalf("SecurityGetUser returned %v, want only %s", got, user)
			}
			if u.Username != user || !cmp.Equal(u.Roles, []string{"viewer"}) || u.FullName != "Esapi User" ||
				u.Email != nil || !cmp.Equal(u.Metadata, map[string]any{"via": "esapi"}) || !u.Enabled {
				t.Errorf("SecurityGetUser: %+v", u)
			}

			self, err := es8.NewClient(es8.Config{Addresses: []string{s.url}, Username: user, Password: userPW,
				EnableCompatibilityMode: compat})
			if err != nil {
				t.Fatal(err)
			}
			res, err = self.Security.Authenticate(self.Security.Authenticate.WithContext(ctx))
			var who struct {
				Username string `json:"username"`
			}
			decodeESAPI(t, "SecurityAuthenticate", res, err, http.StatusOK, &who)
			if who.Username != user {
				t.Errorf("SecurityAuthenticate: username %q, want %q", who.Username, user)
			}

			res, err = client.Ping(client.Ping.WithContext(ctx))
			decodeESAPI(t, "Ping", res, err, http.StatusOK, nil)

			res, err = client.Security.GetUser(client.Security.GetUser.WithUsername("no-such-user"), client.Security.GetUser.WithContext(ctx))
			var missing map[string]any
			decodeESAPI(t, "SecurityGetUser of a missing user", res, err, http.StatusNotFound, &missing)
			if len(missing) != 0 {
				t.Errorf("SecurityGetUser of a missing user: %v, want {}", missing)
			}
		})
	}
}

// decodeESAPI checks an esapi response's status and product header, then
// decodes its body into into (when not nil).
func decodeESAPI(t *testing.T, call string, res *esapi.Response, err error, status int, into any) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", call, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s: reading the body: %v", call, err)
	}
	if res.StatusCode != status {
		t.Fatalf("%s: status %d, want %d; body %s", call, res.StatusCode, status, b)
	}
	if got := res.Header.Get("X-Elastic-Product"); got != "Elasticsearch" {
		t.Errorf("%s: X-Elastic-Product %q", call, got)
	}
	if into != nil {
		if err := json.Unmarshal(b, into); err != nil {
			t.Fatalf("%s: decoding %s: %v", call, b, err)
		}
	}
}
