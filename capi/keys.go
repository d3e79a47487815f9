package main

/*
#include <stdint.h>
#include <stdlib.h>
*/
import "C"

import (
	"bytes"
	"encoding/hex"
	"unsafe"

	"github.com/gossh/gossh/core"
)

// putString hands s to C through *out as memory released with gossh_free.
func putString(out **C.char, s string) error {
	if out == nil {
		return core.InvalidArgument("out is NULL")
	}
	*out = C.CString(s)
	return nil
}

//export gossh_key_from_file
func gossh_key_from_file(path, passphrase *C.char, out *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if path == nil || out == nil {
		return finish(core.InvalidArgument("path and out must not be NULL"), errOut)
	}
	*out = 0
	k, err := core.LoadPrivateKeyFile(C.GoString(path), cString(passphrase))
	if err != nil {
		return finish(err, errOut)
	}
	*out = putHandle(kindKey, k)
	return finish(nil, errOut)
}

//export gossh_key_from_data
func gossh_key_from_data(data unsafe.Pointer, n C.size_t, passphrase *C.char, out *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if data == nil || out == nil {
		return finish(core.InvalidArgument("data and out must not be NULL"), errOut)
	}
	*out = 0
	b, err := goBytes(data, n, core.MaxPrivateKeySize, "key data")
	if err != nil {
		return finish(err, errOut)
	}
	k, err := core.ParsePrivateKey(b, cString(passphrase))
	if err != nil {
		return finish(err, errOut)
	}
	*out = putHandle(kindKey, k)
	return finish(nil, errOut)
}

// keyString serves the key accessors that return one string.
func keyString(h C.uintptr_t, out **C.char, errOut *C.uintptr_t, f func(*core.Key) string) C.int {
	return keyCall(h, errOut, func(k *core.Key) error { return putString(out, f(k)) })
}

//export gossh_key_type
func gossh_key_type(h C.uintptr_t, out **C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return keyString(h, out, errOut, (*core.Key).Type)
}

//export gossh_key_public_text
func gossh_key_public_text(h C.uintptr_t, out **C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return keyString(h, out, errOut, (*core.Key).PublicText)
}

//export gossh_key_fingerprint
func gossh_key_fingerprint(h C.uintptr_t, out **C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return keyString(h, out, errOut, (*core.Key).Fingerprint)
}

//export gossh_key_free
func gossh_key_free(h C.uintptr_t) {
	defer guardVoid()
	dropHandle(h, kindKey)
}

// putBytes hands b to C through *out/*n as memory released with gossh_free.
func putBytes(out *unsafe.Pointer, n *C.size_t, b []byte) error {
	if out == nil || n == nil {
		return core.InvalidArgument("out and len must not be NULL")
	}
	*out = C.CBytes(b)
	*n = C.size_t(len(b))
	return nil
}

// The most bytes the key functions take from C through a (pointer, size_t)
// pair (key data: core.MaxPrivateKeySize). Lengths are checked against them
// before the memory is touched, and never narrowed: C.GoBytes takes a
// C.int, which truncated 2^32+16 to 16 and made 2^31 negative (a panic).
const (
	maxBlobLen     = 1 << 20 // public key blobs and signatures (a few KiB at most)
	maxSignDataLen = 1 << 30 // data to sign or verify
)

// goBytes copies n bytes at p, refusing (GOSSH_E_INVALID, naming the
// limit) a length over limit before reading any of it; NULL with n == 0 is an
// empty slice.
func goBytes(p unsafe.Pointer, n C.size_t, limit uint64, what string) ([]byte, error) {
	if uint64(n) > limit {
		return nil, core.InvalidArgument("%s length %d is over the limit of %d bytes", what, uint64(n), limit)
	}
	if n == 0 {
		return []byte{}, nil
	}
	if p == nil {
		return nil, core.InvalidArgument("%s is NULL but its length is %d", what, uint64(n))
	}
	return bytes.Clone(unsafe.Slice((*byte)(p), int(n))), nil
}

//export gossh_key_generate
func gossh_key_generate(keyType *C.char, bits C.int, out *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if keyType == nil || out == nil {
		return finish(core.InvalidArgument("type and out must not be NULL"), errOut)
	}
	*out = 0
	k, err := core.GenerateKey(C.GoString(keyType), int(bits))
	if err != nil {
		return finish(err, errOut)
	}
	*out = putHandle(kindKey, k)
	return finish(nil, errOut)
}

