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
	buf bytes.Buffer
	eof bool
}

// Channel is a session channel running a command: stdout and stderr are
// drained concurrently into buffers, stdin is written through, and the exit
// status is collected in the background.
type Channel struct {
	client  *Client
	session *ssh.Session
	stdin   io.WriteCloser
	writeMu sync.Mutex // serialises writes

	mu         sync.Mutex
	changed    chan struct{} // closed and replaced on every state change
	streams    [2]stream
	waiting    [3]int // goroutines blocked on stdout, stderr, exit status
	exited     bool
	exitStatus int
	exitErr    error  // set if the connection was lost before an exit status
	closeErr   *Error // set once closed
	eofSent    bool
}

// startExec opens a session and starts command; called by Client.Exec.
func startExec(c *Client, conn *ssh.Client, command string) (*Channel, error) {
	session, err := conn.NewSession()
	if err != nil {
		return nil, channelOpenError(err)
	}
	ch := &Channel{client: c, session: session, changed: make(chan struct{})}
	stdout, err1 := session.StdoutPipe()
	stderr, err2 := session.StderrPipe()
	stdin, err3 := session.StdinPipe()
	if err := errors.Join(err1, err2, err3); err != nil {
		session.Close()
		return nil, newError(KindInternal, err, "cannot set up session pipes: %v", err)
	}
	ch.stdin = stdin
	if err := session.Start(command); err != nil {
		session.Close()
		return nil, newError(KindChannel, err, "server refused to run the command: %v", err)
	}
	if !c.track(ch) {
		session.Close()
		return nil, newError(KindClosed, nil, "client closed")
	}
	c.log.Debugf("channel", "exec %q", command)
	go ch.drain(Stdout, stdout)
	go ch.drain(Stderr, stderr)
	go ch.waitExit()
	return ch, nil
}

// channelOpenError classifies a failure to open a channel.
func channelOpenError(err error) error {
	var oce *ssh.OpenChannelError
	if errors.As(err, &oce) {
		return newError(KindChannel, err, "channel open refused: %s (%d)", oce.Message, oce.Reason)
	}
	return newError(KindClosed, err, "cannot open channel: %v", err)
}

// broadcast wakes every waiter. Caller holds mu.
func (ch *Channel) broadcast() {
	close(ch.changed)
	ch.changed = make(chan struct{})
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
			ch.streams[i].buf.Write(tmp[:n])
		}
		if err != nil {
			ch.streams[i].eof = true
		}
		ch.broadcast()
		ch.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// waitExit records the exit status when the command ends.
func (ch *Channel) waitExit() {
	err := ch.session.Wait()
	status := 0
	var exitErr *ssh.ExitError
	var missing *ssh.ExitMissingError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		status = exitErr.ExitStatus()
		if exitErr.Signal() != "" {
			status = -1
		}
		err = nil
	case errors.As(err, &missing):
		status, err = -1, nil
	default:
		status = -1
	}
	ch.mu.Lock()
	ch.exited, ch.exitStatus = true, status
	if err != nil {
		ch.exitErr = newError(KindClosed, err, "connection lost before the command's exit status arrived")
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
			if s.eof {
				ended++
			}
		}
		if ended == len(which) {
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
	if s.eof || ch.closeErr != nil {
		return 1, nil
	}
	return 0, nil
}

// Write writes all of p to the command's stdin, waiting at most timeout
// (<0: no limit) for window space. On timeout the rest of p may still be sent
// later, in order, before any later write.
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
	go func() {
		ch.writeMu.Lock()
		defer ch.writeMu.Unlock()
		_, err := ch.stdin.Write(p)
		done <- err
	}()
	deadline, stop := timer(timeout)
	defer stop()
	select {
	case err := <-done:
		if err != nil {
			ch.mu.Lock()
			defer ch.mu.Unlock()
			if ch.closeErr != nil {
				return ch.closeErr
			}
			return newError(KindClosed, err, "cannot write to channel: %v", err)
		}
		return nil
	case <-deadline:
		return newError(KindTimeout, nil, "timed out writing to channel").with("stage", "write")
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
	_ = ch.stdin.Close()
	return nil
}

// ExitStatus waits at most timeout (<0: no limit) for the command to end and
// returns its exit status (-1 if the server sent none).
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
	_ = ch.session.Close()
}
