package gateway

import (
	"net/url"
	"strings"
)

// segments splits a path as the router does: no leading "/", no trailing
// empty segments.
func segments(path string) []string {
	p := strings.TrimPrefix(path, "/")
	if p == "" {
		return nil
	}
	segs := strings.Split(p, "/")
	for len(segs) > 0 && segs[len(segs)-1] == "" {
		segs = segs[:len(segs)-1]
	}
	return segs
}

// rewrite builds the path to forward from a route's pattern: literal
// segments as the pattern has them, captures from the request's own raw
// (escaped) segments, and each capture named in names replaced by the
// authorized names joined with commas. The cluster therefore never sees a
// wildcard or an index the user was not granted.
func rewrite(pattern, rawPath string, names map[string][]string) string {
	pat, raw := segments(pattern), segments(rawPath)
	var b strings.Builder
	for i, seg := range pat {
		b.WriteByte('/')
		name, capture := strings.CutPrefix(seg, "{")
		if !capture {
			b.WriteString(seg)
			continue
		}
		name = strings.TrimSuffix(name, "}")
		if list, ok := names[name]; ok {
			writeNames(&b, list)
		} else if i < len(raw) {
			b.WriteString(raw[i])
		}
	}
	if b.Len() == 0 {
		return "/"
	}
	return b.String()
}

// writeNames writes index names as one path segment, each escaped.
func writeNames(b *strings.Builder, names []string) {
	for i, n := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		// "*" stays: "*,-*" is how Elasticsearch itself asks for no index.
		b.WriteString(strings.ReplaceAll(url.PathEscape(n), "%2A", "*"))
	}
}
