// Package metrics keeps esauth's Prometheus metrics in lock-free atomics and
// writes them in the Prometheus text exposition format 0.0.4.
package metrics
