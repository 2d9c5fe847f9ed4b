// Command esauth serves Elasticsearch's native-realm security API, and
// carries the operator tools (users, reset-password, migrate, hash).
package main
