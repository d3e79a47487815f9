package core

import (
	"crypto/rand"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gossh/gossh/core/sshtest"
)

const fuzzKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIb8dPtBVvG0wkRBqV7eK6yTv7m2g/SmyQQOzq5mE2tu"

// FuzzParseKnownHostsLine: any line parses or fails cleanly; a parsed line
// formats back to a line that parses to the same entry.
func FuzzParseKnownHostsLine(f *testing.F) {
	for _, s := range []string{
		"host " + fuzzKey,
		"host1,host2\t" + fuzzKey + " comment here",
		"[127.0.0.1]:2222 " + fuzzKey,
		"|1|F1E1KeoE/eEWhi10WpGv4OdiO6Y=|3988QV0VE8wmZL7suNrYQLITLCg= " + fuzzKey,
		"@cert-authority *.example.com " + fuzzKey,
		"@revoked * " + fuzzKey,
		"@bogus host " + fuzzKey,
		"*,!bad,?x " + fuzzKey,
		"# comment",
		"",
		"host ssh-ed25519",
		"host ssh-ed25519 !!!",
		"host ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIIb8dPtBVvG0wkRBqV7eK6yTv7m2g/SmyQQOzq5mE2tu",
		", " + fuzzKey,
		"host " + fuzzKey + "\nsecond " + fuzzKey,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		e, err := ParseKnownHostsLine(line)
		if err != nil || e == nil {
			return
		}
		if e.Key == nil || len(e.Patterns) == 0 {
			t.Fatalf("entry without key or patterns from %q", line)
		}
		_ = e.Matches("host")
		_ = e.Matches("[127.0.0.1]:2222")
		fresh := &HostKeyEntry{Marker: e.Marker, Patterns: e.Patterns, Key: e.Key, Comment: e.Comment}
		e2, err := ParseKnownHostsLine(fresh.Line())
		if err != nil || e2 == nil {
			t.Fatalf("%q parsed, but its formatted form %q does not: %v", line, fresh.Line(), err)
		}
		if e2.Marker != e.Marker || strings.Join(e2.Patterns, ",") != strings.Join(e.Patterns, ",") || !keysEqual(e2.Key, e.Key) {
			t.Fatalf("round trip of %q changed the entry", line)
		}
		h := NewHostKeys()
		h.LoadData([]byte(line+"\n"+line), "fuzz", nil)
		_ = h.Text()
		_ = h.Hostnames()
		h.Remove("host")
	})
}

// FuzzHostKeyEntryMatches: pattern matching never panics or runs away, and
// a host always matches its own hash and its literal self.
func FuzzHostKeyEntryMatches(f *testing.F) {
	for _, s := range [][2]string{
		{"*.example.com", "a.example.com"},
		{"host?", "host1"},
		{"*,!bad", "bad"},
		{"[1.2.3.4]:22", "[1.2.3.4]:22"},
		{"|1|salt|hash", "x"},
		{"|1|F1E1KeoE/eEWhi10WpGv4OdiO6Y=|3988QV0VE8wmZL7suNrYQLITLCg=", "localhost"},
		{"a*b*c*d*e*f*g*h*", strings.Repeat("a", 100)},
		{"!", ""},
		{"", ""},
	} {
		f.Add(s[0], s[1])
	}
	key, _, _, _, _ := ssh.ParseAuthorizedKey([]byte(fuzzKey))
	f.Fuzz(func(t *testing.T, patterns, host string) {
		e := &HostKeyEntry{Patterns: strings.Split(patterns, ","), Key: key}
		_ = e.Matches(host)
		if !strings.ContainsAny(host, "*?,!") && !strings.HasPrefix(host, "|") {
			if !(&HostKeyEntry{Patterns: []string{host}, Key: key}).Matches(host) {
				t.Fatalf("%q does not match itself", host)
			}
			if !(&HostKeyEntry{Patterns: []string{HashHostname(host, nil)}, Key: key}).Matches(host) {
				t.Fatalf("%q does not match its hash", host)
			}
		}
	})
}

// fuzzCerts are the CA, host key and certificates the certificate targets
// start from, made once per process.
type fuzzCertSet struct {
	ca, otherCA, hostKey ssh.Signer
	seeds                []*ssh.Certificate
}

