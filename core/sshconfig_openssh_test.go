package core

// The resolver against OpenSSH's own: `ssh -G -F file host` prints the
// configuration ssh resolved; each case compares the keywords gossh claims
// to resolve (sshGKeywords) with it. A keyword gossh did not obtain must be
// at OpenSSH's default, so a value gossh missed fails as well as a wrong one.

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// sshGKeywords are the keywords compared, each with OpenSSH's default (what
// -G prints when no file sets it; "" for nothing printed). identityfile,
// certificatefile and proxycommand are compared as written (ssh -G prints
// them before expanding tokens); the others as gossh expands them.
func sshGDefaults(env *sshEnv) map[string][]string {
	home := env.home
	return map[string][]string{
		"hostname": nil, // always compared
		"user":     {env.localUser},
		"port":     {"22"},
		"identityfile": {"~/.ssh/id_rsa", "~/.ssh/id_ecdsa", "~/.ssh/id_ecdsa_sk", "~/.ssh/id_ed25519",
			"~/.ssh/id_ed25519_sk", "~/.ssh/id_xmss", "~/.ssh/id_dsa"},
		"certificatefile":       nil,
		"identitiesonly":        {"no"},
		"proxycommand":          nil,
		"proxyjump":             nil,
		"userknownhostsfile":    {home + "/.ssh/known_hosts " + home + "/.ssh/known_hosts2"},
		"stricthostkeychecking": {"ask"},
		"compression":           {"no"},
		"connecttimeout":        {"none"},
		"serveraliveinterval":   {"0"},
		"serveralivecountmax":   {"3"},
		"controlpath":           nil,
		"remotecommand":         nil,
		"hostkeyalias":          nil,
		"forwardagent":          {"no"},
		"batchmode":             {"no"},
		"sendenv":               nil,
		"localforward":          nil,
		"remoteforward":         nil,
		"gssapiauthentication":  {"no"},
		"globalknownhostsfile":  {"/etc/ssh/ssh_known_hosts /etc/ssh/ssh_known_hosts2"},
		"forwardx11trusted":     {"yes"},
		"ciphers":               {"*"}, // OpenSSH's defaults: compared only when set
		"kexalgorithms":         {"*"},
		"macs":                  {"*"},
		"hostkeyalgorithms":     {"*"},
	}
}

// sshGNormalize turns gossh's value into -G's spelling.
func sshGNormalize(k, v string) string {
	switch k {
	case "stricthostkeychecking":
		switch strings.ToLower(v) {
		case "no", "off", "false":
			return "false"
		case "yes", "on", "true":
			return "true"
		}
	case "forwardx11trusted":
		return strings.ToLower(v)
	case "localforward", "remoteforward":
		var out []string
		for _, f := range strings.Fields(v) {
			if i := strings.LastIndexByte(f, ':'); i > 0 && !strings.HasPrefix(f, "[") && !strings.HasPrefix(f, "/") {
				f = "[" + f[:i] + "]" + f[i:]
			}
			out = append(out, f)
		}
		return strings.Join(out, " ")
	}
	return v
}

type sshGCase struct {
	conf, host, user string
	port             int
}

var sshGCases = []sshGCase{
	{conf: "basic.conf", host: "web1"},
	{conf: "basic.conf", host: "web1", user: "explicit", port: 2999},
	{conf: "basic.conf", host: "web-internal"},
	{conf: "basic.conf", host: "webfront"},
	{conf: "basic.conf", host: "db"},
	{conf: "basic.conf", host: "xb2"},
	{conf: "basic.conf", host: "ab2"},
	{conf: "basic.conf", host: "foo.corp"},
	{conf: "basic.conf", host: "legacy"},
	{conf: "basic.conf", host: "Other.Example"},
	{conf: "basic.conf", host: "10.1.2.3"},
	{conf: "match.conf", host: "h", user: "bob"},
	{conf: "match.conf", host: "h", user: "alice"},
	{conf: "match.conf", host: "h"},
	{conf: "match.conf", host: "alias"},
	{conf: "match.conf", host: "alias", user: "nobody"},
	{conf: "match.conf", host: "execme"},
	{conf: "match.conf", host: "negative"},
	{conf: "match.conf", host: "localbox"},
	{conf: "match.conf", host: "canon"},
	{conf: "match.conf", host: "notfinal"},
	{conf: "match.conf", host: "FinalHost"},
	{conf: "match.conf", host: "other", user: "u"},
	{conf: "include.conf", host: "inc-a"},
	{conf: "include.conf", host: "inc-b"},
	{conf: "include.conf", host: "inc-cond"},
	{conf: "include.conf", host: "nomatch"},
	{conf: "include.conf", host: "zzz"},
	{conf: "tokens.conf", host: "tok"},
	{conf: "tokens.conf", host: "tok", user: "cli", port: 7},
	{conf: "tokens.conf", host: "tok2"},
	{conf: "fedora.conf", host: "anything"},
	{conf: "final-dup.conf", host: "x"},
}

