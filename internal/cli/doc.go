// Package cli is esauth's command line: serving (the default), the
// elasticsearch-users equivalent (users), reset-password, unlock, migrate,
// hash and certutil. Each command takes its arguments and standard streams
// and returns an exit code, following Elasticsearch's tools in options,
// messages and exit codes so that scripts written for them keep working.
package cli
