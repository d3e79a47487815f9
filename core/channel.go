package core

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"sync"
	"time"
	"unsafe"

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

// stream is one buffered output stream of a channel.
type stream struct {
	buf  streamBuf
	eof  bool
	lost bool // the end came from a lost connection or a local close, not from the server
}

// Channel is an SSH channel (a session, a direct-tcpip or a forwarded-tcpip
// channel): stdout (the channel's data) and stderr (its extended data) are
// drained concurrently into buffers, writes go straight through, and the
// exit status is collected in the background.
type Channel struct {
	client *Client
	id     int
	Type   string // "session", "direct-tcpip" or "forwarded-tcpip"
	raw    ssh.Channel
	live   *liveness // the connection's prober: confirms that an EOF was real

	// Writes: one Write or SendEOF at a time (writeMu), each handing
	// x/crypto one chunk at a time; inflight is the result of the chunk
	// handed over last, nil once collected.
	writeMu  sync.Mutex
	inflight *chunkWrite

	// Origin and Dest are set on forwarded-tcpip channels: the address that
	// connected to the server's listener, and the forwarding as it was
	// requested (the address as given, "" included, and the port bound).
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
	watchToken uint64     // nonzero: a binding watches the channel (Watch, events.go)
	armed      uint8      // ev* bits the watching binding waits for; 0 once a record is posted
	batched    uint8      // ev* bits of data whose record waits for batchTimer (events.go)
	batchTimer *time.Timer

	// Blocking calls wait in the kernel holding their thread (sleepers)
	// when threadWaits is set, else on the Go scheduler (changed); waits
	// counts the waits, for tests; paused counts the drains paused at
	// highWater.
	paused      int
	threadWaits bool
	sleepers    []*sleeper
	waits       int
	// holdKicks: wake marks the sleepers and leaves their kicks (the
	// futex wake system call) in kicks for the caller to make once it has
	// released mu: a thread woken while its waker still holds mu would
	// find mu taken and park on it (with two Ps or more they run at once).
	holdKicks  bool
	kicks      []*sleeper
	ringKicks  [2]*ring             // rings whose C readers wait for the held kick
	ringRetire func(unsafe.Pointer) // see ShareRing
	released   bool                 // Release ran: no more rings are shared
	ringDefer  bool                 // publishRings may hold a kick for data (broadcastData)
	ringHeld   uint8                // bit i: ring i's kick is held, ringTimer makes it
	ringTimer  *time.Timer          // see holdRingKick
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
	goSafe(log, "the stderr drain", func() { ch.drain(Stderr, raw) }, ch.closeWith)
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

// broadcastData is broadcast for new data on the streams of ev, the last
// arrival of which was last bytes long (one SSH packet's payload): waiters
// and fileno see it at once, a watching binding's record may wait for more
// (notifyData). Caller holds mu.
func (ch *Channel) broadcastData(ev uint8, buffered, last int) {
	// A ring's C readers wait for more while a bulk run flows (see
	// ringBatch); everyone else is woken at once.
	ch.ringDefer = last >= bulkRun && buffered < ringBatch
	ch.wake()
	ch.ringDefer = false
	ch.setReady()
	ch.notifyData(ev, buffered, last)
}

// broadcast publishes a state change: every change of a channel's state
// goes through here, under mu. ev says what changed for a watching binding
// (ev* bits of events.go; 0 for a change only the library's own waiters
// care about, such as room for a paused drain). It wakes every waiter,
// updates fileno's readiness (level-triggered, per channel) and posts a
// readiness record if the binding is armed for ev (edge-triggered, one
// pipe per process).
func (ch *Channel) broadcast(ev uint8) {
	ch.wake()
	ch.setReady()
	ch.notify(ev)
}

// setReady updates fileno's readiness (level-triggered: stdout has data,
// has ended, or the channel is closed). Caller holds mu.
func (ch *Channel) setReady() {
	if ch.ready != nil {
		ch.ready.set(ch.streams[Stdout].buf.Len() > 0 || ch.ended(Stdout) || ch.closeErr != nil)
	}
}

// wake wakes every goroutine and thread waiting on the channel's state,
// C readers waiting on a read ring included. Caller holds mu.
func (ch *Channel) wake() {
	close(ch.changed)
	ch.changed = make(chan struct{})
	ch.publishRings()
	for _, s := range ch.sleepers {
		if ch.holdKicks {
			s.mark()
			ch.kicks = append(ch.kicks, s)
		} else {
			s.wakeUp()
		}
	}
	clear(ch.sleepers)
	ch.sleepers = ch.sleepers[:0]
}

// publishRings tells C readers of the read rings (ring_linux.go) the
// channel's new state: when they must call in, and (bumping the futex)
// that it changed. Caller holds mu.
func (ch *Channel) publishRings() {
	for i := range ch.streams {
		r := ch.streams[i].buf.ring
		if r == nil {
			continue
		}
		var slow uint32
		if ch.ready != nil {
			slow |= ringSlowAlways // a read updates fileno's readiness
		}
		if ch.streams[i].buf.n > 0 || ch.ended(i) || ch.closeErr != nil || ch.paused > 0 {
			// Segments follow the ring, the end or an error is the
			// library's to report, and a paused drain must learn that
			// someone waits (waitFor).
			slow |= ringSlowEmpty
		}
		changed := r.slowBits() != slow
		waiting := r.publish(slow)
		if waiting && ch.ringDefer && !changed {
			ch.holdRingKick(i)
			continue
		}
		// Not held (anymore): this publish is the one a held kick was for.
		if ch.ringHeld&(1<<i) != 0 {
			if ch.ringHeld &^= 1 << i; ch.ringHeld == 0 {
				ch.ringTimer.Stop()
			}
		}
		if !waiting {
			continue
		}
		if ch.holdKicks {
			ch.ringKicks[i] = r
		} else {
			r.kick()
		}
	}
}

// ringBatch is how much a bulk run (SSH packets of bulkRun bytes or more)
// puts in a ring before its waiting C reader is woken; ringDelay bounds
// the wait for it. One wake per arrival cost the reader two context
// switches per arrival, a fifth of a C client's CPU.
const (
	ringBatch = 128 << 10
	ringDelay = 500 * time.Microsecond
)

// holdRingKick leaves a ring's waiting readers asleep for now: the timer
// wakes them within ringDelay unless more data does first (bit i of
// ringHeld: ring i's kick is held). Caller holds mu.
func (ch *Channel) holdRingKick(i int) {
	held := ch.ringHeld
	ch.ringHeld |= 1 << i
	if held != 0 {
		return // the timer runs
	}
	if ch.ringTimer == nil {
		ch.ringTimer = time.AfterFunc(ringDelay, ch.flushRings)
	} else {
		ch.ringTimer.Reset(ringDelay)
	}
}

// flushRings wakes the C readers that holdRingKick left waiting.
func (ch *Channel) flushRings() {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if ch.ringHeld != 0 {
		ch.publishRings() // not deferred: clears ringHeld, kicks every ring with waiters
	}
}

// ShareRing gives a reader outside Go (capi/fastread.c) stream i's read
// ring: share is called with its address, under the channel's lock, when
// the ring is made, once the stream has carried ringBulk bytes (nil: the
// caller only asks). retire is called by Release before the ring is
// unmapped, and must return only when no outside reader uses it. A channel
// released, a bad stream number or a kernel that refuses the memory makes
// no ring.
func (ch *Channel) ShareRing(i int, share, retire func(unsafe.Pointer)) {
	if i != Stdout && i != Stderr {
		return
	}
	ch.mu.Lock()
	defer ch.mu.Unlock()
	q := &ch.streams[i].buf
	if q.ring != nil || ch.released || q.carried < ringBulk {
		return
	}
	if q.ring = newRing(); q.ring == nil {
		return
	}
	ch.ringRetire = retire
	ch.publishRings()
	share(q.ring.ptr())
}

// SetThreadWaits chooses how the channel's blocking calls (Read, ReadAny,
// ExitStatus) wait: on the Go scheduler (false, the default: a goroutine
// waits for free), or in the kernel holding the caller's OS thread (true).
// The C API sets it for its callers, whose threads are theirs and wait
// anyway: waking such a thread through the Go scheduler hands a P to it
// and puts another thread to sleep, two context switches per wake where a
// futex takes one; on a bulk stream read in small pieces that was a third
// of the client's CPU.
func (ch *Channel) SetThreadWaits(on bool) {
	ch.mu.Lock()
	ch.threadWaits = on
	ch.mu.Unlock()
}

// slotEv is the interest, for a watching binding, of each waiting slot:
// stdout, stderr and the exit status.
var slotEv = [3]uint8{evStdout, evStderr, evExit}

// wanted reports whether someone waits on a slot (0 stdout, 1 stderr, 2 the
// exit status): a call blocked in it, or a watching binding armed for it.
// Caller holds mu.
func (ch *Channel) wanted(slot int) bool {
	return ch.waiting[slot] > 0 || ch.armed&slotEv[slot] != 0
}

// drain moves stream i of raw into its buffer until EOF: run by run as
// x/crypto hands them over where it can (segmentReader, the patched copy in
// third_party), else copied into chunks.
func (ch *Channel) drain(i int, raw ssh.Channel) {
	var r io.Reader = raw
	if i == Stderr {
		r = raw.Stderr()
	}
	sr, _ := raw.(segmentReader)
	var d drainBuf
	var runs [][]byte
	var kicks []*sleeper
	defer func() {
		ch.mu.Lock()
		d.done()
		ch.mu.Unlock()
	}()
	for {
		ch.mu.Lock()
		for ch.streams[i].buf.Len() >= highWater && ch.closeErr == nil &&
			!ch.wanted(1-i) && !ch.wanted(2) {
			wait := ch.changed
			ch.paused++
			ch.publishRings() // C readers must come and say they wait
			ch.mu.Unlock()
			<-wait
			ch.mu.Lock()
			ch.paused--
		}
		var room []byte
		if sr == nil {
			room = d.room()
		}
		ch.mu.Unlock()
		var n int
		var err error
		if sr != nil {
			runs, err = sr.ReadSegments(uint32(i), runs[:0])
		} else {
			n, err = r.Read(room)
		}
		ch.mu.Lock()
		ev := uint8(evStdout)
		if i == Stderr && !ch.combine {
			ev = evStderr
		}
		q := &ch.streams[i].buf
		if ch.combine {
			q = &ch.streams[Stdout].buf
		}
		last := n
		for k, b := range runs {
			last = len(b)
			q.pushRun(sr, b)
			runs[k] = nil
		}
		if n > 0 {
			d.take(q, n)
		}
		if err != nil {
			// Only a plain EOF can be a real end: one the server sent
			// (the patched x/crypto tells, see peerEnded), or one the
			// connection outlived (see liveness). Until that is known
			// the stream has not ended: readers wait.
			lost := err != io.EOF || ch.closeErr != nil
			if !lost && !peerEnded(raw) {
				ch.broadcast(ev) // the data read with the EOF
				ch.mu.Unlock()
				lost = !ch.live.confirm()
				ch.mu.Lock()
			}
			ch.streams[i].eof = true
			ch.streams[i].lost = lost || ch.closeErr != nil
			if ch.streams[i].lost {
				ch.client.log.Debugf("channel", "channel %d: %s cut off: the connection was lost or the channel closed before its end", ch.id, streamName(i))
			}
			ev = evStdout | evStderr // with combined stderr, stdout ends with both
			ch.broadcast(ev)
			ch.mu.Unlock()
			return
		}
		ch.holdKicks = true
		ch.broadcastData(ev, q.Len(), last)
		ch.holdKicks = false
		kicks, ch.kicks = ch.kicks, kicks[:0] // each array has one holder at a time
		ringKicks := ch.ringKicks
		ch.ringKicks = [2]*ring{}
		ch.mu.Unlock()
		for k, s := range kicks {
			s.kick()
			kicks[k] = nil
		}
		// A ring released meanwhile is unmapped only after its C readers
		// left (retire), and a futex wake of an unmapped address is an
		// error the kernel returns, not a fault.
		for _, r := range ringKicks {
			if r != nil {
				r.kick()
			}
		}
	}
}

// peerEnded reports whether the server ended raw (sent its EOF or CLOSE):
// then an io.EOF of its streams is the server's, with all the data before
// it, and needs no liveness probe. Only the patched x/crypto can tell
// (third_party/golang.org/x/crypto/README.gossh.md); with another, false.
func peerEnded(raw ssh.Channel) bool {
	pe, ok := raw.(interface{ PeerEnded() bool })
	return ok && pe.PeerEnded()
}

// peerClosed reports whether the server closed raw (sent its CLOSE): then
// the end of its requests is the server's, after any exit status it sent.
// Only the patched x/crypto can tell; with another, false.
func peerClosed(raw ssh.Channel) bool {
	pc, ok := raw.(interface{ PeerClosed() bool })
	return ok && pc.PeerClosed()
}

// streamName names stream i for messages.
func streamName(i int) string {
	if i == Stderr {
		return "stderr"
	}
	return "stdout"
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
				ch.broadcast(evExit)
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
				ch.broadcast(evExit)
				ch.mu.Unlock()
			}
		}
		if req.WantReply {
			_ = req.Reply(false, nil)
		}
	}
	// The channel ended: the server closed it, or the connection died.
	// Without an exit status that matters for a session, so find out which.
	ch.mu.Lock()
	needStatus := !ch.gotStatus && ch.Type == "session"
	ch.mu.Unlock()
	// A CLOSE the server sent came after any exit status it sent: nothing
	// was lost, whatever happened to the connection since.
	lost := false
	if !peerClosed(ch.raw) {
		lost = ch.live.pc.lost.Load()
		if !lost && needStatus {
			lost = !ch.live.confirm()
		}
	}
	ch.mu.Lock()
	ch.remoteEOF, ch.exited = !lost, true
	if lost && needStatus {
		ch.exitErr = newError(KindClosed, nil, "connection lost before the command's exit status arrived")
	}
	ch.broadcast(evAll)
	ch.mu.Unlock()
}

