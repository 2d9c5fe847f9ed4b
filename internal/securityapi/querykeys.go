package securityapi

import (
	"context"
	"slices"

	"github.com/esauth/esauth/internal/apikey"
	"github.com/esauth/esauth/internal/authn"
	"github.com/esauth/esauth/internal/authz"
	"github.com/esauth/esauth/internal/pipeline"
	"github.com/esauth/esauth/internal/rest"
	"github.com/esauth/esauth/internal/securityquery"
	"github.com/esauth/esauth/internal/xcontent"
)

// queryAPIKeys is GET|POST /_security/_query/api_key: the query DSL
// subset, sort, paging and aggregations over API keys
// (RestQueryApiKeyAction, TransportQueryApiKeyAction).
//
// The body is parsed and validated before authorization and translated
// after it, as in Elasticsearch. A caller granted the action outright
// (manage_api_key, read_security) sees every key; one granted it only
// by manage_own_api_key sees its own (Elasticsearch retries the
// authorization with filterForCurrentUser set): a user's keys by
// username and realm, an API key itself alone. An API key asking for
// with_limited_by needs more than manage_own_api_key.
func (a *API) queryAPIKeys(c *pipeline.Call) (pipeline.Prepared, error) {
	if err := a.apiKeysOn(); err != nil {
		return pipeline.Prepared{}, err
	}
	var withLimitedBy, typedKeys bool
	for _, f := range []struct {
		name string
		to   *bool
	}{{"with_limited_by", &withLimitedBy}, {"with_profile_uid", new(bool)}, {"typed_keys", &typedKeys}} {
		v, err := c.BoolParam(f.name, false)
		if err != nil {
			return pipeline.Prepared{}, err
		}
		*f.to = v
	}
	body, err := securityquery.APIKeys.ParseBody(c.Content())
	if err != nil {
		return pipeline.Prepared{}, err
	}
	auth := c.Auth
	viaKey := auth.APIKey != nil && !auth.IsRunAs()
	return pipeline.Prepared{Validate: body.Validate,
		Authz: authz.Request{OwnAPIKeys: !(viaKey && withLimitedBy)},
		Run: func(ctx context.Context, d authz.Decision) (*rest.Response, error) {
			req, err := body.Build()
			if err != nil {
				return nil, err
			}
			keys, err := a.APIKeys.QueryKeys(ctx)
			if err != nil {
				return nil, err
			}
			if d.CheckCluster(d.Action()) != nil {
				keys = ownKeys(auth, viaKey, keys)
			}
			docs := make(securityquery.APIKeyDocs, len(keys))
			for i, k := range keys {
				docs[i] = securityquery.APIKeyDoc{ID: k.ID, Name: k.Name, Type: k.Type, Creation: k.Creation,
					Expiration: k.Expiration, Invalidated: k.Invalidated, Invalidation: k.Invalidation,
					Username: k.Username, Realm: k.Realm, Metadata: securityquery.FlattenJSON(k.Metadata)}
			}
			res := req.Run(docs)
			items := make([]any, len(res.Hits))
			for i, h := range res.Hits {
				info, err := keys[h.Doc].Info(withLimitedBy)
				if err != nil {
					return nil, err
				}
				items[i] = sortedItem{info, h.Sort}
			}
			o := xcontent.Obj("total", res.Total, "count", len(items), "api_keys", items)
			if res.Aggs != nil {
				o = o.With("aggregations", res.Aggs.Object(typedKeys))
			}
			return rest.OK(o)
		}}, nil
}

// ownKeys keeps the caller's own keys: an API key's itself, a user's
// those it created in its realm (ApiKeyBoolQueryBuilder's filters).
func ownKeys(auth authn.Authentication, viaKey bool, keys []apikey.QueryKey) []apikey.QueryKey {
	out := keys[:0:0]
	if viaKey {
		for _, k := range keys {
			if k.ID == auth.APIKey.ID {
				out = append(out, k)
			}
		}
		return out
	}
	owner := ownedBy(auth)
	for _, k := range keys {
		if k.Username == owner.Username && slices.Contains(owner.Realms, k.Realm) {
			out = append(out, k)
		}
	}
	return out
}

// sortedItem is an item of a query answer: the document as its get API
// shows it, then its "_sort" values when the request sorted.
type sortedItem struct {
	item xcontent.Appender
	sort []any
}

// AppendJSON implements xcontent.Appender.
func (s sortedItem) AppendJSON(dst []byte) ([]byte, error) {
	start := len(dst)
	dst, err := s.item.AppendJSON(dst)
	if err != nil || s.sort == nil {
		return dst, err
	}
	dst = dst[:len(dst)-1] // the closing brace
	if len(dst) > start+1 {
		dst = append(dst, ',')
	}
	dst = append(dst, `"_sort":`...)
	if dst, err = xcontent.Append(dst, s.sort); err != nil {
		return nil, err
	}
	return append(dst, '}'), nil
}
