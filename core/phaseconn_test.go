package core

import (
	"bytes"
	"errors"
	"io"
	"net"
	"testing"
)

// chunkConn is a net.Conn whose reads return the given chunks in turn, the
// last one with err.
type chunkConn struct {
	net.Conn
	chunks [][]byte
	err    error
	reads  int
}

func (c *chunkConn) Read(b []byte) (int, error) {
	c.reads++
	if len(c.chunks) == 0 {
		return 0, c.err
	}
	n := copy(b, c.chunks[0])
	c.chunks[0] = c.chunks[0][n:]
	if len(c.chunks[0]) == 0 {
		c.chunks = c.chunks[1:]
		if len(c.chunks) == 0 {
			return n, c.err // the last bytes come with the error, as a reader may return them
		}
	}
	return n, nil
}

// Byte-at-a-time reads before the banner (x/crypto's version exchange) are
// served from one read ahead; every byte arrives once and in order, then
// the error that came with the last of them; the banner is seen.
func TestPhaseConnReadsAheadOfTheBanner(t *testing.T) {
	for _, tc := range []struct {
		more    int // bytes after the banner: some with the error in the read-ahead, or past it
		lastErr error
	}{{2 * readAhead, io.EOF}, {2 * readAhead, errors.New("connection reset")}, {20, io.EOF}, {20, errors.New("connection reset")}} {
		lastErr := tc.lastErr
		data := []byte("junk line\r\nSSH-2.0-OpenSSH_9.2\r\n" + string(bytes.Repeat([]byte("k"), tc.more)))
		c := &chunkConn{chunks: [][]byte{bytes.Clone(data)}, err: lastErr}
		p := newPhaseConn(c, 0)
		var got []byte
		one := make([]byte, 1)
		for len(got) < 40 {
			n, err := p.Read(one)
			if err != nil || n != 1 {
				t.Fatalf("byte %d: n %d, err %v", len(got), n, err)
			}
			got = append(got, one[0])
		}
		if !p.seen.Load() {
			t.Fatal("the banner was not seen")
		}
		if c.reads != 1 {
			t.Fatalf("%d reads of the conn for 40 bytes, want 1", c.reads)
		}
		big := make([]byte, 4096)
		var err error
		for err == nil {
			var n int
			n, err = p.Read(big)
			got = append(got, big[:n]...)
		}
		if err != lastErr {
			t.Fatalf("error %v, want %v", err, lastErr)
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("read back %d bytes that differ from the %d sent", len(got), len(data))
		}
	}
}
