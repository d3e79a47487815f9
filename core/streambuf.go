package core

import "sync"

// A stream's buffered output. A drain reads x/crypto's channel straight into
// the free tail of a chunk it owns and queues the bytes it got as a segment
// of that chunk; a reader copies segments out. So a byte is copied once
// between x/crypto's buffer and the caller's, where a bytes.Buffer filled
// from a scratch slice copied it twice. The drain writes only past the
// segments it has queued, and queues each under the channel's lock after
// writing it, so a reader never sees bytes being written.

// A drain's first read goes into a small array of its own (peekSize), so
// that a stream that never carries data (stderr of most commands, stdout
// of "true") holds no chunk: a group running "true" on a thousand hosts
// held two 32 KiB chunks per host for nothing. Its first data is copied
// into a chunk, and chunks then grow by chunkSizes as the stream proves
// busy.
const (
	// peekSize is the room of a drain's first read.
	peekSize = 256
	// drainChunk is the largest chunk, and so the size of one read from
	// x/crypto once a stream is busy.
	drainChunk = 256 << 10
	// minRead is the least room a drain reads into from a full-size chunk:
	// with less left, it takes a new chunk (one SSH packet is at most 32
	// KiB). A smaller chunk is read into while a quarter of it is free.
	minRead = 32 << 10
)

// chunkSizes are the sizes of a drain's chunks: the first, then each
// next one when the one before has filled, staying at the last.
var chunkSizes = [...]int{4 << 10, 32 << 10, drainChunk}

// chunk is memory that a drain fills and readers empty. It returns to its
// pool when the drain has moved on (open false) and no queued segment
// refers to it (refs 0). Fields are guarded by the channel's lock.
type chunk struct {
	buf  []byte
	refs int
	open bool
}

var chunkPools = func() map[int]*sync.Pool {
	m := make(map[int]*sync.Pool, len(chunkSizes))
	for _, size := range chunkSizes {
		m[size] = &sync.Pool{New: func() any { return &chunk{buf: make([]byte, size)} }}
	}
	return m
}()

// newChunk takes a chunk of one of chunkSizes from its pool,
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

// streamBuf is a queue of segments, after the stream's read ring if it has
// one (ring_linux.go): bytes go into the ring while no segment waits and
// it has room, and are read from it first. Guarded by the channel's lock
// (the ring's consumers also take its own lock: C readers do not hold the
// channel's).
type streamBuf struct {
	segs []segment
	n    int // bytes queued in segs
	// release gives a handed-over run back to x/crypto once read (nil:
	// runs are only ever of chunks).
	release func([]byte)
	ring    *ring
	carried int // bytes ever queued (ringBulk: when a reader gets a ring)
}

// toRing copies what fits of b into the ring, if it has one and nothing
// waits in segs (which come after the ring's bytes), and returns how much.
func (q *streamBuf) toRing(b []byte) int {
	q.carried += len(b)
	if q.ring == nil || len(q.segs) > 0 {
		return 0
	}
	return q.ring.put(b)
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
	if k := q.toRing(b); k > 0 {
		if k == len(b) {
			r.ReleaseSegment(b)
			return
		}
		b = b[k:]
	}
	q.segs = append(q.segs, segment{b: b})
	q.n += len(b)
}

// Len is the number of bytes queued, in the ring and in segs.
func (q *streamBuf) Len() int {
	if q.ring != nil {
		return q.n + q.ring.fill()
	}
	return q.n
}

// push queues b, which lies in c after the bytes already queued from c.
func (q *streamBuf) push(c *chunk, b []byte) {
	if k := q.toRing(b); k > 0 {
		if k == len(b) {
			return
		}
		b = b[k:]
	}
	c.refs++
	q.segs = append(q.segs, segment{c: c, b: b})
	q.n += len(b)
}

// Read copies up to len(p) queued bytes into p, oldest first.
func (q *streamBuf) Read(p []byte) int {
	n := 0
	if q.ring != nil {
		n = q.ring.get(p)
	}
	k0 := n
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
	q.n -= n - k0
	return n
}

// drainBuf is a drain's current chunk and how much of it is used, and the
// small array its first read goes into.
type drainBuf struct {
	c    *chunk
	used int
	peek [peekSize]byte
}

// room returns the free tail to read into next: the peek array until the
// stream's first data, then the current chunk while enough of it is free
// (a quarter of it, at most minRead), else a new chunk of the next size.
// Caller holds the channel's lock.
func (d *drainBuf) room() []byte {
	if d.c == nil {
		return d.peek[:]
	}
	free := len(d.c.buf) - d.used
	if free >= min(minRead, len(d.c.buf)/4) {
		return d.c.buf[d.used:]
	}
	d.next(len(d.c.buf))
	return d.c.buf
}

// next moves on to a new chunk, the size after prev in chunkSizes (the
// first size when prev is 0). Caller holds the channel's lock.
func (d *drainBuf) next(prev int) {
	size := chunkSizes[0]
	for i, s := range chunkSizes {
		if s == prev {
			size = chunkSizes[min(i+1, len(chunkSizes)-1)]
		}
	}
	if d.c != nil {
		d.c.open = false
		d.c.release()
	}
	d.c, d.used = newChunk(size), 0
}

// take queues the n bytes just read into the room room returned on q.
// Bytes read into the peek array are copied into a first chunk. Caller
// holds the channel's lock.
func (d *drainBuf) take(q *streamBuf, n int) {
	if d.c == nil {
		if n == 0 {
			return
		}
		d.next(0)
		copy(d.c.buf, d.peek[:n])
	}
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
