// The ssh_config's ProxyJump and ProxyCommand at connect: the test sshd
// reached through one and two jump hosts named only in an ssh_config and
// through its ProxyCommand; two ProxyJump loops refused.

package core

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestSSHConfigProxyConnect(t *testing.T) {
	s := sshd(t)
	dir := t.TempDir()
	block := func(name string) string {
		return "Host " + name + "\n    HostName " + s.host + "\n    Port " + strconv.Itoa(s.port) + "\n    User " + s.user + "\n" +
			"    IdentityFile " + filepath.Join(s.keydir, "id_ed25519") + "\n    UserKnownHostsFile " + filepath.Join(s.keydir, "known_hosts") + "\n"
	}
	conf := filepath.Join(dir, "config")
	os.WriteFile(conf, []byte(block("gossh-target")+"    ProxyJump gossh-jump\n    HostKeyAlias not-for-the-hop\n"+
		block("gossh-jump")+
		block("gossh-two")+"    ProxyJump gossh-jump,gossh-jump2\n"+
		block("gossh-jump2")+
		block("gossh-loop")+"    ProxyJump gossh-loop\n"+
		block("gossh-loop2")+"    ProxyJump gossh-loop3\n"+
		block("gossh-loop3")+"    ProxyJump gossh-loop2\n"+
		block("gossh-pc")+"    ProxyCommand nc %h %p\n"), 0o600)
	data, _ := os.ReadFile(filepath.Join(s.keydir, "known_hosts"))
	kh2 := filepath.Join(dir, "kh2")
	name := HostKeyName(s.host, s.port)
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(l, name+" "); ok {
			out = append(out, "not-for-the-hop "+rest)
		}
	}
	os.WriteFile(kh2, []byte(strings.Join(out, "\n")+"\n"), 0o600)
	cfg := NewConfig()
	cfg.SSHConfig = conf
	for _, tc := range []struct {
		host string
		ok   bool
	}{{"gossh-target", true}, {"gossh-two", true}, {"gossh-loop", false}, {"gossh-loop2", false}, {"gossh-pc", true}} {
		if _, err := exec.LookPath("nc"); err != nil && tc.host == "gossh-pc" {
			continue
		}
		c := NewClient()
		c.LoadSystemHostKeys(kh2)
		cfg.Hostname = tc.host
		err := c.Connect(cfg)
		t.Logf("%s: %v", tc.host, err)
		if (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.host, err)
		}
		c.Close()
	}
}

// TestSSHConfigConnectConn: over a caller's conn the ssh_config applies
// (User, IdentityFile, known hosts) but for ProxyJump, since conn is the
// transport.
func TestSSHConfigConnectConn(t *testing.T) {
	s := sshd(t)
	path := s.sshConfigFor(t, "    UserKnownHostsFile "+filepath.Join(s.keydir, "known_hosts")+"\n    ProxyJump nowhere.invalid\n")
	conn, err := net.Dial("tcp", net.JoinHostPort(s.host, strconv.Itoa(s.port)))
	if err != nil {
		t.Fatal(err)
	}
	c := NewClient()
	defer c.Close()
	cfg := NewConfig()
	cfg.Hostname, cfg.SSHConfig = "gossh-alias", path
	if err := c.ConnectConn(conn, cfg); err != nil {
		t.Fatal(err)
	}
	// A file that does not parse: refused, and conn closed.
	bad := filepath.Join(t.TempDir(), "bad")
	if err := os.WriteFile(bad, []byte("Port x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a, b := net.Pipe()
	defer b.Close()
	cfg.SSHConfig = bad
	wantKind(t, NewClient().ConnectConn(a, cfg), KindInvalid)
	if _, err := a.Write([]byte("x")); err == nil {
		t.Error("conn still open after a refused ConnectConn")
	}
}
