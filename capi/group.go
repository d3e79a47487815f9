package main

/*
#include <stdint.h>
#include <stdlib.h>
#include "group_types.h"

typedef void (*gossh_group_result_cb)(size_t index, const char *name, int code, int exit_status,
                                      void *userdata);
typedef void (*gossh_group_output_cb)(size_t index, const char *name, int stream,
                                      const uint8_t *data, size_t len, void *userdata);

// Go cannot call a C function pointer: these trampolines do.
static void gossh_call_group_result_cb(uintptr_t cb, size_t index, const char *name, int code,
                                       int exit_status, uintptr_t userdata) {
	((gossh_group_result_cb)cb)(index, name, code, exit_status, (void *)userdata);
}

static void gossh_call_group_output_cb(uintptr_t cb, size_t index, const char *name, int stream,
                                       const uint8_t *data, size_t len, uintptr_t userdata) {
	((gossh_group_output_cb)cb)(index, name, stream, data, len, (void *)userdata);
}
*/
import "C"

import (
	"sort"
	"sync"
	"unsafe"

	"github.com/gossh/gossh/core"
)

// groupResult is what a gossh_group_result handle holds: the core result
// and the C copies of its name, signal and output, made once and freed
// with the handle, so that the pointers the accessors hand out stay valid
// until gossh_group_result_free.
type groupResult struct {
	res    *core.GroupResult
	mu     sync.Mutex
	name   *C.char
	signal *C.char
	out    [2]unsafe.Pointer
	// A failed host's error for gossh_group_result_read: its message, and
	// its details as an array of 2*ndetails C strings (name, value, ...).
	message  *C.char
	details  **C.char
	ndetails int
}

// newGroupResult makes the C copies of r's strings and output.
func newGroupResult(r *core.GroupResult) *groupResult {
	gr := &groupResult{res: r, name: C.CString(r.Name)}
	if r.ExitSignal != "" {
		gr.signal = C.CString(r.ExitSignal)
	}
	for i, b := range [][]byte{r.Stdout, r.Stderr} {
		if len(b) > 0 {
			gr.out[i] = C.CBytes(b)
		}
	}
	if r.Err != nil {
		e := core.AsError(r.Err) // redacted, as gossh_group_result_error's
		gr.message = C.CString(e.Msg)
		names := make([]string, 0, len(e.Details))
		for k := range e.Details {
			names = append(names, k)
		}
		sort.Strings(names)
		if len(names) > 0 {
			gr.ndetails = len(names)
			gr.details = (**C.char)(C.malloc(C.size_t(2*len(names)) * C.size_t(unsafe.Sizeof((*C.char)(nil)))))
			d := unsafe.Slice(gr.details, 2*len(names))
			for i, k := range names {
				d[2*i], d[2*i+1] = C.CString(k), C.CString(e.Details[k])
			}
		}
	}
	return gr
}

func (r *groupResult) free() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range []unsafe.Pointer{unsafe.Pointer(r.name), unsafe.Pointer(r.signal), r.out[0], r.out[1],
		unsafe.Pointer(r.message)} {
		if p != nil {
			C.free(p)
		}
	}
	if r.details != nil {
		for _, p := range unsafe.Slice(r.details, 2*r.ndetails) {
			C.free(unsafe.Pointer(p))
		}
		C.free(unsafe.Pointer(r.details))
	}
	r.name, r.signal, r.out, r.message, r.details, r.ndetails = nil, nil, [2]unsafe.Pointer{}, nil, nil, 0
}

func groupCall(h C.uintptr_t, e *C.uintptr_t, f func(*core.Group) error) C.int {
	return with(h, kindGroup, e, f)
}
func groupResultCall(h C.uintptr_t, e *C.uintptr_t, f func(*groupResult) error) C.int {
	return with(h, kindGroupResult, e, f)
}

//export gossh_group_new
func gossh_group_new(out *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if out == nil {
		return finish(core.InvalidArgument("out is NULL"), errOut)
	}
	*out = putHandle(kindGroup, core.NewGroup())
	return finish(nil, errOut)
}

