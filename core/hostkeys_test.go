package core

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gossh/gossh/core/sshtest"
	"golang.org/x/crypto/ssh"
)

func pubText(k ssh.PublicKey) string { return PublicKeyText(k) }

// captureLog installs a log sink for the test and returns the records.
func captureLog(t *testing.T) func() []string {
	var mu sync.Mutex
	var recs []string
	SetLogSink(func(level int, name, msg string) {
		mu.Lock()
		recs = append(recs, fmt.Sprintf("%d %s %s", level, name, msg))
		mu.Unlock()
	}, LevelDebug)
	t.Cleanup(func() { SetLogSink(nil, 0) })
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), recs...)
	}
}

func TestKnownHostsParsing(t *testing.T) {
	a, b, ca := sshtest.MustNewSigner().PublicKey(), sshtest.MustNewSigner().PublicKey(), sshtest.MustNewSigner().PublicKey()
	text := strings.Join([]string{
		"# a comment",
		"",
		"host1,host2\t" + pubText(a) + " a comment with spaces",
		"host1 " + pubText(b),
		"host3 ssh-ed25519 !!!notbase64!!!",
		"@cert-authority *.example.com " + pubText(ca),
		"@revoked * " + pubText(b),
		"@bogus host " + pubText(a),
		"hostonly",
		"host4 ssh-rsa " + strings.Fields(pubText(a))[1], // declared type differs from the blob
		"[h5]:2222 \t " + pubText(a),
	}, "\n")
	file := filepath.Join(t.TempDir(), "kh")
	os.WriteFile(file, []byte(text), 0o600)
	logs := captureLog(t)
	h := NewHostKeys()
	if err := h.Load(file); err != nil {
		t.Fatal(err)
	}
	if h.Skipped() != 4 || h.Len() != 5 {
		t.Fatalf("skipped %d, entries %d:\n%s", h.Skipped(), h.Len(), h.Text())
	}
	var warned []string
	for _, r := range logs() {
		if strings.HasPrefix(r, "30 gossh.hostkeys ") {
			warned = append(warned, r)
		}
	}
	if len(warned) != 4 || !strings.Contains(warned[0], file+":5:") || !strings.Contains(warned[3], file+":10:") {
		t.Fatalf("warnings %q", warned)
	}
	for _, w := range warned {
		if strings.Contains(w, strings.Fields(pubText(a))[1]) || strings.Contains(w, "notbase64") {
			t.Fatalf("warning quotes key material: %q", w)
		}
	}
	if got := h.LookupByType("host1"); len(got) != 1 || !keysEqual(got["ssh-ed25519"], a) {
		t.Fatalf("host1 lookup %v", got)
	}
	if got := h.Lookup("host1"); len(got) != 2 {
		t.Fatalf("host1 has %d keys", len(got))
	}
	if len(h.Lookup("[h5]:2222")) != 1 || len(h.Lookup("h5")) != 0 {
		t.Fatal("[host]:port lookup")
	}
	if len(h.CertAuthorities("www.example.com")) != 1 || len(h.CertAuthorities("example.com")) != 0 {
		t.Fatal("cert-authority lookup")
	}
	if !h.IsRevoked("anything", b) || h.IsRevoked("anything", a) {
		t.Fatal("revoked")
	}
	// @revoked wins over a line that would accept the key.
	if h.Check("host1", b) {
		t.Fatal("revoked key passes Check")
	}
	if !h.Check("host2", a) || h.Check("host2", ca) {
		t.Fatal("Check")
	}
	if got := strings.Join(h.Hostnames(), " "); got != "host1 host2 [h5]:2222" {
		t.Fatalf("hostnames %q", got)
	}
}

