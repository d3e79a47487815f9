package core

import (
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gossh/gossh/core/sshtest"
)

// sshdLogFor returns the lines of the test sshd's log about the connection
// from local port port, once one of them contains want (sshd writes its log
// from another process: it is read again for a while before giving up).
func sshdLogFor(t *testing.T, port int, want string) []string {
	t.Helper()
	path := os.Getenv("GOSSH_TEST_SSHD_LOG")
	if path == "" {
		t.Skip("no GOSSH_TEST_SSHD_LOG")
	}
	tag := fmt.Sprintf(" port %d ", port)
	var lines []string
	for end := time.Now().Add(hangGuard); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		lines = lines[:0]
		found := false
		for _, l := range strings.Split(string(data), "\n") {
			if strings.Contains(l, tag) {
				lines = append(lines, l)
				found = found || strings.Contains(l, want)
			}
		}
		if found {
			return lines
		}
	}
	t.Fatalf("sshd's log has no %q for port %d; its lines for it: %q", want, port, lines)
	return nil
}

// TestKeySentSignedAtOnce: a key held here goes to OpenSSH signed, with
// neither the "none" request nor the query before it (which sshd logs as
// "Postponed publickey"), as paramiko sends it. Repeated, so that no
// connection slips back to the three-round-trip way.
func TestKeySentSignedAtOnce(t *testing.T) {
	s := sshd(t)
	for i := 0; i < 10; i++ {
		c := s.connected(t)
		port := c.netConn.LocalAddr().(*net.TCPAddr).Port
		c.Close()
		for _, l := range sshdLogFor(t, port, "Accepted publickey") {
			if strings.Contains(l, "Postponed publickey") || strings.Contains(l, "Failed none") {
				t.Fatalf("round %d: sshd logged %q: the key was not sent signed at once", i, l)
			}
		}
	}
}

// TestRefusedFirstKeyThenRightKey: when the key sent unasked is refused,
// the next one is asked about and used, as before.
func TestRefusedFirstKeyThenRightKey(t *testing.T) {
	s := sshd(t)
	for i := 0; i < 5; i++ {
		c := s.client(t)
		if err := c.Connect(s.config("id_wrong", "id_ed25519")); err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		c.Close()
	}
}

// TestKeyFirstOnPasswordOnlyServer: a key sent before the server named its
// methods is not reported as allowed when the server does not take keys;
// the password that follows still works, and a wrong one reports the
// server's methods.
func TestKeyFirstOnPasswordOnlyServer(t *testing.T) {
	srv, err := sshtest.Start(sshtest.Config{Password: "right"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	key, err := GenerateKey("ed25519", 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		cfg := testConfig(srv)
		cfg.Keys = []*Key{key}
		cfg.Password = "wrong"
		c := NewClient()
		c.SetPolicy(AutoAddPolicy{})
		e := wantKind(t, c.Connect(cfg), KindAuth)
		if got := e.Detail("allowed_types"); got != "password" {
			t.Fatalf("round %d: allowed_types %q, want password (publickey was sent unasked, not allowed)", i, got)
		}
		cfg.Password = "right"
		if err := c.Connect(cfg); err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		c.Close()
	}
}

// TestAgentKeyIsAskedAbout: only keys held here go unasked. An agent's key
// may ask its user to confirm each signature, so the server is asked about
// it first, as OpenSSH's ssh does (sshd logs the query as "Postponed").
func TestAgentKeyIsAskedAbout(t *testing.T) {
	s := sshd(t)
	sock := startAgent(t, s, "id_ed25519")
	for i := 0; i < 3; i++ {
		cfg := s.config()
		cfg.AllowAgent, cfg.AgentSocket = true, sock
		c := s.client(t)
		if err := c.Connect(cfg); err != nil {
			t.Fatal(err)
		}
		port := c.netConn.LocalAddr().(*net.TCPAddr).Port
		c.Close()
		lines := sshdLogFor(t, port, "Accepted publickey")
		if !strings.Contains(strings.Join(lines, "\n"), "Postponed publickey") {
			t.Fatalf("round %d: the agent's key was sent unasked: %q", i, lines)
		}
	}
}
