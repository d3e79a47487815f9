package core

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// phaseConn enforces the banner and auth timeouts that x/crypto/ssh does not
// have: until the server's "SSH-" version line has arrived the deadline is
// the banner timeout; from then until the handshake ends it is the auth
// timeout (key exchange and authentication).
type phaseConn struct {
	net.Conn
	mu          sync.Mutex
	line        []byte // the line being read while waiting for the banner
	bannerSeen  bool
	seen        atomic.Bool // bannerSeen, read without mu once set (the fast path of every Read)
	authTimeout time.Duration
	paused      bool   // a policy callback is running: no deadline
	quickAck    func() // re-arms TCP quick ACKs after a read (nil: not TCP, or not Linux)
	io          sockIO // how bytes move: raw socket calls, or the conn's Read and Write
	// The banner and auth timeouts are timers that close the connection,
	// not conn deadlines: a jump channel, a proxy command's socket or a
	// caller's conn may not support deadlines (x/crypto's channel conns
	// reject them), and a timeout must hold whatever carries the bytes.
	timer    *time.Timer
	timerGen int         // the generation of the armed timer; a stale one does nothing
	finished bool        // the handshake ended: no more timers
	expired  atomic.Bool // a timer fired and closed the connection
	// lost is set when the connection fails (a read or write error) or is
	// closed. It is a fast path only: x/crypto reads ahead of the packets
	// it handles, and some failures (a bad MAC) never reach the conn, so a
	// stream's end is confirmed by liveness, not by this flag.
	lost atomic.Bool
	// ahead holds bytes read ahead of a small read before the banner, and
	// aheadErr the error that came with them (see Read). Only the one
	// goroutine reading the conn touches them.
	ahead    []byte
	aheadErr error
}

// newPhaseConn wraps a connection to a server; it arms no timer yet.
func newPhaseConn(c net.Conn, authTimeout time.Duration) *phaseConn {
	return &phaseConn{Conn: c, authTimeout: authTimeout, quickAck: quickAcker(c), io: newSockIO(c)}
}

// readAhead is how much phaseConn reads at once while x/crypto reads the
// server's version line a byte at a time: one read syscall per byte was
// ~40 per connection, two thirds of a fan-out host's reads.
const readAhead = 512

// Write writes to the connection. A failed write means the connection is
// unusable: it is marked lost and closed, so that x/crypto's reader ends too
// and every channel learns of the loss at once instead of waiting for a read
// that may never fail.
func (p *phaseConn) Write(b []byte) (int, error) {
	n, err := p.io.write(b)
	if err != nil {
		p.lost.Store(true)
		_ = p.Conn.Close()
	}
	return n, err
}

// Close closes the connection and marks it lost.
func (p *phaseConn) Close() error {
	p.lost.Store(true)
	return p.Conn.Close()
}

// Read reads from the connection. A read smaller than readAhead before the
// banner has been seen (x/crypto reads the version line a byte at a time)
// reads readAhead bytes and keeps the rest for the next reads.
func (p *phaseConn) Read(b []byte) (int, error) {
	if p.ahead != nil || p.aheadErr != nil {
		if len(p.ahead) == 0 {
			err := p.aheadErr
			p.ahead, p.aheadErr = nil, nil
			return 0, err
		}
		n := copy(b, p.ahead)
		p.ahead = p.ahead[n:]
		if len(p.ahead) == 0 && p.aheadErr == nil {
			p.ahead = nil
		}
		return n, nil
	}
	if len(b) < readAhead && !p.seen.Load() {
		buf := make([]byte, readAhead)
		n, err := p.read(buf)
		k := copy(b, buf[:n])
		if k < n {
			p.ahead, p.aheadErr = buf[k:n], err
			return k, nil
		}
		return k, err
	}
	return p.read(b)
}

// quickAckBelow: reads smaller than this re-arm TCP quick ACKs (see read).
const quickAckBelow = 16 << 10

