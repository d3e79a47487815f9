package core

// Corrupted key files must not load as keys that sign for another key: for
// every key type and file format gossh reads, every single-character
// corruption of the base64 body either fails with a key error or loads a
// key whose signatures verify against the public key the file states.

import (
	"bytes"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/dsa" //nolint:staticcheck // DSA is deprecated; gossh supports it for paramiko parity
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"
)

const b64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// corruptions returns every variant of a PEM file with one character of its
// base64 body replaced by another base64 character (headers, padding and
// the BEGIN/END lines are left alone).
func corruptions(data []byte) [][]byte {
	var out [][]byte
	eachCorruption(data, func(c []byte) { out = append(out, append([]byte(nil), c...)) })
	return out
}

// eachCorruption calls f with each variant corruptions returns, in one
// buffer that f must not keep.
func eachCorruption(data []byte, f func([]byte)) {
	c := append([]byte(nil), data...)
	lines := strings.SplitAfter(string(data), "\n")
	off := 0
	inBody := false
	for _, line := range lines {
		switch {
		case strings.HasPrefix(line, "-----BEGIN"):
			inBody = true
		case strings.HasPrefix(line, "-----END"):
			inBody = false
		case inBody && !strings.Contains(line, ":"):
			for i := 0; i < len(line); i++ {
				j := strings.IndexByte(b64Alphabet, line[i])
				if j < 0 {
					continue
				}
				pos := off + i
				c[pos] = b64Alphabet[(j+1+pos%63)%64]
				f(c)
				c[pos] = data[pos]
			}
		}
		off += len(line)
	}
}

// statedPublicKeys reads, independently of the parsers under test, the
// public keys (SSH wire format) that a key file states beside its private
// key: the OpenSSH format's outer public key; PKCS#1's n and e; SEC1's
// public point; OpenSSL DSA's p, q, g, y; PKCS#8's inner key's, and the
// optional publicKey of a version 2 PKCS#8 (RFC 5958). ok is false when the
// file is too broken to tell; none is stated by PKCS#8 DSA (x only), nor by
// a version 1 PKCS#8 Ed25519 key (the seed only).
func statedPublicKeys(data []byte, pass string) (blobs [][]byte, ok bool) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, false
	}
	der := block.Bytes
	if x509.IsEncryptedPEMBlock(block) { //nolint:staticcheck // legacy PEM encryption under test
		var err error
		if der, err = x509.DecryptPEMBlock(block, []byte(pass)); err != nil { //nolint:staticcheck // as above
			return nil, false
		}
	}
	blob := func(pub any, err error) ([][]byte, bool) {
		if err != nil {
			return nil, false
		}
		if pub == nil {
			return nil, true // SEC1 without its optional public key
		}
		if d, ok := pub.(*dsa.PublicKey); ok {
			return [][]byte{(*dsaPublicKey)(d).Marshal()}, true
		}
		pk, err := ssh.NewPublicKey(pub)
		if err != nil {
			return nil, false
		}
		return [][]byte{pk.Marshal()}, true
	}
	switch block.Type {
	case "OPENSSH PRIVATE KEY":
		if !bytes.HasPrefix(der, []byte(opensshMagic)) {
			return nil, false
		}
		var w opensshOuter
		if ssh.Unmarshal(der[len(opensshMagic):], &w) != nil {
			return nil, false
		}
		if _, err := parsePublicBlob(w.PubKey); err != nil {
			return nil, false
		}
		return [][]byte{w.PubKey}, true
	case "RSA PRIVATE KEY":
		return blob(testPKCS1Public(der))
	case "EC PRIVATE KEY":
		return blob(testSEC1Public(der, nil))
	case "DSA PRIVATE KEY":
		var s opensslDSAKey
		if _, err := asn1.Unmarshal(der, &s); err != nil {
			return nil, false
		}
		return blob(&dsa.PublicKey{Parameters: dsa.Parameters{P: s.P, Q: s.Q, G: s.G}, Y: s.Y}, nil)
	case "ENCRYPTED PRIVATE KEY":
		var err error
		if der, err = decryptPKCS8(der, []byte(pass)); err != nil {
			return nil, false
		}
		fallthrough
	case "PRIVATE KEY":
		var p8 struct {
			Version    int
			Algo       pkix.AlgorithmIdentifier
			PrivateKey []byte
			Attributes asn1.RawValue  `asn1:"optional,tag:0"`
			PublicKey  asn1.BitString `asn1:"optional,tag:1"`
		}
		if _, err := asn1.Unmarshal(der, &p8); err != nil {
			return nil, false
		}
		switch {
		case p8.Algo.Algorithm.Equal(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}):
			return blob(testPKCS1Public(p8.PrivateKey))
		case p8.Algo.Algorithm.Equal(asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}):
			var oid asn1.ObjectIdentifier
			if _, err := asn1.Unmarshal(p8.Algo.Parameters.FullBytes, &oid); err != nil {
				return nil, false
			}
			return blob(testSEC1Public(p8.PrivateKey, oid))
		case p8.Algo.Algorithm.Equal(asn1.ObjectIdentifier{1, 3, 101, 112}):
			if len(p8.PublicKey.Bytes) == 0 {
				return nil, true
			}
			return blob(ed25519.PublicKey(p8.PublicKey.Bytes), nil)
		case p8.Algo.Algorithm.Equal(oidDSA):
			return nil, true
		}
	}
	return nil, false
}

