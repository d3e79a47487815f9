package main

// Test support for the fuzz targets in fuzz_test.go. NOT part of the C API:
// nothing here is exported to C (no //export; the version script exports
// only gossh_*), and nothing in the library calls it, so the linker leaves
// it out of libgossh.so. It exists because a _test.go file cannot use cgo:
// these wrappers take Go values, make the C values (handles as uintptr_t,
// lengths as size_t, buffers in C memory) and call the exported functions
// exactly as a C caller would, releasing whatever the calls hand out.

/*
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "sftp_types.h"

// fastread.c's, as gossh.h declares it (handles as uintptr_t).
int gossh_channel_read(uintptr_t ch, int stream, void *buf, size_t cap, int timeout_ms,
                       size_t *nread, uintptr_t *err);
int gossh_channel_read_any(uintptr_t ch, void *buf, size_t cap, int timeout_ms, int *stream,
                           size_t *nread, uintptr_t *err);
*/
import "C"

import (
	"strconv"
	"unsafe"

	"github.com/gossh/gossh/core"
)

// hookKind is a handle kind as the tests see it (0: none).
type hookKind = handleKind

// hookHandleKind reports the kind of the live handle h, or 0 if h is no
// live handle.
func hookHandleKind(h uint64) hookKind {
	registry.RLock()
	defer registry.RUnlock()
	return registry.m[h].kind
}

// hookKinds lists every handle kind.
func hookKinds() []hookKind {
	return []hookKind{kindError, kindOptions, kindClient, kindChannel, kindKey, kindHostKeys}
}

// hookFree releases C memory from hookBuffer.
func hookFree(p unsafe.Pointer) { C.free(p) }

// The ways an export answers a handle it cannot use.
const (
	styleCode   = iota // returns a GOSSH_E_* code and sets *err
	styleBare          // returns a GOSSH_E_* code, has no err parameter
	styleBool          // returns 0
	styleVoid          // returns nothing (a _free)
	styleMsg           // returns a static message, never NULL
	styleDetail        // returns NULL
)

// hookCall is one export called with a handle value.
type hookCall struct {
	Name  string
	Kind  hookKind // the kind of handle it takes
	Style int
}

// hookResult is what a call returned.
type hookResult struct {
	RC      int64
	ErrCode int  // the code of the error object (*err), if one was made
	ErrSet  bool // *err was set
	NotNull bool // a returned pointer was not NULL (styleMsg, styleDetail)
}

type hookFn func(h C.uintptr_t, e *C.uintptr_t) hookResult

