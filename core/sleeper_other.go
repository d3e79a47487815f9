//go:build !linux

package core

import (
	"sync"
	"time"
)

// sleeper is one call waiting for a wake (see Channel.SetThreadWaits). Off
// Linux it waits on the Go scheduler, as other waits do.
type sleeper struct {
	once sync.Once
	c    chan struct{}
}

func newSleeper() *sleeper { return &sleeper{c: make(chan struct{})} }

// sleep waits until wakeUp is called or end passes (zero end: no limit).
// It reports whether it timed out without being woken.
func (s *sleeper) sleep(end time.Time) bool {
	if end.IsZero() {
		<-s.c
		return false
	}
	t := time.NewTimer(time.Until(end))
	defer t.Stop()
	select {
	case <-s.c:
		return false
	case <-t.C:
		return true
	}
}

// wakeUp ends sleep, now or, if it has not begun, before it does.
func (s *sleeper) wakeUp() { s.mark() }

// mark wakes the sleep (as wakeUp; kick has nothing left to do here).
func (s *sleeper) mark() { s.once.Do(func() { close(s.c) }) }

// kick is the second half of Linux's wakeUp; here mark did it all.
func (s *sleeper) kick() {}
