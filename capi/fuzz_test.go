package main

// Fuzz targets for the C API's handle and size arguments, through the
// Go-typed wrappers in fuzzhooks.go (a _test.go file cannot use cgo).

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"math"
	"os/user"
	"sync"
	"testing"
	"unsafe"

	"golang.org/x/crypto/ssh"

	"github.com/gossh/gossh/core"
	"github.com/gossh/gossh/core/sshtest"
)

// code is the GOSSH_E_* value of a kind.
func kindCode(k core.Kind) int { return -int(k) }

// fuzzEnv is what every iteration of a worker shares: live handles of
// every kind, a freed one, and a channel to `cat` on an in-process server.
type fuzzEnv struct {
	live     []uint64 // one live handle per kind, then a connected client
	stale    uint64   // a freed handle
	client   uint64   // connected to srv
	cat      uint64   // a channel running cat on client
	key      uint64   // a private key
	srv      *sshtest.Server
	wbuf     unsafe.Pointer // hookBufSize bytes of C memory to write from
	rbuf     unsafe.Pointer // hookBufSize bytes of C memory to read into
	echoPos  int            // bytes sent through cat so far
	pending  int            // of those, not yet read back
	setupErr string
}

const hookBufSize = 4096

var (
	envOnce sync.Once
	env     *fuzzEnv
)

func setup(t *testing.T) *fuzzEnv {
	envOnce.Do(func() {
		e := &fuzzEnv{}
		env = e
		for _, k := range hookKinds() {
			switch k {
			case kindError:
				e.live = append(e.live, hookError())
			case kindChannel:
				// below, with the connected client
			default:
				e.live = append(e.live, hookNew(k))
			}
		}
		e.key = hookNew(kindKey)
		e.stale = hookStale()
		srv, err := sshtest.Start(sshtest.Config{NoClientAuth: true})
		if err != nil {
			e.setupErr = err.Error()
			return
		}
		e.srv = srv
		name := "fuzz"
		if u, err := user.Current(); err == nil {
			name = u.Username
		}
		var rc int
		var msg string
		e.client, e.cat, rc, msg = hookConnectExec("127.0.0.1", srv.Port(), name, "cat")
		if rc != 0 {
			e.setupErr = msg
			return
		}
		e.live = append(e.live, e.cat, e.client)
		e.wbuf = hookBuffer(hookBufSize, nil)
		e.rbuf = hookBuffer(hookBufSize, nil)
	})
	if env.setupErr != "" {
		t.Fatalf("setup: %s", env.setupErr)
	}
	return env
}

// checkLive fails if a handle of the environment is gone or changed kind.
func (e *fuzzEnv) checkLive(t *testing.T, after string) {
	t.Helper()
	for _, h := range e.live {
		if hookHandleKind(h) == 0 {
			t.Fatalf("live handle %d was freed by %s", h, after)
		}
	}
}

