package core

import (
	"bytes"
	"crypto/dsa" //nolint:staticcheck // DSA is deprecated; gossh supports it for paramiko parity
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// keygen runs ssh-keygen with args and fails the test on error.
func keygen(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("ssh-keygen", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ssh-keygen %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// pubOf returns "type base64" of an OpenSSH .pub file.
func pubOf(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b))
	return f[0] + " " + f[1]
}

type keyCase struct {
	typ, bits, format string // ssh-keygen -t, -b, -m ("" = OpenSSH)
	wantType          string
	wantBits          int
}

var keyCases = []keyCase{
	{"rsa", "2048", "", "ssh-rsa", 2048},
	{"rsa", "2048", "PEM", "ssh-rsa", 2048},
	{"rsa", "2048", "PKCS8", "ssh-rsa", 2048},
	{"ecdsa", "256", "", "ecdsa-sha2-nistp256", 256},
	{"ecdsa", "384", "PEM", "ecdsa-sha2-nistp384", 384},
	{"ecdsa", "521", "PKCS8", "ecdsa-sha2-nistp521", 521},
	{"ed25519", "", "", "ssh-ed25519", 256},
	{"ed25519", "", "PKCS8", "ssh-ed25519", 256},
	{"dsa", "", "", "ssh-dss", 1024},
	{"dsa", "", "PEM", "ssh-dss", 1024},
	{"dsa", "", "PKCS8", "ssh-dss", 1024},
}

func (c keyCase) name() string {
	f := c.format
	if f == "" {
		f = "OpenSSH"
	}
	return c.typ + c.bits + "-" + f
}

// makeKey has ssh-keygen write a key of case c with passphrase pass.
func (c keyCase) make(t *testing.T, dir, pass string) string {
	path := filepath.Join(dir, c.name())
	if pass != "" {
		path += "-enc"
	}
	args := []string{"-q", "-t", c.typ, "-N", pass, "-C", "test", "-f", path}
	if c.bits != "" {
		args = append(args, "-b", c.bits)
	}
	if c.format != "" {
		args = append(args, "-m", c.format)
	}
	keygen(t, args...)
	return path
}

func TestLoadKeysMadeBySSHKeygen(t *testing.T) {
	dir := t.TempDir()
	for _, c := range keyCases {
		t.Run(c.name(), func(t *testing.T) {
			t.Parallel()
			path := c.make(t, dir, "")
			k, err := LoadPrivateKeyFile(path, "")
			if err != nil {
				t.Fatal(err)
			}
			if k.Type() != c.wantType || k.Bits() != c.wantBits || !k.CanSign() {
				t.Fatalf("type %s bits %d canSign %v", k.Type(), k.Bits(), k.CanSign())
			}
			if got, want := k.PublicText(), pubOf(t, path+".pub"); got != want {
				t.Fatalf("public key %s, ssh-keygen says %s", got, want)
			}
			if fp := strings.Fields(keygen(t, "-lf", path+".pub"))[1]; fp != k.Fingerprint() {
				t.Fatalf("fingerprint %s, ssh-keygen -l says %s", k.Fingerprint(), fp)
			}
			md5 := strings.Fields(keygen(t, "-E", "md5", "-lf", path+".pub"))[1]
			if got := "MD5:" + colonHex(k.MD5()); got != md5 {
				t.Fatalf("md5 %s, ssh-keygen says %s", got, md5)
			}
			// The public key parses back, from text and from its blob.
			for _, p := range []func() (*Key, error){
				func() (*Key, error) { return ParsePublicKey(pubOf(t, path+".pub") + " comment") },
				func() (*Key, error) { return ParsePublicKeyBlob(k.Blob()) },
			} {
				pk, err := p()
				if err != nil {
					t.Fatal(err)
				}
				if pk.CanSign() || pk.PublicText() != k.PublicText() || pk.Bits() != c.wantBits {
					t.Fatalf("public-only key: %s canSign %v", pk.PublicText(), pk.CanSign())
				}
			}
			// A signature verifies with the public key alone, and not over other data.
			sig, err := k.Sign([]byte("data"), "")
			if err != nil {
				t.Fatal(err)
			}
			pk, _ := ParsePublicKeyBlob(k.Blob())
			if err := pk.Verify([]byte("data"), sig); err != nil {
				t.Fatal(err)
			}
			wantKind(t, pk.Verify([]byte("datA"), sig), KindKey)
			wantKind(t, pk.Verify([]byte("data"), sig[:len(sig)-1]), KindKey)
			_, err = pk.Sign([]byte("data"), "")
			wantKind(t, err, KindKey)
		})
	}
}

func colonHex(b []byte) string {
	s := make([]string, len(b))
	for i, c := range b {
		s[i] = fmt.Sprintf("%02x", c)
	}
	return strings.Join(s, ":")
}

func TestEncryptedKeysMadeBySSHKeygen(t *testing.T) {
	dir := t.TempDir()
	for _, c := range keyCases {
		if c.typ == "ed25519" && c.format != "" {
			continue // ssh-keygen writes OpenSSH format for it anyway
		}
		t.Run(c.name(), func(t *testing.T) {
			t.Parallel()
			path := c.make(t, dir, "sekrit")
			data, _ := os.ReadFile(path)
			if c.format == "PKCS8" && c.typ != "ed25519" && !bytes.HasPrefix(data, []byte("-----BEGIN ENCRYPTED PRIVATE KEY")) {
				t.Fatalf("ssh-keygen wrote %.40q", data)
			}
			_, err := ParsePrivateKey(data, "")
			wantKind(t, err, KindPasswordRequired)
			// A wrong passphrase costs a bcrypt run for OpenSSH-format keys
			// (over a second under -race): try it on the formats that differ.
			if c.format != "" || c.typ == "dsa" || c.typ == "ed25519" {
				_, err = ParsePrivateKey(data, "wrong")
				wantKind(t, err, KindKey)
			}
			k, err := ParsePrivateKey(data, "sekrit")
			if err != nil {
				t.Fatal(err)
			}
			if k.Type() != c.wantType || k.PublicText() != pubOf(t, path+".pub") {
				t.Fatalf("got %s", k.PublicText())
			}
		})
	}
}

func TestGenerateWriteAndReadBackWithSSHKeygen(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		typ      string
		bits     int
		wantType string
		wantBits int
	}{
		{"rsa", 0, "ssh-rsa", 3072},
		{"rsa", 2048, "ssh-rsa", 2048},
		{"ecdsa", 0, "ecdsa-sha2-nistp256", 256},
		{"ecdsa", 384, "ecdsa-sha2-nistp384", 384},
		{"ecdsa-sha2-nistp521", 0, "ecdsa-sha2-nistp521", 521},
		{"ed25519", 0, "ssh-ed25519", 256},
		{"dsa", 0, "ssh-dss", 1024},
	} {
		t.Run(fmt.Sprintf("%s-%d", c.typ, c.bits), func(t *testing.T) {
			t.Parallel()
			k, err := GenerateKey(c.typ, c.bits)
			if err != nil {
				t.Fatal(err)
			}
			if k.Type() != c.wantType || k.Bits() != c.wantBits {
				t.Fatalf("generated %s %d", k.Type(), k.Bits())
			}
			passes := []string{""}
			if c.bits == 0 && (c.typ == "rsa" || c.typ == "ed25519" || c.typ == "dsa") { // encryption is type-independent (DSA: own writer); bcrypt is slow under -race
				passes = append(passes, "pass phrase")
			}
			for _, pass := range passes {
				path := filepath.Join(dir, fmt.Sprintf("%s-%d-%t", c.typ, c.bits, pass != ""))
				if err := k.WritePrivateFile(path, pass); err != nil {
					t.Fatal(err)
				}
				if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
					t.Fatalf("mode %v", st.Mode())
				}
				args := []string{"-y", "-f", path}
				if pass != "" {
					args = append(args, "-P", pass)
				}
				if got := strings.Join(strings.Fields(keygen(t, args...))[:2], " "); got != k.PublicText() {
					t.Fatalf("ssh-keygen -y says %s, want %s", got, k.PublicText())
				}
				back, err := LoadPrivateKeyFile(path, pass)
				if err != nil {
					t.Fatal(err)
				}
				if back.PublicText() != k.PublicText() {
					t.Fatal("read back a different key")
				}
				if pass != "" {
					_, err := LoadPrivateKeyFile(path, "")
					wantKind(t, err, KindPasswordRequired)
				}
			}
		})
	}
}

