// Package sshtest is a small in-process SSH server for hermetic tests of the
// gossh client core.
//
// It serves "session" channels (exec, shell, env, pty-req, signal) by running
// /bin/sh as the current process user, "direct-tcpip" channels (local port
// forwarding) by dialing the target, and can misbehave on demand (see Fault)
// in ways a real sshd will not: staying silent, stalling after the banner or
// during authentication, closing at once, or speaking another protocol.
//
// It is not a secure server: it runs commands as whoever runs the tests. It
// only listens on loopback unless told otherwise.
package sshtest

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// Version is the SSH identification string the server sends.
const Version = "SSH-2.0-gossh_sshtest"

// Fault selects a misbehaviour for fault-injection tests. The zero value,
// FaultNone, is a well-behaved server.
type Fault int

const (
	// FaultNone serves SSH normally.
	FaultNone Fault = iota
	// FaultSilent accepts TCP connections and never sends a byte (banner
	// timeout tests). Whatever the client sends is read and discarded.
	FaultSilent
	// FaultStallAfterBanner sends the SSH version banner, then goes silent
	// (key exchange / auth timeout tests).
	FaultStallAfterBanner
	// FaultStallAuth completes key exchange, then never answers any
	// authentication request, "none" included.
	FaultStallAuth
	// FaultCloseAfterAccept accepts TCP connections and closes them at once.
	FaultCloseAfterAccept
	// FaultNotSSH answers with "HTTP/1.1 400 Bad Request\r\n\r\n" and closes.
	FaultNotSSH
	// FaultCloseAfterAuth authenticates the client normally, then drops the
	// TCP connection (a connection lost mid-session).
	FaultCloseAfterAuth
)

// String returns the constant's name.
func (f Fault) String() string {
	switch f {
	case FaultNone:
		return "FaultNone"
	case FaultSilent:
		return "FaultSilent"
	case FaultStallAfterBanner:
		return "FaultStallAfterBanner"
	case FaultStallAuth:
		return "FaultStallAuth"
	case FaultCloseAfterAccept:
		return "FaultCloseAfterAccept"
	case FaultNotSSH:
		return "FaultNotSSH"
	case FaultCloseAfterAuth:
		return "FaultCloseAfterAuth"
	}
	return "Fault(" + strconv.Itoa(int(f)) + ")"
}

// Config describes a test server. The zero value is a server nobody can log
// in to; set Password, AuthorizedKeys or NoClientAuth.
type Config struct {
	// Password, if non-empty, is accepted by password authentication for
	// any user name (or only those in Users, if set).
	Password string
	// Users, if non-empty, restricts every authentication method to these
	// user names.
	Users []string
	// AuthorizedKeys are the public keys accepted by public-key
	// authentication.
	AuthorizedKeys []ssh.PublicKey
	// NoClientAuth lets clients in without authenticating ("none" method).
	NoClientAuth bool
	// HostKey is the server's host key. If nil, an ed25519 key is generated.
	HostKey ssh.Signer
	// ExtraHostKeys are additional host keys (e.g. an RSA and an ECDSA key,
	// to test host key algorithm negotiation).
	ExtraHostKeys []ssh.Signer
	// Fault selects a misbehaviour; FaultNone by default.
	Fault Fault
	// Addr is the address to listen on; "127.0.0.1:0" (a free port) by
	// default. Reusing a previous server's address with another HostKey
	// simulates a host key change.
	Addr string
	// BannerDelay delays the start of every connection (before the version
	// banner is sent) by this long, for slow-server tests.
	BannerDelay time.Duration
	// RekeyThreshold, if non-zero, makes the server re-key after this many
	// bytes (see ssh.Config.RekeyThreshold).
	RekeyThreshold uint64
	// Shell is the shell used for "exec" (Shell -c command) and "shell"
	// requests; "/bin/sh" by default.
	Shell string
	// Dir is the working directory of commands; the server's own by default.
	Dir string
	// RefuseEnv lists environment variable names whose "env" request is
	// refused (as OpenSSH refuses names its AcceptEnv does not list).
	RefuseEnv []string
	// StallEnv is a variable name whose "env" request is never answered
	// (channel-request timeout tests).
	StallEnv string
	// SFTP serves the "sftp" subsystem with pkg/sftp's server (rooted at
	// the server process's file system, relative paths from Dir): an SFTP
	// server without OpenSSH's extensions (no limits@openssh.com, no
	// copy-data, no expand-path).
	SFTP bool
}

