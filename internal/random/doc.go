// Package random makes the identifiers and secrets esauth generates, all
// from crypto/rand.
package random
