// Copyright 2026 The gossh Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package ssh

import "io"

// gossh patch: the transport's read buffer.
//
// Upstream reads through a bufio.Reader of 4 KiB. A 32 KiB channel data
// packet then costs two read calls: one that fills the 4 KiB buffer for the
// length prefix and one straight into the packet for the rest, and the
// kernel's copy is the only work each call does. packetReader starts at the
// same 4 KiB, so an idle or short-lived connection (a fan-out of thousands)
// keeps the memory it had, and grows when data is bulk: to hold the first
// packet that does not fit, and then, each time a read fills all the space it
// was given (more was waiting in the socket), to twice its size, up to
// packetReaderMax. An AEAD cipher decrypts a whole packet from the buffer into
// its own (peek and discard), so the bigger buffer adds no copy.
type packetReader struct {
	rd   io.Reader
	buf  []byte
	r, w int   // buf[r:w] is buffered
	err  error // the error of the last read, returned once buf[r:w] is used
}

const (
	packetReaderMin = 4 << 10
	packetReaderMax = 256 << 10
)

func newPacketReader(rd io.Reader) *packetReader {
	return &packetReader{rd: rd, buf: make([]byte, packetReaderMin)}
}

// buffered is the number of bytes that can be read without a read call.
func (b *packetReader) buffered() int { return b.w - b.r }

// takeErr returns the pending read error and clears it.
func (b *packetReader) takeErr() error {
	err := b.err
	b.err = nil
	return err
}

// grow makes the buffer at least n bytes long, keeping what is buffered.
func (b *packetReader) grow(n int) {
	size := 2 * len(b.buf)
	for size < n {
		size *= 2
	}
	if size > packetReaderMax && n <= packetReaderMax {
		size = packetReaderMax
	}
	nb := make([]byte, size)
	b.w = copy(nb, b.buf[b.r:b.w])
	b.r = 0
	b.buf = nb
}

// fill makes one read call into the free space after the buffered bytes,
// moving them to the front first. A read that fills all of that space grows
// the buffer for the next one.
func (b *packetReader) fill() {
	if b.r > 0 {
		b.w = copy(b.buf, b.buf[b.r:b.w])
		b.r = 0
	}
	space := len(b.buf) - b.w
	n, err := b.rd.Read(b.buf[b.w:])
	if n < 0 || n > space {
		panic("ssh: reader returned an impossible count")
	}
	b.w += n
	if err != nil {
		b.err = err
	} else if n == space && len(b.buf) < packetReaderMax {
		b.grow(len(b.buf) + 1)
	}
}

// peek returns the next n bytes without consuming them, reading (and
// growing the buffer) as needed. The slice is valid until the next call.
// With fewer than n bytes before an error, it returns the error as
// io.ReadFull would: io.EOF only if nothing was buffered.
func (b *packetReader) peek(n int) ([]byte, error) {
	if n > len(b.buf) {
		b.grow(n)
	}
	for b.buffered() < n {
		if b.err != nil {
			err := b.takeErr()
			if err == io.EOF && b.buffered() > 0 {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		b.fill()
	}
	return b.buf[b.r : b.r+n], nil
}

// discard consumes n bytes that peek returned.
func (b *packetReader) discard(n int) {
	b.r += n
	if b.r == b.w {
		b.r, b.w = 0, 0
	}
}

// Read reads like bufio.Reader.Read: buffered bytes first; with none, a
// read of at least the buffer's size goes straight into p.
func (b *packetReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		if b.buffered() > 0 {
			return 0, nil
		}
		return 0, b.takeErr()
	}
	if b.r == b.w {
		if b.err != nil {
			return 0, b.takeErr()
		}
		if len(p) >= len(b.buf) {
			return b.rd.Read(p)
		}
		b.r, b.w = 0, 0
		b.fill()
		if b.r == b.w {
			return 0, b.takeErr()
		}
	}
	n := copy(p, b.buf[b.r:b.w])
	b.discard(n)
	return n, nil
}
