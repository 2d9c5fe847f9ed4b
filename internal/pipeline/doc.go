// Package pipeline is the one path every request takes: authenticate,
// prepare, validate, authorize (with the access audit event), run. Only
// the pipeline runs a route, and only with a granted authorization
// decision, so a route that forgets to authorize cannot be written.
package pipeline