// read reads from the connection, watching for the banner until it is seen.
func (p *phaseConn) read(b []byte) (int, error) {
	n, err := p.io.read(b)
	if err != nil {
		p.lost.Store(true)
	} else if p.quickAck != nil && n < len(b) && n < quickAckBelow {
		// A read that filled b left more data waiting, and a read of
		// quickAckBelow or more took several segments: both are a bulk
		// transfer, whose ACKs go out every other segment anyway. The
		// stall quick ACKs remove follows a lone small segment. Re-arming
		// after every read cost a setsockopt per read (about 4% of the
		// CPU of a 1 GiB exec).
		p.quickAck()
	}
	if p.seen.Load() {
		return n, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.bannerSeen {
		for _, c := range b[:n] {
			if c != '\n' {
				if len(p.line) < 256 {
					p.line = append(p.line, c)
				}
				continue
			}
			if strings.HasPrefix(string(p.line), "SSH-") {
				p.bannerSeen = true
				p.seen.Store(true)
				p.setDeadline(p.authTimeout)
				break
			}
			p.line = p.line[:0]
		}
	}
	return n, err
}

// stage names the phase a timeout happened in.
func (p *phaseConn) stage() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bannerSeen {
		return "auth"
	}
	return "banner"
}

// setDeadline arms the phase timer to close the connection d from now
// (none for 0), replacing the one armed before. Caller holds mu.
func (p *phaseConn) setDeadline(d time.Duration) {
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}
	p.timerGen++
	if d <= 0 || p.paused || p.finished {
		return
	}
	gen := p.timerGen
	p.timer = time.AfterFunc(d, func() {
		p.mu.Lock()
		stale := gen != p.timerGen || p.finished
		if !stale {
			p.expired.Store(true)
		}
		p.mu.Unlock()
		if !stale {
			_ = p.Close()
		}
	})
}

// finish disarms the phase timer for good, once the handshake has ended. It
// reports false if the timer fired first (the connection is then closed).
func (p *phaseConn) finish() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.finished = true
	p.setDeadline(0)
	return !p.expired.Load()
}

// pause lifts the deadline while user code (a policy callback) runs; resume
// restores the auth deadline.
func (p *phaseConn) pause() {
	p.mu.Lock()
	p.paused = true
	p.setDeadline(0)
	p.mu.Unlock()
}

func (p *phaseConn) resume() {
	p.mu.Lock()
	p.paused = false
	p.setDeadline(p.authTimeout)
	p.mu.Unlock()
}

// dial opens the TCP connection, honouring cfg.Timeout and ctx.
func dial(ctx context.Context, cfg *Config) (net.Conn, error) {
	addr := net.JoinHostPort(cfg.Hostname, strconv.Itoa(cfg.Port))
	d := net.Dialer{Timeout: cfg.Timeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err == nil {
		return conn, nil
	}
	if ctx.Err() != nil {
		return nil, newError(KindClosed, err, "connect to %s cancelled: client closed", addr)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return nil, newError(KindTimeout, err, "timed out connecting to %s after %v", addr, cfg.Timeout).with("stage", "connect").
			withAddress(cfg.Hostname, cfg.Port)
	}
	return nil, newError(KindConnect, err, "unable to connect to %s: %v", addr, unwrapOpError(err)).
		withAddress(cfg.Hostname, cfg.Port).with("reason", connectReason(err))
}

// connectReason names why a dial failed: "resolve" (the name did not
// resolve: paramiko raises socket.gaierror), "refused", or "unreachable".
func connectReason(err error) string {
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr):
		return "resolve"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	}
	return "unreachable"
}

// unwrapOpError strips net.OpError's "dial tcp ...:" prefix for a readable message.
func unwrapOpError(err error) error {
	var se *os.SyscallError
	if errors.As(err, &se) {
		return se.Err
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return dnsErr
	}
	return err
}

// authState records what the server allowed while x/crypto ran the auth chain.
type authState struct {
	mu            sync.Mutex
	allowed       map[string]bool // the methods x/crypto tried
	listed        map[string]bool // the methods the server listed, when it refused an attempt
	passwordTried bool
	keyErrors     []error // keys that could not be loaded
	attemptedKeys int
}

func (a *authState) saw(method string) {
	a.mu.Lock()
	a.allowed[method] = true
	a.mu.Unlock()
}

// serverListed records the methods the server listed on refusing an
// attempt (x/crypto's AuthMethodsListed).
func (a *authState) serverListed(methods []string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.listed == nil {
		a.listed = map[string]bool{}
	}
	for _, m := range methods {
		a.listed[m] = true
	}
}

