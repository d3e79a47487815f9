package core

import (
	"context"
	"net"
	"strconv"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// Client is an SSH client with paramiko's SSHClient semantics. All methods
// are safe for concurrent use; Close from another goroutine ends a Connect or
// any blocked channel call with a KindClosed error.
type Client struct {
	mu           sync.Mutex
	policy       Policy
	systemKeys   *HostKeys // load_system_host_keys: never saved
	hostKeys     *HostKeys // load_host_keys and added keys
	hostKeysFile string    // where AcceptAdd saves
	log          *Logger

	conn          *ssh.Client
	netConn       net.Conn
	cancel        context.CancelFunc // cancels a Connect in progress
	connecting    bool
	authenticated bool
	closed        bool // Close was called since the last Connect
	dead          chan struct{}
	channels      map[*Channel]struct{}
	nextChannelID int
	serverKey     ssh.PublicKey
	live          *liveness // the live connection's prober, for channel ends
	banner        string
	stopKeepalive chan struct{}
	fw            forwards
	chanTimeout   time.Duration // Config.ChannelTimeout of the live connection
}

// NewClient returns an unconnected client with the reject policy and empty
// host keys.
func NewClient() *Client {
	return &Client{
		policy:     RejectPolicy{},
		systemKeys: NewHostKeys(),
		hostKeys:   NewHostKeys(),
		log:        NewLogger("gossh"),
		channels:   map[*Channel]struct{}{},
	}
}

// SetLogChannel names the client's log records "<name>.transport" and
// "<name>.channel" (paramiko's set_log_channel).
func (c *Client) SetLogChannel(name string) { c.log.SetChannel(name) }

// LogChannel returns the client's log channel name.
func (c *Client) LogChannel() string { return c.log.Channel() }

// SetPolicy sets the missing-host-key policy; nil means RejectPolicy.
func (c *Client) SetPolicy(p Policy) {
	if p == nil {
		p = RejectPolicy{}
	}
	c.mu.Lock()
	c.policy = p
	c.mu.Unlock()
}

// LoadSystemHostKeys loads known_hosts entries that are never saved back.
// An empty path means ~/.ssh/known_hosts, and then a missing file is not an
// error. Malformed lines are skipped and logged.
func (c *Client) LoadSystemHostKeys(path string) error {
	system, _ := c.stores()
	if path == "" {
		err := system.load(expandHome("~/.ssh/known_hosts"), c.log)
		if err != nil && IsNotExist(err) {
			return nil
		}
		return err
	}
	return system.load(path, c.log)
}

// LoadHostKeys merges a known_hosts file over earlier loads and remembers it
// as the file to save to. A missing file is not an error. Malformed lines
// are skipped and logged.
func (c *Client) LoadHostKeys(path string) error {
	c.mu.Lock()
	c.hostKeysFile = path
	own := c.hostKeys
	c.mu.Unlock()
	err := own.load(path, c.log)
	if err != nil && IsNotExist(err) {
		return nil
	}
	return err
}

// SaveHostKeys writes the client's (non-system) host keys to path.
func (c *Client) SaveHostKeys(path string) error {
	_, own := c.stores()
	return own.Save(path)
}

// HostKeys returns the client's own host-key store (paramiko's
// get_host_keys): the live store, whose changes the next check sees.
func (c *Client) HostKeys() *HostKeys {
	_, own := c.stores()
	return own
}

// SystemHostKeys returns the store of system host keys.
func (c *Client) SystemHostKeys() *HostKeys {
	system, _ := c.stores()
	return system
}

// ShareHostKeys makes c use from's host-key stores and save file, so that a
// binding replacing a closed client by a new one keeps its host keys (a
// paramiko SSHClient keeps them across close and connect).
func (c *Client) ShareHostKeys(from *Client) {
	from.mu.Lock()
	system, own, file := from.systemKeys, from.hostKeys, from.hostKeysFile
	from.mu.Unlock()
	c.mu.Lock()
	c.systemKeys, c.hostKeys, c.hostKeysFile = system, own, file
	c.mu.Unlock()
}

// stores returns the system and own host-key stores.
func (c *Client) stores() (system, own *HostKeys) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.systemKeys, c.hostKeys
}

// knownKeys returns the keys known for hostname: system keys first, as paramiko.
func (c *Client) knownKeys(hostname string) []ssh.PublicKey {
	system, own := c.stores()
	keys := system.Lookup(hostname)
	if len(keys) == 0 {
		keys = own.Lookup(hostname)
	}
	return keys
}

