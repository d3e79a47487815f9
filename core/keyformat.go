package core

// The private key file formats gossh reads: OpenSSH's "openssh-key-v1"
// (plain, or bcrypt + aes256-ctr/cbc; the layout is PROTOCOL.key in
// openssh-portable), PEM ("RSA/EC/DSA PRIVATE KEY", optionally with legacy
// PEM encryption), PKCS#8 and encrypted PKCS#8 (PBES2), for RSA, ECDSA,
// Ed25519 and DSA keys. x/crypto/ssh reads most of these but not DSA, nor
// encrypted PKCS#8, and it takes no note of the public keys a file states
// beside the private one; every parser here returns those, and
// checkPrivateKey (keys.go) compares them with the key.

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/dsa" //nolint:staticcheck // DSA is deprecated; gossh supports it for paramiko parity
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"hash"
	"math/big"

	"golang.org/x/crypto/blowfish"
	"golang.org/x/crypto/ssh"
)

const opensshMagic = "openssh-key-v1\x00"

// MaxBcryptRounds is the most bcrypt KDF rounds gossh accepts in an
// encrypted OpenSSH key. The rounds are chosen by whoever wrote the file and
// the cost is linear in them: about 9-11 ms a round on the machine this was
// measured on (OpenSSH's own ssh-keygen: 8.7 ms), so 512 rounds cost some
// 5 s, and the 2048 that x/crypto allows some 20 s. ssh-keygen writes 16 by
// default and the common advice is -a 100 (about 1 s). A file over the cap
// is refused with a KindKey error naming it, before any KDF work.
const MaxBcryptRounds = 512

// MaxPBKDF2Iterations is the most PBKDF2 iterations gossh accepts in an
// encrypted PKCS#8 key. OpenSSL writes 2048; OWASP's advice for password
// hashes tops out at 1.3 million (HMAC-SHA1). The slowest PRF, HMAC-SHA512,
// cost 0.6 s per million iterations here, so the cap bounds a hostile file
// to some 2.5 s. Over it is a KindKey error naming it, before any KDF work.
const MaxPBKDF2Iterations = 4_000_000

// maxRSABits bounds the RSA modulus of a key that gossh parses (the size
// ssh-keygen allows, and x/crypto's bound), so that checking a hostile key
// stays cheap.
const maxRSABits = 16384

type opensshOuter struct {
	CipherName   string
	KdfName      string
	KdfOpts      string
	NumKeys      uint32
	PubKey       []byte
	PrivKeyBlock []byte
	Rest         []byte `ssh:"rest"`
}

// errNeedPassphrase is returned by the parsers in this file for an
// encrypted key and an empty passphrase; errBadPassphrase for a wrong one.
var (
	errNeedPassphrase = errors.New("private key is encrypted")
	errBadPassphrase  = errors.New("wrong passphrase")
)

// parsePrivateKeyBlock parses a PEM block of any type gossh reads. It
// returns the key and the public keys (SSH wire format) the file states
// beside it, which the caller must compare with the key (checkPrivateKey).
func parsePrivateKeyBlock(block *pem.Block, passphrase []byte) (crypto.PrivateKey, [][]byte, error) {
	switch block.Type {
	case "OPENSSH PRIVATE KEY":
		return parseOpenSSHPrivateKey(block.Bytes, passphrase)
	case "RSA PRIVATE KEY", "EC PRIVATE KEY", "DSA PRIVATE KEY":
		der := block.Bytes
		encrypted := x509.IsEncryptedPEMBlock(block) //nolint:staticcheck // legacy PEM encryption is what ssh-keygen -m PEM writes
		if encrypted {
			if len(passphrase) == 0 {
				return nil, nil, errNeedPassphrase
			}
			var err error
			if der, err = x509.DecryptPEMBlock(block, passphrase); err != nil { //nolint:staticcheck // as above
				if errors.Is(err, x509.IncorrectPasswordError) {
					return nil, nil, errBadPassphrase
				}
				return nil, nil, err
			}
		}
		raw, stated, err := parseTraditionalKey(block.Type, der)
		if err != nil && encrypted {
			// Legacy PEM encryption has no integrity check: a wrong
			// passphrase usually shows up as DER that does not parse.
			return nil, nil, errBadPassphrase
		}
		return raw, stated, err
	case "PRIVATE KEY":
		return parsePKCS8(block.Bytes)
	case "ENCRYPTED PRIVATE KEY":
		if len(passphrase) == 0 {
			// The KDF parameters are checked first all the same, so that a
			// file over the limits says so before a passphrase is asked for.
			if _, err := decryptPKCS8(block.Bytes, nil); err != errNeedPassphrase {
				return nil, nil, err
			}
			return nil, nil, errNeedPassphrase
		}
		plain, err := decryptPKCS8(block.Bytes, passphrase)
		if err != nil {
			return nil, nil, err
		}
		raw, stated, err := parsePKCS8(plain)
		if err != nil {
			// The padding happened to look right but the key is noise.
			return nil, nil, errBadPassphrase
		}
		return raw, stated, nil
	}
	return nil, nil, fmt.Errorf("unsupported PEM block %q", truncate(block.Type, 40))
}