//export gossh_key_from_public
func gossh_key_from_public(text *C.char, blob unsafe.Pointer, n C.size_t, out *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if out == nil || (text == nil && blob == nil) {
		return finish(core.InvalidArgument("out and one of text or blob must not be NULL"), errOut)
	}
	*out = 0
	var k *core.Key
	var err error
	if text != nil {
		k, err = core.ParsePublicKey(C.GoString(text))
	} else {
		var b []byte
		if b, err = goBytes(blob, n, maxBlobLen, "blob"); err == nil {
			k, err = core.ParsePublicKeyBlob(b)
		}
	}
	if err != nil {
		return finish(err, errOut)
	}
	*out = putHandle(kindKey, k)
	return finish(nil, errOut)
}

//export gossh_key_bits
func gossh_key_bits(h C.uintptr_t, bits *C.int, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return keyCall(h, errOut, func(k *core.Key) error {
		if bits == nil {
			return core.InvalidArgument("bits is NULL")
		}
		*bits = C.int(k.Bits())
		return nil
	})
}

//export gossh_key_can_sign
func gossh_key_can_sign(h C.uintptr_t) (rc C.int) {
	defer func() {
		if recover() != nil {
			rc = 0
		}
	}()
	k, err := getKey(h)
	if err != nil || !k.CanSign() {
		return 0
	}
	return 1
}

//export gossh_key_blob
func gossh_key_blob(h C.uintptr_t, out *unsafe.Pointer, n *C.size_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return keyCall(h, errOut, func(k *core.Key) error { return putBytes(out, n, k.Blob()) })
}

//export gossh_key_fingerprint_md5
func gossh_key_fingerprint_md5(h C.uintptr_t, out **C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return keyString(h, out, errOut, func(k *core.Key) string { return hex.EncodeToString(k.MD5()) })
}

//export gossh_key_certificate
func gossh_key_certificate(h C.uintptr_t, out **C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return keyCall(h, errOut, func(k *core.Key) error {
		if out == nil {
			return core.InvalidArgument("out is NULL")
		}
		*out = nil
		if s := k.CertificateText(); s != "" {
			*out = C.CString(s)
		}
		return nil
	})
}

//export gossh_key_load_certificate
func gossh_key_load_certificate(h C.uintptr_t, pathOrText *C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return keyCall(h, errOut, func(k *core.Key) error {
		if pathOrText == nil {
			return core.InvalidArgument("path_or_text is NULL")
		}
		return k.LoadCertificate(C.GoString(pathOrText))
	})
}

//export gossh_key_write_private
func gossh_key_write_private(h C.uintptr_t, passphrase *C.char, out **C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return keyCall(h, errOut, func(k *core.Key) error {
		if out == nil {
			return core.InvalidArgument("out is NULL")
		}
		*out = nil
		data, err := k.MarshalPrivate(cString(passphrase), "")
		if err != nil {
			return err
		}
		return putString(out, string(data))
	})
}

//export gossh_key_write_private_file
func gossh_key_write_private_file(h C.uintptr_t, path, passphrase *C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return keyCall(h, errOut, func(k *core.Key) error {
		if path == nil {
			return core.InvalidArgument("path is NULL")
		}
		return k.WritePrivateFile(C.GoString(path), cString(passphrase))
	})
}

//export gossh_key_sign
func gossh_key_sign(h C.uintptr_t, data unsafe.Pointer, n C.size_t, algorithm *C.char, sig *unsafe.Pointer, siglen *C.size_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return keyCall(h, errOut, func(k *core.Key) error {
		if sig == nil || siglen == nil {
			return core.InvalidArgument("sig and siglen must not be NULL")
		}
		*sig, *siglen = nil, 0
		b, err := goBytes(data, n, maxSignDataLen, "data")
		if err != nil {
			return err
		}
		s, err := k.Sign(b, cString(algorithm))
		if err != nil {
			return err
		}
		return putBytes(sig, siglen, s)
	})
}

//export gossh_key_verify
func gossh_key_verify(h C.uintptr_t, data unsafe.Pointer, n C.size_t, sig unsafe.Pointer, siglen C.size_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return keyCall(h, errOut, func(k *core.Key) error {
		b, err := goBytes(data, n, maxSignDataLen, "data")
		if err != nil {
			return err
		}
		s, err := goBytes(sig, siglen, maxBlobLen, "signature")
		if err != nil {
			return err
		}
		return k.Verify(b, s)
	})
}
