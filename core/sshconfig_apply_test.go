package core

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/gossh/gossh/core/sshtest"
	"golang.org/x/crypto/ssh"
)

// TestSSHConfigCertificateFile: the server accepts only the certificate,
// so the connect succeeds only if CertificateFile was offered with its key.
// ServerAliveInterval starts the keepalive; HostKeyAlgorithms and KexAlgorithms
// reach x/crypto.
func TestSSHConfigCertificateFile(t *testing.T) {
	dir := t.TempDir()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	keyPath := filepath.Join(dir, "id")
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	sshPub, _ := ssh.NewPublicKey(pub)
	cert := &ssh.Certificate{Key: sshPub, CertType: ssh.UserCert, KeyId: "t", ValidPrincipals: []string{"u"},
		ValidBefore: ssh.CertTimeInfinity}
	if err := cert.SignCert(rand.Reader, sshtest.MustNewSigner()); err != nil {
		t.Fatal(err)
	}
	// Not "id-cert.pub": a certificate beside the key file is loaded with
	// it (as paramiko does), and here only CertificateFile may bring it.
	certPath := filepath.Join(dir, "user.cert")
	if err := os.WriteFile(certPath, ssh.MarshalAuthorizedKey(cert), 0o600); err != nil {
		t.Fatal(err)
	}
	srv, err := sshtest.Start(sshtest.Config{AuthorizedKeys: []ssh.PublicKey{cert}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	conf := filepath.Join(dir, "config")
	text := "Host certhost\n" +
		"    HostName 127.0.0.1\n    Port " + strconv.Itoa(srv.Port()) + "\n    User u\n" +
		"    IdentityFile " + keyPath + "\n    CertificateFile " + certPath + "\n" +
		"    UserKnownHostsFile " + filepath.Join(dir, "known_hosts") + "\n" +
		"    StrictHostKeyChecking accept-new\n    IdentitiesOnly yes\n" +
		"    ServerAliveInterval 1h\n    ServerAliveCountMax 5\n" +
		"    HostKeyAlgorithms ssh-ed25519\n    KexAlgorithms curve25519-sha256,nosuch-kex\n"
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	c := NewClient()
	defer c.Close()
	cfg := NewConfig()
	cfg.Hostname, cfg.SSHConfig = "certhost", conf
	if err := c.Connect(cfg); err != nil {
		t.Fatal(err)
	}
	info, err := c.Info()
	if err != nil {
		t.Fatal(err)
	}
	if info.Algorithms.HostKey != ssh.KeyAlgoED25519 || info.Algorithms.KeyExchange != "curve25519-sha256" {
		t.Errorf("negotiated %+v", info.Algorithms)
	}
	c.mu.Lock()
	started, max := c.stopKeepalive != nil, c.keepaliveMax
	c.mu.Unlock()
	if !started || max != 5 {
		t.Errorf("keepalive started %v, count max %d", started, max)
	}
	if _, err := os.Stat(filepath.Join(dir, "known_hosts")); err != nil {
		t.Errorf("accept-new did not write the known_hosts file: %v", err)
	}
	// Without CertificateFile the plain key is refused: the certificate
	// made the difference.
	if err := os.WriteFile(conf, []byte(text+"Host *\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg2 := NewConfig()
	cfg2.Hostname, cfg2.SSHConfig = "127.0.0.1", conf
	cfg2.Port, cfg2.Username = srv.Port(), "u"
	cfg2.KeyFilenames = []string{keyPath}
	cfg2.AllowAgent, cfg2.LookForKeys = false, false
	c2 := NewClient()
	defer c2.Close()
	c2.SetPolicy(AutoAddPolicy{})
	wantKind(t, c2.Connect(cfg2), KindAuth)
}
