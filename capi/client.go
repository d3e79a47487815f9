package main

/*
#include <stdint.h>
*/
import "C"

import (
	"time"

	"github.com/gossh/gossh/core"
)

// Built-in policies, numbered as GOSSH_POLICY_*.
var builtinPolicies = []core.Policy{core.RejectPolicy{}, core.AutoAddPolicy{}, core.WarningPolicy{}}

// timeoutArg converts a C timeout_ms by core's one rule (core.Timeout): -1
// no limit, 0 no wait, positive milliseconds; below -1 is GOSSH_E_INVALID.
func timeoutArg(ms C.int) (time.Duration, error) {
	return core.Timeout(int64(ms))
}

//export gossh_client_new
func gossh_client_new(out *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if out == nil {
		return finish(core.InvalidArgument("out is NULL"), errOut)
	}
	*out = putHandle(kindClient, core.NewClient())
	return finish(nil, errOut)
}

//export gossh_client_set_policy
func gossh_client_set_policy(h C.uintptr_t, policy C.int, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	c, err := getClient(h)
	if err != nil {
		return finish(err, errOut)
	}
	if policy < 0 || int(policy) >= len(builtinPolicies) {
		return finish(core.InvalidArgument("unknown host-key policy %d", int(policy)), errOut)
	}
	c.SetPolicy(builtinPolicies[policy])
	return finish(nil, errOut)
}

//export gossh_client_set_policy_callback
func gossh_client_set_policy_callback(h C.uintptr_t, cb C.uintptr_t, userdata C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	c, err := getClient(h)
	if err != nil {
		return finish(err, errOut)
	}
	if cb == 0 {
		c.SetPolicy(nil)
	} else {
		c.SetPolicy(callbackPolicy{cb: cb, userdata: userdata})
	}
	return finish(nil, errOut)
}

// clientPath serves the host-key file calls that take a client and a path.
func clientPath(h C.uintptr_t, path *C.char, errOut *C.uintptr_t, f func(*core.Client, string) error) C.int {
	c, err := getClient(h)
	if err != nil {
		return finish(err, errOut)
	}
	return finish(f(c, cString(path)), errOut)
}

//export gossh_client_load_system_host_keys
func gossh_client_load_system_host_keys(h C.uintptr_t, path *C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return clientPath(h, path, errOut, (*core.Client).LoadSystemHostKeys)
}

//export gossh_client_load_host_keys
func gossh_client_load_host_keys(h C.uintptr_t, path *C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if path == nil {
		return finish(core.InvalidArgument("path is NULL"), errOut)
	}
	return clientPath(h, path, errOut, (*core.Client).LoadHostKeys)
}

//export gossh_client_save_host_keys
func gossh_client_save_host_keys(h C.uintptr_t, path *C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if path == nil {
		return finish(core.InvalidArgument("path is NULL"), errOut)
	}
	return clientPath(h, path, errOut, (*core.Client).SaveHostKeys)
}

//export gossh_client_connect
func gossh_client_connect(h C.uintptr_t, opts C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return clientCall(h, errOut, runNow(prepareConnect(opts)))
}

// boolInt is 1 for true.
func boolInt(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

//export gossh_client_is_active
func gossh_client_is_active(h C.uintptr_t) (rc C.int) {
	defer guard(&rc, nil)
	c, err := getClient(h)
	if err != nil {
		return 0
	}
	return boolInt(c.IsActive())
}

//export gossh_client_is_authenticated
func gossh_client_is_authenticated(h C.uintptr_t) (rc C.int) {
	defer guard(&rc, nil)
	c, err := getClient(h)
	if err != nil {
		return 0
	}
	return boolInt(c.IsAuthenticated())
}

//export gossh_client_exec
func gossh_client_exec(h C.uintptr_t, command *C.char, timeoutMs C.int, out *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if command == nil {
		return finish(core.InvalidArgument("command is NULL"), errOut)
	}
	cmd := C.GoString(command)
	return timedChannelOut(h, timeoutMs, out, errOut, func(c *core.Client, timeout time.Duration) (*core.Channel, error) {
		return c.Exec(cmd, timeout)
	})
}

//export gossh_client_close
func gossh_client_close(h C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	c, err := getClient(h)
	if err != nil {
		return finish(err, errOut)
	}
	return finish(c.Close(), errOut)
}

//export gossh_client_free
func gossh_client_free(h C.uintptr_t) {
	defer guardVoid()
	if o := dropHandle(h, kindClient); o != nil {
		o.(*core.Client).Close()
	}
}
