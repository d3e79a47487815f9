package core

import (
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

// gcPercent reads the current GOGC percentage.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

// waitPercent runs collections until GOGC satisfies ok (the tuner retunes
// from the finalizer goroutine, after a collection), or gives up.
func waitPercent(t *testing.T, ok func(int) bool) int {
	t.Helper()
	p := gcPercent()
	for i := 0; i < 200 && !ok(p); i++ {
		runtime.GC()
		time.Sleep(5 * time.Millisecond)
		p = gcPercent()
	}
	return p
}

// testGCHeadroom is larger than DefaultGCHeadroom, whose 2 MiB is below Go's
// own minimum goal: with it, the floor lifts GOGC far enough to be seen.
// TuneGC takes only its first call's headroom in a process, and this test is
// the only one of the package's to call it by default.
const testGCHeadroom = 16 << 20

func TestTuneGCFloorsTheHeadroom(t *testing.T) {
	if os.Getenv("GOGC") != "" {
		t.Skip("GOGC is set: TuneGC leaves it alone (TestTuneGCLeavesGOGCAlone)")
	}
	TuneGC(testGCHeadroom)
	// A small live heap: the goal is live + 16 MiB, far above GOGC=100's.
	if p := waitPercent(t, func(p int) bool { return p > 200 }); p <= 200 {
		t.Fatalf("GOGC %d with a small live heap, want > 200", p)
	}
	// ...and no more than about that: Go's minimum goal (4 MiB at GOGC=100)
	// scales with GOGC, and must not lift the goal far above the headroom.
	goal := []metrics.Sample{{Name: "/gc/heap/goal:bytes"}}
	metrics.Read(goal)
	if g := goal[0].Value.Uint64(); g > 2*testGCHeadroom {
		t.Fatalf("heap goal %d MiB with a small live heap, want about the %d MiB headroom", g>>20, testGCHeadroom>>20)
	}
	// A live heap larger than twice the headroom: the proportional rule
	// (gcPercentAbove), so memory stays proportional to what is live.
	big := make([]byte, 3*testGCHeadroom)
	for i := range big {
		big[i] = byte(i)
	}
	if p := waitPercent(t, func(p int) bool { return p == gcPercentAbove }); p != gcPercentAbove {
		t.Fatalf("GOGC %d with %d MiB live, want %d", p, len(big)>>20, gcPercentAbove)
	}
	runtime.KeepAlive(big)
	big = nil
	if p := waitPercent(t, func(p int) bool { return p > 200 }); p <= 200 {
		t.Fatalf("GOGC %d once the large heap is garbage, want > 200", p)
	}
}

func TestTuneGCLeavesGOGCAlone(t *testing.T) {
	if os.Getenv("GOSSH_TUNEGC_CHILD") == "1" {
		TuneGC(DefaultGCHeadroom)
		for i := 0; i < 5; i++ {
			runtime.GC()
			time.Sleep(5 * time.Millisecond)
		}
		if p := gcPercent(); p != 150 {
			t.Fatalf("GOGC=150 in the environment, TuneGC left %d", p)
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestTuneGCLeavesGOGCAlone$", "-test.v")
	cmd.Env = append(os.Environ(), "GOSSH_TUNEGC_CHILD=1", "GOGC=150")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
}