func testPKCS1Public(der []byte) (any, error) {
	var k struct {
		Version int
		N       *big.Int
		E       int
		Rest    asn1.RawValue
	}
	if _, err := asn1.Unmarshal(der, &k); err != nil {
		return nil, err
	}
	return &rsa.PublicKey{N: k.N, E: k.E}, nil
}

var testCurves = map[string]elliptic.Curve{
	"1.2.840.10045.3.1.7": elliptic.P256(), "1.3.132.0.34": elliptic.P384(), "1.3.132.0.35": elliptic.P521(),
}

func testSEC1Public(der []byte, oid asn1.ObjectIdentifier) (any, error) {
	var k struct {
		Version    int
		PrivateKey []byte
		Curve      asn1.ObjectIdentifier `asn1:"optional,explicit,tag:0"`
		PublicKey  asn1.BitString        `asn1:"optional,explicit,tag:1"`
	}
	if _, err := asn1.Unmarshal(der, &k); err != nil {
		return nil, err
	}
	if oid == nil {
		oid = k.Curve
	}
	curve := testCurves[oid.String()]
	if curve == nil {
		return nil, fmt.Errorf("unknown curve")
	}
	if len(k.PublicKey.Bytes) == 0 {
		return nil, nil
	}
	return ecdsa.ParseUncompressedPublicKey(curve, k.PublicKey.Bytes)
}

// testPKCS8DSA writes an unencrypted PKCS#8 DSA key as OpenSSL does.
func testPKCS8DSA(t testing.TB, k *dsa.PrivateKey) []byte {
	params, err := asn1.Marshal(struct{ P, Q, G *big.Int }{k.P, k.Q, k.G})
	if err != nil {
		t.Fatal(err)
	}
	x, _ := asn1.Marshal(k.X)
	der, err := asn1.Marshal(struct {
		Version    int
		Algo       pkix.AlgorithmIdentifier
		PrivateKey []byte
	}{0, pkix.AlgorithmIdentifier{Algorithm: oidDSA, Parameters: asn1.RawValue{FullBytes: params}}, x})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// testPKCS8v2Ed25519 writes a version 2 PKCS#8 (RFC 5958 OneAsymmetricKey)
// Ed25519 key that carries its public key.
func testPKCS8v2Ed25519(t testing.TB, k ed25519.PrivateKey) []byte {
	seed, _ := asn1.Marshal(k.Seed())
	der, err := asn1.Marshal(struct {
		Version    int
		Algo       pkix.AlgorithmIdentifier
		PrivateKey []byte
		PublicKey  asn1.BitString `asn1:"tag:1"`
	}{1, pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 3, 101, 112}}, seed,
		asn1.BitString{Bytes: k[32:], BitLength: 256}})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// testEncryptPKCS8 wraps a PKCS#8 DER as an "ENCRYPTED PRIVATE KEY" (PBES2:
