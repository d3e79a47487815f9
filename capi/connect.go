package main

/*
#include <stdint.h>
*/
import "C"

import (
	"strings"
	"unsafe"

	"github.com/gossh/gossh/core"
)

// The connects over a transport other than the client's own TCP connection
// (see core/connectover.go): a descriptor, another client, a channel.

//export gossh_client_connect_fd
func gossh_client_connect_fd(h C.uintptr_t, fd C.int, opts C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return clientCall(h, errOut, runNow(prepareConnectFD(fd, opts)))
}

//export gossh_client_connect_via
func gossh_client_connect_via(h C.uintptr_t, via C.uintptr_t, opts C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return clientCall(h, errOut, runNow(prepareConnectVia(via, opts)))
}

//export gossh_client_connect_channel
func gossh_client_connect_channel(h C.uintptr_t, ch C.uintptr_t, opts C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	c, err := getClient(h)
	if err != nil {
		return finish(err, errOut)
	}
	channel, err := getChannel(ch)
	if err != nil {
		return finish(err, errOut)
	}
	o, err := getOptions(opts)
	if err != nil {
		return finish(err, errOut)
	}
	return finish(c.ConnectChannel(channel, o.Config()), errOut)
}

//export gossh_socketpair
func gossh_socketpair(fds *C.int, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if fds == nil {
		return finish(core.InvalidArgument("fds is NULL"), errOut)
	}
	a, b, err := core.SocketPair()
	if err != nil {
		return finish(err, errOut)
	}
	out := unsafe.Slice(fds, 2)
	out[0], out[1] = C.int(a), C.int(b)
	return finish(nil, errOut)
}

// authStep runs one authentication step of a client connected with
// step_auth, and hands back the methods the server wants next (partial
// success) through remaining.
func authStep(h C.uintptr_t, username *C.char, remaining **C.char, errOut *C.uintptr_t, f func(*core.Client, string) ([]string, error)) C.int {
	if remaining != nil {
		*remaining = nil
	}
	user := cString(username)
	return clientCall(h, errOut, func(c *core.Client) error {
		more, err := f(c, user)
		if err == nil && len(more) > 0 && remaining != nil {
			*remaining = C.CString(strings.Join(more, ","))
		}
		return err
	})
}

//export gossh_client_auth_none
func gossh_client_auth_none(h C.uintptr_t, username *C.char, remaining **C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return authStep(h, username, remaining, errOut, (*core.Client).AuthNone)
}

//export gossh_client_auth_password
func gossh_client_auth_password(h C.uintptr_t, username, password *C.char, remaining **C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if password == nil {
		return finish(core.InvalidArgument("password is NULL"), errOut)
	}
	pw := C.GoString(password)
	return authStep(h, username, remaining, errOut, func(c *core.Client, user string) ([]string, error) {
		return c.AuthPassword(user, pw)
	})
}

//export gossh_client_auth_publickey
func gossh_client_auth_publickey(h C.uintptr_t, username *C.char, key C.uintptr_t, remaining **C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	k, err := getKey(key)
	if err != nil {
		if remaining != nil {
			*remaining = nil
		}
		return finish(err, errOut)
	}
	return authStep(h, username, remaining, errOut, func(c *core.Client, user string) ([]string, error) {
		return c.AuthPublicKey(user, k)
	})
}