// allowedTypes names the methods we could use that the server allows: those
// x/crypto tried, less any the server never listed (the first, sent before
// the server named its methods: SkipNoneAuth).
func (a *authState) allowedTypes() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for m := range a.allowed {
		if a.listed == nil || a.listed[m] {
			out = append(out, m)
		}
	}
	sort.Strings(out)
	return out
}

var errNoPassword = errors.New("no password available")

// certSuffix names a key's OpenSSH certificate: "<key>-cert.pub".
const certSuffix = "-cert.pub"

// loadKeyAndCert loads a key file as paramiko's SSHClient does: path may
// name the key or its certificate ("<key>-cert.pub"); the certificate, when
// its file exists, is attached, so the key authenticates with it (a file
// that is there but unusable is an error, as in paramiko).
func loadKeyAndCert(path, secret string) (*Key, error) {
	keyPath, certPath := path, path+certSuffix
	if strings.HasSuffix(path, certSuffix) {
		keyPath, certPath = strings.TrimSuffix(path, certSuffix), path
	}
	k, err := LoadPrivateKeyFile(keyPath, secret)
	if err != nil {
		return nil, err
	}
	if st, serr := os.Stat(certPath); serr == nil && st.Mode().IsRegular() {
		if err := k.LoadCertificate(certPath); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// collectSigners gathers the keys to offer, in paramiko's order: pkey (and
// key data), then key_filename, then agent keys, then ~/.ssh/id_*. With
// IdentitiesOnly and keys given, the agent's keys are offered only when they
// are one of the given keys (a key file that did not load is matched by its
// ".pub" file, so that a key whose passphrase only the agent holds still
// works), and ~/.ssh/id_* are not searched. signFirst tells whether the
// first is a key held here (not an agent's, which may ask its user to
// confirm), which may then be sent signed without asking the server first.
// It returns a closer for the agent connection.
func collectSigners(cfg *Config, st *authState) (signers []ssh.Signer, signFirst bool, closer func()) {
	signers, local, closer := gatherSigners(cfg, st)
	if len(signers) > 0 {
		// A certificate of a key held here is held here too.
		pub := signers[0].PublicKey()
		signFirst = local[string(pub.Marshal())]
		if cert, ok := pub.(*ssh.Certificate); ok && !signFirst {
			signFirst = local[string(cert.Key.Marshal())]
		}
	}
	return signers, signFirst, closer
}

// gatherSigners is collectSigners' list, with the public keys of the keys
// held here (not an agent's).
func gatherSigners(cfg *Config, st *authState) ([]ssh.Signer, map[string]bool, func()) {
	local := map[string]bool{}
	var signers []ssh.Signer
	var given [][]byte // the given keys' public blobs, for IdentitiesOnly
	add := func(s ssh.Signer) {
		signers = append(signers, s)
		given = append(given, s.PublicKey().Marshal())
		local[string(s.PublicKey().Marshal())] = true
	}
	for _, k := range cfg.Keys {
		if k != nil && k.Signer() != nil {
			add(k.Signer())
		}
	}
	// The one rule for unlocking keys: the passphrase, else the password.
	secret := cfg.Passphrase
	if secret == "" {
		secret = cfg.Password
	}
	for _, data := range cfg.KeyData {
		k, err := ParsePrivateKey(data, secret)
		if err != nil {
			st.keyErrors = append(st.keyErrors, err)
			continue
		}
		add(k.Signer())
	}
	for _, path := range cfg.KeyFilenames {
		k, err := loadKeyAndCert(expandHome(path), secret)
		if err != nil {
			st.keyErrors = append(st.keyErrors, err)
			if pub, perr := os.ReadFile(expandHome(path) + ".pub"); perr == nil {
				if pk, _, _, _, perr := ssh.ParseAuthorizedKey(pub); perr == nil {
					given = append(given, pk.Marshal())
				}
			}
			continue
		}
		add(k.Signer())
	}
	identitiesOnly := cfg.IdentitiesOnly && len(cfg.Keys)+len(cfg.KeyData)+len(cfg.KeyFilenames) > 0
	closer := func() {}
	if cfg.AllowAgent {
		if sock := agentSocket(cfg.AgentSocket); sock != "" {
			if conn, err := net.DialTimeout("unix", sock, 2*time.Second); err == nil {
				if as, err := agent.NewClient(conn).Signers(); err == nil {
					for _, s := range as {
						if identitiesOnly && !slices.ContainsFunc(given, func(b []byte) bool { return bytes.Equal(b, s.PublicKey().Marshal()) }) {
							continue
						}
						signers = append(signers, s)
					}
				}
				closer = func() { conn.Close() }
			}
		}
	}
	if cfg.LookForKeys && !identitiesOnly {
		if home, err := os.UserHomeDir(); err == nil {
			for _, name := range []string{"id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"} {
				path := filepath.Join(home, ".ssh", name)
				if _, err := os.Stat(path); err != nil {
					continue
				}
				k, err := loadKeyAndCert(path, secret)
				if err != nil {
					st.keyErrors = append(st.keyErrors, err)
					continue
				}
				signers = append(signers, k.Signer())
				local[string(k.Signer().PublicKey().Marshal())] = true
			}
		}
	}
	signers = addCertificates(cfg.CertificateFiles, signers)
	return withSSHRSARetry(signers, cfg.pubkeyAlgorithms()), local, closer
}

// expandHome expands a leading "~/".
func expandHome(p string) string {
	if strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, p[2:])
		}
	}
	return p
}

