package core

import (
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

// wakeUp ends sleep, now or, if it has not begun, before it does.
func (s *sleeper) wakeUp() {
	s.woken.Store(1)
	syscall.RawSyscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(&s.woken)),
		futexWakePrivate, 1, 0, 0, 0)
}
