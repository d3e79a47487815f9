package core

import (
	"strings"
	"testing"
)

// FuzzSSHConfig: any ssh_config text parses or fails with KindInvalid,
// and any lookup in what parsed never panics, always names a hostname,
// and fails only with KindInvalid or KindConnect (canonicalization). No
// command runs and no file is read: Match exec and Include are stubbed.
func FuzzSSHConfig(f *testing.F) {
	for _, s := range []string{
		"Host a\n  Port 2\n", "Match final all\n  User u\n", "Match host h user bob\n  Port 1\n",
		"Host *\n  IdentityFile ~/.ssh/%r@%h-%C\n", "Include x/*.conf\n", `User "unterminated`,
		"Match exec \"test %h = a\" !host b,c*\n", "ProxyJump a,b\nProxyCommand nc %h %p\n",
		"CanonicalizeHostname yes\nCanonicalDomains example.com\n", "Host=a b\n\tHostName=%h.x\n",
		"Match all canonical\n", "HostName %%%\n", "Host \"a b\" !c\n", "SendEnv A B\nLocalForward 1 a:1\n",
	} {
		f.Add(s, "a")
	}
	oldExec, oldGlob, oldResolve := sshConfigExec, sshConfigGlob, sshConfigResolve
	sshConfigExec = func(cmd string) (bool, error) { return strings.Contains(cmd, "a"), nil }
	sshConfigGlob = func(string) ([]string, error) { return nil, nil }
	sshConfigResolve = func(name string) bool { return strings.HasPrefix(name, "a") }
	defer func() { sshConfigExec, sshConfigGlob, sshConfigResolve = oldExec, oldGlob, oldResolve }()
	f.Fuzz(func(t *testing.T, text, host string) {
		c, err := ParseSSHConfig([]byte(text), "fuzz")
		if err != nil {
			if KindOf(err) != KindInvalid {
				t.Fatalf("parse: %v error %v", KindOf(err), err)
			}
			return
		}
		c.Hostnames()
		if host == "" {
			host = "h"
		}
		r, err := c.Lookup(host, &SSHConfigQuery{User: "u", Port: 22})
		if err != nil {
			if k := KindOf(err); k != KindInvalid && k != KindConnect {
				t.Fatalf("lookup: %v error %v", k, err)
			}
			return
		}
		if _, ok := r.Get("hostname"); !ok {
			t.Fatalf("no hostname for %q", host)
		}
		for _, k := range r.Keywords() {
			for _, v := range r.GetAll(k) {
				if strings.Contains(v, "\n") {
					t.Fatalf("%s value %q holds a newline", k, v)
				}
			}
		}
	})
}
