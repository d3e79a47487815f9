package core

import (
	"math"
	"time"
)

// Timeout converts a timeout in milliseconds, as the C API and the bindings
// take it, by the one rule every blocking call follows: -1 waits without
// limit, 0 does not wait, a positive value waits that many milliseconds.
// Anything below -1 is KindInvalid: it is a caller's bug, not a wish to wait
// forever.
func Timeout(ms int64) (time.Duration, error) {
	switch {
	case ms < -1:
		return 0, InvalidArgument("timeout_ms must be -1 (no limit), 0 (do not wait) or positive, not %d", ms)
	case ms == -1:
		return -1, nil
	case ms > math.MaxInt64/int64(time.Millisecond):
		return 0, InvalidArgument("timeout_ms %d is too large", ms)
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// passed is a deadline that has passed: the deadline of timeout 0, ready at
// once (a timer of 0 fires only when the scheduler gets to it).
var passed = func() <-chan time.Time {
	c := make(chan time.Time)
	close(c)
	return c
}()

// timer returns a deadline channel for a timeout, by the one rule every
// blocking call follows: negative waits without limit, 0 does not wait (the
// deadline has already passed), positive waits that long.
// It is limit's deadline, for calls that wait only on the Go scheduler.
func timer(timeout time.Duration) (<-chan time.Time, func()) {
	l := newLimit(timeout)
	return l.deadline(), l.stop
}

// limit is one blocking call's time limit, by the one timeout rule, for
// both ways of waiting: a deadline channel for waits on the Go scheduler
// (its timer made only when such a wait needs it) and an end time for
// waits in the kernel (sleeper).
type limit struct {
	timeout time.Duration // as given: <0 no limit, 0 no wait, >0 this long
	end     time.Time     // when it passes (zero: never)
	timer   *time.Timer
}

// newLimit starts the clock of a call that waits at most timeout.
func newLimit(timeout time.Duration) limit {
	l := limit{timeout: timeout}
	if timeout > 0 {
		l.end = time.Now().Add(timeout)
	}
	return l
}

// deadline is the limit as a channel that is ready once it has passed (nil:
// never).
func (l *limit) deadline() <-chan time.Time {
	switch {
	case l.timeout < 0:
		return nil
	case l.timeout == 0:
		return passed
	case l.timer == nil:
		l.timer = time.NewTimer(time.Until(l.end))
	}
	return l.timer.C
}

// stop releases the timer, if one was made.
func (l *limit) stop() {
	if l.timer != nil {
		l.timer.Stop()
	}
}
