// Package timevalue parses Elasticsearch's time values ("30s", "5m",
// "-1"), as settings and request parameters write them.
package timevalue