// authMethods builds x/crypto's auth chain. Every method records that
// x/crypto tried it, so that a failure can name the allowed types. With
// signFirst, the first key is sent signed without the query before it.
func authMethods(cfg *Config, signers []ssh.Signer, signFirst bool, st *authState) []ssh.AuthMethod {
	keys := func() ([]ssh.Signer, error) {
		st.saw("publickey")
		st.attemptedKeys = len(signers)
		return signers, nil
	}
	publickey := ssh.PublicKeysCallback(keys)
	if signFirst {
		publickey = ssh.PublicKeysSignFirst(keys)
	}
	methods := []ssh.AuthMethod{
		publickey,
		ssh.PasswordCallback(func() (string, error) {
			st.saw("password")
			if cfg.Password == "" {
				return "", errNoPassword
			}
			st.passwordTried = true
			return cfg.Password, nil
		}),
		ssh.KeyboardInteractive(func(name, instruction string, questions []string, echos []bool) ([]string, error) {
			st.saw("keyboard-interactive")
			if len(questions) == 0 {
				return nil, nil
			}
			if cfg.Password == "" {
				return nil, errNoPassword
			}
			st.passwordTried = true
			answers := make([]string, len(questions))
			for i := range answers {
				answers[i] = cfg.Password
			}
			return answers, nil
		}),
	}
	return methods
}

