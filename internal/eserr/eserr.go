package eserr

import (
	"fmt"
	"net/http"
	"strings"
)

// Error is an Elasticsearch exception as the REST layer renders it.
type Error struct {
	Type   string
	Reason string
	Status int
	// Header holds response headers that Elasticsearch also repeats inside
	// the error body under "header" (WWW-Authenticate on a 401).
	Header map[string][]string
	// CausedBy is rendered as Elasticsearch's "caused_by".
	CausedBy *Error
	// Metadata are the exception's extra fields ("index_uuid", "index" of
	// an index_not_found_exception), rendered in order after "reason".
	Metadata [][2]string
}

func (e *Error) Error() string { return e.Type + ": " + e.Reason }

func newf(typ string, status int, format string, args ...any) *Error {
	return &Error{Type: typ, Status: status, Reason: fmt.Sprintf(format, args...)}
}

// Parse is ElasticsearchParseException.
func Parse(format string, args ...any) *Error {
	return newf("parse_exception", http.StatusBadRequest, format, args...)
}

// XContentParse is XContentParseException: malformed JSON at a location.
func XContentParse(line, col int, msg string) *Error {
	return newf("x_content_parse_exception", http.StatusBadRequest, "[%d:%d] %s", line, col, msg)
}

// IllegalArgument is IllegalArgumentException.
func IllegalArgument(format string, args ...any) *Error {
	return newf("illegal_argument_exception", http.StatusBadRequest, format, args...)
}

// IllegalState is IllegalStateException (a 500 in Elasticsearch).
func IllegalState(format string, args ...any) *Error {
	return newf("illegal_state_exception", http.StatusInternalServerError, format, args...)
}

// Security is ElasticsearchSecurityException with its status (401 or 403).
func Security(status int, format string, args ...any) *Error {
	return newf("security_exception", status, format, args...)
}

// StatusError is ElasticsearchStatusException.
func StatusError(status int, format string, args ...any) *Error {
	return newf("status_exception", status, format, args...)
}

// Validation is org.elasticsearch.common.ValidationException.
func Validation(msgs ...string) *Error {
	return &Error{Type: "validation_exception", Status: http.StatusBadRequest, Reason: validationReason(msgs)}
}

// Validator collects messages the way ActionRequestValidationException does.
type Validator struct{ msgs []string }

// Add records one failed check.
func (v *Validator) Add(format string, args ...any) {
	v.msgs = append(v.msgs, fmt.Sprintf(format, args...))
}

// Err returns the action_request_validation_exception, or nil when every
// check passed. It returns a plain error so that a nil result is a nil
// interface.
func (v *Validator) Err() error {
	if len(v.msgs) == 0 {
		return nil
	}
	return &Error{Type: "action_request_validation_exception", Status: http.StatusBadRequest, Reason: validationReason(v.msgs)}
}

// validationReason renders "Validation Failed: 1: a;2: b;".
func validationReason(msgs []string) string {
	var b strings.Builder
	b.WriteString("Validation Failed: ")
	for i, m := range msgs {
		fmt.Fprintf(&b, "%d: %s;", i+1, m)
	}
	return b.String()
}