// truncate shortens a string read from a file for an error message.
func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// parseOpenSSHPrivateKey parses an openssh-key-v1 body (the PEM block's
// bytes) holding one key, decrypting it with passphrase if it is
// encrypted. Besides the key it returns the public keys the file states:
// the outer one, and for Ed25519 the inner one too (for the other types the
// inner public fields are the returned key's own).
func parseOpenSSHPrivateKey(body, passphrase []byte) (crypto.PrivateKey, [][]byte, error) {
	if len(body) < len(opensshMagic) || string(body[:len(opensshMagic)]) != opensshMagic {
		return nil, nil, errors.New("ssh: invalid openssh private key format")
	}
	var w opensshOuter
	if err := ssh.Unmarshal(body[len(opensshMagic):], &w); err != nil {
		return nil, nil, err
	}
	if w.NumKeys != 1 {
		return nil, nil, errors.New("ssh: multi-key files are not supported")
	}
	block := append([]byte(nil), w.PrivKeyBlock...)
	encrypted := w.CipherName != "none" || w.KdfName != "none"
	if encrypted {
		if w.KdfName != "bcrypt" {
			return nil, nil, fmt.Errorf("ssh: unknown KDF %q, only bcrypt is supported", truncate(w.KdfName, 40))
		}
		var opts struct {
			Salt   string
			Rounds uint32
		}
		if err := ssh.Unmarshal([]byte(w.KdfOpts), &opts); err != nil {
			return nil, nil, err
		}
		if opts.Rounds > MaxBcryptRounds {
			return nil, nil, newError(KindKey, nil,
				"private key is encrypted with %d bcrypt KDF rounds, over gossh's limit of %d (re-encrypt it with ssh-keygen -p -a 100)",
				opts.Rounds, MaxBcryptRounds)
		}
		if opts.Rounds < 1 || len(opts.Salt) == 0 {
			return nil, nil, errors.New("ssh: invalid bcrypt KDF options")
		}
		if w.CipherName != "aes256-ctr" && w.CipherName != "aes256-cbc" {
			return nil, nil, fmt.Errorf("ssh: unsupported cipher %q for an encrypted key (aes256-ctr and aes256-cbc are)", truncate(w.CipherName, 40))
		}
		if len(block)%aes.BlockSize != 0 {
			return nil, nil, errors.New("ssh: invalid encrypted private key length")
		}
		if len(passphrase) == 0 {
			return nil, nil, errNeedPassphrase
		}
		k, err := opensshKDF(passphrase, []byte(opts.Salt), int(opts.Rounds), 32+aes.BlockSize)
		if err != nil {
			return nil, nil, err
		}
		c, _ := aes.NewCipher(k[:32])
		if w.CipherName == "aes256-ctr" {
			cipher.NewCTR(c, k[32:]).XORKeyStream(block, block)
		} else {
			cipher.NewCBCDecrypter(c, k[32:]).CryptBlocks(block, block)
		}
	} else if w.KdfOpts != "" {
		return nil, nil, errors.New("ssh: invalid openssh private key")
	}
	var inner struct {
		Check1, Check2 uint32
		Keytype        string
		Rest           []byte `ssh:"rest"`
	}
	if err := ssh.Unmarshal(block, &inner); err != nil || inner.Check1 != inner.Check2 {
		if encrypted {
			return nil, nil, errBadPassphrase
		}
		return nil, nil, errors.New("ssh: malformed OpenSSH key (its check numbers differ)")
	}
	stated := [][]byte{w.PubKey}
	var raw crypto.PrivateKey
	var pad []byte
	switch inner.Keytype {
	case ssh.KeyAlgoRSA:
		var k struct {
			N, E, D, Iqmp, P, Q *big.Int
			Comment             string
			Pad                 []byte `ssh:"rest"`
		}
		if err := ssh.Unmarshal(inner.Rest, &k); err != nil {
			return nil, nil, err
		}
		if err := checkRSASize(k.N, k.E, k.P, k.Q); err != nil {
			return nil, nil, err
		}
		rk := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: k.N, E: int(k.E.Int64())}, D: k.D, Primes: []*big.Int{k.P, k.Q}}
		if err := rk.Validate(); err != nil {
			return nil, nil, err
		}
		rk.Precompute()
		// iqmp is the CRT coefficient q^-1 mod p: Go computes its own, but a
		// file whose iqmp is wrong is corrupted all the same.
		if rk.Precomputed.Qinv == nil || k.Iqmp.Cmp(rk.Precomputed.Qinv) != 0 {
			return nil, nil, errors.New("ssh: RSA key's CRT coefficient is wrong")
		}
		raw, pad = rk, k.Pad
	case ssh.KeyAlgoED25519:
		var k struct {
			Pub, Priv []byte
			Comment   string
			Pad       []byte `ssh:"rest"`
		}
		if err := ssh.Unmarshal(inner.Rest, &k); err != nil {
			return nil, nil, err
		}
		if len(k.Pub) != ed25519.PublicKeySize || len(k.Priv) != ed25519.PrivateKeySize {
			return nil, nil, errors.New("ssh: Ed25519 key of the wrong length")
		}
		pub, _ := ssh.NewPublicKey(ed25519.PublicKey(k.Pub))
		stated = append(stated, pub.Marshal())
		raw, pad = ed25519.PrivateKey(append([]byte(nil), k.Priv...)), k.Pad
	case ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521:
		var k struct {
			Curve   string
			Pub     []byte
			D       *big.Int
			Comment string
			Pad     []byte `ssh:"rest"`
		}
		if err := ssh.Unmarshal(inner.Rest, &k); err != nil {
			return nil, nil, err
		}
		var curve elliptic.Curve
		for c, name := range ecdsaCurveNames {
			if "ecdsa-sha2-"+name == inner.Keytype && name == k.Curve {
				curve = c
			}
		}
		if curve == nil {
			return nil, nil, errors.New("ssh: ECDSA key's curve does not match its type")
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(curve, k.Pub)
		if err != nil {
			return nil, nil, errors.New("ssh: ECDSA key's public point is invalid")
		}
		raw, pad = &ecdsa.PrivateKey{PublicKey: *pub, D: k.D}, k.Pad
	case keyAlgoDSA:
		var k struct {
			P, Q, G, Y, X *big.Int
			Comment       string
			Pad           []byte `ssh:"rest"`
		}
		if err := ssh.Unmarshal(inner.Rest, &k); err != nil {
			return nil, nil, err
		}
		raw = &dsa.PrivateKey{PublicKey: dsa.PublicKey{Parameters: dsa.Parameters{P: k.P, Q: k.Q, G: k.G}, Y: k.Y}, X: k.X}
		pad = k.Pad
	default:
		return nil, nil, fmt.Errorf("ssh: unsupported key type %q", truncate(inner.Keytype, 40))
	}
	for i, b := range pad {
		if int(b) != i+1 {
			return nil, nil, errors.New("ssh: padding not as expected")
		}
	}
	return raw, stated, nil
}

