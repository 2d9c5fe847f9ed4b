// Package userquery is the engine behind Elasticsearch's Query User API
// (GET|POST /_security/_query/user, 8.14+): it parses the request body the
// way RestQueryUserAction, the query builders and UserBoolQueryBuilder do,
// failing with Elasticsearch's exception types and messages in
// Elasticsearch's order, and evaluates the query, sort, search_after and
// paging over native users held in memory.
//
// Matching follows the .security index mapping: username and roles are
// keyword fields, enabled is boolean, full_name is text (standard analyzer)
// and email is text with the index's "email" analyzer. Term-level queries
// on text fields therefore compare against analysed tokens, and match and
// simple_query_string analyse their input like the shard would.
package userquery
