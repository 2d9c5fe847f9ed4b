package securityapi

import (
	"context"

	"github.com/esauth/esauth/internal/apikey"
	"github.com/esauth/esauth/internal/audit"
	"github.com/esauth/esauth/internal/authn"
	"github.com/esauth/esauth/internal/authz"
	"github.com/esauth/esauth/internal/pipeline"
	"github.com/esauth/esauth/internal/rest"
)

// Cross-cluster API keys: create (POST /_security/cross_cluster/api_key)
// and update (PUT /_security/cross_cluster/api_key/{id}). Both need
// manage_security (their actions are under cluster:admin/xpack/security/
// but not api_key/, so manage_api_key and manage_own_api_key do not grant
// them), and both act as the caller, who owns the key.

func (a *API) createCrossClusterAPIKey(c *pipeline.Call) (pipeline.Prepared, error) {
	if err := a.apiKeysOn(); err != nil {
		return pipeline.Prepared{}, err
	}
	body, err := c.RequiredContent()
	if err != nil {
		return pipeline.Prepared{}, err
	}
	req, err := apikey.ParseCreateCrossClusterRequest(body)
	if err != nil {
		return pipeline.Prepared{}, err
	}
	return pipeline.Prepared{Validate: req.Validate, Run: func(ctx context.Context, _ authz.Decision) (*rest.Response, error) {
		caller, err := a.caller(ctx, c.Auth)
		if err != nil {
			return nil, err
		}
		a.APIKeys.AssignID(req)
		change := keyChange(req, nil)
		change.Type = apikey.TypeCrossCluster
		c.AuditChange(audit.CreateAPIKeyChange(change))
		res, err := a.APIKeys.CreateCrossCluster(ctx, req, caller)
		if err != nil {
			return nil, err
		}
		return rest.OK(res)
	}}, nil
}

// updateCrossClusterAPIKey changes one of the caller's own cross-cluster
// keys; the service enforces the ownership and the type.
func (a *API) updateCrossClusterAPIKey(c *pipeline.Call) (pipeline.Prepared, error) {
	if err := a.apiKeysOn(); err != nil {
		return pipeline.Prepared{}, err
	}
	id := c.PathParam("id")
	body, err := c.RequiredContent()
	if err != nil {
		return pipeline.Prepared{}, err
	}
	req, err := apikey.ParseUpdateCrossClusterRequest(body)
	if err != nil {
		return pipeline.Prepared{}, err
	}
	return pipeline.Prepared{Validate: req.Validate, Run: func(ctx context.Context, _ authz.Decision) (*rest.Response, error) {
		caller, err := a.caller(ctx, c.Auth)
		if err != nil {
			return nil, err
		}
		change := updateChange([]string{id}, req)
		change.Type = apikey.TypeCrossCluster
		c.AuditChange(audit.UpdateAPIKeyChange(change))
		res, err := a.APIKeys.UpdateCrossCluster(ctx, id, req, caller)
		if err != nil {
			return nil, err
		}
		return rest.OK(res)
	}}, nil
}

// mayInvalidateCrossCluster is TransportInvalidateApiKeyAction's check
// that the caller holds manage_security, without which the cross-cluster
// keys an invalidation matches are skipped.
func (a *API) mayInvalidateCrossCluster(ctx context.Context, auth authn.Authentication) (bool, error) {
	ans, err := a.Authz.HasPrivileges(ctx, auth, authz.Check{Cluster: []string{"manage_security"}})
	if err != nil {
		return false, err
	}
	return ans.All, nil
}