// FuzzHandles calls a representative set of gossh_* functions with any
// handle value: zero, garbage, freed, or a live handle of another kind.
// Each must answer GOSSH_E_INVALID (NULL) or GOSSH_E_BADHANDLE, with an
// error object of the same code, or its documented "no" (0, NULL, a
// static message); a _free must leave a handle of another kind alone.
// Never a crash, never GOSSH_E_INTERNAL.
func FuzzHandles(f *testing.F) {
	// sel picks the handle: 0 the raw value, 1..7 the environment's live
	// handles (error, options, client, key, hostkeys, channel, connected
	// client), 8 a freed handle; raw2/sel2 likewise for the second handle
	// of the two-handle calls.
	for _, s := range []struct {
		raw  uint64
		sel  byte
		raw2 uint64
		sel2 byte
	}{
		{0, 0, 0, 0},
		{1, 0, 2, 0},
		{math.MaxUint64, 0, math.MaxUint64, 0},
		{1 << 32, 0, 1 << 63, 0},
		{0xdeadbeef, 0, 0, 2},
		{0, 8, 0, 8},
		{0, 1, 0, 2}, {0, 2, 0, 3}, {0, 3, 0, 4}, {0, 4, 0, 5}, {0, 5, 0, 6}, {0, 6, 0, 7}, {0, 7, 0, 1},
	} {
		f.Add(s.raw, s.sel, s.raw2, s.sel2)
	}
	f.Fuzz(func(t *testing.T, raw uint64, sel byte, raw2 uint64, sel2 byte) {
		e := setup(t)
		pick := func(raw uint64, sel byte) uint64 {
			switch s := int(sel % 9); {
			case s == 0:
				return raw
			case s <= len(e.live):
				return e.live[s-1]
			default:
				return e.stale
			}
		}
		h, h2 := pick(raw, sel), pick(raw2, sel2)
		for i, c := range hookCalls() {
			kind := hookHandleKind(h)
			if kind == c.Kind {
				continue // a live handle of the right kind: the call would act on it
			}
			r := hookCallHandle(i, h)
			checkRefused(t, c.Name, c.Style, h, r)
			if c.Style == styleVoid && kind != 0 && hookHandleKind(h) != kind {
				t.Fatalf("%s(%d) freed a live handle of another kind", c.Name, h)
			}
			e.checkLive(t, c.Name)
		}
		for which := range 3 {
			ka, kb := hookTwoKinds(which)
			var bad uint64
			switch {
			case hookHandleKind(h) != ka:
				bad = h
			case hookHandleKind(h2) != kb:
				bad = h2
			default:
				continue // both live and right: the call would act
			}
			r := hookCallTwo(which, h, h2)
			checkRefused(t, []string{"gossh_options_add_key", "gossh_client_connect", "gossh_client_share_host_keys"}[which], styleCode, bad, r)
			e.checkLive(t, "a two-handle call")
		}
	})
}

// checkRefused checks the answer to a handle the call cannot use.
func checkRefused(t *testing.T, name string, style int, h uint64, r hookResult) {
	t.Helper()
	want := kindCode(core.KindBadHandle)
	if h == 0 {
		want = kindCode(core.KindInvalid)
	}
	switch style {
	case styleCode:
		if r.RC != int64(want) || !r.ErrSet || r.ErrCode != want {
			t.Fatalf("%s(handle %#x) = %d, error object %v code %d; want %d with an error object", name, h, r.RC, r.ErrSet, r.ErrCode, want)
		}
	case styleBare:
		if r.RC != int64(want) {
			t.Fatalf("%s(handle %#x) = %d, want %d", name, h, r.RC, want)
		}
	case styleBool:
		if r.RC != 0 {
			t.Fatalf("%s(handle %#x) = %d, want 0", name, h, r.RC)
		}
	case styleMsg:
		if !r.NotNull {
			t.Fatalf("%s(handle %#x) returned NULL", name, h)
		}
	case styleDetail:
		if r.NotNull {
			t.Fatalf("%s(handle %#x) returned a detail", name, h)
		}
	}
}

// fuzzLen keeps a fuzzed length honest about the small real buffer behind
// it: lengths up to hookBufSize are real; lengths that no C int can hold
// (2^31 and up) stay, as lengths the library must refuse without reading,
// except that their low 32 bits are made to fall in the buffer or be
// negative as a C int, so that a library which truncates the length to an
// int still reads no further than the buffer. Lengths in between would
// only be a caller lying about its buffer, which no library can detect;
// they fold into the buffer.
func fuzzLen(n uint64) uint64 {
	switch {
	case n <= hookBufSize:
		return n
	case n < 1<<31:
		return n % (hookBufSize + 1)
	}
	if low := n & 0xffffffff; low > hookBufSize && low < 1<<31 {
		n = n&^0xffffffff | low%(hookBufSize+1)
	}
	return n
}