// sshGSetup copies testdata/sshconfig to a temporary directory, with @DIR@
// replaced by it, and returns the directory and the environment in which
// both ssh and gossh resolve ("~" in Include is $HOME, set to dir/home).
func sshGSetup(t *testing.T) (string, *sshEnv) {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join("testdata", "sshconfig")
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		dst := filepath.Join(dir, rel)
		if info.IsDir() {
			return os.MkdirAll(dst, 0o700)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, []byte(strings.ReplaceAll(string(data), "@DIR@", dir)), 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
	env := sshEnvNow()
	env.homeEnv = filepath.Join(dir, "home")
	return dir, env
}

// withSSHEnv makes lookups in the test see env.
func withSSHEnv(t *testing.T, env *sshEnv) {
	old := sshEnvNow
	sshEnvNow = func() *sshEnv { e := *env; return &e }
	t.Cleanup(func() { sshEnvNow = old })
}

func parseSSHG(out string) map[string][]string {
	m := map[string][]string{}
	for _, line := range strings.Split(out, "\n") {
		k, v, ok := strings.Cut(line, " ")
		if ok {
			m[k] = append(m[k], v)
		}
	}
	return m
}

func TestSSHConfigAgainstOpenSSH(t *testing.T) {
	sshBin, err := exec.LookPath("ssh")
	if err != nil {
		t.Skip("OpenSSH's ssh is not installed")
	}
	dir, env := sshGSetup(t)
	withSSHEnv(t, env)
	defaults := sshGDefaults(env)
	// No DNS: "canon" is no name ssh can canonicalize either.
	oldResolve := sshConfigResolve
	sshConfigResolve = func(string) bool { return false }
	defer func() { sshConfigResolve = oldResolve }()
	compared := 0
	for _, c := range sshGCases {
		name := c.conf + "/" + c.host
		if c.user != "" {
			name += "/-l" + c.user
		}
		if c.port != 0 {
			name += "/-p" + strconv.Itoa(c.port)
		}
		t.Run(name, func(t *testing.T) {
			file := filepath.Join(dir, c.conf)
			args := []string{"-G", "-F", file}
			if c.user != "" {
				args = append(args, "-l", c.user)
			}
			if c.port != 0 {
				args = append(args, "-p", strconv.Itoa(c.port))
			}
			cmd := exec.Command(sshBin, append(args, c.host)...)
			cmd.Env = append(os.Environ(), "HOME="+env.homeEnv)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("ssh %v: %v", args, err)
			}
			want := parseSSHG(string(out))
			cfg, err := LoadSSHConfig(file)
			if err != nil {
				t.Fatal(err)
			}
			res, err := cfg.Lookup(c.host, &SSHConfigQuery{User: c.user, Port: c.port})
			if err != nil {
				t.Fatal(err)
			}
			for k, def := range defaults {
				var got []string
				vals := res.GetAll(k)
				if k == "identityfile" || k == "certificatefile" || k == "proxycommand" {
					vals = res.raw[k]
				}
				for _, v := range vals {
					got = append(got, sshGNormalize(k, v))
				}
				if got == nil {
					if len(def) == 1 && def[0] == "*" {
						continue
					}
					got = def
				}
				if k == "proxycommand" && res.raw["proxyjump"] != nil {
					got = nil // ssh turns a ProxyJump into a command it does not print
				}
				if strings.Join(got, "\n") != strings.Join(want[k], "\n") {
					t.Errorf("%s: gossh %q, ssh -G %q", k, got, want[k])
				}
				compared++
			}
		})
	}
	t.Logf("%d cases, %d keyword comparisons", len(sshGCases), compared)
}

