// Package xcontent reads JSON request bodies field by field the way
// Elasticsearch's XContentParser-based builders do, with their messages.
package xcontent
