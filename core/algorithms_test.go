package core

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

func TestDefaultHostKeyOrderPrefersEd25519(t *testing.T) {
	order := defaultHostKeyOrder()
	var plain []string
	for _, a := range order {
		if !strings.Contains(a, "-cert-") {
			plain = append(plain, a)
		}
	}
	if order[0] != ssh.CertAlgoED25519v01 || plain[0] != ssh.KeyAlgoED25519 || plain[1] != ssh.KeyAlgoECDSA256 {
		t.Fatalf("order %v", order)
	}
	// Known types still come first.
	cfg := NewConfig()
	got, err := cfg.hostKeyOrder([]string{ssh.KeyAlgoECDSA256}, false)
	if err != nil || got[0] != ssh.KeyAlgoECDSA256 || len(got) != len(order) {
		t.Fatalf("known first: %v %v", got, err)
	}
	cfg.DisabledAlgorithms = map[string][]string{AlgoKeys: {ssh.KeyAlgoECDSA256}}
	if got, _ := cfg.hostKeyOrder([]string{ssh.KeyAlgoECDSA256}, true); got != nil {
		t.Fatalf("disabled expected type: %v", got)
	}
}

func TestAlgorithmOptions(t *testing.T) {
	cfg := NewConfig()
	for _, o := range [][2]string{
		{"ciphers", "aes128-ctr, aes256-gcm@openssh.com"}, {"kex", "curve25519-sha256"}, {"macs", "hmac-sha2-256"},
		{"host_key_algorithms", "ssh-ed25519,rsa-sha2-512"}, {"pubkey_algorithms", "ssh-rsa"},
		{"disabled_algorithms", "ciphers=aes128-ctr;kex=diffie-hellman-group1-sha1; pubkeys=rsa-sha2-512,rsa-sha2-256;keys=ssh-dss"},
		{"compress", "yes"}, {"forward_agent", "1"}, {"identities_only", "true"},
	} {
		if err := cfg.Set(o[0], o[1]); err != nil {
			t.Fatalf("%s: %v", o[0], err)
		}
	}
	if strings.Join(cfg.Ciphers, ",") != "aes128-ctr,aes256-gcm@openssh.com" || !cfg.Compress || !cfg.ForwardAgent || !cfg.IdentitiesOnly {
		t.Fatalf("%+v", cfg)
	}
	if got := FormatDisabledAlgorithms(cfg.DisabledAlgorithms); got != "ciphers=aes128-ctr;keys=ssh-dss;pubkeys=rsa-sha2-512,rsa-sha2-256;kex=diffie-hellman-group1-sha1" {
		t.Fatalf("disabled %q", got)
	}
	d := cfg.Clone()
	d.DisabledAlgorithms[AlgoCiphers][0] = "x"
	if cfg.DisabledAlgorithms[AlgoCiphers][0] != "aes128-ctr" {
		t.Fatal("Clone shares the disabled map")
	}
	for _, o := range [][2]string{
		{"ciphers", "aes128-ctr,nope-cipher"}, {"kex", "ssh-ed25519"}, {"macs", "hmac-md5"}, {"host_key_algorithms", "ssh-dss"},
		{"disabled_algorithms", "cipher=aes128-ctr"}, {"disabled_algorithms", "ciphers"}, {"disabled_algorithms", "macs=nope"},
		{"ciphers", ","}, {"compress", "maybe"},
	} {
		err := cfg.Set(o[0], o[1])
		if KindOf(err) != KindInvalid {
			t.Fatalf("%s=%q: %v", o[0], o[1], err)
		}
		if !strings.Contains(err.Error(), o[0]) {
			t.Fatalf("message does not name the option: %v", err)
		}
	}
	// "" is the default again.
	if err := cfg.Set("ciphers", ""); err != nil || cfg.Ciphers != nil {
		t.Fatal(err)
	}
}

func TestPubkeyRestrictionAndSSHRSARetry(t *testing.T) {
	rsaKey, err := GenerateKey("rsa", 2048)
	if err != nil {
		t.Fatal(err)
	}
	edKey, _ := GenerateKey("ed25519", 0)
	got := withSSHRSARetry([]ssh.Signer{rsaKey.Signer(), edKey.Signer()}, nil)
	if len(got) != 3 || got[2].(ssh.MultiAlgorithmSigner).Algorithms()[0] != ssh.KeyAlgoRSA {
		t.Fatalf("%d signers", len(got))
	}
	// Second offers stay within OpenSSH's MaxAuthTries.
	many := []ssh.Signer{rsaKey.Signer(), rsaKey.Signer(), rsaKey.Signer(), edKey.Signer()}
	if got := withSSHRSARetry(many, nil); len(got) != maxOffersWithRetry {
		t.Fatalf("%d offers", len(got))
	}
	if got := withSSHRSARetry(append(many, many...), nil); len(got) != 8 {
		t.Fatalf("%d offers for 8 keys", len(got))
	}
	cfg := NewConfig()
	cfg.DisabledAlgorithms = map[string][]string{AlgoPubkeys: {ssh.KeyAlgoED25519, ssh.KeyAlgoRSA}}
	got = withSSHRSARetry([]ssh.Signer{rsaKey.Signer(), edKey.Signer()}, cfg.pubkeyAlgorithms())
	if len(got) != 1 || strings.Join(got[0].(ssh.MultiAlgorithmSigner).Algorithms(), ",") != "rsa-sha2-512,rsa-sha2-256" {
		t.Fatalf("restricted: %d", len(got))
	}
}

