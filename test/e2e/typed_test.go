package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// typedClient is the part of one major's typed client the scenario uses.
// The typed packages differ per major, so each major has a thin adapter
// (typed_v8_test.go, typed_v9_test.go) and one scenario runs on both.
type typedClient interface {
	info(ctx context.Context) (info, error)
	health(ctx context.Context) (string, error)
	putUser(ctx context.Context, u userView, password string) (created bool, err error)
	// getUser gets one user, or every user when name is "".
	getUser(ctx context.Context, name string) (map[string]userView, error)
	// userExists is getuser's IsSuccess.
	userExists(ctx context.Context, name string) (bool, error)
	authenticate(ctx context.Context) (authView, error)
	// changePassword changes name's password, or the caller's own when
	// name is "".
	changePassword(ctx context.Context, name, password string) error
	setEnabled(ctx context.Context, name string, enabled bool) error
	deleteUser(ctx context.Context, name string) (found bool, err error)
	// esError unwraps the major's *types.ElasticsearchError.
	esError(err error) (esError, bool)
}

// newTypedFunc makes a typed client of one major for url and c.
type newTypedFunc func(t *testing.T, url string, c cred) typedClient

// userView is a user as the typed clients show it.
type userView struct {
	Username string
	Roles    []string
	FullName string
	Email    string
	Metadata map[string]any
	Enabled  bool
}

// authView is an _authenticate response.
type authView struct {
	User                             userView
	AuthenticationRealm, LookupRealm realmView
	AuthenticationType               string
}

type realmView struct{ Name, Type string }

// esError is a decoded *types.ElasticsearchError.
type esError struct {
	Status int
	Type   string
	Reason string
}

// metadataOf decodes a typed Metadata (map of raw JSON) for comparison;
// a value that is not JSON is kept as a string that compares unequal.
func metadataOf(m map[string]json.RawMessage) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		var x any
		if err := json.Unmarshal(v, &x); err != nil {
			x = "invalid JSON: " + string(v)
		}
		out[k] = x
	}
	return out
}

// rawMetadata encodes metadata for a typed request.
func rawMetadata(m map[string]any) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		b, err := json.Marshal(v)
		if err != nil {
			panic(err) // the tests' own literals
		}
		out[k] = b
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func TestTypedClient(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		newClient newTypedFunc
	}{
		{"v8", newTypedV8},
		{"v9", newTypedV9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pw := newPassword("elastic")
			s := startServer(t, options{password: pw})
			typedScenario(t, s, cred{"elastic", pw}, tc.newClient)
		})
	}
}

