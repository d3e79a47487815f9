//go:build !linux

package core

import "net"

// rawIO is Linux's raw socket reads and writes (rawio_linux.go); elsewhere
// a connection is read and written through net.Conn.
type rawIO struct{}

func newRawIO(net.Conn) *rawIO { return nil }

func (*rawIO) read([]byte) (int, error)  { panic("rawIO: not on this system") }
func (*rawIO) write([]byte) (int, error) { panic("rawIO: not on this system") }
