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

// maxKeyData bounds a private key given as text: real ones are a few KiB.
const maxKeyData = 1 << 20

//export gossh_options_new
func gossh_options_new(out *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if out == nil {
		return finish(core.InvalidArgument("out is NULL"), errOut)
	}
	*out = putHandle(kindOptions, core.NewOptions())
	return finish(nil, errOut)
}

//export gossh_options_set
func gossh_options_set(h C.uintptr_t, name, value *C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	cfg, err := getOptions(h)
	if err != nil {
		return finish(err, errOut)
	}
	if name == nil {
		return finish(core.InvalidArgument("option name is NULL"), errOut)
	}
	return finish(cfg.Set(C.GoString(name), cString(value)), errOut)
}

// maxOptionList is the most options one gossh_options_set_list takes.
const maxOptionList = 4096

//export gossh_options_set_list
func gossh_options_set_list(h C.uintptr_t, names, values **C.char, n C.size_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	cfg, err := getOptions(h)
	if err != nil {
		return finish(err, errOut)
	}
	gn, gv, err := optionList(names, values, n)
	if err != nil {
		return finish(err, errOut)
	}
	_, err = cfg.SetList(gn, gv)
	return finish(err, errOut)
}

// optionList copies n C option names and values (a NULL value is "") for
// gossh_options_set_list and gossh_group_add_host_list.
func optionList(names, values **C.char, n C.size_t) ([]string, []string, error) {
	if n == 0 {
		return nil, nil, nil
	}
	if names == nil || values == nil {
		return nil, nil, core.InvalidArgument("names or values is NULL")
	}
	if uint64(n) > maxOptionList {
		return nil, nil, core.InvalidArgument("%d options in one list (at most %d)", uint64(n), maxOptionList)
	}
	cn := unsafe.Slice(names, int(n))
	cv := unsafe.Slice(values, int(n))
	gn, gv := make([]string, n), make([]string, n)
	for i := range cn {
		if cn[i] == nil {
			return nil, nil, core.InvalidArgument("option name %d of the list is NULL", i)
		}
		gn[i], gv[i] = C.GoString(cn[i]), cString(cv[i])
	}
	return gn, gv, nil
}

//export gossh_options_add_key
func gossh_options_add_key(h C.uintptr_t, key C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	cfg, err := getOptions(h)
	if err != nil {
		return finish(err, errOut)
	}
	k, err := getKey(key)
	if err != nil {
		return finish(err, errOut)
	}
	cfg.AddKey(k)
	return finish(nil, errOut)
}

//export gossh_options_add_key_data
func gossh_options_add_key_data(h C.uintptr_t, data unsafe.Pointer, n C.size_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	cfg, err := getOptions(h)
	if err != nil {
		return finish(err, errOut)
	}
	if data == nil || n == 0 {
		return finish(core.InvalidArgument("no key data given"), errOut)
	}
	if n > maxKeyData {
		return finish(core.InvalidArgument("key data of %d bytes is too large (at most %d)", uint64(n), maxKeyData), errOut)
	}
	cfg.AddKeyData(C.GoBytes(data, C.int(n)))
	return finish(nil, errOut)
}

//export gossh_options_free
func gossh_options_free(h C.uintptr_t) {
	defer guardVoid()
	dropHandle(h, kindOptions)
}
