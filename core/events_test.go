package core

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The process's readiness pipe, read by the tests through one pollable
// file that is never closed (the library owns the descriptor).
var testEvents struct {
	once sync.Once
	f    *os.File
	err  error
}

// nextToken gives each test its own watch tokens, so that a stale record
// left by an earlier test is recognisable.
var nextToken atomic.Uint64

func init() { nextToken.Store(1 << 40) }

func eventsFile(t *testing.T) *os.File {
	t.Helper()
	testEvents.once.Do(func() {
		fd, err := EventsFD()
		if err != nil {
			testEvents.err = err
			return
		}
		testEvents.f = os.NewFile(uintptr(fd), "gossh-events-test")
	})
	if testEvents.err != nil {
		t.Fatal(testEvents.err)
	}
	return testEvents.f
}

// readRecords returns the records available, waiting at most wait for the
// first; nil when none came. A read must return whole records.
func readRecords(t *testing.T, wait time.Duration) []uint64 {
	t.Helper()
	f := eventsFile(t)
	buf := make([]byte, 64*eventRecordSize)
	f.SetReadDeadline(time.Now().Add(wait))
	n, err := f.Read(buf)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return nil
	}
	if err != nil {
		t.Fatalf("reading the readiness pipe: %v", err)
	}
	if n%eventRecordSize != 0 {
		t.Fatalf("a read of the readiness pipe returned %d bytes: not whole records", n)
	}
	recs := make([]uint64, n/eventRecordSize)
	for i := range recs {
		recs[i] = binary.NativeEndian.Uint64(buf[i*eventRecordSize:])
	}
	return recs
}

// noFlood fails if one read returned two records for the same token, for
// an event loop that arms each object once per record it handles: a record
// disarms the object and only a call made after it can arm it again.
func noFlood(t *testing.T, recs []uint64) {
	t.Helper()
	seen := map[uint64]bool{}
	for _, r := range recs {
		if seen[r] {
			t.Fatalf("two records for token %d pending at once", r)
		}
		seen[r] = true
	}
}

// arms counts, per token, the calls that armed it (returned KindTimeout)
// since the last read of the pipe. Each record is paid for by one arming,
// so a read holds at most arms+1 records for a token (the +1: an arming
// made before the previous read, still unfired then).
type arms map[uint64]int

func (a arms) check(t *testing.T, recs []uint64) {
	t.Helper()
	if len(recs) == 0 {
		return // nothing read: no "previous read" to count from
	}
	n := map[uint64]int{}
	for _, r := range recs {
		n[r]++
	}
	for tok, k := range n {
		if k > a[tok]+1 {
			t.Fatalf("%d records for token %d in one read after %d armings: a flood", k, tok, a[tok])
		}
	}
	clear(a)
}

// A full pipe never blocks a poster, and no record is lost: those that do
// not fit wait in the backlog, in order.
func TestEventQueueBacklogKeepsEveryRecord(t *testing.T) {
	q := &eventQueue{}
	if err := q.open(); err != nil {
		t.Fatal(err)
	}
	r := os.NewFile(uintptr(q.r), "test-events-r")
	defer r.Close()
	defer q.wf.Close()
	const posters, each = 8, 5000 // 40,000 records, 320 KB: five times a default pipe
	done := make(chan struct{})
	go func() {
		var wg sync.WaitGroup
		for p := 0; p < posters; p++ {
			wg.Add(1)
			go func(p int) {
				defer wg.Done()
				for i := 0; i < each; i++ {
					q.post(uint64(p*each + i + 1))
				}
			}(p)
		}
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("posting to a full pipe blocked")
	}
	got := make([]int, posters*each+1)
	buf := make([]byte, 1000*eventRecordSize)
	for total := 0; total < posters*each; {
		r.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, err := r.Read(buf)
		if err != nil {
			t.Fatalf("after %d records: %v", total, err)
		}
		if n%eventRecordSize != 0 {
			t.Fatalf("read %d bytes: not whole records", n)
		}
		for i := 0; i < n; i += eventRecordSize {
			v := binary.NativeEndian.Uint64(buf[i:])
			if v == 0 || v > uint64(posters*each) {
				t.Fatalf("record %d out of range", v)
			}
			got[v]++
			total++
		}
	}
	for v := 1; v <= posters*each; v++ {
		if got[v] != 1 {
			t.Fatalf("record %d arrived %d times", v, got[v])
		}
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.backlog) != 0 || len(q.inBacklog) != 0 {
		t.Fatalf("%d records left in the backlog", len(q.backlog))
	}
}

