package core

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

func mustParseSSHConfig(t *testing.T, text string) *SSHConfig {
	t.Helper()
	c, err := ParseSSHConfig([]byte(text), "test")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustLookupSSHConfig(t *testing.T, c *SSHConfig, host string) *SSHConfigResult {
	t.Helper()
	r, err := c.Lookup(host, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestSSHConfigSyntax(t *testing.T) {
	c := mustParseSSHConfig(t, `
# comment
  Host  a b   # trailing comment
	PORT=2222
    user = "with space"
    IdentityFile "/k/one two" 
    identityfile=/k/three
    ProxyCommand ssh -W "%h:%p" gw
    UnknownKeyword kept as is
Host *
    Port 1
    IdentityFile /k/four
`)
	r := mustLookupSSHConfig(t, c, "a")
	for k, want := range map[string][]string{
		"port":           {"2222"},
		"user":           {"with space"},
		"identityfile":   {"/k/one two", "/k/three", "/k/four"},
		"proxycommand":   {`ssh -W "a:2222" gw`},
		"unknownkeyword": {"kept as is"},
		"hostname":       {"a"},
	} {
		if got := r.GetAll(k); !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if got := c.Hostnames(); !reflect.DeepEqual(got, []string{"a", "b", "*"}) {
		t.Errorf("Hostnames = %q", got)
	}
	for _, bad := range []string{"Port", `User "unterminated`, "Match", "Match user", "Match all host a", "Match nosuch x", "Host"} {
		if _, err := ParseSSHConfig([]byte(bad+"\n"), "bad"); KindOf(err) != KindInvalid {
			t.Errorf("%q: got %v, want an invalid-argument error", bad, err)
		} else if !strings.Contains(err.Error(), "bad line 1") {
			t.Errorf("%q: error %q does not name the line", bad, err)
		}
	}
}

func TestSSHConfigCanonicalize(t *testing.T) {
	old := sshConfigResolve
	sshConfigResolve = func(name string) bool { return name == "web.example.org" }
	defer func() { sshConfigResolve = old }()
	c := mustParseSSHConfig(t, `
CanonicalizeHostname yes
CanonicalDomains example.com example.org
Match canonical host web.example.org
    User canonical
Host *.example.org
    Port 2022
`)
	r := mustLookupSSHConfig(t, c, "web")
	if h, _ := r.Get("hostname"); h != "web.example.org" {
		t.Errorf("hostname %q", h)
	}
	if u, _ := r.Get("user"); u != "canonical" {
		t.Errorf("user %q", u)
	}
	if p, _ := r.Get("port"); p != "2022" {
		t.Errorf("port %q", p)
	}
	c = mustParseSSHConfig(t, "CanonicalizeHostname yes\nCanonicalDomains example.com\nCanonicalizeFallbackLocal no\n")
	if _, err := c.Lookup("nowhere", nil); KindOf(err) != KindConnect {
		t.Errorf("fallback no: got %v", err)
	}
	// Not tried (more dots than CanonicalizeMaxDots): no error, as ssh.
	if r, err := c.Lookup("a.b.c", nil); err != nil {
		t.Errorf("fallback no, not tried: %v", err)
	} else if h, _ := r.Get("hostname"); h != "a.b.c" {
		t.Errorf("hostname %q", h)
	}
}

func TestSSHConfigIncludeDepth(t *testing.T) {
	dir := t.TempDir()
	loop := filepath.Join(dir, "loop.conf")
	if err := os.WriteFile(loop, []byte("Include "+loop+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSSHConfig(loop); err == nil || !strings.Contains(err.Error(), "deeply") {
		t.Errorf("an Include loop: got %v", err)
	}
	if _, err := LoadSSHConfig(filepath.Join(dir, "missing")); !IsNotExist(err) {
		t.Errorf("missing file: got %v", err)
	}
}

func TestResolveAlgorithms(t *testing.T) {
	base := []string{"a", "b-1", "b-2", "c"}
	known := append(base, "old")
	for v, want := range map[string][]string{
		"c,a":     {"c", "a"},
		"+old":    {"a", "b-1", "b-2", "c", "old"},
		"^old,c":  {"old", "c", "a", "b-1", "b-2"},
		"-b-*":    {"a", "c"},
		"a,nosuh": {"a"},
	} {
		got, _ := resolveAlgorithms(v, base, known)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q: %q, want %q", v, got, want)
		}
	}
}

func TestParseConvtime(t *testing.T) {
	for v, want := range map[string]time.Duration{"10": 10 * time.Second, "1m30s": 90 * time.Second, "none": 0, "2h": 2 * time.Hour} {
		if got, err := parseConvtime(v); err != nil || got != want {
			t.Errorf("%q: %v %v", v, got, err)
		}
	}
	if _, err := parseConvtime("1x"); err == nil {
		t.Error("1x parsed")
	}
}

func TestConfigExplicit(t *testing.T) {
	c := NewConfig()
	if c.Explicit("port") || c.Explicit("username") || c.Explicit("allow_agent") {
		t.Fatal("defaults count as explicit")
	}
	if err := c.Set("port", "22"); err != nil {
		t.Fatal(err)
	}
	if !c.Explicit("port") || !c.Clone().Explicit("port") {
		t.Error("port set to its default by Set is not explicit")
	}
	c.Username = "someone-else"
	if !c.Explicit("username") {
		t.Error("a username away from the default is not explicit")
	}
	for v, want := range map[string]string{"1": SSHConfigDefault, "default": SSHConfigDefault, "/p": "/p", "": ""} {
		if err := c.Set("ssh_config", v); err != nil || c.SSHConfig != want {
			t.Errorf("ssh_config %q: %q %v", v, c.SSHConfig, err)
		}
	}
}

// sshConfigFor writes an ssh_config for the test server under the alias
// "gossh-alias" with extra lines and returns its path.
func (s testServer) sshConfigFor(t *testing.T, extra string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config")
	text := "Host gossh-alias\n" +
		"    HostName " + s.host + "\n" +
		"    Port " + strconv.Itoa(s.port) + "\n" +
		"    User " + s.user + "\n" +
		"    IdentityFile " + filepath.Join(s.keydir, "id_ed25519") + "\n" +
		"    IdentityFile " + filepath.Join(s.keydir, "no-such-key") + "\n" +
		extra +
		"Host *\n    IdentitiesOnly yes\n    ServerAliveInterval 30\n    Compression yes\n"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestSSHConfigConnect(t *testing.T) {
	s := sshd(t)
	path := s.sshConfigFor(t, "    UserKnownHostsFile "+filepath.Join(s.keydir, "known_hosts")+"\n"+
		"    StrictHostKeyChecking yes\n    Ciphers aes256-ctr\n    MACs hmac-sha2-256\n")
	c := NewClient() // no host keys: they come from UserKnownHostsFile
	defer c.Close()
	cfg := NewConfig()
	cfg.Hostname = "gossh-alias"
	cfg.SSHConfig = path
	if err := c.Connect(cfg); err != nil {
		t.Fatal(err)
	}
	info, err := c.Info()
	if err != nil {
		t.Fatal(err)
	}
	if info.Username != s.user || info.Algorithms.Write.Cipher != "aes256-ctr" || info.Algorithms.Write.MAC != "hmac-sha2-256" {
		t.Errorf("info %+v", info)
	}
}

func TestSSHConfigExplicitWins(t *testing.T) {
	s := sshd(t)
	path := s.sshConfigFor(t, "    UserKnownHostsFile "+filepath.Join(s.keydir, "known_hosts")+"\n")
	// An explicit port (even 22, the default) beats the file's.
	cfg := NewConfig()
	cfg.Hostname, cfg.SSHConfig = "gossh-alias", path
	if err := cfg.Set("port", "1"); err != nil {
		t.Fatal(err)
	}
	cfg.Timeout = 10 * time.Second
	wantKind(t, NewClient().Connect(cfg), KindConnect)
	// An explicit user beats the file's.
	cfg = NewConfig()
	cfg.Hostname, cfg.SSHConfig, cfg.Username = "gossh-alias", path, "gossh-no-such-user"
	c := NewClient()
	defer c.Close()
	wantKind(t, c.Connect(cfg), KindAuth)
}

func TestSSHConfigHostKeys(t *testing.T) {
	s := sshd(t)
	// A wrong key in the file's known_hosts is refused, whatever
	// StrictHostKeyChecking says.
	path := s.sshConfigFor(t, "    UserKnownHostsFile "+filepath.Join(s.keydir, "known_hosts_wrong")+"\n    StrictHostKeyChecking no\n")
	cfg := NewConfig()
	cfg.Hostname, cfg.SSHConfig = "gossh-alias", path
	c := NewClient()
	wantKind(t, c.Connect(cfg), KindHostKeyMismatch)
	c.Close()
	// accept-new: an unknown host is accepted and written to the file.
	kh := filepath.Join(t.TempDir(), "known_hosts")
	path = s.sshConfigFor(t, "    UserKnownHostsFile "+kh+"\n    StrictHostKeyChecking accept-new\n")
	cfg.SSHConfig = path
	c = NewClient()
	if err := c.Connect(cfg); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if data, err := os.ReadFile(kh); err != nil || !strings.Contains(string(data), "127.0.0.1") {
		t.Errorf("known_hosts after accept-new: %q %v", data, err)
	}
	// A policy set by the caller wins over StrictHostKeyChecking.
	path = s.sshConfigFor(t, "    UserKnownHostsFile "+filepath.Join(t.TempDir(), "empty")+"\n    StrictHostKeyChecking no\n")
	cfg.SSHConfig = path
	c = NewClient()
	c.SetPolicy(RejectPolicy{})
	wantKind(t, c.Connect(cfg), KindHostKeyUnknown)
	c.Close()
}

func TestSSHConfigHostKeyAlias(t *testing.T) {
	s := sshd(t)
	data, err := os.ReadFile(filepath.Join(s.keydir, "known_hosts"))
	if err != nil {
		t.Fatal(err)
	}
	name := HostKeyName(s.host, s.port)
	var lines []string
	for _, l := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(l, name+" "); ok {
			lines = append(lines, "the-alias "+rest)
		}
	}
	kh := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(kh, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := s.sshConfigFor(t, "    UserKnownHostsFile "+kh+"\n    HostKeyAlias The-Alias\n")
	cfg := NewConfig()
	cfg.Hostname, cfg.SSHConfig = "gossh-alias", path
	c := NewClient()
	defer c.Close()
	if err := c.Connect(cfg); err != nil {
		t.Fatal(err)
	}
	// Without the alias the same file does not know the host.
	path = s.sshConfigFor(t, "    UserKnownHostsFile "+kh+"\n")
	cfg.SSHConfig = path
	c2 := NewClient()
	defer c2.Close()
	wantKind(t, c2.Connect(cfg), KindHostKeyUnknown)
}

func TestDefaultSSHConfigFiles(t *testing.T) {
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	etc := filepath.Join(dir, "etc")
	for _, d := range []string{filepath.Join(home, ".ssh"), filepath.Join(etc, "sys.d")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p, text string) {
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// The user's file includes a relative path (under ~/.ssh); the system
	// file one relative to its own directory, and is read after.
	write(filepath.Join(home, ".ssh", "config"), "Include inc.conf\nHost a\n    Port 1\n")
	write(filepath.Join(home, ".ssh", "inc.conf"), "Host b\n    Port 2\n")
	write(filepath.Join(etc, "ssh_config"), "Include sys.d/*.conf\nHost *\n    Port 9\n    User sys\n")
	write(filepath.Join(etc, "sys.d", "x.conf"), "Host c\n    Port 3\n")
	env := sshEnvNow()
	env.home, env.homeEnv = home, home
	withSSHEnv(t, env)
	old := SSHConfigSystemFile
	SSHConfigSystemFile = filepath.Join(etc, "ssh_config")
	defer func() { SSHConfigSystemFile = old }()
	c, err := OpenSSHConfig("1")
	if err != nil {
		t.Fatal(err)
	}
	for host, want := range map[string]string{"a": "1", "b": "2", "c": "3", "d": "9"} {
		r := mustLookupSSHConfig(t, c, host)
		if p, _ := r.Get("port"); p != want {
			t.Errorf("%s: port %q, want %s", host, p, want)
		}
		if u, _ := r.Get("user"); u != "sys" {
			t.Errorf("%s: user %q", host, u)
		}
	}
	// "~" is for user files only.
	write(filepath.Join(etc, "ssh_config"), "Include ~/x\n")
	if _, err := DefaultSSHConfig(); KindOf(err) != KindInvalid {
		t.Errorf("system Include ~: got %v", err)
	}
	// Neither file there: an empty configuration.
	os.Remove(filepath.Join(etc, "ssh_config"))
	os.Remove(filepath.Join(home, ".ssh", "config"))
	c, err = DefaultSSHConfig()
	if err != nil {
		t.Fatal(err)
	}
	if r := mustLookupSSHConfig(t, c, "x"); len(r.Keywords()) != 1 {
		t.Errorf("empty configuration gave %q", r.Keywords())
	}
}

func TestSSHConfigProxy(t *testing.T) {
	c := mustParseSSHConfig(t, `
Host gw
    HostName 10.0.0.1
    ProxyJump gw
Host gw2
    ProxyJump bob@gw2:2222
Host inner
    HostName inner.example
    ProxyJump gw,jump@outer:2200
    ProxyCommand ignored %h
Host pc
    ProxyCommand nc %h %p
Host none
    ProxyJump none
    ProxyCommand nc %h %p
`)
	for _, tc := range []struct {
		host, jump, command string
		loop                bool
	}{
		{host: "gw", loop: true},
		{host: "gw2", loop: true}, // the same name, whatever the port
		{host: "inner", jump: "gw,jump@outer:2200"},
		{host: "pc", command: "nc %h %p"},
		{host: "none"},
		{host: "plain"},
	} {
		res := mustLookupSSHConfig(t, c, tc.host)
		cfg := NewConfig()
		cfg.Hostname = tc.host
		if err := cfg.Set("port", "22"); err != nil {
			t.Fatal(err)
		}
		restore, err := NewClient().applySSHConfigResult(cfg, res)
		restore()
		if tc.loop {
			if KindOf(err) != KindInvalid || !strings.Contains(err.Error(), "loop") {
				t.Errorf("%s: got %v, want a loop error", tc.host, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.host, err)
			continue
		}
		jump, command, _ := sshConfigProxy(cfg, tc.host, res)
		if jump != tc.jump || command != tc.command {
			t.Errorf("%s: jump %q command %q", tc.host, jump, command)
		}
	}
	// A jump host that leads back to a host it is a jump host for.
	cfg := NewConfig()
	cfg.jumpChain = []string{"outer"}
	if _, _, err := sshConfigProxy(cfg, "inner", mustLookupSSHConfig(t, c, "inner")); err == nil || !strings.Contains(err.Error(), "loop") {
		t.Errorf("a loop through the chain: %v", err)
	}
	cfg.jumpChain = make([]string, sshConfigMaxJumps)
	if _, _, err := sshConfigProxy(cfg, "inner", mustLookupSSHConfig(t, c, "inner")); err == nil {
		t.Error("no error at the jump depth limit")
	}
}

func TestHopBase(t *testing.T) {
	cfg := NewConfig()
	cfg.Hostname = "alias"
	if err := cfg.Set("username", "target-user"); err != nil {
		t.Fatal(err)
	}
	cfg.SSHConfig = "/some/config"
	applied := cfg.Clone()
	applied.sshBase = cfg
	applied.Hostname, applied.HostKeyAlias = "target.example", "target-alias"
	hop := applied.hopBase(false)
	if hop.Hostname != "alias" || hop.HostKeyAlias != "" || hop.SSHConfig != "/some/config" || len(hop.jumpChain) != 1 || hop.jumpChain[0] != "alias" {
		t.Errorf("hop %+v", hop)
	}
	if hop.Explicit("username") {
		t.Error("a hop without a user in its spec keeps the target's explicit user")
	}
	if !applied.hopBase(true).Explicit("username") {
		t.Error("a hop with a user in its spec lost it")
	}
	if cfg.CallerConfig() != cfg || applied.CallerConfig() != cfg {
		t.Error("CallerConfig")
	}
}
