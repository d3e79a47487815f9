package core

import (
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gossh/gossh/core/sshtest"
	"golang.org/x/crypto/ssh"
)

func stepServer(t *testing.T, fault sshtest.Fault, authorized ...ssh.PublicKey) (*sshtest.Server, *Config) {
	t.Helper()
	srv, err := sshtest.Start(sshtest.Config{Password: "pw", AuthorizedKeys: authorized, Fault: fault})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	host, port, _ := net.SplitHostPort(srv.Addr())
	p, _ := strconv.Atoi(port)
	cfg := hermeticConfig(host, p)
	cfg.StepAuth, cfg.Username = true, "u"
	return srv, cfg
}

// paramiko's Transport: start_client, then one attempt at a time, each
// outcome seen before the next.
func TestStepAuth(t *testing.T) {
	good := NewKeyFromSigner(sshtest.MustNewSigner())
	wrong := NewKeyFromSigner(sshtest.MustNewSigner())
	_, cfg := stepServer(t, sshtest.FaultNone, good.Signer().PublicKey())
	c := autoAddClient(t)
	if err := c.Connect(cfg); err != nil {
		t.Fatal(err)
	}
	key, err := c.ServerKey()
	if err != nil || key == nil {
		t.Fatal(err)
	}
	if info, err := c.Info(); err != nil || info.ServerKey != PublicKeyText(key) {
		t.Fatalf("info before auth: %+v %v", info, err)
	}
	if c.IsAuthenticated() {
		t.Fatal("authenticated before any attempt")
	}
	_, err = c.AuthNone("u")
	e := wantKind(t, err, KindBadAuthType)
	if !strings.Contains(e.Detail("allowed_types"), "password") || !strings.Contains(e.Detail("allowed_types"), "publickey") {
		t.Fatalf("allowed %q", e.Detail("allowed_types"))
	}
	_, err = c.AuthPassword("u", "wrong")
	wantKind(t, err, KindAuth)
	_, err = c.AuthPublicKey("u", wrong)
	wantKind(t, err, KindAuth)
	_, err = c.AuthNone("u") // again: answered from what the server said
	wantKind(t, err, KindBadAuthType)
	_, err = c.Exec("true", -1)
	wantKind(t, err, KindNotConnected)
	if more, err := c.AuthPublicKey("u", good); err != nil || more != nil {
		t.Fatalf("%v %v", more, err)
	}
	if !c.IsAuthenticated() {
		t.Fatal("not authenticated")
	}
	if got := execOut(t, c, "echo stepped"); got != "stepped\n" {
		t.Fatalf("output %q", got)
	}
	_, err = c.AuthPassword("u", "pw")
	wantKind(t, err, KindInvalid)

	// A password after failures, on a new connection.
	c2 := autoAddClient(t)
	if err := c2.Connect(cfg); err != nil {
		t.Fatal(err)
	}
	_, err = c2.AuthPassword("u", "nope")
	wantKind(t, err, KindAuth)
	if _, err := c2.AuthPassword("u", "pw"); err != nil {
		t.Fatal(err)
	}
	_, err = c2.AuthNone("someone else")
	wantKind(t, err, KindInvalid)
	// Not started, closed.
	_, err = NewClient().AuthPassword("u", "pw")
	wantKind(t, err, KindNotConnected)
	c3 := autoAddClient(t)
	if err := c3.Connect(cfg); err != nil {
		t.Fatal(err)
	}
	c3.Close()
	_, err = c3.AuthPassword("u", "pw")
	wantKind(t, err, KindClosed)
	// Another user than the connect's: x/crypto fixed the user at start.
	c4 := autoAddClient(t)
	if err := c4.Connect(cfg); err != nil {
		t.Fatal(err)
	}
	_, err = c4.AuthPassword("v", "pw")
	wantKind(t, err, KindInvalid)
	if _, err := c4.AuthPassword("", "pw"); err != nil {
		t.Fatal(err)
	}
	// Through a jump host: the hop authenticates at once (with the
	// config's password), the target in steps.
	gwHost, gwPort := hermetic(t, sshtest.FaultNone)
	jcfg := cfg.Clone()
	jcfg.Password = "not used by a NoClientAuth hop"
	jcfg.ProxyJump = net.JoinHostPort(gwHost, strconv.Itoa(gwPort))
	c5 := autoAddClient(t)
	if err := c5.Connect(jcfg); err != nil {
		t.Fatal(err)
	}
	if _, err := c5.AuthPassword("u", "pw"); err != nil {
		t.Fatal(err)
	}
	if got := execOut(t, c5, "echo stepped-jump"); got != "stepped-jump\n" {
		t.Fatalf("output %q", got)
	}
}