func TestGenerateRefusesBadArguments(t *testing.T) {
	for _, c := range []struct {
		typ  string
		bits int
	}{{"rsa", 512}, {"ecdsa", 255}, {"ed25519", 512}, {"dsa", 2048}, {"ssh-foo", 0}, {"ecdsa-sha2-nistp384", 256}, {"rsa", -1}} {
		_, err := GenerateKey(c.typ, c.bits)
		wantKind(t, err, KindInvalid)
	}
}

func TestSignAlgorithms(t *testing.T) {
	k, err := GenerateKey("rsa", 2048)
	if err != nil {
		t.Fatal(err)
	}
	for alg, want := range map[string]string{"": "rsa-sha2-512", "ssh-rsa": "ssh-rsa", "rsa-sha2-256": "rsa-sha2-256", "rsa-sha2-512": "rsa-sha2-512"} {
		blob, err := k.Sign([]byte("x"), alg)
		if err != nil {
			t.Fatal(err)
		}
		var sig ssh.Signature
		if err := ssh.Unmarshal(blob, &sig); err != nil || sig.Format != want {
			t.Fatalf("algorithm %q: format %q, %v", alg, sig.Format, err)
		}
		if err := k.Verify([]byte("x"), blob); err != nil {
			t.Fatal(err)
		}
	}
	_, err = k.Sign([]byte("x"), "ssh-ed25519")
	wantKind(t, err, KindKey)
	e, _ := GenerateKey("ed25519", 0)
	_, err = e.Sign([]byte("x"), "rsa-sha2-256")
	wantKind(t, err, KindKey)
	d, _ := GenerateKey("dsa", 0)
	_, err = d.Sign([]byte("x"), "rsa-sha2-256")
	wantKind(t, err, KindKey)
	// Another key's signature does not verify.
	sig, _ := e.Sign([]byte("x"), "")
	e2, _ := GenerateKey("ed25519", 0)
	wantKind(t, e2.Verify([]byte("x"), sig), KindKey)
}

