package core

import (
	"bytes"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// testServer describes the real sshd that testenv/with-sshd.sh started.
type testServer struct {
	host, user, password, passphrase, keydir string
	port                                     int
}

func sshd(t *testing.T) testServer {
	t.Helper()
	host := os.Getenv("GOSSH_TEST_HOST")
	if host == "" {
		t.Skip("no test sshd: run through `make test` or `testenv/with-sshd.sh go test ./core/...` to include this test")
	}
	port, _ := strconv.Atoi(os.Getenv("GOSSH_TEST_PORT"))
	return testServer{host: host, port: port, user: os.Getenv("GOSSH_TEST_USER"),
		password: os.Getenv("GOSSH_TEST_PASSWORD"), passphrase: os.Getenv("GOSSH_TEST_PASSPHRASE"),
		keydir: os.Getenv("GOSSH_TEST_KEYDIR")}
}

// config returns a Config for the test server that uses only what the test adds.
func (s testServer) config(keys ...string) *Config {
	cfg := NewConfig()
	cfg.Hostname, cfg.Port, cfg.Username = s.host, s.port, s.user
	cfg.AllowAgent, cfg.LookForKeys = false, false
	for _, k := range keys {
		cfg.KeyFilenames = append(cfg.KeyFilenames, filepath.Join(s.keydir, k))
	}
	return cfg
}

// client returns a client that knows the server's host keys.
func (s testServer) client(t *testing.T) *Client {
	t.Helper()
	c := NewClient()
	if err := c.LoadHostKeys(filepath.Join(s.keydir, "known_hosts")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// connected returns a client connected to the server with its ed25519 key,
// closed when the test ends.
func (s testServer) connected(t *testing.T) *Client {
	t.Helper()
	c := s.client(t)
	if err := c.Connect(s.config("id_ed25519")); err != nil {
		t.Fatal(err)
	}
	return c
}

func wantKind(t *testing.T, err error, kind Kind) *Error {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v", kind)
	}
	if KindOf(err) != kind {
		t.Fatalf("got %v error %q, want %v", KindOf(err), err, kind)
	}
	return AsError(err)
}

// hangGuard bounds a wait for a call that must end but has no timeout of
// its own (or whose end is the point of the test). It is no timing
// assertion: such calls end in milliseconds, and the bound only turns a
// hang into a failure, far beyond any slowness a loaded machine causes.
const hangGuard = 60 * time.Second

// mustReturn runs f and fails the test if f has not returned within
// hangGuard. f must not call t.Fatal.
func mustReturn(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(hangGuard):
		buf := make([]byte, 4<<20)
		t.Logf("every goroutine at the hang:\n%s", buf[:runtime.Stack(buf, true)])
		t.Fatalf("%s: still blocked after %v (a hang)", what, hangGuard)
	}
}

// freePort returns a loopback port that nothing listened on a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// serveTCP listens on loopback and runs handle on each connection until the
// test ends, when the listener and every connection still open are closed.
// It returns the port.
func serveTCP(t *testing.T, handle func(net.Conn)) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
			go handle(conn)
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

// run execs cmd and returns stdout, stderr and the exit status.
func run(t *testing.T, c *Client, cmd string, stdin []byte) (string, string, int) {
	t.Helper()
	ch, err := c.Exec(cmd, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	if stdin != nil {
		if _, err := ch.Write(stdin, 5*time.Second); err != nil {
			t.Fatal(err)
		}
		ch.SendEOF()
	}
	out := readAll(t, ch, Stdout)
	errOut := readAll(t, ch, Stderr)
	status, err := ch.ExitStatus(10 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return string(out), string(errOut), status
}

func readAll(t *testing.T, ch *Channel, stream int) []byte {
	t.Helper()
	var out bytes.Buffer
	buf := make([]byte, 256<<10)
	for {
		n, err := ch.Read(stream, buf, 20*time.Second)
		if err != nil {
			t.Fatalf("read stream %d: %v", stream, err)
		}
		if n == 0 {
			return out.Bytes()
		}
		out.Write(buf[:n])
	}
}

func TestKeyAuthEachType(t *testing.T) {
	s := sshd(t)
	for _, key := range []string{"id_ed25519", "id_ecdsa", "id_rsa", "id_rsa_pem"} {
		t.Run(key, func(t *testing.T) {
			c := s.client(t)
			if err := c.Connect(s.config(key)); err != nil {
				t.Fatal(err)
			}
			if !c.IsActive() || !c.IsAuthenticated() {
				t.Fatal("connected client not active/authenticated")
			}
			out, _, status := run(t, c, "echo $USER", nil)
			if strings.TrimSpace(out) != s.user || status != 0 {
				t.Fatalf("got %q status %d", out, status)
			}
		})
	}
}

func TestEncryptedKey(t *testing.T) {
	s := sshd(t)
	cfg := s.config("id_ed25519_enc")
	cfg.Passphrase = s.passphrase
	if err := s.client(t).Connect(cfg); err != nil {
		t.Fatalf("with passphrase: %v", err)
	}
	// paramiko: the password unlocks the key when no passphrase is given.
	cfg = s.config("id_ed25519_enc")
	cfg.Password = s.passphrase
	if err := s.client(t).Connect(cfg); err != nil {
		t.Fatalf("with password as passphrase: %v", err)
	}
	wantKind(t, s.client(t).Connect(s.config("id_ed25519_enc")), KindPasswordRequired)
	_, err := LoadPrivateKeyFile(filepath.Join(s.keydir, "id_ed25519_enc"), "wrong")
	wantKind(t, err, KindKey)
}

func TestWrongKeyAndPassword(t *testing.T) {
	s := sshd(t)
	e := wantKind(t, s.client(t).Connect(s.config("id_wrong")), KindAuth)
	if !strings.Contains(e.Detail("allowed_types"), "publickey") {
		t.Fatalf("allowed_types %q lacks publickey", e.Detail("allowed_types"))
	}
	if s.password == "" {
		t.Skip("no test password: sshd not run as root")
	}
	cfg := s.config()
	cfg.Password = s.password
	c := s.client(t)
	if err := c.Connect(cfg); err != nil {
		t.Fatalf("password auth: %v", err)
	}
	cfg.Password = "not-the-password"
	wantKind(t, s.client(t).Connect(cfg), KindAuth)
}

func TestHostKeyPolicies(t *testing.T) {
	s := sshd(t)
	// Default: reject an unknown host.
	c := NewClient()
	defer c.Close()
	e := wantKind(t, c.Connect(s.config("id_ed25519")), KindHostKeyUnknown)
	if e.Detail("hostname") != HostKeyName(s.host, s.port) || e.Detail("key") == "" {
		t.Fatalf("details %v", e.Details)
	}
	if c.IsActive() {
		t.Fatal("rejected client is active")
	}
	// AutoAdd: accept, add and save to the loaded file.
	file := filepath.Join(t.TempDir(), "known_hosts")
	c2 := NewClient()
	defer c2.Close()
	if err := c2.LoadHostKeys(file); err != nil {
		t.Fatal(err)
	}
	c2.SetPolicy(AutoAddPolicy{})
	if err := c2.Connect(s.config("id_ed25519")); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(file)
	if !strings.HasPrefix(string(data), HostKeyName(s.host, s.port)+" ") {
		t.Fatalf("saved known_hosts %q", data)
	}
	// The saved file now verifies under the reject policy.
	c3 := NewClient()
	defer c3.Close()
	c3.LoadHostKeys(file)
	if err := c3.Connect(s.config("id_ed25519")); err != nil {
		t.Fatal(err)
	}
	// A custom policy's error comes out of Connect unchanged.
	mine := newError(KindHostKeyUnknown, nil, "my policy said no")
	c4 := NewClient()
	defer c4.Close()
	c4.SetPolicy(PolicyFunc(func(string, ssh.PublicKey) (Decision, error) { return Reject, mine }))
	if err := c4.Connect(s.config("id_ed25519")); err != mine {
		t.Fatalf("got %v, want the policy's own error", err)
	}
}

// A policy's answer accepts only when it is Accept or AcceptAdd: an
// undefined value (what a C callback returning 7 or -1 hands over) rejects.
func TestHostKeyPolicyUndefinedDecisionRejects(t *testing.T) {
	s := sshd(t)
	for _, d := range []Decision{Decision(7), Decision(-1), Decision(3)} {
		c := NewClient()
		c.SetPolicy(PolicyFunc(func(string, ssh.PublicKey) (Decision, error) { return d, nil }))
		wantKind(t, c.Connect(s.config("id_ed25519")), KindHostKeyUnknown)
		if c.IsActive() || c.HostKeys().Len() != 0 {
			t.Errorf("decision %d: active %v, %d host keys", int(d), c.IsActive(), c.HostKeys().Len())
		}
		c.Close()
	}
	for _, d := range []Decision{Accept, AcceptAdd} {
		c := NewClient()
		c.SetPolicy(PolicyFunc(func(string, ssh.PublicKey) (Decision, error) { return d, nil }))
		if err := c.Connect(s.config("id_ed25519")); err != nil {
			t.Errorf("decision %d: %v", int(d), err)
		}
		c.Close()
	}
}

func TestHostKeyMismatch(t *testing.T) {
	s := sshd(t)
	c := NewClient()
	defer c.Close()
	c.LoadHostKeys(filepath.Join(s.keydir, "known_hosts_wrong"))
	e := wantKind(t, c.Connect(s.config("id_ed25519")), KindHostKeyMismatch)
	if e.Detail("hostname") == "" || e.Detail("key") == "" || e.Detail("expected_key") == "" || e.Detail("key") == e.Detail("expected_key") {
		t.Fatalf("details %v", e.Details)
	}
}

func TestKnownEd25519KeyIsNegotiated(t *testing.T) {
	// Only the ed25519 host key is known: the client must offer it first, or
	// sshd shows ECDSA and the check reports a mismatch.
	s := sshd(t)
	data, _ := os.ReadFile(filepath.Join(s.keydir, "known_hosts"))
	var lines []string
	for _, l := range strings.Split(string(data), "\n") {
		if strings.Contains(l, "ssh-ed25519") {
			lines = append(lines, l)
		}
	}
	file := filepath.Join(t.TempDir(), "kh")
	os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o600)
	c := NewClient()
	defer c.Close()
	c.LoadHostKeys(file)
	if err := c.Connect(s.config("id_ed25519")); err != nil {
		t.Fatal(err)
	}
}

func TestExecStatusStdinAndStreams(t *testing.T) {
	s := sshd(t)
	c := s.connected(t)
	if _, _, st := run(t, c, "exit 7", nil); st != 7 {
		t.Fatalf("exit status %d, want 7", st)
	}
	out, errOut, _ := run(t, c, "echo out; echo err >&2", nil)
	if out != "out\n" || errOut != "err\n" {
		t.Fatalf("got %q / %q", out, errOut)
	}
	in := bytes.Repeat([]byte("gossh stdin round trip\n"), 50000)
	if out, _, _ := run(t, c, "cat", in); out != string(in) {
		t.Fatalf("cat returned %d bytes, want %d", len(out), len(in))
	}
}

func TestLargeStderrReadStdoutFirstDoesNotDeadlock(t *testing.T) {
	s := sshd(t)
	c := s.connected(t)
	const n = 10 << 20
	done := make(chan struct{})
	go func() {
		defer close(done)
		out, errOut, st := run(t, c, "head -c 10485760 /dev/zero >&2; head -c 10485760 /dev/zero", nil)
		if len(out) != n || len(errOut) != n || st != 0 {
			t.Errorf("got %d/%d bytes, status %d", len(out), len(errOut), st)
		}
	}()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("deadlock: 10 MB stderr + 10 MB stdout not read in 60 s")
	}
}

func TestExitStatusBeforeReadingLargeOutput(t *testing.T) {
	s := sshd(t)
	c := s.connected(t)
	ch, err := c.Exec("head -c 30000000 /dev/zero; exit 4", -1)
	if err != nil {
		t.Fatal(err)
	}
	st, err := ch.ExitStatus(60 * time.Second)
	if err != nil || st != 4 {
		t.Fatalf("status %d err %v", st, err)
	}
	if got := len(readAll(t, ch, Stdout)); got != 30000000 {
		t.Fatalf("read %d bytes after exit", got)
	}
}

func TestReadTimeoutAndCloseFromAnotherGoroutine(t *testing.T) {
	s := sshd(t)
	c := s.connected(t)
	ch, err := c.Exec("sleep 30", -1)
	if err != nil {
		t.Fatal(err)
	}
	// The read ends by its own timeout, with a timeout error (not data,
	// not the end of the stream).
	_, err = ch.Read(Stdout, make([]byte, 10), 300*time.Millisecond)
	wantKind(t, err, KindTimeout)
	// A read without a timeout ends when another goroutine closes the
	// client: with KindClosed, where the command's own end (after 30 s)
	// would give the end of the stream.
	go func() { time.Sleep(200 * time.Millisecond); c.Close() }()
	_, err = ch.Read(Stdout, make([]byte, 10), -1)
	wantKind(t, err, KindClosed)
	c.Close() // twice is fine
	_, err = c.Exec("true", -1)
	wantKind(t, err, KindClosed)
}

func TestConnectionRefused(t *testing.T) {
	cfg := NewConfig()
	cfg.Hostname, cfg.Port = "127.0.0.1", freePort(t)
	e := wantKind(t, NewClient().Connect(cfg), KindConnect)
	if e.Detail("address") == "" || e.Detail("reason") != "refused" {
		t.Fatalf("details %v", e.Details)
	}
	cfg.Hostname = "no-such-host.invalid"
	if e := wantKind(t, NewClient().Connect(cfg), KindConnect); e.Detail("reason") != "resolve" {
		t.Fatalf("details %v", e.Details)
	}
}

func TestBannerTimeoutAgainstSilentServer(t *testing.T) {
	port := serveTCP(t, func(net.Conn) {}) // hold each connection open, say nothing
	cfg := NewConfig()
	cfg.Hostname, cfg.Port = "127.0.0.1", port
	cfg.BannerTimeout = 500 * time.Millisecond
	start := time.Now()
	e := wantKind(t, NewClient().Connect(cfg), KindTimeout)
	// The timeout is not cut short. (A lower bound only: a loaded machine
	// makes it later, never earlier.)
	if d := time.Since(start); d < 400*time.Millisecond {
		t.Fatalf("banner timeout after %v, want ~500ms", d)
	}
	if e.Detail("stage") != "banner" {
		t.Fatalf("stage %q", e.Detail("stage"))
	}
	// Close from another goroutine cancels a connect that waits for the
	// banner with no timeout: nothing else would end it.
	cfg.BannerTimeout = 0
	c := NewClient()
	go func() { time.Sleep(200 * time.Millisecond); c.Close() }()
	var err error
	mustReturn(t, "Connect after Close", func() { err = c.Connect(cfg) })
	wantKind(t, err, KindClosed)
}

func TestNotSSHServer(t *testing.T) {
	port := serveTCP(t, func(conn net.Conn) {
		io.WriteString(conn, "HTTP/1.1 400 Bad Request\r\n\r\n")
		conn.Close()
	})
	cfg := NewConfig()
	cfg.Hostname, cfg.Port = "127.0.0.1", port
	wantKind(t, NewClient().Connect(cfg), KindProtocol)
}

func TestManyChannelsOneConnection(t *testing.T) {
	s := sshd(t)
	c := s.connected(t)
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			out, _, st := run(t, c, "echo "+strconv.Itoa(i)+"; exit "+strconv.Itoa(i%5), nil)
			if strings.TrimSpace(out) != strconv.Itoa(i) || st != i%5 {
				t.Errorf("channel %d: %q status %d", i, out, st)
			}
		}(i)
	}
	wg.Wait()
}

