// Package config loads esauth's settings from defaults, an elasticsearch.yml-style file and -E overrides, under Elasticsearch's setting names and error messages.
package config
