package sshtest

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// hangGuard bounds waits for things that must happen (a banner, Close
// returning, goroutines ending). It is no timing assertion: they happen in
// milliseconds, and the bound only turns a hang into a failure.
const hangGuard = 60 * time.Second

func start(t *testing.T, cfg Config) *Server {
	t.Helper()
	s, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func dial(t *testing.T, s *Server, auth ...ssh.AuthMethod) (*ssh.Client, error) {
	t.Helper()
	return ssh.Dial("tcp", s.Addr(), &ssh.ClientConfig{
		User:            "tester",
		Auth:            auth,
		HostKeyCallback: ssh.FixedHostKey(s.HostKey()),
		Timeout:         5 * time.Second,
	})
}

func mustDial(t *testing.T, s *Server, auth ...ssh.AuthMethod) *ssh.Client {
	t.Helper()
	c, err := dial(t, s, auth...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// run runs cmd and returns stdout, stderr and the exit status (-1 if none).
func run(t *testing.T, c *ssh.Client, cmd string, stdin string) (string, string, int) {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	var out, errb bytes.Buffer
	sess.Stdout, sess.Stderr = &out, &errb
	sess.Stdin = strings.NewReader(stdin)
	err = sess.Run(cmd)
	code := 0
	var ee *ssh.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitStatus()
	case err != nil:
		t.Fatalf("run %q: %v", cmd, err)
	}
	return out.String(), errb.String(), code
}

func TestExecPasswordAndKey(t *testing.T) {
	key := MustNewSigner()
	s := start(t, Config{Password: "pw", AuthorizedKeys: []ssh.PublicKey{key.PublicKey()}})
	for name, auth := range map[string]ssh.AuthMethod{
		"password": ssh.Password("pw"),
		"key":      ssh.PublicKeys(key),
	} {
		t.Run(name, func(t *testing.T) {
			c := mustDial(t, s, auth)
			out, errOut, code := run(t, c, "echo hi; echo err 1>&2; exit 3", "")
			if out != "hi\n" || errOut != "err\n" || code != 3 {
				t.Fatalf("got stdout %q stderr %q status %d; want \"hi\\n\" \"err\\n\" 3", out, errOut, code)
			}
		})
	}
}

func TestAuthRejected(t *testing.T) {
	s := start(t, Config{Password: "pw", AuthorizedKeys: []ssh.PublicKey{MustNewSigner().PublicKey()}})
	if c, err := dial(t, s, ssh.Password("nope")); err == nil {
		c.Close()
		t.Fatal("wrong password accepted")
	}
	if c, err := dial(t, s, ssh.PublicKeys(MustNewSigner())); err == nil {
		c.Close()
		t.Fatal("unauthorized key accepted")
	}
	u := start(t, Config{Password: "pw", Users: []string{"alice"}})
	if c, err := dial(t, u, ssh.Password("pw")); err == nil {
		c.Close()
		t.Fatal("user not in Users accepted")
	}
}

func TestStdinEOFAndEnv(t *testing.T) {
	s := start(t, Config{Password: "pw"})
	c := mustDial(t, s, ssh.Password("pw"))
	big := strings.Repeat("0123456789abcdef", 1<<14) // 256 KiB, more than one window
	out, _, code := run(t, c, "cat", big)
	if out != big || code != 0 {
		t.Fatalf("cat: got %d bytes status %d, want %d bytes status 0", len(out), code, len(big))
	}
	out, _, _ = run(t, c, "head -c 100000 /dev/zero | wc -c", "")
	if strings.TrimSpace(out) != "100000" {
		t.Fatalf("head|wc: %q", out)
	}

	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if err := sess.Setenv("GOSSH_X", "y z"); err != nil {
		t.Fatal(err)
	}
	got, err := sess.Output(`printf '%s' "$GOSSH_X"`)
	if err != nil || string(got) != "y z" {
		t.Fatalf("env: %q %v", got, err)
	}
}

func TestShellAndPty(t *testing.T) {
	s := start(t, Config{Password: "pw"})
	c := mustDial(t, s, ssh.Password("pw"))
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if err := sess.RequestPty("xterm", 24, 80, ssh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	sess.Stdout = &out
	sess.Stdin = strings.NewReader("echo $TERM\nexit 4\n")
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	err = sess.Wait()
	var ee *ssh.ExitError
	if !errors.As(err, &ee) || ee.ExitStatus() != 4 || out.String() != "xterm\n" {
		t.Fatalf("shell: %v, out %q", err, out.String())
	}
}

func TestSignal(t *testing.T) {
	s := start(t, Config{Password: "pw"})
	c := mustDial(t, s, ssh.Password("pw"))
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if err := sess.Start("sleep 100"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if err := sess.Signal(ssh.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err = sess.Wait()
	var ee *ssh.ExitError
	if !errors.As(err, &ee) || ee.Signal() != "TERM" {
		t.Fatalf("want exit-signal TERM, got %v", err)
	}
}

func TestDirectTCPIP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		io.Copy(c, c)
		c.Close()
	}()
	s := start(t, Config{Password: "pw"})
	c := mustDial(t, s, ssh.Password("pw"))
	conn, err := c.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte("ping"))
	buf := make([]byte, 4)
	if _, err := io.ReadFull(conn, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("echo through tunnel: %q %v", buf, err)
	}
}

func TestFaultSilent(t *testing.T) {
	s := start(t, Config{Fault: FaultSilent})
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("SSH-2.0-client\r\n"))
	c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	n, err := c.Read(make([]byte, 64))
	var ne net.Error
	if n != 0 || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("FaultSilent sent %d bytes (err %v); want a timeout with nothing", n, err)
	}
}

