package main

/*
#include <stdint.h>
#include <stdlib.h>

typedef int (*gossh_hostkey_cb)(const char *hostname, const char *key_type,
                                const char *key_base64, const char *fingerprint,
                                void *userdata);

typedef void (*gossh_log_cb)(int level, const char *name, const char *message, void *userdata);

// Go cannot call a C function pointer: these trampolines do.
static void gossh_call_log_cb(uintptr_t cb, int level, const char *name, const char *message,
                              uintptr_t userdata) {
	((gossh_log_cb)cb)(level, name, message, (void *)userdata);
}

static int gossh_call_hostkey_cb(uintptr_t cb, const char *hostname, const char *key_type,
                                 const char *key_base64, const char *fingerprint,
                                 uintptr_t userdata) {
	return ((gossh_hostkey_cb)cb)(hostname, key_type, key_base64, fingerprint, (void *)userdata);
}
*/
import "C"

import (
	"encoding/base64"
	"unsafe"

	"github.com/gossh/gossh/core"
	"golang.org/x/crypto/ssh"
)

// callbackPolicy is a missing-host-key policy implemented by a C function.
type callbackPolicy struct {
	cb, userdata C.uintptr_t
}

// MissingHostKey calls the C function and hands its answer to core as it
// is: GOSSH_HOSTKEY_* are numbered as core's Decisions, and core accepts
// only Accept (1) and AcceptAdd (2); any other value (7, -1, ...) rejects.
func (p callbackPolicy) MissingHostKey(hostname string, key ssh.PublicKey) (core.Decision, error) {
	h := C.CString(hostname)
	t := C.CString(key.Type())
	b := C.CString(base64.StdEncoding.EncodeToString(key.Marshal()))
	f := C.CString(ssh.FingerprintSHA256(key))
	defer func() {
		for _, s := range []*C.char{h, t, b, f} {
			C.free(unsafe.Pointer(s))
		}
	}()
	return core.Decision(C.gossh_call_hostkey_cb(p.cb, h, t, b, f, p.userdata)), nil
}

//export gossh_set_log_callback
func gossh_set_log_callback(cb C.uintptr_t, minLevel C.int, userdata C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if cb == 0 {
		core.SetLogSink(nil, 0)
		return finish(nil, errOut)
	}
	core.SetLogSink(func(level int, name, msg string) {
		n, m := C.CString(name), C.CString(msg)
		defer C.free(unsafe.Pointer(n))
		defer C.free(unsafe.Pointer(m))
		C.gossh_call_log_cb(cb, C.int(level), n, m, userdata)
	}, int(minLevel))
	return finish(nil, errOut)
}
