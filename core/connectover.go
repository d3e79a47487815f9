package core

import (
	"context"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// This file holds the transports a connection can run over besides a TCP
// connection of its own: a file descriptor the caller holds, a channel of
// another connection (a jump host), and the cancellation that applies to
// every transport while it is being opened.

// ConnectFD connects over the socket (or other bidirectional descriptor)
// fd, as ConnectConn. The library duplicates fd: the caller keeps its own
// descriptor and closes it when it likes; the duplicate is closed on
// failure and by Close.
func (c *Client) ConnectFD(fd int, cfg *Config) error {
	conn, err := FDConn(fd)
	if err != nil {
		return err
	}
	return c.ConnectConn(conn, cfg)
}

// FDConn duplicates fd (close-on-exec) and wraps the duplicate: a socket as
// a net.Conn of its kind, anything else (a tty, a character device) as a
// file. The caller keeps fd; the returned connection owns the duplicate
// (ConnectConn closes it on failure and with the client). ConnectFD is
// FDConn then ConnectConn; a caller that must let go of fd before the
// connect has run (the C API's background connect) takes the two steps.
func FDConn(fd int) (net.Conn, error) {
	if fd < 0 {
		return nil, InvalidArgument("file descriptor must not be negative, not %d", fd)
	}
	dup, err := dupCloexec(fd)
	if err != nil {
		return nil, newError(KindIO, err, "duplicating file descriptor %d: %v", fd, err)
	}
	f := os.NewFile(uintptr(dup), "fd"+strconv.Itoa(fd))
	if conn, err := net.FileConn(f); err == nil {
		f.Close() // FileConn made its own duplicate
		return conn, nil
	}
	return &fileConn{File: f}, nil
}

// dupCloexec duplicates fd with close-on-exec set, so that a process the
// library starts (a proxy command) does not inherit it.
func dupCloexec(fd int) (int, error) {
	for {
		r, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_DUPFD_CLOEXEC, 0)
		if errno == syscall.EINTR {
			continue
		}
		if errno != 0 {
			return -1, errno
		}
		return int(r), nil
	}
}

// fileConn is a net.Conn over a file that is not a socket.
type fileConn struct{ *os.File }

func (f *fileConn) LocalAddr() net.Addr  { return pipeAddr(f.Name()) }
func (f *fileConn) RemoteAddr() net.Addr { return pipeAddr(f.Name()) }

// pipeAddr names the far end of a transport that has no network address.
type pipeAddr string

func (a pipeAddr) Network() string { return "pipe" }
func (a pipeAddr) String() string  { return string(a) }

// ConnectVia connects to cfg.Hostname:cfg.Port through via, a connected
// client: a "direct-tcpip" channel of via carries the connection (one hop
// of OpenSSH's ProxyJump). via checked its own server's host key by its own
// policy; this client checks the target's by its own. Opening the channel
// waits at most cfg.Timeout (0: via's channel timeout, else no limit).
// Closing via ends this connection too; closing this client leaves via
// connected.
func (c *Client) ConnectVia(via *Client, cfg *Config) error {
	if via == nil {
		return InvalidArgument("no client to connect through")
	}
	if cfg != nil && cfg.Hostname != "" && (cfg.SSHConfig != "" || cfg.KeepaliveInterval > 0) {
		var done func()
		var err error
		if cfg, done, err = c.prepareConnect(cfg); err != nil {
			return err
		}
		defer done() // see sshconfig_apply.go
	}
	if cfg == nil || cfg.Hostname == "" {
		return InvalidArgument("no hostname given")
	}
	return c.connect(cfg, func(ctx context.Context, cfg *Config) (net.Conn, error) {
		return dialVia(via, cfg)
	})
}

