//go:build !linux

package core

import "unsafe"

// Read rings are Linux's (ring_linux.go): elsewhere none is made, and every
// C read calls into Go.
type ring struct{}

const ringSlowEmpty, ringSlowAlways = 1, 2

const ringBulk = 64 << 10

func newRing() *ring                { return nil }
func (r *ring) free()               {}
func (r *ring) ptr() unsafe.Pointer { return nil }
func (r *ring) fill() int           { return 0 }
func (r *ring) put(b []byte) int    { return 0 }
func (r *ring) get(p []byte) int    { return 0 }
func (r *ring) publish(uint32) bool { return false }
func (r *ring) slowBits() uint32    { return 0 }
func (r *ring) kick()               {}
