package core

import (
	"runtime"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// sleeper is one call waiting in the kernel, on a futex, holding its OS
// thread (see Channel.SetThreadWaits).
type sleeper struct{ woken atomic.Uint32 }

const (
	futexWaitPrivate = 0 | 128 // FUTEX_WAIT | FUTEX_PRIVATE_FLAG
	futexWakePrivate = 1 | 128 // FUTEX_WAKE | FUTEX_PRIVATE_FLAG
)

func newSleeper() *sleeper { return &sleeper{} }

// sleep waits until wakeUp is called or end passes (zero end: no limit).
// It reports whether it timed out without being woken.
func (s *sleeper) sleep(end time.Time) bool {
	if s.rawSleep(end) {
		return false
	}
	for s.woken.Load() == 0 {
		var ts *syscall.Timespec
		if !end.IsZero() {
			left := time.Until(end)
			if left <= 0 {
				return s.woken.Load() == 0
			}
			t := syscall.NsecToTimespec(int64(left))
			ts = &t
		}
		// Returns at a wake, a signal, the timeout, or at once if woken is
		// no longer 0: the loop tells which.
		syscall.Syscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(&s.woken)),
			futexWaitPrivate, 0, uintptr(unsafe.Pointer(ts)), 0, 0)
	}
	return false
}

// rawSleepMax bounds a raw sleep, in nanoseconds (a variable for tests).
var rawSleepMax = func() (v atomic.Int64) { v.Store(int64(10 * time.Millisecond)); return }()

// rawSleepers counts the sleeps in rawSleep now; rawSleepersPeak is the
// most there have been at once (for tests).
var rawSleepers, rawSleepersPeak atomic.Int32

// rawSleep is the first part of a sleep when the runtime has two Ps or more:
// a futex wait made as a raw system call, so that the thread keeps its P as
// if it ran, for at most rawSleepMax; it reports whether it was woken.
//
// A wait in the syscall state leaves the P parked with the thread until
// sysmon takes it back (20 µs or more), and the woken thread then has to
// find a P again, by handing one over through the scheduler, two context
// switches, when the one it had was taken: on a bulk read from C, one wait
// per read. A raw wait keeps the P: the woken thread just goes on. The
// other Ps run the Go side meanwhile, so it is done only while at least one
// P is left to them (fewer raw sleepers than Ps), never with one P. The
// runtime cannot stop a thread in a raw call: a stop-the-world (GC) or a
// preemption signals it, and a futex wait with a timeout that a signal
// handler interrupts returns EINTR (never restarted, whatever SA_RESTART
// says): the wait then goes on in the syscall state, where the runtime can
// take the P. The bound is for a signal that arrived just before the wait
// began (the runtime signals again every 100 µs while it waits to stop).
//
// Measured with GOMAXPROCS=2 on 2 cores (C, 1 GiB exec stdout, 3
// interleaved runs each): CPU per GiB 2.42/1.97/2.59 -> 1.77/1.55/1.84 s,
// Python 2.93/2.24/3.41 -> 2.56/2.08/2.41 (CHANGELOG).
func (s *sleeper) rawSleep(end time.Time) bool {
	n := rawSleepers.Add(1)
	if int(n) >= runtime.GOMAXPROCS(0) {
		rawSleepers.Add(-1)
		return false
	}
	defer rawSleepers.Add(-1)
	for peak := rawSleepersPeak.Load(); n > peak && !rawSleepersPeak.CompareAndSwap(peak, n); {
		peak = rawSleepersPeak.Load()
	}
	d := time.Duration(rawSleepMax.Load())
	if !end.IsZero() {
		d = min(d, time.Until(end))
	}
	if d <= 0 {
		return s.woken.Load() != 0
	}
	ts := syscall.NsecToTimespec(int64(d))
	for s.woken.Load() == 0 {
		_, _, e := syscall.RawSyscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(&s.woken)),
			futexWaitPrivate, 0, uintptr(unsafe.Pointer(&ts)), 0, 0)
		if e == syscall.EINTR || e == syscall.ETIMEDOUT {
			break // the runtime may want the P: go on in the syscall state
		}
		// 0 (woken, or spuriously) or EAGAIN (woken before the wait began):
		// the loop tells.
	}
	return s.woken.Load() != 0
}

// wakeUp ends sleep, now or, if it has not begun, before it does.
func (s *sleeper) wakeUp() {
	s.mark()
	s.kick()
}

// mark is the first half of wakeUp: from now on sleep returns, and reports
// no timeout, but a sleep already in the kernel stays there until kick.
func (s *sleeper) mark() { s.woken.Store(1) }

// kick is the second half of wakeUp: it wakes the thread, if it sleeps.
func (s *sleeper) kick() {
	syscall.RawSyscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(&s.woken)),
		futexWakePrivate, 1, 0, 0, 0)
}
