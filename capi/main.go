// Command capi is built with -buildmode=c-shared into libgossh.so. It only
// translates between C and core: C values in, core calls, handles and error
// objects out. No SSH decision is made here.
//
// Handles and callback pointers cross the boundary as uintptr_t so that the
// Go runtime never holds a caller's (possibly garbage) handle as a pointer;
// on every supported ABI a uintptr_t is passed exactly as a pointer, so the
// hand-written include/gossh.h declares them as opaque pointer types.
package main

/*
#include <stdint.h>
#include <stdlib.h>
*/
import "C"

import "github.com/gossh/gossh/core"

// The library's Go runtime serves only gossh: collect garbage with
// headroom (core.TuneGC; a GOGC in the environment wins), and leave a CPU
// to the host program's threads (core.LeaveOneCPU; a GOMAXPROCS in the
// environment wins).
func init() {
	core.TuneGC(core.DefaultGCHeadroom)
	core.LeaveOneCPU()
}

func main() {}
