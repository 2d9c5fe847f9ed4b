// Package storetest is the conformance suite that every store.Store backend must pass, so that all backends behave identically behind the interface.
package storetest
