// Package gateway is the data-plane route group: every Elasticsearch API
// that is not the security API, decided as Elasticsearch's security layer
// would and forwarded to the cluster behind only when allowed.
package gateway
