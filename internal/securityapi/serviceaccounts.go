package securityapi

import (
	"context"

	"github.com/esauth/esauth/internal/audit"

	"github.com/esauth/esauth/internal/authz"
	"github.com/esauth/esauth/internal/peers"
	"github.com/esauth/esauth/internal/pipeline"
	"github.com/esauth/esauth/internal/rest"
	"github.com/esauth/esauth/internal/serviceaccount"
)

// getServiceAccounts is GET /_security/service[/{namespace}[/{service}]].
func (a *API) getServiceAccounts(c *pipeline.Call) (pipeline.Prepared, error) {
	ns, svc := c.PathParam("namespace"), c.PathParam("service")
	return pipeline.Prepared{Run: func(context.Context, authz.Decision) (*rest.Response, error) {
		return rest.OK(serviceaccount.GetAccounts(ns, svc))
	}}, nil
}

// createServiceToken is POST|PUT …/credential/token[/{name}]; without a
// name, one is made up as Elasticsearch does.
func (a *API) createServiceToken(c *pipeline.Call) (pipeline.Prepared, error) {
	ns, svc, name := c.PathParam("namespace"), c.PathParam("service"), c.PathParam("name")
	if name == "" {
		name = serviceaccount.NewTokenName()
	}
	if err := refresh(c); err != nil {
		return pipeline.Prepared{}, err
	}
	return pipeline.Prepared{
		Validate: func() error { return serviceaccount.ValidateTokenRequest(ns, svc, name) },
		Run: func(ctx context.Context, _ authz.Decision) (*rest.Response, error) {
			c.AuditChange(audit.ServiceTokenChange(audit.ServiceToken{Namespace: ns, Service: svc, Name: name}, true))
			u, r := c.Auth.Effective.User, c.Auth.Effective.Realm
			created, err := a.ServiceAccounts.CreateToken(ctx, ns, svc, name, serviceaccount.CreatorOf(u, r.Name, r.Type))
			if err != nil {
				return nil, err
			}
			return rest.OK(created)
		}}, nil
}

func (a *API) deleteServiceToken(c *pipeline.Call) (pipeline.Prepared, error) {
	ns, svc, name := c.PathParam("namespace"), c.PathParam("service"), c.PathParam("name")
	if err := refresh(c); err != nil {
		return pipeline.Prepared{}, err
	}
	return pipeline.Prepared{Run: func(ctx context.Context, _ authz.Decision) (*rest.Response, error) {
		c.AuditChange(audit.ServiceTokenChange(audit.ServiceToken{Namespace: ns, Service: svc, Name: name}, false))
		deleted, err := a.ServiceAccounts.DeleteToken(ctx, ns, svc, name)
		if err != nil {
			return nil, err
		}
		return &rest.Response{Status: deleted.Status(), Body: deleted}, nil
	}}, nil
}

// serviceCredentials is GET …/credential: the store's tokens and every
// node's file tokens (each node reads its own service_tokens file).
func (a *API) serviceCredentials(c *pipeline.Call) (pipeline.Prepared, error) {
	ns, svc := c.PathParam("namespace"), c.PathParam("service")
	return pipeline.Prepared{Run: func(ctx context.Context, _ authz.Decision) (*rest.Response, error) {
		creds, err := a.ServiceAccounts.Credentials(ctx, ns, svc, a.Node.Name)
		if err != nil {
			return nil, err
		}
		if a.Peers != nil {
			// Every node publishes its own file's tokens in the node list.
			nodes, err := a.Peers.FileTokens(ctx)
			if err != nil {
				return nil, err
			}
			creds.Nodes = creds.Nodes[:0]
			for _, n := range nodes {
				creds.Nodes = append(creds.Nodes, serviceaccount.NodeTokens{Node: n.Node.Name,
					Tokens: serviceaccount.NamesOf(n.Tokens, creds.Principal)})
			}
		}
		return rest.OK(creds)
	}}, nil
}

// clearServiceTokenCache evicts tokens of one account from every node's
// cache.
func (a *API) clearServiceTokenCache(c *pipeline.Call) (pipeline.Prepared, error) {
	keys, err := serviceaccount.ClearCacheKeys(c.PathParam("namespace"), c.PathParam("service"), c.PathParam("name"))
	if err != nil {
		return pipeline.Prepared{}, err
	}
	return pipeline.Prepared{Run: func(ctx context.Context, _ authz.Decision) (*rest.Response, error) {
		ans := peers.Answers{Done: []peers.Node{a.Node}}
		if a.Peers != nil {
			var err error
			if ans, err = a.Peers.ClearCaches(ctx, peers.ClearServiceTokensKind, keys, nil); err != nil {
				return nil, err
			}
		}
		a.ServiceAccounts.ClearCache(keys)
		return rest.OK(a.nodesResponse(ans))
	}}, nil
}