// hostKeyAlgorithms is the host-key algorithms to offer for hostname:
// certificate algorithms first when a @cert-authority applies to it, then
// those of the keys known for it, then the rest.
func (c *Client) hostKeyAlgorithms(hostname string) []string {
	system, own := c.stores()
	if len(system.CertAuthorities(hostname)) == 0 && len(own.CertAuthorities(hostname)) == 0 {
		return hostKeyAlgorithms(c.knownKeys(hostname))
	}
	algos := certAlgorithms()
	seen := map[string]bool{}
	for _, a := range algos {
		seen[a] = true
	}
	rest := hostKeyAlgorithms(c.knownKeys(hostname))
	if rest == nil {
		rest = ssh.SupportedAlgorithms().HostKeys
	}
	for _, a := range rest {
		if !seen[a] {
			seen[a] = true
			algos = append(algos, a)
		}
	}
	return algos
}

// hostKeyError is the error for a refused host key: KindHostKeyMismatch
// with details hostname, key, expected_key and reason.
func hostKeyError(name string, key, expected ssh.PublicKey, reason, format string, args ...any) *Error {
	exp := ""
	if expected != nil {
		exp = PublicKeyText(expected)
	}
	return newError(KindHostKeyMismatch, nil, format, args...).
		with("hostname", name).with("key", PublicKeyText(key)).with("expected_key", exp).with("reason", reason)
}

// checkHostKey is the host-key decision, made once per connection: a
// re-key must present the same key. See verifyHostKey for the rules.
func (c *Client) checkHostKey(name string, key ssh.PublicKey, pc *phaseConn, accepted *ssh.PublicKey) error {
	if *accepted != nil {
		if keysEqual(*accepted, key) {
			return nil
		}
		return hostKeyError(name, key, *accepted, "changed", "host key for %s changed during re-key: got %s, expected %s",
			name, ssh.FingerprintSHA256(key), ssh.FingerprintSHA256(*accepted))
	}
	system, own := c.stores()
	v := verifyHostKey([]*HostKeys{system, own}, name, key)
	switch v.status {
	case hostKeyOK:
		*accepted = key
		how := "matches known_hosts"
		if v.viaCA {
			how = "is a valid certificate from a known @cert-authority"
		}
		c.log.Debugf("transport", "host key for %s %s (%s %s)", name, how, key.Type(), ssh.FingerprintSHA256(key))
		return nil
	case hostKeyRevoked:
		return hostKeyError(name, key, nil, "revoked", "host key for %s is marked as revoked (%s %s)",
			name, key.Type(), ssh.FingerprintSHA256(key))
	case hostKeyBadCert:
		return hostKeyError(name, key, nil, "certificate", "host certificate for %s is not valid: %v", name, v.err)
	case hostKeyMismatch:
		return hostKeyError(name, v.plain, v.expected, "mismatch", "host key for server %s does not match: got %s, expected %s",
			name, ssh.FingerprintSHA256(v.plain), ssh.FingerprintSHA256(v.expected))
	}
	presented := key
	key = v.plain // a certificate whose CA we do not know: its plain key, as OpenSSH
	c.mu.Lock()
	policy := c.policy
	file := c.hostKeysFile
	c.mu.Unlock()
	pc.pause()
	decision, err := policy.MissingHostKey(name, key)
	pc.resume()
	if err != nil {
		return err
	}
	switch decision {
	case Accept:
		c.log.Warnf("transport", "unknown %s host key for %s: %s (accepted, not saved)", key.Type(), name, ssh.FingerprintSHA256(key))
	case AcceptAdd:
		c.log.Infof("transport", "adding %s host key for %s: %s", key.Type(), name, ssh.FingerprintSHA256(key))
		own.Add(name, key)
		if file != "" {
			if err := own.Save(file); err != nil {
				c.log.Warnf("transport", "cannot save host keys: %v", err)
			}
		}
	default:
		// Only Accept and AcceptAdd accept: anything else a policy returns
		// (a C callback's 7 or -1) rejects, so an answer nobody defined
		// fails closed.
		if decision != Reject {
			c.log.Warnf("transport", "missing-host-key policy answered %d for %s, which is not an accept value: rejected",
				int(decision), name)
		}
		return newError(KindHostKeyUnknown, nil, "server %s not found in known_hosts", name).
			with("hostname", name).with("key", PublicKeyText(key))
	}
	*accepted = presented
	return nil
}