func TestHostPatterns(t *testing.T) {
	k := sshtest.MustNewSigner().PublicKey()
	hashed := HashHostname("secret.example", nil)
	for _, c := range []struct {
		patterns string
		host     string
		want     bool
	}{
		{"*.example.com", "a.example.com", true},
		{"*.example.com", "example.com", false},
		{"*.EXAMPLE.com", "A.example.COM", true},
		{"host?", "host1", true},
		{"host?", "host12", false},
		{"*,!bad.example.com", "bad.example.com", false},
		{"*,!bad.example.com", "good.example.com", true},
		{"!bad", "good", false}, // a negation alone matches nothing
		{"[1.2.3.4]:2222", "[1.2.3.4]:2222", true},
		{"1.2.3.4", "[1.2.3.4]:2222", false},
		{"[*]:2222", "[1.2.3.4]:2222", true},
		{hashed, "secret.example", true},
		{hashed, "Secret.Example", true},
		{hashed, "other.example", false},
		{"|1|bad|hash", "x", false},
		{"a*b*c*d*e*f*g*h*i*j*k", strings.Repeat("a", 200), false},
	} {
		e := &HostKeyEntry{Patterns: strings.Split(c.patterns, ","), Key: k}
		if got := e.Matches(c.host); got != c.want {
			t.Errorf("%q matches %q: got %v", c.patterns, c.host, got)
		}
	}
	h1, err := HashHostnameSalt("x", hashed)
	if err != nil || !strings.HasPrefix(h1, strings.Join(strings.Split(hashed, "|")[:3], "|")+"|") {
		t.Fatalf("hash with a reused salt: %q %v", h1, err)
	}
	if h2, _ := HashHostnameSalt("secret.example", hashed); h2 != hashed {
		t.Fatalf("hash with the entry's own salt: %q != %q", h2, hashed)
	}
	if _, err := HashHostnameSalt("x", "not base64!"); KindOf(err) != KindInvalid {
		t.Fatalf("bad salt: %v", err)
	}
}

func TestHostKeysStoreOperations(t *testing.T) {
	a, b, c := sshtest.MustNewSigner().PublicKey(), sshtest.MustNewSigner().PublicKey(), sshtest.MustNewSigner().PublicKey()
	hashed := HashHostname("hashed.example", nil)
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	readLines := []string{
		hashed + " " + pubText(a),
		"multi1,multi2  " + pubText(a) + " kept   comment",
		"@cert-authority *.ca.example " + pubText(c),
	}
	os.WriteFile(in, []byte(strings.Join(readLines, "\n")+"\n"), 0o600)
	h := NewHostKeys()
	if err := h.Load(in); err != nil {
		t.Fatal(err)
	}
	// Save writes read lines back unchanged (hashed stays hashed), then new ones.
	h.Add("new.example", b)
	out := filepath.Join(dir, "out")
	if err := h.Save(out); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(out)
	want := strings.Join(append(readLines, "new.example "+pubText(b)), "\n") + "\n"
	if string(data) != want {
		t.Fatalf("saved\n%s\nwant\n%s", data, want)
	}
	if fi, _ := os.Stat(out); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode())
	}
	// Add replaces the key of the same type: a hashed entry stays hashed.
	h.Add("hashed.example", b)
	if !h.Check("hashed.example", b) || h.Check("hashed.example", a) {
		t.Fatal("replaced hashed key")
	}
	if !strings.Contains(h.Text(), hashed+" "+pubText(b)) {
		t.Fatalf("hashed entry lost its form:\n%s", h.Text())
	}
	// Add on one name of a multi-host entry leaves the other name's key alone.
	h.Add("multi1", b)
	if !h.Check("multi1", b) || !h.Check("multi2", a) || h.Check("multi1", a) {
		t.Fatalf("multi-host add:\n%s", h.Text())
	}
	// RemoveType, Remove, Clear.
	h.Add("two.example", a)
	rsaKey := mustParse(t, "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDFA4BybgP8ZUi0BHW2HhMV9BTfNJSyYPC7oMVR2BZpOVrSgPUN5Vs5CVB4U6bb2JtxIFQ2P5OdmXrxHQ0SC4jdjA4KTaUsqYYnwZPAOsxXdtAMPpuJuQYITVvvLRH0UK9lfxP8MXfa5U5lLqXcDLmBWSqnG9IJeXx9J5UKcS3ZrQ==")
	h.Add("two.example", rsaKey)
	if len(h.LookupByType("two.example")) != 2 {
		t.Fatal("two types")
	}
	// One key per type, the first of its type, in file order.
	h.Add("two.example", b) // replaces a: still one ed25519 key, first in order
	if got := h.LookupFirstPerType("two.example"); len(got) != 2 || got[0].Type() != "ssh-ed25519" || got[1].Type() != "ssh-rsa" {
		t.Fatalf("LookupFirstPerType %v", got)
	}
	h.Add("two.example", a)
	if !h.RemoveType("two.example", "ssh-rsa") || h.RemoveType("two.example", "ssh-rsa") {
		t.Fatal("RemoveType result")
	}
	if got := h.LookupByType("two.example"); len(got) != 1 || got["ssh-ed25519"] == nil {
		t.Fatalf("after RemoveType %v", got)
	}
	if !h.Remove("hashed.example") || len(h.Lookup("hashed.example")) != 0 {
		t.Fatal("Remove of a hashed entry")
	}
	if !h.Remove("multi2") || len(h.Lookup("multi2")) != 0 || len(h.Lookup("multi1")) != 1 {
		t.Fatalf("Remove of one name of a multi-host entry:\n%s", h.Text())
	}
	if h.Remove("*.ca.example") || len(h.CertAuthorities("x.ca.example")) != 1 {
		t.Fatal("Remove touched a @cert-authority line")
	}
	h.Clear()
	if h.Len() != 0 || h.Text() != "" {
		t.Fatal("Clear")
	}
	// AddLine takes markers.
	if err := h.AddLine("@revoked host " + pubText(a)); err != nil || !h.IsRevoked("host", a) {
		t.Fatalf("AddLine: %v", err)
	}
	if err := h.AddLine("garbage"); KindOf(err) != KindKey {
		t.Fatalf("AddLine garbage: %v", err)
	}
	// Load merges: new replaces old for the same host and type.
	f1, f2 := filepath.Join(dir, "f1"), filepath.Join(dir, "f2")
	os.WriteFile(f1, []byte("m "+pubText(a)+"\n"), 0o600)
	os.WriteFile(f2, []byte("m "+pubText(b)+"\n"), 0o600)
	m := NewHostKeys()
	m.Load(f1)
	m.Load(f2)
	if m.Len() != 1 || !m.Check("m", b) {
		t.Fatalf("merge:\n%s", m.Text())
	}
	if err := m.Load(filepath.Join(dir, "missing")); !IsNotExist(err) || KindOf(err) != KindIO {
		t.Fatalf("missing file: %v", err)
	}
}

