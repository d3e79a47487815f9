package core

import (
	"encoding/binary"
	"os"
	"sync"
	"time"
)

// Readiness events: how an event-loop binding (Node) waits for many
// channels without a thread per wait and without polling.
//
// The process has one pipe, made on first use (EventsFD). A binding asks to
// watch a channel (Watch) or a client's forwarded connections
// (WatchForwards) with a token, and then makes only calls that do not wait
// (timeout 0). The library writes the token, as one 8-byte record, to the
// pipe when something the binding waits for may have changed.
//
// Edge-triggered, with re-arming: a call that returns KindTimeout arms the
// object for what that call waited for (see the ev* bits), under the
// object's lock and in the same critical section as the check that found
// nothing to do. The first change of an armed kind posts one record and
// disarms the object completely; no further record is posted for it until
// the binding has again made a call that found nothing to do. So
//
//   - no wakeup is lost: every state change happens under the same lock, and
//     either comes before the check (which then finds something and does not
//     return KindTimeout) or after the arming (and then posts);
//   - the pipe cannot flood: every record is paid for by one call of the
//     binding that found nothing to do, so the binding sets the pace; and
//     the backlog (records that did not fit the pipe) holds at most one per
//     object.
//
// After a record, the binding makes again every non-waiting call it waits
// on (reads until KindTimeout, the exit status, a pending write): a record
// clears every interest, not only the one that fired. Several records for
// one object are in the pipe at once only if the binding armed it again
// after the first was written (say a write and a read in one wakeup, each
// finding nothing, and then both kinds of change): at most one per arming
// call, and the binding may treat them as one.

// What a watching binding waits for: the arming call's interest, and the
// kind of a state change.
const (
	evStdout = 1 << iota // data or the end on stdout (a read of stdout, or read_any)
	evStderr             // data or the end on stderr (a read of stderr, or read_any)
	evExit               // the exit status (exit_status)
	evWrite              // the chunk in flight went out or failed (a write)
	evAll    = evStdout | evStderr | evExit | evWrite
)

// streamEv is the interest of a read of the given streams.
func streamEv(which []int) uint8 {
	var ev uint8
	for _, i := range which {
		ev |= 1 << i
	}
	return ev
}

// eventRecordSize is the size of one record: a uint64 token in native byte
// order.
const eventRecordSize = 8

// pipeBuf is POSIX's PIPE_BUF on Linux: a write of at most this many bytes
// to a pipe is atomic, so records never interleave or split.
const pipeBuf = 4096

// eventQueue is a readiness pipe. Posting never blocks: a record that
// does not fit goes to a backlog that a goroutine writes as the reader
// makes room. The backlog holds at most one record per token: a record for
// a token already waiting there is dropped, since the one waiting will be
// delivered after the change that the dropped one announced.
type eventQueue struct {
	once sync.Once
	err  error
	r, w int
	wf   *os.File // the write end, for the backlog writer to wait on

	mu        sync.Mutex
	backlog   []uint64            // tokens the pipe had no room for, oldest first
	inBacklog map[uint64]struct{} // the tokens in backlog not yet being written
	flushing  bool                // a goroutine is writing the backlog
}

// events is the process's readiness pipe. It is never closed: a binding may
// hold its read end as long as the library is loaded.
var events eventQueue

// open makes the pipe on first use.
func (q *eventQueue) open() error {
	q.once.Do(func() {
		r, w, err := pipe2()
		if err != nil {
			q.err = newError(KindIO, err, "cannot create the readiness event pipe: %v", err)
			return
		}
		q.r, q.w = r, w
		// A pollable file (the fd is non-blocking): the backlog writer parks
		// in Go's poller instead of holding a thread while the pipe is full.
		q.wf = os.NewFile(uintptr(w), "gossh-events")
	})
	return q.err
}

// EventsFD returns the read end of the process's readiness pipe, making it
// on first use. It is non-blocking and close-on-exec, and the library never
// closes it.
func EventsFD() (int, error) {
	if err := events.open(); err != nil {
		return -1, err
	}
	return events.r, nil
}

