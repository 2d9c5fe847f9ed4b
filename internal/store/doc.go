// Package store defines the durable key-value contract that every esauth
// storage backend implements, and the errors callers test for.
package store