// A record for a token that already waits in the backlog is dropped: the
// one waiting is delivered after the change the new one would announce.
// The backlog therefore holds at most one record per object.
func TestEventQueueBacklogOnePerToken(t *testing.T) {
	q := &eventQueue{}
	if err := q.open(); err != nil {
		t.Fatal(err)
	}
	r := os.NewFile(uintptr(q.r), "test-events-r")
	defer r.Close()
	defer q.wf.Close()
	const fill = 20000 // more than the pipe holds
	for i := 1; i <= fill; i++ {
		q.post(uint64(i))
	}
	for rep := 0; rep < 1000; rep++ {
		q.post(1 << 50)
		q.post(uint64(fill)) // waiting in the backlog: dropped
	}
	q.mu.Lock()
	waiting := len(q.backlog)
	q.mu.Unlock()
	if waiting > fill {
		t.Fatalf("%d records in the backlog for %d tokens", waiting, fill+1)
	}
	count := map[uint64]int{}
	buf := make([]byte, 1000*eventRecordSize)
	for total := 0; total < fill+1; {
		r.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, err := r.Read(buf)
		if err != nil {
			t.Fatalf("after %d records: %v", total, err)
		}
		for i := 0; i < n; i += eventRecordSize {
			count[binary.NativeEndian.Uint64(buf[i:])]++
			total++
		}
	}
	if count[1<<50] != 1 || count[fill] != 1 {
		t.Fatalf("repeated tokens arrived %d and %d times, want once each", count[1<<50], count[fill])
	}
	// Once its record has left the backlog, a token posts again.
	q.post(1 << 50)
	r.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := r.Read(buf); err != nil || n != eventRecordSize || binary.NativeEndian.Uint64(buf) != 1<<50 {
		t.Fatalf("a token posted after its record was delivered: %d bytes, %v", n, err)
	}
}

// fakeChannel is a Channel with no connection behind it, whose state the
// test changes as the drains would: enough for the arming logic.
func fakeChannel() *Channel {
	return &Channel{client: NewClient(), changed: make(chan struct{}), exitStatus: -1}
}

// arrive appends data to stream i as a drain does, as one SSH packet.
func (ch *Channel) arrive(i int, data []byte) {
	last := len(data)
	ch.mu.Lock()
	var d drainBuf
	for len(data) > 0 {
		k := copy(d.room(), data)
		d.take(&ch.streams[i].buf, k)
		data = data[k:]
	}
	d.done()
	ch.broadcastData(uint8(1)<<i, ch.streams[i].buf.Len(), last)
	ch.mu.Unlock()
}

