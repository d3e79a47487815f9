package core

import (
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
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

func TestTuneGCFloorsTheHeadroom(t *testing.T) {
	if os.Getenv("GOGC") != "" {
		t.Skip("GOGC is set: TuneGC leaves it alone (TestTuneGCLeavesGOGCAlone)")
	}
	TuneGC(DefaultGCHeadroom)
	// A small live heap: the goal is live + 16 MiB, far above GOGC=100's.
	if p := waitPercent(t, func(p int) bool { return p > 200 }); p <= 200 {
		t.Fatalf("GOGC %d with a small live heap, want > 200", p)
	}
	// A live heap larger than the headroom: plain GOGC=100, so memory
	// stays proportional to what is live.
	big := make([]byte, 3*DefaultGCHeadroom)
	for i := range big {
		big[i] = byte(i)
	}
	if p := waitPercent(t, func(p int) bool { return p == 100 }); p != 100 {
		t.Fatalf("GOGC %d with %d MiB live, want 100", p, len(big)>>20)
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

// heapGoal is the Go runtime's heap goal for a live heap and GOGC (see
// runtimeHeapMinimum).
func heapGoal(live uint64, p int) uint64 {
	return max(live+live*uint64(p)/100, runtimeHeapMinimum*uint64(p)/100)
}

// TestGCPercentForGoal checks the goal TuneGC aims at, live + max(live,
// headroom), against the runtime's formula, heap minimum included: at
// start (live 0) and for a client at rest (live under 4 MiB) the goal once
// was 4 MiB*headroom/live, 64 MiB and more.
func TestGCPercentForGoal(t *testing.T) {
	const h = DefaultGCHeadroom
	for _, live := range []uint64{0, 64 << 10, 512 << 10, 1 << 20, 2 << 20, 3 << 20, 4 << 20, 6 << 20, 8 << 20, 12 << 20, 15 << 20, 16 << 20, 17 << 20, 64 << 20, 1 << 30} {
		p := gcPercentFor(live, h)
		goal := heapGoal(live, p)
		want := live + max(live, h)
		if goal > want+want/16 || goal < want-want/8 {
			t.Errorf("live %d KiB: GOGC %d gives a goal of %d KiB, want about %d KiB", live>>10, p, goal>>10, want>>10)
		}
		if p < 100 || p > maxGCPercent {
			t.Errorf("live %d KiB: GOGC %d outside 100..%d", live>>10, p, maxGCPercent)
		}
	}
}
