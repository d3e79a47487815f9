package main

/*
#include <stdint.h>
*/
import "C"

import "github.com/gossh/gossh/core"

//export gossh_session_spec_new
func gossh_session_spec_new(out *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if out == nil {
		return finish(core.InvalidArgument("out is NULL"), errOut)
	}
	*out = putHandle(kindSessionSpec, core.NewSessionSpecs())
	return finish(nil, errOut)
}

//export gossh_session_spec_set
func gossh_session_spec_set(h C.uintptr_t, name, value *C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	s, err := getSessionSpec(h)
	if err != nil {
		return finish(err, errOut)
	}
	if name == nil {
		return finish(core.InvalidArgument("field name is NULL"), errOut)
	}
	return finish(s.Set(C.GoString(name), cString(value)), errOut)
}

//export gossh_session_spec_set_env
func gossh_session_spec_set_env(h C.uintptr_t, name, value *C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	s, err := getSessionSpec(h)
	if err != nil {
		return finish(err, errOut)
	}
	if name == nil {
		return finish(core.InvalidArgument("variable name is NULL"), errOut)
	}
	return finish(s.SetEnv(C.GoString(name), cString(value)), errOut)
}

//export gossh_session_spec_free
func gossh_session_spec_free(h C.uintptr_t) {
	defer guardVoid()
	dropHandle(h, kindSessionSpec)
}

//export gossh_client_start
func gossh_client_start(h C.uintptr_t, spec C.uintptr_t, out *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return channelOut(h, out, errOut, openNow(prepareStart(spec)))
}