func TestBadKeyInput(t *testing.T) {
	for _, in := range []string{"", "garbage", "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
		"-----BEGIN DSA PRIVATE KEY-----\nMAA=\n-----END DSA PRIVATE KEY-----\n",
		"-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n"} {
		_, err := ParsePrivateKey([]byte(in), "")
		wantKind(t, err, KindKey)
	}
	for _, in := range []string{"", "ssh-rsa", "ssh-rsa AAAA", "ssh-dss AAAA", "ssh-dss !!"} {
		_, err := ParsePublicKey(in)
		wantKind(t, err, KindKey)
	}
	_, err := ParsePublicKeyBlob([]byte{0, 0, 0, 7, 's', 's', 'h', '-', 'd', 's', 's'})
	wantKind(t, err, KindKey)
	pub, _ := ParsePublicKey("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBuQJtJXhFKsD6Pgo5U3RBqr8PZB0u05KUqj8Rs3Kmzr")
	_, err = pub.MarshalPrivate("", "")
	wantKind(t, err, KindKey)
	_, err = LoadPrivateKeyFile(filepath.Join(t.TempDir(), "missing"), "")
	wantKind(t, err, KindIO)
}

// DSA keys written by gossh's own writers (OpenSSH and PEM) read back, so
// both DSA loaders are tested on keys not made by ssh-keygen too.
func TestDSAOwnWriters(t *testing.T) {
	var priv dsa.PrivateKey
	if err := dsa.GenerateParameters(&priv.Parameters, rand.Reader, dsa.L1024N160); err != nil {
		t.Fatal(err)
	}
	if err := dsa.GenerateKey(&priv, rand.Reader); err != nil {
		t.Fatal(err)
	}
	want := PublicKeyText((*dsaPublicKey)(&priv.PublicKey))
	pemBlock, _ := marshalPEMDSA(&priv)
	osshBlock, _ := marshalOpenSSH(&priv, "c", nil, defaultBcryptRounds)
	encBlock, _ := marshalOpenSSH(&priv, "c", []byte("pw"), defaultBcryptRounds)
	for name, data := range map[string][]byte{"pem": pem.EncodeToMemory(pemBlock),
		"openssh": pem.EncodeToMemory(osshBlock), "openssh-enc": pem.EncodeToMemory(encBlock)} {
		pass := ""
		if strings.HasSuffix(name, "enc") {
			pass = "pw"
		}
		k, err := ParsePrivateKey(data, pass)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if k.PublicText() != want {
			t.Fatalf("%s: wrong key", name)
		}
		// ssh-keygen reads them too.
		path := filepath.Join(t.TempDir(), name)
		os.WriteFile(path, data, 0o600)
		args := []string{"-y", "-f", path}
		if pass != "" {
			args = append(args, "-P", pass)
		}
		if got := strings.Join(strings.Fields(keygen(t, args...))[:2], " "); got != want {
			t.Fatalf("%s: ssh-keygen -y says %s", name, got)
		}
	}
}

