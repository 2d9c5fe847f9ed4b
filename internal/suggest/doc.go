// Package suggest ranks near-miss names the way Elasticsearch's
// "did you mean" messages do.
package suggest
