package main

/*
#include <stdint.h>
#include <stdlib.h>
*/
import "C"

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"unsafe"

	"github.com/gossh/gossh/core"
)

// errorObject is what a gossh_error handle holds: the core error and the C
// strings handed out for it, freed with the handle.
type errorObject struct {
	err     *core.Error
	mu      sync.Mutex
	message *C.char
	details map[string]*C.char
}

func (e *errorObject) free() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.message != nil {
		C.free(unsafe.Pointer(e.message))
		e.message = nil
	}
	for k, s := range e.details {
		C.free(unsafe.Pointer(s))
		delete(e.details, k)
	}
}

// code is the GOSSH_E_* value of a kind: the kinds are numbered as the codes.
func code(k core.Kind) C.int { return C.int(-int(k)) }

// finish stores err (if any) in *errOut and returns its code, or 0.
func finish(err error, errOut *C.uintptr_t) C.int {
	if errOut != nil {
		*errOut = 0
	}
	if err == nil {
		return 0
	}
	e := core.AsError(err)
	if errOut != nil {
		*errOut = putHandle(kindError, &errorObject{err: e, details: map[string]*C.char{}})
	}
	return code(e.Kind)
}

// guard is deferred by every export that returns a code: a panic becomes
// GOSSH_E_INTERNAL instead of crossing into C. Its message is "internal
// error in <export>: <panic value>"; the stack goes to the log (error
// level), never into the message.
func guard(rc *C.int, errOut *C.uintptr_t) {
	if r := recover(); r != nil {
		*rc = finish(core.PanicError(nil, exportName(), r), errOut)
	}
}

// exportName is the name of the gossh_* export on the calling goroutine's
// stack ("gossh_client_connect"), or "libgossh" if there is none. Called
// from a deferred guard, the export is still on the stack below the panic.
func exportName() string {
	pcs := make([]uintptr, 64)
	n := runtime.Callers(2, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		// "main.gossh_x" (or "<path>/capi.gossh_x" in tests); a closure
		// inside the export is "main.gossh_x.func1".
		fn := f.Function[strings.LastIndex(f.Function, "/")+1:]
		if _, name, ok := strings.Cut(fn, "."); ok && strings.HasPrefix(name, "gossh_") {
			name, _, _ = strings.Cut(name, ".")
			return name
		}
		if !more {
			return "libgossh"
		}
	}
}

// guardVoid is deferred by exports that return nothing.
func guardVoid() { _ = recover() }

var (
	staticNullError = C.CString("gossh_error handle is NULL")
	staticBadError  = C.CString("gossh_error handle is not valid (freed, or never made)")
)

//export gossh_error_code
func gossh_error_code(h C.uintptr_t) (rc C.int) {
	defer guard(&rc, nil)
	o, err := lookup(h, kindError)
	if err != nil {
		return code(core.KindOf(err))
	}
	return code(o.(*errorObject).err.Kind)
}

//export gossh_error_message
func gossh_error_message(h C.uintptr_t) (msg *C.char) {
	defer func() {
		if recover() != nil {
			msg = staticBadError
		}
	}()
	if h == 0 {
		return staticNullError
	}
	o, err := lookup(h, kindError)
	if err != nil {
		return staticBadError
	}
	e := o.(*errorObject)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.message == nil {
		e.message = C.CString(e.err.Msg)
	}
	return e.message
}

//export gossh_error_detail
func gossh_error_detail(h C.uintptr_t, name *C.char) (out *C.char) {
	defer func() {
		if recover() != nil {
			out = nil
		}
	}()
	if name == nil {
		return nil
	}
	o, err := lookup(h, kindError)
	if err != nil {
		return nil
	}
	e := o.(*errorObject)
	key := C.GoString(name)
	v, ok := e.err.Details[key]
	if !ok {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if s, ok := e.details[key]; ok {
		return s
	}
	s := C.CString(v)
	e.details[key] = s
	return s
}

//export gossh_error_free
func gossh_error_free(h C.uintptr_t) {
	defer guardVoid()
	if o := dropHandle(h, kindError); o != nil {
		o.(*errorObject).free()
	}
}

//export gossh_free
func gossh_free(p unsafe.Pointer) {
	C.free(p)
}

// codeNames are the C names of the codes, indexed by -code (0 is GOSSH_OK),
// in the order of core's kinds (TestCodeNamesCoverEveryKind). The C strings
// are made once and never freed: gossh_code_name hands out static strings.
var codeNames = func() []*C.char {
	names := []string{"GOSSH_OK", "GOSSH_E_INVALID", "GOSSH_E_BADHANDLE", "GOSSH_E_INTERNAL",
		"GOSSH_E_CONNECT", "GOSSH_E_TIMEOUT", "GOSSH_E_AUTH", "GOSSH_E_BADAUTHTYPE",
		"GOSSH_E_PASSWORD_REQUIRED", "GOSSH_E_HOSTKEY_UNKNOWN", "GOSSH_E_HOSTKEY_MISMATCH",
		"GOSSH_E_PROTOCOL", "GOSSH_E_CLOSED", "GOSSH_E_CHANNEL", "GOSSH_E_KEY",
		"GOSSH_E_NOT_CONNECTED", "GOSSH_E_IO", "GOSSH_E_SFTP", "GOSSH_E_CANCELLED"}
	out := make([]*C.char, len(names))
	for i, n := range names {
		out[i] = C.CString(n)
	}
	return out
}()

var unknownCodeName = C.CString("GOSSH_E_UNKNOWN")

//export gossh_code_name
func gossh_code_name(rc C.int) *C.char {
	if rc > 0 || int(-int64(rc)) >= len(codeNames) {
		return unknownCodeName
	}
	return codeNames[-rc]
}

// codeName is gossh_code_name for Go (tests cannot use cgo).
func codeName(rc int) string { return C.GoString(gossh_code_name(C.int(rc))) }

var versionString = C.CString(core.Version)

//export gossh_version
func gossh_version(out **C.char) C.int {
	if out != nil {
		*out = versionString
	}
	return versionNumber
}

// versionNumber is core.Version as MAJOR*10000 + MINOR*100 + PATCH.
var versionNumber = func() C.int {
	var major, minor, patch int
	fmt.Sscanf(core.Version, "%d.%d.%d", &major, &minor, &patch)
	return C.int(major*10000 + minor*100 + patch)
}()

// cString copies a C string, "" for NULL.
func cString(s *C.char) string {
	if s == nil {
		return ""
	}
	return C.GoString(s)
}
