// Package filewatch waits for polled files to stop changing before they are
// loaded, which is all a poller can do to avoid a file caught half-written:
// it cannot tell a finished file from a writer that paused.
package filewatch
