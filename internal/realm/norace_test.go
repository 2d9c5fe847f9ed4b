//go:build !race

package realm

const raceEnabled = false
