//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package cli

import "golang.org/x/sys/unix"

// echoOff turns off the terminal's echo (keeping line editing and ^C) and
// returns the function that restores the terminal as it was. The prompt
// is printed only after this, so that what is typed as soon as it shows
// is never echoed: term.ReadPassword alone turns echo off after the
// prompt, and typed-ahead characters would appear.
func echoOff(fd int) (func() error, error) {
	t, err := unix.IoctlGetTermios(fd, ioctlGetTermios)
	if err != nil {
		return nil, err
	}
	old := *t
	t.Lflag &^= unix.ECHO
	t.Lflag |= unix.ICANON | unix.ISIG
	t.Iflag |= unix.ICRNL
	if err := unix.IoctlSetTermios(fd, ioctlSetTermios, t); err != nil {
		return nil, err
	}
	return func() error { return unix.IoctlSetTermios(fd, ioctlSetTermios, &old) }, nil
}