// Data records of a bulk stream are batched (notifyData): a full-sized
// packet holds the record back for eventDelay, and the timer then posts it;
// a batch's worth posts at once; a short packet (the end of a burst: an
// interactive reply) and the end of a stream never wait. Repeated, since
// the timer and the binding's calls race.
func TestWatchBatchesData(t *testing.T) {
	eventsFile(t)
	buf := make([]byte, 2*eventBatch)
	for round := 0; round < 40; round++ {
		ch := fakeChannel()
		tok := nextToken.Add(1)
		if err := ch.Watch(tok); err != nil {
			t.Fatal(err)
		}
		got := func(what string) {
			t.Helper()
			for _, r := range readRecords(t, 5*time.Second) {
				if r == tok {
					return
				}
			}
			t.Fatalf("round %d: %s: no record", round, what)
		}
		state := func() (armed, batched uint8) {
			ch.mu.Lock()
			defer ch.mu.Unlock()
			return ch.armed, ch.batched
		}
		if _, _, err := ch.ReadAny(buf, 0); KindOf(err) != KindTimeout {
			t.Fatalf("read: %v", err)
		}
		ch.arrive(Stdout, []byte("small"))
		if a, b := state(); a != 0 || b != 0 {
			t.Fatalf("round %d: a short packet did not post at once: armed %b, batched %b", round, a, b)
		}
		got("a short packet")
		if _, n, err := ch.ReadAny(buf, 0); err != nil || n != 5 {
			t.Fatalf("round %d: read %d, %v", round, n, err)
		}
		if _, _, err := ch.ReadAny(buf, 0); KindOf(err) != KindTimeout {
			t.Fatalf("read: %v", err)
		}
		ch.arrive(Stdout, make([]byte, bulkRun))
		if a, b := state(); b == 0 || a == 0 {
			t.Fatalf("round %d: a full packet posted at once: armed %b, batched %b", round, a, b)
		}
		got("a full packet, after the delay")
		if a, b := state(); a != 0 || b != 0 {
			t.Fatalf("round %d: after the delayed record: armed %b, batched %b", round, a, b)
		}
		if _, n, err := ch.ReadAny(buf, 0); err != nil || n != bulkRun {
			t.Fatalf("round %d: read %d, %v", round, n, err)
		}
		// A short packet after full ones posts what waited, at once.
		if _, _, err := ch.ReadAny(buf, 0); KindOf(err) != KindTimeout {
			t.Fatalf("read: %v", err)
		}
		ch.arrive(Stdout, make([]byte, bulkRun))
		ch.arrive(Stdout, []byte("tail"))
		if a, b := state(); a != 0 || b != 0 {
			t.Fatalf("round %d: a tail did not post at once: armed %b, batched %b", round, a, b)
		}
		got("full packets and a tail")
		if _, n, err := ch.ReadAny(buf, 0); err != nil || n != bulkRun+4 {
			t.Fatalf("round %d: read %d, %v", round, n, err)
		}
		if _, _, err := ch.ReadAny(buf, 0); KindOf(err) != KindTimeout {
			t.Fatalf("read: %v", err)
		}
		ch.arrive(Stderr, make([]byte, eventBatch))
		if a, b := state(); a != 0 || b != 0 {
			t.Fatalf("round %d: a batch of data did not post at once: armed %b, batched %b", round, a, b)
		}
		got("a batch of data")
		if _, n, err := ch.ReadAny(buf, 0); err != nil || n != eventBatch {
			t.Fatalf("round %d: read %d, %v", round, n, err)
		}
		if _, _, err := ch.ReadAny(buf, 0); KindOf(err) != KindTimeout {
			t.Fatalf("read: %v", err)
		}
		ch.arrive(Stdout, []byte("x"))
		ch.mu.Lock()
		ch.streams[Stdout].eof, ch.streams[Stderr].eof = true, true
		ch.broadcast(evStdout | evStderr)
		a, b := ch.armed, ch.batched
		ch.mu.Unlock()
		if a != 0 || b != 0 {
			t.Fatalf("round %d: the end did not post at once: armed %b, batched %b", round, a, b)
		}
		got("the end")
		if i, n, err := ch.ReadAny(buf, 0); err != nil || n != 1 || i != Stdout {
			t.Fatalf("round %d: read %d %d, %v", round, i, n, err)
		}
		if i, n, err := ch.ReadAny(buf, 0); err != nil || n != 0 || i != -1 {
			t.Fatalf("round %d: after the end: %d %d, %v", round, i, n, err)
		}
		// A late timer (the delayed record was overtaken) posts nothing.
		time.Sleep(2 * eventDelay)
		for _, r := range readRecords(t, 20*time.Millisecond) {
			if r == tok {
				t.Fatalf("round %d: a record after the end", round)
			}
		}
	}
}

