package core

// DSA ("ssh-dss") keys. x/crypto/ssh dropped DSA entirely (its parsers and
// signers refuse "ssh-dss"), but paramiko still loads DSSKey files, so gossh
// carries the little that is needed here: a public key type, a signer, and
// the file formats in keyformat.go. OpenSSH only ever uses 1024-bit DSA with
// SHA-1 (FIPS 186-2 L1024N160); that is all this supports.

import (
	"crypto/dsa" //nolint:staticcheck // DSA is deprecated; gossh supports it for paramiko parity
	"crypto/sha1"
	"errors"
	"io"
	"math/big"

	"golang.org/x/crypto/ssh"
)

const keyAlgoDSA = "ssh-dss"

// dsaPublicKey is an ssh.PublicKey for "ssh-dss".
type dsaPublicKey dsa.PublicKey

func (k *dsaPublicKey) Type() string { return keyAlgoDSA }

func (k *dsaPublicKey) Marshal() []byte {
	return ssh.Marshal(struct {
		Name       string
		P, Q, G, Y *big.Int
	}{keyAlgoDSA, k.P, k.Q, k.G, k.Y})
}

// Verify checks an "ssh-dss" signature: r and s, 20 bytes each, over SHA-1.
func (k *dsaPublicKey) Verify(data []byte, sig *ssh.Signature) error {
	if sig.Format != keyAlgoDSA {
		return errors.New("ssh: signature type " + sig.Format + " for key type " + keyAlgoDSA)
	}
	if len(sig.Blob) != 40 {
		return errors.New("ssh: DSA signature parse error")
	}
	h := sha1.Sum(data)
	r := new(big.Int).SetBytes(sig.Blob[:20])
	s := new(big.Int).SetBytes(sig.Blob[20:])
	if dsa.Verify((*dsa.PublicKey)(k), h[:], r, s) {
		return nil
	}
	return errors.New("ssh: signature did not verify")
}

// CryptoPublicKey returns the *dsa.PublicKey (ssh.CryptoPublicKey).
func (k *dsaPublicKey) CryptoPublicKey() *dsa.PublicKey { return (*dsa.PublicKey)(k) }

// checkDSAParams refuses parameters that OpenSSH would not accept or that
// would make arithmetic on them slow (hostile input).
func checkDSAParams(p, q, g, y *big.Int) error {
	if err := checkDSADomain(p, q, g); err != nil {
		return err
	}
	if y == nil || y.Sign() <= 0 || y.Cmp(p) >= 0 {
		return errors.New("ssh: DSA public value out of range")
	}
	return nil
}

// checkDSADomain is checkDSAParams for p, q and g: cheap checks of range and
// size, made before any arithmetic on them.
func checkDSADomain(p, q, g *big.Int) error {
	if p == nil || q == nil || g == nil {
		return errors.New("ssh: DSA key is missing a parameter")
	}
	if p.Sign() <= 0 || q.Sign() <= 0 || g.Sign() <= 0 {
		return errors.New("ssh: DSA parameters must be positive")
	}
	if p.BitLen() > 10000 || q.BitLen() > 256 || q.BitLen() < 100 {
		return errors.New("ssh: DSA parameters of an unsupported size")
	}
	if g.Cmp(p) >= 0 || q.Cmp(p) >= 0 {
		return errors.New("ssh: DSA parameters out of range")
	}
	return nil
}

// parseDSAPublicBlob parses the body of an "ssh-dss" blob after its name.
func parseDSAPublicBlob(rest []byte) (*dsaPublicKey, []byte, error) {
	var w struct {
		P, Q, G, Y *big.Int
		Rest       []byte `ssh:"rest"`
	}
	if err := ssh.Unmarshal(rest, &w); err != nil {
		return nil, nil, err
	}
	if err := checkDSAParams(w.P, w.Q, w.G, w.Y); err != nil {
		return nil, nil, err
	}
	return &dsaPublicKey{Parameters: dsa.Parameters{P: w.P, Q: w.Q, G: w.G}, Y: w.Y}, w.Rest, nil
}

// dsaSigner signs with a DSA private key: SHA-1, and r||s as 20 bytes each.
type dsaSigner struct {
	priv *dsa.PrivateKey
	pub  *dsaPublicKey
}

func newDSASigner(priv *dsa.PrivateKey) *dsaSigner {
	return &dsaSigner{priv: priv, pub: (*dsaPublicKey)(&priv.PublicKey)}
}

func (s *dsaSigner) PublicKey() ssh.PublicKey { return s.pub }

func (s *dsaSigner) Sign(rand io.Reader, data []byte) (*ssh.Signature, error) {
	return s.SignWithAlgorithm(rand, data, keyAlgoDSA)
}

func (s *dsaSigner) SignWithAlgorithm(rand io.Reader, data []byte, algorithm string) (*ssh.Signature, error) {
	if algorithm != "" && algorithm != keyAlgoDSA {
		return nil, errors.New("ssh: unsupported signature algorithm " + algorithm + " for key type " + keyAlgoDSA)
	}
	h := sha1.Sum(data)
	r, sv, err := dsa.Sign(rand, s.priv, h[:])
	if err != nil {
		return nil, err
	}
	if r.BitLen() > 160 || sv.BitLen() > 160 {
		return nil, errors.New("ssh: DSA signature does not fit 20 bytes (not a 160-bit q?)")
	}
	blob := make([]byte, 40)
	r.FillBytes(blob[:20])
	sv.FillBytes(blob[20:])
	return &ssh.Signature{Format: keyAlgoDSA, Blob: blob}, nil
}

func (s *dsaSigner) Algorithms() []string { return []string{keyAlgoDSA} }

// checkDSAPrivate checks that the domain parameters make sense (q is a
// prime dividing p-1 (Baillie-PSW: exact below 2^64, with no known
// counterexample above), g has order q) and that x belongs to y (y = g^x mod
// p), so that the key's signatures verify against its public half.
func checkDSAPrivate(k *dsa.PrivateKey) error {
	if err := checkDSAParams(k.P, k.Q, k.G, k.Y); err != nil {
		return err
	}
	one := big.NewInt(1)
	if new(big.Int).Mod(new(big.Int).Sub(k.P, one), k.Q).Sign() != 0 || !k.Q.ProbablyPrime(0) {
		return errors.New("ssh: DSA parameters are inconsistent (q is not a prime factor of p-1)")
	}
	if k.G.Cmp(one) <= 0 || new(big.Int).Exp(k.G, k.Q, k.P).Cmp(one) != 0 {
		return errors.New("ssh: DSA parameters are inconsistent (g is not of order q)")
	}
	if k.X == nil || k.X.Sign() <= 0 || k.X.Cmp(k.Q) >= 0 {
		return errors.New("ssh: DSA private value out of range")
	}
	if new(big.Int).Exp(k.G, k.X, k.P).Cmp(k.Y) != 0 {
		return errors.New("ssh: DSA private key does not match its public key")
	}
	return nil
}
