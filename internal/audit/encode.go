package audit

import (
	"bytes"
	"encoding/json"

	"github.com/esauth/esauth/internal/xcontent"
)

// appendQuoted appends s as a JSON string. Invalid UTF-8 becomes U+FFFD,
// so every line stays valid JSON whatever a client sent.
func appendQuoted(b []byte, s string) []byte { return xcontent.AppendString(b, s) }

// appendStrings appends a JSON array of strings, [] for none, as
// LoggingAuditTrail's toQuotedJsonArray and XContentBuilder.array do.
func appendStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendQuoted(b, s)
	}
	return append(b, ']')
}

// appendObject appends a JSON object given as raw JSON, compacted so that
// a multi-line object cannot break the one-event-per-line format. It
// reports false, appending nothing, for an object that is missing, empty
// or not valid JSON.
func appendObject(b []byte, raw []byte) ([]byte, bool) {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return b, false
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, trimmed); err != nil || buf.Len() <= 2 {
		return b, false
	}
	return append(b, buf.Bytes()...), true
}