// post writes one record for token. It never blocks: when the pipe is full
// the record joins the backlog, unless one for token already waits there.
func (q *eventQueue) post(token uint64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.flushing {
		var rec [eventRecordSize]byte
		binary.NativeEndian.PutUint64(rec[:], token)
		if len(q.backlog) == 0 {
			if n, _ := nbWrite(q.w, rec[:]); n == eventRecordSize {
				return
			}
			// EAGAIN: the pipe is full (a write this small is all or nothing)
		}
		q.flushing = true
		goSafe(nil, "the readiness event writer", q.flush, func(*Error) {
			q.mu.Lock()
			q.flushing = false
			q.mu.Unlock()
		})
	}
	if _, waiting := q.inBacklog[token]; waiting {
		return
	}
	if q.inBacklog == nil {
		q.inBacklog = map[uint64]struct{}{}
	}
	q.inBacklog[token] = struct{}{}
	q.backlog = append(q.backlog, token)
}

// flush writes the backlog, waiting for room, until it is empty. Each write
// is at most pipeBuf bytes of whole records, so it is atomic. The tokens of
// a write leave inBacklog before it starts: a record posted from then on
// may come after the binding has read this one, so it is not dropped.
func (q *eventQueue) flush() {
	buf := make([]byte, 0, pipeBuf)
	for {
		q.mu.Lock()
		if len(q.backlog) == 0 {
			q.backlog = nil
			q.flushing = false
			q.mu.Unlock()
			return
		}
		n := min(len(q.backlog), pipeBuf/eventRecordSize)
		buf = buf[:0]
		for _, token := range q.backlog[:n] {
			buf = binary.NativeEndian.AppendUint64(buf, token)
			delete(q.inBacklog, token)
		}
		q.backlog = q.backlog[n:]
		q.mu.Unlock()
		for {
			if _, err := q.wf.Write(buf); err == nil {
				break
			}
			// Not expected on a pipe whose read end is never closed; try
			// again rather than lose a record.
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// watchable checks a watch token (nonzero) and makes the readiness pipe if
// it does not exist yet: what every Watch does first.
func watchable(token uint64) error {
	if token == 0 {
		return InvalidArgument("the watch token must not be 0")
	}
	return events.open()
}

// Watch makes the channel post readiness records with token (nonzero, e.g.
// the binding's handle value) to the process's readiness pipe; see the top
// of events.go for when. Watching is armed by the binding's calls that
// return KindTimeout; Watch itself posts nothing. A second Watch changes
// the token. Unwatched channels cost nothing.
func (ch *Channel) Watch(token uint64) error {
	if err := watchable(token); err != nil {
		return err
	}
	ch.mu.Lock()
	ch.watchToken = token
	ch.mu.Unlock()
	return nil
}

// arm records that the binding waits for ev (a call found nothing to do
// and returns KindTimeout). A new interest in a stream or the exit status
// may let a paused drain go on (see drain), so waiters are woken. Caller
// holds mu.
func (ch *Channel) arm(ev uint8) {
	if ch.watchToken == 0 || ch.armed|ev == ch.armed {
		return
	}
	ch.armed |= ev
	ch.wake()
}

// notify posts a record if the binding is armed for ev, and disarms it.
// Caller holds mu.
func (ch *Channel) notify(ev uint8) {
	if ch.armed&ev == 0 || ch.watchToken == 0 {
		return
	}
	ch.armed = 0
	ch.batched = 0
	events.post(ch.watchToken)
}

// Data records of a bulk stream are batched. A record costs a watching
// binding a wakeup and at least two calls (the read, and the read that finds
// nothing and re-arms); posted for every SSH packet (32 KiB) of a fast
// stream, those dominate the binding's cost per byte. So new data that came
// in a full-sized packet (bulkRun or more: a server sends a bulk stream in
// packets of the client's maximum, 32 KiB) posts its record only once
// eventBatch bytes wait in the stream's buffer, or eventDelay after the
// first of them arrived, whichever comes first. Data that came in a shorter
// packet is the end of a burst (an interactive reply, a line, a transfer's
// tail): it posts at once, with whatever waited, since more is not known to
// follow and a delay there is a delay the user sees (a forwarded channel's
// one-byte round trip took 1.9 ms in Node when every record waited, 0.46 in
// Node ssh2). Everything else posts at once too: the end of a stream, the
// exit status, a write's progress, the channel's close. Blocking readers
// are never delayed (they are woken by broadcast, not by records); the SSH
// window (2 MiB) is far above the batch, so the sender never stalls on it.
// 512 KiB (with Node reading up to 1 MiB per call) against 128 KiB (256 KiB
// reads): Node's exec stdout +5-15% and -7% CPU per GiB, three A/B runs.
const (
	eventBatch = 512 << 10
	eventDelay = 500 * time.Microsecond
	bulkRun    = 16 << 10
)

// notifyData is notify for new data on the streams of ev, of which
// buffered bytes are now waiting, the last arrival of which was last bytes
// long: at once when that is a batch or last is short of bulkRun, else when
// eventDelay has passed since the first unannounced data. Caller holds mu.
func (ch *Channel) notifyData(ev uint8, buffered, last int) {
	if ch.armed&ev == 0 || ch.watchToken == 0 {
		return
	}
	if buffered >= eventBatch || last < bulkRun {
		ch.notify(ev) // a timer still running finds batched 0 and posts nothing
		return
	}
	if ch.batched != 0 {
		ch.batched |= ev // the timer is running
		return
	}
	ch.batched = ev
	if ch.batchTimer == nil {
		ch.batchTimer = time.AfterFunc(eventDelay, ch.flushBatch)
	} else {
		ch.batchTimer.Reset(eventDelay)
	}
}

// flushBatch posts the record that notifyData held back, unless one was
// posted meanwhile (batched is then 0).
func (ch *Channel) flushBatch() {
	ch.mu.Lock()
	ev := ch.batched
	ch.batched = 0
	if ev != 0 {
		ch.notify(ev)
	}
	ch.mu.Unlock()
}

// WatchForwards makes the client post readiness records with token
// (nonzero) when a forwarded connection may be waiting for AcceptForward or
// the connection ended, armed by an AcceptForward that returned
// KindTimeout, by the rule of Watch.
func (c *Client) WatchForwards(token uint64) error {
	if err := watchable(token); err != nil {
		return err
	}
	c.fw.mu.Lock()
	c.fw.watchToken = token
	c.fw.mu.Unlock()
	return nil
}

// notifyLocked posts a record if AcceptForward is armed, and disarms it.
// Caller holds fw.mu.
func (f *forwards) notifyLocked() {
	if !f.armed || f.watchToken == 0 {
		return
	}
	f.armed = false
	events.post(f.watchToken)
}

// Watch makes the group post readiness records with token (nonzero, e.g.
// the binding's handle value) to the process's readiness pipe (events.go)
// when a Next with timeout 0 that found nothing (which arms it) may now
// find a result. It lasts for the group's life, over its runs; a second
// Watch changes the token.
func (g *Group) Watch(token uint64) error {
	if err := watchable(token); err != nil {
		return err
	}
	g.mu.Lock()
	g.watchToken = token
	g.mu.Unlock()
	return nil
}

// arm records that a Next of r found nothing, if the group is watched. A
// result queued before the arming, which the finding-nothing could not
// see, posts at once: deliver queues before it looks at armed, so either
// it sees the arming or this sees its result.
func (g *Group) arm(r *groupRun) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.watchToken == 0 {
		return
	}
	g.armed = true
	if len(r.results) > 0 {
		g.notifyLocked()
	}
}

// notifyLocked posts a record if the group is armed, and disarms it.
// Caller holds g.mu.
func (g *Group) notifyLocked() {
	if !g.armed || g.watchToken == 0 {
		return
	}
	g.armed = false
	events.post(g.watchToken)
}