// hookTable is a representative set of exports that take a handle, with
// valid values for every other argument so that only the handle can fail.
var hookTable = []struct {
	hookCall
	fn hookFn
}{
	{hookCall{"gossh_error_code", kindError, styleBare}, func(h C.uintptr_t, _ *C.uintptr_t) hookResult {
		return hookResult{RC: int64(gossh_error_code(h))}
	}},
	{hookCall{"gossh_error_message", kindError, styleMsg}, func(h C.uintptr_t, _ *C.uintptr_t) hookResult {
		return hookResult{NotNull: gossh_error_message(h) != nil}
	}},
	{hookCall{"gossh_error_detail", kindError, styleDetail}, func(h C.uintptr_t, _ *C.uintptr_t) hookResult {
		name := C.CString("hostname")
		defer C.free(unsafe.Pointer(name))
		return hookResult{NotNull: gossh_error_detail(h, name) != nil}
	}},
	{hookCall{"gossh_error_free", kindError, styleVoid}, func(h C.uintptr_t, _ *C.uintptr_t) hookResult {
		gossh_error_free(h)
		return hookResult{}
	}},
	{hookCall{"gossh_options_set", kindOptions, styleCode}, func(h C.uintptr_t, e *C.uintptr_t) hookResult {
		name, value := C.CString("port"), C.CString("22")
		defer C.free(unsafe.Pointer(name))
		defer C.free(unsafe.Pointer(value))
		return hookResult{RC: int64(gossh_options_set(h, name, value, e))}
	}},
	{hookCall{"gossh_options_free", kindOptions, styleVoid}, func(h C.uintptr_t, _ *C.uintptr_t) hookResult {
		gossh_options_free(h)
		return hookResult{}
	}},
	{hookCall{"gossh_client_set_policy", kindClient, styleCode}, func(h C.uintptr_t, e *C.uintptr_t) hookResult {
		return hookResult{RC: int64(gossh_client_set_policy(h, 0, e))}
	}},
	{hookCall{"gossh_client_is_active", kindClient, styleBool}, func(h C.uintptr_t, _ *C.uintptr_t) hookResult {
		return hookResult{RC: int64(gossh_client_is_active(h))}
	}},
	{hookCall{"gossh_client_exec", kindClient, styleCode}, func(h C.uintptr_t, e *C.uintptr_t) hookResult {
		cmd := C.CString("true")
		defer C.free(unsafe.Pointer(cmd))
		var out C.uintptr_t
		rc := gossh_client_exec(h, cmd, 0, &out, e)
		gossh_channel_free(out)
		return hookResult{RC: int64(rc)}
	}},
	{hookCall{"gossh_client_open_session", kindClient, styleCode}, func(h C.uintptr_t, e *C.uintptr_t) hookResult {
		var out C.uintptr_t
		rc := gossh_client_open_session(h, 0, &out, e)
		gossh_channel_free(out)
		return hookResult{RC: int64(rc)}
	}},
	{hookCall{"gossh_client_info", kindClient, styleCode}, func(h C.uintptr_t, e *C.uintptr_t) hookResult {
		name := C.CString("peer_host")
		defer C.free(unsafe.Pointer(name))
		var out *C.char
		rc := gossh_client_info(h, name, &out, e)
		C.free(unsafe.Pointer(out))
		return hookResult{RC: int64(rc)}
	}},
	{hookCall{"gossh_client_send_ignore", kindClient, styleCode}, func(h C.uintptr_t, e *C.uintptr_t) hookResult {
		return hookResult{RC: int64(gossh_client_send_ignore(h, e))}
	}},
	{hookCall{"gossh_client_get_host_keys", kindClient, styleCode}, func(h C.uintptr_t, e *C.uintptr_t) hookResult {
		var out C.uintptr_t
		rc := gossh_client_get_host_keys(h, &out, e)
		gossh_hostkeys_free(out)
		return hookResult{RC: int64(rc)}
	}},
	{hookCall{"gossh_client_close", kindClient, styleCode}, func(h C.uintptr_t, e *C.uintptr_t) hookResult {
		return hookResult{RC: int64(gossh_client_close(h, e))}
	}},
	{hookCall{"gossh_client_free", kindClient, styleVoid}, func(h C.uintptr_t, _ *C.uintptr_t) hookResult {
		gossh_client_free(h)
		return hookResult{}
	}},
	{hookCall{"gossh_channel_read", kindChannel, styleCode}, func(h C.uintptr_t, e *C.uintptr_t) hookResult {
		var buf [16]byte
		var n C.size_t
		return hookResult{RC: int64(C.gossh_channel_read(h, 0, unsafe.Pointer(&buf[0]), 16, 0, &n, e))}
	}},
	{hookCall{"gossh_channel_read_any", kindChannel, styleCode}, func(h C.uintptr_t, e *C.uintptr_t) hookResult {
		var buf [16]byte
		var n C.size_t
		var s C.int
		return hookResult{RC: int64(C.gossh_channel_read_any(h, unsafe.Pointer(&buf[0]), 16, 0, &s, &n, e))}
	}},
	{hookCall{"gossh_channel_read_ready", kindChannel, styleCode}, func(h C.uintptr_t, e *C.uintptr_t) hookResult {
		return hookResult{RC: int64(gossh_channel_read_ready(h, 0, e))}
	}},
	{hookCall{"gossh_channel_write", kindChannel, styleCode}, func(h C.uintptr_t, e *C.uintptr_t) hookResult {
		buf := []byte("0123456789abcdef")
		return hookResult{RC: int64(gossh_channel_write(h, unsafe.Pointer(&buf[0]), 16, 0, nil, e))}
	}},
	{hookCall{"gossh_channel_send_eof", kindChannel, styleCode}, func(h C.uintptr_t, e *C.uintptr_t) hookResult {
		return hookResult{RC: int64(gossh_channel_send_eof(h, e))}
	}},
	{hookCall{"gossh_channel_exit_status", kindChannel, styleCode}, func(h C.uintptr_t, e *C.uintptr_t) hookResult {
		var st C.int
		return hookResult{RC: int64(gossh_channel_exit_status(h, 0, &st, e))}
	}},
	{hookCall{"gossh_channel_exit_status_ready", kindChannel, styleBare}, func(h C.uintptr_t, _ *C.uintptr_t) hookResult {
		return hookResult{RC: int64(gossh_channel_exit_status_ready(h))}
	}},
	{hookCall{"gossh_channel_state", kindChannel, styleBare}, func(h C.uintptr_t, _ *C.uintptr_t) hookResult {
		return hookResult{RC: int64(gossh_channel_state(h))}
	}},
	{hookCall{"gossh_channel_id", kindChannel, styleBare}, func(h C.uintptr_t, _ *C.uintptr_t) hookResult {
		return hookResult{RC: int64(gossh_channel_id(h))}
	}},
	{hookCall{"gossh_channel_info", kindChannel, styleCode}, func(h C.uintptr_t, e *C.uintptr_t) hookResult {
		name := C.CString("type")
		defer C.free(unsafe.Pointer(name))
		var out *C.char
		rc := gossh_channel_info(h, name, &out, e)
		C.free(unsafe.Pointer(out))
		return hookResult{RC: int64(rc)}
	}},
	{hookCall{"gossh_channel_signal", kindChannel, styleCode}, func(h C.uintptr_t, e *C.uintptr_t) hookResult {
		name := C.CString("TERM")
		defer C.free(unsafe.Pointer(name))
		return hookResult{RC: int64(gossh_channel_signal(h, name, e))}
	}},
	{hookCall{"gossh_channel_fileno", kindChannel, styleCode}, func(h C.uintptr_t, e *C.uintptr_t) hookResult {
		var fd C.int
		return hookResult{RC: int64(gossh_channel_fileno(h, &fd, e))}
	}},
	{hookCall{"gossh_channel_close", kindChannel, styleCode}, func(h C.uintptr_t, e *C.uintptr_t) hookResult {
		return hookResult{RC: int64(gossh_channel_close(h, e))}
	}},
	{hookCall{"gossh_channel_free", kindChannel, styleVoid}, func(h C.uintptr_t, _ *C.uintptr_t) hookResult {
		gossh_channel_free(h)
		return hookResult{}
	}},
	{hookCall{"gossh_key_type", kindKey, styleCode}, func(h C.uintptr_t, e *C.uintptr_t) hookResult {
		var out *C.char
		rc := gossh_key_type(h, &out, e)
		C.free(unsafe.Pointer(out))
		return hookResult{RC: int64(rc)}
	}},
	{hookCall{"gossh_key_bits", kindKey, styleCode}, func(h C.uintptr_t, e *C.uintptr_t) hookResult {
		var bits C.int
		return hookResult{RC: int64(gossh_key_bits(h, &bits, e))}
	}},
	{hookCall{"gossh_key_can_sign", kindKey, styleBool}, func(h C.uintptr_t, _ *C.uintptr_t) hookResult {
		return hookResult{RC: int64(gossh_key_can_sign(h))}
	}},
	{hookCall{"gossh_key_blob", kindKey, styleCode}, func(h C.uintptr_t, e *C.uintptr_t) hookResult {
		var out unsafe.Pointer
		var n C.size_t
		rc := gossh_key_blob(h, &out, &n, e)
		C.free(out)
		return hookResult{RC: int64(rc)}
	}},
	{hookCall{"gossh_key_sign", kindKey, styleCode}, func(h C.uintptr_t, e *C.uintptr_t) hookResult {
		buf := []byte("data")
		var sig unsafe.Pointer
		var n C.size_t
		rc := gossh_key_sign(h, unsafe.Pointer(&buf[0]), 4, nil, &sig, &n, e)
		C.free(sig)
		return hookResult{RC: int64(rc)}
	}},
	{hookCall{"gossh_key_certificate", kindKey, styleCode}, func(h C.uintptr_t, e *C.uintptr_t) hookResult {
		var out *C.char
		rc := gossh_key_certificate(h, &out, e)
		C.free(unsafe.Pointer(out))
		return hookResult{RC: int64(rc)}
	}},
	{hookCall{"gossh_key_free", kindKey, styleVoid}, func(h C.uintptr_t, _ *C.uintptr_t) hookResult {
		gossh_key_free(h)
		return hookResult{}
	}},
	{hookCall{"gossh_hostkeys_add_line", kindHostKeys, styleCode}, func(h C.uintptr_t, e *C.uintptr_t) hookResult {
		line := C.CString("host ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIb8dPtBVvG0wkRBqV7eK6yTv7m2g/SmyQQOzq5mE2tu")
		defer C.free(unsafe.Pointer(line))
		return hookResult{RC: int64(gossh_hostkeys_add_line(h, line, e))}
	}},
	{hookCall{"gossh_hostkeys_lookup", kindHostKeys, styleCode}, func(h C.uintptr_t, e *C.uintptr_t) hookResult {
		host := C.CString("host")
		defer C.free(unsafe.Pointer(host))
		var out *C.char
		rc := gossh_hostkeys_lookup(h, host, &out, e)
		C.free(unsafe.Pointer(out))
		return hookResult{RC: int64(rc)}
	}},
	{hookCall{"gossh_hostkeys_check", kindHostKeys, styleCode}, func(h C.uintptr_t, e *C.uintptr_t) hookResult {
		host := C.CString("host")
		key := C.CString("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIb8dPtBVvG0wkRBqV7eK6yTv7m2g/SmyQQOzq5mE2tu")
		defer C.free(unsafe.Pointer(host))
		defer C.free(unsafe.Pointer(key))
		return hookResult{RC: int64(gossh_hostkeys_check(h, host, key, e))}
	}},
	{hookCall{"gossh_hostkeys_count", kindHostKeys, styleBare}, func(h C.uintptr_t, _ *C.uintptr_t) hookResult {
		return hookResult{RC: int64(gossh_hostkeys_count(h))}
	}},
	{hookCall{"gossh_hostkeys_free", kindHostKeys, styleVoid}, func(h C.uintptr_t, _ *C.uintptr_t) hookResult {
		gossh_hostkeys_free(h)
		return hookResult{}
	}},
	{hookCall{"gossh_client_open_sftp", kindClient, styleCode}, func(h C.uintptr_t, e *C.uintptr_t) hookResult {
		var s C.uintptr_t
		rc := gossh_client_open_sftp(h, 0, &s, e)
		gossh_sftp_free(s)
		return hookResult{RC: int64(rc)}
	}},
	{hookCall{"gossh_sftp_stat", kindSFTP, styleCode}, func(h C.uintptr_t, e *C.uintptr_t) hookResult {
		var a C.gossh_sftp_attrs
		p := C.CString(".")
		defer C.free(unsafe.Pointer(p))
		return hookResult{RC: int64(gossh_sftp_stat(h, p, 0, &a, e))}
	}},
	{hookCall{"gossh_sftp_get", kindSFTP, styleCode}, func(h C.uintptr_t, e *C.uintptr_t) hookResult {
		p := C.CString("/nonexistent/gossh-fuzz")
		defer C.free(unsafe.Pointer(p))
		return hookResult{RC: int64(gossh_sftp_get(h, p, p, 0, 0, 0, 0, nil, e))}
	}},
	{hookCall{"gossh_sftp_close", kindSFTP, styleCode}, func(h C.uintptr_t, e *C.uintptr_t) hookResult {
		return hookResult{RC: int64(gossh_sftp_close(h, e))}
	}},
	{hookCall{"gossh_sftp_free", kindSFTP, styleVoid}, func(h C.uintptr_t, _ *C.uintptr_t) hookResult {
		gossh_sftp_free(h)
		return hookResult{}
	}},
	{hookCall{"gossh_sftp_file_read", kindSFTPFile, styleCode}, func(h C.uintptr_t, e *C.uintptr_t) hookResult {
		var buf [16]byte
		var n C.size_t
		return hookResult{RC: int64(gossh_sftp_file_read(h, unsafe.Pointer(&buf[0]), 16, 0, &n, e))}
	}},
	{hookCall{"gossh_sftp_file_close", kindSFTPFile, styleCode}, func(h C.uintptr_t, e *C.uintptr_t) hookResult {
		return hookResult{RC: int64(gossh_sftp_file_close(h, -1, e))}
	}},
	{hookCall{"gossh_sftp_file_free", kindSFTPFile, styleVoid}, func(h C.uintptr_t, _ *C.uintptr_t) hookResult {
		gossh_sftp_file_free(h)
		return hookResult{}
	}},
	{hookCall{"gossh_sftp_dir_read", kindSFTPDir, styleCode}, func(h C.uintptr_t, e *C.uintptr_t) hookResult {
		var ents [2]C.gossh_sftp_entry
		var n C.size_t
		rc := gossh_sftp_dir_read(h, &ents[0], 2, 0, &n, e)
		gossh_sftp_entries_free(&ents[0], n)
		return hookResult{RC: int64(rc)}
	}},
	{hookCall{"gossh_sftp_dir_free", kindSFTPDir, styleVoid}, func(h C.uintptr_t, _ *C.uintptr_t) hookResult {
		gossh_sftp_dir_free(h)
		return hookResult{}
	}},
}

