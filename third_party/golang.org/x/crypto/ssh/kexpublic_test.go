// Copyright 2026 The gossh Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package ssh

import (
	"bytes"
	"crypto/rand"
	"testing"

	"golang.org/x/crypto/curve25519"
)

// TestX25519Public checks x25519Public against X25519 on the base point for
// random scalars and for scalars at the edges of clamping and of the order.
func TestX25519Public(t *testing.T) {
	var scalars [][32]byte
	for _, b := range []byte{0x00, 0x01, 0x07, 0x08, 0x40, 0x7f, 0x80, 0xf8, 0xff} {
		var s [32]byte
		for i := range s {
			s[i] = b
		}
		scalars = append(scalars, s)
	}
	for i := 0; i < 2000; i++ {
		var s [32]byte
		if _, err := rand.Read(s[:]); err != nil {
			t.Fatal(err)
		}
		scalars = append(scalars, s)
	}
	for _, s := range scalars {
		want, err := curve25519.X25519(s[:], curve25519.Basepoint)
		if err != nil {
			t.Fatal(err)
		}
		got := x25519Public(&s)
		if !bytes.Equal(got[:], want) {
			t.Fatalf("scalar %x: got %x, want %x", s, got, want)
		}
	}
}

// TestCurve25519KexAgreesWithX25519 runs the key pair through a whole
// agreement: both sides' shared secrets match when one side's public key
// came from x25519Public.
func TestCurve25519KexAgreesWithX25519(t *testing.T) {
	for i := 0; i < 200; i++ {
		var a, b curve25519KeyPair
		if err := a.generate(rand.Reader); err != nil {
			t.Fatal(err)
		}
		if err := b.generate(rand.Reader); err != nil {
			t.Fatal(err)
		}
		ab, err := curve25519.X25519(a.priv[:], b.pub[:])
		if err != nil {
			t.Fatal(err)
		}
		ba, err := curve25519.X25519(b.priv[:], a.pub[:])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(ab, ba) {
			t.Fatalf("shared secrets differ")
		}
	}
}

func BenchmarkX25519Public(b *testing.B) {
	var s [32]byte
	rand.Read(s[:])
	b.Run("edwards", func(b *testing.B) {
		for b.Loop() {
			x25519Public(&s)
		}
	})
	b.Run("x25519", func(b *testing.B) {
		for b.Loop() {
			curve25519.X25519(s[:], curve25519.Basepoint)
		}
	})
}
