// Package layers holds no code, only the test that keeps esauth's imports
// flowing downwards, in the order docs/architecture.md gives.
package layers