// hookCalls lists the exports in hookTable.
func hookCalls() []hookCall {
	out := make([]hookCall, len(hookTable))
	for i, c := range hookTable {
		out[i] = c.hookCall
	}
	return out
}

// hookCallHandle calls export i of hookTable with handle h and returns
// its result; an error object it made is read and freed.
func hookCallHandle(i int, h uint64) hookResult {
	var e C.uintptr_t
	r := hookTable[i].fn(C.uintptr_t(h), &e)
	if e != 0 {
		r.ErrSet = true
		r.ErrCode = int(gossh_error_code(e))
		gossh_error_free(e)
	}
	return r
}

// hookCallTwo calls the exports that take two handles, with a (maybe
// bad) first and second handle: gossh_options_add_key(opts, key),
// gossh_client_connect(client, opts), gossh_client_share_host_keys(c, from).
func hookCallTwo(which int, a, b uint64) hookResult {
	var e C.uintptr_t
	var rc C.int
	switch which % 3 {
	case 0:
		rc = gossh_options_add_key(C.uintptr_t(a), C.uintptr_t(b), &e)
	case 1:
		rc = gossh_client_connect(C.uintptr_t(a), C.uintptr_t(b), &e)
	default:
		rc = gossh_client_share_host_keys(C.uintptr_t(a), C.uintptr_t(b), &e)
	}
	r := hookResult{RC: int64(rc)}
	if e != 0 {
		r.ErrSet = true
		r.ErrCode = int(gossh_error_code(e))
		gossh_error_free(e)
	}
	return r
}

