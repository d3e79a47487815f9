package core

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// startAgent runs a real ssh-agent on a socket of its own holding the test
// server's keys named, and returns the socket.
func startAgent(t *testing.T, s testServer, keys ...string) string {
	t.Helper()
	path, err := exec.LookPath("ssh-agent")
	if err != nil {
		t.Fatal("ssh-agent not installed (openssh-client)")
	}
	sock := filepath.Join(t.TempDir(), "agent.sock")
	cmd := exec.Command(path, "-D", "-a", sock)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	// The socket file appears at bind, before ssh-agent listens: wait
	// until a connection is taken (ssh-add got "Connection refused" on a
	// loaded machine).
	for i := 0; i < 200; i++ {
		if c, err := net.Dial("unix", sock); err == nil {
			c.Close()
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	// An encrypted key's passphrase comes from SSH_ASKPASS.
	askpass := filepath.Join(t.TempDir(), "askpass")
	os.WriteFile(askpass, []byte("#!/bin/sh\necho '"+s.passphrase+"'\n"), 0o700)
	for _, k := range keys {
		add := exec.Command("ssh-add", filepath.Join(s.keydir, k))
		add.Env = append(os.Environ(), "SSH_AUTH_SOCK="+sock, "SSH_ASKPASS="+askpass, "SSH_ASKPASS_REQUIRE=force", "DISPLAY=:0")
		if out, err := add.CombinedOutput(); err != nil {
			t.Fatalf("ssh-add %s: %v %s", k, err, out)
		}
	}
	return sock
}

func TestAgentListAndSign(t *testing.T) {
	s := sshd(t)
	sock := startAgent(t, s, "id_ed25519", "id_rsa")
	keys, err := AgentKeys(sock)
	if err != nil || len(keys) != 2 {
		t.Fatalf("%d keys, %v", len(keys), err)
	}
	pubText, _ := os.ReadFile(filepath.Join(s.keydir, "id_ed25519.pub"))
	want, _, _, _, _ := ssh.ParseAuthorizedKey(pubText)
	if string(keys[0].Blob) != string(want.Marshal()) || keys[0].Type != ssh.KeyAlgoED25519 || keys[0].Comment != "gossh-test" {
		t.Fatalf("first key %+v", keys[0])
	}
	data := []byte("sign me")
	for _, c := range []struct {
		key       AgentKey
		algorithm string
	}{{keys[0], ""}, {keys[1], ""}, {keys[1], "rsa-sha2-512"}, {keys[1], "rsa-sha2-256"}} {
		blob, err := AgentSign(sock, c.key.Blob, data, c.algorithm)
		if err != nil {
			t.Fatal(err)
		}
		var sig ssh.Signature
		if err := ssh.Unmarshal(blob, &sig); err != nil {
			t.Fatal(err)
		}
		pub, _ := ssh.ParsePublicKey(c.key.Blob)
		if err := pub.Verify(data, &sig); err != nil {
			t.Fatalf("%s %q: %v", pub.Type(), c.algorithm, err)
		}
		if c.algorithm != "" && sig.Format != c.algorithm {
			t.Fatalf("format %s, want %s", sig.Format, c.algorithm)
		}
	}
	wantKind(t, func() error { _, err := AgentSign(sock, keys[0].Blob, data, "rsa-sha2-512"); return err }(), KindInvalid)
	wantKind(t, func() error { _, err := AgentSign(sock, []byte("junk"), data, ""); return err }(), KindKey)
	other, _ := GenerateKey("ed25519", 0)
	wantKind(t, func() error { _, err := AgentSign(sock, other.Signer().PublicKey().Marshal(), data, ""); return err }(), KindKey)
	t.Setenv("SSH_AUTH_SOCK", "")
	e := wantKind(t, func() error { _, err := AgentKeys(""); return err }(), KindConnect)
	if e.Detail("reason") != "no_agent" {
		t.Fatalf("reason %q", e.Detail("reason"))
	}
	wantKind(t, func() error { _, err := AgentKeys(filepath.Join(t.TempDir(), "none")); return err }(), KindConnect)
}

// agentFingerprints runs ssh-add -l on the server and returns its output
// and exit status (2: no agent reachable).
func agentFingerprints(t *testing.T, c *Client, spec *SessionSpec) (string, int) {
	t.Helper()
	spec.Start, spec.Command = StartExec, "ssh-add -l"
	ch, err := c.Start(spec)
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Release()
	out := readAll(t, ch, 0)
	code, err := ch.ExitStatus(-1)
	if err != nil {
		t.Fatal(err)
	}
	return string(out), code
}

func TestAgentForwarding(t *testing.T) {
	s := sshd(t)
	sock := startAgent(t, s, "id_ecdsa")
	pubText, _ := os.ReadFile(filepath.Join(s.keydir, "id_ecdsa.pub"))
	pub, _, _, _, _ := ssh.ParseAuthorizedKey(pubText)
	fp := ssh.FingerprintSHA256(pub)

	cfg := s.config("id_ed25519")
	cfg.AgentSocket = sock
	c := s.client(t)
	if err := c.Connect(cfg); err != nil {
		t.Fatal(err)
	}
	if out, code := agentFingerprints(t, c, NewSessionSpec()); code != 2 {
		t.Fatalf("no forwarding asked, yet ssh-add -l: %d %q", code, out)
	}
	// OpenSSH forwards the agent once per connection, to every session
	// from then on, and refuses a second request (logged only).
	ch, err := c.OpenSession(-1)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := ch.RequestAgentForwarding(-1); !ok || err != nil {
		t.Fatalf("RequestAgentForwarding: %v %v", ok, err)
	}
	spec := NewSessionSpec()
	spec.ForwardAgent = true
	for i := 0; i < 2; i++ { // the handler is registered once, used by every session
		if out, code := agentFingerprints(t, c, spec); code != 0 || !strings.Contains(out, fp) {
			t.Fatalf("per session: %d %q, want %s", code, out, fp)
		}
	}
	ch.Close()
	c.Close()

	cfg.ForwardAgent = true
	c = s.client(t)
	if err := c.Connect(cfg); err != nil {
		t.Fatal(err)
	}
	if out, code := agentFingerprints(t, c, NewSessionSpec()); code != 0 || !strings.Contains(out, fp) {
		t.Fatalf("forward_agent: %d %q", code, out)
	}
	c.Close()

	// A server that refuses forwarding: logged, the session runs.
	hk := filepath.Join(os.Getenv("GOSSH_TEST_DIR"), "hostkeys", "ssh_host_ed25519_key")
	cfg.Port = startOwnSSHD(t, []string{"HostKey " + hk, "AllowAgentForwarding no"})
	c = NewClient()
	c.SetPolicy(AutoAddPolicy{})
	defer c.Close()
	if err := c.Connect(cfg); err != nil {
		t.Fatal(err)
	}
	if out, code := agentFingerprints(t, c, NewSessionSpec()); code != 2 {
		t.Fatalf("refused forwarding: %d %q", code, out)
	}
	ch, err = c.OpenSession(-1)
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	if ok, err := ch.RequestAgentForwarding(-1); ok || err != nil {
		t.Fatalf("refused RequestAgentForwarding: %v %v", ok, err)
	}
}

// TestIdentitiesOnly: with keys given, identities_only keeps the agent's
// other keys out; a given key file that does not load is matched in the
// agent by its .pub.
func TestIdentitiesOnly(t *testing.T) {
	s := sshd(t)
	sock := startAgent(t, s, "id_ecdsa", "id_ed25519_enc")
	cfg := s.config("id_wrong")
	cfg.AllowAgent, cfg.AgentSocket = true, sock
	if err := s.client(t).Connect(cfg); err != nil {
		t.Fatalf("agent keys after a wrong key: %v", err)
	}
	cfg.IdentitiesOnly = true
	wantKind(t, s.client(t).Connect(cfg), KindAuth)
	// id_ed25519_enc's passphrase is not given: the agent's copy signs.
	cfg = s.config("id_ed25519_enc")
	cfg.AllowAgent, cfg.AgentSocket, cfg.IdentitiesOnly = true, sock, true
	if err := s.client(t).Connect(cfg); err != nil {
		t.Fatalf("the agent's copy of a given key: %v", err)
	}
	// With no key given, identities_only changes nothing.
	cfg = s.config()
	cfg.AllowAgent, cfg.AgentSocket, cfg.IdentitiesOnly = true, sock, true
	if err := s.client(t).Connect(cfg); err != nil {
		t.Fatal(err)
	}
}

// TestAgentKeyAsKey: a Key whose private half is the agent's logs in as a
// given key (paramiko's connect(pkey=agent_key)) and in steps
// (Transport.auth_publickey with an AgentKey), and signs.
func TestAgentKeyAsKey(t *testing.T) {
	s := sshd(t)
	sock := startAgent(t, s, "id_rsa")
	keys, err := AgentKeys(sock)
	if err != nil || len(keys) != 1 {
		t.Fatal(err)
	}
	k, err := NewAgentKey(sock, keys[0].Blob)
	if err != nil || !k.CanSign() || k.Type() != ssh.KeyAlgoRSA {
		t.Fatal(err)
	}
	sig, err := k.Sign([]byte("d"), "rsa-sha2-256")
	if err != nil || k.Verify([]byte("d"), sig) != nil {
		t.Fatal(err)
	}
	if _, err := k.MarshalPrivate("", ""); KindOf(err) != KindKey {
		t.Fatalf("an agent key cannot be written out: %v", err)
	}
	cfg := s.config()
	cfg.Keys = []*Key{k}
	if err := s.client(t).Connect(cfg); err != nil {
		t.Fatalf("connect with an agent key: %v", err)
	}
	cfg.StepAuth = true
	c := s.client(t)
	if err := c.Connect(cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AuthPublicKey(s.user, k); err != nil {
		t.Fatalf("AuthPublicKey with an agent key: %v", err)
	}
	// An agent that is gone: the key cannot sign.
	gone, _ := NewAgentKey(filepath.Join(t.TempDir(), "none"), keys[0].Blob)
	if _, err := gone.Sign([]byte("d"), ""); err == nil {
		t.Fatal("signed without an agent")
	}
	if _, err := NewAgentKey(sock, []byte("junk")); KindOf(err) != KindKey {
		t.Fatal(err)
	}
}