// typedScenario runs a user's whole life through one major's typed client.
func typedScenario(t *testing.T, s *server, elastic cred, newClient newTypedFunc) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin := newClient(t, s.url, elastic)

	in, err := admin.info(ctx)
	if err != nil {
		t.Fatalf("Info: %v", err)
	}
	if in.ClusterUUID == "" || !strings.HasPrefix(in.Version.Number, "8.") {
		t.Errorf("Info: cluster_uuid %q, version %q; want a UUID and 8.x", in.ClusterUUID, in.Version.Number)
	}
	if st, err := admin.health(ctx); err != nil || st != "green" {
		t.Errorf("Cluster.Health: status %q, err %v; want green", st, err)
	}

	const name = "typed-user"
	oldPW, newPW := newPassword("typed-old"), newPassword("typed-new")
	want := userView{
		Username: name,
		Roles:    []string{"viewer", "e2e_role"},
		FullName: "Typed User",
		Email:    "typed@example.com",
		Metadata: map[string]any{"team": "e2e", "level": 3.0, "tags": []any{"a", "b"}},
		Enabled:  true,
	}
	if created, err := admin.putUser(ctx, want, oldPW); err != nil || !created {
		t.Fatalf("PutUser: created %v, err %v; want created", created, err)
	}
	// A second put without a password updates the user and keeps the password.
	want.FullName = "Typed User Renamed"
	if created, err := admin.putUser(ctx, want, ""); err != nil || created {
		t.Fatalf("PutUser again: created %v, err %v; want an update", created, err)
	}
	got, err := admin.getUser(ctx, name)
	if err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	if diff := cmp.Diff(map[string]userView{name: want}, got); diff != "" {
		t.Errorf("GetUser (-want +got):\n%s", diff)
	}

	all, err := admin.getUser(ctx, "")
	if err != nil {
		t.Fatalf("GetUser of every user: %v", err)
	}
	if all[name].Username != name || all["elastic"].Username != "elastic" {
		t.Errorf("GetUser of every user: %v; want %s and elastic among them", all, name)
	}

	// The user itself, through a second client.
	self := newClient(t, s.url, cred{name, oldPW})
	who, err := self.authenticate(ctx)
	if err != nil {
		t.Fatalf("Authenticate as %s: %v", name, err)
	}
	native := realmView{Name: "default_native", Type: "native"}
	wantWho := authView{User: want, AuthenticationRealm: native, LookupRealm: native, AuthenticationType: "realm"}
	if diff := cmp.Diff(wantWho, who, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("Authenticate (-want +got):\n%s", diff)
	}

	if err := admin.changePassword(ctx, name, newPW); err != nil {
		t.Fatalf("ChangePassword: %v", err)
	}
	_, err = self.authenticate(ctx)
	wantAuthFailure(t, self, err, name, oldPW)
	withNew := newClient(t, s.url, cred{name, newPW})
	if _, err := withNew.authenticate(ctx); err != nil {
		t.Fatalf("Authenticate with the new password: %v", err)
	}

	if err := admin.setEnabled(ctx, name, false); err != nil {
		t.Fatalf("DisableUser: %v", err)
	}
	_, err = withNew.authenticate(ctx)
	wantAuthFailure(t, withNew, err, name, newPW)
	if err := admin.setEnabled(ctx, name, true); err != nil {
		t.Fatalf("EnableUser: %v", err)
	}
	if _, err := withNew.authenticate(ctx); err != nil {
		t.Fatalf("Authenticate after EnableUser: %v", err)
	}
	// The user changes its own password (PUT /_security/user/_password).
	ownPW := newPassword("typed-own")
	if err := withNew.changePassword(ctx, "", ownPW); err != nil {
		t.Fatalf("ChangePassword of the caller: %v", err)
	}
	_, err = withNew.authenticate(ctx)
	wantAuthFailure(t, withNew, err, name, newPW)
	withOwn := newClient(t, s.url, cred{name, ownPW})
	if _, err := withOwn.authenticate(ctx); err != nil {
		t.Fatalf("Authenticate with the password the user chose: %v", err)
	}

	if found, err := admin.deleteUser(ctx, name); err != nil || !found {
		t.Fatalf("DeleteUser: found %v, err %v; want found", found, err)
	}
	// Elasticsearch answers a missing user with 404 and {}: the typed
	// client decodes that as an ElasticsearchError with only the status.
	users, err := admin.getUser(ctx, name)
	if e, ok := admin.esError(err); !ok || e != (esError{Status: 404}) || users != nil {
		t.Errorf("GetUser of a deleted user: %v, %v; want nil and an ElasticsearchError{Status: 404}", users, err)
	}
	if exists, err := admin.userExists(ctx, name); err != nil || exists {
		t.Errorf("GetUser.IsSuccess of a deleted user: %v, %v; want false, nil", exists, err)
	}
	// A second delete: 404 with {"found":false}.
	_, err = admin.deleteUser(ctx, name)
	if e, ok := admin.esError(err); !ok || e.Status != 404 {
		t.Errorf("DeleteUser of a deleted user: %v; want an ElasticsearchError with status 404", err)
	}
	if _, err := withOwn.authenticate(ctx); err == nil {
		t.Errorf("a deleted user still authenticates")
	}

	// Validation errors arrive as ElasticsearchError too.
	short := secret("Sh0rt")
	_, err = admin.putUser(ctx, userView{Username: "short-pw", Roles: []string{"viewer"}}, short)
	e, ok := admin.esError(err)
	if !ok || e.Status != 400 || e.Type != "validation_exception" ||
		!strings.Contains(e.Reason, "passwords must be at least [6] characters long") {
		t.Errorf("PutUser with a 5-character password: %v; want a 400 validation_exception about the length", err)
	}
	if err != nil && strings.Contains(err.Error(), short) {
		t.Errorf("the validation error shows the password: %v", err)
	}
}

// wantAuthFailure checks err is the typed client's 401 for user.
func wantAuthFailure(t *testing.T, c typedClient, err error, user, password string) {
	t.Helper()
	e, ok := c.esError(err)
	if !ok {
		t.Fatalf("authenticate as %s: %v (%T); want an ElasticsearchError", user, err, err)
	}
	if e.Status != 401 || e.Type != "security_exception" || !strings.Contains(e.Reason, "unable to authenticate user ["+user+"]") {
		t.Errorf("authenticate as %s: %+v; want a 401 security_exception", user, e)
	}
	if strings.Contains(err.Error(), password) {
		t.Errorf("the error shows the password: %v", err)
	}
}

// asError is errors.As for a major's *types.ElasticsearchError.
func asError[E error](err error, conv func(E) esError) (esError, bool) {
	var e E
	if err == nil || !errors.As(err, &e) {
		return esError{}, false
	}
	return conv(e), true
}
