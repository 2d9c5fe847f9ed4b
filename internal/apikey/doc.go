// Package apikey is Elasticsearch's API key service without HTTP routing
// or authorization: it parses and validates the create, get, invalidate
// and update bodies with Elasticsearch's messages, stores each key as the
// document Elasticsearch writes to its security index (store.APIKeys, keyed
// by key id), renders the answers byte for byte, and authenticates
// "ApiKey" credentials in Elasticsearch's order with its failure messages.
//
// Secrets are returned once, by Create, and are otherwise never logged,
// rendered or stored: the store holds a hash in the configured algorithm,
// and memory holds a fast salted hash of each verified secret
// (cache.hash_algo), as Elasticsearch's API key cache does.
//
// Authenticate never answers from a cache for a key that was invalidated,
// changed or removed once Invalidate(id) has returned for it: callers
// invalidate after their store write (InvalidateKeys, Update, Sweep do so
// themselves), and nodes sharing a store call Invalidate for every change
// they see in the store's watch. Expiry is checked on every request.
//
// Each key's last successful use is kept in memory and written in batches
// (never a store write per request); Get shows it only when asked
// (with_last_used), so the default answer stays Elasticsearch's.
package apikey
