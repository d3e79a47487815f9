// Key: a private or public key, optionally with a certificate, and what
// can be done with it (sign, verify, fingerprints, write, certificates).

package core

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
)

// Key is a private key (with a signer) or a public key alone, optionally
// with an OpenSSH certificate attached (LoadCertificate). A Key is safe for
// concurrent use.
type Key struct {
	signer ssh.Signer        // nil for a public-only key; never the cert signer
	public ssh.PublicKey     // the plain public key (never the certificate)
	raw    crypto.PrivateKey // *rsa.PrivateKey, *ecdsa.PrivateKey, ed25519.PrivateKey or *dsa.PrivateKey

	mu         sync.RWMutex
	cert       *ssh.Certificate
	certSigner ssh.Signer
}

// Signer returns the signer used to authenticate: the certificate signer
// when a certificate is attached, else the key's own signer; nil for a
// public-only key.
func (k *Key) Signer() ssh.Signer {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if k.certSigner != nil {
		return k.certSigner
	}
	return k.signer
}

// PublicKey returns the public half (never the certificate).
func (k *Key) PublicKey() ssh.PublicKey { return k.public }

// Type is the SSH key type name, e.g. "ssh-ed25519".
func (k *Key) Type() string { return k.public.Type() }

// PublicText is the key as "type base64", as in authorized_keys without a comment.
func (k *Key) PublicText() string { return PublicKeyText(k.public) }

// Fingerprint is the SHA256 fingerprint as ssh-keygen -l prints it.
func (k *Key) Fingerprint() string { return ssh.FingerprintSHA256(k.public) }

// CanSign reports whether the private half is present.
func (k *Key) CanSign() bool { return k.signer != nil }

// Blob is the public key in SSH wire format (paramiko's asbytes()).
func (k *Key) Blob() []byte { return k.public.Marshal() }

// MD5 is the MD5 digest of the public blob (paramiko's get_fingerprint()).
func (k *Key) MD5() []byte {
	sum := md5.Sum(k.public.Marshal())
	return sum[:]
}

// Bits is the key size as paramiko's get_bits(): the RSA modulus bits, the
// ECDSA curve bits, 256 for Ed25519, the DSA p bits; 0 if unknown.
func (k *Key) Bits() int {
	switch p := k.public.(type) {
	case *dsaPublicKey:
		return p.P.BitLen()
	case ssh.CryptoPublicKey:
		switch c := p.CryptoPublicKey().(type) {
		case *rsa.PublicKey:
			return c.N.BitLen()
		case *ecdsa.PublicKey:
			return c.Curve.Params().BitSize
		case ed25519.PublicKey:
			return 256
		}
	}
	return 0
}

// Sign signs data and returns the SSH signature blob as it travels on the
// wire: string format, string signature (paramiko's sign_ssh_data returns
// the same bytes wrapped in a Message). algorithm "" picks the key's type,
// except for RSA, where it picks "rsa-sha2-512" (paramiko's default is the
// SHA-1 "ssh-rsa", which OpenSSH no longer accepts); for RSA "ssh-rsa",
// "rsa-sha2-256" and "rsa-sha2-512" are accepted. A public-only key or an
// algorithm that does not fit the key is KindKey.
func (k *Key) Sign(data []byte, algorithm string) ([]byte, error) {
	if k.signer == nil {
		return nil, newError(KindKey, nil, "cannot sign: this key has no private half")
	}
	if algorithm == "" {
		algorithm = k.public.Type()
		if algorithm == ssh.KeyAlgoRSA {
			algorithm = ssh.KeyAlgoRSASHA512
		}
	}
	as, ok := k.signer.(ssh.AlgorithmSigner)
	if !ok {
		if algorithm != k.public.Type() {
			return nil, newError(KindKey, nil, "this key signs only with %s", k.public.Type())
		}
		sig, err := k.signer.Sign(rand.Reader, data)
		if err != nil {
			return nil, newError(KindKey, err, "cannot sign: %v", err)
		}
		return ssh.Marshal(sig), nil
	}
	sig, err := as.SignWithAlgorithm(rand.Reader, data, algorithm)
	if err != nil {
		return nil, newError(KindKey, err, "cannot sign with %s: %v", algorithm, err)
	}
	return ssh.Marshal(sig), nil
}

