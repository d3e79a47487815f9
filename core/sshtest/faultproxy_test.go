package sshtest

import (
	"bytes"
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
	"time"
)

// pattern is n bytes that differ from position to position.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

// source is a loopback server that writes data to each connection, then
// reads until EOF; got receives what it read (or the read error).
type source struct {
	ln  net.Listener
	got chan []byte
}

func startSource(t *testing.T, data []byte) *source {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &source{ln: ln, got: make(chan []byte, 16)}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				go func() {
					if _, err := c.Write(data); err == nil {
						_ = c.(*net.TCPConn).CloseWrite()
					}
				}()
				_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
				b, _ := io.ReadAll(c)
				s.got <- b
			}()
		}
	}()
	return s
}

func startProxy(t *testing.T, cfg ProxyConfig) *FaultProxy {
	t.Helper()
	p, err := StartFaultProxy(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// readAllFrom reads c until EOF, an error or 2 s (0.5 s for a stall).
func readAllFrom(t *testing.T, c net.Conn) ([]byte, error) {
	t.Helper()
	return readFor(c, 2*time.Second)
}

func readFor(c net.Conn, d time.Duration) ([]byte, error) {
	_ = c.SetReadDeadline(time.Now().Add(d))
	return io.ReadAll(c)
}

func dialProxy(t *testing.T, p *FaultProxy) *net.TCPConn {
	t.Helper()
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}

func TestFaultProxyFaults(t *testing.T) {
	data := pattern(300000)
	src := startSource(t, data)
	const after = 100003
	for _, tc := range []struct {
		fault ProxyFault
		check func(t *testing.T, got []byte, err error)
	}{
		{ProxyNone, func(t *testing.T, got []byte, err error) {
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("none: %d bytes, %v; want all %d", len(got), err, len(data))
			}
		}},
		{ProxyDrip, func(t *testing.T, got []byte, err error) {
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("drip: %d bytes, %v; want all %d intact", len(got), err, len(data))
			}
		}},
		{ProxyFlip, func(t *testing.T, got []byte, err error) {
			if err != nil || len(got) != len(data) {
				t.Fatalf("flip: %d bytes, %v", len(got), err)
			}
			for i := range got {
				want := data[i]
				if i == after {
					want ^= 1 << (after % 8)
				}
				if got[i] != want {
					t.Fatalf("flip: byte %d is %#x, want %#x", i, got[i], want)
				}
			}
		}},
		{ProxyClose, func(t *testing.T, got []byte, err error) {
			if err != nil || !bytes.Equal(got, data[:after]) {
				t.Fatalf("close: %d bytes, %v; want EOF after exactly %d", len(got), err, after)
			}
		}},
		{ProxyFIN, func(t *testing.T, got []byte, err error) {
			if err != nil || !bytes.Equal(got, data[:after]) {
				t.Fatalf("fin: %d bytes, %v; want EOF after exactly %d", len(got), err, after)
			}
		}},
		{ProxyRST, func(t *testing.T, got []byte, err error) {
			if !errors.Is(err, syscall.ECONNRESET) || len(got) > after || !bytes.Equal(got, data[:len(got)]) {
				t.Fatalf("rst: %d bytes, %v; want ECONNRESET after at most %d", len(got), err, after)
			}
		}},
		{ProxyStall, func(t *testing.T, got []byte, err error) {
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() || !bytes.Equal(got, data[:after]) {
				t.Fatalf("stall: %d bytes, %v; want a timeout after exactly %d", len(got), err, after)
			}
		}},
	} {
		t.Run(string(tc.fault), func(t *testing.T) {
			p := startProxy(t, ProxyConfig{Target: src.ln.Addr().String(), Fault: tc.fault, After: []int64{after}, DripSpan: 5000})
			wait := 2 * time.Second
			if tc.fault == ProxyStall {
				wait = 500 * time.Millisecond
			}
			// The reset can beat the dial's own check of the socket.
			var got []byte
			c, err := net.Dial("tcp", p.Addr())
			if err == nil {
				defer c.Close()
				got, err = readFor(c, wait)
			}
			tc.check(t, got, err)
			if tc.fault != ProxyNone && p.Tripped() != 1 {
				t.Errorf("Tripped() = %d, want 1", p.Tripped())
			}
		})
	}
}

// After a fin the client can still talk to the server; after a stall the
// server hears nothing more.
func TestFaultProxyFINKeepsUpstream(t *testing.T) {
	src := startSource(t, pattern(1000))
	for _, fault := range []ProxyFault{ProxyFIN, ProxyStall} {
		p := startProxy(t, ProxyConfig{Target: src.ln.Addr().String(), Fault: fault, After: []int64{10}})
		c := dialProxy(t, p)
		buf := make([]byte, 10)
		if _, err := io.ReadFull(c, buf); err != nil {
			t.Fatal(err)
		}
		// Wait for the fault to fire before writing.
		for i := 0; p.Tripped() == 0 && i < 200; i++ {
			time.Sleep(5 * time.Millisecond)
		}
		if _, err := c.Write([]byte("hello")); err != nil {
			t.Fatal(err)
		}
		_ = c.CloseWrite()
		var got []byte
		select {
		case got = <-src.got:
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: the server never saw the client's end", fault)
		}
		want := "hello"
		if fault == ProxyStall {
			want = ""
		}
		if string(got) != want {
			t.Fatalf("%s: server got %q, want %q", fault, got, want)
		}
	}
}

func TestFaultProxyAfterUpAndCycle(t *testing.T) {
	src := startSource(t, pattern(100000))
	// Offsets cycle over connections.
	p := startProxy(t, ProxyConfig{Target: src.ln.Addr().String(), Fault: ProxyClose, After: []int64{10, 20}})
	for _, want := range []int{10, 20, 10} {
		got, err := readAllFrom(t, dialProxy(t, p))
		if err != nil || len(got) != want {
			t.Fatalf("got %d bytes, %v; want %d", len(got), err, want)
		}
	}
	// AfterUp: the client's 5th byte fires the close.
	src = startSource(t, pattern(100000))
	p = startProxy(t, ProxyConfig{Target: src.ln.Addr().String(), Fault: ProxyClose, After: []int64{1 << 30}, AfterUp: 5})
	c := dialProxy(t, p)
	if _, err := c.Write([]byte("0123456789")); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-src.got:
		if string(got) != "01234" {
			t.Fatalf("server got %q, want 01234", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the server's connection was not closed")
	}
	if _, err := readAllFrom(t, c); err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("client read: %v", err)
	}
}

func TestFaultProxyLoopbackOnly(t *testing.T) {
	for _, cfg := range []ProxyConfig{
		{Target: "10.1.2.3:22"},
		{Target: "127.0.0.1:22", Listen: "0.0.0.0:0"},
		{Target: "localhost:22"},
		{Target: "127.0.0.1:22", Fault: "bogus"},
	} {
		if p, err := StartFaultProxy(cfg); err == nil {
			p.Close()
			t.Errorf("%+v: started", cfg)
		}
	}
}

// Close ends stalled connections and returns.
func TestFaultProxyCloseEndsStall(t *testing.T) {
	src := startSource(t, pattern(100000))
	p := startProxy(t, ProxyConfig{Target: src.ln.Addr().String(), Fault: ProxyStall, After: []int64{100}})
	c := dialProxy(t, p)
	buf := make([]byte, 100)
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { p.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close hung on a stalled connection")
	}
	if _, err := readAllFrom(t, c); err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("after Close: %v", err)
	}
}
