// Package fakecluster is an in-memory, unsecured Elasticsearch 8.x (or OpenSearch) stand-in that answers the data-plane APIs the gateway tests use and records every request it receives.
package fakecluster