// extraSSHD starts a second sshd (testenv/extra-sshd.sh) with extra
// arguments, stopped when the test ends. It returns the port and a
// known_hosts file for it.
func extraSSHD(t *testing.T, args ...string) (int, string) {
	t.Helper()
	sshd(t)
	script, _ := filepath.Abs("../testenv/extra-sshd.sh")
	kh := filepath.Join(t.TempDir(), "known_hosts")
	for attempt := 0; attempt < 5; attempt++ {
		port := freePort(t)
		cmd := exec.Command(script, append([]string{strconv.Itoa(port), kh}, args...)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		for i := 0; i < 100; i++ {
			select {
			case <-done:
				i = 100
				continue
			default:
			}
			if c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port))); err == nil {
				c.Close()
				t.Cleanup(func() { cmd.Process.Kill(); <-done })
				return port, kh
			}
			time.Sleep(50 * time.Millisecond)
		}
		cmd.Process.Kill()
		<-done
		log, _ := os.ReadFile(kh + ".log")
		t.Logf("extra sshd on %d did not start: %s %s", port, stderr.String(), log)
	}
	t.Fatal("could not start a second sshd")
	return 0, ""
}

func TestCertificateAuthAgainstSSHD(t *testing.T) {
	s := sshd(t)
	dir := t.TempDir()
	keygen(t, "-q", "-t", "ed25519", "-N", "", "-C", "ca", "-f", filepath.Join(dir, "ca"))
	keygen(t, "-q", "-t", "ecdsa", "-N", "", "-f", filepath.Join(dir, "user"))
	keygen(t, "-q", "-s", filepath.Join(dir, "ca"), "-I", "gossh-test", "-n", s.user, filepath.Join(dir, "user.pub"))
	port, kh := extraSSHD(t, "-o", "TrustedUserCAKeys="+filepath.Join(dir, "ca.pub"))

	connect := func(k *Key) error {
		c := NewClient()
		defer c.Close()
		if err := c.LoadHostKeys(kh); err != nil {
			t.Fatal(err)
		}
		cfg := s.config()
		cfg.Port = port
		cfg.Keys = []*Key{k}
		return c.Connect(cfg)
	}
	k, err := LoadPrivateKeyFile(filepath.Join(dir, "user"), "")
	if err != nil {
		t.Fatal(err)
	}
	// The key alone is not authorized.
	wantKind(t, connect(k), KindAuth)
	// With its certificate (a path) it is.
	if err := k.LoadCertificate(filepath.Join(dir, "user-cert.pub")); err != nil {
		t.Fatal(err)
	}
	if k.Certificate() == nil || !strings.HasPrefix(k.CertificateText(), "ecdsa-sha2-nistp256-cert-v01@openssh.com ") {
		t.Fatalf("certificate %q", k.CertificateText())
	}
	if k.PublicText() != pubOf(t, filepath.Join(dir, "user.pub")) {
		t.Fatal("the key's public text changed with a certificate")
	}
	if err := connect(k); err != nil {
		t.Fatal(err)
	}
	// From text too; and a certificate for another key is refused.
	text, _ := os.ReadFile(filepath.Join(dir, "user-cert.pub"))
	k2, _ := LoadPrivateKeyFile(filepath.Join(dir, "user"), "")
	if err := k2.LoadCertificate(string(text)); err != nil {
		t.Fatal(err)
	}
	if err := connect(k2); err != nil {
		t.Fatal(err)
	}
	// key_filename as paramiko takes it: the key (its -cert.pub beside it is
	// loaded) or the certificate's path (the key beside it is loaded).
	for _, path := range []string{filepath.Join(dir, "user"), filepath.Join(dir, "user-cert.pub")} {
		c := NewClient()
		if err := c.LoadHostKeys(kh); err != nil {
			t.Fatal(err)
		}
		cfg := s.config()
		cfg.Port = port
		cfg.Keys, cfg.KeyFilenames = nil, []string{path}
		if err := c.Connect(cfg); err != nil {
			t.Fatalf("key_filename %s: %v", filepath.Base(path), err)
		}
		c.Close()
	}
	other, _ := GenerateKey("ecdsa", 0)
	wantKind(t, other.LoadCertificate(string(text)), KindKey)
	wantKind(t, other.LoadCertificate(pubOf(t, filepath.Join(dir, "user.pub"))), KindKey)
	wantKind(t, other.LoadCertificate(filepath.Join(dir, "missing-cert.pub")), KindIO)
	// A certificate parsed as a public key is its key with the certificate attached.
	pk, err := ParsePublicKey(string(text))
	if err != nil || pk.PublicText() != k.PublicText() || pk.Certificate() == nil {
		t.Fatalf("%v %v", err, pk)
	}
}

