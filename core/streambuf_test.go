package core

import (
	"bytes"
	"math/rand"
	"slices"
	"testing"
)

// The segment queue gives back exactly the bytes queued, in order, whatever
// the sizes of the drain's reads and the reader's buffers, and pools a chunk
// only when nothing refers to it any more (a chunk pooled early would be
// overwritten while still queued: the bytes read back would differ).
func TestStreamBufRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for run := 0; run < 50; run++ {
		var q streamBuf
		var d drainBuf
		var want, got bytes.Buffer
		for step := 0; step < 200; step++ {
			if rng.Intn(2) == 0 {
				room := d.room()
				if len(room) == 0 || (d.c != nil && len(d.c.buf) == drainChunk && len(room) < minRead) {
					t.Fatalf("room %d (chunk %d)", len(room), cap(room))
				}
				n := 1 + rng.Intn(len(room))
				rng.Read(room[:n])
				want.Write(room[:n])
				d.take(&q, n)
			} else {
				p := make([]byte, 1+rng.Intn(300<<10))
				n := q.Read(p)
				got.Write(p[:n])
			}
			if q.Len() != want.Len()-got.Len() {
				t.Fatalf("Len %d, want %d", q.Len(), want.Len()-got.Len())
			}
		}
		d.done()
		p := make([]byte, 1<<20)
		for q.Len() > 0 {
			n := q.Read(p)
			got.Write(p[:n])
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Fatalf("run %d: read back %d bytes that differ from the %d queued", run, got.Len(), want.Len())
		}
		if q.Read(p) != 0 {
			t.Fatal("an empty queue read bytes")
		}
	}
}

// A drain whose stream carries nothing holds no chunk (its first read goes
// into the peek array), and chunks grow as a stream proves busy.
func TestStreamBufLazyChunks(t *testing.T) {
	var q streamBuf
	var d drainBuf
	if room := d.room(); len(room) != peekSize || d.c != nil {
		t.Fatalf("first room %d, chunk %v: want the peek array and no chunk", len(room), d.c != nil)
	}
	d.take(&q, 0) // an EOF with no data
	if d.c != nil {
		t.Fatal("a read of nothing took a chunk")
	}
	var sizes []int
	for i := 0; i < 64; i++ {
		room := d.room()
		for j := range room {
			room[j] = byte(i)
		}
		d.take(&q, len(room))
		if n := len(d.c.buf); len(sizes) == 0 || sizes[len(sizes)-1] != n {
			sizes = append(sizes, n)
		}
	}
	d.done()
	if want := []int{chunkSizes[0], chunkSizes[1], chunkSizes[2]}; !slices.Equal(sizes, want) {
		t.Fatalf("chunk sizes %v, want %v", sizes, want)
	}
	p := make([]byte, q.Len())
	if n := q.Read(p); n != len(p) || p[0] != 0 || p[len(p)-1] != 63 {
		t.Fatalf("read back %d of %d bytes, first %d last %d", n, len(p), p[0], p[len(p)-1])
	}
}
