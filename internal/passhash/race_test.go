//go:build race

package passhash

// raceEnabled skips the slowest bcrypt and PBKDF2 work under the race
// detector, which slows x/crypto's Blowfish about fifteenfold; that code has
// no concurrency to check, and the plain run covers it.
const raceEnabled = true
