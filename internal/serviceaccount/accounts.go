package serviceaccount

import (
	"encoding/json"
	"slices"
	"sync"

	"github.com/esauth/esauth/internal/roles"
	"github.com/esauth/esauth/internal/user"
	"github.com/esauth/esauth/internal/xcontent"
)

// Namespace is the namespace of every built-in service account; tokens of
// any other namespace never authenticate.
const Namespace = "elastic"

// RealmName and RealmType name the realm of a service account
// (ServiceAccountSettings.REALM_NAME, REALM_TYPE), which _authenticate
// shows as both its authentication and its lookup realm.
const (
	RealmName = "_service_account"
	RealmType = "_service_account"
)

// Account is one built-in service account. Its role is fixed: a single
// role descriptor named after the principal. Accounts are shared and
// immutable; Role hands out copies.
type Account struct {
	namespace, service string
	role               roles.Descriptor
}

// Namespace is the account's namespace ("elastic").
func (a *Account) Namespace() string { return a.namespace }

// Service is the account's service name ("fleet-server").
func (a *Account) Service() string { return a.service }

// Principal is "namespace/service", the account's user name.
func (a *Account) Principal() string { return a.namespace + "/" + a.service }

// Role returns a copy of the account's role descriptor, which callers may
// keep and change.
func (a *Account) Role() roles.Descriptor { return cloneDescriptor(a.role) }

// User is the account as a user (ElasticServiceAccount.asUser): no roles,
// a generated full name, no email, the service account marker in its
// metadata, always enabled.
func (a *Account) User() user.User {
	full := "Service account - " + a.Principal()
	return user.User{
		Username: a.Principal(),
		Roles:    []string{},
		FullName: &full,
		Metadata: json.RawMessage(`{"_elastic_service_account":true}`),
		Enabled:  true,
	}
}

// accounts builds the table once: elastic/kibana copies the reserved
// kibana_system role, and building the reserved roles is not free.
var accounts = sync.OnceValue(func() []*Account {
	kibana := roles.Builtin()["kibana_system"]
	kibana.Name = Namespace + "/kibana"
	list := []*Account{
		account("fleet-server", fleetServerRole()),
		account("fleet-server-remote", roles.Descriptor{
			Cluster: []string{"monitor", "manage_own_api_key"},
			Indices: []roles.IndexPrivileges{
				idx([]string{"logs-*", "metrics-*", "traces-*"}, "write", "create_index", "auto_configure"),
			},
		}),
		account("auto-ops", roles.Descriptor{
			Cluster: []string{"monitor", "read_ilm", "read_slm"},
			Indices: []roles.IndexPrivileges{restricted([]string{"*"}, "monitor", "view_index_metadata")},
		}),
		account("kibana", kibana),
		account("enterprise-search-server", enterpriseSearchRole()),
	}
	return list
})

// account names the descriptor after the principal, as
// ElasticServiceAccount's constructor requires, and fills in what
// RoleDescriptor renders for null arrays.
func account(service string, d roles.Descriptor) *Account {
	d.Name = Namespace + "/" + service
	if d.Cluster == nil {
		d.Cluster = []string{}
	}
	if d.RunAs == nil {
		d.RunAs = []string{}
	}
	return &Account{namespace: Namespace, service: service, role: d}
}

func idx(names []string, privileges ...string) roles.IndexPrivileges {
	return roles.IndexPrivileges{Names: names, Privileges: privileges}
}

func restricted(names []string, privileges ...string) roles.IndexPrivileges {
	ip := idx(names, privileges...)
	ip.AllowRestrictedIndices = true
	return ip
}

// fleetServerRole is ElasticServiceAccounts.FLEET_ACCOUNT of 8.19.
func fleetServerRole() roles.Descriptor {
	fleet := []string{"read", "write", "monitor", "create_index", "auto_configure", "maintenance"}
	connectors := []string{"read", "write", "monitor", "create_index", "auto_configure", "maintenance", "view_index_metadata"}
	return roles.Descriptor{
		Cluster: []string{"monitor", "manage_own_api_key", "read_fleet_secrets", "cluster:admin/xpack/connector/*"},
		Indices: []roles.IndexPrivileges{
			idx([]string{"logs-*", "metrics-*", "traces-*", ".logs-endpoint.diagnostic.collection-*",
				".logs-endpoint.action.responses-*", ".logs-endpoint.heartbeat-*"}, "write", "create_index", "auto_configure"),
			idx([]string{"profiling-*"}, "read", "write"),
			idx([]string{"traces-apm.sampled-*"}, "read", "monitor", "maintenance"),
			restricted([]string{".fleet-secrets*"}, "read"),
			restricted([]string{".fleet-actions*"}, fleet...),
			restricted([]string{".fleet-agents*"}, fleet...),
			restricted([]string{".fleet-artifacts*"}, fleet...),
			restricted([]string{".fleet-enrollment-api-keys*"}, fleet...),
			restricted([]string{".fleet-policies*"}, fleet...),
			restricted([]string{".fleet-policies-leader*"}, fleet...),
			restricted([]string{".fleet-servers*"}, fleet...),
			restricted([]string{".fleet-fileds*"}, fleet...),
			idx([]string{"synthetics-*"}, "read", "write", "create_index", "auto_configure"),
			idx([]string{".elastic-connectors*"}, connectors...),
			idx([]string{"content-*", ".search-acl-filter-*"}, connectors...),
			idx([]string{"agentless-*"}, connectors...),
		},
		Applications: []roles.ApplicationPrivileges{
			{Application: "kibana-*", Privileges: []string{"reserved_fleet-setup"}, Resources: []string{"*"}},
		},
	}
}

