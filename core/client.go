package core

import (
	"context"
	"net"
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
	policySet    bool      // SetPolicy was called: an ssh_config's StrictHostKeyChecking does not apply
	systemKeys   *HostKeys // load_system_host_keys: never saved
	hostKeys     *HostKeys // load_host_keys and added keys
	hostKeysFile string    // where AcceptAdd saves
	log          *Logger

	conn       *ssh.Client
	netConn    net.Conn
	cancel     context.CancelFunc // cancels a Connect in progress
	connecting bool
	// stopConnect, when set, is asked once a Connect is under way (after
	// it has marked itself connecting, so that a Close from then on ends
	// it): true fails the Connect. A group's Cancel closes the clients it
	// tracks, and a Close that came before the Connect began would
	// otherwise be undone by it (a closed client connects again).
	stopConnect   func() bool
	authenticated bool
	closed        bool // Close was called since the last Connect
	dead          chan struct{}
	channels      map[*Channel]struct{}
	nextChannelID int
	serverKey     ssh.PublicKey
	live          *liveness // the live connection's prober, for channel ends
	banner        string
	stopKeepalive chan struct{}
	keepaliveMax  int // unanswered keepalives before the connection is taken for dead; 0: keepaliveMissed
	fw            forwards
	chanTimeout   time.Duration // Config.ChannelTimeout of the live connection
	step          *stepAuth     // a StepAuth connect's authentication in progress (stepauth.go)
	authUser      string        // the user the live connection authenticated as
	forwardAgent  bool          // Config.ForwardAgent of the live connection: every session asks
	agentSock     string        // the agent socket forwarded to ("" none)
	agentFwdOn    bool          // the live connection forwards "auth-agent@openssh.com" channels
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
	c.policySet = true
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
	c.conn, c.netConn, c.authenticated, c.step = nil, nil, false, nil
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