// Connect connects, checks the host key and authenticates (see Config).
func (c *Client) Connect(cfg *Config) error {
	if cfg == nil || cfg.Hostname == "" {
		return InvalidArgument("no hostname given")
	}
	cfg = cfg.Clone()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c.mu.Lock()
	if c.conn != nil || c.connecting {
		c.mu.Unlock()
		return InvalidArgument("client is already connected")
	}
	c.connecting, c.closed, c.cancel = true, false, cancel
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.connecting, c.cancel = false, nil
		c.mu.Unlock()
	}()

	c.log.Infof("transport", "connecting to %s", net.JoinHostPort(cfg.Hostname, strconv.Itoa(cfg.Port)))
	raw, err := dial(ctx, cfg)
	if err != nil {
		c.log.Infof("transport", "%v", err)
		return err
	}
	pc := &phaseConn{Conn: raw, authTimeout: cfg.AuthTimeout, quickAck: quickAcker(raw)}
	pc.setDeadline(cfg.BannerTimeout)
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		raw.Close()
		return newError(KindClosed, nil, "connect cancelled: client closed")
	}
	c.netConn = raw
	c.mu.Unlock()

	name := HostKeyName(cfg.Hostname, cfg.Port)
	st := &authState{allowed: map[string]bool{}}
	signers, closeAgent := collectSigners(cfg, st)
	defer closeAgent()
	var accepted ssh.PublicKey
	var hostErr error
	sshCfg := &ssh.ClientConfig{
		User: cfg.Username,
		Auth: authMethods(cfg, signers, st),
		HostKeyCallback: func(_ string, _ net.Addr, key ssh.PublicKey) error {
			err := c.checkHostKey(name, key, pc, &accepted)
			if err != nil {
				hostErr = err
			}
			return err
		},
		HostKeyAlgorithms: c.hostKeyAlgorithms(name),
		BannerCallback: func(msg string) error {
			c.mu.Lock()
			c.banner = msg
			c.mu.Unlock()
			return nil
		},
		ClientVersion: "SSH-2.0-gossh_" + Version,
	}
	sconn, chans, reqs, err := ssh.NewClientConn(pc, net.JoinHostPort(cfg.Hostname, strconv.Itoa(cfg.Port)), sshCfg)
	if err != nil {
		raw.Close()
		c.mu.Lock()
		c.netConn = nil
		c.mu.Unlock()
		err = handshakeError(err, pc, st, hostErr, ctx, cfg)
		c.log.Infof("transport", "connect failed: %v", err)
		return err
	}
	_ = raw.SetDeadline(time.Time{})
	client := ssh.NewClient(sconn, chans, reqs)
	dead := make(chan struct{})
	go func() {
		_ = client.Wait()
		c.connectionEnded(dead)
	}()
	c.mu.Lock()
	if c.closed { // Close raced with the end of the handshake
		c.mu.Unlock()
		client.Close()
		return newError(KindClosed, nil, "connect cancelled: client closed")
	}
	c.conn, c.dead, c.authenticated, c.serverKey = client, dead, true, accepted
	c.chanTimeout = cfg.ChannelTimeout
	c.live = &liveness{conn: client, pc: pc}
	c.mu.Unlock()
	c.log.Infof("transport", "authenticated as %s to %s (%s)", cfg.Username, name, string(sconn.ServerVersion()))
	return nil
}

// IsActive reports whether the connection is up.
func (c *Client) IsActive() bool {
	c.mu.Lock()
	dead, conn := c.dead, c.conn
	c.mu.Unlock()
	if conn == nil {
		return false
	}
	select {
	case <-dead:
		return false
	default:
		return true
	}
}

// IsAuthenticated reports whether the client has authenticated and is still connected.
func (c *Client) IsAuthenticated() bool {
	c.mu.Lock()
	auth := c.authenticated
	c.mu.Unlock()
	return auth && c.IsActive()
}

// sshClient returns the live connection or the error to report.
func (c *Client) sshClient() (*ssh.Client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn == nil {
		if c.closed {
			return nil, newError(KindClosed, nil, "client is closed")
		}
		return nil, newError(KindNotConnected, nil, "client is not connected")
	}
	select {
	case <-c.dead:
		return nil, newError(KindClosed, nil, "connection lost")
	default:
	}
	return c.conn, nil
}

