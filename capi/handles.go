package main

/*
#include <stdint.h>
*/
import "C"

import (
	"sync"

	"github.com/gossh/gossh/core"
)

// handleKind tags each registry entry so that a handle of one kind passed
// where another is expected is refused.
type handleKind uint8

const (
	kindError handleKind = iota + 1
	kindOptions
	kindClient
	kindChannel
	kindKey
	kindHostKeys
)

var kindName = map[handleKind]string{
	kindError: "gossh_error", kindOptions: "gossh_options", kindClient: "gossh_client",
	kindChannel: "gossh_channel", kindKey: "gossh_key", kindHostKeys: "gossh_hostkeys",
}

type entry struct {
	kind handleKind
	obj  any
}

// registry maps handle IDs to objects. IDs count up from 1 and are never
// reused, so a stale handle can never reach a newer object.
var registry = struct {
	sync.RWMutex
	next uint64
	m    map[uint64]entry
}{m: map[uint64]entry{}}

// putHandle registers obj and returns its handle.
func putHandle(k handleKind, obj any) C.uintptr_t {
	registry.Lock()
	defer registry.Unlock()
	registry.next++
	id := registry.next
	registry.m[id] = entry{k, obj}
	return C.uintptr_t(id)
}

// lookup returns the object behind h, or the error for a NULL, stale or
// wrong-kind handle.
func lookup(h C.uintptr_t, k handleKind) (any, error) {
	if h == 0 {
		return nil, core.InvalidArgument("%s handle is NULL", kindName[k])
	}
	registry.RLock()
	e, ok := registry.m[uint64(h)]
	registry.RUnlock()
	if !ok {
		return nil, &core.Error{Kind: core.KindBadHandle, Msg: kindName[k] + " handle is not valid (freed, or never made)"}
	}
	if e.kind != k {
		return nil, &core.Error{Kind: core.KindBadHandle, Msg: "expected a " + kindName[k] + " handle, got a " + kindName[e.kind]}
	}
	return e.obj, nil
}

// getClient, getChannel, getOptions and getKey are typed lookups.
func getClient(h C.uintptr_t) (*core.Client, error) {
	o, err := lookup(h, kindClient)
	if err != nil {
		return nil, err
	}
	return o.(*core.Client), nil
}

func getChannel(h C.uintptr_t) (*core.Channel, error) {
	o, err := lookup(h, kindChannel)
	if err != nil {
		return nil, err
	}
	return o.(*core.Channel), nil
}

func getOptions(h C.uintptr_t) (*core.Options, error) {
	o, err := lookup(h, kindOptions)
	if err != nil {
		return nil, err
	}
	return o.(*core.Options), nil
}

func getKey(h C.uintptr_t) (*core.Key, error) {
	o, err := lookup(h, kindKey)
	if err != nil {
		return nil, err
	}
	return o.(*core.Key), nil
}

// dropHandle removes h if it is a live handle of kind k and returns its
// object; anything else is a no-op (so _free is idempotent).
func dropHandle(h C.uintptr_t, k handleKind) any {
	registry.Lock()
	defer registry.Unlock()
	e, ok := registry.m[uint64(h)]
	if !ok || e.kind != k {
		return nil
	}
	delete(registry.m, uint64(h))
	return e.obj
}
