package core

import "net"

// sockIO moves a connection's bytes: raw system calls on a stream socket
// (rawIO, rawio_linux.go), or the conn's own Read and Write (connIO).
type sockIO interface {
	read([]byte) (int, error)
	write([]byte) (int, error)
}

// connIO is a net.Conn as a sockIO.
type connIO struct{ net.Conn }

func (c connIO) read(b []byte) (int, error)  { return c.Read(b) }
func (c connIO) write(b []byte) (int, error) { return c.Write(b) }

// newSockIO returns raw socket calls for c when it is a stream socket on
// Linux, else c's own Read and Write.
func newSockIO(c net.Conn) sockIO {
	if r := newRawIO(c); r != nil {
		return r
	}
	return connIO{c}
}