// PBKDF2-HMAC-SHA256 with the given iterations, AES-256-CBC), as OpenSSL
// writes it.
func testEncryptPKCS8(t testing.TB, der []byte, pass string, iterations int) []byte {
	return testEncryptPKCS8Declaring(t, der, pass, iterations, iterations)
}

// testEncryptPKCS8Declaring is testEncryptPKCS8 with the file stating
// another iteration count than the one used (so that a test can make a file
// that asks for a costly KDF without running it).
func testEncryptPKCS8Declaring(t testing.TB, der []byte, pass string, iterations, declared int) []byte {
	salt, iv := make([]byte, 16), make([]byte, 16)
	rand.Read(salt)
	rand.Read(iv)
	key, err := pbkdf2.Key(sha256.New, pass, salt, iterations, 32)
	if err != nil {
		t.Fatal(err)
	}
	pad := 16 - len(der)%16
	plain := append(append([]byte(nil), der...), bytes.Repeat([]byte{byte(pad)}, pad)...)
	c, _ := aes.NewCipher(key)
	enc := make([]byte, len(plain))
	cipher.NewCBCEncrypter(c, iv).CryptBlocks(enc, plain)
	kdfParams, _ := asn1.Marshal(struct {
		Salt       []byte
		Iterations int
		PRF        pkix.AlgorithmIdentifier
	}{salt, declared, pkix.AlgorithmIdentifier{Algorithm: oidHMACSHA256, Parameters: asn1.NullRawValue}})
	ivDER, _ := asn1.Marshal(iv)
	pbes2, _ := asn1.Marshal(struct {
		KDF pkix.AlgorithmIdentifier
		Enc pkix.AlgorithmIdentifier
	}{pkix.AlgorithmIdentifier{Algorithm: oidPBKDF2, Parameters: asn1.RawValue{FullBytes: kdfParams}},
		pkix.AlgorithmIdentifier{Algorithm: oidAES256CBC, Parameters: asn1.RawValue{FullBytes: ivDER}}})
	out, err := asn1.Marshal(struct {
		Algo pkix.AlgorithmIdentifier
		Data []byte
	}{pkix.AlgorithmIdentifier{Algorithm: oidPBES2, Parameters: asn1.RawValue{FullBytes: pbes2}}, enc})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// fastOpenSSHKDF replaces opensshKDF for the duration of a test: while
// keys are written it runs the real bcrypt and remembers each result; once
// the returned function has been called, inputs it has not seen (a
// corrupted salt or rounds) get a SHA-512 stand-in, as unrelated to the
// right key as bcrypt's output would be, without bcrypt's cost (115 ms a
// round under -race).
func fastOpenSSHKDF(t *testing.T) (doneWriting func()) {
	var mu sync.Mutex
	seen := map[string][]byte{}
	real := opensshKDF
	writing := true
	opensshKDF = func(password, salt []byte, rounds, keyLen int) ([]byte, error) {
		id := fmt.Sprintf("%x|%x|%d|%d", password, salt, rounds, keyLen)
		mu.Lock()
		defer mu.Unlock()
		if k, ok := seen[id]; ok {
			return append([]byte(nil), k...), nil
		}
		if writing {
			k, err := real(password, salt, rounds, keyLen)
			if err == nil {
				seen[id] = append([]byte(nil), k...)
			}
			return k, err
		}
		if rounds < 1 || len(password) == 0 || keyLen > sha512.Size {
			return real(password, salt, rounds, keyLen)
		}
		h := sha512.Sum512([]byte(id))
		return h[:keyLen], nil
	}
	t.Cleanup(func() { opensshKDF = real })
	return func() {
		mu.Lock()
		writing = false
		mu.Unlock()
	}
}

type integrityCase struct {
	name string
	data []byte
	pass string
}

// integrityCases writes one key of each type in every format gossh reads.
func integrityCases(t *testing.T) []integrityCase {
	const pass = "pw"
	var cases []integrityCase
	add := func(name string, b *pem.Block, p string) {
		cases = append(cases, integrityCase{name, pem.EncodeToMemory(b), p})
	}
	rk, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	_, edk, _ := ed25519.GenerateKey(rand.Reader)
	keys := []struct {
		name string
		raw  crypto.PrivateKey
	}{{"ed25519", edk}, {"rsa1024", rk}, {"dsa", testDSAKey(t)}}
	for _, c := range []elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()} {
		ek, _ := ecdsa.GenerateKey(c, rand.Reader)
		keys = append(keys, struct {
			name string
			raw  crypto.PrivateKey
		}{"ecdsa" + c.Params().Name[2:], ek})
	}
	for _, k := range keys {
		b, err := marshalOpenSSH(k.raw, "comment", nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		add(k.name+"/openssh", b, "")
		if b, err = marshalOpenSSH(k.raw, "comment", []byte(pass), 1); err != nil {
			t.Fatal(err)
		}
		add(k.name+"/openssh-bcrypt1", b, pass)

		var pemType string
		var pemDER, p8 []byte
		switch raw := k.raw.(type) {
		case *rsa.PrivateKey:
			pemType, pemDER = "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(raw)
		case *ecdsa.PrivateKey:
			pemType = "EC PRIVATE KEY"
			if pemDER, err = x509.MarshalECPrivateKey(raw); err != nil {
				t.Fatal(err)
			}
		case *dsa.PrivateKey:
			b, _ := marshalPEMDSA(raw)
			pemType, pemDER = b.Type, b.Bytes
			p8 = testPKCS8DSA(t, raw)
		case ed25519.PrivateKey:
			v2 := testPKCS8v2Ed25519(t, raw)
			add(k.name+"/pkcs8v2", &pem.Block{Type: "PRIVATE KEY", Bytes: v2}, "")
			add(k.name+"/pkcs8v2-pbkdf2", &pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: testEncryptPKCS8(t, v2, pass, 1)}, pass)
		}
		if pemType != "" {
			add(k.name+"/pem", &pem.Block{Type: pemType, Bytes: pemDER}, "")
			eb, err := x509.EncryptPEMBlock(rand.Reader, pemType, pemDER, []byte(pass), x509.PEMCipherAES128) //nolint:staticcheck // legacy PEM encryption is what ssh-keygen -m PEM writes
			if err != nil {
				t.Fatal(err)
			}
			add(k.name+"/pem-aes128", eb, pass)
		}
		if p8 == nil {
			if p8, err = x509.MarshalPKCS8PrivateKey(k.raw); err != nil {
				t.Fatal(err)
			}
		}
		add(k.name+"/pkcs8", &pem.Block{Type: "PRIVATE KEY", Bytes: p8}, "")
		add(k.name+"/pkcs8-pbkdf2", &pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: testEncryptPKCS8(t, p8, pass, 1)}, pass)
	}
	return cases
}

