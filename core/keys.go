package core

import (
	"bytes"
	"crypto"
	"crypto/dsa" //nolint:staticcheck // DSA is deprecated; gossh supports it for paramiko parity
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/subtle"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/crypto/ssh"
)

// PublicKeyText formats a public key as "type base64".
func PublicKeyText(pk ssh.PublicKey) string {
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk)))
}

// NewKeyFromSigner wraps an existing signer (its private key cannot be
// written out).
func NewKeyFromSigner(s ssh.Signer) *Key { return &Key{signer: s, public: s.PublicKey()} }

// newKeyFromRaw wraps a parsed or generated private key.
func newKeyFromRaw(raw crypto.PrivateKey) (*Key, error) {
	if p, ok := raw.(*ed25519.PrivateKey); ok {
		raw = *p
	}
	var s ssh.Signer
	var err error
	if d, ok := raw.(*dsa.PrivateKey); ok {
		s = newDSASigner(d)
	} else if s, err = ssh.NewSignerFromKey(raw); err != nil {
		return nil, newError(KindKey, err, "unsupported private key: %v", err)
	}
	return &Key{signer: s, public: s.PublicKey(), raw: raw}, nil
}

// MaxPrivateKeySize is the largest private key file gossh reads: the
// biggest key it takes (16384-bit RSA) is some 12 KiB of PEM, so a larger
// input is not a key. ParsePrivateKey refuses one with KindKey, and the C
// API refuses such a length with GOSSH_E_INVALID before reading it.
const MaxPrivateKeySize = 1 << 20

// ParsePrivateKey parses a private key in OpenSSH format (plain or
// bcrypt-encrypted), PEM (PKCS#1 RSA, SEC1 EC, OpenSSL DSA; plain or with
// legacy PEM encryption) or PKCS#8 (plain or PBES2-encrypted), for RSA,
// ECDSA, Ed25519 and DSA. An encrypted key needs passphrase: without one the error is
// KindPasswordRequired; a wrong one or garbage is KindKey.
//
// A key whose halves disagree is refused with KindKey, whatever the format:
// the private key must derive the public key it carries, and every public
// key the file states beside it (the OpenSSH format's outer public key,
// SEC1's public point, PKCS#8's publicKey) must be that key; so a corrupted
// file either fails or loads a key whose signatures verify against the
// file's public key. The work a file can ask for is bounded: at most
// MaxBcryptRounds bcrypt rounds, MaxPBKDF2Iterations PBKDF2 iterations,
// 16384-bit RSA, and MaxPrivateKeySize bytes; over a limit is KindKey,
// before any key derivation runs.
func ParsePrivateKey(data []byte, passphrase string) (*Key, error) {
	raw, err := parseRawPrivateKey(data, []byte(passphrase))
	if err != nil {
		return nil, err
	}
	return newKeyFromRaw(raw)
}

func parseRawPrivateKey(data, passphrase []byte) (crypto.PrivateKey, error) {
	if len(data) > MaxPrivateKeySize {
		return nil, newError(KindKey, nil, "not a private key: over gossh's limit of %d bytes (1 MiB)", MaxPrivateKeySize)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, newError(KindKey, nil, "cannot parse private key: no PEM or OpenSSH key block found").with("reason", "not_a_key")
	}
	raw, stated, err := parsePrivateKeyBlock(block, passphrase)
	if err == nil {
		err = checkPrivateKey(raw, stated)
	}
	var e *Error
	switch {
	case err == nil:
		return raw, nil
	case errors.As(err, &e):
		return nil, e
	case err == errNeedPassphrase:
		return nil, newError(KindPasswordRequired, err, "private key file is encrypted")
	case err == errBadPassphrase:
		return nil, newError(KindKey, err, "cannot decrypt private key: wrong passphrase")
	}
	return nil, keyParseError("private", err)
}

// keyParseError is KindKey for a key that does not parse; detail "reason"
// is "unknown_key_type" when its algorithm is one gossh does not know
// (ed448, ...), so bindings can raise their own error for that (paramiko's
// UnknownKeyType).
func keyParseError(what string, err error) *Error {
	e := newError(KindKey, err, "cannot parse %s key: %v", what, err)
	m := err.Error()
	for _, s := range []string{"unknown algorithm", "unknown key algorithm", "unhandled key type", "unsupported key type", "unknown key type"} {
		if strings.Contains(m, s) {
			return e.with("reason", "unknown_key_type")
		}
	}
	return e
}