// dialVia opens a direct-tcpip channel of via to cfg's host and port.
func dialVia(via *Client, cfg *Config) (net.Conn, error) {
	timeout := time.Duration(-1)
	if cfg.Timeout > 0 {
		timeout = cfg.Timeout
	}
	ch, err := via.OpenDirectTCPIP(cfg.Hostname, cfg.Port, "127.0.0.1", 0, timeout)
	if err != nil {
		e := AsError(err)
		addr := net.JoinHostPort(cfg.Hostname, strconv.Itoa(cfg.Port))
		if e.Kind == KindChannel { // the jump host could not reach the target
			return nil, (&Error{Kind: KindConnect, Msg: "unable to connect to " + addr + " through the jump host: " + e.Msg,
				Err: err}).withAddress(cfg.Hostname, cfg.Port).with("reason", "jump")
		}
		if e.Kind == KindTimeout {
			return nil, newError(KindTimeout, err, "timed out connecting to %s through the jump host after %v", addr, cfg.Timeout).
				with("stage", "connect").withAddress(cfg.Hostname, cfg.Port)
		}
		return nil, err
	}
	return &channelConn{ch: ch, owned: true}, nil
}

// ConnectChannel connects over ch, an open channel of another client (a
// direct-tcpip channel to the server: Fabric's gateway pattern). The
// client uses ch from the call on and closes it on failure and by Close.
func (c *Client) ConnectChannel(ch *Channel, cfg *Config) error {
	if ch == nil {
		return InvalidArgument("no channel given")
	}
	return c.ConnectConn(&channelConn{ch: ch}, cfg)
}

// channelConn is a net.Conn over a channel's stdout and stdin. Deadlines
// are not supported (nothing here uses them: the phase timeouts are timers).
type channelConn struct {
	ch    *Channel
	owned bool // opened for this conn: Release frees it on Close
	once  sync.Once
}

func (cc *channelConn) Read(p []byte) (int, error) {
	n, err := cc.ch.Read(Stdout, p, -1)
	if n == 0 && err == nil {
		return 0, io.EOF
	}
	return n, err
}

func (cc *channelConn) Write(p []byte) (int, error) { return cc.ch.Write(p, -1) }

func (cc *channelConn) Close() error {
	cc.once.Do(func() {
		if cc.owned {
			cc.ch.Release()
		} else {
			cc.ch.Close()
		}
	})
	return nil
}

func (cc *channelConn) LocalAddr() net.Addr { return channelAddr(cc.ch.Origin) }
func (cc *channelConn) RemoteAddr() net.Addr {
	if cc.ch.Dest != "" {
		return channelAddr(cc.ch.Dest)
	}
	return channelAddr("channel")
}
func (cc *channelConn) SetDeadline(time.Time) error      { return errNoDeadline }
func (cc *channelConn) SetReadDeadline(time.Time) error  { return errNoDeadline }
func (cc *channelConn) SetWriteDeadline(time.Time) error { return errNoDeadline }

var errNoDeadline = InvalidArgument("a channel has no deadlines")

// channelAddr is the address at the far end of a channel.
type channelAddr string

func (a channelAddr) Network() string { return "direct-tcpip" }
func (a channelAddr) String() string  { return string(a) }

// withCloser is a conn that releases more when it is closed (the jump hosts
// behind a channel).
type withCloser struct {
	net.Conn
	once  sync.Once
	after func()
}

func (w *withCloser) Close() error {
	err := w.Conn.Close()
	w.once.Do(w.after)
	return err
}

// openCancellable runs open, returning early with KindClosed when the
// client is closed meanwhile (ctx is cancelled); a transport that opens
// after that is closed.
func openCancellable(ctx context.Context, cfg *Config, open transportFunc) (net.Conn, error) {
	type result struct {
		conn net.Conn
		err  error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- result{nil, newError(KindInternal, nil, "panic opening the transport: %v", r)}
			}
		}()
		conn, err := open(ctx, cfg)
		done <- result{conn, err}
	}()
	select {
	case r := <-done:
		return r.conn, r.err
	case <-ctx.Done():
		go func() {
			if r := <-done; r.conn != nil {
				r.conn.Close()
			}
		}()
		return nil, newError(KindClosed, nil, "connect cancelled: client closed")
	}
}

// proxySetting is a ProxyCommand or ProxyJump value with OpenSSH's "none"
// (no proxy) read as empty.
func proxySetting(v string) string {
	if v == "none" {
		return ""
	}
	return v
}

// SocketPair returns a connected pair of Unix stream sockets, close-on-exec:
// for a binding that bridges a stream of its language (a Node Duplex, a
// Python object with send and recv) to ConnectFD. The caller owns both
// descriptors.
func SocketPair() (int, int, error) {
	p, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, -1, newError(KindIO, err, "socketpair: %v", err)
	}
	return p[0], p[1], nil
}