// checkRSASize refuses RSA numbers that are out of the range gossh reads
// (before any arithmetic on them, which a hostile size would make slow).
func checkRSASize(n, e, p, q *big.Int) error {
	if n == nil || e == nil || p == nil || q == nil {
		return errors.New("ssh: RSA key is missing a number")
	}
	if n.BitLen() > maxRSABits || p.BitLen() > maxRSABits/2 || q.BitLen() > maxRSABits/2 {
		return fmt.Errorf("ssh: RSA keys over %d bits are not supported", maxRSABits)
	}
	if e.Sign() <= 0 || e.BitLen() > 24 {
		return errors.New("ssh: RSA exponent out of range")
	}
	return nil
}

// checkPKCS1 checks a PKCS#1 RSAPrivateKey before x509 reads it: its shape
// (x509 skips a CRT value whose tag is damaged, and recomputes it), and the
// sizes of its numbers (before any arithmetic on them).
func checkPKCS1(der []byte) error {
	var k struct {
		Version int
		N, E, D *big.Int
		P, Q    *big.Int
	}
	if _, err := asn1.Unmarshal(der, &k); err != nil {
		return errors.New("ssh: malformed RSA private key")
	}
	i := asn1.TagInteger
	els, err := checkSequence(der, i, i, i, i, i, i, i, i, i, -asn1.TagSequence)
	if err != nil {
		return fmt.Errorf("ssh: malformed RSA private key: %v", err)
	}
	if _, multi := els[asn1.TagSequence]; k.Version != 0 && !multi {
		return errors.New("ssh: malformed RSA private key: wrong version")
	}
	return checkRSASize(k.N, k.E, k.P, k.Q)
}

