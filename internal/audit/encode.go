package audit

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// appendString appends s as the body of a JSON string (no quotes), escaped
// as log4j's %enc{…}{JSON} and Jackson escape: quote, backslash and
// control characters; other text stays as it is. Invalid UTF-8 becomes
// U+FFFD so that every line stays valid JSON whatever a client sent.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, s[start:i]...)
				b = append(b, `\ufffd`...)
				i++
				start = i
				continue
			}
			i += size
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		i++
		start = i
	}
	return append(b, s[start:]...)
}

// appendQuoted appends s as a JSON string.
func appendQuoted(b []byte, s string) []byte {
	b = append(b, '"')
	b = appendString(b, s)
	return append(b, '"')
}

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
