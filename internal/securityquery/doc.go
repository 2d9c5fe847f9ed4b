// Package securityquery is the engine behind Elasticsearch's query APIs
// over the security index: Query User (GET|POST /_security/_query/user,
// 8.14+), Query API Keys (/_security/_query/api_key, with aggregations)
// and Query Role (/_security/_query/role, 8.15+). One engine serves all
// three; a Schema describes each kind of document: its fields (query-level
// name, index-level name, mapping kind: keyword, text with an analyzer,
// boolean, date, flattened; sortable or not), its _id prefix, the REST
// handler's parser name, and whether the body takes aggregations. A
// Source presents the documents, in index order.
//
// Parsing follows the REST handlers, the query builders and
// FieldNameTranslators, failing with Elasticsearch's exception types and
// messages in Elasticsearch's order: the body (ParseBody), the request's
// validation (Validate), then, after authorization, the transport
// action's translation and what the shard would refuse (Build). Run
// evaluates the query, sort, search_after, paging and aggregations over
// the documents in memory.
//
// Matching follows the .security index mapping: term-level queries on
// text fields compare against analysed tokens, match and
// simple_query_string analyse their input like the shard would, dates
// are epoch_millis with date math, and flattened fields index every leaf
// value as a keyword, by key and as a whole. Scores are not computed:
// hits without a sort come in index order.
package securityquery
