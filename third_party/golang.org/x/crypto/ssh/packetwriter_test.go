// Copyright 2026 The gossh Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package ssh

import (
	"bytes"
	mrand "math/rand"
	"testing"
)

// TestPacketWriter: pieces gathered and large pieces written through come
// out in order, each packet whole at its flush, and nothing is held
// between packets.
func TestPacketWriter(t *testing.T) {
	rng := mrand.New(mrand.NewSource(1))
	var out bytes.Buffer
	w := newPacketWriter(&out)
	var want []byte
	for i := 0; i < 500; i++ {
		for j := rng.Intn(4); j >= 0; j-- {
			piece := make([]byte, rng.Intn(3*packetWriterDirect))
			rng.Read(piece)
			if _, err := w.Write(piece); err != nil {
				t.Fatal(err)
			}
			want = append(want, piece...)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if w.buf != nil {
			t.Fatal("a buffer is held between packets")
		}
		if !bytes.Equal(out.Bytes(), want) {
			t.Fatalf("packet %d: the output differs from what was written", i)
		}
	}
}