// parseTraditionalKey parses the DER of an "RSA PRIVATE KEY" (PKCS#1), "EC
// PRIVATE KEY" (SEC1) or "DSA PRIVATE KEY" (OpenSSL) block, and returns the
// public keys it states: SEC1's optional public point (PKCS#1 and OpenSSL
// DSA keep their public numbers in the key itself).
func parseTraditionalKey(typ string, der []byte) (crypto.PrivateKey, [][]byte, error) {
	switch typ {
	case "RSA PRIVATE KEY":
		if err := checkPKCS1(der); err != nil {
			return nil, nil, err
		}
		k, err := x509.ParsePKCS1PrivateKey(der)
		return k, nil, err
	case "EC PRIVATE KEY":
		k, err := x509.ParseECPrivateKey(der)
		if err != nil {
			return nil, nil, err
		}
		stated, err := sec1PublicKey(der, k)
		return k, stated, err
	}
	var s opensslDSAKey
	rest, err := asn1.Unmarshal(der, &s)
	if err != nil || len(rest) != 0 || s.Version != 0 {
		if err == nil {
			err = errors.New("trailing data or unknown version")
		}
		return nil, nil, fmt.Errorf("ssh: malformed DSA private key: %v", err)
	}
	return &dsa.PrivateKey{PublicKey: dsa.PublicKey{Parameters: dsa.Parameters{P: s.P, Q: s.Q, G: s.G}, Y: s.Y}, X: s.X}, nil, nil
}

// checkSequence checks the shape of a DER SEQUENCE that encoding/asn1 reads
// leniently (it ignores elements it does not expect, and an optional field
// whose tag is damaged simply goes missing): nothing may follow it, and its
// elements must have the tags in want, in order, each optional one
// (negative) present or not. Context-specific tags are given as 0x80|n. It
// returns the elements found, by tag.
func checkSequence(der []byte, want ...int) (map[int]asn1.RawValue, error) {
	var seq asn1.RawValue
	rest, err := asn1.Unmarshal(der, &seq)
	if err != nil || len(rest) != 0 || seq.Class != asn1.ClassUniversal || seq.Tag != asn1.TagSequence {
		return nil, errors.New("not a DER SEQUENCE")
	}
	found := map[int]asn1.RawValue{}
	body := seq.Bytes
	for _, w := range want {
		optional := w < 0
		if optional {
			w = -w
		}
		var el asn1.RawValue
		if len(body) > 0 {
			if _, err := asn1.Unmarshal(body, &el); err != nil {
				return nil, err
			}
		}
		tag := el.Tag
		if el.Class == asn1.ClassContextSpecific {
			tag |= 0x80
		} else if el.Class != asn1.ClassUniversal {
			tag = -1
		}
		if len(body) > 0 && tag == w {
			body = body[len(el.FullBytes):]
			found[w] = el
		} else if !optional {
			return nil, errors.New("unexpected element")
		}
	}
	if len(body) != 0 {
		return nil, errors.New("unexpected element")
	}
	return found, nil
}

// bitStringBytes reads a whole-byte BIT STRING encoded as der (parsed with
// the given encoding/asn1 params), and nothing after it.
func bitStringBytes(der []byte, params string) ([]byte, error) {
	var bs asn1.BitString
	rest, err := asn1.UnmarshalWithParams(der, &bs, params)
	if err != nil || len(rest) != 0 || bs.BitLength == 0 || bs.BitLength%8 != 0 {
		return nil, errors.New("malformed public key")
	}
	return bs.Bytes, nil
}

// sec1PublicKey returns the public point that a SEC1 ECPrivateKey states
// (none if it has none), as an SSH public key blob on k's curve.
func sec1PublicKey(der []byte, k *ecdsa.PrivateKey) ([][]byte, error) {
	els, err := checkSequence(der, asn1.TagInteger, asn1.TagOctetString, -0x80, -0x81)
	if err != nil {
		return nil, fmt.Errorf("ssh: malformed EC private key: %v", err)
	}
	el, ok := els[0x81]
	if !ok {
		return nil, nil
	}
	point, err := bitStringBytes(el.Bytes, "") // [1] EXPLICIT BIT STRING
	if err != nil {
		return nil, fmt.Errorf("ssh: malformed EC private key: %v", err)
	}
	b, err := statedPublicBlob(k, point)
	if err != nil {
		return nil, err
	}
	return [][]byte{b}, nil
}