// Close closes the connection and all its channels, and cancels a Connect in
// progress. Safe to call twice and from any goroutine.
func (c *Client) Close() error {
	c.mu.Lock()
	c.closed = true
	if c.stopKeepalive != nil {
		close(c.stopKeepalive)
		c.stopKeepalive = nil
	}
	conn, raw, cancel := c.conn, c.netConn, c.cancel
	c.conn, c.netConn, c.authenticated = nil, nil, false
	chans := make([]*Channel, 0, len(c.channels))
	for ch := range c.channels {
		chans = append(chans, ch)
	}
	c.channels = map[*Channel]struct{}{}
	c.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	for _, ch := range chans {
		ch.closeWith(newError(KindClosed, nil, "client closed"))
	}
	if conn != nil {
		c.log.Infof("transport", "closing connection")
		conn.Close()
	}
	if raw != nil {
		raw.Close()
	}
	return nil
}

// track registers a channel so that Close closes it; untrack forgets it.
func (c *Client) track(ch *Channel) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn == nil {
		return false
	}
	c.nextChannelID++
	ch.id = c.nextChannelID
	ch.live = c.live
	c.channels[ch] = struct{}{}
	return true
}

func (c *Client) untrack(ch *Channel) {
	c.mu.Lock()
	delete(c.channels, ch)
	c.mu.Unlock()
}

// channelTimeout is the limit for a channel open or request whose caller
// gave timeout: a negative timeout (none given) means the connection's
// ChannelTimeout, or no limit when that is unset.
func (c *Client) channelTimeout(timeout time.Duration) time.Duration {
	if timeout >= 0 {
		return timeout
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.chanTimeout > 0 {
		return c.chanTimeout
	}
	return -1
}

// openChannel opens a channel of type typ, waiting at most timeout
// (negative: the connection's ChannelTimeout, else no limit; 0: do not wait)
// for the server's answer. A channel that opens after the timeout is closed.
func (c *Client) openChannel(typ string, extra []byte, timeout time.Duration) (*Channel, error) {
	conn, err := c.sshClient()
	if err != nil {
		return nil, err
	}
	timeout = c.channelTimeout(timeout)
	type result struct {
		ch  *Channel
		err error
	}
	done := make(chan result, 1)
	goSafe(c.log, "a channel open", func() {
		raw, reqs, err := conn.OpenChannel(typ, extra)
		if err != nil {
			done <- result{nil, channelOpenError(err)}
			return
		}
		ch, err := newChannel(c, raw, reqs, typ)
		done <- result{ch, err}
	}, func(e *Error) { done <- result{nil, e} })
	deadline, stop := timer(timeout)
	defer stop()
	select {
	case r := <-done:
		return r.ch, r.err
	case <-deadline:
		go func() {
			if r := <-done; r.ch != nil {
				r.ch.Close()
			}
		}()
		return nil, newError(KindTimeout, nil, "timed out opening a %s channel after %v", typ, timeout).with("stage", "channel")
	}
}

// OpenSession opens a "session" channel (paramiko's open_session), waiting
// at most timeout (negative: no limit).
func (c *Client) OpenSession(timeout time.Duration) (*Channel, error) {
	return c.openChannel("session", nil, timeout)
}

// Exec opens a session channel and starts command on it (paramiko's
// exec_command). It waits at most timeout (negative: no limit) for the
// server to open the channel, and as long again for each request.
func (c *Client) Exec(command string, timeout time.Duration) (*Channel, error) {
	return c.ExecWith(command, nil, nil, timeout)
}

// ExecWith is Exec with a pseudo-terminal (pty != nil) and environment
// variables set first, as paramiko's exec_command(get_pty, environment).
func (c *Client) ExecWith(command string, pty *PtyRequest, env map[string]string, timeout time.Duration) (*Channel, error) {
	return c.Start(&SessionSpec{Start: StartExec, Command: command, Pty: pty, Env: env, Timeout: timeout})
}

// Shell opens a session with a pseudo-terminal and starts a shell on it
// (paramiko's invoke_shell).
func (c *Client) Shell(pty PtyRequest, env map[string]string, timeout time.Duration) (*Channel, error) {
	return c.Start(&SessionSpec{Start: StartShell, Pty: &pty, Env: env, Timeout: timeout})
}
