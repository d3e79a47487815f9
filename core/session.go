package core

import (
	"net"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// Session requests on a "session" channel (RFC 4254 section 6), as paramiko's
// Channel sends them: get_pty, update_environment, exec_command,
// invoke_shell, invoke_subsystem, resize_pty and signals.

// PtyRequest describes a pseudo-terminal (paramiko's get_pty arguments).
type PtyRequest struct {
	Term                      string // e.g. "vt100", "xterm"
	Cols, Rows                int    // characters
	WidthPixels, HeightPixels int
}

// DefaultPty is paramiko's default: vt100, 80x24.
var DefaultPty = PtyRequest{Term: "vt100", Cols: 80, Rows: 24}

// MaxPtySize is the largest terminal size, in characters or pixels, that
// RequestPty and ResizePty accept: a terminal's size is an unsigned short
// (struct winsize) on the server.
const MaxPtySize = 65535

// checkPtySize checks a terminal size: each of cols, rows and the pixel
// sizes must be in 0..MaxPtySize, else KindInvalid.
func checkPtySize(cols, rows, widthPixels, heightPixels int) error {
	for _, v := range []struct {
		name string
		n    int
	}{{"columns", cols}, {"rows", rows}, {"width in pixels", widthPixels}, {"height in pixels", heightPixels}} {
		if v.n < 0 || v.n > MaxPtySize {
			return InvalidArgument("pty %s must be in 0..%d", v.name, MaxPtySize)
		}
	}
	return nil
}

// request sends a channel request that wants a reply, waiting at most
// timeout (negative: the connection's ChannelTimeout, else no limit; 0: do
// not wait, which fails at once). A refusal is KindChannel; on timeout the
// channel is closed, since its state is then unknown.
func (ch *Channel) request(name string, payload []byte, timeout time.Duration) error {
	if err := ch.usable(); err != nil {
		return err
	}
	timeout = ch.client.channelTimeout(timeout)
	done := make(chan struct{})
	var err error
	goSafe(ch.client.log, "a channel request", func() {
		ok, e := ch.raw.SendRequest(name, true, payload)
		if e == nil && !ok {
			e = newError(KindChannel, nil, "server refused the %s request", name)
		}
		err = e
		close(done)
	}, func(e *Error) {
		err = e
		close(done)
	})
	deadline, stop := timer(timeout)
	defer stop()
	closeErr, timedOut := ch.await(done, deadline)
	switch {
	case timedOut:
		ch.Close()
		return newError(KindTimeout, nil, "timed out waiting for the server to answer the %s request", name).with("stage", "channel")
	case closeErr != nil:
		return closeErr
	case err == nil:
		return nil
	case KindOf(err) == KindChannel || KindOf(err) == KindClosed:
		return err
	}
	if e := ch.closedErr(); e != nil {
		return e
	}
	return newError(KindClosed, err, "channel closed during the %s request", name)
}

// usable returns the error for a channel that can no longer carry requests.
func (ch *Channel) usable() error {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if ch.closeErr != nil {
		return ch.closeErr
	}
	if ch.remoteEOF {
		return newError(KindClosed, nil, "channel closed by the server")
	}
	return nil
}

// ptyModes is the encoded terminal-modes string: TTY_OP_END only, as paramiko.
var ptyModes = string([]byte{0})

// RequestPty asks for a pseudo-terminal. Sizes outside 0..MaxPtySize are
// KindInvalid.
func (ch *Channel) RequestPty(p PtyRequest, timeout time.Duration) error {
	if err := checkPtySize(p.Cols, p.Rows, p.WidthPixels, p.HeightPixels); err != nil {
		return err
	}
	if p.Term == "" {
		p.Term = DefaultPty.Term
	}
	payload := ssh.Marshal(struct {
		Term             string
		Cols, Rows, W, H uint32
		Modes            string
	}{p.Term, uint32(p.Cols), uint32(p.Rows), uint32(p.WidthPixels), uint32(p.HeightPixels), ptyModes})
	return ch.request("pty-req", payload, timeout)
}

// ResizePty tells the server the terminal's new size (no reply is asked
// for). Sizes outside 0..MaxPtySize are KindInvalid.
func (ch *Channel) ResizePty(cols, rows, widthPixels, heightPixels int) error {
	if err := checkPtySize(cols, rows, widthPixels, heightPixels); err != nil {
		return err
	}
	if err := ch.usable(); err != nil {
		return err
	}
	payload := ssh.Marshal(struct{ Cols, Rows, W, H uint32 }{uint32(cols), uint32(rows), uint32(widthPixels), uint32(heightPixels)})
	_, err := ch.raw.SendRequest("window-change", false, payload)
	return closedIf(err)
}

// Setenv sends one environment variable for the command or shell to come,
// without asking for a reply, as paramiko and OpenSSH's ssh do: a server that
// does not take the name (OpenSSH's AcceptEnv; Dropbear takes none) drops it
// and the command runs without it. Asking would turn a harmless refusal
// into a failed exec_command. It does not block (timeout is unused: nothing
// is awaited); a closed channel is KindClosed.
func (ch *Channel) Setenv(name, value string, timeout time.Duration) error {
	if err := ch.usable(); err != nil {
		return err
	}
	if _, err := ch.raw.SendRequest("env", false, ssh.Marshal(struct{ Name, Value string }{name, value})); err != nil {
		return closedIf(err)
	}
	ch.client.log.Debugf("channel", "channel %d: sent env %s (no reply asked; a server that does not accept it drops it)", ch.id, name)
	return nil
}

// Exec runs command on the channel.
func (ch *Channel) Exec(command string, timeout time.Duration) error {
	ch.client.log.Debugf("channel", "exec on channel %d: %d bytes of command", ch.id, len(command))
	return ch.request("exec", ssh.Marshal(struct{ Command string }{command}), timeout)
}

// Shell starts the user's login shell on the channel.
func (ch *Channel) Shell(timeout time.Duration) error {
	return ch.request("shell", nil, timeout)
}

// Subsystem starts a subsystem such as "sftp" on the channel.
func (ch *Channel) Subsystem(name string, timeout time.Duration) error {
	return ch.request("subsystem", ssh.Marshal(struct{ Name string }{name}), timeout)
}

// Signal sends a signal ("TERM", "KILL", "INT", ...) to the remote process.
func (ch *Channel) Signal(name string) error {
	if err := ch.usable(); err != nil {
		return err
	}
	_, err := ch.raw.SendRequest("signal", false, ssh.Marshal(struct{ Signal string }{name}))
	return closedIf(err)
}

// ExitSignal is the signal that ended the command ("" if none, or not yet).
func (ch *Channel) ExitSignal() string {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	return ch.exitSignal
}

// SetCombineStderr makes stderr data arrive on stdout from now on, as
// paramiko's set_combine_stderr; data already buffered stays where it is.
func (ch *Channel) SetCombineStderr(on bool) bool {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	old := ch.combine
	ch.combine = on
	ch.publishRings() // when stdout ends has changed
	return old
}

// closedIf classifies the error of a request that wants no reply.
func closedIf(err error) error {
	if err != nil {
		return newError(KindClosed, err, "channel closed: %v", err)
	}
	return nil
}

// Info returns one fact about the channel by name: "type", "origin", "dest",
// "origin_host", "origin_port", "dest_host", "dest_port", "exit_signal".
// The second result is false for an unknown name.
func (ch *Channel) Info(name string) (string, bool) {
	switch name {
	case "type":
		return ch.Type, true
	case "origin":
		return ch.Origin, true
	case "dest":
		return ch.Dest, true
	case "origin_host", "origin_port", "dest_host", "dest_port":
		addr := ch.Origin
		if strings.HasPrefix(name, "dest") {
			addr = ch.Dest
		}
		host, port := splitAddress(addr)
		if strings.HasSuffix(name, "_port") {
			return port, true
		}
		return host, true
	case "exit_signal":
		return ch.ExitSignal(), true
	}
	return "", false
}

// splitAddress splits "host:port" or "[v6]:port" into host and port; ""
// gives "" and "0". It is the one place where such an address is parsed:
// the bindings read the parts (gossh_channel_info's *_host and *_port).
func splitAddress(addr string) (host, port string) {
	if addr == "" {
		return "", "0"
	}
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		return addr, "0"
	}
	return h, p
}
