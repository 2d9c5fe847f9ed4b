// Package e2e tests the esauth binary end to end: it builds the command,
// runs it as a subprocess and drives it with the official Elasticsearch Go
// clients and plain HTTP.
package e2e
