// gossh patch: tests of the packet pool (packetpool.go).

package ssh

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"sync"
	"testing"
)

func TestPooledBaseRecognisesOnlyPooledBuffers(t *testing.T) {
	b := getPooledBuf()
	defer putPooledBuf(b)
	for _, off := range []int{0, 1, 10, 14, 1000, pooledDataSize - 1, pooledDataSize} {
		if got := pooledBase(b[off:off]); got != b {
			t.Errorf("offset %d: pooledBase = %p, want %p", off, got, b)
		}
		if off < pooledDataSize {
			if got := pooledBase(b[off : off+1]); got != b {
				t.Errorf("offset %d, one byte: pooledBase = %p, want %p", off, got, b)
			}
		}
	}
	// A slice that stops short of the buffer's end (a three-index slice)
	// is not recognised: its trailer is out of reach.
	if got := pooledBase(b[10:20:30]); got != nil {
		t.Errorf("short slice recognised as pooled")
	}
	// A copy of a pooled buffer carries the tag but not its own address.
	c := make([]byte, pooledBufSize)
	copy(c, b[:])
	if got := pooledBase(c[10:]); got != nil {
		t.Errorf("a copy of a pooled buffer was recognised as pooled")
	}
	// Any other memory, of any size, including the tag's size.
	for _, n := range []int{0, 1, 15, 16, 17, 4096, pooledBufSize, pooledBufSize + 1} {
		if got := pooledBase(make([]byte, n)); got != nil {
			t.Errorf("fresh %d bytes recognised as pooled", n)
		}
	}
	// The tag with a wrong address.
	f := make([]byte, pooledBufSize)
	binary.LittleEndian.PutUint64(f[pooledDataSize:], pooledTag)
	binary.LittleEndian.PutUint64(f[pooledDataSize+8:], 12345)
	if got := pooledBase(f); got != nil {
		t.Errorf("forged trailer recognised as pooled")
	}
	releasePacketData(f)     // no-op, no panic
	releasePacketData(nil)   // no-op
	releasePacketData(c[3:]) // no-op
}

// streamPattern is a byte stream that differs per seed and per position, so
// that data delivered from a wrong (recycled) buffer cannot pass.
func streamPattern(seed uint64, n int) []byte {
	out := make([]byte, n)
	x := seed*0x9E3779B97F4A7C15 | 1
	for i := 0; i < n; i += 8 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		var w [8]byte
		binary.LittleEndian.PutUint64(w[:], x)
		copy(out[i:], w[:])
	}
	return out
}

// writeInPieces writes p in pieces of varying size.
func writeInPieces(w io.Writer, p []byte, seed int) error {
	step := 1 + seed%7000
	for len(p) > 0 {
		n := min(step, len(p))
		if _, err := w.Write(p[:n]); err != nil {
			return err
		}
		p = p[n:]
		step = step*31%40000 + 1
	}
	return nil
}

// readInPieces reads r to EOF in reads of varying size.
func readInPieces(r io.Reader, seed int) ([]byte, error) {
	var out bytes.Buffer
	step := 1 + seed%5000
	buf := make([]byte, 70000)
	for {
		n, err := r.Read(buf[:step])
		out.Write(buf[:n])
		if err == io.EOF {
			return out.Bytes(), nil
		}
		if err != nil {
			return out.Bytes(), err
		}
		step = step*17%70000 + 1
	}
}

