package main

/*
#include <stdint.h>
*/
import "C"

import (
	"time"

	"github.com/gossh/gossh/core"
)

//export gossh_channel_id
func gossh_channel_id(h C.uintptr_t) (rc C.int) {
	defer guard(&rc, nil)
	ch, err := getChannel(h)
	if err != nil {
		return code(core.KindOf(err))
	}
	return C.int(ch.ID())
}

//export gossh_channel_info
func gossh_channel_info(h C.uintptr_t, name *C.char, out **C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if name == nil || out == nil {
		return finish(core.InvalidArgument("name and out must not be NULL"), errOut)
	}
	return channelCall(h, errOut, func(ch *core.Channel) error {
		v, ok := ch.Info(C.GoString(name))
		if !ok {
			return core.InvalidArgument("unknown channel info %s", core.ShowName(C.GoString(name)))
		}
		return putString(out, v)
	})
}

//export gossh_client_open_session
func gossh_client_open_session(h C.uintptr_t, timeoutMs C.int, out *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return timedChannelOut(h, timeoutMs, out, errOut, func(c *core.Client, timeout time.Duration) (*core.Channel, error) {
		return c.OpenSession(timeout)
	})
}

// timedChannelCall is channelCall for calls that take a timeout_ms.
func timedChannelCall(h C.uintptr_t, timeoutMs C.int, errOut *C.uintptr_t, f func(*core.Channel, time.Duration) error) C.int {
	timeout, err := timeoutArg(timeoutMs)
	if err != nil {
		return finish(err, errOut)
	}
	return channelCall(h, errOut, func(ch *core.Channel) error { return f(ch, timeout) })
}

//export gossh_channel_request_pty
func gossh_channel_request_pty(h C.uintptr_t, term *C.char, cols, rows, wpx, hpx, timeoutMs C.int, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	p := core.PtyRequest{Term: cString(term), Cols: int(cols), Rows: int(rows), WidthPixels: int(wpx), HeightPixels: int(hpx)}
	return timedChannelCall(h, timeoutMs, errOut, func(ch *core.Channel, timeout time.Duration) error { return ch.RequestPty(p, timeout) })
}

//export gossh_channel_resize_pty
func gossh_channel_resize_pty(h C.uintptr_t, cols, rows, wpx, hpx C.int, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return channelCall(h, errOut, func(ch *core.Channel) error {
		return ch.ResizePty(int(cols), int(rows), int(wpx), int(hpx))
	})
}

//export gossh_channel_set_env
func gossh_channel_set_env(h C.uintptr_t, name, value *C.char, timeoutMs C.int, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if name == nil {
		return finish(core.InvalidArgument("name is NULL"), errOut)
	}
	n, v := C.GoString(name), cString(value)
	return timedChannelCall(h, timeoutMs, errOut, func(ch *core.Channel, timeout time.Duration) error { return ch.Setenv(n, v, timeout) })
}

//export gossh_channel_exec
func gossh_channel_exec(h C.uintptr_t, command *C.char, timeoutMs C.int, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if command == nil {
		return finish(core.InvalidArgument("command is NULL"), errOut)
	}
	cmd := C.GoString(command)
	return timedChannelCall(h, timeoutMs, errOut, func(ch *core.Channel, timeout time.Duration) error { return ch.Exec(cmd, timeout) })
}

//export gossh_channel_shell
func gossh_channel_shell(h C.uintptr_t, timeoutMs C.int, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return timedChannelCall(h, timeoutMs, errOut, func(ch *core.Channel, timeout time.Duration) error { return ch.Shell(timeout) })
}

//export gossh_channel_subsystem
func gossh_channel_subsystem(h C.uintptr_t, name *C.char, timeoutMs C.int, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if name == nil {
		return finish(core.InvalidArgument("name is NULL"), errOut)
	}
	n := C.GoString(name)
	return timedChannelCall(h, timeoutMs, errOut, func(ch *core.Channel, timeout time.Duration) error { return ch.Subsystem(n, timeout) })
}

//export gossh_channel_signal
func gossh_channel_signal(h C.uintptr_t, name *C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if name == nil {
		return finish(core.InvalidArgument("name is NULL"), errOut)
	}
	n := C.GoString(name)
	return channelCall(h, errOut, func(ch *core.Channel) error { return ch.Signal(n) })
}

//export gossh_channel_set_combine_stderr
func gossh_channel_set_combine_stderr(h C.uintptr_t, on C.int, previous *C.int, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return channelCall(h, errOut, func(ch *core.Channel) error {
		old := ch.SetCombineStderr(on != 0)
		if previous != nil {
			*previous = boolInt(old)
		}
		return nil
	})
}

//export gossh_channel_fileno
func gossh_channel_fileno(h C.uintptr_t, fd *C.int, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if fd == nil {
		return finish(core.InvalidArgument("fd is NULL"), errOut)
	}
	return channelCall(h, errOut, func(ch *core.Channel) error {
		f, err := ch.Fileno()
		*fd = C.int(f)
		return err
	})
}