// TestSSHConfigIdentityTokensAgainstOpenSSH checks the expanded
// IdentityFile and CertificateFile values, which ssh -G prints unexpanded:
// `ssh -v` names each file it loads ("identity file PATH type N") before
// the key exchange, which a ProxyCommand that exits at once cuts short.
func TestSSHConfigIdentityTokensAgainstOpenSSH(t *testing.T) {
	sshBin, err := exec.LookPath("ssh")
	if err != nil {
		t.Skip("OpenSSH's ssh is not installed")
	}
	dir, env := sshGSetup(t)
	withSSHEnv(t, env)
	checked := 0
	for _, c := range sshGCases {
		file := filepath.Join(dir, c.conf)
		cfg, err := LoadSSHConfig(file)
		if err != nil {
			t.Fatal(err)
		}
		res, err := cfg.Lookup(c.host, &SSHConfigQuery{User: c.user, Port: c.port})
		if err != nil {
			t.Fatal(err)
		}
		if res.GetAll("identityfile") == nil && res.GetAll("certificatefile") == nil {
			continue
		}
		args := []string{"-v", "-F", file, "-o", "ProxyCommand=true", "-o", "BatchMode=yes"}
		if c.user != "" {
			args = append(args, "-l", c.user)
		}
		if c.port != 0 {
			args = append(args, "-p", strconv.Itoa(c.port))
		}
		cmd := exec.Command(sshBin, append(args, c.host)...)
		cmd.Env = append(os.Environ(), "HOME="+env.homeEnv)
		out, _ := cmd.CombinedOutput() // it fails: the proxy closes at once
		var ids, certs []string
		for _, line := range strings.Split(string(out), "\n") {
			for prefix, list := range map[string]*[]string{"debug1: identity file ": &ids, "debug1: certificate file ": &certs} {
				if rest, ok := strings.CutPrefix(line, prefix); ok {
					if i := strings.LastIndex(rest, " type "); i >= 0 {
						p := rest[:i]
						if n := len(*list); n > 0 && p == (*list)[n-1]+"-cert" {
							continue // ssh looks for PATH-cert beside each key
						}
						*list = append(*list, p)
					}
				}
			}
		}
		if got := res.GetAll("identityfile"); got != nil && strings.Join(got, "\n") != strings.Join(ids, "\n") {
			t.Errorf("%s %s: identityfile gossh %q, ssh %q", c.conf, c.host, got, ids)
		}
		if got := res.GetAll("certificatefile"); strings.Join(got, "\n") != strings.Join(certs, "\n") {
			t.Errorf("%s %s: certificatefile gossh %q, ssh %q", c.conf, c.host, got, certs)
		}
		checked++
	}
	if checked < 5 {
		t.Fatalf("only %d cases had identity files", checked)
	}
	t.Logf("%d cases compared", checked)
}

// TestSSHConfigErrorsAgainstOpenSSH: a file ssh refuses, gossh refuses
// (for the keywords it applies and the structure: quotes, Match, Host), and
// one ssh takes, gossh takes.
func TestSSHConfigErrorsAgainstOpenSSH(t *testing.T) {
	sshBin, err := exec.LookPath("ssh")
	if err != nil {
		t.Skip("OpenSSH's ssh is not installed")
	}
	dir := t.TempDir()
	for i, text := range []string{
		// refused
		"Port #x\n", "HostName \"\"\n", "Port 22 33\n", "Port abc\n", "Host x\nPort 0\n", "Port 65536\n",
		"User\n", `User "a` + "\n", "Match\n", "Match user\n", "Match nosuch x\n", "Match all host a\n",
		"Host\n", "ConnectTimeout 5x\n", "ServerAliveCountMax -1\n", "IdentitiesOnly maybe\n",
		"Compression true\n", "StrictHostKeyChecking sometimes\n", "CanonicalizeHostname 0\n",
		"Host a\n  IdentityFile a b\n", "HostName a b\n", "Match host a all\nMatch exec\n",
		// taken
		"Port 22\n", "Host x\n  Port=2222\n", "port = 2\n", "ConnectTimeout 1h30m\n", "ConnectTimeout none\n",
		"IdentitiesOnly TRUE\n", "StrictHostKeyChecking accept-new\n", "Match host a all\n", "Match exec \"true\" all\n",
		"ProxyCommand\tnc %h %p  # a comment\n", "Host \"a b\" c\n", "HostName=a\n", "Compression yes\n",
		"UserKnownHostsFile a b c\n", "SendEnv A B\n", "Match !final !canonical\n",
	} {
		file := filepath.Join(dir, "c"+strconv.Itoa(i))
		if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		sshErr := exec.Command(sshBin, "-G", "-F", file, "somehost").Run()
		_, goErr := LoadSSHConfig(file)
		if (sshErr == nil) != (goErr == nil) {
			t.Errorf("%q: ssh -G error %v, gossh error %v", text, sshErr, goErr)
		} else if goErr != nil && KindOf(goErr) != KindInvalid {
			t.Errorf("%q: gossh error of kind %v", text, KindOf(goErr))
		}
	}
}
