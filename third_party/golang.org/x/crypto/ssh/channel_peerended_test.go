// Copyright 2026 The gossh Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package ssh

import (
	"io"
	"net"
	"testing"
)

// peerChannelPair opens a channel from a client to an in-memory server and
// returns both ends and the server's raw conn.
func peerChannelPair(t *testing.T) (client, server Channel, serverConn net.Conn) {
	c1, c2, err := netPipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c1.Close(); c2.Close() })
	conf := &ServerConfig{NoClientAuth: true}
	conf.AddHostKey(testSigners["ecdsa"])
	got := make(chan Channel, 1)
	go func() {
		_, chans, reqs, err := NewServerConn(c1, conf)
		if err != nil {
			got <- nil
			return
		}
		go DiscardRequests(reqs)
		for nc := range chans {
			ch, creqs, err := nc.Accept()
			if err != nil {
				got <- nil
				return
			}
			go DiscardRequests(creqs)
			got <- ch
		}
	}()
	conn, chans, reqs, err := NewClientConn(c2, "", &ClientConfig{User: "u", HostKeyCallback: InsecureIgnoreHostKey()})
	if err != nil {
		t.Fatal(err)
	}
	go DiscardRequests(reqs)
	go func() {
		for nc := range chans {
			nc.Reject(Prohibited, "no")
		}
	}()
	ch, creqs, err := conn.OpenChannel("test", nil)
	if err != nil {
		t.Fatal(err)
	}
	go DiscardRequests(creqs)
	srv := <-got
	if srv == nil {
		t.Fatal("server side failed")
	}
	return ch, srv, c1
}

type peerEnder interface {
	PeerEnded() bool
	PeerClosed() bool
}

// TestPeerEnded: a stream the peer ended (EOF, then CLOSE) is told from one
// ended by the connection's death, which x/crypto reports with the same
// io.EOF. Repeated, since the death races the data in flight.
func TestPeerEnded(t *testing.T) {
	for round := 0; round < 30; round++ {
		// The peer's EOF, then its CLOSE.
		c, s, _ := peerChannelPair(t)
		s.Write([]byte("data"))
		s.CloseWrite()
		if b, err := io.ReadAll(c); err != nil || string(b) != "data" {
			t.Fatalf("round %d: read %q, %v", round, b, err)
		}
		pe := c.(peerEnder)
		if !pe.PeerEnded() || pe.PeerClosed() {
			t.Fatalf("round %d: after the peer's EOF: ended %v closed %v, want true false", round, pe.PeerEnded(), pe.PeerClosed())
		}
		s.Close()
		c.Close()

		// The connection dies under the stream.
		c, s, raw := peerChannelPair(t)
		s.Write([]byte("data"))
		raw.Close()
		io.ReadAll(c)
		pe = c.(peerEnder)
		if pe.PeerEnded() || pe.PeerClosed() {
			t.Fatalf("round %d: after the connection died: ended %v closed %v, want false false", round, pe.PeerEnded(), pe.PeerClosed())
		}
	}
}

// TestPeerClosed: the peer's CLOSE without an EOF ends the streams too, and
// is the peer's.
func TestPeerClosed(t *testing.T) {
	c, s, _ := peerChannelPair(t)
	s.Close()
	io.ReadAll(c)
	pe := c.(peerEnder)
	if !pe.PeerEnded() || !pe.PeerClosed() {
		t.Fatalf("after the peer's CLOSE: ended %v closed %v, want true true", pe.PeerEnded(), pe.PeerClosed())
	}
}
