// Package authz decides which Elasticsearch actions a principal may run,
// from its roles' cluster privileges, and words denials as Elasticsearch.
package authz
