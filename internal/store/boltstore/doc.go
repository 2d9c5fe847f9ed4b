// Package boltstore is the embedded default store.Store backend, kept in a single bbolt file that is fsynced on every acknowledged write.
package boltstore
