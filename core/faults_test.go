package core

// The fault suite (issue 7): a stream cut off by a lost connection must never
// read as a clean end. Each fault runs faultReps times through a
// sshtest.FaultProxy in front of the real sshd (plus a real kill of the sshd
// session process, without the proxy), reading a command's output to the end
// and then waiting for its exit status. A summary line per fault gives the
// counts, so that a 1-in-10 race shows up as a number, not as luck.
//
// What each fault must give:
//   - close, rst, fin, flip and kill: the read ends with a KindClosed or
//     KindProtocol error, and so does the exit-status wait;
//   - stall: KindTimeout (the read's 1 s timeout) or KindClosed, for both;
//   - none and drip: every byte (zeros), a clean end, exit status 0.
//
// Never a clean end (0, nil) of a cut stream, never an exit status without
// an error for a cut session, never a non-zero byte, and every call returns
// within its timeout (plus faultSlack).
//
//	testenv/with-sshd.sh go test -run 'TestFaults' -v ./core/

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gossh/gossh/core/sshtest"
)

const (
	faultReps      = 50
	faultDataBytes = 3 << 20 // more than any fault offset (2 MiB + 49*997 at most)
	faultStallRead = time.Second
	faultStallWait = 500 * time.Millisecond
	faultReadWait  = 10 * time.Second // reads and waits that must not stall
	faultSlack     = 2 * time.Second  // how late a call may return after its timeout
	faultPar       = 3                // runs at once: a run mostly waits for sshd's fork and key exchange
	faultStallPar  = 25               // stall runs at once: each mostly waits for its timeout
)

// faultOffset is the fault offset of run i: 32 KiB..2 MiB (about the
// channel window), never aligned.
func faultOffset(i int) int64 { return (32 << 10 << (i % 7)) + int64(i)*997 }

// faultStats counts the outcomes of one fault's runs.
type faultStats struct {
	mu        sync.Mutex
	runs      int
	cleanEOF  int            // a cut stream read as a clean end
	exitClean int            // a cut session's exit-status wait returned no error
	kinds     map[string]int // "read:closed", "exit:timeout", ...
	failures  []string       // every wrong outcome, described
}

func (s *faultStats) add(r faultResult) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.runs++
	if s.kinds == nil {
		s.kinds = map[string]int{}
	}
	s.kinds["read:"+r.readEnd]++
	s.kinds["exit:"+r.exitEnd]++
	if r.cleanEOF {
		s.cleanEOF++
	}
	if r.exitClean {
		s.exitClean++
	}
	s.failures = append(s.failures, r.failures...)
}

func (s *faultStats) summary(name string, d time.Duration) string {
	keys := make([]string, 0, len(s.kinds))
	for k := range s.kinds {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, s.kinds[k])
	}
	return fmt.Sprintf("go fault %-5s runs=%d clean_eof_on_cut=%d exit_without_error_on_cut=%d other_failures=%d outcomes[%s] %.1fs",
		name, s.runs, s.cleanEOF, s.exitClean, len(s.failures)-s.cleanEOF-s.exitClean, strings.Join(parts, " "), d.Seconds())
}

// faultResult is one run's outcome.
type faultResult struct {
	got       int64
	readEnd   string // "eof" (clean end) or the error's kind
	exitEnd   string // "status=N" or the error's kind
	cleanEOF  bool
	exitClean bool
	failures  []string
}

