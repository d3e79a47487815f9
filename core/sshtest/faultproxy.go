package sshtest

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// ProxyFault is what a FaultProxy does to each connection it forwards, once
// the connection's fault offset is reached.
type ProxyFault string

// The proxy's faults. Offsets count bytes forwarded server→client (see
// ProxyConfig.After), the SSH banner and key exchange included.
const (
	// ProxyNone forwards everything unchanged.
	ProxyNone ProxyFault = "none"
	// ProxyClose closes both sides: the client gets a FIN (an RST may
	// follow if it sends more), the server a normal close.
	ProxyClose ProxyFault = "close"
	// ProxyRST resets the client's connection (SO_LINGER 0, then close)
	// and closes the server's.
	ProxyRST ProxyFault = "rst"
	// ProxyFIN half-closes toward the client only: the client reads EOF,
	// the server's further output is read and dropped, and client→server
	// forwarding goes on. The server's side stays open until the client
	// closes.
	ProxyFIN ProxyFault = "fin"
	// ProxyStall stops forwarding both ways and keeps both sockets open:
	// server output is no longer read, client input is read and dropped
	// (so that the client closing its side still ends the connection).
	ProxyStall ProxyFault = "stall"
	// ProxyDrip forwards the DripSpan bytes after the offset in 1..7-byte
	// writes with small pauses, then the rest normally: about an SSH
	// packet's worth of partial packets. Not a failure: the data arrives
	// intact.
	ProxyDrip ProxyFault = "drip"
	// ProxyFlip flips one bit (bit offset%8) of the byte at the offset in
	// the server→client stream and forwards everything else unchanged: the
	// client's MAC check must fail.
	ProxyFlip ProxyFault = "flip"
)

// ProxyFaults lists every ProxyFault.
var ProxyFaults = []ProxyFault{ProxyNone, ProxyClose, ProxyRST, ProxyFIN, ProxyStall, ProxyDrip, ProxyFlip}

// ParseProxyFault returns the ProxyFault named s.
func ParseProxyFault(s string) (ProxyFault, error) {
	for _, f := range ProxyFaults {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown fault %q (want none, close, rst, fin, stall, drip or flip)", s)
}

// DefaultDripSpan is how many bytes ProxyDrip drips when DripSpan is 0.
const DefaultDripSpan = 32 << 10

// ProxyConfig describes a FaultProxy.
type ProxyConfig struct {
	// Target is the server's loopback address, "127.0.0.1:port".
	Target string
	// Fault is applied to every connection; ProxyNone by default.
	Fault ProxyFault
	// After is the fault offset: how many bytes go server→client before
	// the fault. With several values, the i-th accepted connection (from
	// 0) uses After[i % len(After)], so that repeated runs through one
	// proxy cut at varied places. None means 0.
	After []int64
	// AfterUp, if positive, also fires close, rst, fin or stall once this
	// many bytes have gone client→server, whichever offset comes first.
	// Drip and flip act on the server→client stream only.
	AfterUp int64
	// Listen is the loopback address to listen on; "127.0.0.1:0" (a free
	// port) by default.
	Listen string
	// DripSpan is how many bytes ProxyDrip drips; DefaultDripSpan if 0.
	DripSpan int64
}

// FaultProxy is a TCP proxy on loopback between a client and a real server
// that breaks every connection in one way (see ProxyFault). Create it with
// StartFaultProxy and stop it with Close, which ends every connection.
type FaultProxy struct {
	cfg      ProxyConfig
	ln       net.Listener
	accepted atomic.Int64
	tripped  atomic.Int64
	wg       sync.WaitGroup

	mu     sync.Mutex
	closed bool
	conns  map[*proxyConn]struct{}
}

// StartFaultProxy starts a proxy. Both Listen and Target must be loopback
// addresses.
func StartFaultProxy(cfg ProxyConfig) (*FaultProxy, error) {
	if cfg.Fault == "" {
		cfg.Fault = ProxyNone
	}
	if _, err := ParseProxyFault(string(cfg.Fault)); err != nil {
		return nil, err
	}
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	if cfg.DripSpan <= 0 {
		cfg.DripSpan = DefaultDripSpan
	}
	for _, n := range cfg.After {
		if n < 0 {
			return nil, fmt.Errorf("fault offset %d is negative", n)
		}
	}
	for _, a := range []string{cfg.Listen, cfg.Target} {
		if err := checkLoopback(a); err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, err
	}
	p := &FaultProxy{cfg: cfg, ln: ln, conns: map[*proxyConn]struct{}{}}
	p.wg.Add(1)
	go p.acceptLoop()
	return p, nil
}

// checkLoopback refuses an address whose host is not a loopback IP.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%s: the fault proxy only uses loopback addresses", addr)
	}
	return nil
}