func TestOptionsSet(t *testing.T) {
	cfg := NewConfig()
	for _, kv := range [][2]string{{"hostname", "h"}, {"port", "2222"}, {"timeout", "1.5"}, {"allow_agent", "false"}, {"key_filename", "a"}, {"key_filename", "b"}} {
		if err := cfg.Set(kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	if cfg.Hostname != "h" || cfg.Port != 2222 || cfg.Timeout != 1500*time.Millisecond || cfg.AllowAgent || len(cfg.KeyFilenames) != 2 {
		t.Fatalf("%+v", cfg)
	}
	for _, kv := range [][2]string{{"nope", "1"}, {"port", "70000"}, {"port", "x"}, {"timeout", "-1"}, {"look_for_keys", "maybe"}} {
		wantKind(t, cfg.Set(kv[0], kv[1]), KindInvalid)
	}
}

func TestAgentKeys(t *testing.T) {
	s := sshd(t)
	agentPath, err := exec.LookPath("ssh-agent")
	if err != nil {
		t.Fatal("ssh-agent not installed (openssh-client)")
	}
	sock := filepath.Join(t.TempDir(), "agent.sock")
	agent := exec.Command(agentPath, "-D", "-a", sock)
	if err := agent.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { agent.Process.Kill(); agent.Wait() }()
	for i := 0; i < 100; i++ {
		if _, err := os.Stat(sock); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	add := exec.Command("ssh-add", filepath.Join(s.keydir, "id_ecdsa"))
	add.Env = append(os.Environ(), "SSH_AUTH_SOCK="+sock)
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("ssh-add: %v %s", err, out)
	}
	cfg := s.config()
	cfg.AllowAgent, cfg.AgentSocket = true, sock
	if err := s.client(t).Connect(cfg); err != nil {
		t.Fatalf("agent auth: %v", err)
	}
	// The same through SSH_AUTH_SOCK.
	t.Setenv("SSH_AUTH_SOCK", sock)
	cfg.AgentSocket = ""
	if err := s.client(t).Connect(cfg); err != nil {
		t.Fatalf("agent auth via SSH_AUTH_SOCK: %v", err)
	}
	cfg.AllowAgent = false
	wantKind(t, s.client(t).Connect(cfg), KindAuth)
}

func TestLookForKeys(t *testing.T) {
	s := sshd(t)
	home := t.TempDir()
	os.Mkdir(filepath.Join(home, ".ssh"), 0o700)
	key, _ := os.ReadFile(filepath.Join(s.keydir, "id_ed25519"))
	os.WriteFile(filepath.Join(home, ".ssh", "id_ed25519"), key, 0o600)
	t.Setenv("HOME", home)
	cfg := s.config()
	cfg.LookForKeys = true
	if err := s.client(t).Connect(cfg); err != nil {
		t.Fatalf("look_for_keys: %v", err)
	}
	cfg.LookForKeys = false
	wantKind(t, s.client(t).Connect(cfg), KindAuth)
}
