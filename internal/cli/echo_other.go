//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package cli

// echoOff does nothing where esauth has no termios access: term.ReadPassword
// turns echo off itself, only after the prompt is shown.
func echoOff(int) (func() error, error) {
	return func() error { return nil }, nil
}