// No lost wakeup, no flood: many watched channels, data arriving at random
// from several goroutines, one event loop that drains a channel with
// non-waiting reads until KindTimeout after each of its records. Every
// byte must be read, and only through records (the loop never looks at a
// channel without one). Repeated, since a lost wakeup is a race.
func TestWatchNoLostWakeup(t *testing.T) {
	eventsFile(t)
	rounds := 60
	if testing.Short() {
		rounds = 10
	}
	for round := 0; round < rounds; round++ {
		const nch, producers, arrivals = 64, 4, 300
		chans := make([]*Channel, nch)
		byToken := map[uint64]int{}
		for i := range chans {
			chans[i] = fakeChannel()
			tok := nextToken.Add(1)
			if err := chans[i].Watch(tok); err != nil {
				t.Fatal(err)
			}
			byToken[tok] = i
		}
		read := make([]int, nch)
		buf := make([]byte, 300)
		drain := func(i int) {
			for {
				_, n, err := chans[i].ReadAny(buf, 0)
				if err != nil {
					if KindOf(err) != KindTimeout {
						t.Fatalf("channel %d: %v", i, err)
					}
					return // armed again
				}
				read[i] += n
			}
		}
		for i := range chans {
			drain(i) // the first drain arms
		}
		var sent atomic.Int64
		sentTo := make([]atomic.Int64, nch)
		var wg sync.WaitGroup
		for p := 0; p < producers; p++ {
			wg.Add(1)
			go func(seed int64) {
				defer wg.Done()
				rng := rand.New(rand.NewSource(seed))
				for a := 0; a < arrivals; a++ {
					i, n := rng.Intn(nch), 1+rng.Intn(200)
					chans[i].arrive(rng.Intn(2), make([]byte, n))
					sentTo[i].Add(int64(n))
					sent.Add(int64(n))
					if rng.Intn(4) == 0 {
						time.Sleep(time.Duration(rng.Intn(50)) * time.Microsecond)
					}
				}
			}(int64(round*producers + p))
		}
		produced := make(chan struct{})
		go func() { wg.Wait(); close(produced) }()
		total, finished := 0, false
		var quietSince time.Time
		for {
			select {
			case <-produced:
				finished = true
			default:
			}
			if finished && int64(total) == sent.Load() {
				break
			}
			recs := readRecords(t, 20*time.Millisecond)
			if recs == nil {
				if !finished {
					continue
				}
				if quietSince.IsZero() {
					quietSince = time.Now()
				}
				if time.Since(quietSince) < 5*time.Second {
					continue
				}
				for i := range chans {
					if int64(read[i]) != sentTo[i].Load() {
						t.Fatalf("round %d: channel %d: read %d of %d bytes and no record came: a lost wakeup",
							round, i, read[i], sentTo[i].Load())
					}
				}
				t.Fatalf("round %d: read %d of %d bytes", round, total, sent.Load())
			}
			quietSince = time.Time{}
			noFlood(t, recs)
			for _, r := range recs {
				i, ok := byToken[r]
				if !ok {
					continue // stale, from an earlier test
				}
				before := read[i]
				drain(i)
				total += read[i] - before
			}
		}
		for i := range chans {
			if int64(read[i]) != sentTo[i].Load() {
				t.Fatalf("round %d: channel %d read %d of %d bytes", round, i, read[i], sentTo[i].Load())
			}
		}
		// Every channel is armed again and nothing else arrived: the pipe
		// stays quiet.
		for _, r := range readRecords(t, 20*time.Millisecond) {
			if _, ok := byToken[r]; ok {
				t.Fatalf("round %d: a record with nothing new", round)
			}
		}
	}
}