// hookTwoKinds gives the handle kinds hookCallTwo's exports take.
func hookTwoKinds(which int) (hookKind, hookKind) {
	switch which % 3 {
	case 0:
		return kindOptions, kindKey
	case 1:
		return kindClient, kindOptions
	}
	return kindClient, kindClient
}

// hookError makes an error handle (an invalid option name) and returns it.
func hookError() uint64 {
	var o, e C.uintptr_t
	gossh_options_new(&o, nil)
	defer gossh_options_free(o)
	name := C.CString("no such option")
	defer C.free(unsafe.Pointer(name))
	gossh_options_set(o, name, nil, &e)
	return uint64(e)
}

// hookNew makes a live handle of kind k (not kindChannel, not kindError).
func hookNew(k hookKind) uint64 {
	var h C.uintptr_t
	switch k {
	case kindOptions:
		gossh_options_new(&h, nil)
	case kindClient:
		gossh_client_new(&h, nil)
	case kindHostKeys:
		gossh_hostkeys_new(&h, nil)
	case kindKey:
		t := C.CString("ed25519")
		defer C.free(unsafe.Pointer(t))
		gossh_key_generate(t, 0, &h, nil)
	}
	return uint64(h)
}

// hookStale makes a handle and frees it.
func hookStale() uint64 {
	var h C.uintptr_t
	gossh_options_new(&h, nil)
	gossh_options_free(h)
	return uint64(h)
}

