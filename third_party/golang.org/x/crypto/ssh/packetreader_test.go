// Copyright 2026 The gossh Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package ssh

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	mrand "math/rand"
	"testing"
	"testing/iotest"
)

// chunkReader returns at most a random number of bytes per call, as a
// socket does.
type chunkReader struct {
	data  []byte
	rng   *mrand.Rand
	max   int
	calls int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	c.calls++
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := 1 + c.rng.Intn(c.max)
	if n > len(p) {
		n = len(p)
	}
	if n > len(c.data) {
		n = len(c.data)
	}
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

// TestPacketReaderGCMStream writes packets of every size class through the
// AES-GCM cipher and reads them back through a packetReader fed in random
// chunks: every packet comes back whole and in order, the buffer grows for
// bulk data and stops at packetReaderMax, and the end is a clean io.EOF.
func TestPacketReaderGCMStream(t *testing.T) {
	for round := 0; round < 20; round++ {
		rng := mrand.New(mrand.NewSource(int64(round)))
		key := make([]byte, 16)
		iv := make([]byte, 12)
		rand.Read(key)
		rand.Read(iv)
		w, err := newGCMCipher(key, bytes.Clone(iv), nil, DirectionAlgorithms{})
		if err != nil {
			t.Fatal(err)
		}
		r, _ := newGCMCipher(key, bytes.Clone(iv), nil, DirectionAlgorithms{})

		var wire bytes.Buffer
		var sent [][]byte
		for i := 0; i < 200; i++ {
			size := 1 + rng.Intn(64)
			if i%3 == 0 {
				size = 1 + rng.Intn(maxPacket-1024)
			}
			p := make([]byte, size)
			rng.Read(p)
			p[0] = msgChannelData
			if err := w.writeCipherPacket(uint32(i), &wire, rand.Reader, p); err != nil {
				t.Fatal(err)
			}
			sent = append(sent, p)
		}
		src := &chunkReader{data: wire.Bytes(), rng: rng, max: 1 + rng.Intn(300<<10)}
		pr := newPacketReader(src)
		most := 0
		for i, want := range sent {
			got, err := r.readCipherPacket(uint32(i), pr)
			if err != nil {
				t.Fatalf("round %d packet %d: %v", round, i, err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("round %d packet %d: %d bytes differ from the %d sent", round, i, len(got), len(want))
			}
			if len(pr.buf) > packetReaderMax {
				t.Fatalf("buffer grew to %d, past %d", len(pr.buf), packetReaderMax)
			}
			most = max(most, len(pr.buf))
		}
		if _, err := r.readCipherPacket(uint32(len(sent)), pr); err != io.EOF {
			t.Fatalf("round %d: after the last packet got %v, want io.EOF", round, err)
		}
		if most != packetReaderMax {
			t.Fatalf("round %d: the buffer never grew for bulk data (at most %d)", round, most)
		}
	}
}

// TestPacketReaderCutPacket: a stream that ends inside a packet is an
// io.ErrUnexpectedEOF, never a clean end.
func TestPacketReaderCutPacket(t *testing.T) {
	key, iv := make([]byte, 16), make([]byte, 12)
	w, _ := newGCMCipher(key, bytes.Clone(iv), nil, DirectionAlgorithms{})
	var wire bytes.Buffer
	w.writeCipherPacket(0, &wire, rand.Reader, bytes.Repeat([]byte{msgChannelData}, 10000))
	for _, cut := range []int{1, 3, 4, 5, 100, wire.Len() - 1} {
		r, _ := newGCMCipher(key, bytes.Clone(iv), nil, DirectionAlgorithms{})
		pr := newPacketReader(bytes.NewReader(wire.Bytes()[:cut]))
		if _, err := r.readCipherPacket(0, pr); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("cut at %d of %d: got %v, want io.ErrUnexpectedEOF", cut, wire.Len(), err)
		}
	}
}

// TestPacketReaderSmallStaysSmall: a connection of small packets keeps the
// 4 KiB buffer it starts with, whatever the reads return.
func TestPacketReaderSmallStaysSmall(t *testing.T) {
	key, iv := make([]byte, 16), make([]byte, 12)
	w, _ := newGCMCipher(key, bytes.Clone(iv), nil, DirectionAlgorithms{})
	r, _ := newGCMCipher(key, bytes.Clone(iv), nil, DirectionAlgorithms{})
	var wire bytes.Buffer
	for i := 0; i < 100; i++ {
		w.writeCipherPacket(uint32(i), &wire, rand.Reader, bytes.Repeat([]byte{msgChannelData}, 200))
	}
	pr := newPacketReader(iotest.HalfReader(bytes.NewReader(wire.Bytes())))
	for i := 0; i < 100; i++ {
		if _, err := r.readCipherPacket(uint32(i), pr); err != nil {
			t.Fatal(err)
		}
	}
	if len(pr.buf) > 2*packetReaderMin {
		t.Fatalf("buffer is %d bytes for 200-byte packets", len(pr.buf))
	}
}

// TestPacketReaderRead: Read returns the stream unchanged through every
// kind of short and erroring reader, as bufio.Reader would.
func TestPacketReaderRead(t *testing.T) {
	data := make([]byte, 100<<10)
	rand.Read(data)
	readers := map[string]func(io.Reader) io.Reader{
		"plain":   func(r io.Reader) io.Reader { return r },
		"onebyte": iotest.OneByteReader,
		"half":    iotest.HalfReader,
		"dataerr": iotest.DataErrReader,
	}
	for name, wrap := range readers {
		for _, size := range []int{1, 7, 4096, 5000, 70000} {
			pr := newPacketReader(wrap(bytes.NewReader(data)))
			var got []byte
			buf := make([]byte, size)
			for {
				n, err := pr.Read(buf)
				got = append(got, buf[:n]...)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("%s/%d: %v", name, size, err)
				}
			}
			if !bytes.Equal(got, data) {
				t.Fatalf("%s/%d: read %d bytes, not the %d written", name, size, len(got), len(data))
			}
		}
	}
}

// TestPacketReaderGivesBigBufferBack: after bulk data, a reader that has
// used everything read and emptied the socket waits for more with its small
// buffer, and the big one is back in the pool.
func TestPacketReaderGivesBigBufferBack(t *testing.T) {
	key, iv := make([]byte, 16), make([]byte, 12)
	w, _ := newGCMCipher(key, bytes.Clone(iv), nil, DirectionAlgorithms{})
	r, _ := newGCMCipher(key, bytes.Clone(iv), nil, DirectionAlgorithms{})
	var wire bytes.Buffer
	for i := 0; i < 20; i++ {
		w.writeCipherPacket(uint32(i), &wire, rand.Reader, bytes.Repeat([]byte{msgChannelData}, 30000))
	}
	// Reads of at most 1000 bytes never fill a buffer: each empties the
	// "socket".
	pr := newPacketReader(&chunkReader{data: wire.Bytes(), rng: mrand.New(mrand.NewSource(1)), max: 1000})
	for i := 0; i < 20; i++ {
		if _, err := r.readCipherPacket(uint32(i), pr); err != nil {
			t.Fatal(err)
		}
		if pr.big == nil {
			t.Fatalf("packet %d of 30000 bytes read without the big buffer", i)
		}
	}
	if _, err := r.readCipherPacket(20, pr); err != io.EOF {
		t.Fatalf("after the last packet: %v, want io.EOF", err)
	}
	if pr.big != nil || len(pr.buf) != packetReaderMin {
		t.Fatalf("waiting for more with a %d-byte buffer (pooled: %v), want the %d-byte one", len(pr.buf), pr.big != nil, packetReaderMin)
	}
}
