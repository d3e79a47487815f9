package core

import (
	"sync"
	"sync/atomic"

	"golang.org/x/crypto/ssh"
)

// liveness tells, for one connection, whether a channel's end of stream was
// real. x/crypto ends a channel's streams with the same plain io.EOF when the
// server sends EOF or CLOSE and when the connection dies (a read error, a
// failed MAC check that no conn wrapper can see, a protocol error): it then
// drops every channel at once. So an EOF alone cannot tell a complete stream
// from a cut one, and neither can the state of the conn, which x/crypto reads
// ahead of the packets it has handled.
//
// What can: the patched x/crypto records the server's EOF and CLOSE for a
// channel (PeerEnded, PeerClosed; see peerEnded in channel.go), handled in
// order after all the data before them, which settles most ends at once.
// For the rest (an end without them, or an x/crypto without the patch):
// x/crypto handles a connection's packets in order and handles none once
// the connection has died, so a global request sent after a stream's EOF was
// seen, and answered, proves that the connection outlived the EOF, so the
// EOF came from the server. If the connection dies first, the end is
// reported as a loss: gossh errs on the side of an error, never a silent
// short stream (see confirm).
type liveness struct {
	conn *ssh.Client
	pc   *phaseConn

	mu      sync.Mutex
	next    *probeRound // the waiters for the next probe not sent yet
	running bool        // a goroutine is sending probes

	sent atomic.Int64 // probes sent (for tests)
}

// probeRound is one probe and the waiters it answers.
type probeRound struct {
	done  chan struct{}
	alive bool
}

// probeRequest is the global request used as a probe. OpenSSH answers it
// (with a failure, as to any request it does not know); every server must
// answer a request that wants a reply (RFC 4254 section 4).
const probeRequest = "keepalive@openssh.com"

// confirm reports whether the connection is still alive after the call
// began: true only if a probe sent after that moment was answered. It blocks
// until the answer arrives or the connection ends (a lost connection fails
// every pending probe; keepalive and Close end a stalled one). Concurrent
// callers share probes: at most one is in flight, and each caller waits for
// the first one sent after it arrived.
func (l *liveness) confirm() bool {
	if l.pc.lost.Load() {
		return false
	}
	l.mu.Lock()
	if l.next == nil {
		l.next = &probeRound{done: make(chan struct{})}
	}
	r := l.next
	if !l.running {
		l.running = true
		go l.probe()
	}
	l.mu.Unlock()
	<-r.done
	return r.alive
}

// probe sends one probe per round until no caller waits.
func (l *liveness) probe() {
	for {
		l.mu.Lock()
		r := l.next
		l.next = nil
		if r == nil {
			l.running = false
			l.mu.Unlock()
			return
		}
		l.mu.Unlock()
		r.alive = l.send()
		close(r.done)
	}
}

// send sends one probe and reports whether it was answered. A panic (a bug)
// counts as no answer, so that waiters are never left hanging.
func (l *liveness) send() (alive bool) {
	defer func() {
		if recover() != nil {
			alive = false
		}
	}()
	l.sent.Add(1)
	_, _, err := l.conn.SendRequest(probeRequest, true, nil)
	return err == nil
}
