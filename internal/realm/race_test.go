//go:build race

package realm

// raceEnabled: the race detector slows bcrypt about tenfold, so timing
// tests pick a cheaper cost to keep the same wall time per check.
const raceEnabled = true