// handshakeError turns x/crypto's handshake failure into a classified Error.
func handshakeError(err error, pc *phaseConn, st *authState, hostErr error, ctx context.Context, cfg *Config) error {
	if hostErr != nil {
		return hostErr
	}
	if ctx.Err() != nil {
		return newError(KindClosed, err, "connect cancelled: client closed")
	}
	var ne net.Error
	if pc.expired.Load() || (errors.As(err, &ne) && ne.Timeout()) {
		stage := pc.stage()
		what := "authentication"
		limit := cfg.AuthTimeout
		if stage == "banner" {
			what, limit = "waiting for the SSH protocol banner", cfg.BannerTimeout
		}
		return newError(KindTimeout, err, "timed out %s after %v", what, limit).with("stage", stage)
	}
	var own *Error
	if errors.As(err, &own) {
		return own
	}
	if ee, ok := pc.Conn.(interface{ exitError() *Error }); ok && !pc.bannerSeen {
		if e := ee.exitError(); e != nil {
			return e // the proxy command ended before the server spoke: say how
		}
	}
	msg := err.Error()
	if strings.Contains(msg, "unable to authenticate") || errors.Is(err, errNoPassword) {
		types := st.allowedTypes()
		allowed := strings.Join(types, ",")
		if len(types) == 0 {
			e := newError(KindBadAuthType, err, "bad authentication type: the server allows none of the methods we can use")
			return e.with("allowed_types", allowed)
		}
		// A password was given but the server took no password (nor
		// keyboard-interactive): paramiko's last attempt is auth_password,
		// which raises BadAuthenticationType with the allowed types, whatever
		// the keys before it did.
		if !st.passwordTried && cfg.Password != "" {
			return newError(KindBadAuthType, err, "bad authentication type; allowed types: %s", allowed).with("allowed_types", allowed)
		}
		if len(st.keyErrors) > 0 && !st.passwordTried {
			// paramiko raises the saved key error when nothing else was tried.
			if KindOf(st.keyErrors[0]) == KindPasswordRequired || st.attemptedKeys == 0 {
				ke := AsError(st.keyErrors[0])
				return (&Error{Kind: ke.Kind, Msg: ke.Msg, Err: err}).with("allowed_types", allowed)
			}
		}
		if st.attemptedKeys == 0 && !st.passwordTried {
			return newError(KindAuth, err, "no authentication methods available (no keys or password given); server allows: %s", allowed).with("allowed_types", allowed).with("reason", "no_methods")
		}
		return newError(KindAuth, err, "authentication failed; server allows: %s", allowed).with("allowed_types", allowed).with("reason", "failed")
	}
	if !pc.bannerSeen && (errors.Is(err, syscall.ECONNRESET) || strings.Contains(msg, "EOF") || strings.Contains(msg, "version")) {
		return newError(KindProtocol, err, "error reading SSH protocol banner: %v", err)
	}
	if errors.Is(err, net.ErrClosed) || strings.Contains(msg, "EOF") || errors.Is(err, syscall.ECONNRESET) {
		return newError(KindClosed, err, "connection closed by the server during the handshake: %v", err)
	}
	return newError(KindProtocol, err, "SSH handshake failed: %v", err)
}

// handshakeRefused ends a connect whose options cannot make a handshake
// (no algorithm left to offer) before anything is sent.
func (c *Client) handshakeRefused(raw net.Conn, pc *phaseConn, err error) error {
	pc.finish()
	raw.Close()
	c.mu.Lock()
	c.netConn = nil
	c.mu.Unlock()
	c.log.Infof("transport", "connect failed: %v", err)
	return err
}

// Connect connects, checks the host key and authenticates (see Config). The
// transport is a TCP connection to Hostname:Port, unless cfg names a proxy
// command (ProxyCommand, see proxycommand.go) or jump hosts (ProxyJump, see
// jump.go).
func (c *Client) Connect(cfg *Config) error {
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
	command, jump := proxySetting(cfg.ProxyCommand), proxySetting(cfg.ProxyJump)
	switch {
	case command != "" && jump != "":
		return InvalidArgument("proxy_command and proxy_jump are both set; use one (OpenSSH takes the first it reads)")
	case command != "":
		return c.connect(cfg, func(ctx context.Context, cfg *Config) (net.Conn, error) {
			return startProxyCommand(command, cfg, c.log)
		})
	case jump != "":
		hops, err := ParseProxyJump(jump)
		if err != nil {
			return err
		}
		return c.connect(cfg, func(ctx context.Context, cfg *Config) (net.Conn, error) {
			return c.dialJump(ctx, hops, cfg)
		})
	}
	return c.connect(cfg, dial)
}

// ConnectConn connects over conn, an established transport to the server
// (a socket, a pipe pair, a channel of another connection): the SSH
// handshake and authentication run over it as Connect's over TCP.
// cfg.Hostname and cfg.Port name the server for the host-key check; the
// TCP timeout and the proxy settings do not apply. The client owns conn from
// the call on: it is closed on failure and by Close, whatever happens.
func (c *Client) ConnectConn(conn net.Conn, cfg *Config) error {
	if conn == nil {
		return InvalidArgument("no connection given")
	}
	if cfg == nil || cfg.Hostname == "" {
		conn.Close()
		return InvalidArgument("no hostname given (it names the server for the host-key check)")
	}
	if cfg.SSHConfig != "" || cfg.KeepaliveInterval > 0 {
		// The ssh_config applies but for ProxyJump and ProxyCommand: the
		// transport is conn.
		var done func()
		var err error
		if cfg, done, err = c.prepareConnect(cfg); err != nil {
			conn.Close()
			return err
		}
		defer done()
	}
	var taken atomic.Bool
	err := c.connect(cfg, func(context.Context, *Config) (net.Conn, error) { taken.Store(true); return conn, nil })
	if !taken.Load() {
		conn.Close() // refused before the handshake (already connected, a bad option)
	}
	return err
}

