// Copyright 2026 The gossh Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package ssh

import (
	"io"
	"sync"
)

// gossh patch: the transport's write buffer.
//
// Upstream writes through a bufio.Writer of 4 KiB per connection, which
// gathers the pieces a cipher writes for one packet and is flushed after
// each packet: it is empty between packets, yet held for the connection's
// life (4 KiB of each of a fan-out's thousand connections). packetWriter
// takes a buffer from a pool for the pieces of one packet and gives it back
// at the flush. As with bufio, a piece of at least packetWriterDirect bytes
// that finds the buffer empty (an AEAD cipher's whole packet) is written
// straight through, without a copy.
type packetWriter struct {
	w   io.Writer
	buf *[]byte // nil between packets
}

const packetWriterDirect = 4 << 10

// packetWriterMaxKeep bounds the buffers given back to the pool.
const packetWriterMaxKeep = 64 << 10

var packetWriterPool = sync.Pool{New: func() any {
	b := make([]byte, 0, packetWriterDirect)
	return &b
}}

func newPacketWriter(w io.Writer) *packetWriter { return &packetWriter{w: w} }

// Write gathers p for the next Flush, or writes it at once when it is
// large and nothing is gathered.
func (p *packetWriter) Write(b []byte) (int, error) {
	if p.buf == nil {
		if len(b) >= packetWriterDirect {
			return p.w.Write(b)
		}
		p.buf = packetWriterPool.Get().(*[]byte)
	}
	*p.buf = append(*p.buf, b...)
	return len(b), nil
}

// Flush writes what was gathered and gives the buffer back.
func (p *packetWriter) Flush() error {
	if p.buf == nil {
		return nil
	}
	buf := p.buf
	p.buf = nil
	_, err := p.w.Write(*buf)
	if cap(*buf) <= packetWriterMaxKeep {
		*buf = (*buf)[:0]
		packetWriterPool.Put(buf)
	}
	return err
}
