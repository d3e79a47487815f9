package core

import (
	"strconv"
	"strings"
	"testing"
)

// fuzzCanary marks a value so that an echo of it in a message shows,
// whatever the message's own words are. It is plain ASCII, so that %q
// leaves it as it is.
const fuzzCanary = "GoSSH-canary-7f3a"

// withoutName removes the option name (bare and quoted) from an error
// message: an unknown option's message may name it, and a value may
// happen to be part of the name.
func withoutName(msg, name string) string {
	if name == "" {
		return msg
	}
	msg = strings.ReplaceAll(msg, strconv.Quote(name), "")
	return strings.ReplaceAll(msg, name, "")
}

// FuzzConfigSet: Config.Set takes any option name and value from C,
// Python or Node. It never panics; a failure is KindInvalid; a success
// stores what the value says; and an error message never contains the
// value (a password given to a mistyped option, or as a port, must not
// reach a log or an exception text).
func FuzzConfigSet(f *testing.F) {
	for _, s := range [][2]string{
		{"hostname", "example.com"}, {"port", "22"}, {"port", " 2222 "}, {"port", "0"}, {"port", "65536"},
		{"port", "-1"}, {"port", "not-a-port"}, {"port", "99999999999999999999"}, {"port", "0x16"},
		{"username", "alice"}, {"password", "hunter2"}, {"passphrase", ""},
		{"key_filename", "~/.ssh/id_ed25519"}, {"key_filename", ""},
		{"allow_agent", "yes"}, {"allow_agent", "OFF"}, {"look_for_keys", "maybe"}, {"agent_socket", "/tmp/agent.sock"},
		{"timeout", "1.5"}, {"timeout", ""}, {"timeout", "-1"}, {"banner_timeout", "NaN"}, {"auth_timeout", "Infinity"},
		{"auth_timeout", "1e300"}, {"timeout", "secret-password-123"},
		{"ciphers", "aes128-ctr,hunter2-secret"}, {"kex", "curve25519-sha256"}, {"host_key_algorithms", "ssh-ed25519"},
		{"disabled_algorithms", "ciphers=aes128-ctr;kex=secret-word"}, {"disabled_algorithms", "secret=1"},
		{"pubkey_algorithms", "ssh-rsa"}, {"forward_agent", "1"}, {"compress", "maybe"},
		{"pasword", "hunter2"}, {"", ""}, {"port\x00", "22"}, {"\xff\xfe", "\x00\xff"}, {"PORT", "22"},
		{"ssh_config", "1"}, {"ssh_config", "/etc/ssh/ssh_config"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, name, value string) {
		c := &Config{}
		err := c.Set(name, value)
		if err != nil {
			if KindOf(err) != KindInvalid {
				t.Fatalf("Set(%q, %q): error of kind %v: %v", name, value, KindOf(err), err)
			}
		} else {
			checkSetValue(t, c, name, value)
		}

		// The value, marked, must not show in the message. Marked, it no
		// longer parses, so every option that parses its value fails.
		marked := fuzzCanary + value + fuzzCanary
		merr := (&Config{}).Set(name, marked)
		frame := "" // the words of a parse error's message
		if merr != nil {
			frame = withoutName(merr.Error(), name)
			if strings.Contains(frame, fuzzCanary) {
				t.Errorf("Set(%q, value): the error message repeats the value: %q", name, merr.Error())
				frame = ""
			}
		}
		// The value as given: a parsed value that is refused (a port out
		// of range) must not show either. Short values and the words of
		// the message itself would match by chance.
		if err != nil {
			msg := withoutName(err.Error(), name)
			v := strings.TrimSpace(value)
			if len(v) >= 6 && strings.Contains(msg, v) && !strings.Contains(frame, v) {
				t.Errorf("Set(%q, %q): the error message repeats the value: %q", name, value, err.Error())
			}
		}
	})
}

// checkSetValue checks that a successful Set stored what value says.
func checkSetValue(t *testing.T, c *Config, name, value string) {
	t.Helper()
	switch name {
	case "hostname":
		if c.Hostname != value {
			t.Fatalf("hostname %q, set %q", c.Hostname, value)
		}
	case "port":
		if p, err := strconv.Atoi(strings.TrimSpace(value)); err != nil || p != c.Port || p < 1 || p > 65535 {
			t.Fatalf("port %d from %q", c.Port, value)
		}
	case "key_filename":
		if len(c.KeyFilenames) != 1 || c.KeyFilenames[0] != value || value == "" {
			t.Fatalf("key_filename %q from %q", c.KeyFilenames, value)
		}
	case "timeout", "banner_timeout", "auth_timeout":
		if c.Timeout < 0 || c.BannerTimeout < 0 || c.AuthTimeout < 0 {
			t.Fatalf("negative timeout from %q", value)
		}
	case "ssh_config":
		if c.SSHConfig != sshConfigOption(value) || (value == "1" && c.SSHConfig != SSHConfigDefault) {
			t.Fatalf("ssh_config %q from %q", c.SSHConfig, value)
		}
	case "ciphers", "kex", "macs", "host_key_algorithms", "pubkey_algorithms":
		// Every name stored is one gossh implements.
		cat := map[string]string{"ciphers": AlgoCiphers, "kex": AlgoKex, "macs": AlgoMACs,
			"host_key_algorithms": AlgoKeys, "pubkey_algorithms": AlgoPubkeys}[name]
		known := knownAlgorithms(cat)
		for _, list := range [][]string{c.Ciphers, c.KeyExchanges, c.MACs, c.HostKeyAlgorithms, c.PubkeyAlgorithms} {
			for _, a := range list {
				if !known[a] {
					t.Fatalf("%s stored %q from %q", name, a, value)
				}
			}
		}
	case "disabled_algorithms":
		for cat, list := range c.DisabledAlgorithms {
			for _, a := range list {
				if !knownAlgorithms(cat)[a] && !paramikoOnly[cat][a] {
					t.Fatalf("disabled_algorithms stored %s=%q from %q", cat, a, value)
				}
			}
		}
	case "username", "password", "passphrase", "agent_socket", "allow_agent", "look_for_keys",
		"compress", "forward_agent", "identities_only":
	default:
		t.Fatalf("Set accepted the unknown option %q", name)
	}
}
