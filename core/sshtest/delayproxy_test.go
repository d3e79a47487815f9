package sshtest

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

// Data crosses the delay proxy intact, in order, in both directions, and
// the end of one direction is passed on after its data.
func TestDelayProxyForwardsIntact(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		io.Copy(c, c) // echo until the client's end, then end too
		c.(*net.TCPConn).CloseWrite()
	}()
	p, err := StartDelayProxy(ln.Addr().String(), 5*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	want := make([]byte, 3<<20)
	for i := range want {
		want[i] = byte(i * 7)
	}
	go func() {
		for off := 0; off < len(want); off += 100000 {
			c.Write(want[off:min(off+100000, len(want))])
		}
		c.(*net.TCPConn).CloseWrite()
	}()
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("echoed %d bytes that differ from the %d sent", len(got), len(want))
	}
}