// statedPublicBlob turns the public key bytes a file states beside the
// private key raw (an EC point, 32 Ed25519 bytes, a PKCS#1 RSAPublicKey or
// a DSA y) into an SSH public key blob.
func statedPublicBlob(raw crypto.PrivateKey, b []byte) ([]byte, error) {
	var pub any
	switch k := raw.(type) {
	case *ecdsa.PrivateKey:
		if len(b) > 0 && b[0] == 4 {
			p, err := ecdsa.ParseUncompressedPublicKey(k.Curve, b)
			if err != nil {
				return nil, errors.New("ssh: the file's public point is invalid")
			}
			pub = p
		} else {
			x, y := elliptic.UnmarshalCompressed(k.Curve, b)
			if x == nil {
				return nil, errors.New("ssh: the file's public point is invalid")
			}
			pub = &ecdsa.PublicKey{Curve: k.Curve, X: x, Y: y}
		}
	case ed25519.PrivateKey:
		if len(b) != ed25519.PublicKeySize {
			return nil, errors.New("ssh: the file's Ed25519 public key has the wrong length")
		}
		pub = ed25519.PublicKey(b)
	case *rsa.PrivateKey:
		p, err := x509.ParsePKCS1PublicKey(b)
		if err != nil {
			return nil, errors.New("ssh: the file's RSA public key does not parse")
		}
		pub = p
	case *dsa.PrivateKey:
		y := new(big.Int)
		if rest, err := asn1.Unmarshal(b, &y); err != nil || len(rest) != 0 {
			return nil, errors.New("ssh: the file's DSA public key does not parse")
		}
		return (&dsaPublicKey{Parameters: k.Parameters, Y: y}).Marshal(), nil
	default:
		return nil, fmt.Errorf("ssh: unsupported key type %T", raw)
	}
	pk, err := ssh.NewPublicKey(pub)
	if err != nil {
		return nil, err
	}
	return pk.Marshal(), nil
}

// opensslDSAKey is OpenSSL's "DSA PRIVATE KEY" sequence.
type opensslDSAKey struct {
	Version       int
	P, Q, G, Y, X *big.Int
}

// marshalPEMDSA writes k as an unencrypted "DSA PRIVATE KEY" block (used by
// tests to exercise parsePEMDSA on keys not made by ssh-keygen).
func marshalPEMDSA(k *dsa.PrivateKey) (*pem.Block, error) {
	der, err := asn1.Marshal(opensslDSAKey{0, k.P, k.Q, k.G, k.Y, k.X})
	if err != nil {
		return nil, err
	}
	return &pem.Block{Type: "DSA PRIVATE KEY", Bytes: der}, nil
}

var oidDSA = asn1.ObjectIdentifier{1, 2, 840, 10040, 4, 1}

// parsePKCS8DSA parses an unencrypted PKCS#8 "PRIVATE KEY" body whose
// algorithm is DSA (x509.ParsePKCS8PrivateKey refuses DSA). PKCS#8 holds
// only x, so y is computed.
func parsePKCS8DSA(der []byte) (*dsa.PrivateKey, error) {
	var p8 struct {
		Version    int
		Algo       pkix.AlgorithmIdentifier
		PrivateKey []byte
	}
	if _, err := asn1.Unmarshal(der, &p8); err != nil || !p8.Algo.Algorithm.Equal(oidDSA) {
		return nil, errors.New("ssh: malformed PKCS#8 DSA key")
	}
	var params struct{ P, Q, G *big.Int }
	if rest, err := asn1.Unmarshal(p8.Algo.Parameters.FullBytes, &params); err != nil || len(rest) != 0 {
		return nil, errors.New("ssh: malformed PKCS#8 DSA parameters")
	}
	x := new(big.Int)
	if rest, err := asn1.Unmarshal(p8.PrivateKey, &x); err != nil || len(rest) != 0 {
		return nil, errors.New("ssh: malformed PKCS#8 DSA private value")
	}
	if err := checkDSADomain(params.P, params.Q, params.G); err != nil {
		return nil, err
	}
	if x.Sign() <= 0 || x.Cmp(params.Q) >= 0 {
		return nil, errors.New("ssh: PKCS#8 DSA private value out of range")
	}
	y := new(big.Int).Exp(params.G, x, params.P)
	return &dsa.PrivateKey{PublicKey: dsa.PublicKey{Parameters: dsa.Parameters{P: params.P, Q: params.Q, G: params.G}, Y: y}, X: x}, nil
}

var (
	oidRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidECKey = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
)

