package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// Exit codes are Elasticsearch's org.elasticsearch.cli.ExitCodes (the BSD
// sysexits values), so a script that checks the exit status of an
// Elasticsearch tool reads esauth's the same way.
const (
	exitOK          = 0
	exitUsage       = 64  // bad command line
	exitDataError   = 65  // bad input: a name, a password, a role
	exitNoInput     = 66  // an input file (the store) does not exist
	exitNoUser      = 67  // the user does not exist
	exitUnavailable = 69  // the node cannot be reached or is unhealthy
	exitCodeError   = 70  // an unexpected failure; also "already exists", as in Elasticsearch
	exitIOError     = 74  // reading or writing a file or the terminal failed
	exitTempFailure = 75  // the change failed; retrying may work (the store is locked, the node refused)
	exitConfig      = 78  // the settings or the configuration directory are wrong
	exitInterrupted = 130 // interrupted by a signal, as a shell reports SIGINT
)

// userError is Elasticsearch's UserException: a message for the operator
// and the exit code that goes with it.
type userError struct {
	code int
	msg  string
}

func (e *userError) Error() string { return e.msg }

// fail returns a userError.
func fail(code int, format string, args ...any) error {
	return &userError{code: code, msg: fmt.Sprintf(format, args...)}
}

// errHelp asks run to print the command's usage to standard output.
var errHelp = errors.New("help requested")

// interrupted ends a command cancelled by a signal; nothing more is
// printed, as the terminal already shows the ^C.
func interrupted() error { return &userError{code: exitInterrupted} }

// env is what a command runs with.
type env struct {
	ctx            context.Context
	stdout, stderr io.Writer
	console        *console
}

// run executes a command and reports its outcome the way Elasticsearch's
// Command.main does: "ERROR: message, with exit code N" on standard error,
// preceded by the usage for a usage error.
func run(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer, usage string, fn func(*env) error) int {
	e := &env{ctx: ctx, stdout: stdout, stderr: stderr, console: newConsole(ctx, stdin, stderr)}
	err := fn(e)
	if err == nil {
		return exitOK
	}
	if errors.Is(err, errHelp) {
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	var ue *userError
	if !errors.As(err, &ue) {
		// Every expected failure is a userError; anything else is a bug
		// or an environment problem worth its full message.
		ue = &userError{code: exitCodeError, msg: err.Error()}
	}
	if ue.code == exitUsage {
		fmt.Fprint(stderr, usage)
	}
	if ue.msg != "" {
		fmt.Fprintf(stderr, "ERROR: %s, with exit code %d\n", ue.msg, ue.code)
	}
	return ue.code
}
