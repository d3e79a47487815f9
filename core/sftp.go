package core

import (
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// SFTP is an SFTP session on a client's connection (paramiko's
// SFTPClient). It holds a pkg/sftp client on one "sftp" subsystem channel,
// more of them (opened when first needed) for transfers split over several
// channels, and a small client of our own on one more channel for what
// pkg/sftp v1 cannot send (see rawSFTP). All methods are safe for
// concurrent use. Every call that talks to the server waits at most its
// timeout (the one rule of timeout.go) and abandons its request when that
// passes; Close, or the client's Close, ends in-flight calls with
// KindClosed.
type SFTP struct {
	client  *Client
	log     *Logger
	conn    *ssh.Client
	dead    <-chan struct{} // the connection's end
	closing chan struct{}   // closed by Close
	once    sync.Once

	raw      *rawSFTP
	main     *sftp.Client
	chans    []ssh.Channel // every channel of the session, closed by Close
	packet   int           // payload bytes per read or write request
	maxRead  uint64        // the server's limits (0: not offered)
	maxWrite uint64

	poolMu sync.Mutex     // held while a transfer channel opens
	pool   []*sftp.Client // main first, then the extra transfer channels

	mu               sync.Mutex
	transferChannels int
	maxInflight      int
}

// Defaults and limits of the tuning values (gossh_sftp_set).
const (
	defaultPacket           = 32 << 10
	defaultTransferChannels = 4
	maxTransferChannels     = 16
	defaultMaxInflight      = maxInflightBytes / defaultPacket // 80: with 32 KiB packets, a get's full bound
	maxMaxInflight          = 1024
	// splitThreshold is the size from which get and put split a file over
	// several channels.
	splitThreshold = 8 << 20
	// channelWindow is the flow-control window of one SFTP channel in
	// each direction: x/crypto's fixed 2 MiB for what the server sends,
	// OpenSSH's 2 MiB session window (64 x 32 KiB) for what we send. A
	// channel moves at most one window per round trip, whatever is asked.
	channelWindow = 2 << 20
	// maxInflightBytes bounds the bytes one channel of a get or put has in
	// flight: the window and a quarter, so that the window stays covered
	// while one of a transfer's chunks is between its reply and its next
	// request (see workersPerChannel). More buys nothing, and costs memory:
	// a get holds a buffer for every byte it has asked for.
	maxInflightBytes = channelWindow + channelWindow/4
	// maxFileWindow bounds an open file's read-ahead or pipelined writes
	// per channel (File.window), in readAheads or writesInFlight calls of
	// half of it each: a half must cover the channel window, since each is
	// one ReadAt/WriteAt that ends before the next of its slot starts.
	maxFileWindow = 2 * channelWindow
)

// OpenSFTP starts an SFTP session (paramiko's open_sftp). timeout bounds
// the whole opening (negative: the connection's ChannelTimeout, else no
// limit; 0 fails at once, since it needs the server's answer).
func (c *Client) OpenSFTP(timeout time.Duration) (*SFTP, error) {
	conn, err := c.sshClient()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	dead := c.dead
	c.mu.Unlock()
	timeout = c.channelTimeout(timeout)
	s := &SFTP{client: c, log: c.log, conn: conn, dead: dead, closing: make(chan struct{}),
		transferChannels: defaultTransferChannels, maxInflight: defaultMaxInflight}
	err = s.do(timeout, "opening the SFTP session", func(abandon <-chan struct{}) error {
		err := s.open(abandon)
		if isClosed(abandon) { // the caller gave up: close what opened late
			s.Close()
		}
		return err // on failure the caller closes, after do has its answer
	})
	if err != nil {
		s.Close()
		if KindOf(err) == KindTimeout {
			err.(*Error).Details["stage"] = "channel"
		}
		return nil, err
	}
	c.log.Debugf("channel", "sftp session open: %d-byte packets (server limits read %d, write %d)", s.packet, s.maxRead, s.maxWrite)
	return s, nil
}

// open opens the extension channel, reads the limits, then the main
// pkg/sftp channel sized by them.
func (s *SFTP) open(abandon <-chan struct{}) error {
	ch, err := s.subsystem()
	if err != nil {
		return err
	}
	raw, err := startRaw(ch)
	if err != nil {
		return s.openError(err)
	}
	s.raw = raw
	s.packet = defaultPacket
	if raw.has("limits@openssh.com") {
		_, r, w, err := raw.limits(abandon)
		if err != nil {
			return s.openError(err)
		}
		s.maxRead, s.maxWrite = r, w
		if r > 0 && w > 0 {
			s.packet = int(min(r, w, 1<<20))
		}
	}
	main, err := s.newClient()
	if err != nil {
		return err
	}
	s.main = main
	s.pool = []*sftp.Client{main}
	return nil
}

// openError classifies a failure while opening.
func (s *SFTP) openError(err error) error {
	if KindOf(err) == KindProtocol {
		return err
	}
	if e := s.closedErr(); e != nil {
		return e
	}
	if err == io.EOF || err == errRawClosed {
		return newError(KindProtocol, err, "sftp: the server closed the channel during the version exchange (does it speak SFTP v3?)")
	}
	return s.sftpError(err, "open", "", "")
}

// subsystem opens a session channel and starts the "sftp" subsystem on it.
func (s *SFTP) subsystem() (ssh.Channel, error) {
	ch, reqs, err := s.conn.OpenChannel("session", nil)
	if err != nil {
		return nil, channelOpenError(err)
	}
	go ssh.DiscardRequests(reqs)
	s.mu.Lock()
	closed := isClosed(s.closing)
	if !closed {
		s.chans = append(s.chans, ch)
	}
	s.mu.Unlock()
	if closed {
		ch.Close()
		return nil, s.closedErr()
	}
	ok, err := ch.SendRequest("subsystem", true, ssh.Marshal(struct{ Name string }{"sftp"}))
	if err != nil {
		return nil, newError(KindClosed, err, "channel closed during the sftp subsystem request")
	}
	if !ok {
		ch.Close()
		return nil, newError(KindChannel, nil, "server refused the sftp subsystem")
	}
	go func() { _, _ = io.Copy(io.Discard, ch.Stderr()) }()
	return ch, nil
}

// newClient opens one more pkg/sftp client on its own channel, sized by
// the session's packet size.
func (s *SFTP) newClient() (*sftp.Client, error) {
	ch, err := s.subsystem()
	if err != nil {
		return nil, err
	}
	size := sftp.MaxPacketChecked(s.packet)
	if s.packet > 32768 {
		size = sftp.MaxPacketUnchecked(s.packet)
	}
	cl, err := sftp.NewClientPipe(ch, ch, size, sftp.UseConcurrentWrites(true),
		sftp.MaxConcurrentRequestsPerFile(maxMaxInflight))
	if err != nil {
		ch.Close()
		return nil, s.openError(err)
	}
	return cl, nil
}

// transferClients returns n clients for a split transfer, opening the
// missing ones (within the caller's timeout, through abandon).
func (s *SFTP) transferClients(n int) ([]*sftp.Client, error) {
	s.poolMu.Lock()
	defer s.poolMu.Unlock()
	for len(s.pool) < n {
		if e := s.closedErr(); e != nil {
			return nil, e
		}
		cl, err := s.newClient()
		if err != nil {
			return nil, err
		}
		s.pool = append(s.pool, cl)
	}
	return append([]*sftp.Client(nil), s.pool[:n]...), nil
}

// Close ends the session: in-flight calls end with KindClosed, open files
// and directories fail with KindClosed from now on, the channels close.
// Safe to call twice.
func (s *SFTP) Close() error {
	s.once.Do(func() {
		s.mu.Lock()
		close(s.closing)
		chans := s.chans
		s.mu.Unlock()
		for _, ch := range chans {
			ch.Close()
		}
		s.log.Debugf("channel", "sftp session closed")
	})
	return nil
}

// closedErr is the KindClosed error of a session that is closed or whose
// connection ended, else nil.
func (s *SFTP) closedErr() *Error {
	if isClosed(s.closing) {
		return newError(KindClosed, nil, "the SFTP session is closed")
	}
	if isClosed(s.dead) || !s.client.holds(s.conn) {
		return newError(KindClosed, nil, "the connection was closed or lost")
	}
	return nil
}

// do runs f, which talks to the server, and waits for it at most timeout:
// 0 fails at once (every call needs an answer), a negative timeout waits
// without limit. On timeout, or when the session closes first, f's
// request is abandoned (abandon is closed) and its late result dropped.
func (s *SFTP) do(timeout time.Duration, what string, f func(abandon <-chan struct{}) error) error {
	if e := s.closedErr(); e != nil {
		return e
	}
	if timeout == 0 {
		return newError(KindTimeout, nil, "sftp %s: timeout 0 cannot wait for the server's answer", what).with("stage", "wait")
	}
	done := make(chan error, 1)
	abandon := make(chan struct{})
	goSafe(s.log, "an SFTP call", func() { done <- f(abandon) }, func(e *Error) { done <- e })
	deadline, stop := sftpTimer(timeout)
	defer stop()
	select {
	case err := <-done:
		return err
	case <-deadline:
		close(abandon)
		return newError(KindTimeout, nil, "sftp %s: timed out after %v", what, timeout).with("stage", "wait")
	case <-s.closing:
	case <-s.dead:
	}
	close(abandon)
	return s.closedErr()
}

// Set sets a tuning value by name: "transfer_channels" (1..16) or
// "max_inflight" (1..1024).
func (s *SFTP) Set(name, value string) error {
	n, err := strconv.Atoi(strings.TrimSpace(value))
	s.mu.Lock()
	defer s.mu.Unlock()
	switch name {
	case "transfer_channels":
		if err != nil || n < 1 || n > maxTransferChannels {
			return InvalidArgument("transfer_channels must be 1..%d", maxTransferChannels)
		}
		s.transferChannels = n
	case "max_inflight":
		if err != nil || n < 1 || n > maxMaxInflight {
			return InvalidArgument("max_inflight must be 1..%d", maxMaxInflight)
		}
		s.maxInflight = n
	default:
		return InvalidArgument("unknown sftp setting %s", ShowName(name))
	}
	return nil
}

// tuning returns the transfer channels and the requests in flight per channel.
func (s *SFTP) tuning() (channels, inflight int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.transferChannels, s.maxInflight
}

// inflightBytes is how many bytes one channel keeps in flight: max_inflight
// requests, at least one and at most bound bytes (maxInflightBytes for get
// and put, maxFileWindow for an open file).
func (s *SFTP) inflightBytes(bound int) int {
	_, n := s.tuning()
	return max(min(n*s.packet, bound), s.packet)
}

// Info returns one fact by name: "version", "extensions", "max_read",
// "max_write", "home" (asks the server; waits at most the connection's
// ChannelTimeout).
func (s *SFTP) Info(name string) (string, error) {
	switch name {
	case "version":
		return strconv.FormatUint(uint64(s.raw.version), 10), nil
	case "extensions":
		var b strings.Builder
		for _, e := range s.raw.exts {
			b.WriteString(e[0] + "=" + e[1] + "\n")
		}
		return b.String(), nil
	case "max_read", "max_write":
		return strconv.Itoa(s.packet), nil
	case "home":
		return s.Home(s.client.channelTimeout(-1))
	}
	return "", InvalidArgument("unknown sftp info name %s", ShowName(name))
}

// Home returns the user's home directory: expand-path@openssh.com "~", else
// home-directory, else realpath ".".
func (s *SFTP) Home(timeout time.Duration) (string, error) {
	var home string
	err := s.do(timeout, "home", func(abandon <-chan struct{}) error {
		var rep rawReply
		var err error
		switch {
		case s.raw.has("expand-path@openssh.com"):
			rep, err = s.raw.extended("expand-path@openssh.com", fxStr(nil, "~"), abandon)
		case s.raw.has("home-directory"):
			rep, err = s.raw.extended("home-directory", fxStr(nil, s.conn.User()), abandon)
		default:
			home, err = s.main.RealPath(".")
			return s.sftpError(err, "realpath", ".", "")
		}
		if err != nil {
			return s.sftpError(err, "home", "~", "")
		}
		home, err = nameReply(rep, "home", "~")
		return err
	})
	return home, err
}

// sftpTimer is timer's deadline as a channel that is closed when it
// passes, so that every later wait on it sees it too (a time.Timer's
// channel delivers once): a transfer waits on one deadline many times.
func sftpTimer(timeout time.Duration) (<-chan struct{}, func()) {
	if timeout < 0 {
		return nil, func() {}
	}
	c := make(chan struct{})
	if timeout == 0 {
		close(c)
		return c, func() {}
	}
	t := time.AfterFunc(timeout, func() { close(c) })
	return c, func() { t.Stop() }
}

// holds reports whether conn is still the client's connection: Close drops
// it at once, before the connection's end is noticed.
func (c *Client) holds(conn *ssh.Client) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.conn == conn
}
