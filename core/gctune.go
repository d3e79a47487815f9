package core

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// Garbage collection with a floor of headroom.
//
// Upstream x/crypto/ssh allocated a fresh buffer for every packet it read
// (32 KiB for channel data), so a stream of output was ~1 GiB of garbage per
// GiB read, and with Go's default GOGC=100 and the few MiB a client keeps
// live, the heap goal stayed near Go's 4 MiB minimum: 256 MiB of output cost
// ~110 collections, some 15-20% of the client's CPU. TuneGC keeps the goal
// at least `headroom` above the live heap, which makes a collection every
// `headroom` bytes instead of every few MiB, and leaves a proportional rule
// in charge once the live heap is large (a thousand busy channels), so
// memory stays proportional to what is live: GOGC=50 (gcPercentAbove), not
// Go's 100, since memory per connection is what a fan-out over many hosts
// runs out of, and the library's heap is mostly pointer-free buffers that
// are cheap to mark. This is the "GC tuner" of
// Uber's and CockroachDB's services, a settable floor where a ballast
// allocation would be a fixed one.

// DefaultGCHeadroom is the headroom libgossh asks for: a client's resident
// memory may grow by about this much while it streams. Since x/crypto's
// packets come from a pool (third_party's patches), a GiB of output makes
// about 10 MB of garbage, five collections at this headroom. It was 16 MiB,
// then 4 MiB with GOGC=100 above it: both kept a 100-host fan-out's
// handshake garbage (some 75 KB a host) in its peak memory. 2 MiB with
// GOGC=50 above it: fan-out of 100 hosts over 8 sshds, peak memory per
// host C 89.8/99.2 -> 85.8/92.0 KiB, Python 93.5/94.1 -> 84.6/86.0, Node
// 101.5/100.2 -> 94.0/94.5 (two interleaved runs of bench/fanout.py, medians
// of 3 each).
const DefaultGCHeadroom = 2 << 20

// gcPercentAbove is the GOGC percentage TuneGC sets once half the live heap
// (with stacks and globals) is more than the headroom.
const gcPercentAbove = 50

// maxGCPercent bounds the percentage TuneGC sets for a tiny live heap.
const maxGCPercent = 2000

// goHeapMinimum is the Go runtime's minimum heap goal at GOGC=100; the
// runtime scales it by GOGC/100.
const goHeapMinimum = 4 << 20

var gcTune struct {
	once     sync.Once
	headroom uint64
	percent  int
	sample   []metrics.Sample
}

// TuneGC makes the Go runtime collect garbage at most about every headroom
// bytes of allocation while the live heap (with goroutine stacks and
// globals) is small (see above); above twice headroom bytes live it is
// GOGC=50 (gcPercentAbove). It does nothing if the GOGC
// environment variable is set (the user's choice wins) and nothing after its
// first call. libgossh calls it when loaded, since its Go runtime serves
// only gossh; a Go program may call it or not.
func TuneGC(headroom int64) {
	if _, set := os.LookupEnv("GOGC"); set || headroom <= 0 {
		return
	}
	gcTune.once.Do(func() {
		gcTune.headroom = uint64(headroom)
		gcTune.percent = 100
		gcTune.sample = []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/scan/stack:bytes"}, {Name: "/gc/scan/globals:bytes"}}
		retune()
		armGCTuner()
	})
}

// gcSentinel is garbage whose finalizer runs once per collection. Larger
// than the tiny allocator's 16 bytes, so it is an object of its own and its
// finalizer does run.
type gcSentinel struct {
	_ [64]byte
}

// armGCTuner makes a sentinel whose finalizer retunes after the collection
// that found it unreachable, then arms the next one.
func armGCTuner() {
	runtime.SetFinalizer(&gcSentinel{}, func(*gcSentinel) {
		retune()
		armGCTuner()
	})
}

// retune sets GOGC so that the next goal is live + max(base/2, headroom),
// where base is what GOGC's percentage applies to: since Go 1.18 the goal
// is live + (live heap + goroutine stacks + globals) * GOGC/100. Taking the
// live heap alone as the base overshot wherever stacks are large next to
// it: a group's fan-out over a thousand hosts has some 8000 goroutines,
// tens of MiB of stacks, and a percentage sized for a few MiB of heap let
// the heap grow by several times the headroom before a collection (all of
// it in the fan-out's peak memory per host). Called at start and from the
// finalizer goroutine after each collection.
func retune() {
	metrics.Read(gcTune.sample)
	base := uint64(0)
	for _, s := range gcTune.sample {
		if s.Value.Kind() == metrics.KindUint64 {
			base += s.Value.Uint64()
		}
	}
	if base == 0 {
		base = 1 << 20
	}
	p := gcPercentAbove
	if base*gcPercentAbove/100 < gcTune.headroom {
		p = int(gcTune.headroom * 100 / base)
		// Go's minimum heap goal is 4 MiB scaled by GOGC/100: at 2000% it
		// was 80 MiB, so a client with a small heap collected nothing
		// before 80 MiB, five times the headroom (a fan-out's garbage
		// all stayed in its peak memory).
		p = max(gcPercentAbove, min(p, maxGCPercent, int((base+gcTune.headroom)*100/goHeapMinimum)))
	}
	// Only a real change: SetGCPercent takes the heap lock.
	if d := p - gcTune.percent; d > gcTune.percent/8 || -d > gcTune.percent/8 {
		gcTune.percent = p
		debug.SetGCPercent(p)
	}
}
