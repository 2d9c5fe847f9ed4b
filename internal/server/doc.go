// Package server wires configuration, store, realms, authorization and the
// REST API into a running esauth node.
package server
