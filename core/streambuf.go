package core

import "sync"

// A stream's buffered output. A drain reads x/crypto's channel straight into
// the free tail of a chunk it owns and queues the bytes it got as a segment
// of that chunk; a reader copies segments out. So a byte is copied once
// between x/crypto's buffer and the caller's, where a bytes.Buffer filled
// from a scratch slice copied it twice. The drain writes only past the
// segments it has queued, and queues each under the channel's lock after
// writing it, so a reader never sees bytes being written.

const (
	// firstChunk is the size of a drain's first chunk: small, because most
	// streams (every idle channel's, most stderr) never fill one.
	firstChunk = 32 << 10
	// drainChunk is the size of every later chunk, and so of one read from
	// x/crypto once a stream is busy.
	drainChunk = 256 << 10
	// minRead is the least room a drain reads into: with less left, it
	// takes a new chunk (one SSH packet is at most 32 KiB).
	minRead = 32 << 10
)

// chunk is memory that a drain fills and readers empty. It returns to its
// pool when the drain has moved on (open false) and no queued segment
// refers to it (refs 0). Fields are guarded by the channel's lock.
type chunk struct {
	buf  []byte
	refs int
	open bool
}

var chunkPools = map[int]*sync.Pool{
	firstChunk: {New: func() any { return &chunk{buf: make([]byte, firstChunk)} }},
	drainChunk: {New: func() any { return &chunk{buf: make([]byte, drainChunk)} }},
}

// newChunk takes a chunk of size firstChunk or drainChunk from its pool,
// open for the drain that asked.
func newChunk(size int) *chunk {
	c := chunkPools[size].Get().(*chunk)
	c.open = true
	return c
}

// release gives up one use of c (a consumed segment, or the drain moving
// on after clearing open) and pools it when none is left.
func (c *chunk) release() {
	if c.refs == 0 && !c.open {
		chunkPools[len(c.buf)].Put(c)
	}
}

// segment is a run of bytes waiting to be read: of a chunk (c), or a run
// x/crypto handed over without a copy (c nil; see segmentReader).
type segment struct {
	c *chunk
	b []byte
}

// streamBuf is a queue of segments. Guarded by the channel's lock.
type streamBuf struct {
	segs []segment
	n    int // bytes queued
	// release gives a handed-over run back to x/crypto once read (nil:
	// runs are only ever of chunks).
	release func([]byte)
}

// segmentReader is what the patched x/crypto's channels add
// (third_party/golang.org/x/crypto/README.gossh.md): the runs of data that
// have arrived, handed over instead of copied, and given back once read.
type segmentReader interface {
	ReadSegments(extended uint32, dst [][]byte) ([][]byte, error)
	ReleaseSegment(seg []byte)
}

// pushRun queues a run handed over by r. Caller holds the channel's lock.
func (q *streamBuf) pushRun(r segmentReader, b []byte) {
	q.release = r.ReleaseSegment
	q.segs = append(q.segs, segment{b: b})
	q.n += len(b)
}

// Len is the number of bytes queued.
func (q *streamBuf) Len() int { return q.n }

// push queues b, which lies in c after the bytes already queued from c.
func (q *streamBuf) push(c *chunk, b []byte) {
	c.refs++
	q.segs = append(q.segs, segment{c: c, b: b})
	q.n += len(b)
}

// Read copies up to len(p) queued bytes into p, oldest first.
func (q *streamBuf) Read(p []byte) int {
	n := 0
	for n < len(p) && len(q.segs) > 0 {
		s := &q.segs[0]
		k := copy(p[n:], s.b)
		n += k
		s.b = s.b[k:]
		if len(s.b) == 0 {
			if s.c != nil {
				s.c.refs--
				s.c.release()
			} else {
				q.release(s.b)
			}
			q.segs[0] = segment{}
			q.segs = q.segs[1:]
		}
	}
	if len(q.segs) == 0 {
		q.segs = q.segs[:0:0] // let the emptied array go
	}
	q.n -= n
	return n
}

// drainBuf is a drain's current chunk and how much of it is used.
type drainBuf struct {
	c    *chunk
	used int
}

// room returns the free tail to read into next, taking a new chunk when the
// current one has less than minRead left. The first chunk is small; later
// ones are full size, since a stream that filled one is busy. Caller holds
// the channel's lock.
func (d *drainBuf) room() []byte {
	if d.c != nil && len(d.c.buf)-d.used >= minRead {
		return d.c.buf[d.used:]
	}
	size := firstChunk
	if d.c != nil {
		size = drainChunk
		d.c.open = false
		d.c.release()
	}
	d.c, d.used = newChunk(size), 0
	return d.c.buf
}

// take queues the n bytes just read into the free tail on q. Caller holds
// the channel's lock.
func (d *drainBuf) take(q *streamBuf, n int) {
	q.push(d.c, d.c.buf[d.used:d.used+n])
	d.used += n
}

// done ends the drain's use of its chunk. Caller holds the channel's lock.
func (d *drainBuf) done() {
	if d.c != nil {
		d.c.open = false
		d.c.release()
		d.c = nil
	}
}
