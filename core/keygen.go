package core

// Key generation, writing private keys, accessors, signing and
// certificates: what paramiko's PKey offers beyond loading.

import (
	"crypto/dsa" //nolint:staticcheck // DSA is deprecated; gossh supports it for paramiko parity
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"strings"
)

// DefaultRSABits is the RSA size GenerateKey uses when bits is 0 (as
// ssh-keygen).
const DefaultRSABits = 3072

// MaxRSAGenerateBits is the largest RSA key GenerateKey makes. The prime
// search cannot be interrupted and its time grows steeply and varies: 4096
// bits took 0.3 s here, 8192 bits 26 to 61 s (three runs), and 16384 bits
// (ssh-keygen's limit) takes minutes. Larger keys still load, up to 16384
// bits.
const MaxRSAGenerateBits = 8192

// GenerateKey makes a new private key. keyType is "rsa", "ecdsa",
// "ed25519" or "dsa" (the SSH names "ssh-rsa", "ecdsa-sha2-nistp256", ...,
// "ssh-ed25519", "ssh-dss" and paramiko's "dss" work too). bits 0 picks the
// default: RSA 3072, ECDSA 256 (or the curve named by the type), DSA 1024.
// RSA takes 1024..MaxRSAGenerateBits (8192) bits, ECDSA 256, 384 or 521,
// Ed25519 only 256 and DSA only 1024 (the one size OpenSSH uses). Anything
// else is KindInvalid. RSA blocks while primes are found (see
// MaxRSAGenerateBits); the other types are quick.
func GenerateKey(keyType string, bits int) (*Key, error) {
	t := strings.ToLower(strings.TrimSpace(keyType))
	if bits < 0 {
		return nil, InvalidArgument("bits must not be negative")
	}
	var raw any
	var err error
	switch t {
	case "rsa", "ssh-rsa":
		if bits == 0 {
			bits = DefaultRSABits
		}
		if bits < 1024 || bits > MaxRSAGenerateBits {
			return nil, InvalidArgument("RSA keys are generated with 1024 to %d bits, not %d", MaxRSAGenerateBits, bits)
		}
		raw, err = rsa.GenerateKey(rand.Reader, bits)
	case "ecdsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521":
		if strings.HasPrefix(t, "ecdsa-sha2-nistp") {
			named := 0
			fmt.Sscanf(t[len("ecdsa-sha2-nistp"):], "%d", &named)
			if bits != 0 && bits != named {
				return nil, InvalidArgument("%s is a %d-bit curve, not %d", t, named, bits)
			}
			bits = named
		}
		var curve elliptic.Curve
		switch bits {
		case 0, 256:
			curve = elliptic.P256()
		case 384:
			curve = elliptic.P384()
		case 521:
			curve = elliptic.P521()
		default:
			return nil, InvalidArgument("ECDSA keys take 256, 384 or 521 bits, not %d", bits)
		}
		raw, err = ecdsa.GenerateKey(curve, rand.Reader)
	case "ed25519", "ssh-ed25519":
		if bits != 0 && bits != 256 {
			return nil, InvalidArgument("Ed25519 keys are 256 bits, not %d", bits)
		}
		_, raw, err = ed25519.GenerateKey(rand.Reader)
	case "dsa", "dss", "ssh-dss":
		if bits != 0 && bits != 1024 {
			return nil, InvalidArgument("DSA keys are 1024 bits (as OpenSSH), not %d", bits)
		}
		k := new(dsa.PrivateKey)
		if err = dsa.GenerateParameters(&k.Parameters, rand.Reader, dsa.L1024N160); err == nil {
			err = dsa.GenerateKey(k, rand.Reader)
		}
		raw = k
	default:
		return nil, InvalidArgument("unknown key type %q (rsa, ecdsa, ed25519, dsa)", keyType)
	}
	if err != nil {
		return nil, newError(KindInternal, err, "key generation failed: %v", err)
	}
	return newKeyFromRaw(raw)
}