// transportFunc opens the connection the handshake runs over. What it
// returns closes everything it started (a process, jump hosts) on Close.
type transportFunc func(ctx context.Context, cfg *Config) (net.Conn, error)

// connect runs the handshake over the transport open makes. With
// cfg.StepAuth it returns once the server has proved its host key, and the
// handshake goes on in the background, authenticated by the Auth* calls
// (stepauth.go).
func (c *Client) connect(cfg *Config, open transportFunc) error {
	cfg = cfg.Clone()
	var expected ssh.PublicKey
	if cfg.HostKey != "" {
		k, err := ParsePublicKeyText(cfg.HostKey)
		if err != nil {
			return InvalidArgument("option host_key: not a public key (\"type base64\")")
		}
		expected = k
	}
	// Options that leave nothing to offer fail before any transport is
	// opened (a proxy command started, jump hosts connected).
	if err := cfg.checkAlgorithms(); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.mu.Lock()
	if c.conn != nil || c.connecting {
		c.mu.Unlock()
		cancel()
		return InvalidArgument("client is already connected")
	}
	c.connecting, c.closed, c.cancel = true, false, cancel
	c.step = nil
	stop := c.stopConnect
	c.mu.Unlock()
	if stop != nil && stop() {
		c.mu.Lock()
		c.connecting, c.cancel = false, nil
		c.mu.Unlock()
		cancel()
		return newError(KindCancelled, nil, "connect cancelled")
	}
	release := func() {
		cancel()
		c.mu.Lock()
		c.connecting, c.cancel = false, nil
		c.mu.Unlock()
	}
	handedOff := false
	defer func() {
		if !handedOff {
			release()
		}
	}()

	c.log.Infof("transport", "connecting to %s", net.JoinHostPort(cfg.Hostname, strconv.Itoa(cfg.Port)))
	raw, err := openCancellable(ctx, cfg, open)
	if err != nil {
		c.log.Infof("transport", "%v", err)
		return err
	}
	pc := newPhaseConn(raw, cfg.AuthTimeout)
	pc.mu.Lock()
	pc.setDeadline(cfg.BannerTimeout)
	pc.mu.Unlock()
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		pc.finish()
		raw.Close()
		return newError(KindClosed, nil, "connect cancelled: client closed")
	}
	c.netConn = raw
	c.mu.Unlock()
	if !cfg.StepAuth {
		return c.handshake(ctx, cfg, raw, pc, expected, nil)
	}
	s := newStepAuth(ctx, pc, cfg.Username, cfg.pubkeyAlgorithms())
	c.mu.Lock()
	c.step = s
	c.mu.Unlock()
	handedOff = true
	go func() {
		var err error
		defer func() {
			if r := recover(); r != nil {
				err = PanicError(c.log, "the handshake", r)
			}
			// Released before the outcome is published, so that a caller
			// who sees a failure may connect again at once.
			release()
			s.end(err)
		}()
		err = c.handshake(ctx, cfg, raw, pc, expected, s)
	}()
	return s.started()
}

