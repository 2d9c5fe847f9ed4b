// Command bare is the harness's ceiling: a net/http server that answers
// every request with a small JSON body and does nothing else.
package main

import (
	"flag"
	"log"
	"net/http"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9100", "address to listen on")
	flag.Parse()
	body := []byte(`{"username":"bench","roles":["viewer"],"full_name":null,"email":null,"metadata":{},"enabled":true}` + "\n")
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = []string{"application/json"}
		_, _ = w.Write(body)
	})
	log.Fatal(http.ListenAndServe(*addr, h))
}