var (
	testDSAOnce sync.Once
	testDSA     *dsa.PrivateKey
	testDSAErr  error
)

// testDSAKey is one DSA key for the whole run (making parameters is slow).
func testDSAKey(t testing.TB) *dsa.PrivateKey {
	testDSAOnce.Do(func() {
		k := new(dsa.PrivateKey)
		if testDSAErr = dsa.GenerateParameters(&k.Parameters, rand.Reader, dsa.L1024N160); testDSAErr == nil {
			testDSAErr = dsa.GenerateKey(k, rand.Reader)
		}
		testDSA = k
	})
	if testDSAErr != nil {
		t.Fatal(testDSAErr)
	}
	return testDSA
}

func TestCorruptedKeysDoNotLoad(t *testing.T) {
	doneWriting := fastOpenSSHKDF(t)
	cases := integrityCases(t)
	doneWriting()
	msg := []byte("data to sign")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			orig, err := ParsePrivateKey(c.data, c.pass)
			if err != nil {
				t.Fatalf("the uncorrupted key does not load: %v", err)
			}
			if stated, ok := statedPublicKeys(c.data, c.pass); !ok {
				t.Fatal("cannot read the uncorrupted key's public key")
			} else {
				for _, s := range stated {
					if !bytes.Equal(s, orig.Blob()) {
						t.Fatal("the uncorrupted key's stated public key is not its own")
					}
				}
			}
			var n, refused, loaded, other, bad int
			eachCorruption(c.data, func(data []byte) {
				n++
				k, err := ParsePrivateKey(data, c.pass)
				if err != nil {
					if kd := KindOf(err); kd != KindKey && kd != KindPasswordRequired {
						t.Errorf("error of kind %v: %v", kd, err)
					}
					refused++
					return
				}
				loaded++
				if !bytes.Equal(k.Blob(), orig.Blob()) {
					other++
				}
				sig, err := k.Sign(msg, "")
				if err != nil {
					t.Errorf("a loaded key cannot sign: %v", err)
					bad++
					return
				}
				stated, ok := statedPublicKeys(data, c.pass)
				if !ok {
					bad++
					return
				}
				if len(stated) == 0 {
					stated = [][]byte{k.Blob()} // the format carries no public key: the key's own
				}
				for _, s := range stated {
					pk, err := ParsePublicKeyBlob(s)
					if err != nil || pk.Verify(msg, sig) != nil {
						bad++
						break
					}
				}
			})
			t.Logf("%-26s %4d corruptions: %4d refused, %4d loaded (%d as another key), %d loaded but sign for another key",
				c.name, n, refused, loaded, other, bad)
			if bad > 0 {
				t.Errorf("%d of %d corrupted files loaded as keys whose signatures fail against the file's public key", bad, n)
			}
		})
	}
}

