package core

import (
	"runtime"
	"testing"
	"time"
)

// withRawSleeps runs the test with two Ps and raw sleeps bounded only by
// rawSleepMax = an hour, so that only a signal ends one early.
func withRawSleeps(t *testing.T) {
	t.Helper()
	old := runtime.GOMAXPROCS(2)
	oldMax := rawSleepMax.Swap(int64(time.Hour))
	t.Cleanup(func() {
		rawSleepMax.Store(oldMax)
		runtime.GOMAXPROCS(old)
	})
}

// waitUntil polls cond (a test's own wait, 60 s at most).
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(60 * time.Second); !cond(); time.Sleep(100 * time.Microsecond) {
		if time.Now().After(end) {
			t.Fatalf("gave up waiting until %s", what)
		}
	}
}

// A garbage collection (a stop-the-world) while a thread waits in a raw
// sleep holding its P: the runtime's signal must end the raw wait (sleep
// goes on in the syscall state, where the P can be taken), else the
// collection, and every goroutine with it, would wait for the raw sleep's
// bound (an hour here). Repeated.
func TestRawSleepYieldsToStopTheWorld(t *testing.T) {
	withRawSleeps(t)
	for round := 0; round < 20; {
		s := newSleeper()
		res := make(chan bool, 1)
		go func() { res <- s.rawSleep(time.Time{}) }()
		waitUntil(t, "the sleep is raw", func() bool { return rawSleepers.Load() == 1 || len(res) > 0 })
		if len(res) > 0 {
			<-res // a collection of the runtime's own ended it already: again
			continue
		}
		gc := make(chan struct{})
		go func() {
			runtime.GC()
			close(gc)
		}()
		for _, c := range []<-chan struct{}{gc} {
			select {
			case <-c:
			case <-time.After(60 * time.Second):
				t.Fatalf("round %d: a garbage collection waited for a raw sleep", round)
			}
		}
		if woken := <-res; woken {
			t.Fatalf("round %d: an unwoken raw sleep reported a wake", round)
		}
		round++
	}
}

// Raw sleeps leave the Go side a P: with two Ps, one raw sleeper at most
// while goroutines run; every sleeper wakes, each with its own wake, and a
// deadline ends a sleep. Repeated.
func TestRawSleepersLeaveAP(t *testing.T) {
	withRawSleeps(t)
	for round := range 20 {
		rawSleepersPeak.Store(0)
		sleepers := make([]*sleeper, 4)
		res := make(chan bool, len(sleepers))
		for i := range sleepers {
			sleepers[i] = newSleeper()
			go func() { res <- sleepers[i].sleep(time.Time{}) }()
		}
		time.Sleep(time.Millisecond) // they reach their waits
		ping, pong := make(chan int), make(chan int)
		go func() {
			for v := range ping {
				pong <- v + 1
			}
		}()
		for i := range 1000 {
			ping <- i
			if <-pong != i+1 {
				t.Fatal("ping-pong")
			}
		}
		close(ping)
		if n := rawSleepersPeak.Load(); n != 1 {
			t.Fatalf("round %d: %d raw sleepers at once with 2 Ps; want 1", round, n)
		}
		for _, s := range sleepers {
			s.wakeUp()
		}
		for range sleepers {
			select {
			case timedOut := <-res:
				if timedOut {
					t.Fatalf("round %d: a woken sleep reported a timeout", round)
				}
			case <-time.After(60 * time.Second):
				t.Fatalf("round %d: a wake was lost", round)
			}
		}
		if timedOut := newSleeper().sleep(time.Now().Add(time.Millisecond)); !timedOut {
			t.Fatalf("round %d: a sleep past its deadline reported a wake", round)
		}
	}
}
