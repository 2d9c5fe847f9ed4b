package rest

import (
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/esauth/esauth/internal/eserr"
)

// Elasticsearch's limits on the request head (http.max_initial_line_length
// and http.max_header_size); the server's own MaxHeaderBytes is a larger
// hard cap, past which Go answers a plain 431 before any handler runs.
const (
	maxInitialLine = 4 << 10
	maxHeaderSize  = 16 << 10
)

// CheckHead answers a request line or header block over Elasticsearch's
// limits as Netty's decoder failures reach its RestController: 400s named
// after the decoder's exceptions.
func CheckHead(r *http.Request) error {
	if n := len(r.Method) + len(r.RequestURI) + len(r.Proto) + 2; n > maxInitialLine {
		return &eserr.Error{Type: "too_long_http_line_exception", Status: http.StatusBadRequest,
			Reason: fmt.Sprintf("An HTTP line is larger than %d bytes.", maxInitialLine)}
	}
	n := len(r.Host) + len("Host: \r\n")
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4 // "k: v\r\n"
		}
	}
	if n > maxHeaderSize {
		return &eserr.Error{Type: "too_long_http_header_exception", Status: http.StatusBadRequest,
			Reason: fmt.Sprintf("HTTP header is larger than %d bytes.", maxHeaderSize)}
	}
	return nil
}

// ContentTypeProblem returns RestController's 406 message for a request
// body that cannot be read as JSON, or "" when the body (if any) is fine.
func ContentTypeProblem(r *http.Request) string {
	if r.ContentLength == 0 || (r.ContentLength < 0 && r.Body == http.NoBody) || r.Method == http.MethodHead {
		return ""
	}
	values := r.Header.Values("Content-Type")
	if len(values) == 0 {
		return "Content-Type header is missing"
	}
	mt, _, err := mime.ParseMediaType(values[0])
	if err != nil || !jsonMediaType(mt) {
		return fmt.Sprintf("Content-Type header [%s] is not supported", strings.Join(values, ","))
	}
	return ""
}

func jsonMediaType(mt string) bool {
	switch strings.ToLower(mt) {
	case "application/json", "application/vnd.elasticsearch+json", "application/x-ndjson", "application/vnd.elasticsearch+x-ndjson":
		return true
	}
	return false
}

// CheckCompatible checks the compatible-with versions the official clients
// send on Accept and Content-Type. Majors 7, 8 and 9 are answered, so
// that every current client works.
func CheckCompatible(r *http.Request) error {
	for _, name := range [...]string{"Accept", "Content-Type"} {
		for _, v := range r.Header.Values(name) {
			for _, item := range strings.Split(v, ",") {
				_, params, err := mime.ParseMediaType(strings.TrimSpace(item))
				if err != nil {
					continue
				}
				ver, ok := params["compatible-with"]
				if !ok || ver == "7" || ver == "8" || ver == "9" {
					continue
				}
				return &eserr.Error{Type: "media_type_header_exception", Status: http.StatusBadRequest,
					Reason: "Invalid media-type value on headers [" + name + "]",
					CausedBy: &eserr.Error{Type: "status_exception", Status: http.StatusBadRequest,
						Reason: fmt.Sprintf("%s version must be either version 9, 8 or 7, but found %s. %s=%s", name, ver, name, v)}}
			}
		}
	}
	return nil
}