func TestStepAuthExpectedHostKey(t *testing.T) {
	srv, cfg := stepServer(t, sshtest.FaultNone)
	cfg.HostKey = PublicKeyText(sshtest.MustNewSigner().PublicKey())
	wantKind(t, NewClient().Connect(cfg), KindHostKeyMismatch)
	cfg.HostKey = PublicKeyText(srv.HostKey())
	c := NewClient() // the reject policy: the given key is the check
	defer c.Close()
	if err := c.Connect(cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AuthPassword("u", "pw"); err != nil {
		t.Fatal(err)
	}
	wantKind(t, NewConfig().Set("host_key", "not a key"), KindInvalid)
}

// The auth timeout bounds each attempt (not the caller's pauses between
// them), also over a jump channel; a close ends a waiting step.
func TestStepAuthTimeoutAndClose(t *testing.T) {
	_, cfg := stepServer(t, sshtest.FaultStallAuth)
	cfg.AuthTimeout = 200 * time.Millisecond
	for i := 0; i < 10; i++ {
		c := autoAddClient(t)
		if err := c.Connect(cfg); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond) // a pause longer than nothing: not counted
		var err error
		mustReturn(t, "an attempt against a stalled server", func() { _, err = c.AuthPassword("u", "pw") })
		if e := wantKind(t, err, KindTimeout); e.Detail("stage") != "auth" {
			t.Fatalf("details %v", e.Details)
		}
		c.Close()
	}
	_, cfg = stepServer(t, sshtest.FaultNone)
	c := autoAddClient(t)
	if err := c.Connect(cfg); err != nil {
		t.Fatal(err)
	}
	go func() { time.Sleep(50 * time.Millisecond); c.Close() }()
	time.Sleep(100 * time.Millisecond)
	_, err := c.AuthPassword("u", "pw")
	wantKind(t, err, KindClosed)
}

func TestStepAuthAgainstSSHD(t *testing.T) {
	s := sshd(t)
	c := s.client(t)
	cfg := s.config()
	cfg.StepAuth = true
	if err := c.Connect(cfg); err != nil {
		t.Fatal(err)
	}
	wrong, err := LoadPrivateKeyFile(filepath.Join(s.keydir, "id_wrong"), "")
	if err != nil {
		t.Fatal(err)
	}
	good, err := LoadPrivateKeyFile(filepath.Join(s.keydir, "id_ed25519"), "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.AuthNone(s.user)
	wantKind(t, err, KindBadAuthType)
	_, err = c.AuthPublicKey(s.user, wrong)
	wantKind(t, err, KindAuth)
	if s.password != "" {
		_, err = c.AuthPassword(s.user, "not the password")
		wantKind(t, err, KindAuth)
	}
	if _, err := c.AuthPublicKey(s.user, good); err != nil {
		t.Fatal(err)
	}
	if got := execOut(t, c, "echo $USER"); strings.TrimSpace(got) != s.user {
		t.Fatalf("output %q", got)
	}
}

// paramiko's auth_password falls back to keyboard-interactive, answering
// the prompt with the password (a PAM server's usual way).
func TestStepAuthPasswordByKeyboard(t *testing.T) {
	srv, err := sshtest.Start(sshtest.Config{Password: "pw", PasswordByKeyboard: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	host, port, _ := net.SplitHostPort(srv.Addr())
	p, _ := strconv.Atoi(port)
	cfg := hermeticConfig(host, p)
	cfg.StepAuth, cfg.Username = true, "u"
	c := autoAddClient(t)
	if err := c.Connect(cfg); err != nil {
		t.Fatal(err)
	}
	_, err = c.AuthPassword("u", "wrong")
	wantKind(t, err, KindAuth)
	if _, err := c.AuthPassword("u", "pw"); err != nil {
		t.Fatal(err)
	}
}