// Server is a running test server. Create it with Start and stop it with
// Close.
type Server struct {
	cfg      Config
	sshCfg   *ssh.ServerConfig
	ln       net.Listener
	hostKey  ssh.PublicKey
	done     chan struct{}
	wg       sync.WaitGroup
	accepted atomic.Int64

	mu     sync.Mutex
	closed bool
	conns  map[net.Conn]struct{}
	procs  map[*os.Process]struct{}
}

// NewSigner generates an ed25519 key: the host key a server gets when its
// Config has none, and a handy client or CA key for tests.
func NewSigner() (ssh.Signer, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return ssh.NewSignerFromKey(priv)
}

// MustNewSigner is NewSigner for tests; it panics if no key can be made
// (the system has no randomness).
func MustNewSigner() ssh.Signer {
	s, err := NewSigner()
	if err != nil {
		panic(err)
	}
	return s
}

// Start starts a server with cfg, listening on cfg.Addr (127.0.0.1 on a
// free port by default). It returns once the server accepts connections.
func Start(cfg Config) (*Server, error) {
	if cfg.HostKey == nil {
		var err error
		if cfg.HostKey, err = NewSigner(); err != nil {
			return nil, err
		}
	}
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.Shell == "" {
		cfg.Shell = "/bin/sh"
	}
	s := &Server{
		cfg:     cfg,
		hostKey: cfg.HostKey.PublicKey(),
		done:    make(chan struct{}),
		conns:   make(map[net.Conn]struct{}),
		procs:   make(map[*os.Process]struct{}),
	}
	s.sshCfg = s.serverConfig()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, err
	}
	s.ln = ln
	s.wg.Add(1)
	go s.acceptLoop()
	return s, nil
}

// Addr returns the listening address, "127.0.0.1:port".
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Port returns the listening TCP port.
func (s *Server) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// HostKey returns the public part of the server's (primary) host key.
func (s *Server) HostKey() ssh.PublicKey { return s.hostKey }

// HostKeys returns the public parts of all the server's host keys, the
// primary one first.
func (s *Server) HostKeys() []ssh.PublicKey {
	keys := []ssh.PublicKey{s.hostKey}
	for _, k := range s.cfg.ExtraHostKeys {
		keys = append(keys, k.PublicKey())
	}
	return keys
}

// KnownHostsLines returns one known_hosts line per host key for the server's
// address, in OpenSSH's "[host]:port" form.
func (s *Server) KnownHostsLines() []string {
	var lines []string
	for _, k := range s.HostKeys() {
		lines = append(lines, KnownHostsLine(s.Addr(), k))
	}
	return lines
}

// KnownHostsLine formats a known_hosts line for addr ("host:port") and key.
func KnownHostsLine(addr string, key ssh.PublicKey) string {
	host, port, err := net.SplitHostPort(addr)
	if err == nil && port != "22" {
		host = "[" + host + "]:" + port
	} else if err != nil {
		host = addr
	}
	return host + " " + string(bytes.TrimSpace(ssh.MarshalAuthorizedKey(key)))
}

// Accepted returns how many TCP connections the server has accepted.
func (s *Server) Accepted() int { return int(s.accepted.Load()) }

// Close stops listening, closes every connection, kills running commands and
// waits for the server's goroutines to end. It is safe to call more than once.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.done)
	err := s.ln.Close()
	for c := range s.conns {
		c.Close()
	}
	for p := range s.procs {
		killGroup(p)
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}