// TestPooledPacketsIntact streams distinct data both ways and on stderr over
// many channels at once, with reads and writes of varying sizes, and checks
// every byte: a pooled buffer given back too early, or twice, shows up as
// another stream's bytes. Repeated, since such a fault is a race.
func TestPooledPacketsIntact(t *testing.T) {
	const rounds, channels = 12, 8
	const outSize, errSize, inSize = 600 << 10, 200 << 10, 300 << 10
	for round := 0; round < rounds; round++ {
		client, server, err := sshPipe()
		if err != nil {
			t.Fatalf("sshPipe: %v", err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 4*channels)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < channels; i++ {
				nc, err := server.Accept()
				if err != nil {
					errs <- err
					return
				}
				ch, reqs, err := nc.Accept()
				if err != nil {
					errs <- err
					return
				}
				go DiscardRequests(reqs)
				id := int(nc.ExtraData()[0])
				wg.Add(1)
				go func() {
					defer wg.Done()
					var inner sync.WaitGroup
					inner.Add(3)
					go func() {
						defer inner.Done()
						got, err := readInPieces(ch, id+round)
						if err == nil && !bytes.Equal(got, streamPattern(uint64(id*3), inSize)) {
							err = fmt.Errorf("server, channel %d: client data corrupted (%d bytes)", id, len(got))
						}
						if err != nil {
							errs <- err
						}
					}()
					go func() {
						defer inner.Done()
						if err := writeInPieces(ch, streamPattern(uint64(id*3+1), outSize), id+round); err != nil {
							errs <- err
						}
					}()
					go func() {
						defer inner.Done()
						if err := writeInPieces(ch.Stderr(), streamPattern(uint64(id*3+2), errSize), id*7+round); err != nil {
							errs <- err
						}
					}()
					inner.Wait()
					ch.Close()
				}()
			}
		}()
		for i := 0; i < channels; i++ {
			ch, reqs, err := client.OpenChannel("gossh-test", []byte{byte(i)})
			if err != nil {
				t.Fatalf("OpenChannel: %v", err)
			}
			go DiscardRequests(reqs)
			wg.Add(3)
			go func() {
				defer wg.Done()
				err := writeInPieces(ch, streamPattern(uint64(i*3), inSize), i*5+round)
				if err == nil {
					err = ch.CloseWrite()
				}
				if err != nil {
					errs <- err
				}
			}()
			go func() {
				defer wg.Done()
				got, err := readInPieces(ch, i*11+round)
				if err == nil && !bytes.Equal(got, streamPattern(uint64(i*3+1), outSize)) {
					err = fmt.Errorf("client, channel %d: stdout corrupted (%d bytes)", i, len(got))
				}
				if err != nil {
					errs <- err
				}
			}()
			go func() {
				defer wg.Done()
				got, err := readInPieces(ch.Stderr(), i*13+round)
				if err == nil && !bytes.Equal(got, streamPattern(uint64(i*3+2), errSize)) {
					err = fmt.Errorf("client, channel %d: stderr corrupted (%d bytes)", i, len(got))
				}
				if err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		client.Close()
		server.Close()
		close(errs)
		for err := range errs {
			t.Fatalf("round %d: %v", round, err)
		}
	}
}

// TestSmallPacketsAreNotPooled checks that only large channel data keeps a
// pooled buffer: a stream of tiny packets left unread must not hold a
// whole buffer per packet. ReadSegments shows which runs are pooled.
func TestSmallPacketsAreNotPooled(t *testing.T) {
	client, server, err := sshPipe()
	if err != nil {
		t.Fatalf("sshPipe: %v", err)
	}
	defer client.Close()
	defer server.Close()
	sizes := []int{1, 100, 4000, pooledKeepMin - 100, pooledKeepMin + 100, 32 << 10}
	go func() {
		nc, err := server.Accept()
		if err != nil {
			return
		}
		ch, reqs, err := nc.Accept()
		if err != nil {
			return
		}
		go DiscardRequests(reqs)
		for _, n := range sizes {
			ch.Write(make([]byte, n)) // one packet each: n <= the max packet
		}
		ch.Close()
	}()
	ch, reqs, err := client.OpenChannel("gossh-test", nil)
	if err != nil {
		t.Fatalf("OpenChannel: %v", err)
	}
	go DiscardRequests(reqs)
	sr := ch.(interface {
		ReadSegments(uint32, [][]byte) ([][]byte, error)
		ReleaseSegment([]byte)
	})
	var runs [][]byte
	for {
		var err error
		runs, err = sr.ReadSegments(0, runs)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(runs) != len(sizes) {
		t.Fatalf("got %d runs, want %d", len(runs), len(sizes))
	}
	for i, r := range runs {
		wantPooled := len(r)+9 >= pooledKeepMin // the packet has a 9-byte header
		if len(r) != sizes[i] || (pooledBase(r) != nil) != wantPooled {
			t.Errorf("run %d: %d bytes, pooled %v; want %d bytes, pooled %v", i, len(r), pooledBase(r) != nil, sizes[i], wantPooled)
		}
		sr.ReleaseSegment(r)
	}
}
