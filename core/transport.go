package core

import (
	"net"
	"strconv"
	"time"

	"golang.org/x/crypto/ssh"
)

// Info describes a live connection, as paramiko's Transport reports it.
type Info struct {
	PeerHost, PeerPort string // getpeername()
	Username           string
	ServerVersion      string // the server's SSH version banner
	ClientVersion      string
	Banner             string // the userauth banner the server sent, if any
	ServerKey          string // get_remote_server_key(), as "type base64"
	Algorithms         ssh.NegotiatedAlgorithms
}

// Get returns one field of Info by name, the names the C API uses:
// peer_host, peer_port, username, server_version, client_version, banner,
// server_key, kex, host_key_algorithm, cipher_out, cipher_in, mac_out,
// mac_in. The second result is false for an unknown name.
func (i Info) Get(name string) (string, bool) {
	switch name {
	case "peer_host":
		return i.PeerHost, true
	case "peer_port":
		return i.PeerPort, true
	case "username":
		return i.Username, true
	case "server_version":
		return i.ServerVersion, true
	case "client_version":
		return i.ClientVersion, true
	case "banner":
		return i.Banner, true
	case "server_key":
		return i.ServerKey, true
	case "kex":
		return i.Algorithms.KeyExchange, true
	case "host_key_algorithm":
		return i.Algorithms.HostKey, true
	case "cipher_out":
		return i.Algorithms.Write.Cipher, true
	case "cipher_in":
		return i.Algorithms.Read.Cipher, true
	case "mac_out":
		return i.Algorithms.Write.MAC, true
	case "mac_in":
		return i.Algorithms.Read.MAC, true
	}
	return "", false
}

// Info returns facts about the live connection.
func (c *Client) Info() (Info, error) {
	conn, err := c.sshClient()
	if err != nil {
		// Between a StepAuth connect and its authentication only the
		// server's key is known (paramiko's get_remote_server_key).
		if key, kerr := c.ServerKey(); kerr == nil {
			return Info{ServerKey: PublicKeyText(key)}, nil
		}
		return Info{}, err
	}
	c.mu.Lock()
	banner, key, user := c.banner, c.serverKey, c.authUser
	c.mu.Unlock()
	if user == "" {
		user = conn.User()
	}
	info := Info{Username: user, ServerVersion: string(conn.ServerVersion()),
		ClientVersion: string(conn.ClientVersion()), Banner: banner}
	if host, port, err := net.SplitHostPort(conn.RemoteAddr().String()); err == nil {
		info.PeerHost, info.PeerPort = host, port
	}
	if key != nil {
		info.ServerKey = PublicKeyText(key)
	}
	if am, ok := conn.Conn.(ssh.AlgorithmsConnMetadata); ok {
		info.Algorithms = am.Algorithms()
	}
	return info, nil
}

// SendIgnore sends a message the server must accept and ignore, keeping an
// idle connection's NAT state alive. x/crypto cannot send SSH_MSG_IGNORE, so
// this is a global request that wants no reply, which servers discard.
func (c *Client) SendIgnore() error {
	conn, err := c.sshClient()
	if err != nil {
		return err
	}
	if _, _, err := conn.SendRequest("ignore@gossh", false, nil); err != nil {
		return newError(KindClosed, err, "connection lost: %v", err)
	}
	return nil
}

// keepaliveMissed is how many unanswered keepalives end the connection, as
// OpenSSH's ServerAliveCountMax.
const keepaliveMissed = 3

// SetKeepalive sends keepalive@openssh.com every interval (0 turns it off;
// a negative interval is KindInvalid). When the server leaves
// keepaliveMissed intervals in a row unanswered, the peer is taken for dead
// and the client is closed, so blocked calls end with KindClosed instead of
// hanging.
func (c *Client) SetKeepalive(interval time.Duration) error {
	if interval < 0 {
		return InvalidArgument("the keepalive interval must not be negative")
	}
	conn, err := c.sshClient()
	if err != nil {
		return err
	}
	c.mu.Lock()
	if c.stopKeepalive != nil {
		close(c.stopKeepalive)
		c.stopKeepalive = nil
	}
	if interval <= 0 {
		c.mu.Unlock()
		return nil
	}
	stop := make(chan struct{})
	c.stopKeepalive = stop
	dead := c.dead
	missed := c.keepaliveMax
	if missed <= 0 {
		missed = keepaliveMissed
	}
	c.mu.Unlock()
	goSafe(c.log, "the keepalive", func() { c.keepalive(conn, interval, time.Duration(missed), stop, dead) }, nil)
	return nil
}

// setKeepaliveMax sets how many keepalives may go unanswered (ssh_config's
// ServerAliveCountMax); 0 or less: keepaliveMissed.
func (c *Client) setKeepaliveMax(n int) {
	c.mu.Lock()
	c.keepaliveMax = n
	c.mu.Unlock()
}

func (c *Client) keepalive(conn *ssh.Client, interval, missed time.Duration, stop, dead <-chan struct{}) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-dead:
			return
		case <-t.C:
		}
		answered := make(chan struct{})
		go func() {
			// Any reply, success or failure, shows the peer is alive.
			_, _, _ = conn.SendRequest("keepalive@openssh.com", true, nil)
			close(answered)
		}()
		select {
		case <-answered:
		case <-stop:
			return
		case <-dead:
			return
		case <-time.After(interval * missed):
			c.log.Warnf("transport", "no answer to keepalives for %v: closing the connection", interval*missed)
			c.Close()
			return
		}
	}
}

// OpenDirectTCPIP opens a direct-tcpip channel: the server connects to
// destHost:destPort on the client's behalf (paramiko's
// open_channel("direct-tcpip", dest_addr, src_addr)). destPort must be in
// 1..65535 and srcPort in 0..65535, else KindInvalid.
func (c *Client) OpenDirectTCPIP(destHost string, destPort int, srcHost string, srcPort int, timeout time.Duration) (*Channel, error) {
	if err := checkPort("the destination port", destPort, 1); err != nil {
		return nil, err
	}
	if err := checkPort("the source port", srcPort, 0); err != nil {
		return nil, err
	}
	if srcHost == "" {
		srcHost = "127.0.0.1"
	}
	payload := ssh.Marshal(struct {
		DestHost string
		DestPort uint32
		SrcHost  string
		SrcPort  uint32
	}{destHost, uint32(destPort), srcHost, uint32(srcPort)})
	ch, err := c.openChannel("direct-tcpip", payload, timeout)
	if err != nil {
		return nil, err
	}
	ch.Dest = net.JoinHostPort(destHost, strconv.Itoa(destPort))
	ch.Origin = net.JoinHostPort(srcHost, strconv.Itoa(srcPort))
	return ch, nil
}
