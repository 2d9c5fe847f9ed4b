// Package upstream is esauth's client for the Elasticsearch-compatible cluster it guards as a gateway: node selection with dead-node backoff, credential and header hygiene, response copying, errors the official clients retry, and the cached index metadata.
package upstream