// Addr is the proxy's listening address.
func (p *FaultProxy) Addr() string { return p.ln.Addr().String() }

// Port is the proxy's listening port.
func (p *FaultProxy) Port() int { return p.ln.Addr().(*net.TCPAddr).Port }

// Accepted is how many connections the proxy has accepted.
func (p *FaultProxy) Accepted() int { return int(p.accepted.Load()) }

// Tripped is how many connections reached their fault offset (for drip and
// flip: how many were dripped or flipped).
func (p *FaultProxy) Tripped() int { return int(p.tripped.Load()) }

// Trip fires the fault now on every live connection, whatever its offset,
// so that a test can let a connection set up and then break it at a moment
// of its choosing (e.g. a stall with an offset no stream reaches).
func (p *FaultProxy) Trip() {
	p.mu.Lock()
	conns := make([]*proxyConn, 0, len(p.conns))
	for c := range p.conns {
		conns = append(conns, c)
	}
	p.mu.Unlock()
	for _, c := range conns {
		c.trip()
	}
}

// Close stops listening, closes every connection and waits for the
// proxy's goroutines. Safe to call twice.
func (p *FaultProxy) Close() error {
	p.mu.Lock()
	p.closed = true
	conns := make([]*proxyConn, 0, len(p.conns))
	for c := range p.conns {
		conns = append(conns, c)
	}
	p.mu.Unlock()
	err := p.ln.Close()
	for _, c := range conns {
		c.closeAll()
	}
	p.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

func (p *FaultProxy) acceptLoop() {
	defer p.wg.Done()
	for {
		nc, err := p.ln.Accept()
		if err != nil {
			return
		}
		i := p.accepted.Add(1) - 1
		var after int64
		if n := len(p.cfg.After); n > 0 {
			after = p.cfg.After[i%int64(n)]
		}
		c := &proxyConn{p: p, client: nc.(*net.TCPConn), after: after, tripped: make(chan struct{}), ended: make(chan struct{})}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			nc.Close()
			return
		}
		p.conns[c] = struct{}{}
		p.wg.Add(1)
		p.mu.Unlock()
		go c.serve()
	}
}

// proxyConn is one forwarded connection.
type proxyConn struct {
	p              *FaultProxy
	client, server *net.TCPConn
	after          int64

	tripOnce  sync.Once
	tripped   chan struct{} // closed when the fault fires
	closeOnce sync.Once
	ended     chan struct{} // closed by closeAll
}

func (c *proxyConn) serve() {
	defer c.p.wg.Done()
	defer func() {
		c.closeAll()
		c.p.mu.Lock()
		delete(c.p.conns, c)
		c.p.mu.Unlock()
	}()
	d := net.Dialer{Timeout: 5 * time.Second}
	sc, err := d.Dial("tcp", c.p.cfg.Target)
	if err != nil {
		return
	}
	c.p.mu.Lock()
	c.server = sc.(*net.TCPConn)
	closed := c.p.closed
	c.p.mu.Unlock()
	if closed {
		return
	}
	up := make(chan struct{})
	go func() {
		defer close(up)
		c.up()
	}()
	c.down()
	<-up
}

// closeAll closes both sides (once) and ends a stall.
func (c *proxyConn) closeAll() {
	c.closeOnce.Do(func() {
		c.p.mu.Lock()
		server := c.server
		c.p.mu.Unlock()
		c.client.Close()
		if server != nil {
			server.Close()
		}
		close(c.ended)
	})
}

func (c *proxyConn) isTripped() bool {
	select {
	case <-c.tripped:
		return true
	default:
		return false
	}
}

// trip fires the fault (once): close and rst act here; fin, stall and the
// stream faults are carried out by the copiers.
func (c *proxyConn) trip() {
	c.tripOnce.Do(func() {
		c.p.tripped.Add(1)
		close(c.tripped)
		switch c.p.cfg.Fault {
		case ProxyClose:
			_ = c.client.CloseWrite() // the FIN goes out first
			c.closeAll()
		case ProxyRST:
			_ = c.client.SetLinger(0)
			c.closeAll()
		case ProxyFIN:
			_ = c.client.CloseWrite()
		}
	})
}

