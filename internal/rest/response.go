package rest

import (
	"bufio"
	"net/http"

	"github.com/esauth/esauth/internal/xcontent"
)

// Response is a success answer.
type Response struct {
	Status int
	// Body is written as JSON, or streamed when it is a Streamer.
	Body any
	// Warnings are deprecation Warning headers.
	Warnings []string
	// PrettyByDefault formats the body unless the request has ?pretty.
	PrettyByDefault bool
	// Send, when set, writes the whole answer itself (status, headers,
	// body: a cluster's answer streamed through) and returns the status;
	// Status and Body are then unused.
	Send func(w http.ResponseWriter) int
}

// Streamer is a response body written piece by piece, so that a large
// answer (every user) is never held in memory whole.
type Streamer func(w *bufio.Writer) error

// OK answers 200 with body.
func OK(body any) (*Response, error) { return &Response{Status: http.StatusOK, Body: body}, nil }

// Found is a delete's {"found":...}: 200, or 404 when nothing was.
func Found(found bool) (*Response, error) {
	res := &Response{Status: http.StatusOK, Body: xcontent.Obj("found", found)}
	if !found {
		res.Status = http.StatusNotFound
	}
	return res, nil
}

// EmptyNotFound is a GET of named things none of which exist: 404 {}.
func EmptyNotFound() (*Response, error) {
	return &Response{Status: http.StatusNotFound, Body: xcontent.Object{}}, nil
}

// Answered is a failure answered with its own response rather than in
// Elasticsearch's error shape (the token API's RFC 6749 bodies).
type Answered struct {
	Err    error
	Answer *Response
}

func (e *Answered) Error() string { return e.Err.Error() }
func (e *Answered) Unwrap() error { return e.Err }
