package core

// Fuzz targets for the key parsers: whatever the input, they return a key
// or an error, never panic. Seeds are keys of every type and format gossh
// reads, made here (so the corpus needs no files); run with `make fuzz`.

import (
	"bytes"
	"crypto/dsa" //nolint:staticcheck // DSA is deprecated; gossh supports it for paramiko parity
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

// seedDSA is one DSA key for all seeds (parameter generation is slow).
func seedDSA(f *testing.F) *dsa.PrivateKey { return testDSAKey(f) }

type seedKey struct {
	data []byte
	pass string
}

// seedPrivateKeys makes one key of every type and format. Encrypted ones
// come with the right passphrase only where the format's code differs (a
// bcrypt run costs over a second under -race), else with none.
func seedPrivateKeys(f *testing.F) []seedKey {
	var out []seedKey
	pass := ""
	add := func(b *pem.Block, err error) {
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, seedKey{pem.EncodeToMemory(b), pass})
	}
	rk, _ := rsa.GenerateKey(rand.Reader, 1024)
	ek, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, edk, _ := ed25519.GenerateKey(rand.Reader)
	for _, k := range []any{rk, ek, edk} {
		add(ssh.MarshalPrivateKey(k, "c"))
		if _, ok := k.(ed25519.PrivateKey); ok {
			pass = "pw"
		}
		add(ssh.MarshalPrivateKeyWithPassphrase(k, "c", []byte("pw")))
		pass = ""
		der, err := x509.MarshalPKCS8PrivateKey(k)
		add(&pem.Block{Type: "PRIVATE KEY", Bytes: der}, err)
	}
	add(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rk)}, nil)
	ecder, err := x509.MarshalECPrivateKey(ek)
	add(&pem.Block{Type: "EC PRIVATE KEY", Bytes: ecder}, err)
	// An encrypted PKCS#8 key, if ssh-keygen is here to write one (Go has
	// no PBES2 writer).
	if dir, err := os.MkdirTemp("", "gossh-fuzz"); err == nil {
		defer os.RemoveAll(dir)
		p := filepath.Join(dir, "k")
		if exec.Command("ssh-keygen", "-q", "-t", "ecdsa", "-m", "PKCS8", "-N", "pw", "-f", p).Run() == nil {
			if b, err := os.ReadFile(p); err == nil {
				out = append(out, seedKey{b, "pw"})
			}
		}
	}
	dk := seedDSA(f)
	add(marshalOpenSSH(dk, "c", nil, defaultBcryptRounds))
	pass = "pw"
	add(marshalOpenSSH(dk, "c", []byte("pw"), defaultBcryptRounds))
	pass = ""
	add(marshalPEMDSA(dk))
	return out
}

// slowKDF reports whether an openssh-key-v1 body (as PEM text, or the
// block's bytes when raw) asks for more bcrypt rounds than a fuzz input
// should cost. gossh and x/crypto accept up to maxBcryptRounds (2048), at
// about 10 ms a round on a loaded 2-core machine: up to 20 s for one key,
// past the fuzzer's 10 s per-input limit, so such an input is reported as
// a hang although it ends. The target skips inputs above 64 rounds
// (OpenSSH's default is 16).
func slowKDF(data []byte, raw bool) bool {
	body := data
	if !raw {
		block, _ := pem.Decode(data)
		if block == nil || block.Type != "OPENSSH PRIVATE KEY" {
			return false
		}
		body = block.Bytes
	}
	if len(body) < len(opensshMagic) || string(body[:len(opensshMagic)]) != opensshMagic {
		return false
	}
	var w opensshOuter
	var opts struct {
		Salt   string
		Rounds uint32
		Rest   []byte `ssh:"rest"`
	}
	if ssh.Unmarshal(body[len(opensshMagic):], &w) != nil || ssh.Unmarshal([]byte(w.KdfOpts), &opts) != nil {
		return false
	}
	return opts.Rounds > 64
}

