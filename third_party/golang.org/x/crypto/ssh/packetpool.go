// gossh patch: recycled buffers for channel data packets.
//
// Upstream, every packet read is decrypted into the cipher's buffer and
// then copied into a fresh allocation (connectionState.readPacket), because
// the cipher reuses its buffer. On a bulk stream that is a 32 KiB
// allocation and copy per packet: a GiB of garbage per GiB read, with the
// collections and page faults that go with it. With this patch the GCM
// cipher decrypts channel data packets in place in a pooled buffer, and the
// channel's buffer gives it back to the pool once the reader has copied the
// data out (buffer.Read). Any other packet, and any small one, is copied
// out as before.
//
// A pooled buffer is recognised by a trailer in its last bytes: a secret
// random tag and the buffer's own address. Channel data always extends to
// the end of the buffer it was decrypted into (it is sliced, never copied,
// on its way to the channel's buffer), so the trailer can be found from any
// slice of it; a slice of any other memory cannot carry both values.

package ssh

import (
	"crypto/rand"
	"encoding/binary"
	"sync"
	"unsafe"
)

const (
	// pooledBufSize is the size of a pooled buffer: nine pages, room for
	// a channel data packet of channelMaxPacket bytes with its headers,
	// padding and tag.
	pooledBufSize = 9 * 4096
	// pooledTrailer is the size of the trailer: the tag and the address.
	pooledTrailer = 16
	// pooledDataSize is the room for a packet (ciphertext and tag).
	pooledDataSize = pooledBufSize - pooledTrailer
	// pooledKeepMin is the least packet that keeps its pooled buffer;
	// a smaller one is copied out. Unread data then holds at most about
	// twice its size in buffers (a stream of tiny packets left unread
	// would otherwise hold a whole buffer per packet), while a bulk
	// stream's full-size packets are never copied.
	pooledKeepMin = pooledDataSize / 2
)

type pooledBuf [pooledBufSize]byte

// pooledTag marks pooled buffers; random, so that no peer can forge it.
var pooledTag = func() uint64 {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("ssh: no randomness for the packet pool: " + err.Error())
	}
	return binary.LittleEndian.Uint64(b[:]) | 1
}()

var packetPool = sync.Pool{New: func() any {
	b := new(pooledBuf)
	binary.LittleEndian.PutUint64(b[pooledDataSize:], pooledTag)
	binary.LittleEndian.PutUint64(b[pooledDataSize+8:], uint64(uintptr(unsafe.Pointer(b))))
	return b
}}

// getPooledBuf returns a buffer from the pool.
func getPooledBuf() *pooledBuf { return packetPool.Get().(*pooledBuf) }

// putPooledBuf returns b to the pool. Nothing may use b afterwards.
func putPooledBuf(b *pooledBuf) { packetPool.Put(b) }

// isPooledPacketType reports whether a packet of this type is left in its
// pooled buffer: channel data, which ends up in a channel's buffer and is
// given back by buffer.Read.
func isPooledPacketType(t byte) bool {
	return t == msgChannelData || t == msgChannelExtendedData
}

// releasePacketData gives the pooled buffer that data was sliced from back
// to the pool, and does nothing if data does not come from one. data must
// be the last reference to that packet's bytes.
func releasePacketData(data []byte) {
	if b := pooledBase(data); b != nil {
		putPooledBuf(b)
	}
}

// pooledBase returns the pooled buffer data is a slice of (one that reaches
// the buffer's end), or nil if data is not one.
func pooledBase(data []byte) *pooledBuf {
	if cap(data) < pooledTrailer || cap(data) > pooledBufSize {
		return nil
	}
	full := data[:cap(data)]
	t := full[len(full)-pooledTrailer:]
	if binary.LittleEndian.Uint64(t) != pooledTag {
		return nil
	}
	start := uintptr(unsafe.Pointer(unsafe.SliceData(full)))
	base := start + uintptr(len(full)) - pooledBufSize
	if binary.LittleEndian.Uint64(t[8:]) != uint64(base) {
		return nil
	}
	// The tag and the address match: full is the tail of that buffer,
	// so stepping back to its start stays inside the allocation.
	return (*pooledBuf)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(full)), len(full)-pooledBufSize))
}
