package core

import (
	"sync/atomic"
	"syscall"
	"unsafe"
)

// A read ring: a stream's buffered output in memory outside the Go heap,
// laid out so that C can read it without calling into Go (capi/fastread.c).
//
// Why: libgossh runs one P on two cores. A C thread that waits for data
// inside a Go call keeps that P in the syscall state until sysmon takes it
// back, and needs one again when it wakes; each wait of a bulk read cost
// about ten context switches, and C, Python and Node spent 0.4-0.6 s more
// CPU per GiB than a Go reader. A reader that copies from a ring and waits
// on the ring's futex in C never needs the P: the drain runs on it alone.
//
// The ring comes first in a stream's queue: the drain copies into it while
// nothing waits in the stream's segments (streamBuf.segs) and it has room,
// else queues segments as before; a reader takes the ring's bytes first.
// So the order of the bytes holds whichever way they went. The producer is
// always a drain holding the channel's lock; consumers (a Go read holding
// the lock, C readers holding nothing) take the ring's consumer lock.
//
// The C reader reads only while slow is 0 or the ring has bytes; anything
// else (segments waiting, the end, a close, a paused drain, a fileno in
// use) is the library's to decide, and the C reader calls in. Every state
// change of the channel bumps seq, the futex C readers wait on.

// ringHdr is the ring's header, at the start of its mapping. The layout is
// shared with capi/fastread.c (struct gossh_ring); change both together.
type ringHdr struct {
	head    atomic.Uint64 // bytes ever written (the producer's)
	tail    atomic.Uint64 // bytes ever read (the consumers', under lock)
	seq     atomic.Uint32 // bumped on every publish and state change: the futex
	waiters atomic.Uint32 // C readers waiting on seq
	slow    atomic.Uint32 // ringSlow* bits: C readers must call the library
	lock    atomic.Uint32 // the consumer lock: 1 while a reader copies out
	refs    atomic.Uint32 // C readers using the ring (capi's bookkeeping)
	dead    atomic.Uint32 // capi unregistered the ring: C readers call in
	size    uint32        // bytes of data, a power of two
	_       uint32
}

// ringHdrSize is the header's room at the start of the mapping.
const ringHdrSize = 64

// ringSize is the data capacity of a ring: room for what arrives while a
// reader is woken (the SSH window is 2 MiB; beyond the ring, segments
// queue as they always did).
const ringSize = 512 << 10

// Bits of ringHdr.slow.
const (
	ringSlowEmpty  = 1 // when the ring is empty, call in (segments, the end, a close, a paused drain)
	ringSlowAlways = 2 // always call in (a fileno in use: reads update its readiness)
)

// ringBulk is how much a stream carries before a reader gets a ring: one
// that carries less (most stderr, the output of short commands) keeps no
// mapping.
const ringBulk = 64 << 10

// ring is a mapped read ring.
type ring struct {
	mem  []byte
	hdr  *ringHdr
	data []byte
	mask uint64
}

var _ = [1]struct{}{}[unsafe.Sizeof(ringHdr{})-48] // the layout C expects

// newRing maps a ring, or returns nil if the kernel refuses the memory.
func newRing() *ring {
	mem, err := syscall.Mmap(-1, 0, ringHdrSize+ringSize, syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS)
	if err != nil {
		return nil
	}
	r := &ring{mem: mem, hdr: (*ringHdr)(unsafe.Pointer(&mem[0])), data: mem[ringHdrSize:], mask: ringSize - 1}
	r.hdr.size = ringSize
	return r
}

// free unmaps the ring. No reader may use it afterwards.
func (r *ring) free() { _ = syscall.Munmap(r.mem) }

// ptr is the ring's address, for C.
func (r *ring) ptr() unsafe.Pointer { return unsafe.Pointer(r.hdr) }

// fill is the number of bytes in the ring.
func (r *ring) fill() int { return int(r.hdr.head.Load() - r.hdr.tail.Load()) }

// put copies as much of b as fits into the ring and publishes it; it
// returns how much it took. Only the drain calls it (the channel's lock
// held): there is one producer.
func (r *ring) put(b []byte) int {
	head := r.hdr.head.Load()
	n := min(len(b), ringSize-int(head-r.hdr.tail.Load()))
	if n <= 0 {
		return 0
	}
	off := int(head & r.mask)
	k := copy(r.data[off:], b[:n])
	copy(r.data, b[k:n])
	r.hdr.head.Store(head + uint64(n))
	return n
}

// get copies up to len(p) bytes out of the ring, oldest first.
func (r *ring) get(p []byte) int {
	r.lockConsumer()
	defer r.hdr.lock.Store(0)
	tail := r.hdr.tail.Load()
	n := min(len(p), int(r.hdr.head.Load()-tail))
	if n <= 0 {
		return 0
	}
	off := int(tail & r.mask)
	k := copy(p[:n], r.data[off:])
	copy(p[k:n], r.data)
	r.hdr.tail.Store(tail + uint64(n))
	return n
}

// lockConsumer takes the consumer lock; a C reader holds it only while it
// copies, so the wait is short.
func (r *ring) lockConsumer() {
	for !r.hdr.lock.CompareAndSwap(0, 1) {
		osYield()
	}
}

// slowBits are the ring's slow bits as last published.
func (r *ring) slowBits() uint32 { return r.hdr.slow.Load() }

// publish sets the ring's slow bits and bumps its futex word; it reports
// whether a C reader waits on it (the caller then wakes it, see kick).
func (r *ring) publish(slow uint32) bool {
	r.hdr.slow.Store(slow)
	r.hdr.seq.Add(1)
	return r.hdr.waiters.Load() > 0
}

// kick wakes every C reader waiting on the ring's futex.
func (r *ring) kick() {
	syscall.RawSyscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(&r.hdr.seq)),
		futexWakePrivate, 1<<30, 0, 0, 0)
}

// osYield gives the thread's core away for a moment.
func osYield() { syscall.RawSyscall(syscall.SYS_SCHED_YIELD, 0, 0, 0) }
