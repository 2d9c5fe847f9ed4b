// Package indices resolves Elasticsearch index expressions (lists, wildcards, exclusions, _all, date math and indices options) for a user exactly as Elasticsearch's security layer does, without any I/O.
package indices
