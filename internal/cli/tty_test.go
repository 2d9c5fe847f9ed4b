//go:build linux

package cli

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/esauth/esauth/internal/passhash"
)

// pty is a pseudo-terminal: the tool gets the terminal side as standard
// input and error; the test types on the other side and reads the screen.
type pty struct {
	master, tty *os.File
	screen      *syncBuffer
}

func ioctl(f *os.File, req uintptr, arg unsafe.Pointer) error {
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), req, uintptr(arg)); errno != 0 {
		return errno
	}
	return nil
}

func openPTY(t *testing.T) *pty {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	var unlock int32
	var n uint32
	if err := ioctl(master, syscall.TIOCSPTLCK, unsafe.Pointer(&unlock)); err != nil {
		t.Fatal(err)
	}
	if err := ioctl(master, syscall.TIOCGPTN, unsafe.Pointer(&n)); err != nil {
		t.Fatal(err)
	}
	tty, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	p := &pty{master: master, tty: tty, screen: &syncBuffer{}}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			p.screen.Write(buf[:n])
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		tty.Close()
		master.Close()
	})
	return p
}

// start runs esauth on the terminal, as the foreground job of a new
// session, so that ^C sends it SIGINT.
func (p *pty) start(t *testing.T, stdout *bytes.Buffer, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = baseEnv()
	cmd.Stdin, cmd.Stdout, cmd.Stderr = p.tty, stdout, p.tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// waitFor waits until the screen shows s, counting from offset from.
func (p *pty) waitFor(t *testing.T, from int, s string) int {
	t.Helper()
	deadline := time.Now().Add(commandTimeout)
	for time.Now().Before(deadline) {
		screen := p.screen.String()
		if i := strings.Index(screen[from:], s); i >= 0 {
			return from + i + len(s)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("the terminal never showed %q:\n%s", s, p.screen)
	return 0
}

func (p *pty) typeLine(t *testing.T, s string) {
	t.Helper()
	// A terminal sends CR for Enter; the line discipline makes it NL.
	if _, err := p.master.WriteString(s + "\r"); err != nil {
		t.Fatal(err)
	}
}

// echoOn reports whether the terminal echoes input.
func (p *pty) echoOn(t *testing.T) bool {
	t.Helper()
	var tios syscall.Termios
	if err := ioctl(p.tty, syscall.TCGETS, unsafe.Pointer(&tios)); err != nil {
		t.Fatal(err)
	}
	return tios.Lflag&syscall.ECHO != 0
}

// TestTerminalPrompts types passwords on a real terminal: they are asked
// twice, never echoed, and the hash goes to standard output alone.
func TestTerminalPrompts(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	p := openPTY(t)
	var stdout bytes.Buffer
	cmd := p.start(t, &stdout, append([]string{"hash"}, h.settings()...)...)
	pw := h.secret("typed-on-a-tty")
	at := p.waitFor(t, 0, "Enter password: ")
	p.typeLine(t, pw)
	p.waitFor(t, at, "Retype password: ")
	p.typeLine(t, pw)
	if code := waitExit(t, cmd); code != 0 {
		t.Fatalf("exit %d\n%s", code, p.screen)
	}
	hash := strings.TrimSuffix(stdout.String(), "\n")
	if ok, err := passhash.Verify(pw, hash); !ok || err != nil {
		t.Errorf("the printed hash does not verify: %v %v", ok, err)
	}
	if want := "Enter password: \r\nRetype password: \r\n"; p.screen.String() != want {
		t.Errorf("the terminal showed %q, want %q", p.screen, want)
	}
	h.checkClean(t, "the terminal", p.screen.String())

	// Different passwords.
	p = openPTY(t)
	stdout.Reset()
	cmd = p.start(t, &stdout, append([]string{"users", "useradd", "bob"}, h.settings()...)...)
	at = p.waitFor(t, 0, "Enter new password: ")
	p.typeLine(t, pw)
	p.waitFor(t, at, "Retype new password: ")
	p.typeLine(t, pw+"x")
	if code := waitExit(t, cmd); code != exitDataError {
		t.Errorf("exit %d, want %d", code, exitDataError)
	}
	p.waitFor(t, 0, "ERROR: Password mismatch, with exit code 65\r\n")
	h.checkClean(t, "the terminal", p.screen.String())
}

// TestTerminalInterrupt presses ^C at a password prompt: the tool exits
// with 130 and leaves the terminal echoing again.
func TestTerminalInterrupt(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	p := openPTY(t)
	var stdout bytes.Buffer
	cmd := p.start(t, &stdout, append([]string{"reset-password", "-u", "elastic", "-i"}, h.settings()...)...)
	at := p.waitFor(t, 0, "Please confirm that you would like to continue [y/N]")
	p.typeLine(t, "y")
	p.waitFor(t, at, "Enter password for [elastic]: ")
	if p.echoOn(t) {
		t.Error("echo is on at the password prompt")
	}
	if _, err := p.master.WriteString("\x03"); err != nil {
		t.Fatal(err)
	}
	if code := waitExit(t, cmd); code != exitInterrupted {
		t.Errorf("exit %d, want %d\n%s", code, exitInterrupted, p.screen)
	}
	if !p.echoOn(t) {
		t.Error("the terminal was left without echo")
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout: %q", &stdout)
	}
}