func TestFaultStallAfterBanner(t *testing.T) {
	s := start(t, Config{Fault: FaultStallAfterBanner})
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(hangGuard))
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil || line != Version+"\r\n" {
		t.Fatalf("banner %q %v", line, err)
	}
	c.Write([]byte("SSH-2.0-client\r\n"))
	c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if n, err := r.Read(make([]byte, 64)); n != 0 || err == nil {
		t.Fatalf("got %d bytes after the banner", n)
	}
}

func TestFaultStallAuth(t *testing.T) {
	s := start(t, Config{Fault: FaultStallAuth, Password: "pw"})
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Key exchange may take as long as it takes (hangGuard); once it has
	// reached the host key, the server is given 500 ms to answer the
	// authentication, which it never does.
	c.SetDeadline(time.Now().Add(hangGuard))
	var sawHostKey bool
	_, _, _, err = ssh.NewClientConn(c, s.Addr(), &ssh.ClientConfig{
		User: "x",
		Auth: []ssh.AuthMethod{ssh.Password("pw")},
		HostKeyCallback: func(string, net.Addr, ssh.PublicKey) error {
			sawHostKey = true // key exchange got this far
			c.SetDeadline(time.Now().Add(500 * time.Millisecond))
			return nil
		},
	})
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || !sawHostKey {
		t.Fatalf("want kex then an auth timeout, got %v (kex done: %v)", err, sawHostKey)
	}
}

func TestFaultsThatClose(t *testing.T) {
	for _, f := range []Fault{FaultCloseAfterAccept, FaultNotSSH, FaultCloseAfterAuth} {
		t.Run(f.String(), func(t *testing.T) {
			s := start(t, Config{Fault: f, Password: "pw"})
			c, err := dial(t, s, ssh.Password("pw"))
			if f == FaultCloseAfterAuth {
				if err != nil {
					t.Fatalf("auth should succeed: %v", err)
				}
				defer c.Close()
				if _, err := c.NewSession(); err == nil {
					t.Fatal("session on a dropped connection succeeded")
				}
				return
			}
			if err == nil {
				c.Close()
				t.Fatal("connected to a faulty server")
			}
		})
	}
	s := start(t, Config{Fault: FaultNotSSH})
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	b, _ := io.ReadAll(c)
	if string(b) != "HTTP/1.1 400 Bad Request\r\n\r\n" {
		t.Fatalf("FaultNotSSH sent %q", b)
	}
}

func TestCloseEndsEverything(t *testing.T) {
	before := runtime.NumGoroutine()
	s, err := Start(Config{Password: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := dial(t, s, ssh.Password("pw"))
	if err != nil {
		t.Fatal(err)
	}
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Start("sleep 100"); err != nil {
		t.Fatal(err)
	}
	// A stalled handshake and a silent TCP client must not block Close either.
	raw, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()

	done := make(chan struct{})
	go func() { s.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(hangGuard):
		t.Fatal("Close did not return")
	}
	if err := sess.Wait(); err == nil {
		t.Fatal("session survived Close")
	}
	c.Close()
	if _, err := net.Dial("tcp", s.Addr()); err == nil {
		t.Fatal("still listening after Close")
	}
	deadline := time.Now().Add(hangGuard) // ends as soon as they have gone
	for runtime.NumGoroutine() > before+2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before+2 {
		t.Fatalf("%d goroutines before, %d after Close", before, n)
	}
}

func TestHostKeyChangeOnSameAddr(t *testing.T) {
	s1 := start(t, Config{Password: "pw"})
	addr := s1.Addr()
	s1.Close()
	s2 := start(t, Config{Password: "pw", Addr: addr})
	if s2.Addr() != addr || bytes.Equal(s1.HostKey().Marshal(), s2.HostKey().Marshal()) {
		t.Fatal("expected the same address with a different host key")
	}
	_, err := ssh.Dial("tcp", addr, &ssh.ClientConfig{
		User: "u", Auth: []ssh.AuthMethod{ssh.Password("pw")},
		HostKeyCallback: ssh.FixedHostKey(s1.HostKey()),
	})
	if err == nil {
		t.Fatal("old host key accepted")
	}
	if got := s2.KnownHostsLines()[0]; !strings.HasPrefix(got, "[127.0.0.1]:") {
		t.Fatalf("known_hosts line %q", got)
	}
}