// down forwards server→client and applies the fault at the offset.
func (c *proxyConn) down() {
	fault := c.p.cfg.Fault
	stops := fault == ProxyClose || fault == ProxyRST || fault == ProxyFIN || fault == ProxyStall
	buf := make([]byte, 32<<10)
	var sent int64 // bytes forwarded so far
	dripLeft := c.p.cfg.DripSpan
	for {
		n, rerr := c.server.Read(buf)
		data := buf[:n]
		for len(data) > 0 {
			if stops && c.isTripped() { // fired here or by up()
				c.afterTripDown()
				return
			}
			if fault != ProxyNone && sent == c.after && !c.isTripped() {
				c.trip()
				if fault == ProxyFlip {
					data[0] ^= 1 << (c.after % 8)
				}
				continue
			}
			k := int64(len(data))
			if fault != ProxyNone && sent < c.after {
				k = min(k, c.after-sent) // up to the offset
			}
			var ok bool
			if fault == ProxyDrip && sent >= c.after && dripLeft > 0 {
				k = min(k, dripLeft)
				dripLeft -= k
				ok = c.drip(data[:k])
			} else {
				_, err := c.client.Write(data[:k])
				ok = err == nil
			}
			if !ok {
				if stops && c.isTripped() { // a fin fired by up() shut the client's side
					c.afterTripDown()
					return
				}
				c.closeAll()
				return
			}
			sent += k
			data = data[k:]
		}
		if stops && c.isTripped() {
			c.afterTripDown()
			return
		}
		if rerr != nil {
			// The server closed (or the proxy did): pass the end on.
			_ = c.client.CloseWrite()
			return
		}
	}
}

// drip writes p in 1..7-byte pieces (each its own TCP segment: Go sets
// TCP_NODELAY), pausing every dripPauseEvery pieces. A pause is short but,
// as Go's timers go, about a millisecond, so pausing after every piece
// would take seconds per connection.
func (c *proxyConn) drip(p []byte) bool {
	for i := 0; len(p) > 0; i++ {
		k := min(1+rand.IntN(7), len(p))
		if _, err := c.client.Write(p[:k]); err != nil {
			return false
		}
		p = p[k:]
		if i%dripPauseEvery == dripPauseEvery-1 {
			time.Sleep(100 * time.Microsecond)
		}
	}
	return true
}

// dripPauseEvery is how many pieces drip writes between pauses.
const dripPauseEvery = 128

// afterTripDown is the server→client side once close, rst, fin or stall has
// fired (close and rst have closed both sides already).
func (c *proxyConn) afterTripDown() {
	switch c.p.cfg.Fault {
	case ProxyFIN:
		_, _ = io.Copy(io.Discard, c.server) // until the server or the proxy closes
	case ProxyStall:
		<-c.ended // keep the server's data unread until the end
	}
}

// up forwards client→server, firing the fault at AfterUp bytes.
func (c *proxyConn) up() {
	fault := c.p.cfg.Fault
	afterUp := c.p.cfg.AfterUp
	if fault == ProxyNone || fault == ProxyDrip || fault == ProxyFlip {
		afterUp = 0
	}
	buf := make([]byte, 32<<10)
	var sent int64
	for {
		n, rerr := c.client.Read(buf)
		data := buf[:n]
		if afterUp > 0 && !c.isTripped() && sent+int64(len(data)) >= afterUp {
			k := afterUp - sent
			if _, err := c.server.Write(data[:k]); err != nil {
				c.closeAll()
				return
			}
			sent += k
			data = data[k:]
			c.trip()
		}
		if c.isTripped() && fault == ProxyStall {
			data = nil // stalled: read only to notice the client leaving
		}
		if len(data) > 0 {
			if _, err := c.server.Write(data); err != nil {
				c.closeAll()
				return
			}
			sent += int64(len(data))
		}
		if rerr != nil {
			if c.isTripped() {
				c.closeAll() // the client is gone: end a stall or a half-open server side
				return
			}
			_ = c.server.CloseWrite()
			return
		}
	}
}

// String describes the proxy, for logs.
func (p *FaultProxy) String() string {
	return "fault proxy " + p.Addr() + " -> " + p.cfg.Target + " (" + string(p.cfg.Fault) + " after " + formatOffsets(p.cfg.After) + ")"
}

func formatOffsets(after []int64) string {
	if len(after) == 0 {
		return "0"
	}
	s := ""
	for i, n := range after {
		if i > 0 {
			s += ","
		}
		s += strconv.FormatInt(n, 10)
	}
	return s
}
