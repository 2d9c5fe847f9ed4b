// Package audit writes Elasticsearch 8.x's security audit log: one JSON line per authentication, authorization and security configuration event, in the logfile format, field order and event names of Elasticsearch's LoggingAuditTrail.
package audit
