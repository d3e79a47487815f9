package main

/*
#include <stdint.h>
#include <stdlib.h>
*/
import "C"

import (
	"unsafe"

	"github.com/gossh/gossh/core"
)

// putString hands s to C through *out as memory released with gossh_free.
func putString(out **C.char, s string) error {
	if out == nil {
		return core.InvalidArgument("out is NULL")
	}
	*out = C.CString(s)
	return nil
}

//export gossh_key_from_file
func gossh_key_from_file(path, passphrase *C.char, out *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if path == nil || out == nil {
		return finish(core.InvalidArgument("path and out must not be NULL"), errOut)
	}
	*out = 0
	k, err := core.LoadPrivateKeyFile(C.GoString(path), cString(passphrase))
	if err != nil {
		return finish(err, errOut)
	}
	*out = putHandle(kindKey, k)
	return finish(nil, errOut)
}

//export gossh_key_from_data
func gossh_key_from_data(data unsafe.Pointer, n C.size_t, passphrase *C.char, out *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if data == nil || out == nil {
		return finish(core.InvalidArgument("data and out must not be NULL"), errOut)
	}
	*out = 0
	k, err := core.ParsePrivateKey(C.GoBytes(data, C.int(n)), cString(passphrase))
	if err != nil {
		return finish(err, errOut)
	}
	*out = putHandle(kindKey, k)
	return finish(nil, errOut)
}

// keyString serves the key accessors that return one string.
func keyString(h C.uintptr_t, out **C.char, errOut *C.uintptr_t, f func(*core.Key) string) C.int {
	k, err := getKey(h)
	if err != nil {
		return finish(err, errOut)
	}
	return finish(putString(out, f(k)), errOut)
}

//export gossh_key_type
func gossh_key_type(h C.uintptr_t, out **C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return keyString(h, out, errOut, (*core.Key).Type)
}

//export gossh_key_public_text
func gossh_key_public_text(h C.uintptr_t, out **C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return keyString(h, out, errOut, (*core.Key).PublicText)
}

//export gossh_key_fingerprint
func gossh_key_fingerprint(h C.uintptr_t, out **C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return keyString(h, out, errOut, (*core.Key).Fingerprint)
}

//export gossh_key_free
func gossh_key_free(h C.uintptr_t) {
	defer guardVoid()
	dropHandle(h, kindKey)
}