func mustParse(t *testing.T, text string) ssh.PublicKey {
	t.Helper()
	k, err := ParsePublicKeyText(text)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestKnownHostsInteropWithOpenSSH: files written by ssh, ssh-keyscan and
// ssh-keygen -H are read, and ssh-keygen -F finds what we write.
func TestKnownHostsInteropWithOpenSSH(t *testing.T) {
	s := sshd(t)
	for _, tool := range []string{"ssh", "ssh-keyscan", "ssh-keygen"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not installed (openssh-client)", tool)
		}
	}
	dir := t.TempDir()
	name := HostKeyName(s.host, s.port)
	connectWith := func(t *testing.T, file string) {
		t.Helper()
		c := NewClient()
		defer c.Close()
		if err := c.LoadHostKeys(file); err != nil {
			t.Fatal(err)
		}
		if err := c.Connect(s.config("id_ed25519")); err != nil {
			data, _ := os.ReadFile(file)
			t.Fatalf("%v\nknown_hosts:\n%s", err, data)
		}
	}

	t.Run("ssh accept-new", func(t *testing.T) {
		file := filepath.Join(dir, "by_ssh")
		for _, hash := range []string{"no", "yes"} {
			os.Remove(file)
			cmd := exec.Command("ssh", "-F", "/dev/null", "-o", "StrictHostKeyChecking=accept-new",
				"-o", "UserKnownHostsFile="+file, "-o", "GlobalKnownHostsFile=/dev/null",
				"-o", "HashKnownHosts="+hash, "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
				"-i", filepath.Join(s.keydir, "id_ed25519"), "-p", fmt.Sprint(s.port),
				s.user+"@"+s.host, "true")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("ssh: %v\n%s", err, out)
			}
			data, _ := os.ReadFile(file)
			if hash == "yes" != strings.HasPrefix(string(data), "|1|") {
				t.Fatalf("HashKnownHosts=%s wrote %q", hash, data)
			}
			connectWith(t, file)
		}
	})

	t.Run("ssh-keyscan and ssh-keygen -H", func(t *testing.T) {
		file := filepath.Join(dir, "by_keyscan")
		out, err := exec.Command("ssh-keyscan", "-p", fmt.Sprint(s.port), s.host).Output()
		if err != nil {
			t.Fatalf("ssh-keyscan: %v", err)
		}
		os.WriteFile(file, out, 0o600)
		h := NewHostKeys()
		h.Load(file)
		if len(h.LookupByType(name)) != 3 || h.Skipped() != 0 {
			t.Fatalf("keyscan file: %d types, %d skipped\n%s", len(h.LookupByType(name)), h.Skipped(), out)
		}
		connectWith(t, file)
		if out, err := exec.Command("ssh-keygen", "-H", "-f", file).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen -H: %v\n%s", err, out)
		}
		data, _ := os.ReadFile(file)
		if strings.Contains(string(data), s.host) {
			t.Fatalf("not hashed:\n%s", data)
		}
		h2 := NewHostKeys()
		h2.Load(file)
		if len(h2.LookupByType(name)) != 3 || !strings.HasPrefix(h2.Hostnames()[0], "|1|") {
			t.Fatalf("hashed file: %v", h2.Hostnames())
		}
		connectWith(t, file)
		// Saved back, the hashed lines stay as they were.
		saved := filepath.Join(dir, "resaved")
		h2.Save(saved)
		data2, _ := os.ReadFile(saved)
		for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			if !strings.HasPrefix(l, "#") && !strings.Contains(string(data2), l) {
				t.Fatalf("line %q not written back", l)
			}
		}
	})

	t.Run("ssh-keygen -F finds what we write", func(t *testing.T) {
		file := filepath.Join(dir, "ours")
		c := NewClient()
		defer c.Close()
		c.LoadHostKeys(file)
		c.SetPolicy(AutoAddPolicy{})
		if err := c.Connect(s.config("id_ed25519")); err != nil {
			t.Fatal(err)
		}
		c.HostKeys().Add(HashHostname("hashed.example", nil), c.HostKeys().Lookup(name)[0])
		if err := c.SaveHostKeys(file); err != nil {
			t.Fatal(err)
		}
		for _, host := range []string{name, "hashed.example"} {
			out, err := exec.Command("ssh-keygen", "-F", host, "-f", file).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "found: line") {
				t.Fatalf("ssh-keygen -F %s: %v\n%s", host, err, out)
			}
		}
		// And ssh itself accepts the file under strict checking.
		cmd := exec.Command("ssh", "-F", "/dev/null", "-o", "StrictHostKeyChecking=yes",
			"-o", "UserKnownHostsFile="+file, "-o", "GlobalKnownHostsFile=/dev/null",
			"-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
			"-i", filepath.Join(s.keydir, "id_ed25519"), "-p", fmt.Sprint(s.port), s.user+"@"+s.host, "true")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("ssh with our file: %v\n%s", err, out)
		}
	})
}

