// Package servertest starts esauth nodes for tests, built by the same
// assembly as production (server.New), behind an httptest server.
package servertest
