// Package etcdtest starts real etcd members inside a test process, so that tests of etcd-backed code run against etcd itself on loopback ports.
package etcdtest
