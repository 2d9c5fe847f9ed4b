// Package serviceaccount is Elasticsearch's service accounts: the built-in
// accounts of the elastic namespace and their fixed role descriptors, the
// service token format of `Authorization: Bearer`, tokens kept in the
// service_tokens file of the configuration directory (watched and reloaded)
// and tokens created through the API (kept in store.ServiceTokens), their
// verification through a cache, and the exact answers of the service
// account APIs. HTTP routing and authorization live elsewhere.
//
// Secrets and hashes never leave this package except where Elasticsearch
// hands them out: a created token's value, once, and the hash written to
// the file or the store. Logs, errors and String methods never carry them.
package serviceaccount
