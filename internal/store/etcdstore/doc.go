// Package etcdstore is the store.Store and store.Watcher backend that keeps esauth's records in an etcd v3 cluster shared by several esauth nodes.
package etcdstore