func (s *Server) serverConfig() *ssh.ServerConfig {
	c := &ssh.ServerConfig{ServerVersion: Version}
	c.RekeyThreshold = s.cfg.RekeyThreshold
	c.AddHostKey(s.cfg.HostKey)
	for _, k := range s.cfg.ExtraHostKeys {
		c.AddHostKey(k)
	}
	userOK := func(u string) bool {
		return len(s.cfg.Users) == 0 || slices.Contains(s.cfg.Users, u)
	}
	if s.cfg.Fault == FaultStallAuth {
		stall := func(ssh.ConnMetadata) (*ssh.Permissions, error) {
			<-s.done
			return nil, errors.New("sshtest: server closed")
		}
		c.NoClientAuth = true
		c.NoClientAuthCallback = stall
		c.PasswordCallback = func(m ssh.ConnMetadata, _ []byte) (*ssh.Permissions, error) { return stall(m) }
		c.PublicKeyCallback = func(m ssh.ConnMetadata, _ ssh.PublicKey) (*ssh.Permissions, error) { return stall(m) }
		c.KeyboardInteractiveCallback = func(m ssh.ConnMetadata, _ ssh.KeyboardInteractiveChallenge) (*ssh.Permissions, error) {
			return stall(m)
		}
		return c
	}
	if s.cfg.NoClientAuth {
		c.NoClientAuth = true
		c.NoClientAuthCallback = func(m ssh.ConnMetadata) (*ssh.Permissions, error) {
			if !userOK(m.User()) {
				return nil, errors.New("unknown user")
			}
			return nil, nil
		}
	}
	if s.cfg.Password != "" {
		want := []byte(s.cfg.Password)
		c.PasswordCallback = func(m ssh.ConnMetadata, pw []byte) (*ssh.Permissions, error) {
			if userOK(m.User()) && subtle.ConstantTimeCompare(pw, want) == 1 {
				return nil, nil
			}
			return nil, errors.New("wrong password")
		}
	}
	if len(s.cfg.AuthorizedKeys) > 0 {
		c.PublicKeyCallback = func(m ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			if userOK(m.User()) {
				kb := key.Marshal()
				for _, k := range s.cfg.AuthorizedKeys {
					if bytes.Equal(k.Marshal(), kb) {
						return nil, nil
					}
				}
			}
			return nil, errors.New("key not authorized")
		}
	}
	return c
}

// track registers c; it reports false (and closes c) if the server is closed.
func (s *Server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		c.Close()
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) untrack(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	c.Close()
}

func (s *Server) acceptLoop() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			select {
			case <-s.done:
				return
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return
		}
		s.accepted.Add(1)
		if !s.track(c) {
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.untrack(c)
			s.serveConn(c)
		}()
	}
}

func (s *Server) serveConn(c net.Conn) {
	if d := s.cfg.BannerDelay; d > 0 {
		select {
		case <-time.After(d):
		case <-s.done:
			return
		}
	}
	switch s.cfg.Fault {
	case FaultSilent:
		io.Copy(io.Discard, c) // until the client or Close closes it
		return
	case FaultStallAfterBanner:
		if _, err := io.WriteString(c, Version+"\r\n"); err != nil {
			return
		}
		io.Copy(io.Discard, c)
		return
	case FaultCloseAfterAccept:
		return
	case FaultNotSSH:
		io.WriteString(c, "HTTP/1.1 400 Bad Request\r\n\r\n")
		return
	}

	sc, chans, reqs, err := ssh.NewServerConn(c, s.sshCfg)
	if err != nil {
		return
	}
	defer sc.Close()
	if s.cfg.Fault == FaultCloseAfterAuth {
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		ssh.DiscardRequests(reqs)
	}()
	var chWG sync.WaitGroup
	for nc := range chans {
		switch nc.ChannelType() {
		case "session":
			ch, creqs, err := nc.Accept()
			if err != nil {
				continue
			}
			chWG.Add(1)
			go func() {
				defer chWG.Done()
				s.serveSession(ch, creqs)
			}()
		case "direct-tcpip":
			chWG.Add(1)
			go func() {
				defer chWG.Done()
				s.serveDirectTCPIP(nc)
			}()
		default:
			nc.Reject(ssh.UnknownChannelType, "unsupported channel type")
		}
	}
	// chans is closed: the connection is gone. Close the channels' processes
	// too by closing the transport (already closed) and wait for handlers.
	chWG.Wait()
}

