// Package realm authenticates username/password credentials through
// Elasticsearch's realm chain: the reserved realm first, then the others.
package realm