func (r *faultResult) fail(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

// kindName is a short name for an error's kind.
func kindName(err error) string {
	switch KindOf(err) {
	case KindClosed:
		return "closed"
	case KindProtocol:
		return "protocol"
	case KindTimeout:
		return "timeout"
	}
	return strings.ReplaceAll(KindOf(err).String(), " ", "_")
}

// faultCase is what one fault must do to a run.
type faultCase struct {
	name    string
	cut     bool     // the stream is cut: it must end with an error
	accept  []string // the error kinds acceptable for a cut read and exit wait
	read    time.Duration
	wait    time.Duration
	command func(i int) string
}

// noBytes is what the commands write, a buffer's worth of it.
var noBytes = make([]byte, 256<<10)

func zeros(n int64) string { return "head -c " + strconv.FormatInt(n, 10) + " /dev/zero" }

// faultRun connects to port, runs the case's command, reads stdout to the end
// and waits for the exit status, and judges the outcome.
func faultRun(s testServer, port int, fc faultCase, i int) (r faultResult) {
	c := NewClient()
	c.SetPolicy(AutoAddPolicy{}) // the proxy's port is not in known_hosts; no file is loaded, nothing saved
	defer c.Close()
	cfg := s.config("id_ed25519")
	cfg.Port = port
	cfg.Timeout, cfg.BannerTimeout, cfg.AuthTimeout = 5*time.Second, 5*time.Second, 10*time.Second
	r.readEnd, r.exitEnd = "none", "none"
	if err := c.Connect(cfg); err != nil {
		r.fail("run %d: connect: %v (%v)", i, err, KindOf(err))
		return r
	}
	ch, err := c.Exec(fc.command(i), 10*time.Second)
	if err != nil {
		r.fail("run %d: exec: %v (%v)", i, err, KindOf(err))
		return r
	}
	defer ch.Close()
	buf := make([]byte, len(noBytes))
	var readErr error
	for {
		start := time.Now()
		n, err := ch.Read(Stdout, buf, fc.read)
		if d := time.Since(start); d > fc.read+faultSlack {
			r.fail("run %d: a read took %v, timeout %v", i, d, fc.read)
		}
		if !bytes.Equal(buf[:n], noBytes[:n]) { // not a loop: -race instruments those byte by byte
			r.fail("run %d: the output has a byte that is not 0 after byte %d: corrupt data delivered", i, r.got)
		}
		r.got += int64(n)
		if err != nil {
			readErr = err
			break
		}
		if n == 0 {
			break
		}
	}
	start := time.Now()
	status, exitErr := ch.ExitStatus(fc.wait)
	if d := time.Since(start); d > fc.wait+faultSlack {
		r.fail("run %d: the exit-status wait took %v, timeout %v", i, d, fc.wait)
	}
	r.readEnd, r.exitEnd = "eof", "status="+strconv.Itoa(status)
	if readErr != nil {
		r.readEnd = kindName(readErr)
	}
	if exitErr != nil {
		r.exitEnd = kindName(exitErr)
	}
	if !fc.cut {
		if readErr != nil || r.got != faultDataBytes {
			r.fail("run %d: read %d of %d bytes, then %v", i, r.got, faultDataBytes, readErr)
		}
		if exitErr != nil || status != 0 {
			r.fail("run %d: exit status %d, %v; want 0", i, status, exitErr)
		}
		return r
	}
	if readErr == nil {
		r.cleanEOF = true
		r.fail("run %d: CLEAN EOF on a cut stream after %d bytes", i, r.got)
	} else if !slices.Contains(fc.accept, r.readEnd) {
		r.fail("run %d: read ended with %s error %q after %d bytes; want one of %v", i, r.readEnd, readErr, r.got, fc.accept)
	}
	if exitErr == nil {
		r.exitClean = true
		r.fail("run %d: exit status %d without an error for a cut session", i, status)
	} else if !slices.Contains(fc.accept, r.exitEnd) {
		r.fail("run %d: exit-status wait ended with %s error %q; want one of %v", i, r.exitEnd, exitErr, fc.accept)
	}
	return r
}

// faultServer is the test sshd, or a skip when there is none.
func faultServer(t *testing.T) testServer {
	t.Helper()
	if os.Getenv("GOSSH_TEST_HOST") == "" {
		t.Skip("no test sshd: run through `make test` or `testenv/with-sshd.sh go test -run TestFaults ./core/`")
	}
	return sshd(t)
}

// runFault runs fc reps times against port, par at a time, and reports.
func runFault(t *testing.T, s testServer, port func(i int) int, fc faultCase, reps, par int) {
	var stats faultStats
	start := time.Now()
	for i0 := 0; i0 < reps; i0 += par {
		var wg sync.WaitGroup
		for i := i0; i < min(i0+par, reps); i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				stats.add(faultRun(s, port(i), fc, i))
			}()
		}
		wg.Wait()
	}
	line := stats.summary(fc.name, time.Since(start))
	fmt.Println(line) // the summary is wanted without -v too
	if len(stats.failures) > 0 {
		slices.SortStableFunc(stats.failures, func(a, b string) int { // the worst first
			return strings.Count(b, "CLEAN EOF") - strings.Count(a, "CLEAN EOF")
		})
		shown := stats.failures
		if len(shown) > 10 {
			shown = shown[:10]
		}
		t.Errorf("%s: %d wrong outcomes, the first:\n  %s", fc.name, len(stats.failures), strings.Join(shown, "\n  "))
	}
}

func TestFaultsThroughProxy(t *testing.T) {
	s := faultServer(t)
	offsets := make([]int64, faultReps)
	for i := range offsets {
		offsets[i] = faultOffset(i)
	}
	lost := []string{"closed", "protocol"}
	stalled := []string{"timeout", "closed"}
	data := func(int) string { return zeros(faultDataBytes) }
	for _, fc := range []faultCase{
		{name: "none", read: faultReadWait, wait: faultReadWait, command: data},
		{name: "drip", read: faultReadWait, wait: faultReadWait, command: data},
		{name: "close", cut: true, accept: lost, read: faultReadWait, wait: faultReadWait, command: data},
		{name: "rst", cut: true, accept: lost, read: faultReadWait, wait: faultReadWait, command: data},
		{name: "fin", cut: true, accept: lost, read: faultReadWait, wait: faultReadWait, command: data},
		{name: "flip", cut: true, accept: lost, read: faultReadWait, wait: faultReadWait, command: data},
		{name: "stall", cut: true, accept: stalled, read: faultStallRead, wait: faultStallWait, command: data},
	} {
		t.Run(fc.name, func(t *testing.T) {
			fault, err := sshtest.ParseProxyFault(fc.name)
			if err != nil {
				t.Fatal(err)
			}
			p, err := sshtest.StartFaultProxy(sshtest.ProxyConfig{
				Target: net.JoinHostPort(s.host, strconv.Itoa(s.port)), Fault: fault, After: offsets})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			par := faultPar
			if fault == sshtest.ProxyStall {
				par = faultStallPar
			}
			runFault(t, s, func(int) int { return p.Port() }, fc, faultReps, par)
			if fault != sshtest.ProxyNone && p.Tripped() != faultReps {
				t.Errorf("the fault fired on %d of %d connections", p.Tripped(), faultReps)
			}
		})
	}
}

// The command kills its own sshd session process mid-output. Under OpenSSH
// the tree is sshd -> "sshd: user [priv]" (the monitor, root) -> "sshd:
// user@notty" (the session, running as the user) -> the shell running the
// command, so the shell's $PPID is the session process that holds the
// connection. (A subshell keeps its parent's $PPID.)
func TestFaultsKillSession(t *testing.T) {
	s := faultServer(t)
	kill := func(i int) string {
		return fmt.Sprintf("(sleep 0.%02d; kill -9 $PPID) & exec head -c 1000000000 /dev/zero", 1+(i%5)*2)
	}
	runFault(t, s, func(int) int { return s.port }, faultCase{name: "kill", cut: true, accept: []string{"closed", "protocol"},
		read: faultReadWait, wait: faultReadWait, command: kill}, faultReps, faultPar)
}
