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
	kindSessionSpec
	kindSFTP
	kindSFTPFile
	kindSFTPDir
	kindGroup
	kindGroupResult
	kindPending
)

var kindName = map[handleKind]string{
	kindError: "gossh_error", kindOptions: "gossh_options", kindClient: "gossh_client",
	kindChannel: "gossh_channel", kindKey: "gossh_key", kindHostKeys: "gossh_hostkeys",
	kindSessionSpec: "gossh_session_spec", kindSFTP: "gossh_sftp", kindSFTPFile: "gossh_sftp_file",
	kindSFTPDir: "gossh_sftp_dir", kindGroup: "gossh_group", kindGroupResult: "gossh_group_result",
	kindPending: "gossh_pending",
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

// get returns the object of kind k behind h as a T.
func get[T any](h C.uintptr_t, k handleKind) (T, error) {
	o, err := lookup(h, k)
	if err != nil {
		var zero T
		return zero, err
	}
	return o.(T), nil
}

// with calls f with the object of kind k behind h and returns the code of
// its error: the shape of most exports.
func with[T any](h C.uintptr_t, k handleKind, errOut *C.uintptr_t, f func(T) error) C.int {
	o, err := get[T](h, k)
	if err != nil {
		return finish(err, errOut)
	}
	return finish(f(o), errOut)
}

// Typed lookups and calls, one per handle kind.
func getClient(h C.uintptr_t) (*core.Client, error)     { return get[*core.Client](h, kindClient) }
func getChannel(h C.uintptr_t) (*core.Channel, error)   { return get[*core.Channel](h, kindChannel) }
func getOptions(h C.uintptr_t) (*core.Options, error)   { return get[*core.Options](h, kindOptions) }
func getKey(h C.uintptr_t) (*core.Key, error)           { return get[*core.Key](h, kindKey) }
func getHostKeys(h C.uintptr_t) (*core.HostKeys, error) { return get[*core.HostKeys](h, kindHostKeys) }
func getSessionSpec(h C.uintptr_t) (*core.SessionSpecs, error) {
	return get[*core.SessionSpecs](h, kindSessionSpec)
}
func clientCall(h C.uintptr_t, e *C.uintptr_t, f func(*core.Client) error) C.int {
	return with(h, kindClient, e, f)
}
func channelCall(h C.uintptr_t, e *C.uintptr_t, f func(*core.Channel) error) C.int {
	return with(h, kindChannel, e, f)
}
func keyCall(h C.uintptr_t, e *C.uintptr_t, f func(*core.Key) error) C.int {
	return with(h, kindKey, e, f)
}
func withHostKeys(h C.uintptr_t, e *C.uintptr_t, f func(*core.HostKeys) error) C.int {
	return with(h, kindHostKeys, e, f)
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
