package metrics_test

import (
	"bytes"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/esauth/esauth/internal/metrics"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// smallRegistry has one of each kind of metric, with label values and help
// texts that need escaping, filled in an unsorted order.
func smallRegistry(t *testing.T) *metrics.Registry {
	t.Helper()
	r := metrics.NewRegistry()
	r.NewCounter("zz_events_total", "Events seen.").Add(3)
	reqs := r.NewCounterVec("http_requests_total", "Requests by route\nand code, with a \\ backslash.", "route", "code")
	reqs.With("GET /b", "200").Add(2)
	reqs.With("GET /a", "404").Inc()
	reqs.With("GET /a", "200").Inc()
	reqs.With(`quote " back \ new`+"\n"+"line", "500").Inc()
	reqs.With("bad \xff byte", "200").Inc()
	r.NewCounterVec("unused_total", "A family without series is left out.", "x")
	lat := r.NewHistogramVec("latency_seconds", "Latency.", []float64{0.00005, 0.1, 1}, "op")
	for _, v := range []float64{0.00001, 0.05, 0.1, 0.5, 7} {
		lat.With("get").Observe(v)
	}
	lat.With("del").Observe(0.25)
	r.NewHistogram("plain_seconds", "No labels.", []float64{1}).Observe(2)
	if err := r.GaugeFunc("temperature", "A gauge read at scrape time.", func() float64 { return -1.5 }); err != nil {
		t.Fatal(err)
	}
	for _, l := range []struct {
		realm string
		v     float64
	}{{"native1", 10}, {"file1", math.Inf(1)}} {
		if err := r.CounterFunc("cache_hits_total", "Hits.", func() float64 { return l.v },
			metrics.Label{Name: "realm", Value: l.realm}); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// TestGoldenText checks the exposition format byte for byte.
func TestGoldenText(t *testing.T) {
	got := smallRegistry(t).AppendText(nil)
	path := filepath.Join("testdata", "small.prom")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("exposition (-want +got):\n%s", diff)
	}
	// A second scrape of unchanged metrics is identical: the order is stable.
	if again := smallRegistry(t).AppendText(nil); !bytes.Equal(again, got) {
		t.Error("two scrapes of equal registries differ")
	}
}

func TestRegistrationMistakesPanic(t *testing.T) {
	buckets := []float64{1, 2}
	for _, tt := range []struct {
		name string
		fn   func(r *metrics.Registry)
	}{
		{"bad metric name", func(r *metrics.Registry) { r.NewCounter("1abc", "h") }},
		{"dash in name", func(r *metrics.Registry) { r.NewCounter("a-b", "h") }},
		{"duplicate", func(r *metrics.Registry) { r.NewCounter("a", "h"); r.NewHistogram("a", "h", buckets) }},
		{"bad label", func(r *metrics.Registry) { r.NewCounterVec("a", "h", "x:y") }},
		{"reserved label", func(r *metrics.Registry) { r.NewCounterVec("a", "h", "__x") }},
		{"le label", func(r *metrics.Registry) { r.NewHistogramVec("a", "h", buckets, "le") }},
		{"label twice", func(r *metrics.Registry) { r.NewCounterVec("a", "h", "x", "x") }},
		{"no buckets", func(r *metrics.Registry) { r.NewHistogram("a", "h", nil) }},
		{"unsorted buckets", func(r *metrics.Registry) { r.NewHistogram("a", "h", []float64{2, 1}) }},
		{"infinite bucket", func(r *metrics.Registry) { r.NewHistogram("a", "h", []float64{1, math.Inf(1)}) }},
		{"too few values", func(r *metrics.Registry) { r.NewCounterVec("a", "h", "x", "y").With("1") }},
		{"too many values", func(r *metrics.Registry) { r.NewHistogramVec("a", "h", buckets, "x").With("1", "2") }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("did not panic")
				}
			}()
			tt.fn(metrics.NewRegistry())
		})
	}
}

func TestFuncRegistrationErrors(t *testing.T) {
	r := metrics.NewRegistry()
	one := func() float64 { return 1 }
	realm := func(v string) metrics.Label { return metrics.Label{Name: "realm", Value: v} }
	if err := r.CounterFunc("hits_total", "Hits.", one, realm("a")); err != nil {
		t.Fatal(err)
	}
	r.NewCounter("plain_total", "Plain.")
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"same series", r.CounterFunc("hits_total", "Hits.", one, realm("a")), "already registered"},
		{"other type", r.GaugeFunc("hits_total", "Hits.", one, realm("b")), "another type"},
		{"other help", r.CounterFunc("hits_total", "Other.", one, realm("b")), "another type"},
		{"other labels", r.CounterFunc("hits_total", "Hits.", one, metrics.Label{Name: "node", Value: "b"}), "another type"},
		{"not a func family", r.CounterFunc("plain_total", "Plain.", one), "another type"},
		{"bad name", r.GaugeFunc("a b", "h", one), "invalid metric name"},
		{"bad label", r.GaugeFunc("g", "h", one, metrics.Label{Name: "1x", Value: "v"}), "invalid label name"},
	} {
		if tt.err == nil || !strings.Contains(tt.err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error containing %q", tt.name, tt.err, tt.want)
		}
	}
	if err := r.CounterFunc("hits_total", "Hits.", one, realm("b")); err != nil {
		t.Errorf("a second series: %v", err)
	}
}
