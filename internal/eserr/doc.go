// Package eserr models Elasticsearch's exceptions (type, reason, status and
// response headers) so that any layer can fail in Elasticsearch's terms.
package eserr
