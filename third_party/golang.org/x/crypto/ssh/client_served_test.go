// Copyright 2026 The gossh Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package ssh

import (
	"testing"
	"time"
)

// TestNewClientServed: one goroutine passes global requests to onRequest,
// gives channels of a handled type to their handler and rejects the rest,
// and at the connection's end closes the handlers' channels and calls
// onEnd once. Repeated: the end races with the last request and channel.
func TestNewClientServed(t *testing.T) {
	for round := 0; round < 20; round++ {
		c1, c2, err := netPipe()
		if err != nil {
			t.Fatal(err)
		}
		serverConf := &ServerConfig{NoClientAuth: true}
		serverConf.AddHostKey(testSigners["ecdsa"])
		serverDone := make(chan *ServerConn, 1)
		go func() {
			conn, chans, reqs, err := NewServerConn(c1, serverConf)
			if err != nil {
				serverDone <- nil
				return
			}
			go DiscardRequests(reqs)
			go func() {
				for ch := range chans {
					ch.Reject(Prohibited, "no")
				}
			}()
			serverDone <- conn
		}()
		sconn, chans, reqs, err := NewClientConn(c2, "", &ClientConfig{User: "u", HostKeyCallback: InsecureIgnoreHostKey()})
		if err != nil {
			t.Fatal(err)
		}
		requests := make(chan string, 10)
		ended := make(chan struct{}, 2)
		client := NewClientServed(sconn, chans, reqs,
			func(r *Request) { requests <- r.Type; r.Reply(false, nil) },
			func() { ended <- struct{}{} })
		handled := client.HandleChannelOpen("handled@test")
		server := <-serverDone
		if server == nil {
			t.Fatal("server handshake failed")
		}

		ok, _, err := server.SendRequest("ping@test", true, nil)
		if err != nil || ok {
			t.Fatalf("round %d: global request: ok %v, err %v (want refused)", round, ok, err)
		}
		if got := <-requests; got != "ping@test" {
			t.Fatalf("round %d: onRequest got %q", round, got)
		}
		if _, _, err := server.OpenChannel("unknown@test", nil); err == nil {
			t.Fatalf("round %d: a channel of an unhandled type was not rejected", round)
		}
		go func() {
			if ch, _, err := server.OpenChannel("handled@test", nil); err == nil {
				ch.Close()
			}
		}()
		nc := <-handled
		if nc.ChannelType() != "handled@test" {
			t.Fatalf("round %d: handler got %q", round, nc.ChannelType())
		}
		nc.Reject(Prohibited, "done")

		server.Close()
		select {
		case <-ended:
		case <-time.After(time.Minute):
			t.Fatalf("round %d: onEnd not called after the connection ended", round)
		}
		if _, open := <-handled; open {
			t.Fatalf("round %d: the handler's channel is still open", round)
		}
		select {
		case <-ended:
			t.Fatalf("round %d: onEnd called twice", round)
		default:
		}
		client.Close()
	}
}
