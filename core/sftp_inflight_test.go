package core

import (
	"fmt"
	"path/filepath"
	"testing"
)

// A transfer's chunks cover a channel's window with a few workers, and
// never ask for more than maxInflightBytes per channel: a get holds a
// buffer for every byte in flight, so this is its memory bound (issue 9).
func TestSFTPChunkingCoversTheWindow(t *testing.T) {
	for _, packet := range []int{4096, defaultPacket, 64 << 10, 261120, 1 << 20} {
		for _, n := range []int{1, 8, 64, defaultMaxInflight, maxMaxInflight} {
			inflight := max(min(n*packet, maxInflightBytes), packet)
			chunk, workers := chunking(inflight, packet)
			if chunk%int64(packet) != 0 || workers < 1 || workers > workersPerChannel {
				t.Fatalf("packet %d, %d requests: chunk %d, %d workers", packet, n, chunk, workers)
			}
			if got := int64(workers) * chunk; got > int64(inflight) {
				t.Errorf("packet %d, %d requests: %d workers x %d = %d bytes in flight, over %d", packet, n, workers, chunk, got, inflight)
			}
			// When max_inflight does not hold it lower (the default, but
			// for packets under 32 KiB), while one worker turns around,
			// the others keep about a window in flight.
			if n*packet >= maxInflightBytes {
				if low := int64(workers-1) * chunk; low < channelWindow-int64(packet) {
					t.Errorf("packet %d: %d workers x %d leave %d bytes in flight while one turns around, under the %d-byte window", packet, workers, chunk, low, channelWindow)
				}
			}
		}
	}
}

// Bytes in flight during real split gets and puts against the sshd, as
// counted by the transfer itself: at most maxInflightBytes per channel.
func TestSFTPTransferBytesInFlight(t *testing.T) {
	_, sf, dir := sftpSession(t)
	local := t.TempDir()
	const size = 3*splitThreshold + 12345
	src := filepath.Join(local, "src")
	sum := randomFile(t, src, size)
	var seen []*xfer
	testXferDone = func(x *xfer) { seen = append(seen, x) }
	t.Cleanup(func() { testXferDone = nil })
	channels, _ := sf.tuning()
	bound := int64(channels * maxInflightBytes)
	for i := 0; i < 5; i++ {
		seen = nil
		remote := fmt.Sprintf("%s/r-%d", dir, i)
		if n, err := sf.Put(src, remote, 0, nil, -1); err != nil || n != size {
			t.Fatalf("put: %d %v", n, err)
		}
		dst := filepath.Join(local, fmt.Sprintf("dst-%d", i))
		if n, err := sf.Get(remote, dst, 0, nil, -1); err != nil || n != size {
			t.Fatalf("get: %d %v", n, err)
		}
		if fileHash(t, dst) != sum {
			t.Fatal("the file differs after put and get")
		}
		if len(seen) != 2 {
			t.Fatalf("%d transfers seen, want 2", len(seen))
		}
		for _, x := range seen {
			if x.inflight.Load() != 0 {
				t.Errorf("%s: %d bytes still counted in flight at the end", x.what, x.inflight.Load())
			}
			if p := x.peak.Load(); p > bound || p < x.chunk {
				t.Errorf("%s: at most %d bytes in flight, want %d..%d (%d channels x %d)", x.what, p, x.chunk, bound, channels, maxInflightBytes)
			}
		}
		t.Logf("run %d: put peak %d, get peak %d bytes in flight (bound %d; chunk %d, %d workers per channel)",
			i, seen[0].peak.Load(), seen[1].peak.Load(), bound, seen[0].chunk, seen[0].workers)
	}
}