var fuzzCerts = sync.OnceValue(func() *fuzzCertSet {
	s := &fuzzCertSet{ca: sshtest.MustNewSigner(), otherCA: sshtest.MustNewSigner(), hostKey: sshtest.MustNewSigner()}
	now := uint64(time.Now().Unix())
	add := func(signer ssh.Signer, c ssh.Certificate) {
		if c.Key == nil {
			c.Key = s.hostKey.PublicKey()
		}
		// Signed by hand: SignCert refuses a certificate without
		// principals, which other CAs issue and OpenSSH accepts.
		c.Nonce = make([]byte, 32)
		_, _ = rand.Read(c.Nonce)
		c.SignatureKey = signer.PublicKey()
		sig, err := signer.Sign(rand.Reader, certSignedBytes(&c))
		if err != nil {
			panic(err)
		}
		c.Signature = sig
		s.seeds = append(s.seeds, &c)
	}
	host := func(principals ...string) ssh.Certificate {
		return ssh.Certificate{CertType: ssh.HostCert, Serial: 1, KeyId: "host", ValidPrincipals: principals,
			ValidAfter: now - 3600, ValidBefore: ssh.CertTimeInfinity}
	}
	add(s.ca, host("host.example.com"))
	add(s.ca, host("HOST.example.COM", "other"))
	add(s.ca, host())                        // no principals: any host
	add(s.ca, host("*.example.com"))         // a pattern is not a principal
	add(s.otherCA, host("host.example.com")) // a revoked CA
	add(s.hostKey, host("host.example.com")) // signed by a key that is no CA
	c := host("host.example.com")
	c.CertType = ssh.UserCert
	add(s.ca, c)
	c = host("host.example.com")
	c.ValidBefore = now - 60 // expired
	add(s.ca, c)
	c = host("host.example.com")
	c.ValidAfter = now + 3600 // not yet valid
	add(s.ca, c)
	c = host("host.example.com")
	c.CriticalOptions = map[string]string{"force-command": "true"}
	add(s.ca, c)
	c = host("host.example.com")
	c.Key = s.otherCA.PublicKey() // the CA's own key, certified
	add(s.ca, c)
	return s
})

// certSignedBytes is what a certificate's signature covers (x/crypto's
// unexported bytesForSigning): the certificate without the signature.
func certSignedBytes(c *ssh.Certificate) []byte {
	c2 := *c
	c2.Signature = nil
	out := c2.Marshal()
	return out[:len(out)-4]
}

// FuzzHostCertificate: any certificate a server may present, for any host
// name, is accepted through a @cert-authority only when OpenSSH's rules
// allow it: a host certificate, signed by a CA listed for the name (the
// signature checked here again, independently), valid now, with no
// critical option, naming the host among its principals or naming none.
// A revoked key or CA always loses; a certificate with no CA that applies
// falls back to its plain key. It never panics.
func FuzzHostCertificate(f *testing.F) {
	s := fuzzCerts()
	for _, c := range s.seeds {
		for _, name := range []string{"host.example.com", "[host.example.com]:2222", "other", "revoked.example.com", "nohost"} {
			f.Add(c.Marshal(), name)
		}
	}
	f.Add(s.hostKey.PublicKey().Marshal(), "host.example.com")
	f.Fuzz(func(t *testing.T, blob []byte, name string) {
		pk, err := ssh.ParsePublicKey(blob)
		if err != nil {
			return
		}
		caText := PublicKeyText(s.ca.PublicKey())
		store := NewHostKeys()
		for _, line := range []string{
			"@cert-authority *.example.com,other,[host.example.com]:2222 " + caText,
			"@revoked revoked.example.com " + caText,
			"@revoked * " + PublicKeyText(s.otherCA.PublicKey()),
		} {
			if err := store.AddLine(line); err != nil {
				t.Fatal(err)
			}
		}
		stores := []*HostKeys{store}
		v := verifyHostKey(stores, name, pk)
		if store.Check(name, pk) != (v.status == hostKeyOK) {
			t.Fatalf("Check and verifyHostKey disagree on %q", name)
		}
		cert, isCert := pk.(*ssh.Certificate)
		revoked := store.IsRevoked(name, pk)
		if revoked != (v.status == hostKeyRevoked) {
			t.Fatalf("revoked %v, but the verdict is %v", revoked, v.status)
		}
		if revoked {
			return
		}
		cas := store.CertAuthorities(name)
		switch {
		case !isCert || len(cas) == 0:
			if v.status != hostKeyUnknown {
				t.Fatalf("no CA for %q and no known key, but verdict %v", name, v.status)
			}
			want := pk
			if isCert {
				want = cert.Key
			}
			if !keysEqual(v.plain, want) {
				t.Fatal("the key to ask the policy about is not the presented (or certified) key")
			}
		case v.status == hostKeyBadCert:
			if v.err == nil {
				t.Fatal("a refused certificate without a reason")
			}
		case v.status != hostKeyOK:
			t.Fatalf("verdict %v for a certificate with a CA", v.status)
		default:
			now := uint64(time.Now().Unix())
			host := strings.ToLower(hostOfName(name))
			named := len(cert.ValidPrincipals) == 0
			for _, p := range cert.ValidPrincipals {
				named = named || strings.ToLower(p) == host
			}
			switch {
			case !v.viaCA:
				t.Fatal("accepted, but not through the CA")
			case cert.CertType != ssh.HostCert:
				t.Fatalf("accepted a certificate of type %d", cert.CertType)
			case !keysEqual(cert.SignatureKey, s.ca.PublicKey()):
				t.Fatal("accepted a certificate signed by another key")
			case cert.SignatureKey.Verify(certSignedBytes(cert), cert.Signature) != nil:
				t.Fatal("accepted a certificate whose signature does not verify")
			case now < cert.ValidAfter || now >= cert.ValidBefore:
				t.Fatalf("accepted a certificate valid from %d to %d at %d", cert.ValidAfter, cert.ValidBefore, now)
			case len(cert.CriticalOptions) > 0:
				t.Fatalf("accepted a host certificate with critical options %v", cert.CriticalOptions)
			case !named:
				t.Fatalf("accepted for %q a certificate for %q", name, cert.ValidPrincipals)
			}
		}
	})
}
