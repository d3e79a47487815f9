package core

import (
	"bufio"
	"errors"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// This file holds OpenSSH's ProxyCommand: a command whose standard input
// and output carry the connection.
//
// As OpenSSH: the command line, with its %-tokens expanded, runs as
// "/bin/sh -c 'exec <command>'", so that the process the client kills is the
// command itself. Unlike OpenSSH its standard error is not the host
// program's: a library must not write on its host's terminal. Each line is
// logged at debug level, and the last lines are quoted in the error if the
// command ends before the server has spoken (nc's "Connection refused" is
// the most useful thing a failed connect can say).
//
// Its standard input and output are one end of a socket pair, so the
// client's side is an ordinary socket. It stays in the client's process
// group, as under OpenSSH, so that a command that asks on the terminal (an
// ssh -W prompting for a password) still can; the other processes of a
// pipeline end on their own when the socket closes. On close the client's end is closed,
// the command gets SIGHUP (as from OpenSSH) and, if it has not ended
// within proxyCommandGrace, SIGKILL; Close returns once it is reaped: no
// zombie and no descriptor outlives the connection.

// proxyCommandGrace is how long a proxy command has to end after SIGHUP.
const proxyCommandGrace = time.Second

// proxyStderrLines is how many of the command's last stderr lines an error
// quotes.
const proxyStderrLines = 5

// ExpandProxyCommand expands OpenSSH's tokens in a ProxyCommand: %h the
// host, %p the port, %r the remote user, %n the host as given, %u the
// local user, %% a "%". Another token is KindInvalid, as in OpenSSH.
func ExpandProxyCommand(command string, cfg *Config) (string, error) {
	var b strings.Builder
	for i := 0; i < len(command); i++ {
		if command[i] != '%' {
			b.WriteByte(command[i])
			continue
		}
		if i+1 == len(command) {
			return "", InvalidArgument("proxy_command: a %% at the end of the command (write %%%% for a literal %%)")
		}
		i++
		switch command[i] {
		case '%':
			b.WriteByte('%')
		case 'h', 'n':
			b.WriteString(cfg.Hostname)
		case 'p':
			b.WriteString(strconv.Itoa(cfg.Port))
		case 'r':
			b.WriteString(cfg.Username)
		case 'u':
			b.WriteString(localUsername())
		default:
			return "", InvalidArgument("proxy_command: unknown token %%%c (known: %%h %%p %%r %%n %%u %%%%)", command[i])
		}
	}
	return b.String(), nil
}

// proxyConn is the client's end of a running proxy command.
type proxyConn struct {
	net.Conn
	command string
	cmd     *exec.Cmd
	exited  chan struct{} // closed once the command is reaped
	waitErr error         // its exit, set before exited is closed
	once    sync.Once

	mu     sync.Mutex
	stderr []string // the last proxyStderrLines lines
}

// startProxyCommand runs command (tokens expanded from cfg) and returns the
// connection over its standard input and output.
func startProxyCommand(command string, cfg *Config, log *Logger) (net.Conn, error) {
	line, err := ExpandProxyCommand(command, cfg)
	if err != nil {
		return nil, err
	}
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, newError(KindConnect, err, "proxy command: socketpair: %v", err)
	}
	ours := os.NewFile(uintptr(fds[0]), "proxy-command")
	theirs := os.NewFile(uintptr(fds[1]), "proxy-command-stdio")
	defer theirs.Close()
	errR, errW, err := os.Pipe()
	if err != nil {
		ours.Close()
		return nil, newError(KindConnect, err, "proxy command: pipe: %v", err)
	}
	cmd := exec.Command("/bin/sh", "-c", "exec "+line)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = theirs, theirs, errW
	err = cmd.Start()
	errW.Close()
	if err != nil {
		ours.Close()
		errR.Close()
		return nil, newError(KindConnect, err, "proxy command %q: %v", line, err).with("reason", "proxy_command")
	}
	conn, err := net.FileConn(ours)
	ours.Close()
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		errR.Close()
		return nil, newError(KindConnect, err, "proxy command: %v", err)
	}
	pc := &proxyConn{Conn: conn, command: line, cmd: cmd, exited: make(chan struct{})}
	log.Debugf("transport", "proxy command started (pid %d): %s", cmd.Process.Pid, line)
	stderrDone := make(chan struct{})
	go pc.readStderr(errR, log, stderrDone)
	go func() {
		pc.waitErr = cmd.Wait()
		log.Debugf("transport", "proxy command (pid %d) ended: %v", cmd.Process.Pid, exitText(pc.waitErr))
		close(pc.exited)
	}()
	return pc, nil
}

// readStderr logs each line the command writes on its standard error and
// keeps the last few for an error message.
func (p *proxyConn) readStderr(r *os.File, log *Logger, done chan struct{}) {
	defer close(done)
	defer r.Close()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 64*1024)
	for sc.Scan() {
		line := sc.Text()
		log.Debugf("transport", "proxy command: %s", line)
		p.mu.Lock()
		p.stderr = append(p.stderr, line)
		if len(p.stderr) > proxyStderrLines {
			p.stderr = p.stderr[len(p.stderr)-proxyStderrLines:]
		}
		p.mu.Unlock()
	}
}

// Close closes the client's end, ends the command (SIGHUP, then SIGKILL
// after proxyCommandGrace) and returns once it is reaped.
func (p *proxyConn) Close() error {
	err := p.Conn.Close()
	p.once.Do(func() {
		select {
		case <-p.exited:
			return
		default:
		}
		_ = p.cmd.Process.Signal(syscall.SIGHUP)
		t := time.NewTimer(proxyCommandGrace)
		defer t.Stop()
		select {
		case <-p.exited:
		case <-t.C:
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
	})
	return err
}

// exitError says how the command ended, if it ended on its own within a
// moment: for a handshake that failed before the server spoke.
func (p *proxyConn) exitError() *Error {
	t := time.NewTimer(time.Second)
	defer t.Stop()
	select {
	case <-p.exited:
	case <-t.C:
		return nil
	}
	// Its stderr is read by the time it is reaped, except what a child
	// it left behind still writes.
	p.mu.Lock()
	tail := strings.Join(p.stderr, "; ")
	p.mu.Unlock()
	msg := "proxy command " + strconv.Quote(p.command) + " " + exitText(p.waitErr) + " before the server's SSH banner"
	if tail != "" {
		msg += ": " + tail
	}
	return (&Error{Kind: KindConnect, Msg: Redact(msg), Err: p.waitErr}).with("reason", "proxy_command").
		with("command", Redact(p.command))
}

// exitText says how a command ended.
func exitText(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return "was killed by " + ws.Signal().String()
		}
		return "exited with status " + strconv.Itoa(ee.ExitCode())
	}
	if err != nil {
		return "failed: " + err.Error()
	}
	return "exited with status 0"
}

func (p *proxyConn) RemoteAddr() net.Addr { return pipeAddr("proxy command") }
