package core

import (
	"os"
	"runtime"
)

// LeaveOneCPU lowers the Go runtime's GOMAXPROCS by one (to at least 1),
// unless GOMAXPROCS is set in the environment, which wins. libgossh calls
// it when loaded: there the Go runtime shares the machine with the host
// program's own threads (Node's main thread, Python's interpreter, a C
// caller), which also need a core. A P beyond that buys a client nothing
// but Go's idle Ms spinning for work (futex and usleep) each time a
// goroutine is readied, a packet at a time on a bulk stream. Measured on
// the 2-core machine, 512 MiB exec stdout, four interleaved pairs each
// (GOMAXPROCS 2 -> 1): CPU per GiB C 1.58 -> 1.37, Python 1.79 -> 1.56,
// Node 1.98 -> 1.59, throughput the same or higher; re-measured on another
// machine (2026-12-03, three pairs of 1 GiB): C, Python and Node each
// 10-30% more CPU with 2. The price of one P: a calling thread that returns
// to its program (or waits on a futex) leaves the P in a syscall state, and
// the runtime's sysmon retakes it after 20 µs so a reader goroutine can run,
// which keeps sysmon waking every 20 µs during a bulk read from C (the
// library's own socket and pipe calls no longer add to it: rawio_linux.go,
// ready.go). With two Ps or more a waiting caller's thread keeps its P
// instead (sleeper_linux.go), but on 2 cores that measured better for C and
// worse for Python and Node (2026-12-03, three interleaved 1 GiB runs: C
// 1.55-1.84 vs 1.78-2.23 s per GiB, Python 2.08-2.56 vs 2.16-2.54, Node
// 2.35-3.10 vs 2.20-2.34). The default it lowers
// already follows the process's CPU affinity and cgroup limit; setting it
// stops the runtime from updating it when that limit changes. It returns
// the GOMAXPROCS in force.
func LeaveOneCPU() int {
	n := runtime.GOMAXPROCS(0)
	if os.Getenv("GOMAXPROCS") != "" || n <= 1 {
		return n
	}
	runtime.GOMAXPROCS(n - 1)
	return n - 1
}
