// Package authz decides whether an authenticated caller may run a request,
// from its roles' privileges, and words denials as Elasticsearch does.
package authz
