// Package nativeusers keeps native users and the state of built-in users in
// a store.Store, with Elasticsearch's NativeUsersStore semantics.
package nativeusers
