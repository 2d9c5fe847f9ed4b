package metrics_test

import (
	"bytes"
	"math"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// TestPrometheusParsesOutput reads the golden registry back with
// Prometheus's own text parser, with its strict (legacy) name rules.
func TestPrometheusParsesOutput(t *testing.T) {
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(smallRegistry(t).AppendText(nil)))
	if err != nil {
		t.Fatalf("Prometheus's parser rejects the output: %v", err)
	}
	types := map[string]dto.MetricType{
		"cache_hits_total":    dto.MetricType_COUNTER,
		"http_requests_total": dto.MetricType_COUNTER,
		"latency_seconds":     dto.MetricType_HISTOGRAM,
		"plain_seconds":       dto.MetricType_HISTOGRAM,
		"temperature":         dto.MetricType_GAUGE,
		"zz_events_total":     dto.MetricType_COUNTER,
	}
	if len(fams) != len(types) {
		t.Errorf("parsed %d families, want %d", len(fams), len(types))
	}
	for name, typ := range types {
		if f := fams[name]; f == nil || f.GetType() != typ {
			t.Errorf("family %s: %v, want type %v", name, f, typ)
		}
	}
	if got := fams["http_requests_total"].GetHelp(); got != "Requests by route\nand code, with a \\ backslash." {
		t.Errorf("help came back as %q", got)
	}
	// Escaped label values come back as they were given.
	want := map[string]float64{"GET /a": 2, "GET /b": 2, "quote \" back \\ new\nline": 1, "bad \uFFFD byte": 1}
	got := map[string]float64{}
	for _, m := range fams["http_requests_total"].GetMetric() {
		got[labelValue(m, "route")] += m.GetCounter().GetValue()
	}
	for route, n := range want {
		if got[route] != n {
			t.Errorf("route %q: %v requests, want %v (all: %v)", route, got[route], n, got)
		}
	}
	for _, m := range fams["latency_seconds"].GetMetric() {
		if labelValue(m, "op") != "get" {
			continue
		}
		h := m.GetHistogram()
		if h.GetSampleCount() != 5 || math.Abs(h.GetSampleSum()-7.65001) > 1e-9 {
			t.Errorf("histogram get: count %d sum %v", h.GetSampleCount(), h.GetSampleSum())
		}
		var cum []uint64
		for _, b := range h.GetBucket() {
			cum = append(cum, b.GetCumulativeCount())
		}
		// The parser keeps the finite buckets; +Inf is the sample count.
		if len(cum) < 3 || cum[0] != 1 || cum[1] != 3 || cum[2] != 4 {
			t.Errorf("histogram get buckets: %v, want [1 3 4 ...]", cum)
		}
	}
	if v := fams["cache_hits_total"].GetMetric()[0].GetCounter().GetValue(); !math.IsInf(v, 1) {
		t.Errorf("+Inf counter parsed as %v", v)
	}
}

func labelValue(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}
