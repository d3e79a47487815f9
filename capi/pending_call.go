package main

/*
#include <stdint.h>
#include <stdlib.h>
#include "sftp_types.h"
*/
import "C"

import (
	"unsafe"

	"github.com/gossh/gossh/core"
)

// Any blocking call in the background (include/gossh.h, "SFTP in the
// background"): a _pending twin checks nothing itself; it copies the
// caller's C strings and structs that the call reads (the caller's memory
// for them may be gone once the twin returns), then runs the blocking
// export's own body, unchanged, on a goroutine with an error slot of its
// own. The call writes its out-parameters where the caller said, as the
// blocking export does, before the pending's record is posted; the code
// and error it returned come from gossh_pending_take.

// kept holds the C copies a background call reads, freed once it has
// returned.
type kept []unsafe.Pointer

// str replaces *p (if not NULL) with a copy of the string.
func (k *kept) str(p **C.char) {
	if *p != nil {
		c := C.CString(C.GoString(*p))
		*k = append(*k, unsafe.Pointer(c))
		*p = c
	}
}

// attrs replaces *p (if not NULL) with a copy of the struct.
func (k *kept) attrs(p **C.gossh_sftp_attrs) {
	if *p != nil {
		c := (*C.gossh_sftp_attrs)(C.malloc(C.sizeof_gossh_sftp_attrs))
		*c = **p
		*k = append(*k, unsafe.Pointer(c))
		*p = c
	}
}

func (k kept) free() {
	for _, p := range k {
		C.free(p)
	}
}

// callPending runs call (a blocking export with the copies in keep) in the
// background and returns its pending in *pout.
func callPending(pout *C.uintptr_t, errOut *C.uintptr_t, keep kept, call func(errOut *C.uintptr_t) C.int) C.int {
	started := false
	defer func() {
		if !started {
			keep.free()
		}
	}()
	if pout == nil {
		return finish(core.InvalidArgument("pending is NULL"), errOut)
	}
	*pout = 0
	p, err := core.NewPending()
	if err != nil {
		return finish(err, errOut)
	}
	ph := putHandle(kindPending, p)
	started = true
	p.StartCall(uint64(ph), func() error {
		defer keep.free()
		var e C.uintptr_t
		if rc := call(&e); rc == 0 {
			gossh_error_free(e)
			return nil
		}
		o, err := lookup(e, kindError)
		if err != nil {
			return core.PanicError(nil, "a background call", "a failure without its error")
		}
		defer gossh_error_free(e)
		return o.(*errorObject).err
	})
	*pout = ph
	return 0
}
