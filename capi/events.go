package main

/*
#include <stdint.h>
*/
import "C"

import (
	"github.com/gossh/gossh/core"
)

// Readiness events (core/events.go): one pipe per process; a watched
// channel or client writes its handle value, as a native-endian uint64, when
// something its binding waits for may have changed.

//export gossh_events_fd
func gossh_events_fd(fd *C.int, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if fd == nil {
		return finish(core.InvalidArgument("fd is NULL"), errOut)
	}
	f, err := core.EventsFD()
	*fd = C.int(f)
	return finish(err, errOut)
}

//export gossh_channel_watch
func gossh_channel_watch(h C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	// The record is the handle's value: unique, never reused, and what the
	// binding already holds.
	return channelCall(h, errOut, func(ch *core.Channel) error { return ch.Watch(uint64(h)) })
}

//export gossh_client_watch_forwards
func gossh_client_watch_forwards(h C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return clientCall(h, errOut, func(c *core.Client) error { return c.WatchForwards(uint64(h)) })
}

//export gossh_group_watch
func gossh_group_watch(h C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return groupCall(h, errOut, func(g *core.Group) error { return g.Watch(uint64(h)) })
}