// The interest of the call that found nothing decides which changes post:
// a channel whose binding reads only stderr is not woken by stdout data,
// and a record disarms every interest until a call finds nothing again.
func TestWatchInterestAndDisarm(t *testing.T) {
	eventsFile(t)
	ch := fakeChannel()
	tok := nextToken.Add(1)
	if err := ch.Watch(tok); err != nil {
		t.Fatal(err)
	}
	expect := func(what string, want bool) {
		t.Helper()
		got := false
		for _, r := range readRecords(t, 50*time.Millisecond) {
			if r == tok {
				got = true
			}
		}
		if got != want {
			t.Fatalf("%s: record %v, want %v", what, got, want)
		}
	}
	buf := make([]byte, 10)
	ch.arrive(Stdout, []byte("x"))
	expect("data on an unarmed channel", false)
	if _, err := ch.Read(Stderr, buf, 0); KindOf(err) != KindTimeout {
		t.Fatalf("read stderr: %v", err)
	}
	ch.arrive(Stdout, []byte("y"))
	expect("stdout data while armed for stderr", false)
	ch.arrive(Stderr, []byte("z"))
	expect("stderr data while armed for stderr", true)
	ch.arrive(Stderr, []byte("z"))
	expect("a second change before any call", false)
	if _, err := ch.ExitStatus(0); KindOf(err) != KindTimeout {
		t.Fatalf("exit status: %v", err)
	}
	ch.mu.Lock()
	ch.exited, ch.exitStatus = true, 3
	ch.broadcast(evExit)
	ch.mu.Unlock()
	expect("the exit status while armed for it", true)
	if _, err := ch.Read(Stdout, buf, 0); err != nil {
		t.Fatalf("buffered stdout: %v", err)
	}
	expect("a read that found data", false)
	if _, err := ch.Read(Stderr, buf, 0); err != nil {
		t.Fatalf("buffered stderr: %v", err)
	}
	if _, err := ch.Read(Stderr, buf, 0); KindOf(err) != KindTimeout {
		t.Fatalf("read stderr: %v", err)
	}
	ch.mu.Lock()
	ch.closeErr = newError(KindClosed, nil, "closed")
	ch.broadcast(evAll)
	ch.mu.Unlock()
	expect("a close while armed", true)
	// Released: no record, whatever happens.
	ch.mu.Lock()
	ch.watchToken, ch.armed = 0, 0
	ch.mu.Unlock()
	ch.arm(evAll)
	ch.arrive(Stdout, []byte("late"))
	expect("a change after release", false)
}

