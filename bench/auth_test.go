package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// fetchAnswer keeps what a server chose to send (not Date or
// Content-Length, which net/http adds), and sameAnswers tells every
// difference.
func TestSameAnswers(t *testing.T) {
	serve := func(product, body string) answer {
		t.Helper()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Basic x" {
				w.WriteHeader(http.StatusUnauthorized)
			}
			w.Header().Set("Content-Type", "application/json")
			if product != "" {
				w.Header().Set("X-Elastic-Product", product)
			}
			_, _ = w.Write([]byte(body))
		}))
		defer srv.Close()
		a, err := fetchAnswer(context.Background(), srv.URL, "Basic x")
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	want := serve("Elasticsearch", `{"username":"bench"}`)
	if strings.Join(want.headers, "|") != "Content-Type: application/json|X-Elastic-Product: Elasticsearch" || want.status != 200 {
		t.Errorf("answer %+v", want)
	}
	if err := sameAnswers(serve("Elasticsearch", `{"username":"bench"}`), want); err != nil {
		t.Error(err)
	}
	for _, other := range []answer{serve("", `{"username":"bench"}`), serve("Elasticsearch", `{"username":"bench"}`+"\n"), {status: 401, headers: want.headers, body: want.body}} {
		if sameAnswers(other, want) == nil {
			t.Errorf("%+v and %+v found the same", other, want)
		}
	}
}

func TestHalf(t *testing.T) {
	for _, c := range []struct{ in, want float64 }{{41372, 20600}, {13661, 6800}, {2100, 1000}, {15, 7.5}} {
		if got := half(c.in); got != c.want {
			t.Errorf("half(%g) = %g, want %g", c.in, got, c.want)
		}
	}
}

// wireAnswer keeps the bytes and their order but for the date.
func TestWireAnswer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Length"] = []string{"2"}
		w.Header()["X-A"] = []string{r.Header.Get("Authorization")}
		_, _ = w.Write([]byte("ok"))
	}))
	defer srv.Close()
	got, err := wireAnswer(context.Background(), srv.URL+"/x", "Basic y")
	if err != nil {
		t.Fatal(err)
	}
	// The handler's headers in sorted order, then those net/http adds.
	want := "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: Basic y\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\nok"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
