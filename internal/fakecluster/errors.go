package fakecluster

import (
	"fmt"
	"strconv"
	"strings"
)

// esError is an Elasticsearch exception: a type, a reason and the metadata
// fields ES appends after them (index, shard, resource.id ...). It renders in
// the three shapes ES uses: a whole error answer, an item of _mget/_msearch
// (with root_cause) and an item of _bulk (without).
type esError struct {
	status int
	typ    string
	reason string
	meta   obj
	// root replaces the default root_cause (the error itself) for wrapped
	// errors such as search_phase_execution_exception.
	root []obj
}

// short is the error without root_cause, as a _bulk item carries it
// (ElasticsearchException.generateThrowableXContent).
func (e *esError) short() obj {
	o := obj{{"type", e.typ}, {"reason", e.reason}}
	return append(o, e.meta...)
}

// full is the error with root_cause first, as an error answer, an _mget item
// and an _msearch item carry it (generateFailureXContent).
func (e *esError) full() obj {
	root := e.root
	if root == nil {
		root = []obj{e.short()}
	}
	return append(obj{{"root_cause", root}}, e.short()...)
}

func (e *esError) reply() *reply {
	return jsonReply(e.status, obj{{"error", e.full()}, {"status", e.status}})
}

func indexNotFound(name string) *esError {
	return &esError{status: 404, typ: "index_not_found_exception", reason: "no such index [" + name + "]",
		meta: obj{{"resource.type", "index_or_alias"}, {"resource.id", name}, {"index_uuid", "_na_"}, {"index", name}}}
}

// indexNotFoundAll is what ES throws when several expressions together
// resolved to nothing and allow_no_indices=false: IndexNotFoundException with
// a null index, hence the odd "[null]".
func indexNotFoundAll(exprs []string) *esError {
	if len(exprs) == 1 {
		return indexNotFound(exprs[0])
	}
	if len(exprs) == 0 {
		e := indexNotFound("_all")
		e.reason = "no indices exist"
		return e
	}
	return &esError{status: 404, typ: "index_not_found_exception", reason: "no such index [null]",
		meta: obj{{"resource.type", "index_expression"}, {"resource.id", exprs}}}
}

func indexClosed(ix *index) *esError {
	return &esError{status: 400, typ: "index_closed_exception", reason: "closed",
		meta: obj{{"index_uuid", ix.uuid}, {"index", ix.name}}}
}

func illegalArgument(format string, args ...any) *esError {
	return &esError{status: 400, typ: "illegal_argument_exception", reason: fmt.Sprintf(format, args...)}
}

// validation renders ActionRequestValidationException's numbered list.
func validation(msgs ...string) *esError {
	var b strings.Builder
	b.WriteString("Validation Failed: ")
	for i, m := range msgs {
		b.WriteString(strconv.Itoa(i + 1))
		b.WriteString(": ")
		b.WriteString(m)
		b.WriteString(";")
	}
	return &esError{status: 400, typ: "action_request_validation_exception", reason: b.String()}
}

func parseError(format string, args ...any) *esError {
	return &esError{status: 400, typ: "parse_exception", reason: fmt.Sprintf(format, args...)}
}

func bodyParseError(err error) *esError {
	return &esError{status: 400, typ: "x_content_parse_exception", reason: "failed to parse request body: " + err.Error()}
}

func bodyRequired() *esError { return parseError("request body is required") }

func shardMeta(ix *index) obj {
	return obj{{"index_uuid", ix.uuid}, {"shard", "0"}, {"index", ix.name}}
}

func versionConflict(ix *index, id, why string) *esError {
	return &esError{status: 409, typ: "version_conflict_engine_exception", reason: "[" + id + "]: version conflict, " + why,
		meta: shardMeta(ix)}
}

func documentMissing(ix *index, id string) *esError {
	return &esError{status: 404, typ: "document_missing_exception", reason: "[" + id + "]: document missing", meta: shardMeta(ix)}
}

func alreadyExists(ix *index) *esError {
	return &esError{status: 400, typ: "resource_already_exists_exception",
		reason: "index [" + ix.name + "/" + ix.uuid + "] already exists", meta: obj{{"index_uuid", ix.uuid}, {"index", ix.name}}}
}

func invalidIndexName(name, why string) *esError {
	return &esError{status: 400, typ: "invalid_index_name_exception", reason: "Invalid index name [" + name + "], " + why,
		meta: obj{{"index_uuid", "_na_"}, {"index", name}}}
}

func resourceNotFound(format string, args ...any) *esError {
	return &esError{status: 404, typ: "resource_not_found_exception", reason: fmt.Sprintf(format, args...)}
}

// contextMissing is the answer to a scroll or PIT whose context is gone: the
// search fails on every shard with search_context_missing_exception, wrapped
// in search_phase_execution_exception, status 404.
func contextMissing(n int64) *esError {
	inner := obj{{"type", "search_context_missing_exception"}, {"reason", fmt.Sprintf("No search context found for id [%d]", n)}}
	return &esError{status: 404, typ: "search_phase_execution_exception", reason: "all shards failed",
		meta: obj{{"phase", "query"}, {"grouped", true},
			{"failed_shards", []obj{{{"shard", -1}, {"index", nil}, {"reason", inner}}}},
			{"caused_by", inner}},
		root: []obj{inner}}
}

func unknownQuery(name string) *esError {
	return &esError{status: 400, typ: "parsing_exception", reason: "unknown query [" + name + "]"}
}

func queryMalformed(name, why string) *esError {
	return &esError{status: 400, typ: "parsing_exception", reason: "[" + name + "] " + why}
}