// With a real server: many watched channels driven by one event loop that
// only makes calls with timeout 0, each command writing at its own pace to
// both streams; every output arrives whole, with its exit status.
func TestWatchDrivesChannelsOverSSH(t *testing.T) {
	c, _ := connected(t)
	eventsFile(t)
	for rep := 0; rep < 3; rep++ {
		const nch = 40
		type state struct {
			ch         *Channel
			out, err   bytes.Buffer
			ended      bool
			status     int
			haveStatus bool
		}
		states := make([]*state, nch)
		byToken := map[uint64]*state{}
		for i := range states {
			cmd := fmt.Sprintf("for i in $(seq %d); do echo out%d-$i; echo err%d-$i >&2; [ $((i %% 7)) = 0 ] && sleep 0.0%d; done; exit %d",
				20+i, i, i, i%10, i%5)
			ch, err := c.Exec(cmd, 10*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer ch.Close()
			tok := nextToken.Add(1)
			if err := ch.Watch(tok); err != nil {
				t.Fatal(err)
			}
			states[i] = &state{ch: ch}
			byToken[tok] = states[i]
		}
		buf := make([]byte, 256<<10)
		armed := arms{}
		step := func(s *state, tok uint64) {
			for !s.ended {
				stream, n, err := s.ch.ReadAny(buf, 0)
				if KindOf(err) == KindTimeout {
					armed[tok]++
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if stream < 0 {
					s.ended = true
					break
				}
				[]*bytes.Buffer{&s.out, &s.err}[stream].Write(buf[:n])
			}
			if s.ended && !s.haveStatus {
				st, err := s.ch.ExitStatus(0)
				if err == nil {
					s.status, s.haveStatus = st, true
				} else if KindOf(err) != KindTimeout {
					t.Fatal(err)
				} else {
					armed[tok]++
				}
			}
		}
		for tok, s := range byToken {
			step(s, tok)
		}
		deadline := time.Now().Add(60 * time.Second)
		for {
			done := 0
			for _, s := range states {
				if s.haveStatus {
					done++
				}
			}
			if done == nch {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("rep %d: %d of %d channels finished: a lost wakeup", rep, done, nch)
			}
			recs := readRecords(t, time.Second)
			armed.check(t, recs)
			for _, r := range recs {
				if s, ok := byToken[r]; ok {
					step(s, r)
				}
			}
		}
		for i, s := range states {
			var wantOut, wantErr bytes.Buffer
			for j := 1; j <= 20+i; j++ {
				fmt.Fprintf(&wantOut, "out%d-%d\n", i, j)
				fmt.Fprintf(&wantErr, "err%d-%d\n", i, j)
			}
			if s.out.String() != wantOut.String() || s.err.String() != wantErr.String() || s.status != i%5 {
				t.Fatalf("rep %d channel %d: stdout %q stderr %q status %d", rep, i, s.out.String(), s.err.String(), s.status)
			}
		}
	}
}

// Writes with timeout 0 driven by records: 16 MiB through cat, while the
// echo is read the same way; then a flush (an empty write) and the EOF.
func TestWatchWriteWindowOverSSH(t *testing.T) {
	c, _ := connected(t)
	eventsFile(t)
	ch, err := c.Exec("cat", 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	tok := nextToken.Add(1)
	if err := ch.Watch(tok); err != nil {
		t.Fatal(err)
	}
	data := make([]byte, 16<<20)
	rand.New(rand.NewSource(1)).Read(data)
	var echo bytes.Buffer
	rest, flushed, eof, ended := data, false, false, false
	buf := make([]byte, 256<<10)
	writeTimeouts := 0
	armed := arms{}
	step := func() {
		for len(rest) > 0 {
			n, err := ch.Write(rest[:min(len(rest), 1<<20)], 0)
			rest = rest[n:]
			if KindOf(err) == KindTimeout {
				writeTimeouts++
				armed[tok]++
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if len(rest) == 0 && !flushed {
			_, err := ch.Write(nil, 0)
			if err == nil {
				flushed = true
			} else if KindOf(err) != KindTimeout {
				t.Fatal(err)
			} else {
				armed[tok]++
			}
		}
		if flushed && !eof {
			if err := ch.SendEOF(); err != nil {
				t.Fatal(err)
			}
			eof = true
		}
		for !ended {
			n, err := ch.Read(Stdout, buf, 0)
			if KindOf(err) == KindTimeout {
				armed[tok]++
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				ended = true
			}
			echo.Write(buf[:n])
		}
	}
	step()
	deadline := time.Now().Add(60 * time.Second)
	for !ended {
		if time.Now().After(deadline) {
			t.Fatalf("stuck after %d of %d bytes written, %d echoed: a lost wakeup", len(data)-len(rest), len(data), echo.Len())
		}
		recs := readRecords(t, time.Second)
		armed.check(t, recs)
		for _, r := range recs {
			if r == tok {
				step()
			}
		}
	}
	if !bytes.Equal(echo.Bytes(), data) {
		t.Fatalf("cat echoed %d bytes, not the %d written", echo.Len(), len(data))
	}
	if writeTimeouts == 0 {
		t.Log("the window never filled: the write path's records were not exercised")
	}
}

// Accepts driven by records: a client watched for forwards gets one when
// a connection arrives, and one when the connection ends.
func TestWatchForwardsOverSSH(t *testing.T) {
	c, _ := connected(t)
	eventsFile(t)
	tok := nextToken.Add(1)
	if err := c.WatchForwards(tok); err != nil {
		t.Fatal(err)
	}
	port, err := c.RequestPortForward("127.0.0.1", 0)
	if err != nil {
		t.Fatal(err)
	}
	waitRecord := func(what string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			for _, r := range readRecords(t, time.Second) {
				if r == tok {
					return
				}
			}
		}
		t.Fatalf("no record for %s", what)
	}
	for i := 0; i < 3; i++ {
		if _, err := c.AcceptForward(0); KindOf(err) != KindTimeout {
			t.Fatalf("accept with nothing waiting: %v", err)
		}
		conn, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			t.Fatal(err)
		}
		waitRecord("a forwarded connection")
		ch, err := c.AcceptForward(0)
		if err != nil {
			t.Fatal(err)
		}
		ch.Close()
		conn.Close()
	}
	if _, err := c.AcceptForward(0); KindOf(err) != KindTimeout {
		t.Fatalf("accept with nothing waiting: %v", err)
	}
	c.Close()
	waitRecord("the end of the connection")
	if _, err := c.AcceptForward(0); KindOf(err) != KindClosed {
		t.Fatalf("accept after close: %v", err)
	}
}