func FuzzParsePrivateKey(f *testing.F) {
	for _, s := range seedPrivateKeys(f) {
		f.Add(s.data, s.pass)
	}
	f.Add([]byte("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEA\n-----END OPENSSH PRIVATE KEY-----\n"), "")
	for _, c := range seedCorruptedKeys(f) {
		f.Add(c, "")
	}
	f.Fuzz(func(t *testing.T, data []byte, pass string) {
		if pass != "" && slowKDF(data, false) {
			return
		}
		k, err := ParsePrivateKey(data, pass)
		if err != nil {
			if KindOf(err) != KindKey && KindOf(err) != KindPasswordRequired {
				t.Fatalf("error of kind %v: %v", KindOf(err), err)
			}
			return
		}
		// A key that parsed must work.
		_ = k.Bits()
		sig, err := k.Sign([]byte("x"), "")
		if err != nil {
			t.Fatalf("parsed key cannot sign: %v", err)
		}
		if err := k.Verify([]byte("x"), sig); err != nil {
			t.Fatalf("parsed key's signature does not verify: %v", err)
		}
		// ... and against every public key the file states.
		stated, ok := statedPublicKeys(data, pass)
		if !ok {
			t.Fatal("a key loaded from a file whose public key cannot be read")
		}
		for _, s := range stated {
			pk, err := ParsePublicKeyBlob(s)
			if err != nil || pk.Verify([]byte("x"), sig) != nil {
				t.Fatal("a loaded key signs for another key than the file states")
			}
		}
	})
}

// seedCorruptedKeys returns unencrypted keys with one base64 character
// changed: an Ed25519 OpenSSH key corrupted in its outer public key, its
// seed and the copy of its public key after the seed (three files that
// loaded, and signed for another key, before gossh checked), and each other
// plain seed corrupted at a third and two thirds of its body.
func seedCorruptedKeys(f *testing.F) [][]byte {
	_, edk, _ := ed25519.GenerateKey(rand.Reader)
	b, err := marshalOpenSSH(edk, "c", nil, 0)
	if err != nil {
		f.Fatal(err)
	}
	ed := corruptions(pem.EncodeToMemory(b))
	// Bytes 43-93 of the body are the outer public key blob, 161-192 the
	// seed and 193-224 the public key after it; 4 characters encode 3 bytes.
	out := [][]byte{ed[70*4/3], ed[175*4/3], ed[210*4/3]}
	for _, s := range seedPrivateKeys(f) {
		if s.pass != "" || bytes.Contains(s.data, []byte("ENCRYPTED")) {
			continue
		}
		c := corruptions(s.data)
		out = append(out, c[len(c)/3], c[2*len(c)/3])
	}
	return out
}

// FuzzParseOpenSSH drives gossh's openssh-key-v1 parser directly with the
// body of a PEM block: whatever it returns must pass checkPrivateKey or be
// refused by it, never panic.
func FuzzParseOpenSSH(f *testing.F) {
	dk := seedDSA(f)
	_, edk, _ := ed25519.GenerateKey(rand.Reader)
	for _, k := range []any{dk, edk} {
		for _, pass := range []string{"", "pw"} {
			b, err := marshalOpenSSH(k, "c", []byte(pass), 2)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b.Bytes, pass)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte, pass string) {
		if pass != "" && slowKDF(body, true) {
			return
		}
		raw, stated, err := parseOpenSSHPrivateKey(body, []byte(pass))
		if err == nil {
			_ = checkPrivateKey(raw, stated)
		}
	})
}

