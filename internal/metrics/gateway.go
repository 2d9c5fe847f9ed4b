package metrics

import (
	"strings"
	"time"
)

// Gateway are the metrics of the security gateway: what it forwards, how
// long the cluster takes, how forwarding fails and how often it reads the
// cluster's index metadata. Its methods are safe on a nil *Gateway.
type Gateway struct {
	// Forwarded counts requests forwarded to the cluster by action family
	// ("indices:data/read", "cluster:monitor", ...) and the cluster's
	// status code.
	Forwarded *CounterVec
	// UpstreamDuration is the time from sending a request to the cluster's
	// response head, by action family.
	UpstreamDuration *HistogramVec
	// UpstreamErrors counts requests that got no answer from the cluster,
	// by the error answered instead (connect_transport_exception, ...).
	UpstreamErrors *CounterVec
	// MetadataRefreshes counts reads of the cluster's index metadata by
	// result (success or failure).
	MetadataRefreshes *CounterVec

	codes []string
}

// Gateway registers the gateway's metrics in m's registry, once, when
// esauth runs as a gateway; nil when m is.
func (m *Metrics) Gateway() *Gateway {
	if m == nil {
		return nil
	}
	m.gatewayOnce.Do(func() {
		r := m.reg
		m.gateway = &Gateway{
			Forwarded: r.NewCounterVec("esauth_gateway_forwarded_requests_total",
				"Requests forwarded to the cluster, by action family and the cluster's status code.", "family", "code"),
			UpstreamDuration: r.NewHistogramVec("esauth_gateway_upstream_duration_seconds",
				"Time from forwarding a request to the cluster's response head, by action family.", LatencyBuckets(), "family"),
			UpstreamErrors: r.NewCounterVec("esauth_gateway_upstream_errors_total",
				"Forwarded requests the cluster did not answer, by the error answered instead.", "type"),
			MetadataRefreshes: r.NewCounterVec("esauth_gateway_metadata_refreshes_total",
				"Reads of the cluster's index metadata (GET /_resolve/index), by result.", "result"),
			codes: m.codes,
		}
		m.gateway.MetadataRefreshes.With(ResultSuccess)
		m.gateway.MetadataRefreshes.With(ResultFailure)
	})
	return m.gateway
}

// ObserveForward records one request the cluster answered with code.
func (g *Gateway) ObserveForward(action string, code int, elapsed time.Duration) {
	if g == nil {
		return
	}
	f := Family(action)
	c := ""
	if code >= 100 && code < 100+len(g.codes) {
		c = g.codes[code-100]
	}
	g.Forwarded.With(f, c).Inc()
	g.UpstreamDuration.With(f).ObserveDuration(elapsed)
}

// ObserveUpstreamError records a forwarded request answered with errType
// because the cluster could not be reached or did not answer in time.
func (g *Gateway) ObserveUpstreamError(errType string) {
	if g == nil {
		return
	}
	g.UpstreamErrors.With(errType).Inc()
}

// ObserveMetadataRefresh records one read of the cluster's index metadata.
func (g *Gateway) ObserveMetadataRefresh(ok bool) {
	if g == nil {
		return
	}
	if ok {
		g.MetadataRefreshes.With(ResultSuccess).Inc()
	} else {
		g.MetadataRefreshes.With(ResultFailure).Inc()
	}
}

// Family is an action's family, the bounded label of the gateway's
// metrics: "indices:data/read" and "indices:data/write" for the data
// actions, else the action's kind and first segment ("indices:admin",
// "cluster:monitor"), "unclassified" for none.
func Family(action string) string {
	if action == "" {
		return "unclassified"
	}
	if rest, ok := strings.CutPrefix(action, "indices:data/"); ok {
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			return action[:len("indices:data/")+i]
		}
		return action
	}
	if i := strings.IndexByte(action, '/'); i >= 0 {
		return action[:i]
	}
	return action
}
