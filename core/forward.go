package core

import (
	"net"
	"strconv"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// forward is one remote port forwarding (tcpip-forward) and its listener.
type forward struct {
	listener net.Listener
	addr     string // where the server listens, "address:port" ("" asked for is "localhost")
	// dest is the forwarding as the caller asked for it, with the port
	// bound: the Dest of its channels, so that a binding finds the handler
	// it registered under (address, port) without knowing the default.
	dest string
}

// forwards holds a client's remote forwardings and the connections they
// accepted that nobody has taken yet (paramiko's Transport.accept queue).
type forwards struct {
	mu         sync.Mutex
	byAddr     map[string]*forward
	accepted   chan *Channel
	watchToken uint64 // nonzero: a binding watches accepts (WatchForwards, events.go)
	armed      bool   // an AcceptForward timed out: the next connection (or the end) posts a record
}

// acceptQueue is how many forwarded connections wait for Accept before the
// server's further connections are refused.
const acceptQueue = 64

// RequestPortForward asks the server to listen on address:port and forward
// connections to the client (paramiko's request_port_forward). Port 0 lets
// the server choose; the port bound is returned. A port outside 0..65535 is
// KindInvalid. Forwarded connections are taken with AcceptForward.
func (c *Client) RequestPortForward(address string, port int) (int, error) {
	if err := checkPort("port", port, 0); err != nil {
		return 0, err
	}
	conn, err := c.sshClient()
	if err != nil {
		return 0, err
	}
	asked := address
	if address == "" {
		address = "localhost"
	}
	l, err := conn.Listen("tcp", net.JoinHostPort(address, strconv.Itoa(port)))
	if err != nil {
		return 0, newError(KindChannel, err, "server refused to forward %s:%d: %v", address, port, err)
	}
	bound := port
	if ta, ok := l.Addr().(*net.TCPAddr); ok && ta.Port != 0 {
		bound = ta.Port
	}
	key := net.JoinHostPort(address, strconv.Itoa(bound))
	fw := &forward{listener: l, addr: key, dest: net.JoinHostPort(asked, strconv.Itoa(bound))}
	c.fw.mu.Lock()
	if c.fw.byAddr == nil {
		c.fw.byAddr = map[string]*forward{}
	}
	if c.fw.accepted == nil {
		c.fw.accepted = make(chan *Channel, acceptQueue)
	}
	c.fw.byAddr[key] = fw
	queue := c.fw.accepted
	c.fw.mu.Unlock()
	c.log.Infof("transport", "remote forwarding %s", key)
	goSafe(c.log, "the forwarding accept loop", func() { c.serveForward(fw, queue) }, nil)
	return bound, nil
}

// serveForward wraps each connection the server forwards as a Channel.
func (c *Client) serveForward(fw *forward, queue chan *Channel) {
	for {
		conn, err := fw.listener.Accept()
		if err != nil {
			return
		}
		raw, ok := conn.(ssh.Channel)
		if !ok { // x/crypto's forwarded conns embed their ssh.Channel
			conn.Close()
			continue
		}
		ch, err := newChannel(c, raw, nil, "forwarded-tcpip")
		if err != nil {
			conn.Close()
			return
		}
		ch.Origin, ch.Dest = conn.RemoteAddr().String(), fw.dest
		c.fw.mu.Lock() // with the arming in AcceptForward: no lost wakeup
		select {
		case queue <- ch:
			c.fw.notifyLocked()
			c.fw.mu.Unlock()
		default:
			c.fw.mu.Unlock()
			c.log.Warnf("transport", "forwarded connection from %s dropped: %d are waiting for accept", ch.Origin, acceptQueue)
			ch.Close()
		}
	}
}

// AcceptForward returns the next connection forwarded by the server, waiting
// at most timeout (<0: no limit; 0: no wait). A KindTimeout arms a watching
// binding (WatchForwards).
func (c *Client) AcceptForward(timeout time.Duration) (*Channel, error) {
	c.fw.mu.Lock()
	if c.fw.accepted == nil {
		c.fw.accepted = make(chan *Channel, acceptQueue)
	}
	queue := c.fw.accepted
	c.fw.mu.Unlock()
	c.mu.Lock()
	dead := c.dead
	c.mu.Unlock()
	if dead == nil {
		return nil, newError(KindNotConnected, nil, "client is not connected")
	}
	closed := func() error { return newError(KindClosed, nil, "connection closed") }
	if timeout != 0 {
		deadline, stop := timer(timeout)
		defer stop()
		select {
		case ch := <-queue:
			return ch, nil
		case <-dead:
			return nil, closed()
		case <-deadline:
		}
	}
	// Found nothing: one last look and the arming, under fw.mu, where
	// serveForward queues and the end of the connection is published.
	c.fw.mu.Lock()
	defer c.fw.mu.Unlock()
	select {
	case ch := <-queue:
		return ch, nil
	case <-dead:
		return nil, closed()
	default:
	}
	c.fw.armed = true
	return nil, newError(KindTimeout, nil, "no forwarded connection within %v", timeout).with("stage", "accept")
}

// connectionEnded publishes the end of the connection whose dead channel
// is dead to a binding armed in AcceptForward.
func (c *Client) connectionEnded(dead chan struct{}) {
	c.fw.mu.Lock()
	close(dead)
	c.fw.notifyLocked()
	c.fw.mu.Unlock()
}

// CancelPortForward stops a remote forwarding made by RequestPortForward.
// A port outside 0..65535 is KindInvalid.
func (c *Client) CancelPortForward(address string, port int) error {
	if err := checkPort("port", port, 0); err != nil {
		return err
	}
	if address == "" {
		address = "localhost"
	}
	key := net.JoinHostPort(address, strconv.Itoa(port))
	c.fw.mu.Lock()
	fw := c.fw.byAddr[key]
	delete(c.fw.byAddr, key)
	c.fw.mu.Unlock()
	if fw == nil {
		return InvalidArgument("no port forwarding on %s", key)
	}
	if err := fw.listener.Close(); err != nil {
		return newError(KindChannel, err, "cancelling the forwarding on %s: %v", key, err)
	}
	return nil
}

// checkPort checks a TCP port number: min..65535, where min is 0 where the
// server may choose (a forwarding request, a source port) and 1 where a
// real port is needed (a destination). KindInvalid otherwise.
func checkPort(what string, port, min int) error {
	if port < min || port > 65535 {
		return InvalidArgument("%s must be in %d..65535", what, min)
	}
	return nil
}
