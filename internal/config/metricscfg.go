package config

import (
	"net"
	"net/netip"
	"strconv"
)

// keyMetricsAddress is where Prometheus metrics are served; empty is off.
const keyMetricsAddress = "esauth.metrics.address"

// MetricsConfig is the esauth.metrics.* settings.
type MetricsConfig struct {
	// Address is the host:port of the metrics listener; "" turns it off.
	// A separate listener keeps metrics off the authenticated API and lets
	// firewalls expose them to the monitoring network only.
	Address string
}

func metricsSettings() []setting {
	return []setting{{key: keyMetricsAddress, validate: validateListenAddress}}
}

// validateListenAddress accepts host:port with an IP address, a host name or
// nothing (every interface) as host, and a port from 0 (any free port) to
// 65535. Empty means off.
func validateListenAddress(key, value string) error {
	if value == "" {
		return nil
	}
	host, port, err := net.SplitHostPort(value)
	if err != nil {
		return settingErr(key, "[%s] is not a host:port address", value)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil { // no sign accepted
		return settingErr(key, "[%s] has no valid port: use a number from 0 to 65535", value)
	}
	if _, err := netip.ParseAddr(host); host != "" && err != nil && !IsHostName(host) {
		return settingErr(key, "[%s] is not an IP address or a host name", host)
	}
	return nil
}

func (s *Settings) metricsConfig() MetricsConfig {
	return MetricsConfig{Address: s.Get(keyMetricsAddress)}
}
