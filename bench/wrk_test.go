package main

import (
	"testing"
)

// wrk's summary as wrk 4.1 prints it.
const wrkOutput = `Running 5s test @ http://127.0.0.1:9200/_security/_authenticate
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   712.35us  401.33us  12.86ms   87.20%
    Req/Sec    22.87k     1.52k   25.61k    72.00%
  227542 requests in 5.00s, 63.07MB read
  Non-2xx or 3xx responses: 12
Requests/sec:  45501.42
Transfer/sec:     12.61MB
`

func TestParseWrk(t *testing.T) {
	r, err := parseWrk(wrkOutput)
	if err != nil {
		t.Fatal(err)
	}
	if r.rps != 45501.42 || r.total != 227542 || r.non2xx != 12 {
		t.Errorf("parsed %+v", r)
	}
	if _, err := parseWrk("unable to connect to 127.0.0.1:1 Connection refused"); err == nil {
		t.Error("output without a rate parsed")
	}
}

func TestFigureStatistics(t *testing.T) {
	b := &bench{}
	f := b.add("s", "odd", "req/s", []float64{3, 1, 2})
	if f.Min != 1 || f.Median != 2 || f.Max != 3 {
		t.Errorf("odd runs: %+v", f)
	}
	g := b.add("s", "even", "req/s", []float64{4, 1, 3, 2}).ratio(f)
	if g.Median != 2.5 || g.Ratio != 1.25 || g.Baseline != "odd" {
		t.Errorf("even runs: %+v", g)
	}
}
