package core

import (
	"sync"
	"testing"
	"time"
)

// TestIdleReadersDoNotWakeEachOther blocks one reader on stdout, one on
// stderr and one on the exit status of a command that is silent for a
// while, and counts how often they waited. A waiter that woke the others
// (and they it) would spin through thousands of waits in that time: a busy
// loop that burns a core while nothing happens. Both ways of waiting: on
// the Go scheduler, and in the kernel holding the thread (SetThreadWaits,
// the C API's callers).
func TestIdleReadersDoNotWakeEachOther(t *testing.T) {
	s := sshd(t)
	c := s.connected(t)
	defer c.Close()
	for _, thread := range []bool{false, true} {
		ch, err := c.Exec("sleep 1; echo out; echo err >&2", -1)
		if err != nil {
			t.Fatal(err)
		}
		ch.SetThreadWaits(thread)
		var wg sync.WaitGroup
		for i := Stdout; i <= Stderr; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if got := string(readAll(t, ch, i)); got != []string{"out\n", "err\n"}[i] {
					t.Errorf("stream %d: %q", i, got)
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if st, err := ch.ExitStatus(30 * time.Second); err != nil || st != 0 {
				t.Errorf("exit status %d, %v", st, err)
			}
		}()
		wg.Wait()
		ch.mu.Lock()
		waits := ch.waits
		ch.mu.Unlock()
		// Each waiter wakes for each change of state (data, EOFs, the exit
		// status, the close): a few dozen at most.
		if waits > 100 {
			t.Errorf("thread waits %v: %d waits for three idle waiters", thread, waits)
		}
		ch.Close()
	}
}

// TestThreadWaitsEndRight runs the ways a wait in the kernel can end, many
// times each, since a lost wakeup is a race: a timeout (KindTimeout, and
// the sleeper no longer listed), data arriving while waiting, the exit
// status arriving while waiting, and another goroutine closing the
// channel, or the client, under a waiting reader (KindClosed, never a hang
// or a clean end).
func TestThreadWaitsEndRight(t *testing.T) {
	s := sshd(t)
	c := s.connected(t)
	defer c.Close()
	exec := func(cmd string) *Channel {
		t.Helper()
		ch, err := c.Exec(cmd, -1)
		if err != nil {
			t.Fatal(err)
		}
		ch.SetThreadWaits(true)
		return ch
	}
	for round := 0; round < 30; round++ {
		// Timeouts, then data that arrives during a wait without limit.
		ch := exec("sleep 0.05; echo hi")
		buf := make([]byte, 10)
		if _, err := ch.Read(Stdout, buf, time.Millisecond); KindOf(err) != KindTimeout && err != nil {
			t.Fatalf("round %d: short read: %v", round, err)
		}
		var got []byte
		for {
			n, err := ch.Read(Stdout, buf, -1)
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			if n == 0 {
				break
			}
			got = append(got, buf[:n]...)
		}
		if string(got) != "hi\n" {
			t.Fatalf("round %d: %q", round, got)
		}
		if st, err := ch.ExitStatus(-1); err != nil || st != 0 {
			t.Fatalf("round %d: exit %d %v", round, st, err)
		}
		ch.mu.Lock()
		left := len(ch.sleepers)
		ch.mu.Unlock()
		if left != 0 {
			t.Fatalf("round %d: %d sleepers left listed", round, left)
		}
		ch.Close()

		// A reader and an exit-status waiter, both without limit, ended
		// by a close from another goroutine.
		ch = exec("sleep 30")
		errs := make(chan error, 2)
		go func() { _, err := ch.Read(Stdout, make([]byte, 10), -1); errs <- err }()
		go func() { _, err := ch.ExitStatus(-1); errs <- err }()
		time.Sleep(time.Duration(round%5) * time.Millisecond)
		ch.Close()
		for k := 0; k < 2; k++ {
			select {
			case err := <-errs:
				wantKind(t, err, KindClosed)
			case <-time.After(30 * time.Second):
				t.Fatalf("round %d: a waiter in the kernel was not woken by Close", round)
			}
		}
	}
	// A waiting reader ended by the client's close.
	ch := exec("sleep 30")
	done := make(chan error, 1)
	go func() { _, err := ch.Read(Stdout, make([]byte, 10), -1); done <- err }()
	time.Sleep(50 * time.Millisecond)
	c.Close()
	select {
	case err := <-done:
		wantKind(t, err, KindClosed)
	case <-time.After(30 * time.Second):
		t.Fatal("a waiter in the kernel was not woken by the client's close")
	}
}