// session is the state of one "session" channel.
type session struct {
	s       *Server
	ch      ssh.Channel
	env     []string
	started bool
	proc    *os.Process
	mu      sync.Mutex // guards proc
}

func (s *Server) serveSession(ch ssh.Channel, reqs <-chan *ssh.Request) {
	ss := &session{s: s, ch: ch}
	defer ch.Close()
	var runWG sync.WaitGroup
	for req := range reqs {
		ok := false
		switch req.Type {
		case "env":
			var kv struct{ Name, Value string }
			if ssh.Unmarshal(req.Payload, &kv) == nil {
				if kv.Name != "" && kv.Name == s.cfg.StallEnv {
					continue // never answered
				}
				ok = !slices.Contains(s.cfg.RefuseEnv, kv.Name)
				if ok {
					ss.env = append(ss.env, kv.Name+"="+kv.Value)
				}
			}
		case "pty-req":
			// No real terminal; accept and remember TERM so programs that
			// care see it.
			var p struct {
				Term          string
				Cols, Rows    uint32
				Width, Height uint32
				Modes         string
			}
			if ssh.Unmarshal(req.Payload, &p) == nil {
				ss.env = append(ss.env, "TERM="+p.Term)
				ok = true
			}
		case "window-change":
			ok = true
		case "subsystem":
			var p struct{ Name string }
			if ss.started || !s.cfg.SFTP || ssh.Unmarshal(req.Payload, &p) != nil || p.Name != "sftp" {
				break
			}
			var opts []sftp.ServerOption
			if s.cfg.Dir != "" {
				opts = append(opts, sftp.WithServerWorkingDirectory(s.cfg.Dir))
			}
			srv, err := sftp.NewServer(ch, opts...)
			if err != nil {
				break
			}
			ss.started, ok = true, true
			if req.WantReply {
				req.Reply(true, nil)
			}
			req = nil
			runWG.Add(1)
			go func() {
				defer runWG.Done()
				_ = srv.Serve()
				srv.Close()
				ch.Close()
			}()
		case "exec", "shell":
			if ss.started {
				break
			}
			var args []string
			if req.Type == "exec" {
				var p struct{ Command string }
				if ssh.Unmarshal(req.Payload, &p) != nil {
					break
				}
				args = []string{"-c", p.Command}
			}
			cmd, stdin, err := ss.start(args)
			if err != nil {
				fmt.Fprintf(ch.Stderr(), "sshtest: %v\r\n", err)
				break
			}
			ss.started, ok = true, true
			// Reply before any output can reach the client.
			if req.WantReply {
				req.Reply(true, nil)
			}
			req = nil
			runWG.Add(2)
			go func() {
				defer runWG.Done()
				io.Copy(stdin, ch) // until the client's EOF or close
				stdin.Close()
			}()
			go func() {
				defer runWG.Done()
				ss.wait(cmd)
			}()
		case "signal":
			var p struct{ Signal string }
			if ssh.Unmarshal(req.Payload, &p) == nil {
				ok = ss.signal(p.Signal)
			}
		}
		if req != nil && req.WantReply {
			req.Reply(ok, nil)
		}
	}
	// The channel is closed (by us after exit, or by the client): make sure
	// the process does not outlive it.
	ss.mu.Lock()
	if ss.proc != nil {
		killGroup(ss.proc)
	}
	ss.mu.Unlock()
	ch.Close()
	runWG.Wait()
}

// start runs the shell with args, wired to the channel.
func (ss *session) start(args []string) (*exec.Cmd, io.WriteCloser, error) {
	cmd := exec.Command(ss.s.cfg.Shell, args...)
	cmd.Dir = ss.s.cfg.Dir
	cmd.Env = append(os.Environ(), ss.env...)
	cmd.Stdout = ss.ch
	cmd.Stderr = ss.ch.Stderr()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, nil, err
	}
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	if ss.s.closed {
		return nil, nil, errors.New("server closed")
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	ss.s.procs[cmd.Process] = struct{}{}
	ss.mu.Lock()
	ss.proc = cmd.Process
	ss.mu.Unlock()
	return cmd, stdin, nil
}