//export gossh_group_set
func gossh_group_set(h C.uintptr_t, name, value *C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return groupCall(h, errOut, func(g *core.Group) error {
		if name == nil {
			return core.InvalidArgument("group option name is NULL")
		}
		return g.Set(C.GoString(name), cString(value))
	})
}

//export gossh_group_set_policy
func gossh_group_set_policy(h C.uintptr_t, policy C.int, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return groupCall(h, errOut, func(g *core.Group) error {
		if policy < 0 || int(policy) >= len(builtinPolicies) {
			return core.InvalidArgument("unknown host-key policy %d", int(policy))
		}
		g.SetPolicy(builtinPolicies[policy])
		return nil
	})
}

//export gossh_group_set_policy_callback
func gossh_group_set_policy_callback(h C.uintptr_t, cb C.uintptr_t, userdata C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return groupCall(h, errOut, func(g *core.Group) error {
		if cb == 0 {
			g.SetPolicy(nil)
		} else {
			g.SetPolicy(callbackPolicy{cb: cb, userdata: userdata})
		}
		return nil
	})
}

//export gossh_group_load_host_keys
func gossh_group_load_host_keys(h C.uintptr_t, path *C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return groupCall(h, errOut, func(g *core.Group) error {
		if path == nil {
			return core.InvalidArgument("path is NULL")
		}
		return g.LoadHostKeys(C.GoString(path))
	})
}

//export gossh_group_load_system_host_keys
func gossh_group_load_system_host_keys(h C.uintptr_t, path *C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return groupCall(h, errOut, func(g *core.Group) error { return g.LoadSystemHostKeys(cString(path)) })
}

//export gossh_group_share_host_keys
func gossh_group_share_host_keys(h C.uintptr_t, from C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return groupCall(h, errOut, func(g *core.Group) error {
		c, err := getClient(from)
		if err != nil {
			return err
		}
		g.ShareHostKeys(c)
		return nil
	})
}

//export gossh_group_add_host
func gossh_group_add_host(h C.uintptr_t, name *C.char, opts C.uintptr_t, index *C.size_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return groupCall(h, errOut, func(g *core.Group) error {
		if name == nil {
			return core.InvalidArgument("host name is NULL")
		}
		o, err := getOptions(opts)
		if err != nil {
			return err
		}
		i, err := g.AddHost(C.GoString(name), o.Config())
		if err == nil && index != nil {
			*index = C.size_t(i)
		}
		return err
	})
}

//export gossh_group_add_host_list
func gossh_group_add_host_list(h C.uintptr_t, name *C.char, base C.uintptr_t, names, values **C.char, n C.size_t,
	index *C.size_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return groupCall(h, errOut, func(g *core.Group) error {
		if name == nil {
			return core.InvalidArgument("host name is NULL")
		}
		gn, gv, err := optionList(names, values, n)
		if err != nil {
			return err
		}
		cfg := core.NewConfig()
		if base != 0 {
			o, err := getOptions(base)
			if err != nil {
				return err
			}
			cfg = o.Config() // a snapshot: the list does not reach base
		}
		if _, err := cfg.SetList(gn, gv); err != nil {
			return err
		}
		i, err := g.AddHost(C.GoString(name), cfg)
		if err == nil && index != nil {
			*index = C.size_t(i)
		}
		return err
	})
}

//export gossh_group_set_host_command
func gossh_group_set_host_command(h C.uintptr_t, index C.size_t, command *C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return groupCall(h, errOut, func(g *core.Group) error {
		if uint64(index) > uint64(^uint(0)>>1) {
			return core.InvalidArgument("group has no host %d", uint64(index))
		}
		return g.SetHostCommand(int(index), cString(command), command == nil)
	})
}

