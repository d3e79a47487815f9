package core

import (
	"bytes"
	"errors"
	"io"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// Stream numbers.
const (
	Stdout = 0
	Stderr = 1
)

// highWater is how much one stream buffers before its drain pauses. A pause
// never lasts while someone waits on the other stream or on the exit status,
// so reading stdout to the end before stderr (or waiting for the exit status
// before reading) cannot deadlock; it only bounds memory while the reader is
// merely slow.
const highWater = 8 << 20

// drainChunk is the size of one read from x/crypto's channel.
const drainChunk = 256 << 10

// stream is one buffered output stream of a channel.
type stream struct {
	buf  bytes.Buffer
	eof  bool
	lost bool // the end came from a lost connection or a local close, not from the server
}

// Channel is an SSH channel (a session, a direct-tcpip or a forwarded-tcpip
// channel): stdout (the channel's data) and stderr (its extended data) are
// drained concurrently into buffers, writes go straight through, and the
// exit status is collected in the background.
type Channel struct {
	client  *Client
	id      int
	Type    string // "session", "direct-tcpip" or "forwarded-tcpip"
	raw     ssh.Channel
	writeMu sync.Mutex // serialises writes

	// Origin and Dest are set on forwarded-tcpip channels: the address that
	// connected to the server's listener, and the listener's address.
	Origin, Dest string

	mu         sync.Mutex
	changed    chan struct{} // closed and replaced on every state change
	streams    [2]stream
	waiting    [3]int // goroutines blocked on stdout, stderr, exit status
	combine    bool   // stderr goes into stdout
	exited     bool   // an exit status arrived, or the channel closed without one
	exitStatus int
	exitSignal string
	gotStatus  bool   // exit-status or exit-signal arrived
	exitErr    *Error // the connection was lost before an exit status
	remoteEOF  bool   // the server closed the channel
	closeErr   *Error // set once closed locally or by the client
	eofSent    bool
	ready      *readyPipe // fileno(), made on demand
}

// newChannel wraps an open channel and starts its drains and request handler.
func newChannel(c *Client, raw ssh.Channel, reqs <-chan *ssh.Request, typ string) (*Channel, error) {
	ch := &Channel{client: c, raw: raw, Type: typ, changed: make(chan struct{}), exitStatus: -1}
	if !c.track(ch) {
		raw.Close()
		return nil, newError(KindClosed, nil, "client closed")
	}
	c.log.Debugf("channel", "opened %s channel %d", typ, ch.id)
	log := c.log
	goSafe(log, "the stdout drain", func() { ch.drain(Stdout, raw) }, ch.closeWith)
	goSafe(log, "the stderr drain", func() { ch.drain(Stderr, raw.Stderr()) }, ch.closeWith)
	goSafe(log, "the channel request handler", func() { ch.handleRequests(reqs) }, ch.closeWith)
	return ch, nil
}

// ID is the channel's number, unique within its client (paramiko's get_id).
func (ch *Channel) ID() int { return ch.id }

// channelOpenError classifies a failure to open a channel.
func channelOpenError(err error) error {
	var oce *ssh.OpenChannelError
	if errors.As(err, &oce) {
		return newError(KindChannel, err, "channel open refused: %s (%d)", oce.Message, oce.Reason)
	}
	return newError(KindClosed, err, "cannot open channel: %v", err)
}

// broadcast wakes every waiter and updates fileno's readiness. Caller holds mu.
func (ch *Channel) broadcast() {
	close(ch.changed)
	ch.changed = make(chan struct{})
	if ch.ready != nil {
		ch.ready.set(ch.streams[Stdout].buf.Len() > 0 || ch.ended(Stdout) || ch.closeErr != nil)
	}
}

// drain copies one x/crypto stream into its buffer until EOF.
func (ch *Channel) drain(i int, r io.Reader) {
	tmp := make([]byte, drainChunk)
	for {
		ch.mu.Lock()
		for ch.streams[i].buf.Len() >= highWater && ch.closeErr == nil &&
			ch.waiting[1-i] == 0 && ch.waiting[2] == 0 {
			wait := ch.changed
			ch.mu.Unlock()
			<-wait
			ch.mu.Lock()
		}
		ch.mu.Unlock()
		n, err := r.Read(tmp)
		ch.mu.Lock()
		if n > 0 {
			if ch.combine {
				ch.streams[Stdout].buf.Write(tmp[:n])
			} else {
				ch.streams[i].buf.Write(tmp[:n])
			}
		}
		if err != nil {
			ch.streams[i].eof = true
			ch.streams[i].lost = ch.closeErr != nil || ch.client.connLost()
		}
		ch.broadcast()
		ch.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// handleRequests records exit-status and exit-signal, refuses anything else
// that wants a reply, and marks the end when the server closes the channel.
func (ch *Channel) handleRequests(reqs <-chan *ssh.Request) {
	for req := range reqs {
		switch req.Type {
		case "exit-status":
			var msg struct{ Status uint32 }
			if ssh.Unmarshal(req.Payload, &msg) == nil {
				ch.mu.Lock()
				ch.exitStatus, ch.exited, ch.gotStatus = int(msg.Status), true, true
				ch.broadcast()
				ch.mu.Unlock()
			}
		case "exit-signal":
			var msg struct {
				Signal     string
				CoreDumped bool
				Error      string
				Lang       string
			}
			if ssh.Unmarshal(req.Payload, &msg) == nil {
				ch.mu.Lock()
				ch.exitStatus, ch.exitSignal, ch.exited, ch.gotStatus = -1, msg.Signal, true, true
				ch.broadcast()
				ch.mu.Unlock()
			}
		}
		if req.WantReply {
			_ = req.Reply(false, nil)
		}
	}
	lost := ch.client.connLost()
	ch.mu.Lock()
	ch.remoteEOF, ch.exited = !lost, true
	if lost && !ch.gotStatus && ch.Type == "session" {
		ch.exitErr = newError(KindClosed, nil, "connection lost before the command's exit status arrived")
	}
	ch.broadcast()
	ch.mu.Unlock()
}

// waitFor blocks (mu held on entry and exit) until the state changes, the
// deadline passes or the wait is cancelled; it reports whether the deadline passed.
func (ch *Channel) waitFor(slot int, deadline <-chan time.Time) bool {
	ch.waiting[slot]++
	ch.broadcast() // a paused drain may go on now
	wait := ch.changed
	ch.mu.Unlock()
	timedOut := false
	select {
	case <-wait:
	case <-deadline:
		timedOut = true
	}
	ch.mu.Lock()
	ch.waiting[slot]--
	return timedOut
}

// timer returns a deadline channel for timeout (<0: never; 0: already passed).
func timer(timeout time.Duration) (<-chan time.Time, func()) {
	if timeout < 0 {
		return nil, func() {}
	}
	t := time.NewTimer(timeout)
	return t.C, func() { t.Stop() }
}

// limit is timer for the calls where a timeout of 0 means no limit.
func limit(timeout time.Duration) (<-chan time.Time, func()) {
	if timeout <= 0 {
		return nil, func() {}
	}
	return timer(timeout)
}

// Read reads up to len(p) bytes of stream i. It returns (0, nil) at the end
// of the stream. It waits at most timeout (<0: no limit; 0: no wait) and
// then returns a KindTimeout error.
func (ch *Channel) Read(i int, p []byte, timeout time.Duration) (int, error) {
	if i != Stdout && i != Stderr {
		return 0, InvalidArgument("stream must be 0 (stdout) or 1 (stderr), not %d", i)
	}
	_, n, err := ch.read([]int{i}, p, timeout)
	return n, err
}

// ReadAny reads from whichever stream has data, stdout first. It returns the
// stream read, or -1 with n = 0 when both streams have ended.
func (ch *Channel) ReadAny(p []byte, timeout time.Duration) (int, int, error) {
	return ch.read([]int{Stdout, Stderr}, p, timeout)
}

// read serves Read and ReadAny.
func (ch *Channel) read(which []int, p []byte, timeout time.Duration) (int, int, error) {
	deadline, stop := timer(timeout)
	defer stop()
	ch.mu.Lock()
	defer ch.mu.Unlock()
	for {
		ended := 0
		for _, i := range which {
			s := &ch.streams[i]
			if s.buf.Len() > 0 {
				n, _ := s.buf.Read(p)
				ch.broadcast() // room for a paused drain
				return i, n, nil
			}
			if ch.ended(i) {
				ended++
			}
		}
		if ended == len(which) {
			if err := ch.cutOff(which); err != nil {
				return -1, 0, err
			}
			if len(which) == 1 {
				return which[0], 0, nil
			}
			return -1, 0, nil
		}
		if ch.closeErr != nil {
			return -1, 0, ch.closeErr
		}
		slot := which[0]
		if len(which) > 1 {
			slot = 2 // ReadAny waits on both: count it as an exit waiter so neither drain pauses
		}
		if timeout == 0 || ch.waitFor(slot, deadline) {
			return -1, 0, newError(KindTimeout, nil, "timed out waiting for data").with("stage", "read")
		}
	}
}

// ended reports whether stream i has ended. With combined stderr, stdout
// ends only when both drains have, so stderr's last data is not lost. Caller
// holds mu.
func (ch *Channel) ended(i int) bool {
	if i == Stdout && ch.combine {
		return ch.streams[Stdout].eof && ch.streams[Stderr].eof
	}
	return ch.streams[i].eof
}

// cutOff returns the error for ended streams that did not end cleanly: the
// connection was lost or the channel closed locally, and no exit status
// says the command finished. Caller holds mu.
func (ch *Channel) cutOff(which []int) *Error {
	if ch.gotStatus {
		return nil
	}
	for _, i := range which {
		if ch.streams[i].lost || (i == Stdout && ch.combine && ch.streams[Stderr].lost) {
			if ch.closeErr != nil {
				return ch.closeErr
			}
			return newError(KindClosed, nil, "connection lost before the stream ended")
		}
	}
	return nil
}

// Channel states, as a bit mask (State).
const (
	StateStdoutEOF    = 1  // a read of stdout returns the end at once
	StateStderrEOF    = 2  // a read of stderr returns the end at once
	StateRemoteClosed = 4  // the server closed the channel
	StateExitReady    = 8  // the exit status is known (or will never come)
	StateClosed       = 16 // closed locally, or the connection is gone
)

// State returns the channel's state as a mask of State* bits.
func (ch *Channel) State() int {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	st := 0
	if ch.ended(Stdout) && ch.streams[Stdout].buf.Len() == 0 {
		st |= StateStdoutEOF
	}
	if ch.ended(Stderr) && ch.streams[Stderr].buf.Len() == 0 {
		st |= StateStderrEOF
	}
	if ch.remoteEOF {
		st |= StateRemoteClosed
	}
	if ch.exited {
		st |= StateExitReady
	}
	if ch.closeErr != nil || ch.client.connLost() {
		st |= StateClosed
	}
	return st
}

// ReadReady returns the bytes buffered for stream i, or 1 if it has ended
// with nothing left (so that a read would not wait).
func (ch *Channel) ReadReady(i int) (int, error) {
	if i != Stdout && i != Stderr {
		return 0, InvalidArgument("stream must be 0 (stdout) or 1 (stderr), not %d", i)
	}
	ch.mu.Lock()
	defer ch.mu.Unlock()
	s := &ch.streams[i]
	if n := s.buf.Len(); n > 0 {
		return n, nil
	}
	if ch.ended(i) || ch.closeErr != nil {
		return 1, nil
	}
	return 0, nil
}

// Write writes all of p to the command's stdin, waiting at most timeout
// (<0: no limit) for window space. On timeout, or when the channel is closed
// meanwhile (KindClosed), the rest of p may still be sent later, in order,
// before any later write.
func (ch *Channel) Write(p []byte, timeout time.Duration) error {
	ch.mu.Lock()
	if ch.closeErr != nil {
		ch.mu.Unlock()
		return ch.closeErr
	}
	if ch.eofSent {
		ch.mu.Unlock()
		return newError(KindClosed, nil, "stdin already closed (EOF sent)")
	}
	ch.mu.Unlock()
	done := make(chan error, 1)
	goSafe(ch.client.log, "a channel write", func() {
		ch.writeMu.Lock()
		defer ch.writeMu.Unlock()
		_, err := ch.raw.Write(p)
		done <- err
	}, func(e *Error) { done <- e })
	deadline, stop := timer(timeout)
	defer stop()
	err, timedOut := ch.await(done, deadline)
	switch {
	case timedOut:
		return newError(KindTimeout, nil, "timed out writing to channel").with("stage", "write")
	case err == nil:
		return nil
	case KindOf(err) == KindClosed:
		return err
	}
	return newError(KindClosed, err, "cannot write to channel: %v", err)
}

// await waits for the result of a call that x/crypto may block in (a write
// waiting for window, a request waiting for its reply), for the deadline, or
// for the channel to close, whichever comes first: closing a channel must
// end such a wait even while x/crypto still holds the call. A close gives
// the close error.
func (ch *Channel) await(done <-chan error, deadline <-chan time.Time) (err error, timedOut bool) {
	for {
		ch.mu.Lock()
		closeErr, changed := ch.closeErr, ch.changed
		ch.mu.Unlock()
		if closeErr != nil {
			return closeErr, false
		}
		select {
		case err := <-done:
			if err != nil {
				ch.mu.Lock()
				closeErr = ch.closeErr
				ch.mu.Unlock()
				if closeErr != nil {
					return closeErr, false
				}
			}
			return err, false
		case <-deadline:
			return nil, true
		case <-changed:
		}
	}
}

// SendEOF closes the command's stdin. Repeats are no-ops.
func (ch *Channel) SendEOF() error {
	ch.mu.Lock()
	if ch.eofSent || ch.closeErr != nil {
		ch.mu.Unlock()
		return nil
	}
	ch.eofSent = true
	ch.mu.Unlock()
	ch.writeMu.Lock()
	defer ch.writeMu.Unlock()
	_ = ch.raw.CloseWrite()
	return nil
}

// ExitStatus waits at most timeout (<0: no limit) for the command to end and
// returns its exit status: -1 if the server sent none (killed by a signal, or
// the channel or connection closed first), as paramiko.
func (ch *Channel) ExitStatus(timeout time.Duration) (int, error) {
	deadline, stop := timer(timeout)
	defer stop()
	ch.mu.Lock()
	defer ch.mu.Unlock()
	for {
		if ch.exited {
			if ch.exitErr != nil {
				return -1, ch.exitErr
			}
			return ch.exitStatus, nil
		}
		if ch.closeErr != nil {
			return -1, ch.closeErr
		}
		if timeout == 0 || ch.waitFor(2, deadline) {
			return -1, newError(KindTimeout, nil, "timed out waiting for the exit status").with("stage", "wait")
		}
	}
}

// ExitStatusReady reports whether the exit status has arrived.
func (ch *Channel) ExitStatusReady() bool {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	return ch.exited
}

// Close closes the channel; blocked calls return KindClosed after the data
// already received. Safe to call twice and from any goroutine.
func (ch *Channel) Close() error {
	ch.closeWith(newError(KindClosed, nil, "channel closed"))
	return nil
}

// closeWith closes the channel, making err the error of later calls.
func (ch *Channel) closeWith(err *Error) {
	ch.mu.Lock()
	if ch.closeErr != nil {
		ch.mu.Unlock()
		return
	}
	ch.closeErr = err
	ch.broadcast()
	ch.mu.Unlock()
	ch.client.untrack(ch)
	_ = ch.raw.Close()
}

// Release closes the channel and frees its fileno descriptor. Close alone
// leaves that descriptor open and readable, so that a selector still
// watching it sees the end rather than a closed or reused descriptor.
func (ch *Channel) Release() {
	ch.Close()
	ch.mu.Lock()
	if ch.ready != nil {
		ch.ready.close()
		ch.ready = nil
	}
	ch.mu.Unlock()
}
