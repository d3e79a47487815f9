package main

/*
#include <stdint.h>
#include <stddef.h>
*/
import "C"

import (
	"unsafe"

	"github.com/gossh/gossh/core"
)

// cBuffer views C memory as a byte slice without copying.
func cBuffer(buf unsafe.Pointer, n C.size_t) []byte {
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(buf), int(n))
}

//export gossh_channel_read
func gossh_channel_read(h C.uintptr_t, stream C.int, buf unsafe.Pointer, capacity C.size_t, timeoutMs C.int, nread *C.size_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if buf == nil || nread == nil {
		return finish(core.InvalidArgument("buf and nread must not be NULL"), errOut)
	}
	*nread = 0
	ch, err := getChannel(h)
	if err != nil {
		return finish(err, errOut)
	}
	n, err := ch.Read(int(stream), cBuffer(buf, capacity), msToDuration(timeoutMs))
	*nread = C.size_t(n)
	return finish(err, errOut)
}

//export gossh_channel_read_any
func gossh_channel_read_any(h C.uintptr_t, buf unsafe.Pointer, capacity C.size_t, timeoutMs C.int, stream *C.int, nread *C.size_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if buf == nil || nread == nil || stream == nil {
		return finish(core.InvalidArgument("buf, stream and nread must not be NULL"), errOut)
	}
	*nread, *stream = 0, -1
	ch, err := getChannel(h)
	if err != nil {
		return finish(err, errOut)
	}
	s, n, err := ch.ReadAny(cBuffer(buf, capacity), msToDuration(timeoutMs))
	*nread, *stream = C.size_t(n), C.int(s)
	return finish(err, errOut)
}

//export gossh_channel_read_ready
func gossh_channel_read_ready(h C.uintptr_t, stream C.int) (n C.int64_t) {
	defer func() {
		if recover() != nil {
			n = C.int64_t(code(core.KindInternal))
		}
	}()
	ch, err := getChannel(h)
	if err != nil {
		return C.int64_t(code(core.KindOf(err)))
	}
	r, err := ch.ReadReady(int(stream))
	if err != nil {
		return C.int64_t(code(core.KindOf(err)))
	}
	return C.int64_t(r)
}

//export gossh_channel_write
func gossh_channel_write(h C.uintptr_t, buf unsafe.Pointer, n C.size_t, timeoutMs C.int, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if buf == nil && n > 0 {
		return finish(core.InvalidArgument("buf is NULL"), errOut)
	}
	ch, err := getChannel(h)
	if err != nil {
		return finish(err, errOut)
	}
	// Copy: the write may outlive the call when it times out.
	data := C.GoBytes(buf, C.int(n))
	return finish(ch.Write(data, msToDuration(timeoutMs)), errOut)
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
	s, err := ch.ExitStatus(msToDuration(timeoutMs))
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