// DSA authentication needs an sshd that still accepts ssh-dss (OpenSSH
// turned it off by default in 7.0): the second sshd, told to.
func TestDSAAuthAgainstSSHD(t *testing.T) {
	s := sshd(t)
	// sshd reads authorized_keys as the test user: a world-readable directory
	// (t.TempDir's parent is 0700).
	dir, err := os.MkdirTemp("", "gossh-dsa")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	keygen(t, "-q", "-t", "dsa", "-N", "pw", "-f", filepath.Join(dir, "id_dsa"))
	ak := filepath.Join(dir, "authorized_keys")
	os.WriteFile(ak, []byte(pubOf(t, filepath.Join(dir, "id_dsa.pub"))+"\n"), 0o644)
	port, kh := extraSSHD(t, "-o", "PubkeyAcceptedAlgorithms=+ssh-dss", "-o", "AuthorizedKeysFile="+ak)
	k, err := LoadPrivateKeyFile(filepath.Join(dir, "id_dsa"), "pw")
	if err != nil {
		t.Fatal(err)
	}
	c := NewClient()
	defer c.Close()
	c.LoadHostKeys(kh)
	cfg := s.config()
	cfg.Port = port
	cfg.Keys = []*Key{k}
	if err := c.Connect(cfg); err != nil {
		log, _ := os.ReadFile(kh + ".log")
		t.Fatalf("%v\nsshd log:\n%s", err, log)
	}
}

// An algorithm gossh does not know is reason "unknown_key_type" (paramiko's
// UnknownKeyType); a file that is no key at all is reason "not_a_key".
func TestUnknownKeyTypeReason(t *testing.T) {
	// openssl genpkey -algorithm ed448
	ed448 := "-----BEGIN PRIVATE KEY-----\nMEcCAQAwBQYDK2VxBDsEOR1FrTtp9JeCFFZgauqyjeNBuxuYUL0R7mg1RqNGhKfs\nZu9o0oUHJuhXD7jeqo6ynCinQwiX6msxSg==\n-----END PRIVATE KEY-----\n"
	_, err := ParsePrivateKey([]byte(ed448), "")
	if e := wantKind(t, err, KindKey); e.Detail("reason") != "unknown_key_type" {
		t.Fatalf("ed448: reason %q (%v)", e.Detail("reason"), err)
	}
	_, err = ParsePublicKey("ssh-ed448 AAAACXNzaC1lZDQ0OAAAAAA=")
	if e := wantKind(t, err, KindKey); e.Detail("reason") != "unknown_key_type" {
		t.Fatalf("ssh-ed448 public: reason %q (%v)", e.Detail("reason"), err)
	}
	_, err = ParsePrivateKey([]byte("hello\n"), "")
	if e := wantKind(t, err, KindKey); e.Detail("reason") != "not_a_key" {
		t.Fatalf("not a key: reason %q", e.Detail("reason"))
	}
	// A known type that is damaged is neither.
	_, err = ParsePublicKey("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAAA==")
	if e := wantKind(t, err, KindKey); e.Detail("reason") != "" {
		t.Fatalf("damaged ed25519: reason %q", e.Detail("reason"))
	}
}