// negotiated connects with cfg and returns what was negotiated.
func negotiated(t *testing.T, c *Client, cfg *Config) ssh.NegotiatedAlgorithms {
	t.Helper()
	if err := c.Connect(cfg); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	info, err := c.Info()
	if err != nil {
		t.Fatal(err)
	}
	return info.Algorithms
}

// TestAlgorithmsRealSSHD: against OpenSSH, an unknown host shows its
// ed25519 key; explicit lists and disabled_algorithms decide what is
// negotiated; a list with nothing left fails before connecting.
func TestAlgorithmsRealSSHD(t *testing.T) {
	s := sshd(t)
	fresh := func() *Client {
		c := NewClient()
		c.SetPolicy(AutoAddPolicy{})
		t.Cleanup(func() { c.Close() })
		return c
	}
	c := fresh()
	if a := negotiated(t, c, s.config("id_ed25519")); a.HostKey != ssh.KeyAlgoED25519 {
		t.Fatalf("unknown host: negotiated %s, want ssh-ed25519", a.HostKey)
	}
	if keys := c.HostKeys().Lookup(HostKeyName(s.host, s.port)); len(keys) != 1 || keys[0].Type() != ssh.KeyAlgoED25519 {
		t.Fatalf("recorded %v", keys)
	}
	cfg := s.config("id_ed25519")
	cfg.Set("ciphers", "aes256-ctr,aes128-ctr")
	cfg.Set("macs", "hmac-sha2-512")
	cfg.Set("kex", "ecdh-sha2-nistp256")
	cfg.Set("disabled_algorithms", "keys=ssh-ed25519")
	cfg.Set("compress", "1")
	a := negotiated(t, fresh(), cfg)
	if a.Read.Cipher != "aes256-ctr" || a.Read.MAC != "hmac-sha2-512" || a.KeyExchange != "ecdh-sha2-nistp256" || a.HostKey != ssh.KeyAlgoECDSA256 {
		t.Fatalf("negotiated %+v", a)
	}
	cfg = s.config("id_ed25519")
	cfg.Set("host_key_algorithms", "rsa-sha2-256")
	if a := negotiated(t, fresh(), cfg); a.HostKey != ssh.KeyAlgoRSASHA256 {
		t.Fatalf("negotiated %s", a.HostKey)
	}
	cfg.Set("disabled_algorithms", "keys=rsa-sha2-256")
	wantKind(t, fresh().Connect(cfg), KindInvalid)
	// pubkeys: an ed25519 key that may not sign is not offered.
	cfg = s.config("id_ed25519")
	cfg.Set("disabled_algorithms", "pubkeys=ssh-ed25519")
	wantKind(t, fresh().Connect(cfg), KindAuth)
}

