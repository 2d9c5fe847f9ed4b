package rest

import "fmt"

// The Elasticsearch build esauth presents itself as.
const (
	Version       = "8.19.0"
	BuildHash     = "esauth"
	BuildDate     = "2026-11-01T00:00:00.000000000Z"
	LuceneVersion = "9.12.2"
)

// Deprecation renders the Warning header Elasticsearch sends for a legacy
// path.
func Deprecation(method, path, replacement string) string {
	return fmt.Sprintf("299 Elasticsearch-%s-%s \"[%s %s] is deprecated! Use [%s %s] instead.\"",
		Version, BuildHash, method, path, method, replacement)
}
