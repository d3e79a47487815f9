package core

import (
	"crypto/x509"
	"errors"
	"os"
	"strings"

	"golang.org/x/crypto/ssh"
)

// Key is a private key (with a signer) or a public key alone.
type Key struct {
	signer ssh.Signer
	public ssh.PublicKey
}

// Signer returns the key's signer, or nil for a public-only key.
func (k *Key) Signer() ssh.Signer { return k.signer }

// PublicKey returns the public half.
func (k *Key) PublicKey() ssh.PublicKey { return k.public }

// Type is the SSH key type name, e.g. "ssh-ed25519".
func (k *Key) Type() string { return k.public.Type() }

// PublicText is the key as "type base64", as in authorized_keys without a comment.
func (k *Key) PublicText() string { return PublicKeyText(k.public) }

// Fingerprint is the SHA256 fingerprint as ssh-keygen -l prints it.
func (k *Key) Fingerprint() string { return ssh.FingerprintSHA256(k.public) }

// PublicKeyText formats a public key as "type base64".
func PublicKeyText(pk ssh.PublicKey) string {
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk)))
}

// NewKeyFromSigner wraps an existing signer.
func NewKeyFromSigner(s ssh.Signer) *Key { return &Key{signer: s, public: s.PublicKey()} }

// ParsePrivateKey parses a private key in OpenSSH, PEM (PKCS#1, SEC1) or
// PKCS#8 form. An encrypted key needs passphrase: without one the error is
// KindPasswordRequired; a wrong one or garbage is KindKey.
func ParsePrivateKey(data []byte, passphrase string) (*Key, error) {
	signer, err := ssh.ParsePrivateKey(data)
	var missing *ssh.PassphraseMissingError
	if errors.As(err, &missing) {
		if passphrase == "" {
			return nil, newError(KindPasswordRequired, err, "private key file is encrypted")
		}
		signer, err = ssh.ParsePrivateKeyWithPassphrase(data, []byte(passphrase))
		if err != nil {
			if errors.Is(err, x509.IncorrectPasswordError) || strings.Contains(err.Error(), "decryption password incorrect") {
				return nil, newError(KindKey, err, "cannot decrypt private key: wrong passphrase")
			}
			return nil, newError(KindKey, err, "cannot decrypt private key: %v", err)
		}
	} else if err != nil {
		return nil, newError(KindKey, err, "cannot parse private key: %v", err)
	}
	return NewKeyFromSigner(signer), nil
}

// LoadPrivateKeyFile reads and parses a private key file (see ParsePrivateKey).
// A file that cannot be read is KindIO.
func LoadPrivateKeyFile(path, passphrase string) (*Key, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, newError(KindIO, err, "cannot read key file %s: %v", path, err)
	}
	k, err := ParsePrivateKey(data, passphrase)
	if err != nil {
		e := AsError(err)
		e.Msg = path + ": " + e.Msg
		return nil, e
	}
	return k, nil
}

// ParsePublicKeyText parses "type base64 [comment]" (authorized_keys form).
func ParsePublicKeyText(text string) (*Key, error) {
	pk, _, _, _, err := ssh.ParseAuthorizedKey([]byte(text))
	if err != nil {
		return nil, newError(KindKey, err, "cannot parse public key: %v", err)
	}
	return &Key{public: pk}, nil
}
