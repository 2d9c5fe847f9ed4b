package apikey

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/esauth/esauth/internal/store"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/xcontent"
)

// member is one field of a JSON object in a request body, with the
// offsets Jackson reports in its locations.
type member = xcontent.Member

// failedField is ObjectParser's wrapper around any failure of a field's
// parser, located where the parser stood.
func failedField(body []byte, off int, parser, field string, cause error) *eserr.Error {
	e := xcontent.ErrorAt(body, off, "[%s] failed to parse field [%s]", parser, field)
	e.CausedBy = asES(cause)
	return e
}

// failedBuild is ConstructingObjectParser's wrapper around a failure of the
// request's constructor, which has no location.
func failedBuild(parser string, cause error) *eserr.Error {
	return &eserr.Error{Type: "x_content_parse_exception", Status: http.StatusBadRequest,
		Reason: "Failed to build [" + parser + "] after last required field arrived", CausedBy: asES(cause)}
}

// asES turns any error into the exception it stands for; errors that are
// not Elasticsearch's are illegal arguments, as Java's would mostly be.
func asES(err error) *eserr.Error {
	if e, ok := err.(*eserr.Error); ok {
		return e
	}
	return eserr.IllegalArgument("%s", err.Error())
}

// locatedAt reads the "[line:col] " prefix of an XContentParseException.
func locatedAt(e *eserr.Error) (string, bool) {
	if e.Type != "x_content_parse_exception" || !strings.HasPrefix(e.Reason, "[") {
		return "", false
	}
	loc, _, ok := strings.Cut(e.Reason[1:], "] ")
	return loc, ok
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