func FuzzParsePublicKey(f *testing.F) {
	dk := seedDSA(f)
	rk, _ := rsa.GenerateKey(rand.Reader, 1024)
	ek, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	edpub, _, _ := ed25519.GenerateKey(rand.Reader)
	for _, pub := range []any{&rk.PublicKey, &ek.PublicKey, edpub} {
		pk, err := ssh.NewPublicKey(pub)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(PublicKeyText(pk), pk.Marshal())
	}
	dp := (*dsaPublicKey)(&dk.PublicKey)
	f.Add(PublicKeyText(dp), dp.Marshal())
	// A certificate.
	_, caPriv, _ := ed25519.GenerateKey(rand.Reader)
	ca, _ := ssh.NewSignerFromKey(caPriv)
	userPub, _ := ssh.NewPublicKey(edpub)
	cert := &ssh.Certificate{Key: userPub, Serial: 1, CertType: ssh.UserCert, ValidPrincipals: []string{"u"},
		ValidBefore: ssh.CertTimeInfinity}
	if err := cert.SignCert(rand.Reader, ca); err != nil {
		f.Fatal(err)
	}
	f.Add(PublicKeyText(cert), cert.Marshal())
	f.Add("ssh-dss AAAA", []byte{0, 0, 0, 7, 's', 's', 'h', '-', 'd', 's', 's', 0, 0, 0, 1, 1})
	f.Fuzz(func(t *testing.T, text string, blob []byte) {
		for _, parse := range []func() (*Key, error){
			func() (*Key, error) { return ParsePublicKey(text) },
			func() (*Key, error) { return ParsePublicKeyBlob(blob) },
		} {
			k, err := parse()
			if err != nil {
				if KindOf(err) != KindKey {
					t.Fatalf("error of kind %v: %v", KindOf(err), err)
				}
				continue
			}
			_, _, _ = k.Bits(), k.MD5(), k.Fingerprint()
			_ = k.Verify([]byte("x"), blob)
			if k.CanSign() {
				t.Fatal("a public key can sign")
			}
		}
	})
}

// FuzzLoadCertificate: Key.LoadCertificate with any certificate text
// (mutated certificates, other keys' certificates, plain keys, garbage)
// attaches it only if it is a certificate for this very key, after which
// the key signs with it; on failure it is KindKey and the key keeps the
// certificate it had. It never panics.
func FuzzLoadCertificate(f *testing.F) {
	s := fuzzCerts()
	priv := NewKeyFromSigner(s.hostKey)
	pub := &Key{public: s.hostKey.PublicKey()}
	for _, c := range s.seeds {
		f.Add(c.Marshal(), "")
	}
	f.Add(s.hostKey.PublicKey().Marshal(), "") // a plain key, not a certificate
	f.Add([]byte(nil), "ssh-ed25519-cert-v01@openssh.com AAAA comment")
	f.Add([]byte(nil), "ssh-rsa-cert-v01@openssh.com !!!")
	f.Add([]byte(nil), PublicKeyText(s.seeds[0])+" comment\nsecond line")
	f.Fuzz(func(t *testing.T, blob []byte, text string) {
		var texts []string
		if len(blob) > 0 {
			typ := ssh.CertAlgoED25519v01
			var name struct {
				Name string
				Rest []byte `ssh:"rest"`
			}
			b64 := base64.StdEncoding.EncodeToString(blob)
			if ssh.Unmarshal(blob, &name) == nil && looksLikePublicKeyText(name.Name+" "+b64) {
				typ = name.Name
			}
			texts = append(texts, typ+" "+b64+" fuzz")
		}
		// Anything that does not look like key text is read as a path:
		// keep the fuzzer away from the file system.
		if looksLikePublicKeyText(strings.TrimSpace(text)) {
			texts = append(texts, text)
		}
		for _, txt := range texts {
			for _, k := range []*Key{priv, pub} {
				before := k.Certificate()
				err := k.LoadCertificate(txt)
				if err != nil {
					if KindOf(err) != KindKey {
						t.Fatalf("LoadCertificate: error of kind %v: %v", KindOf(err), err)
					}
					if k.Certificate() != before {
						t.Fatal("a failed LoadCertificate changed the certificate")
					}
					continue
				}
				cert := k.Certificate()
				if cert == nil || !keysEqual(cert.Key, k.PublicKey()) {
					t.Fatal("attached a certificate for another key")
				}
				back, err := ParsePublicKey(k.CertificateText())
				if err != nil || back.Certificate() == nil || !bytes.Equal(back.Certificate().Marshal(), cert.Marshal()) {
					t.Fatalf("the attached certificate does not read back: %v", err)
				}
				if k == pub {
					if k.Signer() != nil {
						t.Fatal("a public key got a signer from a certificate")
					}
					continue
				}
				signer := k.Signer()
				if !bytes.Equal(signer.PublicKey().Marshal(), cert.Marshal()) {
					t.Fatal("the key does not sign with its certificate")
				}
				sig, err := signer.Sign(rand.Reader, []byte("data"))
				if err != nil || k.PublicKey().Verify([]byte("data"), sig) != nil {
					t.Fatalf("signing with the certificate: %v", err)
				}
			}
		}
	})
}
