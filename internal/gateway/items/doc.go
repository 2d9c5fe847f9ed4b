// Package items splits Elasticsearch's multi-item request bodies (_bulk,
// _mget, _msearch) into items exactly as Elasticsearch reads them, forwards
// only the items a caller-supplied decision allows, and splices the denied
// items back into the cluster's answer as Elasticsearch's own per-item errors.
package items
