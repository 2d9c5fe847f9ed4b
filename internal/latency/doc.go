// Package latency compares distributions of measured durations, for tests
// that claim two kinds of request cannot be told apart by their timing.
package latency
