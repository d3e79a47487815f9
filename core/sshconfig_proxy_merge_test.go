//go:build sshconfig_after_connect_merge

// This test needs branch connect (Config.ProxyJump, ConnectVia, jump.go):
// after the merge and the three MERGE POINT edits of sshconfig_apply.go,
// delete the build line above. It connects to the test sshd through one and
// two jump hosts named only in an ssh_config, through a ProxyCommand from
// it, and refuses two ProxyJump loops.

package core

import (
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
