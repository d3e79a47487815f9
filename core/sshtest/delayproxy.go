package sshtest

import (
	"net"
	"sync"
	"time"
)

// DelayProxy is a TCP proxy on loopback that holds every chunk it forwards
// for a fixed delay in each direction, so that a connection through it has
// a round-trip time of twice that delay: a link with latency, for
// benchmarks (this kernel has no netem). Chunks are forwarded in order and
// pipelined (a chunk waits only for its own delay, not for the chunks ahead
// of it), so the proxy adds latency, not a throughput limit; up to
// delayQueue chunks per direction are in flight before reading pauses.
type DelayProxy struct {
	ln     net.Listener
	target string
	delay  time.Duration
	wg     sync.WaitGroup

	mu     sync.Mutex
	closed bool
	conns  map[net.Conn]struct{}
}

// delayQueue is how many chunks one direction holds in flight: with 64 KiB
// reads, up to 256 MiB, more than a 1 GiB/s link keeps in flight over 100 ms.
const delayQueue = 4096

// StartDelayProxy listens on 127.0.0.1 (an ephemeral port) and forwards each
// connection to target (a loopback address), delaying each direction by
// oneWay.
func StartDelayProxy(target string, oneWay time.Duration) (*DelayProxy, error) {
	if err := checkLoopback(target); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &DelayProxy{ln: ln, target: target, delay: oneWay, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.acceptLoop()
	return p, nil
}

// Addr is the proxy's listening address.
func (p *DelayProxy) Addr() string { return p.ln.Addr().String() }

// Port is the proxy's listening port.
func (p *DelayProxy) Port() int { return p.ln.Addr().(*net.TCPAddr).Port }

// Close stops listening and closes every connection.
func (p *DelayProxy) Close() error {
	p.mu.Lock()
	p.closed = true
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	err := p.ln.Close()
	p.wg.Wait()
	return err
}

func (p *DelayProxy) track(cs ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	for _, c := range cs {
		p.conns[c] = struct{}{}
	}
	return true
}

func (p *DelayProxy) acceptLoop() {
	defer p.wg.Done()
	for {
		down, err := p.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			down.Close()
			continue
		}
		if !p.track(down, up) {
			down.Close()
			up.Close()
			return
		}
		p.wg.Add(2)
		go p.pipe(down, up)
		go p.pipe(up, down)
	}
}

type delayed struct {
	due  time.Time
	data []byte
	err  error // the read's end (EOF or error) once the data before it is out
}

// pipe copies src to dst, each chunk delay after it was read.
func (p *DelayProxy) pipe(src, dst net.Conn) {
	defer p.wg.Done()
	q := make(chan delayed, delayQueue)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for d := range q {
			if w := time.Until(d.due); w > 0 {
				time.Sleep(w)
			}
			if d.err != nil {
				if tc, ok := dst.(*net.TCPConn); ok {
					tc.CloseWrite() // pass the end on, after the data
				} else {
					dst.Close()
				}
				return
			}
			if _, err := dst.Write(d.data); err != nil {
				src.Close()
				return
			}
		}
	}()
	for {
		buf := make([]byte, 64<<10)
		n, err := src.Read(buf)
		now := time.Now().Add(p.delay)
		if n > 0 {
			select {
			case q <- delayed{due: now, data: buf[:n]}:
			case <-done:
				return
			}
		}
		if err != nil {
			select {
			case q <- delayed{due: now, err: err}:
			case <-done:
			}
			close(q)
			<-done
			return
		}
	}
}