// wait waits for the command, reports its exit status and closes the
// channel, as OpenSSH does: EOF, exit-status (or exit-signal), close.
func (ss *session) wait(cmd *exec.Cmd) {
	cmd.Wait() // the exit status is read from ProcessState below
	ss.s.mu.Lock()
	delete(ss.s.procs, cmd.Process)
	ss.s.mu.Unlock()
	ss.mu.Lock()
	ss.proc = nil
	ss.mu.Unlock()

	ss.ch.CloseWrite()
	var st syscall.WaitStatus
	if cmd.ProcessState != nil {
		st, _ = cmd.ProcessState.Sys().(syscall.WaitStatus)
	}
	switch {
	case cmd.ProcessState == nil:
		// Wait failed before the process was reaped; report failure.
		ss.ch.SendRequest("exit-status", false, ssh.Marshal(struct{ C uint32 }{255}))
	case st.Signaled():
		ss.ch.SendRequest("exit-signal", false, ssh.Marshal(struct {
			Signal     string
			CoreDumped bool
			Msg, Lang  string
		}{sigName(st.Signal()), st.CoreDump(), "", ""}))
	default:
		code := cmd.ProcessState.ExitCode()
		if code < 0 {
			code = 255
		}
		ss.ch.SendRequest("exit-status", false, ssh.Marshal(struct{ C uint32 }{uint32(code)}))
	}
	ss.ch.Close()
}

var signals = map[string]syscall.Signal{
	"ABRT": syscall.SIGABRT, "ALRM": syscall.SIGALRM, "FPE": syscall.SIGFPE,
	"HUP": syscall.SIGHUP, "ILL": syscall.SIGILL, "INT": syscall.SIGINT,
	"KILL": syscall.SIGKILL, "PIPE": syscall.SIGPIPE, "QUIT": syscall.SIGQUIT,
	"SEGV": syscall.SIGSEGV, "TERM": syscall.SIGTERM, "USR1": syscall.SIGUSR1,
	"USR2": syscall.SIGUSR2,
}

func sigName(sig syscall.Signal) string {
	for n, s := range signals {
		if s == sig {
			return n
		}
	}
	return "SIG" + strconv.Itoa(int(sig))
}

func (ss *session) signal(name string) bool {
	sig, ok := signals[name]
	if !ok {
		return false
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.proc == nil {
		return false
	}
	// The shell runs in its own process group; signal the whole group so
	// `sh -c 'sleep 100'` dies too.
	return syscall.Kill(-ss.proc.Pid, sig) == nil
}

func killGroup(p *os.Process) {
	syscall.Kill(-p.Pid, syscall.SIGKILL)
	p.Kill()
}

// serveDirectTCPIP handles a local port-forwarding channel by dialing the
// requested target and copying both ways.
func (s *Server) serveDirectTCPIP(nc ssh.NewChannel) {
	var p struct {
		Host       string
		Port       uint32
		OriginHost string
		OriginPort uint32
	}
	if err := ssh.Unmarshal(nc.ExtraData(), &p); err != nil {
		nc.Reject(ssh.ConnectionFailed, "bad direct-tcpip payload")
		return
	}
	target := net.JoinHostPort(p.Host, strconv.Itoa(int(p.Port)))
	c, err := net.DialTimeout("tcp", target, 5*time.Second)
	if err != nil {
		nc.Reject(ssh.ConnectionFailed, err.Error())
		return
	}
	if !s.track(c) {
		nc.Reject(ssh.ConnectionFailed, "server closed")
		return
	}
	defer s.untrack(c)
	ch, reqs, err := nc.Accept()
	if err != nil {
		return
	}
	defer ch.Close()
	go ssh.DiscardRequests(reqs)
	done := make(chan struct{}, 2)
	go func() {
		io.Copy(c, ch)
		if tc, ok := c.(*net.TCPConn); ok {
			tc.CloseWrite()
		}
		done <- struct{}{}
	}()
	go func() {
		io.Copy(ch, c)
		ch.CloseWrite()
		done <- struct{}{}
	}()
	<-done
	<-done
}