// FuzzSizes calls the functions that take a size_t with any length on a
// small real buffer: gossh_channel_write and gossh_channel_read /
// gossh_channel_read_any on a channel running cat (what is written must
// come back, byte for byte), and gossh_key_from_data,
// gossh_key_from_public and gossh_key_sign. A length that no C int holds
// must be refused with GOSSH_E_INVALID without touching the memory; a
// zero-capacity read must be refused too (a 0 with nread 0 means the end
// of the stream); a larger capacity than the data is fine. Never
// GOSSH_E_INTERNAL.
func FuzzSizes(f *testing.F) {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	block, err := ssh.MarshalPrivateKey(priv, "fuzz")
	if err != nil {
		f.Fatal(err)
	}
	key := pem.EncodeToMemory(block)
	n := uint64(len(key))
	for _, s := range []struct {
		write, capacity, keyLen uint64
		data                    []byte
		readAny                 bool
	}{
		{16, hookBufSize, n, key, false},        // the ordinary case
		{hookBufSize, 1, n, key, true},          // one byte at a time
		{100, 1 << 20, n - 1, key, false},       // a capacity past the data; a truncated key
		{0, 16, 0, nil, false},                  // nothing written: a read times out
		{16, 0, n, key, false},                  // capacity 0
		{16, math.MaxUint64, n, key, true},      // capacity SIZE_MAX
		{16, 1 << 31, 1 << 31, key, false},      // 2^31: negative as a C int
		{1<<32 + 16, 16, 1<<32 + n, key, false}, // 2^32 + small: truncates to small as a C int
		{math.MaxUint64, 16, math.MaxUint64, key, false},
		{1 << 40, 1 << 40, 1 << 40, []byte("-----BEGIN OPENSSH PRIVATE KEY-----\n"), true},
	} {
		f.Add(s.write, s.capacity, s.keyLen, s.data, s.readAny)
	}
	f.Fuzz(func(t *testing.T, writeLen, capacity, keyLen uint64, data []byte, readAny bool) {
		e := setup(t)
		if len(data) > hookBufSize {
			data = data[:hookBufSize]
		}
		invalid, internal := kindCode(core.KindInvalid), kindCode(core.KindInternal)

		// Keys from data.
		kbuf := hookBuffer(hookBufSize, nil)
		defer hookFree(kbuf)
		copy(unsafe.Slice((*byte)(kbuf), hookBufSize), data)
		kl := fuzzLen(keyLen)
		for _, c := range []struct {
			name string
			r    hookResult
			ok   []int
		}{
			{"gossh_key_from_data", hookKeyFromData(kbuf, kl, ""), []int{0, kindCode(core.KindKey), kindCode(core.KindPasswordRequired)}},
			{"gossh_key_from_public", hookKeyFromBlob(kbuf, kl), []int{0, kindCode(core.KindKey)}},
			{"gossh_key_sign", hookKeySign(e.key, kbuf, kl), []int{0}},
		} {
			switch {
			case c.r.RC == int64(internal):
				t.Errorf("%s(len %d) = GOSSH_E_INTERNAL", c.name, kl)
			case kl > math.MaxInt32 && c.r.RC != int64(invalid):
				t.Errorf("%s(len %#x) = %d, want GOSSH_E_INVALID: no C int holds the length", c.name, kl, c.r.RC)
			case kl <= math.MaxInt32 && !contains(c.ok, int(c.r.RC)):
				t.Errorf("%s(len %d) = %d", c.name, kl, c.r.RC)
			}
		}
		if kl <= hookBufSize && kl == uint64(len(data)) {
			_, perr := core.ParsePrivateKey(data, "")
			if got := hookKeyFromData(kbuf, kl, ""); (got.RC == 0) != (perr == nil) {
				t.Errorf("gossh_key_from_data = %d, but core.ParsePrivateKey says %v", got.RC, perr)
			}
		}

		// Write through cat and read it back. First drop what an earlier
		// failed iteration left unread.
		for e.pending > 0 {
			r, n := hookRead(e.cat, 0, e.rbuf, hookBufSize, 10000)
			if r.RC != 0 || n == 0 {
				t.Fatalf("draining %d bytes left by an earlier iteration: %d", e.pending, r.RC)
			}
			e.pending -= int(n)
		}
		// A write takes any length in full (in chunks), so a length is a
		// promise about the caller's buffer: only lengths the buffer holds
		// can be fuzzed here, and lengths no Go slice can hold must be
		// GOSSH_E_INVALID without touching memory. (tests/c/test_capi.c
		// writes a real 2^32+16 byte buffer.)
		wl := fuzzLen(writeLen)
		if wl > hookBufSize && wl <= math.MaxInt {
			wl %= hookBufSize + 1
		}
		want := make([]byte, 0, hookBufSize)
		wb := unsafe.Slice((*byte)(e.wbuf), hookBufSize)
		for i := range wb {
			wb[i] = byte((e.echoPos + i) % 251)
		}
		w, accepted := hookWrite(e.cat, e.wbuf, wl, 10000)
		switch {
		case w.RC == int64(internal):
			t.Fatalf("gossh_channel_write(len %#x) = GOSSH_E_INTERNAL", wl)
		case wl > math.MaxInt:
			if w.RC != int64(invalid) || accepted != 0 {
				t.Fatalf("gossh_channel_write(len %#x) = %d (%d accepted), want GOSSH_E_INVALID", wl, w.RC, accepted)
			}
		case w.RC != 0 || accepted != wl:
			t.Fatalf("gossh_channel_write(len %d) = %d, %d accepted", wl, w.RC, accepted)
		default:
			want = append(want, wb[:wl]...)
			e.echoPos += int(wl)
			e.pending += int(wl)
		}

		read := func(capacity uint64, timeoutMs int) (hookResult, uint64) {
			if readAny {
				r, s, n := hookReadAny(e.cat, e.rbuf, capacity, timeoutMs)
				if r.RC == 0 && n > 0 && s != 0 {
					t.Fatalf("gossh_channel_read_any: %d bytes on stream %d, cat writes stdout", n, s)
				}
				return r, n
			}
			return hookRead(e.cat, 0, e.rbuf, capacity, timeoutMs)
		}
		// The fuzzed capacity first; with data pending it must deliver
		// (unless it is refused), without it must time out.
		timeout := 0
		if len(want) > 0 {
			timeout = 10000
		}
		r, n := read(capacity, timeout)
		refused := capacity == 0 || capacity > math.MaxInt32
		switch {
		case r.RC == int64(internal):
			t.Fatalf("read(capacity %#x) = GOSSH_E_INTERNAL", capacity)
		case capacity == 0 && r.RC != int64(invalid):
			t.Fatalf("read(capacity 0) = %d with %d bytes, want GOSSH_E_INVALID (0 bytes and 0 mean the end of the stream)", r.RC, n)
		case r.RC == int64(invalid) && refused:
		case len(want) == 0 && r.RC != int64(kindCode(core.KindTimeout)):
			t.Fatalf("read(capacity %#x) with nothing pending = %d, %d bytes; want GOSSH_E_TIMEOUT", capacity, r.RC, n)
		case len(want) > 0 && (r.RC != 0 || n == 0 || n > capacity || n > uint64(len(want))):
			t.Fatalf("read(capacity %#x) with %d bytes pending = %d, %d bytes", capacity, len(want), r.RC, n)
		}
		var got []byte
		if r.RC == 0 {
			got = append(got, hookBytes(e.rbuf, int(n))...)
			e.pending -= int(n)
		}
		for len(got) < len(want) {
			r, n := read(hookBufSize, 10000)
			if r.RC != 0 || n == 0 {
				t.Fatalf("reading back %d of %d bytes: %d", len(got), len(want), r.RC)
			}
			got = append(got, hookBytes(e.rbuf, int(n))...)
			e.pending -= int(n)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("cat gave back %d bytes other than the %d written", len(got), len(want))
		}
		e.checkLive(t, "the size calls")
	})
}

func contains(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
