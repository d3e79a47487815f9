package core

// Private key file formats that x/crypto/ssh does not read or write: DSA in
// OpenSSH's "openssh-key-v1" format (plain, or bcrypt + aes256-ctr/cbc), DSA
// in PEM ("DSA PRIVATE KEY", OpenSSL's sequence, optionally with legacy PEM
// encryption), PKCS#8 DSA, and encrypted PKCS#8 (PBES2) for every type. The layout is PROTOCOL.key in
// openssh-portable; x/crypto's parseOpenSSHPrivateKey is the model.

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
	"math/big"

	"golang.org/x/crypto/blowfish"
	"golang.org/x/crypto/ssh"
)

const opensshMagic = "openssh-key-v1\x00"

// maxBcryptRounds caps the KDF rounds read from a file, as x/crypto does:
// the cost is linear in rounds (OpenSSH's default is 16) and a hostile file
// must not tie the caller up.
const maxBcryptRounds = 1 << 11

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

// opensshKeyType returns the key type named in an openssh-key-v1 body's
// public key, or "" if it cannot be read.
func opensshKeyType(body []byte) string {
	if len(body) < len(opensshMagic) || string(body[:len(opensshMagic)]) != opensshMagic {
		return ""
	}
	var w opensshOuter
	if ssh.Unmarshal(body[len(opensshMagic):], &w) != nil {
		return ""
	}
	var name struct {
		Name string
		Rest []byte `ssh:"rest"`
	}
	if ssh.Unmarshal(w.PubKey, &name) != nil {
		return ""
	}
	return name.Name
}

