// Package user holds the native-realm user model and Elasticsearch's rules
// for user names, role names and passwords; it does no I/O.
package user
