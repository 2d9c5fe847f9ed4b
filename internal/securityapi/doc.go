// Package securityapi answers Elasticsearch's security REST API
// (/_security/* and the legacy /_xpack/security/*): users, roles,
// privileges, realm caches, query users and esauth's locked users, plus
// the standalone GET / and /_cluster/health.
package securityapi