// parseOpenSSHDSA parses an openssh-key-v1 body (the PEM block's bytes)
// holding one "ssh-dss" key.
func parseOpenSSHDSA(body []byte, passphrase []byte) (*dsa.PrivateKey, error) {
	if len(body) < len(opensshMagic) || string(body[:len(opensshMagic)]) != opensshMagic {
		return nil, errors.New("ssh: invalid openssh private key format")
	}
	var w opensshOuter
	if err := ssh.Unmarshal(body[len(opensshMagic):], &w); err != nil {
		return nil, err
	}
	if w.NumKeys != 1 {
		return nil, errors.New("ssh: multi-key files are not supported")
	}
	block := append([]byte(nil), w.PrivKeyBlock...)
	encrypted := w.CipherName != "none" || w.KdfName != "none"
	if encrypted {
		if len(passphrase) == 0 {
			return nil, errNeedPassphrase
		}
		if w.KdfName != "bcrypt" {
			return nil, fmt.Errorf("ssh: unknown KDF %q, only bcrypt is supported", w.KdfName)
		}
		var opts struct {
			Salt   string
			Rounds uint32
		}
		if err := ssh.Unmarshal([]byte(w.KdfOpts), &opts); err != nil {
			return nil, err
		}
		if opts.Rounds > maxBcryptRounds {
			return nil, fmt.Errorf("ssh: bcrypt KDF rounds %d exceed maximum %d", opts.Rounds, maxBcryptRounds)
		}
		k, err := bcryptPBKDF(passphrase, []byte(opts.Salt), int(opts.Rounds), 32+aes.BlockSize)
		if err != nil {
			return nil, err
		}
		c, _ := aes.NewCipher(k[:32])
		switch w.CipherName {
		case "aes256-ctr":
			cipher.NewCTR(c, k[32:]).XORKeyStream(block, block)
		case "aes256-cbc":
			if len(block)%aes.BlockSize != 0 {
				return nil, errors.New("ssh: invalid encrypted private key length")
			}
			cipher.NewCBCDecrypter(c, k[32:]).CryptBlocks(block, block)
		default:
			return nil, fmt.Errorf("ssh: unsupported cipher %q for an encrypted DSA key (aes256-ctr and aes256-cbc are)", w.CipherName)
		}
	} else if w.KdfOpts != "" {
		return nil, errors.New("ssh: invalid openssh private key")
	}
	var inner struct {
		Check1, Check2 uint32
		Keytype        string
		P, Q, G, Y, X  *big.Int
		Comment        string
		Pad            []byte `ssh:"rest"`
	}
	if err := ssh.Unmarshal(block, &inner); err != nil || inner.Check1 != inner.Check2 {
		if encrypted {
			return nil, errBadPassphrase
		}
		return nil, errors.New("ssh: malformed OpenSSH key")
	}
	if inner.Keytype != keyAlgoDSA {
		return nil, fmt.Errorf("ssh: expected an ssh-dss key, found %q", inner.Keytype)
	}
	for i, b := range inner.Pad {
		if int(b) != i+1 {
			return nil, errors.New("ssh: padding not as expected")
		}
	}
	k := &dsa.PrivateKey{PublicKey: dsa.PublicKey{Parameters: dsa.Parameters{P: inner.P, Q: inner.Q, G: inner.G}, Y: inner.Y}, X: inner.X}
	if err := checkDSAPrivate(k); err != nil {
		return nil, err
	}
	return k, nil
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

// opensslDSAKey is OpenSSL's "DSA PRIVATE KEY" sequence.
type opensslDSAKey struct {
	Version       int
	P, Q, G, Y, X *big.Int
}

// parsePEMDSA parses a "DSA PRIVATE KEY" block, decrypting legacy PEM
// encryption (Proc-Type/DEK-Info) with passphrase.
func parsePEMDSA(block *pem.Block, passphrase []byte) (*dsa.PrivateKey, error) {
	der := block.Bytes
	encrypted := x509.IsEncryptedPEMBlock(block) //nolint:staticcheck // legacy PEM encryption is what ssh-keygen -m PEM writes
	if encrypted {
		if len(passphrase) == 0 {
			return nil, errNeedPassphrase
		}
		var err error
		der, err = x509.DecryptPEMBlock(block, passphrase) //nolint:staticcheck // as above
		if err != nil {
			if errors.Is(err, x509.IncorrectPasswordError) {
				return nil, errBadPassphrase
			}
			return nil, err
		}
	}
	var s opensslDSAKey
	rest, err := asn1.Unmarshal(der, &s)
	if err != nil || len(rest) != 0 || s.Version != 0 {
		if encrypted {
			return nil, errBadPassphrase
		}
		if err == nil {
			err = errors.New("trailing data or unknown version")
		}
		return nil, fmt.Errorf("ssh: malformed DSA private key: %v", err)
	}
	k := &dsa.PrivateKey{PublicKey: dsa.PublicKey{Parameters: dsa.Parameters{P: s.P, Q: s.Q, G: s.G}, Y: s.Y}, X: s.X}
	if err := checkDSAPrivate(k); err != nil {
		return nil, err
	}
	return k, nil
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
// algorithm is DSA (x509.ParsePKCS8PrivateKey refuses DSA). It returns
// (nil, nil) if the algorithm is not DSA.
func parsePKCS8DSA(der []byte) (*dsa.PrivateKey, error) {
	var p8 struct {
		Version    int
		Algo       pkix.AlgorithmIdentifier
		PrivateKey []byte
	}
	if _, err := asn1.Unmarshal(der, &p8); err != nil {
		return nil, nil
	}
	if !p8.Algo.Algorithm.Equal(oidDSA) {
		return nil, nil
	}
	var params struct{ P, Q, G *big.Int }
	if rest, err := asn1.Unmarshal(p8.Algo.Parameters.FullBytes, &params); err != nil || len(rest) != 0 {
		return nil, errors.New("ssh: malformed PKCS#8 DSA parameters")
	}
	x := new(big.Int)
	if rest, err := asn1.Unmarshal(p8.PrivateKey, &x); err != nil || len(rest) != 0 {
		return nil, errors.New("ssh: malformed PKCS#8 DSA private value")
	}
	if params.P == nil || params.Q == nil || params.G == nil || params.P.Sign() <= 0 || params.P.BitLen() > 10000 {
		return nil, errors.New("ssh: malformed PKCS#8 DSA parameters")
	}
	if x.Sign() <= 0 || params.Q.Sign() <= 0 || x.Cmp(params.Q) >= 0 || params.G.Sign() <= 0 {
		return nil, errors.New("ssh: PKCS#8 DSA private value out of range")
	}
	y := new(big.Int).Exp(params.G, x, params.P)
	k := &dsa.PrivateKey{PublicKey: dsa.PublicKey{Parameters: dsa.Parameters{P: params.P, Q: params.Q, G: params.G}, Y: y}, X: x}
	if err := checkDSAPrivate(k); err != nil {
		return nil, err
	}
	return k, nil
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

// maxPBKDF2Iterations bounds the work a hostile file can demand (OpenSSL
// writes 2048).
const maxPBKDF2Iterations = 1 << 20

// decryptPKCS8 returns the PKCS#8 DER inside an "ENCRYPTED PRIVATE KEY".
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
	if kdf.Iterations < 1 || kdf.Iterations > maxPBKDF2Iterations {
		return nil, fmt.Errorf("ssh: PBKDF2 iteration count %d out of range", kdf.Iterations)
	}
	var block cipher.Block
	var keyLen int
	newBlock := func(key []byte) (cipher.Block, error) { return aes.NewCipher(key) }
	switch {
	case params.Enc.Algorithm.Equal(oidAES128CBC):
		keyLen = 16
	case params.Enc.Algorithm.Equal(oidAES192CBC):
		keyLen = 24
	case params.Enc.Algorithm.Equal(oidAES256CBC):
		keyLen = 32
	case params.Enc.Algorithm.Equal(oidDESEDE3CBC):
		keyLen = 24
		newBlock = des.NewTripleDESCipher
	default:
		return nil, fmt.Errorf("ssh: PKCS#8 cipher %v is not supported", params.Enc.Algorithm)
	}
	var iv []byte
	if _, err := asn1.Unmarshal(params.Enc.Parameters.FullBytes, &iv); err != nil {
		return nil, errors.New("ssh: malformed PKCS#8 cipher parameters")
	}
	var key []byte
	var err error
	pass := string(passphrase)
	switch prf := kdf.PRF.Algorithm; {
	case len(prf) == 0 || prf.Equal(oidHMACSHA1):
		key, err = pbkdf2.Key(sha1.New, pass, kdf.Salt, kdf.Iterations, keyLen)
	case prf.Equal(oidHMACSHA224):
		key, err = pbkdf2.Key(sha256.New224, pass, kdf.Salt, kdf.Iterations, keyLen)
	case prf.Equal(oidHMACSHA256):
		key, err = pbkdf2.Key(sha256.New, pass, kdf.Salt, kdf.Iterations, keyLen)
	case prf.Equal(oidHMACSHA384):
		key, err = pbkdf2.Key(sha512.New384, pass, kdf.Salt, kdf.Iterations, keyLen)
	case prf.Equal(oidHMACSHA512):
		key, err = pbkdf2.Key(sha512.New, pass, kdf.Salt, kdf.Iterations, keyLen)
	default:
		return nil, fmt.Errorf("ssh: PBKDF2 PRF %v is not supported", prf)
	}
	if err != nil {
		return nil, err
	}
	if block, err = newBlock(key); err != nil {
		return nil, err
	}
	bs := block.BlockSize()
	if len(iv) != bs || len(epki.Data) == 0 || len(epki.Data)%bs != 0 {
		return nil, errors.New("ssh: malformed encrypted PKCS#8 data")
	}
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

// parseEncryptedPKCS8 decrypts and parses an "ENCRYPTED PRIVATE KEY" body.
func parseEncryptedPKCS8(der, passphrase []byte) (crypto.PrivateKey, error) {
	if len(passphrase) == 0 {
		return nil, errNeedPassphrase
	}
	plain, err := decryptPKCS8(der, passphrase)
	if err != nil {
		return nil, err
	}
	if dk, err := parsePKCS8DSA(plain); dk != nil || err != nil {
		return dk, err
	}
	k, err := x509.ParsePKCS8PrivateKey(plain)
	if err != nil {
		// The padding happened to look right but the key is noise.
		return nil, errBadPassphrase
	}
	return k, nil
}
