package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// maxLine bounds one line read from a pipe: a password or an answer is
// short, and a runaway input should not be read into memory whole.
const maxLine = 64 << 10

// console reads what a command asks the operator for. On a terminal,
// secrets are read with echo off and prompts are shown on standard error
// (standard output stays clean for what the command prints, such as a
// hash or a generated password). From a pipe it reads plain lines and
// shows no password prompts, so scripts and tests can feed it.
type console struct {
	ctx    context.Context
	in     io.Reader
	prompt io.Writer
	fd     int
	tty    bool
	lines  *bufio.Reader // created on first use: one buffer for the whole command
}

func newConsole(ctx context.Context, in io.Reader, prompt io.Writer) *console {
	c := &console{ctx: ctx, in: in, prompt: prompt, fd: -1}
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		c.fd, c.tty = int(f.Fd()), true
	}
	return c
}

// errNoInput is Elasticsearch's message when standard input is closed.
func errNoInput() error {
	return fail(exitIOError, "unable to read from standard input; is standard input open and a tty attached?")
}

// readSecret reads a password: without echo on a terminal, as one line
// from a pipe.
func (c *console) readSecret(prompt string) (string, error) {
	if !c.tty {
		return c.readLine()
	}
	restore, err := echoOff(c.fd)
	if err != nil {
		return "", fail(exitIOError, "reading the terminal: %v", err)
	}
	fmt.Fprint(c.prompt, prompt)
	s, err := c.await(func() (string, error) {
		b, err := term.ReadPassword(c.fd)
		return string(b), err
	})
	// Also after a signal, when ReadPassword is still blocked and will
	// never restore the terminal itself before the process exits.
	_ = restore()
	// With echo off, the Enter key left the cursor on the prompt line.
	fmt.Fprintln(c.prompt)
	return s, c.readErr(s, err)
}

// readText asks a question and reads the answer, echoed as typed. The
// question is shown from a pipe too (unlike a password prompt): it explains
// what the answer that was fed means.
func (c *console) readText(prompt string) (string, error) {
	fmt.Fprint(c.prompt, prompt)
	if !c.tty {
		// Nothing echoes the answer, so end the question's line.
		fmt.Fprintln(c.prompt)
	}
	return c.readLine()
}

// readLine reads one line without its line ending.
func (c *console) readLine() (string, error) {
	if c.lines == nil {
		c.lines = bufio.NewReaderSize(c.in, 4096)
	}
	s, err := c.await(func() (string, error) {
		var b strings.Builder
		for {
			chunk, err := c.lines.ReadSlice('\n')
			b.Write(chunk)
			if b.Len() > maxLine {
				return "", fmt.Errorf("line longer than %d bytes", maxLine)
			}
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if errors.Is(err, io.EOF) && b.Len() > 0 {
				err = nil // a last line without a newline still counts
			}
			return strings.TrimSuffix(strings.TrimSuffix(b.String(), "\n"), "\r"), err
		}
	})
	return s, c.readErr(s, err)
}

// errCancelled marks a read abandoned because the command was cancelled.
var errCancelled = errors.New("cancelled")

// await runs a blocking read so that a signal (the cancelled context) can
// end the command while the read waits: reads from a terminal or a pipe
// cannot be interrupted otherwise. An abandoned read finishes, or not,
// after the command has returned.
func (c *console) await(read func() (string, error)) (string, error) {
	type result struct {
		s   string
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := read()
		done <- result{s, err}
	}()
	select {
	case r := <-done:
		return r.s, r.err
	case <-c.ctx.Done():
		return "", errCancelled
	}
}

func (c *console) readErr(s string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errCancelled):
		return interrupted()
	case errors.Is(err, io.EOF) && s == "":
		return errNoInput()
	}
	return fail(exitIOError, "reading standard input: %v", err)
}

// promptYesNo is Elasticsearch's Terminal.promptYesNo with a "no" default:
// an empty answer is no, and anything but y or n is asked again.
func (c *console) promptYesNo(prompt string) (bool, error) {
	for {
		answer, err := c.readText(prompt + " [y/N]")
		if err != nil {
			return false, err
		}
		switch strings.ToLower(answer) {
		case "":
			return false, nil
		case "y":
			return true, nil
		case "n":
			return false, nil
		}
		fmt.Fprintf(c.prompt, "Did not understand answer '%s'\n", strings.ToLower(answer))
	}
}
