// Copyright 2026 The gossh Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package ssh

import (
	"io"
	"sync"
)

// gossh patch: the transport's read buffer.
//
// Upstream reads through a bufio.Reader of 4 KiB. A 32 KiB channel data
// packet then costs two read calls: one that fills the 4 KiB buffer for the
// length prefix and one straight into the packet for the rest, and the
// kernel's copy is the only work each call does. packetReader reads into a
// 4 KiB buffer of its own while data is sparse, so an idle or short-lived
// connection (a fan-out of thousands) keeps the memory it had, and into a
// pooled buffer of packetReaderMax bytes while data is bulk: from the first
// packet that does not fit, or the first read that fills all the space it was
// given (more was waiting in the socket). It gives the big buffer back when a
// read has emptied the socket and everything read is used, before it waits
// for more: a connection holds it only while data flows. An AEAD cipher
// decrypts a whole packet from the buffer into its own (peek and discard), so
// the bigger buffer adds no copy.
type packetReader struct {
	rd      io.Reader
	small   []byte  // the reader's own buffer, for sparse data
	buf     []byte  // small, or a big one
	big     *[]byte // the pooled buffer buf is, or nil
	r, w    int     // buf[r:w] is buffered
	err     error   // the error of the last read, returned once buf[r:w] is used
	drained bool    // the last read did not fill its space: the socket was emptied
}

const (
	packetReaderMin = 4 << 10
	packetReaderMax = 256 << 10
)

var packetReaderPool = sync.Pool{New: func() any {
	b := make([]byte, packetReaderMax)
	return &b
}}

func newPacketReader(rd io.Reader) *packetReader {
	small := make([]byte, packetReaderMin)
	return &packetReader{rd: rd, small: small, buf: small}
}

// buffered is the number of bytes that can be read without a read call.
func (b *packetReader) buffered() int { return b.w - b.r }

// takeErr returns the pending read error and clears it.
func (b *packetReader) takeErr() error {
	err := b.err
	b.err = nil
	return err
}

// useBig moves what is buffered into a big buffer of at least n bytes: a
// pooled one, or for a packet larger than those, one of its own.
func (b *packetReader) useBig(n int) {
	var nb []byte
	var pooled *[]byte
	if n <= packetReaderMax {
		pooled = packetReaderPool.Get().(*[]byte)
		nb = *pooled
	} else {
		nb = make([]byte, n)
	}
	b.w = copy(nb, b.buf[b.r:b.w])
	b.r = 0
	b.release()
	b.buf, b.big = nb, pooled
}

// release gives the pooled buffer back; buf must not be used after it.
func (b *packetReader) release() {
	if b.big != nil {
		packetReaderPool.Put(b.big)
		b.big = nil
	}
}

// fill makes one read call into the free space after the buffered bytes,
// moving them to the front first. With nothing buffered after a read that
// emptied the socket, it reads into the small buffer; a read that fills all
// its space moves to a big one for the next.
func (b *packetReader) fill() {
	if b.r == b.w {
		b.r, b.w = 0, 0
		if b.drained && len(b.buf) > len(b.small) {
			b.release()
			b.buf = b.small
		}
	} else if b.r > 0 {
		b.w = copy(b.buf, b.buf[b.r:b.w])
		b.r = 0
	}
	space := len(b.buf) - b.w
	n, err := b.rd.Read(b.buf[b.w:])
	if n < 0 || n > space {
		panic("ssh: reader returned an impossible count")
	}
	b.w += n
	b.drained = n < space
	if err != nil {
		b.err = err
	} else if !b.drained && len(b.buf) < packetReaderMax {
		b.useBig(0)
	}
}

// peek returns the next n bytes without consuming them, reading (and
// growing the buffer) as needed. The slice is valid until the next call.
// With fewer than n bytes before an error, it returns the error as
// io.ReadFull would: io.EOF only if nothing was buffered.
func (b *packetReader) peek(n int) ([]byte, error) {
	if n > len(b.buf) {
		b.useBig(n)
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
