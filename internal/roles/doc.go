// Package roles models Elasticsearch role descriptors: parsing and
// validating put-role bodies and roles.yml entries with Elasticsearch's
// messages, rendering them in the GET shape, the built-in (reserved) roles,
// the named cluster and index privileges, native roles on a store.Store and
// file roles with hot reload.
package roles