//export gossh_group_set_result_callback
func gossh_group_set_result_callback(h C.uintptr_t, cb C.uintptr_t, userdata C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return groupCall(h, errOut, func(g *core.Group) error {
		if cb == 0 {
			g.OnResult(nil)
			return nil
		}
		g.OnResult(func(r *core.GroupResult) {
			n := C.CString(r.Name)
			defer C.free(unsafe.Pointer(n))
			code := C.int(0)
			if r.Err != nil {
				code = codeOf(r.Err)
			}
			C.gossh_call_group_result_cb(cb, C.size_t(r.Index), n, code, C.int(r.ExitStatus), userdata)
		})
		return nil
	})
}

//export gossh_group_set_output_callback
func gossh_group_set_output_callback(h C.uintptr_t, cb C.uintptr_t, userdata C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return groupCall(h, errOut, func(g *core.Group) error {
		if cb == 0 {
			g.OnOutput(nil)
			return nil
		}
		g.OnOutput(func(i int, name string, stream int, data []byte) {
			n := C.CString(name)
			defer C.free(unsafe.Pointer(n))
			p := C.CBytes(data)
			defer C.free(p)
			C.gossh_call_group_output_cb(cb, C.size_t(i), n, C.int(stream), (*C.uint8_t)(p), C.size_t(len(data)), userdata)
		})
		return nil
	})
}

//export gossh_group_run
func gossh_group_run(h C.uintptr_t, spec C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return groupCall(h, errOut, func(g *core.Group) error {
		s, err := getSessionSpec(spec)
		if err != nil {
			return err
		}
		return g.Run(s.Spec())
	})
}

//export gossh_group_run_transfer
func gossh_group_run_transfer(h C.uintptr_t, direction C.int, local, remote *C.char, flags C.int, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return groupCall(h, errOut, func(g *core.Group) error {
		if local == nil || remote == nil {
			return core.InvalidArgument("local or remote path is NULL")
		}
		return g.RunTransfer(&core.GroupTransfer{Direction: int(direction), Local: C.GoString(local),
			Remote: C.GoString(remote), Flags: int(flags)})
	})
}

//export gossh_group_next
func gossh_group_next(h C.uintptr_t, timeoutMs C.int, out *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if out != nil {
		*out = 0
	}
	return groupCall(h, errOut, func(g *core.Group) error {
		if out == nil {
			return core.InvalidArgument("out is NULL")
		}
		t, err := timeoutArg(timeoutMs)
		if err != nil {
			return err
		}
		r, err := g.Next(t)
		if err != nil || r == nil {
			return err
		}
		*out = putHandle(kindGroupResult, newGroupResult(r))
		return nil
	})
}

//export gossh_group_wait
func gossh_group_wait(h C.uintptr_t, timeoutMs C.int, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return groupCall(h, errOut, func(g *core.Group) error {
		t, err := timeoutArg(timeoutMs)
		if err != nil {
			return err
		}
		return g.Wait(t)
	})
}

//export gossh_group_cancel
func gossh_group_cancel(h C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return groupCall(h, errOut, func(g *core.Group) error { g.Cancel(); return nil })
}

//export gossh_group_close
func gossh_group_close(h C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return groupCall(h, errOut, func(g *core.Group) error { return g.Close() })
}

//export gossh_group_free
func gossh_group_free(h C.uintptr_t) {
	defer guardVoid()
	if g, ok := dropHandle(h, kindGroup).(*core.Group); ok {
		g.Close()
	}
}

//export gossh_group_result_free
func gossh_group_result_free(h C.uintptr_t) {
	defer guardVoid()
	if r, ok := dropHandle(h, kindGroupResult).(*groupResult); ok {
		r.free()
	}
}

//export gossh_group_result_name
func gossh_group_result_name(h C.uintptr_t, out **C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return groupResultCall(h, errOut, func(r *groupResult) error {
		if out == nil {
			return core.InvalidArgument("out is NULL")
		}
		*out = r.name
		return nil
	})
}

//export gossh_group_result_exit_signal
func gossh_group_result_exit_signal(h C.uintptr_t, out **C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return groupResultCall(h, errOut, func(r *groupResult) error {
		if out == nil {
			return core.InvalidArgument("out is NULL")
		}
		*out = r.signal
		return nil
	})
}

