// Command bare is the harness's ceiling: a net/http server that answers
// every request with a fixed JSON body and does nothing else. By default
// the body is a small JSON object; -body and -header make it answer other
// bytes, such as exactly what esauth answers GET /_security/_authenticate
// (the harness captures that answer and passes it here), so that the
// ceiling writes what esauth writes.
package main

import (
	"flag"
	"log"
	"net/http"
	"os"
	"strconv"
	"strings"
)

// headerList collects repeated -header "Name: value" flags.
type headerList []string

func (h *headerList) String() string     { return strings.Join(*h, ", ") }
func (h *headerList) Set(v string) error { *h = append(*h, v); return nil }

func main() {
	addr := flag.String("addr", "127.0.0.1:9100", "address to listen on")
	bodyFile := flag.String("body", "", "file whose bytes to answer (default: a small JSON object)")
	var headers headerList
	flag.Var(&headers, "header", `an answer header, "Name: value" (repeatable; default: Content-Type: application/json)`)
	flag.Parse()
	body := []byte(`{"username":"bench","roles":["viewer"],"full_name":null,"email":null,"metadata":{},"enabled":true}` + "\n")
	if *bodyFile != "" {
		b, err := os.ReadFile(*bodyFile)
		if err != nil {
			log.Fatal(err)
		}
		body = b
	}
	if len(headers) == 0 {
		headers = headerList{"Content-Type: application/json"}
	}
	// Set once as canonical keys with their own slices, assigned like the
	// default's Content-Type: the handler allocates nothing for them.
	fixed := http.Header{}
	for _, h := range headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok {
			log.Fatalf("-header %q: want Name: value", h)
		}
		fixed.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	if *bodyFile != "" {
		// As esauth does: the header then goes out in sorted order with
		// the others, before Date, rather than after it.
		fixed.Set("Content-Length", strconv.Itoa(len(body)))
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		dst := w.Header()
		for k, v := range fixed {
			dst[k] = v
		}
		_, _ = w.Write(body)
	})
	log.Fatal(http.ListenAndServe(*addr, h))
}