// hookConnectExec connects a new client to host:port as user ("none"
// authentication, any host key) and runs command; it returns the client
// and channel handles, or the error code and message.
func hookConnectExec(host string, port int, user, command string) (client, channel uint64, rc int, msg string) {
	var o, c, ch, e C.uintptr_t
	gossh_options_new(&o, nil)
	defer gossh_options_free(o)
	for _, kv := range [][2]string{{"hostname", host}, {"port", strconv.Itoa(port)}, {"username", user},
		{"allow_agent", "no"}, {"look_for_keys", "no"}, {"timeout", "10"}} {
		n, v := C.CString(kv[0]), C.CString(kv[1])
		gossh_options_set(o, n, v, nil)
		C.free(unsafe.Pointer(n))
		C.free(unsafe.Pointer(v))
	}
	gossh_client_new(&c, nil)
	gossh_client_set_policy(c, 2, nil) // GOSSH_POLICY_WARNING: accept, keep nothing
	fail := func(r C.int) (uint64, uint64, int, string) {
		m := core.AsError(lookupError(e)).Msg
		gossh_error_free(e)
		gossh_client_free(c)
		return 0, 0, int(r), m
	}
	if r := gossh_client_connect(c, o, &e); r != 0 {
		return fail(r)
	}
	cmd := C.CString(command)
	defer C.free(unsafe.Pointer(cmd))
	if r := gossh_client_exec(c, cmd, 10000, &ch, &e); r != 0 {
		return fail(r)
	}
	return uint64(c), uint64(ch), 0, ""
}