//export gossh_group_result_error
func gossh_group_result_error(h C.uintptr_t, out *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if out != nil {
		*out = 0
	}
	return groupResultCall(h, errOut, func(r *groupResult) error {
		if out == nil {
			return core.InvalidArgument("out is NULL")
		}
		if r.res.Err != nil {
			*out = putHandle(kindError, &errorObject{err: core.AsError(r.res.Err), details: map[string]*C.char{}})
		}
		return nil
	})
}

//export gossh_group_result_get
func gossh_group_result_get(h C.uintptr_t, field *C.char, out *C.int64_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return groupResultCall(h, errOut, func(r *groupResult) error {
		if field == nil || out == nil {
			return core.InvalidArgument("field or out is NULL")
		}
		res := r.res
		var v int64
		switch f := C.GoString(field); f {
		case "index":
			v = int64(res.Index)
		case "code":
			if res.Err != nil {
				v = int64(codeOf(res.Err))
			}
		case "exit_status":
			v = int64(res.ExitStatus)
		case "reused":
			if res.Reused {
				v = 1
			}
		case "connect_us":
			v = res.Connect.Microseconds()
		case "run_us":
			v = res.Run.Microseconds()
		case "stdout_len":
			v = int64(len(res.Stdout))
		case "stderr_len":
			v = int64(len(res.Stderr))
		case "transferred":
			v = int64(res.Transferred)
		default:
			return core.InvalidArgument("unknown group result field %q", f)
		}
		*out = C.int64_t(v)
		return nil
	})
}

//export gossh_group_result_read
func gossh_group_result_read(h C.uintptr_t, info *C.gossh_group_result_info, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return groupResultCall(h, errOut, func(r *groupResult) error {
		if info == nil {
			return core.InvalidArgument("info is NULL")
		}
		if uint64(info.size) < uint64(C.sizeof_gossh_group_result_info) {
			return core.InvalidArgument("info->size is %d, not sizeof(gossh_group_result_info) (%d): "+
				"initialise it with GOSSH_GROUP_RESULT_INFO_INIT", uint64(info.size), uint64(C.sizeof_gossh_group_result_info))
		}
		res := r.res
		v := C.gossh_group_result_info{size: info.size, index: C.size_t(res.Index),
			exit_status: C.int(res.ExitStatus), connect_us: C.int64_t(res.Connect.Microseconds()),
			run_us: C.int64_t(res.Run.Microseconds()), transferred: C.uint64_t(res.Transferred)}
		if res.Err != nil {
			v.code = codeOf(res.Err)
		}
		if res.Reused {
			v.reused = 1
		}
		r.mu.Lock()
		v.name, v.exit_signal = r.name, r.signal
		if r.out[0] != nil { // nil once freed by a free racing this call
			v.stdout_data, v.stdout_len = (*C.uint8_t)(r.out[0]), C.size_t(len(res.Stdout))
		}
		if r.out[1] != nil {
			v.stderr_data, v.stderr_len = (*C.uint8_t)(r.out[1]), C.size_t(len(res.Stderr))
		}
		v.error_message = r.message
		v.error_details, v.error_ndetails = r.details, C.size_t(r.ndetails)
		r.mu.Unlock()
		*info = v
		return nil
	})
}

//export gossh_group_result_output
func gossh_group_result_output(h C.uintptr_t, stream C.int, data **C.uint8_t, n *C.size_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return groupResultCall(h, errOut, func(r *groupResult) error {
		if data == nil || n == nil {
			return core.InvalidArgument("data or len is NULL")
		}
		if stream != 0 && stream != 1 {
			return core.InvalidArgument("stream must be 0 (stdout) or 1 (stderr), not %d", int(stream))
		}
		b := r.res.Stdout
		if stream == 1 {
			b = r.res.Stderr
		}
		r.mu.Lock()
		*data, *n = (*C.uint8_t)(r.out[stream]), C.size_t(len(b))
		r.mu.Unlock()
		return nil
	})
}

// codeOf is the GOSSH_E_* code of a non-nil error.
func codeOf(err error) C.int { return code(core.KindOf(err)) }
