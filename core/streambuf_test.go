package core

import (
	"bytes"
	"math/rand"
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
				if len(room) < minRead {
					t.Fatalf("room %d < minRead", len(room))
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