// parsePKCS8 parses an unencrypted PKCS#8 body (RFC 5208, or RFC 5958's
// version 2 with a public key) and returns the public keys it states: the
// optional publicKey field and, for EC, the inner SEC1 key's public point.
func parsePKCS8(der []byte) (crypto.PrivateKey, [][]byte, error) {
	var p8 struct {
		Version    int
		Algo       pkix.AlgorithmIdentifier
		PrivateKey []byte
	}
	if _, err := asn1.Unmarshal(der, &p8); err != nil {
		return nil, nil, errors.New("ssh: malformed PKCS#8 private key")
	}
	// [0] IMPLICIT attributes, [1] IMPLICIT BIT STRING publicKey (RFC 5958).
	els, err := checkSequence(der, asn1.TagInteger, asn1.TagSequence, asn1.TagOctetString, -0x80, -0x81)
	if err != nil {
		return nil, nil, fmt.Errorf("ssh: malformed PKCS#8 private key: %v", err)
	}
	var raw crypto.PrivateKey
	var stated [][]byte
	switch {
	case p8.Algo.Algorithm.Equal(oidDSA):
		k, err := parsePKCS8DSA(der)
		if err != nil {
			return nil, nil, err
		}
		raw = k
	case p8.Algo.Algorithm.Equal(oidRSA):
		if err := checkPKCS1(p8.PrivateKey); err != nil {
			return nil, nil, err
		}
		fallthrough
	default:
		k, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			return nil, nil, err
		}
		raw = k
		if ek, ok := k.(*ecdsa.PrivateKey); ok && p8.Algo.Algorithm.Equal(oidECKey) {
			if stated, err = sec1PublicKey(p8.PrivateKey, ek); err != nil {
				return nil, nil, err
			}
		}
	}
	if el, ok := els[0x81]; ok {
		pub, err := bitStringBytes(el.FullBytes, "tag:1")
		if err != nil {
			return nil, nil, fmt.Errorf("ssh: malformed PKCS#8 private key: %v", err)
		}
		b, err := statedPublicBlob(raw, pub)
		if err != nil {
			return nil, nil, err
		}
		stated = append(stated, b)
	}
	return raw, stated, nil
}

// defaultBcryptRounds is the bcrypt KDF cost gossh writes encrypted
// OpenSSH keys with: ssh-keygen's default.
const defaultBcryptRounds = 16

// opensshKDF derives the AES key and IV of an encrypted OpenSSH key. It is
// a variable only so that tests that parse thousands of encrypted keys can
// avoid paying for bcrypt each time.
var opensshKDF = bcryptPBKDF

// marshalOpenSSH writes raw (*rsa.PrivateKey, *ecdsa.PrivateKey,
// ed25519.PrivateKey or *dsa.PrivateKey) as an "OPENSSH PRIVATE KEY" PEM
// block, as ssh-keygen does: plain, or when passphrase is set encrypted with
// aes256-ctr under a bcrypt KDF of the given rounds. The layout is
// PROTOCOL.key; the private fields are sshkey_private_serialize's.
func marshalOpenSSH(raw crypto.PrivateKey, comment string, passphrase []byte, rounds int) (*pem.Block, error) {
	var rest []byte
	var pub ssh.PublicKey
	var err error
	switch k := raw.(type) {
	case *rsa.PrivateKey:
		if len(k.Primes) != 2 {
			return nil, errors.New("ssh: only two-prime RSA keys can be written")
		}
		k.Precompute()
		rest = ssh.Marshal(struct {
			N, E, D, Iqmp, P, Q *big.Int
			Comment             string
		}{k.N, big.NewInt(int64(k.E)), k.D, k.Precomputed.Qinv, k.Primes[0], k.Primes[1], comment})
		pub, err = ssh.NewPublicKey(&k.PublicKey)
	case *ecdsa.PrivateKey:
		name, ok := ecdsaCurveNames[k.Curve]
		if !ok {
			return nil, errors.New("ssh: unsupported elliptic curve")
		}
		var point []byte
		if point, err = k.PublicKey.Bytes(); err != nil {
			return nil, err
		}
		rest = ssh.Marshal(struct {
			Curve   string
			Pub     []byte
			D       *big.Int
			Comment string
		}{name, point, k.D, comment})
		pub, err = ssh.NewPublicKey(&k.PublicKey)
	case ed25519.PrivateKey:
		if len(k) != ed25519.PrivateKeySize {
			return nil, errors.New("ssh: invalid Ed25519 private key")
		}
		rest = ssh.Marshal(struct {
			Pub, Priv []byte
			Comment   string
		}{k[ed25519.SeedSize:], k, comment})
		pub, err = ssh.NewPublicKey(k.Public())
	case *dsa.PrivateKey:
		rest = ssh.Marshal(struct {
			P, Q, G, Y, X *big.Int
			Comment       string
		}{k.P, k.Q, k.G, k.Y, k.X, comment})
		pub = (*dsaPublicKey)(&k.PublicKey)
	default:
		return nil, fmt.Errorf("ssh: cannot write a private key of type %T", raw)
	}
	if err != nil {
		return nil, err
	}
	var check [4]byte
	if _, err := rand.Read(check[:]); err != nil {
		return nil, err
	}
	c := binary.BigEndian.Uint32(check[:])
	inner := ssh.Marshal(struct {
		Check1, Check2 uint32
		Keytype        string
		Rest           []byte `ssh:"rest"`
	}{c, c, pub.Type(), rest})
	outer := opensshOuter{CipherName: "none", KdfName: "none", NumKeys: 1, PubKey: pub.Marshal()}
	blockSize := 8
	if len(passphrase) > 0 {
		blockSize = aes.BlockSize
	}
	for i := 1; len(inner)%blockSize != 0; i++ {
		inner = append(inner, byte(i))
	}
	if len(passphrase) > 0 {
		salt := make([]byte, 16)
		if _, err := rand.Read(salt); err != nil {
			return nil, err
		}
		key, err := opensshKDF(passphrase, salt, rounds, 32+aes.BlockSize)
		if err != nil {
			return nil, err
		}
		ciph, _ := aes.NewCipher(key[:32])
		cipher.NewCTR(ciph, key[32:]).XORKeyStream(inner, inner)
		outer.CipherName, outer.KdfName = "aes256-ctr", "bcrypt"
		outer.KdfOpts = string(ssh.Marshal(struct {
			Salt   []byte
			Rounds uint32
		}{salt, uint32(rounds)}))
	}
	outer.PrivKeyBlock = inner
	return &pem.Block{Type: "OPENSSH PRIVATE KEY", Bytes: append([]byte(opensshMagic), ssh.Marshal(outer)...)}, nil
}

