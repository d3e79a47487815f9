package main

/*
#include <stdint.h>
#include <stddef.h>
#include "fastread.h"
*/
import "C"

import (
	"math"
	"unsafe"

	"github.com/gossh/gossh/core"
)

// maxRead bounds one read: a read returns at most what is buffered, so a
// larger capacity would only risk a view past the end of the address space.
const maxRead = 1 << 30

// readBuffer views a C read buffer of capacity n without copying, capped at
// maxRead.
func readBuffer(buf unsafe.Pointer, n C.size_t) []byte {
	return unsafe.Slice((*byte)(buf), int(min(n, maxRead)))
}

// writeBuffer views C memory of length n without copying. A length that no
// Go slice can hold is GOSSH_E_INVALID, never a truncated write.
func writeBuffer(buf unsafe.Pointer, n C.size_t) ([]byte, error) {
	if uint64(n) > math.MaxInt {
		return nil, core.InvalidArgument("len %d is too large", uint64(n))
	}
	if n == 0 {
		return nil, nil
	}
	return unsafe.Slice((*byte)(buf), int(n)), nil
}

// gosshi_channel_read is gossh_channel_read's way into Go (fastread.c
// reads what it can from a stream's read ring first, and calls this for the
// rest). Hidden: the version script exports only gossh_*.
//
//export gosshi_channel_read
func gosshi_channel_read(h C.uintptr_t, stream C.int, buf unsafe.Pointer, capacity C.size_t, timeoutMs C.int, nread *C.size_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if buf == nil || nread == nil {
		return finish(core.InvalidArgument("buf and nread must not be NULL"), errOut)
	}
	*nread = 0
	ch, err := getChannel(h)
	if err != nil {
		return finish(err, errOut)
	}
	timeout, err := timeoutArg(timeoutMs)
	if err != nil {
		return finish(err, errOut)
	}
	n, err := ch.Read(int(stream), readBuffer(buf, capacity), timeout)
	*nread = C.size_t(n)
	if n > 0 {
		ch.ShareRing(int(stream), func(p unsafe.Pointer) { C.gosshi_ring_share(h, stream, p) }, retireRing)
	}
	return finish(err, errOut)
}

// retireRing takes a read ring out of fastread.c's table, waiting for its
// C readers to leave (core.Channel.ShareRing).
func retireRing(p unsafe.Pointer) { C.gosshi_ring_retire(p) }

// gosshi_channel_read_any is gossh_channel_read_any's way into Go
// (fastread.c takes what the read rings hold first). Hidden.
//
//export gosshi_channel_read_any
func gosshi_channel_read_any(h C.uintptr_t, buf unsafe.Pointer, capacity C.size_t, timeoutMs C.int, stream *C.int, nread *C.size_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if buf == nil || nread == nil || stream == nil {
		return finish(core.InvalidArgument("buf, stream and nread must not be NULL"), errOut)
	}
	*nread, *stream = 0, -1
	ch, err := getChannel(h)
	if err != nil {
		return finish(err, errOut)
	}
	timeout, err := timeoutArg(timeoutMs)
	if err != nil {
		return finish(err, errOut)
	}
	s, n, err := ch.ReadAny(readBuffer(buf, capacity), timeout)
	*nread, *stream = C.size_t(n), C.int(s)
	if n > 0 {
		ch.ShareRing(s, func(p unsafe.Pointer) { C.gosshi_ring_share(h, C.int(s), p) }, retireRing)
	}
	return finish(err, errOut)
}

//export gossh_channel_read_ready
func gossh_channel_read_ready(h C.uintptr_t, stream C.int, errOut *C.uintptr_t) (n C.int64_t) {
	var panicked C.int // set by guard, which runs first
	defer func() {
		if panicked != 0 {
			n = C.int64_t(panicked)
		}
	}()
	defer guard(&panicked, errOut)
	ch, err := getChannel(h)
	if err != nil {
		return C.int64_t(finish(err, errOut))
	}
	r, err := ch.ReadReady(int(stream))
	if err != nil {
		return C.int64_t(finish(err, errOut))
	}
	finish(nil, errOut)
	return C.int64_t(r)
}

//export gossh_channel_write
func gossh_channel_write(h C.uintptr_t, buf unsafe.Pointer, n C.size_t, timeoutMs C.int, written *C.size_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if written != nil {
		*written = 0
	}
	if buf == nil && n > 0 {
		return finish(core.InvalidArgument("buf is NULL"), errOut)
	}
	data, err := writeBuffer(buf, n)
	if err != nil {
		return finish(err, errOut)
	}
	ch, err := getChannel(h)
	if err != nil {
		return finish(err, errOut)
	}
	timeout, err := timeoutArg(timeoutMs)
	if err != nil {
		return finish(err, errOut)
	}
	// core copies what it keeps past the call: data is not retained.
	sent, err := ch.Write(data, timeout)
	if written != nil {
		*written = C.size_t(sent)
	}
	return finish(err, errOut)
}

//export gossh_channel_send_eof
func gossh_channel_send_eof(h C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	ch, err := getChannel(h)
	if err != nil {
		return finish(err, errOut)
	}
	return finish(ch.SendEOF(), errOut)
}

//export gossh_channel_exit_status
func gossh_channel_exit_status(h C.uintptr_t, timeoutMs C.int, status *C.int, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if status == nil {
		return finish(core.InvalidArgument("status is NULL"), errOut)
	}
	ch, err := getChannel(h)
	if err != nil {
		return finish(err, errOut)
	}
	timeout, err := timeoutArg(timeoutMs)
	if err != nil {
		return finish(err, errOut)
	}
	s, err := ch.ExitStatus(timeout)
	*status = C.int(s)
	return finish(err, errOut)
}

//export gossh_channel_exit_status_ready
func gossh_channel_exit_status_ready(h C.uintptr_t) (rc C.int) {
	defer guard(&rc, nil)
	ch, err := getChannel(h)
	if err != nil {
		return code(core.KindOf(err))
	}
	return boolInt(ch.ExitStatusReady())
}

//export gossh_channel_close
func gossh_channel_close(h C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	ch, err := getChannel(h)
	if err != nil {
		return finish(err, errOut)
	}
	return finish(ch.Close(), errOut)
}

//export gossh_channel_free
func gossh_channel_free(h C.uintptr_t) {
	defer guardVoid()
	if o := dropHandle(h, kindChannel); o != nil {
		o.(*core.Channel).Release()
	}
}

//export gossh_channel_state
func gossh_channel_state(h C.uintptr_t) (rc C.int) {
	defer guard(&rc, nil)
	ch, err := getChannel(h)
	if err != nil {
		return code(core.KindOf(err))
	}
	return C.int(ch.State())
}
