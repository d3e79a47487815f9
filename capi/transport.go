package main

/*
#include <stdint.h>
*/
import "C"

import (
	"time"

	"github.com/gossh/gossh/core"
)

//export gossh_client_info
func gossh_client_info(h C.uintptr_t, name *C.char, out **C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if name == nil || out == nil {
		return finish(core.InvalidArgument("name and out must not be NULL"), errOut)
	}
	return clientCall(h, errOut, func(c *core.Client) error {
		info, err := c.Info()
		if err != nil {
			return err
		}
		v, ok := info.Get(C.GoString(name))
		if !ok {
			return core.InvalidArgument("unknown client info %s", core.ShowName(C.GoString(name)))
		}
		return putString(out, v)
	})
}

//export gossh_client_set_keepalive
func gossh_client_set_keepalive(h C.uintptr_t, intervalMs C.int, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	// An interval, not a timeout: a negative one reaches core, which refuses it.
	interval := time.Duration(intervalMs) * time.Millisecond
	return clientCall(h, errOut, func(c *core.Client) error { return c.SetKeepalive(interval) })
}

//export gossh_client_send_ignore
func gossh_client_send_ignore(h C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return clientCall(h, errOut, (*core.Client).SendIgnore)
}

// channelOut registers a channel made by f in *out.
func channelOut(h C.uintptr_t, out *C.uintptr_t, errOut *C.uintptr_t, f func(*core.Client) (*core.Channel, error)) C.int {
	if out == nil {
		return finish(core.InvalidArgument("out is NULL"), errOut)
	}
	*out = 0
	return clientCall(h, errOut, func(c *core.Client) error {
		ch, err := f(c)
		if err == nil {
			// Its callers' threads are theirs: they wait in the kernel.
			ch.SetThreadWaits(true)
			*out = putHandle(kindChannel, ch)
		}
		return err
	})
}

// timedChannelOut is channelOut for calls that take a timeout_ms.
func timedChannelOut(h C.uintptr_t, timeoutMs C.int, out *C.uintptr_t, errOut *C.uintptr_t, f func(*core.Client, time.Duration) (*core.Channel, error)) C.int {
	return channelOut(h, out, errOut, func(c *core.Client) (*core.Channel, error) {
		timeout, err := timeoutArg(timeoutMs)
		if err != nil {
			return nil, err
		}
		return f(c, timeout)
	})
}

//export gossh_client_open_direct_tcpip
func gossh_client_open_direct_tcpip(h C.uintptr_t, destHost *C.char, destPort C.int, srcHost *C.char, srcPort C.int, timeoutMs C.int, out *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if destHost == nil {
		return finish(core.InvalidArgument("dest_host is NULL"), errOut)
	}
	return channelOut(h, out, errOut, openNow(prepareDirectTCPIP(destHost, destPort, srcHost, srcPort, timeoutMs)))
}

//export gossh_client_request_port_forward
func gossh_client_request_port_forward(h C.uintptr_t, address *C.char, port C.int, bound *C.int, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	addr := cString(address)
	return clientCall(h, errOut, func(c *core.Client) error {
		p, err := c.RequestPortForward(addr, int(port))
		if err == nil && bound != nil {
			*bound = C.int(p)
		}
		return err
	})
}

//export gossh_client_accept_forward
func gossh_client_accept_forward(h C.uintptr_t, timeoutMs C.int, out *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return timedChannelOut(h, timeoutMs, out, errOut, func(c *core.Client, timeout time.Duration) (*core.Channel, error) {
		return c.AcceptForward(timeout)
	})
}

//export gossh_client_cancel_port_forward
func gossh_client_cancel_port_forward(h C.uintptr_t, address *C.char, port C.int, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	addr := cString(address)
	return clientCall(h, errOut, func(c *core.Client) error { return c.CancelPortForward(addr, int(port)) })
}

//export gossh_client_set_log_channel
func gossh_client_set_log_channel(h C.uintptr_t, name *C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if name == nil {
		return finish(core.InvalidArgument("name is NULL"), errOut)
	}
	n := C.GoString(name)
	return clientCall(h, errOut, func(c *core.Client) error { c.SetLogChannel(n); return nil })
}
