package core

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Against real OpenSSH servers: ProxyJump through two hops (two more sshd
// processes on other ports), each hop's key checked against the client's
// known_hosts, and a wrong key on the middle hop refused.
func TestProxyJumpAgainstSSHD(t *testing.T) {
	s := sshd(t)
	p1, kh1 := extraSSHD(t)
	p2, kh2 := extraSSHD(t)
	c := s.client(t)
	for _, kh := range []string{kh1, kh2} {
		if err := c.LoadSystemHostKeys(kh); err != nil {
			t.Fatal(err)
		}
	}
	cfg := s.config("id_ed25519")
	jump := fmt.Sprintf("%s@%s:%d,%s@%s:%d", s.user, s.host, p1, s.user, s.host, p2)
	cfg.ProxyJump = jump
	if err := c.Connect(cfg); err != nil {
		t.Fatal(err)
	}
	if got := execOut(t, c, "echo $SSH_CONNECTION"); !strings.HasPrefix(got, "127.0.0.1 ") {
		t.Fatalf("SSH_CONNECTION %q", got)
	}
	c.Close()
	// The middle hop presents a key other than the one recorded.
	wrong, err := os.ReadFile(filepath.Join(os.Getenv("GOSSH_TEST_DIR"), "wrong_hostkey.pub"))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(wrong))
	badKH := filepath.Join(t.TempDir(), "known_hosts")
	line := fmt.Sprintf("[%s]:%d %s %s\n", s.host, p2, f[0], f[1])
	if err := os.WriteFile(badKH, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	c2 := s.client(t)
	c2.LoadSystemHostKeys(kh1)
	c2.LoadSystemHostKeys(badKH)
	c2.SetPolicy(AutoAddPolicy{}) // a known host with another key is refused whatever the policy
	e := wantKind(t, c2.Connect(cfg), KindHostKeyMismatch)
	if e.Detail("hostname") != HostKeyName(s.host, p2) || !strings.Contains(e.Msg, "jump host") {
		t.Fatalf("message %q details %v", e.Msg, e.Details)
	}
	// An unknown first hop under the reject policy.
	c3 := s.client(t)
	wantKind(t, c3.Connect(cfg), KindHostKeyUnknown)
}

// ProxyCommand with OpenSSH's usual commands: nc, and ssh -W through the
// test server.
func TestProxyCommandAgainstSSHD(t *testing.T) {
	s := sshd(t)
	cmds := map[string]string{}
	if _, err := exec.LookPath("nc"); err == nil {
		cmds["nc"] = "nc %h %p"
	}
	if _, err := exec.LookPath("ssh"); err == nil {
		cmds["ssh -W"] = fmt.Sprintf("ssh -o BatchMode=yes -o UserKnownHostsFile=%s -i %s -p %d -W %%h:%%p %s@%s",
			filepath.Join(s.keydir, "known_hosts"), filepath.Join(s.keydir, "id_ed25519"), s.port, s.user, s.host)
	}
	if len(cmds) == 0 {
		t.Skip("neither nc nor ssh installed")
	}
	for name, cmd := range cmds {
		c := s.client(t)
		cfg := s.config("id_ed25519")
		cfg.ProxyCommand = cmd
		if err := c.Connect(cfg); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := execOut(t, c, "echo $USER"); strings.TrimSpace(got) != s.user {
			t.Fatalf("%s: output %q", name, got)
		}
		c.Close()
	}
}