// TestSSHRSAOnlyServer: OpenSSH with PubkeyAcceptedAlgorithms ssh-rsa
// advertises rsa-sha2-* in server-sig-algs but takes only ssh-rsa
// signatures; the RSA key is offered again restricted to ssh-rsa.
func TestSSHRSAOnlyServer(t *testing.T) {
	s := sshd(t)
	hk := filepath.Join(os.Getenv("GOSSH_TEST_DIR"), "hostkeys", "ssh_host_ed25519_key")
	port := startOwnSSHD(t, []string{"HostKey " + hk, "PubkeyAcceptedAlgorithms ssh-rsa"})
	cfg := s.config("id_rsa")
	cfg.Port = port
	c := NewClient()
	c.SetPolicy(AutoAddPolicy{})
	defer c.Close()
	if err := c.Connect(cfg); err != nil {
		t.Fatalf("ssh-rsa only server: %v", err)
	}
	out, _, code := run(t, c, "echo ok", nil)
	if out != "ok\n" || code != 0 {
		t.Fatalf("%q %d", out, code)
	}
	// In steps (paramiko's Transport.auth_publickey) too.
	step := cfg.Clone()
	step.StepAuth = true
	cs := NewClient()
	cs.SetPolicy(AutoAddPolicy{})
	defer cs.Close()
	if err := cs.Connect(step); err != nil {
		t.Fatal(err)
	}
	rsaKey, err := LoadPrivateKeyFile(filepath.Join(s.keydir, "id_rsa"), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.AuthPublicKey(s.user, rsaKey); err != nil {
		t.Fatalf("AuthPublicKey against an ssh-rsa only server: %v", err)
	}
	// Without ssh-rsa allowed (x/crypto's one attempt), the key cannot get in.
	c2 := NewClient()
	c2.SetPolicy(AutoAddPolicy{})
	defer c2.Close()
	cfg.Set("disabled_algorithms", "pubkeys=ssh-rsa")
	wantKind(t, c2.Connect(cfg), KindAuth)
	cfg.Set("disabled_algorithms", "")
	cfg.Set("pubkey_algorithms", "rsa-sha2-512,rsa-sha2-256")
	wantKind(t, c2.Connect(cfg), KindAuth)
}

// TestDropbearEd25519Only: Dropbear with only an ed25519 host key: connect,
// exec and the host-key check (unknown, recorded, then known) all work.
func TestDropbearEd25519Only(t *testing.T) {
	s := sshd(t)
	bin, err := exec.LookPath("dropbear")
	if err != nil {
		for _, p := range []string{"/usr/sbin/dropbear"} {
			if _, e := os.Stat(p); e == nil {
				bin, err = p, nil
			}
		}
	}
	if err != nil {
		t.Skip("dropbear not installed (Debian's dropbear-bin; .ci/run installs it)")
	}
	if os.Getuid() != 0 || s.password == "" {
		t.Skip("dropbear logs in the test user (by password: it reads only ~/.ssh/authorized_keys) only as root")
	}
	tmp := t.TempDir()
	hk := filepath.Join(tmp, "ed25519_host_key")
	if out, err := exec.Command("dropbearkey", "-t", "ed25519", "-f", hk).CombinedOutput(); err != nil {
		t.Fatalf("dropbearkey: %v %s", err, out)
	}
	port := freePort(t)
	// -F foreground, -E log to stderr, -r the one host key.
	cmd := exec.Command(bin, "-F", "-E", "-r", hk, "-P", filepath.Join(tmp, "pid"), "-p", fmt.Sprintf("127.0.0.1:%d", port))
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	up := false
	for i := 0; i < 100 && !up; i++ {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			up = true
		} else {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if !up {
		t.Fatalf("dropbear did not start: %s", log.String())
	}
	cfg := s.config()
	cfg.Port, cfg.Password = port, s.password
	kh := filepath.Join(tmp, "known_hosts")
	// 1: unknown host, auto-added; 2: exec; 3: known now, accepted; 4: a wrong key is refused.
	c := NewClient()
	c.SetPolicy(AutoAddPolicy{})
	c.LoadHostKeys(kh)
	if err := c.Connect(cfg); err != nil {
		t.Fatalf("dropbear connect: %v\n%s", err, log.String())
	}
	out, _, code := run(t, c, "echo dropbear-ok", nil)
	c.Close()
	if out != "dropbear-ok\n" || code != 0 {
		t.Fatalf("exec: %q %d", out, code)
	}
	c = NewClient()
	if err := c.LoadHostKeys(kh); err != nil || c.HostKeys().Len() != 1 {
		t.Fatalf("recorded: %v", err)
	}
	if err := c.Connect(cfg); err != nil {
		t.Fatalf("known dropbear host: %v", err)
	}
	c.Close()
	wrong, _ := os.ReadFile(filepath.Join(s.keydir, "id_wrong.pub"))
	pk, _, _, _, _ := ssh.ParseAuthorizedKey(wrong)
	c = NewClient()
	c.HostKeys().Add(HostKeyName(s.host, port), pk)
	wantKind(t, c.Connect(cfg), KindHostKeyMismatch)
	c.Close()
}

// TestNothingToOfferFailsBeforeConnecting: a proxy command is not even
// started when the options leave no cipher to offer.
func TestNothingToOfferFailsBeforeConnecting(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "started")
	cfg := NewConfig()
	cfg.Hostname, cfg.AllowAgent, cfg.LookForKeys = "h", false, false
	cfg.ProxyCommand = "touch " + marker + "; cat"
	cfg.Set("host_key_algorithms", "ssh-ed25519")
	cfg.Set("disabled_algorithms", "keys=ssh-ed25519")
	c := NewClient()
	defer c.Close()
	wantKind(t, c.Connect(cfg), KindInvalid)
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the proxy command ran")
	}
}