// waitFor blocks (mu held on entry and exit) until the state changes, the
// deadline passes or the wait is cancelled; it reports whether the deadline passed.
func (ch *Channel) waitFor(slot int, lim *limit) bool {
	ch.waits++
	ch.waiting[slot]++
	if ch.paused > 0 {
		// A paused drain may go on now. Only then: waking every waiter
		// would wake the other waiters, which would wake this one, a
		// busy loop while nothing happens.
		ch.wake()
	}
	timedOut := false
	if ch.threadWaits {
		s := newSleeper()
		ch.sleepers = append(ch.sleepers, s)
		ch.mu.Unlock()
		timedOut = s.sleep(lim.end)
		ch.mu.Lock()
		if timedOut { // still listed: nothing woke it
			ch.sleepers = slices.DeleteFunc(ch.sleepers, func(o *sleeper) bool { return o == s })
		}
	} else {
		wait := ch.changed
		deadline := lim.deadline()
		ch.mu.Unlock()
		select {
		case <-wait:
		case <-deadline:
			timedOut = true
		}
		ch.mu.Lock()
	}
	ch.waiting[slot]--
	return timedOut
}

// errNoRoom refuses a read into an empty buffer: it could only return 0
// bytes, which means the end of the stream.
func errNoRoom() error { return InvalidArgument("a read needs room for at least one byte") }