// lookupError is the core error behind an error handle.
func lookupError(e C.uintptr_t) error {
	o, err := lookup(e, kindError)
	if err != nil {
		return err
	}
	return o.(*errorObject).err
}

// hookBuffer is C memory of n bytes holding data (repeated), freed with
// hookFree: the small real buffer behind the size tests.
func hookBuffer(n int, data []byte) unsafe.Pointer {
	p := C.malloc(C.size_t(n))
	b := unsafe.Slice((*byte)(p), n)
	for i := range b {
		if len(data) > 0 {
			b[i] = data[i%len(data)]
		} else {
			b[i] = 0
		}
	}
	return p
}

// hookBytes copies n bytes of C memory at p.
func hookBytes(p unsafe.Pointer, n int) []byte { return C.GoBytes(p, C.int(n)) }

// hookWrite is gossh_channel_write(ch, buf, n, timeoutMs, &written); it
// returns the count accepted too.
func hookWrite(ch uint64, buf unsafe.Pointer, n uint64, timeoutMs int) (hookResult, uint64) {
	var e C.uintptr_t
	var written C.size_t
	r := hookResult{RC: int64(gossh_channel_write(C.uintptr_t(ch), buf, C.size_t(n), C.int(timeoutMs), &written, &e))}
	return hookDone(r, e), uint64(written)
}

// hookRead is gossh_channel_read(ch, stream, buf, capacity, timeoutMs);
// it returns the count too.
func hookRead(ch uint64, stream int, buf unsafe.Pointer, capacity uint64, timeoutMs int) (hookResult, uint64) {
	var e C.uintptr_t
	var n C.size_t
	r := hookResult{RC: int64(C.gossh_channel_read(C.uintptr_t(ch), C.int(stream), buf, C.size_t(capacity), C.int(timeoutMs), &n, &e))}
	return hookDone(r, e), uint64(n)
}

// hookReadAny is gossh_channel_read_any(ch, buf, capacity, timeoutMs).
func hookReadAny(ch uint64, buf unsafe.Pointer, capacity uint64, timeoutMs int) (hookResult, int, uint64) {
	var e C.uintptr_t
	var n C.size_t
	var s C.int
	r := hookResult{RC: int64(C.gossh_channel_read_any(C.uintptr_t(ch), buf, C.size_t(capacity), C.int(timeoutMs), &s, &n, &e))}
	return hookDone(r, e), int(s), uint64(n)
}

// hookKeyFromData is gossh_key_from_data(buf, n, passphrase); a key made
// is freed.
func hookKeyFromData(buf unsafe.Pointer, n uint64, passphrase string) hookResult {
	var e, k C.uintptr_t
	var pass *C.char
	if passphrase != "" {
		pass = C.CString(passphrase)
		defer C.free(unsafe.Pointer(pass))
	}
	r := hookResult{RC: int64(gossh_key_from_data(buf, C.size_t(n), pass, &k, &e))}
	gossh_key_free(k)
	return hookDone(r, e)
}

// hookKeyFromBlob is gossh_key_from_public(NULL, buf, n); a key made is freed.
func hookKeyFromBlob(buf unsafe.Pointer, n uint64) hookResult {
	var e, k C.uintptr_t
	r := hookResult{RC: int64(gossh_key_from_public(nil, buf, C.size_t(n), &k, &e))}
	gossh_key_free(k)
	return hookDone(r, e)
}

// hookKeySign is gossh_key_sign(key, buf, n, NULL); the signature is freed.
func hookKeySign(key uint64, buf unsafe.Pointer, n uint64) hookResult {
	var e C.uintptr_t
	var sig unsafe.Pointer
	var siglen C.size_t
	r := hookResult{RC: int64(gossh_key_sign(C.uintptr_t(key), buf, C.size_t(n), nil, &sig, &siglen, &e))}
	C.free(sig)
	return hookDone(r, e)
}

// hookDone reads and frees the error object e into r.
func hookDone(r hookResult, e C.uintptr_t) hookResult {
	if e != 0 {
		r.ErrSet = true
		r.ErrCode = int(gossh_error_code(e))
		gossh_error_free(e)
	}
	return r
}
