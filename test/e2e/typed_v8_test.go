package e2e

import (
	"context"
	"testing"

	es8 "github.com/elastic/go-elasticsearch/v8"
	"github.com/elastic/go-elasticsearch/v8/typedapi/security/authenticate"
	"github.com/elastic/go-elasticsearch/v8/typedapi/types"
)

// typedV8 adapts go-elasticsearch/v8's typed client.
type typedV8 struct{ c *es8.TypedClient }

func newTypedV8(t *testing.T, url string, c cred) typedClient {
	t.Helper()
	client, err := es8.NewTypedClient(es8.Config{Addresses: []string{url}, Username: c.user, Password: c.password})
	if err != nil {
		t.Fatalf("v8 NewTypedClient: %v", err)
	}
	return typedV8{client}
}

func (v typedV8) info(ctx context.Context) (info, error) {
	r, err := v.c.Info().Do(ctx)
	if err != nil {
		return info{}, err
	}
	i := info{Name: r.Name, ClusterName: r.ClusterName, ClusterUUID: r.ClusterUuid}
	i.Version.Number = r.Version.Int
	return i, nil
}

func (v typedV8) health(ctx context.Context) (string, error) {
	r, err := v.c.Cluster.Health().Do(ctx)
	if err != nil {
		return "", err
	}
	return r.Status.String(), nil
}

func (v typedV8) putUser(ctx context.Context, u userView, password string) (bool, error) {
	req := v.c.Security.PutUser(u.Username).Roles(u.Roles...)
	if password != "" {
		req.Password(password)
	}
	if u.FullName != "" {
		req.FullName(u.FullName)
	}
	if u.Email != "" {
		req.Email(u.Email)
	}
	if u.Metadata != nil {
		req.Metadata(rawMetadata(u.Metadata))
	}
	r, err := req.Do(ctx)
	if err != nil {
		return false, err
	}
	return r.Created, nil
}

func (v typedV8) getUser(ctx context.Context, name string) (map[string]userView, error) {
	req := v.c.Security.GetUser()
	if name != "" {
		req.Username(name)
	}
	r, err := req.Do(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]userView, len(r))
	for k, u := range r {
		out[k] = userView{Username: u.Username, Roles: u.Roles, FullName: deref(u.FullName), Email: deref(u.Email),
			Metadata: metadataOf(u.Metadata), Enabled: u.Enabled}
	}
	return out, nil
}

func (v typedV8) userExists(ctx context.Context, name string) (bool, error) {
	return v.c.Security.GetUser().Username(name).IsSuccess(ctx)
}

func (v typedV8) authenticate(ctx context.Context) (authView, error) {
	r, err := v.c.Security.Authenticate().Do(ctx)
	if err != nil {
		return authView{}, err
	}
	return authViewV8(r), nil
}

func authViewV8(r *authenticate.Response) authView {
	return authView{
		User: userView{Username: r.Username, Roles: r.Roles, FullName: deref(r.FullName), Email: deref(r.Email),
			Metadata: metadataOf(r.Metadata), Enabled: r.Enabled},
		AuthenticationRealm: realmView(r.AuthenticationRealm),
		LookupRealm:         realmView(r.LookupRealm),
		AuthenticationType:  r.AuthenticationType,
	}
}

func (v typedV8) changePassword(ctx context.Context, name, password string) error {
	req := v.c.Security.ChangePassword().Password(password)
	if name != "" {
		req.Username(name)
	}
	_, err := req.Do(ctx)
	return err
}

func (v typedV8) setEnabled(ctx context.Context, name string, enabled bool) error {
	var err error
	if enabled {
		_, err = v.c.Security.EnableUser(name).Do(ctx)
	} else {
		_, err = v.c.Security.DisableUser(name).Do(ctx)
	}
	return err
}

func (v typedV8) deleteUser(ctx context.Context, name string) (bool, error) {
	r, err := v.c.Security.DeleteUser(name).Do(ctx)
	if err != nil {
		return false, err
	}
	return r.Found, nil
}

func (typedV8) esError(err error) (esError, bool) {
	return asError(err, func(e *types.ElasticsearchError) esError {
		return esError{Status: e.Status, Type: e.ErrorCause.Type, Reason: deref(e.ErrorCause.Reason)}
	})
}