// ecdsaCurveNames are the curve names of "ecdsa-sha2-<name>" keys.
var ecdsaCurveNames = map[elliptic.Curve]string{
	elliptic.P256(): "nistp256", elliptic.P384(): "nistp384", elliptic.P521(): "nistp521",
}

// bcryptPBKDF is OpenBSD's bcrypt_pbkdf(3), as OpenSSH uses it to derive the
// key of an encrypted private key. Copied from x/crypto's
// ssh/internal/bcrypt_pbkdf (BSD licence, The Go Authors), which is internal.
func bcryptPBKDF(password, salt []byte, rounds, keyLen int) ([]byte, error) {
	const blockSize = 32
	if rounds < 1 {
		return nil, errors.New("bcrypt_pbkdf: number of rounds is too small")
	}
	if len(password) == 0 {
		return nil, errors.New("bcrypt_pbkdf: empty password")
	}
	if len(salt) == 0 || len(salt) > 1<<20 {
		return nil, errors.New("bcrypt_pbkdf: bad salt length")
	}
	if keyLen > 1024 {
		return nil, errors.New("bcrypt_pbkdf: keyLen is too large")
	}
	numBlocks := (keyLen + blockSize - 1) / blockSize
	key := make([]byte, numBlocks*blockSize)
	h := sha512.New()
	h.Write(password)
	shapass := h.Sum(nil)
	shasalt := make([]byte, 0, sha512.Size)
	cnt, tmp := make([]byte, 4), make([]byte, blockSize)
	for block := 1; block <= numBlocks; block++ {
		h.Reset()
		h.Write(salt)
		cnt[0], cnt[1], cnt[2], cnt[3] = byte(block>>24), byte(block>>16), byte(block>>8), byte(block)
		h.Write(cnt)
		bcryptHash(tmp, shapass, h.Sum(shasalt))
		out := make([]byte, blockSize)
		copy(out, tmp)
		for i := 2; i <= rounds; i++ {
			h.Reset()
			h.Write(tmp)
			bcryptHash(tmp, shapass, h.Sum(shasalt))
			for j := range out {
				out[j] ^= tmp[j]
			}
		}
		for i, v := range out {
			key[i*numBlocks+(block-1)] = v
		}
	}
	return key[:keyLen], nil
}

func bcryptHash(out, shapass, shasalt []byte) {
	c, err := blowfish.NewSaltedCipher(shapass, shasalt)
	if err != nil {
		panic(err) // cannot happen: shapass is 64 bytes
	}
	for i := 0; i < 64; i++ {
		blowfish.ExpandKey(shasalt, c)
		blowfish.ExpandKey(shapass, c)
	}
	copy(out, "OxychromaticBlowfishSwatDynamite")
	for i := 0; i < 32; i += 8 {
		for j := 0; j < 64; j++ {
			c.Encrypt(out[i:i+8], out[i:i+8])
		}
	}
	for i := 0; i < 32; i += 4 {
		out[i+3], out[i+2], out[i+1], out[i] = out[i], out[i+1], out[i+2], out[i+3]
	}
}

// Encrypted PKCS#8 ("ENCRYPTED PRIVATE KEY", RFC 8018 PBES2), as
// `ssh-keygen -m PKCS8 -N pass` writes through OpenSSL: PBKDF2 with
// HMAC-SHA1/224/256/384/512 and AES-128/192/256-CBC or 3DES-CBC.

var (
	oidPBES2      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidHMACSHA1   = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	oidHMACSHA224 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 8}
	oidHMACSHA256 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidHMACSHA384 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 10}
	oidHMACSHA512 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}
	oidAES128CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES192CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}
	oidAES256CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	oidDESEDE3CBC = asn1.ObjectIdentifier{1, 2, 840, 113549, 3, 7}
)