// withBcryptRounds rewrites the bcrypt rounds an encrypted OpenSSH key file
// states (without re-encrypting it).
func withBcryptRounds(t *testing.T, data []byte, rounds uint32) []byte {
	block, _ := pem.Decode(data)
	var w opensshOuter
	if err := ssh.Unmarshal(block.Bytes[len(opensshMagic):], &w); err != nil {
		t.Fatal(err)
	}
	var opts struct {
		Salt   string
		Rounds uint32
	}
	if err := ssh.Unmarshal([]byte(w.KdfOpts), &opts); err != nil {
		t.Fatal(err)
	}
	opts.Rounds = rounds
	w.KdfOpts = string(ssh.Marshal(opts))
	block.Bytes = append([]byte(opensshMagic), ssh.Marshal(w)...)
	return pem.EncodeToMemory(block)
}

// The work a key file (or a generate call) can demand is bounded, and a
// file over a bound fails with a key error naming it, before any KDF runs.
func TestKeyWorkIsBounded(t *testing.T) {
	var kdfRounds []int
	real := opensshKDF
	opensshKDF = func(password, salt []byte, rounds, keyLen int) ([]byte, error) {
		kdfRounds = append(kdfRounds, rounds)
		if rounds > 1 {
			return make([]byte, keyLen), nil // a wrong key, without bcrypt's cost
		}
		return real(password, salt, rounds, keyLen)
	}
	t.Cleanup(func() { opensshKDF = real })
	wantLimit := func(err error, kind Kind, limit int) {
		t.Helper()
		wantKind(t, err, kind)
		if err != nil && !strings.Contains(err.Error(), strconv.Itoa(limit)) {
			t.Fatalf("the error does not name the limit %d: %v", limit, err)
		}
		if testing.Verbose() && err != nil {
			t.Log(err)
		}
	}

	// bcrypt rounds in an OpenSSH key.
	_, edk, _ := ed25519.GenerateKey(rand.Reader)
	b, err := marshalOpenSSH(edk, "", []byte("pw"), 1)
	if err != nil {
		t.Fatal(err)
	}
	enc := pem.EncodeToMemory(b)
	kdfRounds = nil
	for _, rounds := range []uint32{MaxBcryptRounds + 1, 2048, 1 << 31, 1<<32 - 1} {
		for _, pass := range []string{"pw", ""} {
			_, err := ParsePrivateKey(withBcryptRounds(t, enc, rounds), pass)
			wantLimit(err, KindKey, MaxBcryptRounds)
		}
	}
	if len(kdfRounds) != 0 {
		t.Fatalf("the KDF ran for a file over the limit: %v", kdfRounds)
	}
	// At the limit the file is read (here the KDF stand-in gives a wrong key).
	_, err = ParsePrivateKey(withBcryptRounds(t, enc, MaxBcryptRounds), "pw")
	wantKind(t, err, KindKey)
	if len(kdfRounds) != 1 || kdfRounds[0] != MaxBcryptRounds {
		t.Fatalf("KDF runs %v, want one of %d rounds", kdfRounds, MaxBcryptRounds)
	}
	if _, err := ParsePrivateKey(enc, "pw"); err != nil {
		t.Fatal(err)
	}

	// PBKDF2 iterations in an encrypted PKCS#8 key: a file over the limit
	// that was really encrypted with 1 iteration. Were the limit not
	// checked first, PBKDF2 would run (seconds) and report a wrong
	// passphrase instead.
	p8, err := x509.MarshalPKCS8PrivateKey(edk)
	if err != nil {
		t.Fatal(err)
	}
	for _, iter := range []int{MaxPBKDF2Iterations + 1, 1 << 40} {
		data := pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY",
			Bytes: testEncryptPKCS8Declaring(t, p8, "pw", 1, iter)})
		for _, pass := range []string{"pw", ""} {
			_, err := ParsePrivateKey(data, pass)
			wantLimit(err, KindKey, MaxPBKDF2Iterations)
		}
	}
	data := pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: testEncryptPKCS8(t, p8, "pw", 3)})
	if _, err := ParsePrivateKey(data, "pw"); err != nil {
		t.Fatal(err)
	}

	// RSA: generation up to MaxRSAGenerateBits; parsing up to 16384 bits,
	// refused before any arithmetic on a larger modulus.
	for _, bits := range []int{MaxRSAGenerateBits + 1, 16384, 1 << 20} {
		_, err := GenerateKey("rsa", bits)
		wantLimit(err, KindInvalid, MaxRSAGenerateBits)
	}
	huge := new(big.Int).Lsh(big.NewInt(1), 20000)
	der, err := asn1.Marshal(struct {
		Version               int
		N                     *big.Int
		E                     int
		D, P, Q, Dp, Dq, Qinv *big.Int
	}{0, huge, 65537, huge, huge, huge, huge, huge, huge})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ParsePrivateKey(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: der}), "")
	wantLimit(err, KindKey, maxRSABits)

	// Size: a file over MaxPrivateKeySize is not a key, and is not read to
	// its end.
	oversized := append([]byte("-----BEGIN OPENSSH PRIVATE KEY-----\n"), bytes.Repeat([]byte("AAAA"), MaxPrivateKeySize/4)...)
	_, err = ParsePrivateKey(oversized, "")
	wantLimit(err, KindKey, MaxPrivateKeySize)
	_, err = LoadPrivateKeyFile("/dev/zero", "")
	wantLimit(err, KindKey, MaxPrivateKeySize)
}