// Read reads up to len(p) bytes of stream i. It returns (0, nil) at the end
// of the stream, and only there: a stream cut off by a lost connection or a
// local close is KindClosed. It waits at most timeout (<0: no limit; 0: no wait) and
// then returns a KindTimeout error.
func (ch *Channel) Read(i int, p []byte, timeout time.Duration) (int, error) {
	if i != Stdout && i != Stderr {
		return 0, InvalidArgument("stream must be 0 (stdout) or 1 (stderr), not %d", i)
	}
	if len(p) == 0 {
		return 0, errNoRoom()
	}
	_, n, err := ch.read([]int{i}, p, timeout)
	return n, err
}

// ReadAny reads from whichever stream has data, stdout first. It returns the
// stream read, or -1 with n = 0 when both streams have ended.
func (ch *Channel) ReadAny(p []byte, timeout time.Duration) (int, int, error) {
	if len(p) == 0 {
		return -1, 0, errNoRoom()
	}
	return ch.read([]int{Stdout, Stderr}, p, timeout)
}

// read serves Read and ReadAny.
func (ch *Channel) read(which []int, p []byte, timeout time.Duration) (int, int, error) {
	lim := newLimit(timeout)
	defer lim.stop()
	ch.mu.Lock()
	defer ch.mu.Unlock()
	for {
		ended := 0
		for _, i := range which {
			s := &ch.streams[i]
			if s.buf.Len() > 0 {
				n := s.buf.Read(p)
				ch.broadcast(0) // room for a paused drain; fileno may go unready
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
		if timeout == 0 || ch.waitFor(slot, &lim) {
			ch.arm(streamEv(which))
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
// connection was lost or the channel closed locally before the server
// ended them. Caller holds mu.
func (ch *Channel) cutOff(which []int) *Error {
	// An exit status does not excuse a cut stream: OpenSSH sends it when
	// the command exits, which may be before the last of its output.
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
	if ch.closeErr != nil || ch.live.pc.lost.Load() {
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

// writeChunk is how much of a write x/crypto is handed at a time. A chunk
// handed over is sent, in order, unless the channel or connection ends
// first; it plays the part of a socket's send buffer. 1 MiB: a writer that
// does not wait (timeout 0, driven by readiness events) hands over one
// chunk per wakeup, and the link idles between a chunk's end and the next
// wakeup; with 256 KiB chunks Node's writes ran ~30% slower.
const writeChunk = 1 << 20

// chunkWrite is one chunk handed to x/crypto: res is set before done closes.
type chunkWrite struct {
	done chan struct{}
	res  struct {
		sent, len int
		err       error
	}
}

// Write writes p to the command's stdin (the channel's data) and returns
// how many bytes of p it accepted. Accepted bytes have been sent, or are in
// the one chunk (at most writeChunk bytes) still waiting for window space,
// which goes out before any later write or EOF. Write never keeps p: the
// chunk in flight is a copy. An empty p waits for the chunk in flight, if
// any (a flush): KindTimeout if it is still waiting when timeout passes.
//
// It waits at most timeout for window space (negative: no limit; 0: hand
// over one chunk and do not wait). If it returns an error, n says exactly
// how much was accepted (it may be 0): a timeout is KindTimeout with the
// rest of p not sent, so the caller may retry p[n:] without duplicating
// data; a closed channel or lost connection is KindClosed.
func (ch *Channel) Write(p []byte, timeout time.Duration) (int, error) {
	deadline, stop := timer(timeout)
	defer stop()
	ch.writeMu.Lock()
	defer ch.writeMu.Unlock()
	n := 0
	for {
		if unsent, err := ch.collect(deadline); err != nil {
			timedOut := KindOf(err) == KindTimeout
			if timedOut && n == len(p) && n > 0 {
				return n, nil // all accepted; the last chunk is on its way
			}
			if n > 0 {
				n -= unsent // the failed chunk was ours: not all of it went out
			}
			if timedOut {
				ch.armWrite(ch.inflight)
			}
			return n, err
		}
		if n == len(p) {
			return n, nil
		}
		if err := ch.writable(); err != nil {
			return n, err
		}
		w := &chunkWrite{done: make(chan struct{})}
		w.res.len = min(len(p)-n, writeChunk)
		data := bytes.Clone(p[n : n+w.res.len])
		goSafe(ch.client.log, "a channel write", func() {
			w.res.sent, w.res.err = ch.raw.Write(data)
			ch.chunkDone(w)
		}, func(e *Error) {
			w.res.err = e
			ch.chunkDone(w)
		})
		ch.inflight = w
		n += w.res.len
	}
}

// chunkDone marks chunk w finished (its res is set) and publishes it: a
// binding that a write left waiting for it may write more.
func (ch *Channel) chunkDone(w *chunkWrite) {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	select {
	case <-w.done:
		return
	default:
	}
	close(w.done)
	ch.broadcast(evWrite)
}

// armWrite arms a watched channel for the end of the chunk in flight w (a
// write timed out waiting for it). Both this and chunkDone run under mu, so
// w either finished before (then the record is posted at once: its own
// broadcast found the binding unarmed) or will post when it does.
func (ch *Channel) armWrite(w *chunkWrite) {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	ch.arm(evWrite)
	if w == nil {
		ch.notify(evWrite)
		return
	}
	select {
	case <-w.done:
		ch.notify(evWrite)
	default:
	}
}

// collect waits (writeMu held) until the deadline for the chunk in flight,
// if any. It returns nil when there is none or it was sent; KindTimeout
// while it still waits for window space (it stays in flight); the close
// error if the channel closed first (the chunk's fate is then unknown); and
// KindClosed if x/crypto failed to send it, with unsent the bytes of that
// chunk that did not go out.
func (ch *Channel) collect(deadline <-chan time.Time) (unsent int, err error) {
	w := ch.inflight
	if w == nil {
		return 0, nil
	}
	closeErr, timedOut := ch.await(w.done, deadline)
	switch {
	case timedOut:
		return 0, newError(KindTimeout, nil, "timed out writing to channel: no window space").with("stage", "write")
	case closeErr != nil:
		return 0, closeErr
	}
	ch.inflight = nil
	if w.res.err == nil {
		return 0, nil
	}
	unsent = w.res.len - w.res.sent
	if e := ch.closedErr(); e != nil {
		return unsent, e
	}
	if KindOf(w.res.err) == KindClosed {
		return unsent, w.res.err
	}
	return unsent, newError(KindClosed, w.res.err, "cannot write to channel: %v", w.res.err)
}

// writable returns the error for a channel that takes no more data.
func (ch *Channel) writable() error {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if ch.closeErr != nil {
		return ch.closeErr
	}
	if ch.eofSent {
		return newError(KindClosed, nil, "stdin already closed (EOF sent)")
	}
	return nil
}

// await waits until done is closed (a call that x/crypto may block in has
// finished: a write waiting for window space, a request waiting for its
// reply), the deadline passes, or the channel closes, whichever comes first:
// closing a channel must end such a wait even while x/crypto still holds
// the call. It returns the close error if the channel closed first.
func (ch *Channel) await(done <-chan struct{}, deadline <-chan time.Time) (closeErr *Error, timedOut bool) {
	for {
		ch.mu.Lock()
		closeErr, changed := ch.closeErr, ch.changed
		ch.mu.Unlock()
		select {
		case <-done:
			return nil, false
		default:
		}
		if closeErr != nil {
			return closeErr, false
		}
		select {
		case <-done:
			return nil, false
		case <-deadline:
			return nil, true
		case <-changed:
		}
	}
}

// closedErr returns the error of a channel closed locally, or nil.
func (ch *Channel) closedErr() *Error {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	return ch.closeErr
}

// SendEOF closes the command's stdin. Repeats are no-ops.
func (ch *Channel) SendEOF() error {
	ch.mu.Lock()
	if ch.eofSent || ch.closeErr != nil {
		ch.mu.Unlock()
		return nil
	}
	ch.mu.Unlock()
	ch.writeMu.Lock()
	defer ch.writeMu.Unlock()
	ch.mu.Lock()
	ch.eofSent = true
	ch.mu.Unlock()
	// The EOF must follow the last chunk of data, never overtake it.
	if _, err := ch.collect(nil); err != nil {
		return err
	}
	_ = ch.raw.CloseWrite()
	return nil
}

// ExitStatus waits at most timeout (<0: no limit) for the command to end and
// returns its exit status: -1 if the server sent none (killed by a signal, or
// the channel or connection closed first), as paramiko.
func (ch *Channel) ExitStatus(timeout time.Duration) (int, error) {
	lim := newLimit(timeout)
	defer lim.stop()
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
		if timeout == 0 || ch.waitFor(2, &lim) {
			ch.arm(evExit)
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
	ch.broadcast(evAll)
	ch.mu.Unlock()
	ch.client.untrack(ch)
	_ = ch.raw.Close()
}

// Release closes the channel, ends its watch (events.go) and frees its
// fileno descriptor. Close alone leaves that descriptor open and readable,
// so that a selector still watching it sees the end rather than a closed
// or reused descriptor.
func (ch *Channel) Release() {
	ch.mu.Lock()
	ch.watchToken, ch.armed = 0, 0 // no record for a released channel
	ch.mu.Unlock()
	ch.Close()
	ch.mu.Lock()
	if ch.ready != nil {
		ch.ready.close()
		ch.ready = nil
	}
	ch.released = true
	var rings []*ring
	for i := range ch.streams {
		if r := ch.streams[i].buf.ring; r != nil {
			rings = append(rings, r)
			ch.streams[i].buf.ring = nil // what it held is dropped with the channel
		}
	}
	retire := ch.ringRetire
	ch.mu.Unlock()
	for _, r := range rings {
		if retire != nil {
			retire(r.ptr())
		}
		r.free()
	}
}