// checkPrivateKey is the one check every loaded private key passes: the
// private half must derive the public half it carries (Ed25519: the seed
// gives the public key stored after it; ECDSA: D·G is the stored point,
// which is on the curve; RSA: the numbers agree (Validate); DSA: y = g^x
// mod p, with sane p, q, g), and each public key in stated (SSH wire
// format, as the file states them) must be that public half. The cheap
// comparison comes before the arithmetic. Its errors never quote key
// material.
func checkPrivateKey(raw crypto.PrivateKey, stated [][]byte) error {
	var pub ssh.PublicKey
	var derive func() error
	switch k := raw.(type) {
	case ed25519.PrivateKey:
		if len(k) != ed25519.PrivateKeySize {
			return errors.New("ssh: Ed25519 private key of the wrong length")
		}
		derive = func() error {
			if subtle.ConstantTimeCompare(ed25519.NewKeyFromSeed(k.Seed()), k) != 1 {
				return errors.New("ssh: Ed25519 private key does not match its public key")
			}
			return nil
		}
	case *ecdsa.PrivateKey:
		if _, ok := ecdsaCurveNames[k.Curve]; !ok || k.D == nil || k.X == nil || k.Y == nil {
			return errors.New("ssh: unsupported or incomplete ECDSA key")
		}
		have, err := k.PublicKey.Bytes() // checks that the point is on the curve
		if err != nil {
			return errors.New("ssh: ECDSA public key is not on its curve")
		}
		derive = func() error {
			d, err := k.Bytes() // checks that D is in range
			if err != nil {
				return errors.New("ssh: ECDSA private key out of range")
			}
			derived, err := ecdsa.ParseRawPrivateKey(k.Curve, d)
			if err != nil {
				return errors.New("ssh: ECDSA private key out of range")
			}
			if want, err := derived.PublicKey.Bytes(); err != nil || !bytes.Equal(want, have) {
				return errors.New("ssh: ECDSA private key does not match its public key")
			}
			return nil
		}
	case *rsa.PrivateKey:
		if k.N == nil || k.N.BitLen() > maxRSABits {
			return fmt.Errorf("ssh: RSA keys over %d bits are not supported", maxRSABits)
		}
		derive = func() error {
			if err := k.Validate(); err != nil {
				return errors.New("ssh: RSA private key is inconsistent")
			}
			return nil
		}
	case *dsa.PrivateKey:
		if err := checkDSAParams(k.P, k.Q, k.G, k.Y); err != nil {
			return err
		}
		pub = (*dsaPublicKey)(&k.PublicKey)
		derive = func() error { return checkDSAPrivate(k) }
	default:
		return fmt.Errorf("ssh: unsupported private key type %T", raw)
	}
	if pub == nil {
		var err error
		if pub, err = ssh.NewPublicKey(raw.(crypto.Signer).Public()); err != nil {
			return err
		}
	}
	blob := pub.Marshal()
	for _, s := range stated {
		if !bytes.Equal(s, blob) {
			return errors.New("ssh: the public key stored in the file does not match the private key")
		}
	}
	return derive()
}

// LoadPrivateKeyFile reads and parses a private key file (see ParsePrivateKey).
// A file that cannot be read is KindIO. It reads at most MaxPrivateKeySize
// bytes and one more, so that a huge file or a device is refused (KindKey)
// without being read to its end.
func LoadPrivateKeyFile(path, passphrase string) (*Key, error) {
	f, err := os.Open(path)
	if err != nil {
		cause, reason := fileError(err)
		return nil, newError(KindIO, cause, "cannot read key file %s: %s", ShowPath(path), reason)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxPrivateKeySize+1))
	f.Close()
	if err != nil {
		cause, reason := fileError(err)
		return nil, newError(KindIO, cause, "cannot read key file %s: %s", ShowPath(path), reason)
	}
	k, err := ParsePrivateKey(data, passphrase)
	if err != nil {
		e := AsError(err)
		e.Msg = ShowPath(path) + ": " + e.Msg
		return nil, e
	}
	return k, nil
}

// ParsePublicKey parses "type base64 [comment]" (authorized_keys form) as a Key,
// including "ssh-dss" keys. A certificate parses as its key plus the
// certificate attached.
func ParsePublicKey(text string) (*Key, error) {
	pk, _, _, _, err := ssh.ParseAuthorizedKey([]byte(text))
	if err != nil {
		// x/crypto no longer knows ssh-dss: read "type base64" ourselves.
		f := strings.Fields(text)
		if len(f) >= 2 && f[0] == keyAlgoDSA {
			if blob, berr := base64.StdEncoding.DecodeString(f[1]); berr == nil {
				return ParsePublicKeyBlob(blob)
			}
		}
		return nil, keyParseError("public", err)
	}
	return publicKeyOrCert(pk), nil
}

// ParsePublicKeyBlob parses a public key in SSH wire format (paramiko's
// PKey(data=blob)), including "ssh-dss".
func ParsePublicKeyBlob(blob []byte) (*Key, error) {
	pk, err := parsePublicBlob(blob)
	if err != nil {
		return nil, keyParseError("public", err)
	}
	return publicKeyOrCert(pk), nil
}

func parsePublicBlob(blob []byte) (ssh.PublicKey, error) {
	pk, err := ssh.ParsePublicKey(blob)
	if err == nil {
		return pk, nil
	}
	var name struct {
		Name string
		Rest []byte `ssh:"rest"`
	}
	if ssh.Unmarshal(blob, &name) == nil && name.Name == keyAlgoDSA {
		dk, rest, derr := parseDSAPublicBlob(name.Rest)
		if derr != nil {
			return nil, derr
		}
		if len(rest) > 0 {
			return nil, errors.New("ssh: trailing junk in public key")
		}
		return dk, nil
	}
	return nil, err
}

// publicKeyOrCert makes a public-only Key; a certificate becomes its
// underlying key with the certificate attached.
func publicKeyOrCert(pk ssh.PublicKey) *Key {
	if c, ok := pk.(*ssh.Certificate); ok {
		return &Key{public: c.Key, cert: c}
	}
	return &Key{public: pk}
}