// enterpriseSearchRole is ElasticServiceAccounts.ENTERPRISE_SEARCH_ACCOUNT
// of late 8.x (the account is gone in 9.0).
func enterpriseSearchRole() roles.Descriptor {
	return roles.Descriptor{
		Cluster: []string{"manage", "manage_security", "read_connector_secrets", "write_connector_secrets"},
		Indices: []roles.IndexPrivileges{idx([]string{
			"search-*",
			".search-acl-filter-*",
			".elastic-analytics-collections",
			".ent-search-*",
			".monitoring-ent-search-*",
			"metricbeat-ent-search-*",
			"enterprise-search-*",
			"logs-app_search.analytics-default",
			"logs-elastic_analytics.events-*",
			"logs-enterprise_search.api-default",
			"logs-enterprise_search.audit-default",
			"logs-app_search.search_relevance_suggestions-default",
			"logs-crawler-default",
			"logs-elastic_crawler-default",
			"logs-workplace_search.analytics-default",
			"logs-workplace_search.content_events-default",
			".elastic-connectors*",
		}, "manage", "read", "write")},
	}
}

// Accounts returns the built-in accounts in the order Elasticsearch's
// ElasticServiceAccounts.ACCOUNTS (a java.util.HashMap) iterates them,
// which is the order its tools list them in.
func Accounts() []*Account { return slices.Clone(accounts()) }

// Lookup returns the built-in account with the principal
// "namespace/service".
func Lookup(principal string) (*Account, bool) {
	for _, a := range accounts() {
		if a.Principal() == principal {
			return a, true
		}
	}
	return nil, false
}

// Principals lists the principals of Accounts, in the same order.
func Principals() []string {
	var out []string
	for _, a := range accounts() {
		out = append(out, a.Principal())
	}
	return out
}

// GetAccounts answers GET /_security/service[/{namespace}[/{service}]]
// (TransportGetServiceAccountAction): the accounts whose namespace and
// service equal the ones given, "" standing for a parameter not given.
// No match is an empty object, with 200.
func GetAccounts(namespace, service string) AccountsResponse {
	var out AccountsResponse
	for _, a := range accounts() {
		if (namespace == "" || a.namespace == namespace) && (service == "" || a.service == service) {
			out = append(out, a)
		}
	}
	return out
}

// AccountsResponse is GetServiceAccountResponse:
// {"elastic/fleet-server":{"role_descriptor":{…}},…}.
type AccountsResponse []*Account

// AppendJSON implements xcontent.Appender.
func (r AccountsResponse) AppendJSON(dst []byte) ([]byte, error) {
	dst = append(dst, '{')
	for i, a := range r {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = xcontent.AppendString(dst, a.Principal())
		dst = append(dst, `:{"role_descriptor":`...)
		b, err := a.role.MarshalJSON()
		if err != nil {
			return nil, err
		}
		dst = append(append(dst, b...), '}')
	}
	return append(dst, '}'), nil
}

// cloneDescriptor copies every slice and pointer of d, so that the copy
// shares no memory with the shared table.
func cloneDescriptor(d roles.Descriptor) roles.Descriptor {
	d.Cluster = slices.Clone(d.Cluster)
	if d.Global != nil {
		g := roles.GlobalPrivileges{
			ManageApplications: slices.Clone(d.Global.ManageApplications),
			WriteProfileData:   slices.Clone(d.Global.WriteProfileData),
		}
		d.Global = &g
	}
	d.Indices = slices.Clone(d.Indices)
	for i := range d.Indices {
		d.Indices[i] = cloneIndex(d.Indices[i])
	}
	d.Applications = slices.Clone(d.Applications)
	for i, ap := range d.Applications {
		d.Applications[i].Privileges = slices.Clone(ap.Privileges)
		d.Applications[i].Resources = slices.Clone(ap.Resources)
	}
	d.RunAs = slices.Clone(d.RunAs)
	d.Metadata = slices.Clone(d.Metadata)
	d.TransientMetadata = slices.Clone(d.TransientMetadata)
	d.RemoteIndices = slices.Clone(d.RemoteIndices)
	for i, rp := range d.RemoteIndices {
		d.RemoteIndices[i].IndexPrivileges = cloneIndex(rp.IndexPrivileges)
		d.RemoteIndices[i].Clusters = slices.Clone(rp.Clusters)
	}
	return d
}

func cloneIndex(ip roles.IndexPrivileges) roles.IndexPrivileges {
	ip.Names = slices.Clone(ip.Names)
	ip.Privileges = slices.Clone(ip.Privileges)
	if fs := ip.FieldSecurity; fs != nil {
		ip.FieldSecurity = &roles.FieldSecurity{Grant: slices.Clone(fs.Grant), Except: slices.Clone(fs.Except)}
	}
	return ip
}
