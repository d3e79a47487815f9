package core

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
)

// tcpPair returns both ends of a loopback TCP connection.
func tcpPair(t *testing.T) (*net.TCPConn, *net.TCPConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	acc := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		acc <- c
	}()
	a, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	b := <-acc
	if b == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { a.Close(); b.Close() })
	return a.(*net.TCPConn), b.(*net.TCPConn)
}

// mustRaw is newRawIO that fails the test on nil.
func mustRaw(t *testing.T, c net.Conn) *rawIO {
	t.Helper()
	r := newRawIO(c)
	if r == nil {
		t.Fatalf("newRawIO(%T) = nil", c)
	}
	return r
}

// Every byte arrives, in order, both ways, through writes far larger than
// the socket buffers (so writes wait for room) and reads of random sizes
// that wait for data; repeated.
func TestRawIOStreamsIntact(t *testing.T) {
	for round := range 20 {
		a, b := tcpPair(t)
		ra, rb := mustRaw(t, a), mustRaw(t, b)
		rng := rand.New(rand.NewPCG(uint64(round), 7))
		want := make([]byte, 1<<20+rng.IntN(4<<20))
		for i := range want {
			want[i] = byte(rng.Uint32())
		}
		for _, dir := range [][2]*rawIO{{ra, rb}, {rb, ra}} {
			w, r := dir[0], dir[1]
			errc := make(chan error, 1)
			go func() {
				off := 0
				for off < len(want) {
					n := min(len(want)-off, 1+rng.IntN(3<<20))
					k, err := w.write(want[off : off+n])
					if err != nil || k != n {
						errc <- errors.Join(err, errors.New("short write"))
						return
					}
					off += n
				}
				errc <- nil
			}()
			got := make([]byte, 0, len(want))
			buf := make([]byte, 256<<10)
			for len(got) < len(want) {
				n, err := r.read(buf[:1+rand.IntN(len(buf))])
				if err != nil {
					t.Fatalf("round %d: read after %d bytes: %v", round, len(got), err)
				}
				got = append(got, buf[:n]...)
			}
			if err := <-errc; err != nil {
				t.Fatalf("round %d: write: %v", round, err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("round %d: %d bytes differ from what was written", round, len(want))
			}
		}
	}
}

// The peer's close is io.EOF after the data; a local close ends a read
// waiting for data with net.ErrClosed (never a clean end); a read deadline
// is os.ErrDeadlineExceeded; a write to a reset peer is an error. Repeated.
func TestRawIOEnds(t *testing.T) {
	for round := range 30 {
		a, b := tcpPair(t)
		ra := mustRaw(t, a)
		if _, err := b.Write([]byte("tail")); err != nil {
			t.Fatal(err)
		}
		b.Close()
		buf := make([]byte, 64)
		n, err := ra.read(buf)
		if err != nil || string(buf[:n]) != "tail" {
			t.Fatalf("round %d: read = %q, %v; want the tail", round, buf[:n], err)
		}
		if n, err = ra.read(buf); n != 0 || err != io.EOF {
			t.Fatalf("round %d: read at the peer's end = %d, %v; want io.EOF", round, n, err)
		}

		c, d := tcpPair(t)
		rc := mustRaw(t, c)
		errc := make(chan error, 1)
		go func() {
			_, err := rc.read(buf)
			errc <- err
		}()
		time.Sleep(time.Millisecond)
		c.Close()
		select {
		case err := <-errc:
			if !errors.Is(err, net.ErrClosed) {
				t.Fatalf("round %d: read ended by Close = %v; want net.ErrClosed", round, err)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("round %d: a read waiting for data outlived Close", round)
		}
		if _, err := rc.read(buf); !errors.Is(err, net.ErrClosed) {
			t.Fatalf("round %d: read after Close = %v; want net.ErrClosed", round, err)
		}
		if _, err := rc.write([]byte("x")); !errors.Is(err, net.ErrClosed) {
			t.Fatalf("round %d: write after Close = %v; want net.ErrClosed", round, err)
		}

		d, _ = tcpPair(t) // a peer that stays and sends nothing
		if err := d.SetReadDeadline(time.Now().Add(5 * time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		if _, err := mustRaw(t, d).read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("round %d: read past the deadline = %v; want os.ErrDeadlineExceeded", round, err)
		}

		e, f := tcpPair(t)
		re := mustRaw(t, e)
		f.SetLinger(0)
		f.Close() // a reset: writes fail (EPIPE or ECONNRESET), with no SIGPIPE
		big := make([]byte, 8<<20)
		var werr error
		for i := 0; i < 100 && werr == nil; i++ {
			var k int
			k, werr = re.write(big)
			if werr == nil && k != len(big) {
				t.Fatalf("round %d: write returned %d of %d with no error", round, k, len(big))
			}
		}
		if !errors.Is(werr, syscall.EPIPE) && !errors.Is(werr, syscall.ECONNRESET) {
			t.Fatalf("round %d: write to a reset peer = %v; want EPIPE or ECONNRESET", round, werr)
		}
	}
}

// Only byte-stream sockets are read raw: a datagram socket or a conn that
// is no socket keeps its own Read and Write, and an unnamed Unix stream
// socket (a socketpair handed over as sock=) is read raw.
func TestRawIOOnlyForStreamSockets(t *testing.T) {
	p, q := net.Pipe()
	defer p.Close()
	defer q.Close()
	if newRawIO(p) != nil {
		t.Error("newRawIO(net.Pipe) is not nil")
	}
	for _, typ := range []int{syscall.SOCK_STREAM, syscall.SOCK_DGRAM, syscall.SOCK_SEQPACKET} {
		fds, err := syscall.Socketpair(syscall.AF_UNIX, typ|syscall.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		f := os.NewFile(uintptr(fds[0]), "pair")
		c, err := net.FileConn(f)
		f.Close()
		syscall.Close(fds[1])
		if err != nil {
			t.Fatal(err)
		}
		got := newRawIO(c) != nil
		c.Close()
		if got != (typ == syscall.SOCK_STREAM) {
			t.Errorf("socket type %d: read raw = %v", typ, got)
		}
	}
	a, _ := tcpPair(t)
	if _, raw := newPhaseConn(a, 0).io.(*rawIO); !raw {
		t.Error("a TCP connection to a server is not read raw")
	}
}