// decryptPKCS8 returns the PKCS#8 DER inside an "ENCRYPTED PRIVATE KEY".
// It checks every parameter before it derives the key, and returns
// errNeedPassphrase only then when passphrase is empty.
func decryptPKCS8(der, passphrase []byte) ([]byte, error) {
	var epki struct {
		Algo pkix.AlgorithmIdentifier
		Data []byte
	}
	if rest, err := asn1.Unmarshal(der, &epki); err != nil || len(rest) != 0 {
		return nil, errors.New("ssh: malformed encrypted PKCS#8 key")
	}
	if !epki.Algo.Algorithm.Equal(oidPBES2) {
		return nil, fmt.Errorf("ssh: encrypted PKCS#8 scheme %v is not supported (only PBES2)", epki.Algo.Algorithm)
	}
	var params struct {
		KDF pkix.AlgorithmIdentifier
		Enc pkix.AlgorithmIdentifier
	}
	if _, err := asn1.Unmarshal(epki.Algo.Parameters.FullBytes, &params); err != nil {
		return nil, errors.New("ssh: malformed PBES2 parameters")
	}
	if !params.KDF.Algorithm.Equal(oidPBKDF2) {
		return nil, fmt.Errorf("ssh: PBES2 key derivation %v is not supported (only PBKDF2)", params.KDF.Algorithm)
	}
	var kdf struct {
		Salt       []byte
		Iterations int
		KeyLength  int                      `asn1:"optional"`
		PRF        pkix.AlgorithmIdentifier `asn1:"optional"`
	}
	if _, err := asn1.Unmarshal(params.KDF.Parameters.FullBytes, &kdf); err != nil {
		return nil, errors.New("ssh: malformed PBKDF2 parameters")
	}
	if kdf.Iterations > MaxPBKDF2Iterations {
		return nil, newError(KindKey, nil,
			"private key is encrypted with %d PBKDF2 iterations, over gossh's limit of %d", kdf.Iterations, MaxPBKDF2Iterations)
	}
	if kdf.Iterations < 1 {
		return nil, errors.New("ssh: PBKDF2 iteration count out of range")
	}
	var keyLen, blockSize int
	newBlock := func(key []byte) (cipher.Block, error) { return aes.NewCipher(key) }
	switch {
	case params.Enc.Algorithm.Equal(oidAES128CBC):
		keyLen, blockSize = 16, aes.BlockSize
	case params.Enc.Algorithm.Equal(oidAES192CBC):
		keyLen, blockSize = 24, aes.BlockSize
	case params.Enc.Algorithm.Equal(oidAES256CBC):
		keyLen, blockSize = 32, aes.BlockSize
	case params.Enc.Algorithm.Equal(oidDESEDE3CBC):
		keyLen, blockSize = 24, des.BlockSize
		newBlock = des.NewTripleDESCipher
	default:
		return nil, fmt.Errorf("ssh: PKCS#8 cipher %v is not supported", params.Enc.Algorithm)
	}
	var iv []byte
	if _, err := asn1.Unmarshal(params.Enc.Parameters.FullBytes, &iv); err != nil {
		return nil, errors.New("ssh: malformed PKCS#8 cipher parameters")
	}
	if len(iv) != blockSize || len(epki.Data) == 0 || len(epki.Data)%blockSize != 0 {
		return nil, errors.New("ssh: malformed encrypted PKCS#8 data")
	}
	var prf func() hash.Hash
	switch alg := kdf.PRF.Algorithm; {
	case len(alg) == 0 || alg.Equal(oidHMACSHA1):
		prf = sha1.New
	case alg.Equal(oidHMACSHA224):
		prf = sha256.New224
	case alg.Equal(oidHMACSHA256):
		prf = sha256.New
	case alg.Equal(oidHMACSHA384):
		prf = sha512.New384
	case alg.Equal(oidHMACSHA512):
		prf = sha512.New
	default:
		return nil, fmt.Errorf("ssh: PBKDF2 PRF %v is not supported", alg)
	}
	if len(passphrase) == 0 {
		return nil, errNeedPassphrase
	}
	key, err := pbkdf2.Key(prf, string(passphrase), kdf.Salt, kdf.Iterations, keyLen)
	if err != nil {
		return nil, err
	}
	block, err := newBlock(key)
	if err != nil {
		return nil, err
	}
	bs := blockSize
	out := make([]byte, len(epki.Data))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, epki.Data)
	// PKCS#7 padding; a wrong passphrase almost always breaks it.
	pad := int(out[len(out)-1])
	if pad < 1 || pad > bs {
		return nil, errBadPassphrase
	}
	for _, b := range out[len(out)-pad:] {
		if int(b) != pad {
			return nil, errBadPassphrase
		}
	}
	return out[:len(out)-pad], nil
}
