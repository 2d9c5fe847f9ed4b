//go:build race

package authn_test

// raceEnabled: the race detector slows bcrypt about tenfold, so timing
// tests pick a cheaper hash to keep the same wall time per check.
const raceEnabled = true
