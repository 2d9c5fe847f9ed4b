package items

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/xcontent"
)

// esError returns the Elasticsearch exception err stands for. A decision
// that fails with a plain Go error (its own infrastructure broke) becomes
// a 500, as an unexpected exception is in Elasticsearch.
func esError(err error) *eserr.Error {
	var e *eserr.Error
	if errors.As(err, &e) && e != nil {
		return e
	}
	var le *lexErr
	if errors.As(err, &le) {
		return jsonError(le)
	}
	return &eserr.Error{Type: "exception", Reason: err.Error(), Status: http.StatusInternalServerError}
}

// jsonError is how Elasticsearch reports malformed JSON: Jackson's failure
// wrapped in XContentParseException, or XContentEOFException when the
// input ended early (whose type name ElasticsearchException spells
// x_content_e_o_f_exception). Both are IllegalArgumentExceptions: 400.
func jsonError(le *lexErr) *eserr.Error {
	typ := "x_content_parse_exception"
	if le.eof {
		typ = "x_content_e_o_f_exception"
	}
	return &eserr.Error{Type: typ, Status: http.StatusBadRequest, Reason: le.Error()}
}

// malformed is BulkRequestParser's message for a bad action line; line
// counts every line of the body from 1, source lines and blank lines
// included, as the parser does.
func malformed(line int, format string, args ...any) *eserr.Error {
	return eserr.IllegalArgument("Malformed action/metadata line [%d], %s", line, fmt.Sprintf(format, args...))
}

// validation is ActionRequestValidationException over all messages.
func validation(msgs []string) *eserr.Error {
	v := &eserr.Validator{}
	for _, m := range msgs {
		v.Add("%s", m)
	}
	return v.Err().(*eserr.Error)
}

// tooLong is the answer to a body or line over the configured limit: 413,
// worded as the rest package words http.max_content_length.
func tooLong(n, limit int64) *eserr.Error {
	return &eserr.Error{Type: "content_too_long_exception", Status: http.StatusRequestEntityTooLarge,
		Reason: fmt.Sprintf("entity content is too long [%d] for the configured buffer limit [%d]", n, limit)}
}

// appendExceptionFields writes an exception's fields the way
// ElasticsearchException.generateThrowableXContent does: type, reason,
// metadata, caused_by (unless withCause is off, as for root causes), then
// the response headers under "header".
func appendExceptionFields(dst []byte, e *eserr.Error, withCause bool) []byte {
	dst = append(dst, `"type":`...)
	dst = xcontent.AppendString(dst, e.Type)
	dst = append(dst, `,"reason":`...)
	dst = xcontent.AppendString(dst, e.Reason)
	for _, m := range e.Metadata {
		dst = append(dst, ',')
		dst = xcontent.AppendString(dst, m[0])
		dst = append(dst, ':')
		dst = xcontent.AppendString(dst, m[1])
	}
	if withCause && e.CausedBy != nil {
		dst = append(dst, `,"caused_by":{`...)
		dst = appendExceptionFields(dst, e.CausedBy, true)
		dst = append(dst, '}')
	}
	if len(e.Header) > 0 {
		dst = append(dst, `,"header":{`...)
		keys := make([]string, 0, len(e.Header))
		for k := range e.Header {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = xcontent.AppendString(dst, k)
			dst = append(dst, ':')
			if vs := e.Header[k]; len(vs) == 1 {
				dst = xcontent.AppendString(dst, vs[0])
			} else {
				dst, _ = xcontent.Append(dst, vs)
			}
		}
		dst = append(dst, '}')
	}
	return dst
}

// appendThrowable is generateThrowableXContent as an object: the shape of
// a _bulk item's "error", which has no root_cause.
func appendThrowable(dst []byte, e *eserr.Error) []byte {
	dst = append(dst, '{')
	dst = appendExceptionFields(dst, e, true)
	return append(dst, '}')
}

// appendFailure is generateFailureXContent(detailed=true) as an object: the
// shape of an _mget and _msearch item's "error". The root cause is the
// deepest cause, as guessRootCauses finds it, printed without its causes.
func appendFailure(dst []byte, e *eserr.Error) []byte {
	root := e
	for root.CausedBy != nil {
		root = root.CausedBy
	}
	dst = append(dst, `{"root_cause":[{`...)
	dst = appendExceptionFields(dst, root, false)
	dst = append(dst, `}],`...)
	dst = appendExceptionFields(dst, e, true)
	return append(dst, '}')
}

func appendInt(dst []byte, n int) []byte { return strconv.AppendInt(dst, int64(n), 10) }