// Verify checks a signature blob (as Sign returns) over data: nil if it is
// valid, KindKey if not (or if sig does not parse).
func (k *Key) Verify(data, sig []byte) error {
	var s ssh.Signature
	if err := ssh.Unmarshal(sig, &s); err != nil {
		return newError(KindKey, err, "signature does not parse: %v", err)
	}
	if err := k.public.Verify(data, &s); err != nil {
		return newError(KindKey, err, "signature is not valid: %v", err)
	}
	return nil
}

// MarshalPrivate returns the private key as an OpenSSH-format PEM file
// ("-----BEGIN OPENSSH PRIVATE KEY-----"), for every key type, encrypted
// with bcrypt and aes256-ctr when passphrase is not empty (as ssh-keygen).
// paramiko writes PEM for RSA/ECDSA/DSA; OpenSSH format is what ssh-keygen
// writes today and what every OpenSSH since 6.5 reads. A public-only key,
// or one made from a bare signer, is KindKey.
func (k *Key) MarshalPrivate(passphrase, comment string) ([]byte, error) {
	if k.raw == nil {
		return nil, newError(KindKey, nil, "cannot write the private key: this key has no private half")
	}
	block, err := marshalOpenSSH(k.raw, comment, []byte(passphrase), defaultBcryptRounds)
	if err != nil {
		return nil, newError(KindKey, err, "cannot write the private key: %v", err)
	}
	return pem.EncodeToMemory(block), nil
}

// WritePrivateFile writes MarshalPrivate's output to path with mode 0600
// (via a temporary file in the same directory and a rename, so that a
// reader never sees half a key). KindIO if the file cannot be written.
func (k *Key) WritePrivateFile(path, passphrase string) error {
	data, err := k.MarshalPrivate(passphrase, "")
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		cause, reason := fileError(err)
		return newError(KindIO, cause, "cannot write %s: %s", ShowPath(path), reason)
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(tmp, 0o600) // CreateTemp makes 0600 already; keep it explicit
	}
	if werr == nil {
		werr = os.Rename(tmp, path)
	}
	if werr != nil {
		os.Remove(tmp)
		cause, reason := fileError(werr)
		return newError(KindIO, cause, "cannot write %s: %s", ShowPath(path), reason)
	}
	return nil
}

// LoadCertificate attaches an OpenSSH certificate (the contents of a
// "-cert.pub" file, or the path of one) to the key. The certificate must be
// for this key. From then on Signer() authenticates with the certificate.
// KindIO if a path cannot be read, KindKey if it is not a certificate or
// not this key's.
func (k *Key) LoadCertificate(pathOrText string) error {
	text := strings.TrimSpace(pathOrText)
	if !looksLikePublicKeyText(text) {
		data, err := os.ReadFile(pathOrText)
		if err != nil {
			cause, reason := fileError(err)
			return newError(KindIO, cause, "cannot read certificate %s: %s", ShowPath(pathOrText), reason)
		}
		text = string(data)
	}
	pk, _, _, _, err := ssh.ParseAuthorizedKey([]byte(text))
	if err != nil {
		return newError(KindKey, err, "cannot parse certificate: %v", err)
	}
	cert, ok := pk.(*ssh.Certificate)
	if !ok {
		return newError(KindKey, nil, "not a certificate: a %s public key", pk.Type())
	}
	if string(cert.Key.Marshal()) != string(k.public.Marshal()) {
		return newError(KindKey, nil, "the certificate is for another key (%s, this key is %s)",
			ssh.FingerprintSHA256(cert.Key), ssh.FingerprintSHA256(k.public))
	}
	var cs ssh.Signer
	if k.signer != nil {
		cs, err = ssh.NewCertSigner(cert, k.signer)
		if err != nil {
			return newError(KindKey, err, "cannot use the certificate: %v", err)
		}
	}
	k.mu.Lock()
	k.cert, k.certSigner = cert, cs
	k.mu.Unlock()
	return nil
}

// Certificate returns the attached certificate, or nil.
func (k *Key) Certificate() *ssh.Certificate {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.cert
}

// CertificateText is the attached certificate as "type base64", or "".
func (k *Key) CertificateText() string {
	if c := k.Certificate(); c != nil {
		return PublicKeyText(c)
	}
	return ""
}

// looksLikePublicKeyText tells key text ("type base64 ...") from a path.
func looksLikePublicKeyText(s string) bool {
	f := strings.Fields(s)
	if len(f) < 2 || strings.ContainsAny(f[0], "/\\") {
		return false
	}
	return strings.HasPrefix(f[0], "ssh-") || strings.HasPrefix(f[0], "ecdsa-") ||
		strings.HasPrefix(f[0], "sk-") || strings.HasPrefix(f[0], "rsa-")
}
