// Copyright 2026 The gossh Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package ssh

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"slices"
	"sync"
	"testing"
)

// countingSigner counts the signatures it makes.
type countingSigner struct {
	Signer
	mu    sync.Mutex
	signs int
}

func (s *countingSigner) Sign(r io.Reader, data []byte) (*Signature, error) {
	s.mu.Lock()
	s.signs++
	s.mu.Unlock()
	return s.Signer.Sign(r, data)
}

func (s *countingSigner) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.signs
}

func newCountingSigner(t *testing.T) *countingSigner {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return &countingSigner{Signer: s}
}

// authLog runs a handshake and returns the methods of the requests the
// server logged (a publickey query it answered yes to is not logged).
func authLog(t *testing.T, server *ServerConfig, client *ClientConfig) ([]string, error) {
	c1, c2, err := netPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Close()
	defer c2.Close()
	var mu sync.Mutex
	var log []string
	server.AuthLogCallback = func(_ ConnMetadata, method string, _ error) {
		mu.Lock()
		log = append(log, method)
		mu.Unlock()
	}
	server.AddHostKey(testSigners["ecdsa"])
	done := make(chan struct{})
	go func() {
		defer close(done)
		if conn, _, _, err := NewServerConn(c1, server); err == nil {
			conn.Close()
		}
	}()
	client.HostKeyCallback = InsecureIgnoreHostKey()
	client.User = "testuser"
	conn, _, _, err := NewClientConn(c2, "", client)
	if err == nil {
		conn.Close()
	}
	c2.Close()
	<-done
	mu.Lock()
	defer mu.Unlock()
	return slices.Clone(log), err
}

func acceptKey(good PublicKey) func(ConnMetadata, PublicKey) (*Permissions, error) {
	return func(_ ConnMetadata, key PublicKey) (*Permissions, error) {
		if bytes.Equal(key.Marshal(), good.Marshal()) {
			return nil, nil
		}
		return nil, errors.New("not this key")
	}
}

// TestSkipNoneAuthSignFirst: with SkipNoneAuth and PublicKeysSignFirst no
// "none" request is sent and the first key goes signed, unasked (so a
// refused first key costs a signature); the second is asked about first.
// Upstream's way is unchanged without them.
func TestSkipNoneAuthSignFirst(t *testing.T) {
	for _, patched := range []bool{true, false} {
		bad, good := newCountingSigner(t), newCountingSigner(t)
		signers := func() ([]Signer, error) { return []Signer{bad, good}, nil }
		client := &ClientConfig{Auth: []AuthMethod{PublicKeysCallback(signers)}}
		if patched {
			client.SkipNoneAuth = true
			client.Auth = []AuthMethod{PublicKeysSignFirst(signers)}
		}
		log, err := authLog(t, &ServerConfig{PublicKeyCallback: acceptKey(good.PublicKey())}, client)
		if err != nil {
			t.Fatalf("patched=%v: %v", patched, err)
		}
		// Upstream: none, the refused query of the bad key, the good key's
		// signed request (its accepted query is not logged).
		want, wantBad := []string{"none", "publickey", "publickey"}, 0
		if patched {
			want, wantBad = []string{"publickey", "publickey"}, 1
		}
		if !slices.Equal(log, want) {
			t.Errorf("patched=%v: server saw %v, want %v", patched, log, want)
		}
		if bad.count() != wantBad || good.count() != 1 {
			t.Errorf("patched=%v: signatures bad=%d good=%d, want %d and 1", patched, bad.count(), good.count(), wantBad)
		}
	}
}

// TestSkipNoneAuthGoodKeyOneRequest: the right key first is one request.
func TestSkipNoneAuthGoodKeyOneRequest(t *testing.T) {
	good := newCountingSigner(t)
	client := &ClientConfig{SkipNoneAuth: true, Auth: []AuthMethod{
		PublicKeysSignFirst(func() ([]Signer, error) { return []Signer{good}, nil }),
	}}
	log, err := authLog(t, &ServerConfig{PublicKeyCallback: acceptKey(good.PublicKey())}, client)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(log, []string{"publickey"}) {
		t.Fatalf("server saw %v, want one publickey request", log)
	}
}

// TestSkipNoneAuthNoneLast: a server that lets anyone in ("none") still does
// when the key sent first is refused. (x/crypto's server hangs up when it
// has no method to list, so it lists password, which the client lacks.)
func TestSkipNoneAuthNoneLast(t *testing.T) {
	key := newCountingSigner(t)
	client := &ClientConfig{SkipNoneAuth: true, Auth: []AuthMethod{
		PublicKeysSignFirst(func() ([]Signer, error) { return []Signer{key}, nil }),
	}}
	server := &ServerConfig{NoClientAuth: true, PasswordCallback: func(ConnMetadata, []byte) (*Permissions, error) {
		return nil, errors.New("wrong")
	}}
	log, err := authLog(t, server, client)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(log, []string{"publickey", "none"}) {
		t.Fatalf("server saw %v, want publickey then none", log)
	}
}

// TestSkipNoneAuthListed: the methods the server lists on refusing reach
// AuthMethodsListed, and decide what is tried next: a password-only server
// gets the password after the refused key, never keyboard-interactive.
func TestSkipNoneAuthListed(t *testing.T) {
	key := newCountingSigner(t)
	var listed [][]string
	client := &ClientConfig{
		SkipNoneAuth: true,
		Auth: []AuthMethod{
			PublicKeysSignFirst(func() ([]Signer, error) { return []Signer{key}, nil }),
			KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) {
				t.Error("keyboard-interactive tried on a server that does not list it")
				return nil, errors.New("no")
			}),
			Password("secret"),
		},
		AuthMethodsListed: func(m []string) { listed = append(listed, m) },
	}
	server := &ServerConfig{PasswordCallback: func(_ ConnMetadata, p []byte) (*Permissions, error) {
		if string(p) == "secret" {
			return nil, nil
		}
		return nil, errors.New("wrong")
	}}
	log, err := authLog(t, server, client)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(log, []string{"publickey", "password"}) {
		t.Fatalf("server saw %v, want publickey then password", log)
	}
	if len(listed) != 1 || !slices.Equal(listed[0], []string{"password"}) {
		t.Fatalf("listed %v, want [[password]]", listed)
	}
}
