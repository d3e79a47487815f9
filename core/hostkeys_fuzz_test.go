package core

import (
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

const fuzzKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIb8dPtBVvG0wkRBqV7eK6yTv7m2g/SmyQQOzq5mE2tu"

// FuzzParseKnownHostsLine: any line parses or fails cleanly; a parsed line
// formats back to a line that parses to the same entry.
func FuzzParseKnownHostsLine(f *testing.F) {
	for _, s := range []string{
		"host " + fuzzKey,
		"host1,host2\t" + fuzzKey + " comment here",
		"[127.0.0.1]:2222 " + fuzzKey,
		"|1|F1E1KeoE/eEWhi10WpGv4OdiO6Y=|3988QV0VE8wmZL7suNrYQLITLCg= " + fuzzKey,
		"@cert-authority *.example.com " + fuzzKey,
		"@revoked * " + fuzzKey,
		"@bogus host " + fuzzKey,
		"*,!bad,?x " + fuzzKey,
		"# comment",
		"",
		"host ssh-ed25519",
		"host ssh-ed25519 !!!",
		"host ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIIb8dPtBVvG0wkRBqV7eK6yTv7m2g/SmyQQOzq5mE2tu",
		", " + fuzzKey,
		"host " + fuzzKey + "\nsecond " + fuzzKey,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		e, err := ParseKnownHostsLine(line)
		if err != nil || e == nil {
			return
		}
		if e.Key == nil || len(e.Patterns) == 0 {
			t.Fatalf("entry without key or patterns from %q", line)
		}
		_ = e.Matches("host")
		_ = e.Matches("[127.0.0.1]:2222")
		fresh := &HostKeyEntry{Marker: e.Marker, Patterns: e.Patterns, Key: e.Key, Comment: e.Comment}
		e2, err := ParseKnownHostsLine(fresh.Line())
		if err != nil || e2 == nil {
			t.Fatalf("%q parsed, but its formatted form %q does not: %v", line, fresh.Line(), err)
		}
		if e2.Marker != e.Marker || strings.Join(e2.Patterns, ",") != strings.Join(e.Patterns, ",") || !keysEqual(e2.Key, e.Key) {
			t.Fatalf("round trip of %q changed the entry", line)
		}
		h := NewHostKeys()
		h.LoadData([]byte(line+"\n"+line), "fuzz", nil)
		_ = h.Text()
		_ = h.Hostnames()
		h.Remove("host")
	})
}

// FuzzHostKeyEntryMatches: pattern matching never panics or runs away, and
// a host always matches its own hash and its literal self.
func FuzzHostKeyEntryMatches(f *testing.F) {
	for _, s := range [][2]string{
		{"*.example.com", "a.example.com"},
		{"host?", "host1"},
		{"*,!bad", "bad"},
		{"[1.2.3.4]:22", "[1.2.3.4]:22"},
		{"|1|salt|hash", "x"},
		{"|1|F1E1KeoE/eEWhi10WpGv4OdiO6Y=|3988QV0VE8wmZL7suNrYQLITLCg=", "localhost"},
		{"a*b*c*d*e*f*g*h*", strings.Repeat("a", 100)},
		{"!", ""},
		{"", ""},
	} {
		f.Add(s[0], s[1])
	}
	key, _, _, _, _ := ssh.ParseAuthorizedKey([]byte(fuzzKey))
	f.Fuzz(func(t *testing.T, patterns, host string) {
		e := &HostKeyEntry{Patterns: strings.Split(patterns, ","), Key: key}
		_ = e.Matches(host)
		if !strings.ContainsAny(host, "*?,!") && !strings.HasPrefix(host, "|") {
			if !(&HostKeyEntry{Patterns: []string{host}, Key: key}).Matches(host) {
				t.Fatalf("%q does not match itself", host)
			}
			if !(&HostKeyEntry{Patterns: []string{HashHostname(host, nil)}, Key: key}).Matches(host) {
				t.Fatalf("%q does not match its hash", host)
			}
		}
	})
}