// hostCert signs hostKey as a host certificate with ca.
func hostCert(t *testing.T, ca, hostKey ssh.Signer, certType uint32, principals []string, after, before time.Time) ssh.Signer {
	t.Helper()
	cert := &ssh.Certificate{
		Key:             hostKey.PublicKey(),
		Serial:          1,
		CertType:        certType,
		KeyId:           "test host",
		ValidPrincipals: principals,
		ValidAfter:      uint64(after.Unix()),
		ValidBefore:     uint64(before.Unix()),
	}
	if err := cert.SignCert(rand.Reader, ca); err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewCertSigner(cert, hostKey)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// testConfig is a Config for an sshtest server with NoClientAuth.
func testConfig(srv *sshtest.Server) *Config {
	cfg := NewConfig()
	cfg.Hostname, cfg.Port, cfg.Username = "127.0.0.1", srv.Port(), "tester"
	cfg.AllowAgent, cfg.LookForKeys = false, false
	cfg.Timeout = 5 * time.Second
	return cfg
}

func startServer(t *testing.T, cfg sshtest.Config) *sshtest.Server {
	t.Helper()
	cfg.NoClientAuth = true
	srv, err := sshtest.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func TestHostCertificates(t *testing.T) {
	ca, otherCA, hostKey := sshtest.MustNewSigner(), sshtest.MustNewSigner(), sshtest.MustNewSigner()
	now := time.Now()
	valid := func(principals ...string) ssh.Signer {
		return hostCert(t, ca, hostKey, ssh.HostCert, principals, now.Add(-time.Hour), now.Add(time.Hour))
	}
	caLine := func(pattern string, k ssh.Signer) string {
		return "@cert-authority " + pattern + " " + pubText(k.PublicKey())
	}
	for _, c := range []struct {
		name   string
		signer ssh.Signer
		lines  []string
		reason string // "" accepted
		kind   Kind
	}{
		{"valid", valid("127.0.0.1"), []string{caLine("[127.0.0.1]:*", ca)}, "", 0},
		{"valid among principals", valid("other", "127.0.0.1"), []string{caLine("*", ca)}, "", 0},
		{"wrong principal", valid("host.example"), []string{caLine("*", ca)}, "certificate", KindHostKeyMismatch},
		{"expired", hostCert(t, ca, hostKey, ssh.HostCert, []string{"127.0.0.1"}, now.Add(-2*time.Hour), now.Add(-time.Hour)),
			[]string{caLine("*", ca)}, "certificate", KindHostKeyMismatch},
		{"not yet valid", hostCert(t, ca, hostKey, ssh.HostCert, []string{"127.0.0.1"}, now.Add(time.Hour), now.Add(2*time.Hour)),
			[]string{caLine("*", ca)}, "certificate", KindHostKeyMismatch},
		{"user certificate", hostCert(t, ca, hostKey, ssh.UserCert, []string{"127.0.0.1"}, now.Add(-time.Hour), now.Add(time.Hour)),
			[]string{caLine("*", ca)}, "certificate", KindHostKeyMismatch},
		{"other CA", valid("127.0.0.1"), []string{caLine("*", otherCA)}, "certificate", KindHostKeyMismatch},
		{"CA for other hosts, plain key known", valid("127.0.0.1"),
			[]string{caLine("*.example.com", ca), "[127.0.0.1]:* " + pubText(hostKey.PublicKey())}, "", 0},
		{"CA for other hosts, nothing known", valid("127.0.0.1"), []string{caLine("*.example.com", ca)}, "", KindHostKeyUnknown},
		{"revoked CA", valid("127.0.0.1"), []string{caLine("*", ca), "@revoked * " + pubText(ca.PublicKey())}, "revoked", KindHostKeyMismatch},
		{"revoked host key", valid("127.0.0.1"), []string{caLine("*", ca), "@revoked * " + pubText(hostKey.PublicKey())}, "revoked", KindHostKeyMismatch},
	} {
		t.Run(c.name, func(t *testing.T) {
			// The server also has a plain ECDSA-less second key: only the
			// certificate algorithm shows the certificate.
			srv := startServer(t, sshtest.Config{HostKey: c.signer, ExtraHostKeys: []ssh.Signer{hostKey}})
			cl := NewClient()
			defer cl.Close()
			file := filepath.Join(t.TempDir(), "kh")
			os.WriteFile(file, []byte(strings.Join(c.lines, "\n")+"\n"), 0o600)
			cl.LoadHostKeys(file)
			err := cl.Connect(testConfig(srv))
			if c.kind == 0 {
				if err != nil {
					t.Fatal(err)
				}
				info, _ := cl.Info()
				if c.name == "valid" && !strings.Contains(info.Algorithms.HostKey, "-cert-") {
					t.Fatalf("negotiated %q, want a certificate algorithm", info.Algorithms.HostKey)
				}
				return
			}
			e := wantKind(t, err, c.kind)
			if e.Detail("reason") != c.reason {
				t.Fatalf("reason %q, want %q (%v)", e.Detail("reason"), c.reason, e)
			}
		})
	}
}

// switchSigner presents one key, then another once switched: a server whose
// host key changes between key exchanges.
type switchSigner struct {
	a, b     ssh.Signer
	switched atomic.Bool
}

func (s *switchSigner) cur() ssh.Signer {
	if s.switched.Load() {
		return s.b
	}
	return s.a
}
func (s *switchSigner) PublicKey() ssh.PublicKey { return s.cur().PublicKey() }
func (s *switchSigner) Sign(r io.Reader, data []byte) (*ssh.Signature, error) {
	return s.cur().Sign(r, data)
}

func TestRekeyWithAnotherHostKeyEndsConnection(t *testing.T) {
	sw := &switchSigner{a: sshtest.MustNewSigner(), b: sshtest.MustNewSigner()}
	srv := startServer(t, sshtest.Config{HostKey: sw, RekeyThreshold: 64 << 10})
	c := NewClient()
	defer c.Close()
	c.HostKeys().Add(HostKeyName("127.0.0.1", srv.Port()), sw.a.PublicKey())
	if err := c.Connect(testConfig(srv)); err != nil {
		t.Fatal(err)
	}
	// A first re-key with the same key passes.
	if _, _, st := run(t, c, "head -c 200000 /dev/zero | wc -c", nil); st != 0 {
		t.Fatal("first command")
	}
	if !c.IsActive() {
		t.Fatal("connection died on a re-key with the same key")
	}
	sw.switched.Store(true)
	ch, err := c.Exec("head -c 400000 /dev/zero", 5*time.Second)
	if err == nil {
		buf := make([]byte, 64<<10)
		for {
			n, rerr := ch.Read(Stdout, buf, 10*time.Second)
			if rerr != nil || n == 0 {
				break
			}
		}
		ch.Close()
	}
	deadline := time.Now().Add(hangGuard) // ends as soon as the connection does
	for c.IsActive() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if c.IsActive() {
		t.Fatal("connection survived a re-key with another host key")
	}
}

func TestPolicyMayAddToStoreWhileConnecting(t *testing.T) {
	srv := startServer(t, sshtest.Config{})
	c := NewClient()
	defer c.Close()
	name := HostKeyName("127.0.0.1", srv.Port())
	c.SetPolicy(PolicyFunc(func(host string, key ssh.PublicKey) (Decision, error) {
		c.HostKeys().Add(host, key) // the store is not locked while the policy runs
		_ = c.HostKeys().Len()
		return Accept, nil
	}))
	done := make(chan error, 1)
	go func() { done <- c.Connect(testConfig(srv)) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(hangGuard):
		t.Fatal("deadlock: a policy that adds to the store hangs Connect")
	}
	if !c.HostKeys().Check(name, srv.HostKey()) {
		t.Fatal("key the policy added is missing")
	}
}

func TestLiveStoreAndSharing(t *testing.T) {
	srv := startServer(t, sshtest.Config{})
	name := HostKeyName("127.0.0.1", srv.Port())
	c := NewClient()
	defer c.Close()
	store := c.HostKeys()
	wantKind(t, c.Connect(testConfig(srv)), KindHostKeyUnknown)
	store.Add(name, srv.HostKey()) // a change through the store is seen by the next check
	if err := c.Connect(testConfig(srv)); err != nil {
		t.Fatal(err)
	}
	c.Close()
	// A new client sharing c's stores knows the host.
	d := NewClient()
	defer d.Close()
	d.ShareHostKeys(c)
	if err := d.Connect(testConfig(srv)); err != nil {
		t.Fatal(err)
	}
	d.Close()
	store.Remove(name)
	wantKind(t, d.Connect(testConfig(srv)), KindHostKeyUnknown)
	// System keys are consulted first and never saved.
	sys := filepath.Join(t.TempDir(), "sys")
	os.WriteFile(sys, []byte(name+" "+pubText(srv.HostKey())+"\n"), 0o600)
	e := NewClient()
	defer e.Close()
	if err := e.LoadSystemHostKeys(sys); err != nil {
		t.Fatal(err)
	}
	if err := e.Connect(testConfig(srv)); err != nil {
		t.Fatal(err)
	}
	if e.HostKeys().Len() != 0 || e.SystemHostKeys().Len() != 1 {
		t.Fatal("system keys went to the own store")
	}
}

func TestHostKeyAlgorithmsPutCertificatesFirst(t *testing.T) {
	c := NewClient()
	ed := sshtest.MustNewSigner().PublicKey()
	c.HostKeys().Add("h", ed)
	if got := c.hostKeyAlgorithms("h"); len(got) != 1 || got[0] != ssh.KeyAlgoED25519 {
		t.Fatalf("no CA: %v", got)
	}
	c.HostKeys().AddLine("@cert-authority h " + pubText(ed))
	got := c.hostKeyAlgorithms("h")
	n := len(certAlgorithms())
	if n == 0 || !strings.Contains(got[0], "-cert-") || !strings.Contains(got[n-1], "-cert-") || got[n] != ssh.KeyAlgoED25519 {
		t.Fatalf("with CA: %v", got)
	}
}

// startOwnSSHD runs an OpenSSH sshd like testenv's with extra config lines
// and returns its port. It logs in the harness's test user with its keys.
func startOwnSSHD(t *testing.T, extra []string) int {
	t.Helper()
	dir := os.Getenv("GOSSH_TEST_DIR")
	s := sshd(t)
	port := freePort(t)
	tmp := t.TempDir()
	os.Chmod(tmp, 0o755)
	conf := filepath.Join(tmp, "sshd_config")
	lines := append([]string{
		"ListenAddress 127.0.0.1", fmt.Sprintf("Port %d", port), "PidFile " + filepath.Join(tmp, "pid"),
		"UsePAM no", "PubkeyAuthentication yes", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
		"StrictModes no", "AuthorizedKeysFile " + filepath.Join(dir, "authorized_keys"), "UseDNS no",
		"LogLevel VERBOSE", "AllowUsers " + s.user,
	}, extra...)
	os.WriteFile(conf, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	bin := os.Getenv("GOSSH_SSHD")
	if bin == "" {
		bin = "/usr/sbin/sshd"
	}
	if out, err := exec.Command(bin, "-t", "-f", conf).CombinedOutput(); err != nil {
		t.Fatalf("sshd -t: %v\n%s", err, out)
	}
	logFile := filepath.Join(tmp, "log")
	cmd := exec.Command(bin, "-D", "-f", conf, "-E", logFile)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; i < 100; i++ {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			return port
		}
		time.Sleep(50 * time.Millisecond)
	}
	data, _ := os.ReadFile(logFile)
	t.Fatalf("own sshd did not start:\n%s", data)
	return 0
}

// TestHostCertificateRealSSHD: OpenSSH sshd with HostCertificate, signed by
// ssh-keygen, accepted through @cert-authority; refused when revoked.
func TestHostCertificateRealSSHD(t *testing.T) {
	s := sshd(t)
	tmp := t.TempDir()
	kg := func(args ...string) {
		if out, err := exec.Command("ssh-keygen", append([]string{"-q"}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen %v: %v\n%s", args, err, out)
		}
	}
	ca, hk := filepath.Join(tmp, "ca"), filepath.Join(tmp, "host_ed25519")
	kg("-t", "ed25519", "-N", "", "-f", ca)
	kg("-t", "ed25519", "-N", "", "-f", hk)
	kg("-s", ca, "-I", "gossh-test-host", "-h", "-n", "127.0.0.1,localhost", "-V", "-5m:+1h", hk+".pub")
	os.Chmod(hk, 0o600)
	port := startOwnSSHD(t, []string{"HostKey " + hk, "HostCertificate " + hk + "-cert.pub"})
	caPub, _ := os.ReadFile(ca + ".pub")
	hkPub, _ := os.ReadFile(hk + ".pub")
	cfg := s.config("id_ed25519")
	cfg.Port = port
	connect := func(lines ...string) error {
		c := NewClient()
		defer c.Close()
		file := filepath.Join(t.TempDir(), "kh")
		os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o600)
		c.LoadHostKeys(file)
		err := c.Connect(cfg)
		if err == nil {
			info, _ := c.Info()
			if !strings.Contains(info.Algorithms.HostKey, "-cert-") {
				return fmt.Errorf("negotiated %s, want a certificate", info.Algorithms.HostKey)
			}
		}
		return err
	}
	caText := strings.TrimSpace(string(caPub))
	if err := connect("@cert-authority [127.0.0.1]:* " + caText); err != nil {
		t.Fatal(err)
	}
	e := wantKind(t, connect("@cert-authority * "+caText, "@revoked * "+strings.TrimSpace(string(hkPub))), KindHostKeyMismatch)
	if e.Detail("reason") != "revoked" {
		t.Fatalf("reason %q", e.Detail("reason"))
	}
	// Without the CA, the certificate's plain key is looked up (OpenSSH's fallback).
	wantKind(t, connect("# nothing"), KindHostKeyUnknown)
	// With the CA for another host name only, nothing is known.
	wantKind(t, connect("@cert-authority *.example.com "+caText), KindHostKeyUnknown)
}

// A key a policy accepts is logged at debug level, as paramiko (no warning
// line per connection for programs that accept on purpose).
func TestAcceptedHostKeyIsNoWarning(t *testing.T) {
	for _, p := range []Policy{AutoAddPolicy{}, acceptOnly{}} {
		records := captureLog(t)
		srv, err := sshtest.Start(sshtest.Config{NoClientAuth: true})
		if err != nil {
			t.Fatal(err)
		}
		c := NewClient()
		c.SetPolicy(p)
		host, port, _ := net.SplitHostPort(srv.Addr())
		pn, _ := strconv.Atoi(port)
		cfg := hermeticConfig(host, pn)
		cfg.Username = "u"
		if err := c.Connect(cfg); err != nil {
			t.Fatal(err)
		}
		c.Close()
		srv.Close()
		seen := false
		for _, r := range records() {
			if strings.Contains(r, "host key for") {
				seen = true
				if !strings.HasPrefix(r, fmt.Sprintf("%d ", LevelDebug)) {
					t.Fatalf("%T: %q is not at debug level", p, r)
				}
			}
		}
		if !seen {
			t.Fatalf("%T: no record of the accepted key", p)
		}
	}
}

type acceptOnly struct{}

func (acceptOnly) MissingHostKey(string, ssh.PublicKey) (Decision, error) { return Accept, nil }

// Lookups answer from a per-name cache of matching entries: every change of
// the store (Add, AddLine, Load, Remove, RemoveType, Clear) shows in the
// next lookup, for plain, @revoked and @cert-authority entries alike.
func TestHostKeysMatchCacheFollowsChanges(t *testing.T) {
	a, b, ca := sshtest.MustNewSigner().PublicKey(), sshtest.MustNewSigner().PublicKey(), sshtest.MustNewSigner().PublicKey()
	h := NewHostKeys()
	name := "[cache.example]:2222"
	if err := h.AddLine(HashHostname(name, nil) + " " + pubText(a)); err != nil {
		t.Fatal(err)
	}
	check := func(step string, wantKeys int, revoked bool, cas int) {
		t.Helper()
		for i := 0; i < 2; i++ { // a miss, then a hit
			if n := len(h.Lookup(name)); n != wantKeys {
				t.Fatalf("%s: Lookup gave %d keys, want %d", step, n, wantKeys)
			}
			if r := h.IsRevoked(name, b); r != revoked {
				t.Fatalf("%s: IsRevoked = %v, want %v", step, r, revoked)
			}
			if n := len(h.CertAuthorities(name)); n != cas {
				t.Fatalf("%s: %d CAs, want %d", step, n, cas)
			}
		}
	}
	check("hashed line", 1, false, 0)
	h.Add(name, b) // the same type: replaces a, the line stays hashed
	check("Add", 1, false, 0)
	if k := h.Lookup(name); !keysEqual(k[0], b) {
		t.Fatal("Add: Lookup still gives the old key")
	}
	if err := h.AddLine("@revoked * " + pubText(b)); err != nil {
		t.Fatal(err)
	}
	check("@revoked", 1, true, 0)
	h.LoadData([]byte("@cert-authority *.example]:2222 "+pubText(ca)+"\n"), "test", DefaultLogger())
	check("LoadData @cert-authority", 1, true, 1)
	h.RemoveType(name, b.Type())
	check("RemoveType", 0, true, 1)
	h.Add(name, a)
	check("Add again", 1, true, 1)
	h.Remove(name)
	check("Remove", 0, true, 1)
	h.Clear()
	check("Clear", 0, false, 0)
	// More names than the cache holds: it starts over, answers stay right.
	h.Add(name, a)
	for i := 0; i < maxMatchCache+10; i++ {
		h.Lookup(fmt.Sprintf("other-%d.example", i))
	}
	check("after the cache filled", 1, false, 0)
}

// The host-key work of one connect (the algorithms to offer, then the
// check) against a known_hosts of 2000 hashed lines, as OpenSSH's
// HashKnownHosts writes them.
func BenchmarkHostKeyCheckHashedKnownHosts(b *testing.B) {
	c := NewClient()
	var lines []string
	for i := 0; i < 2000; i++ {
		lines = append(lines, HashHostname(fmt.Sprintf("[host-%d.example]:22", i), nil)+" "+pubText(sshtest.MustNewSigner().PublicKey()))
	}
	key := sshtest.MustNewSigner().PublicKey()
	name := "[target.example]:22"
	lines = append(lines, HashHostname(name, nil)+" "+pubText(key))
	c.HostKeys().LoadData([]byte(strings.Join(lines, "\n")), "bench", DefaultLogger())
	for _, fresh := range []bool{true, false} {
		b.Run(map[bool]string{true: "first-connect", false: "again"}[fresh], func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if fresh { // as for a host not looked up before
					h := c.HostKeys()
					h.mu.Lock()
					h.changed()
					h.mu.Unlock()
				}
				c.hostKeyAlgorithms(name)
				var accepted ssh.PublicKey
				if err := c.checkHostKey(name, key, &phaseConn{}, &accepted); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// hashMatches (HMAC-SHA1 computed on the stack) agrees with crypto/hmac for
// salts and host names of every length around its limits, and a hashed
// pattern matches without allocating.
func TestHashMatchesAgreesWithHMAC(t *testing.T) {
	for _, saltLen := range []int{0, 1, 20, 63, 64, 65, 100} {
		for _, hostLen := range []int{0, 1, 20, 55, 56, 64, 200, 254, 255, 256, 400} {
			salt := make([]byte, saltLen)
			host := make([]byte, hostLen)
			rand.Read(salt)
			rand.Read(host)
			mac := hmac.New(sha1.New, salt)
			mac.Write(host)
			want := mac.Sum(nil)
			if !hashMatches(salt, want, string(host)) {
				t.Fatalf("salt %d, host %d: no match with the right HMAC", saltLen, hostLen)
			}
			want[0] ^= 1
			if hashMatches(salt, want, string(host)) {
				t.Fatalf("salt %d, host %d: a wrong HMAC matched", saltLen, hostLen)
			}
		}
	}
	pattern := HashHostname("[Host.Example]:2222", nil)
	if !patternMatches(pattern, "[Host.Example]:2222") || patternMatches(pattern, "[host.example]:2223") {
		t.Fatal("a hashed pattern matched wrongly")
	}
	if a := testing.AllocsPerRun(100, func() { patternMatches(pattern, "[other.example]:2222") }); a != 0 {
		t.Fatalf("a hashed pattern's match allocated %v times", a)
	}
}