// handshake runs x/crypto's handshake over pc and makes the connection the
// client's. With s (StepAuth), s decides the user and the methods.
func (c *Client) handshake(ctx context.Context, cfg *Config, raw net.Conn, pc *phaseConn, expected ssh.PublicKey, s *stepAuth) error {
	name := HostKeyName(cfg.Hostname, cfg.Port)
	if cfg.HostKeyAlias != "" {
		name = cfg.HostKeyAlias
	}
	st := &authState{allowed: map[string]bool{}}
	var signers []ssh.Signer
	signFirst := false
	if s == nil {
		var closeAgent func()
		signers, signFirst, closeAgent = collectSigners(cfg, st)
		defer closeAgent()
	}
	first, only := c.hostKeyAlgorithms(name), false
	if expected != nil {
		// Offer only what presents the given key, as paramiko's
		// Transport.connect(hostkey=) prefers only its type.
		first, only = hostKeyAlgorithms([]ssh.PublicKey{expected}), true
	}
	hostKeyAlgos, err := cfg.hostKeyOrder(first, only)
	if err != nil {
		return c.handshakeRefused(raw, pc, err)
	}
	var accepted ssh.PublicKey
	var hostErr error
	sshCfg := &ssh.ClientConfig{
		User: cfg.Username,
		Auth: authMethods(cfg, signers, signFirst, st),
		// A key held here goes first, signed, without the "none" request
		// and the "would you take this key" query before it, as paramiko
		// does: two round trips less. Never with StepAuth, whose caller
		// reads the methods the "none" reply lists.
		SkipNoneAuth:      signFirst,
		AuthMethodsListed: st.serverListed,
		HostKeyCallback: func(_ string, _ net.Addr, key ssh.PublicKey) error {
			first := accepted == nil
			var err error
			if expected != nil {
				err = checkExpectedHostKey(name, key, expected, &accepted)
			} else {
				err = c.checkHostKey(name, key, pc, &accepted)
			}
			if err != nil {
				hostErr = err
				return err
			}
			if s != nil && first {
				c.mu.Lock()
				c.serverKey = key
				c.mu.Unlock()
				return s.keyProved()
			}
			return nil
		},
		HostKeyAlgorithms: hostKeyAlgos,
		BannerCallback: func(msg string) error {
			c.mu.Lock()
			c.banner = msg
			c.mu.Unlock()
			return nil
		},
		ClientVersion: "SSH-2.0-gossh_" + Version,
	}
	if err := cfg.transportAlgorithms(&sshCfg.Config); err != nil {
		return c.handshakeRefused(raw, pc, err)
	}
	if cfg.Compress {
		c.log.Infof("transport", "compression was requested but is not available (x/crypto/ssh implements none): connecting without")
	}
	if s != nil {
		sshCfg.Auth = nil
		sshCfg.AuthCallback = s.next
	}
	sconn, chans, reqs, err := ssh.NewClientConn(pc, net.JoinHostPort(cfg.Hostname, strconv.Itoa(cfg.Port)), sshCfg)
	if err == nil && !pc.finish() {
		sconn.Close() // the timer fired as the handshake ended: a timeout all the same
		err = net.ErrClosed
	}
	if err != nil {
		pc.finish()
		raw.Close()
		c.mu.Lock()
		c.netConn = nil
		c.mu.Unlock()
		if s != nil {
			err = s.handshakeError(err, hostErr, ctx, cfg)
		} else {
			err = handshakeError(err, pc, st, hostErr, ctx, cfg)
		}
		c.log.Infof("transport", "connect failed: %v", err)
		return err
	}
	// x/crypto keeps the config for re-keys, auth methods included, which
	// it never calls again: drop them (x/crypto's copy of the config shares
	// the slice), and with them the options, keys and auth state they
	// hold, ~1.5 KB per kept connection.
	clear(sshCfg.Auth)
	// One goroutine serves the connection's incoming channels, refuses the
	// server's global requests (as x/crypto's Client: keepalives and all)
	// and, when the connection ends, releases what the transport holds (a
	// proxy command, jump hosts: when the server ends the connection, not
	// only on Close). x/crypto's NewClient would run three.
	dead := make(chan struct{})
	client := ssh.NewClientServed(sconn, chans, reqs,
		func(r *ssh.Request) { _ = r.Reply(false, nil) },
		func() {
			_ = raw.Close()
			c.connectionEnded(dead)
		})
	c.mu.Lock()
	if c.closed { // Close raced with the end of the handshake
		c.mu.Unlock()
		client.Close()
		return newError(KindClosed, nil, "connect cancelled: client closed")
	}
	c.conn, c.dead, c.authenticated, c.serverKey = client, dead, true, accepted
	c.authUser = sshCfg.User // a StepAuth connect's user is the last attempt's, not sconn.User()
	c.chanTimeout = cfg.ChannelTimeout
	c.forwardAgent, c.agentSock, c.agentFwdOn = cfg.ForwardAgent, agentSocket(cfg.AgentSocket), false
	c.live = &liveness{conn: client, pc: pc}
	c.mu.Unlock()
	c.log.Infof("transport", "authenticated as %s to %s (%s)", sshCfg.User, name, string(sconn.ServerVersion()))
	return nil
}
