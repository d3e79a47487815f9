package core

import (
	"bytes"
	"io"
	"math"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gossh/gossh/core/sshtest"
)

// connected returns a client authenticated to the real sshd.
func connected(t *testing.T) (*Client, testServer) {
	t.Helper()
	s := sshd(t)
	c := s.connected(t)
	return c, s
}

func TestShellWithPtyEnvAndResize(t *testing.T) {
	c, _ := connected(t)
	ch, err := c.Shell(PtyRequest{Term: "xterm", Cols: 100, Rows: 30}, map[string]string{"GOSSH_SHELL_VAR": "shell-env-ok"}, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	if err := ch.ResizePty(120, 40, 0, 0); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if _, err := ch.Write([]byte("echo TERM=$TERM VAR=$GOSSH_SHELL_VAR SIZE=$(stty size); exit 5\n"), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	out := string(readAll(t, ch, Stdout))
	for _, want := range []string{"TERM=xterm", "VAR=shell-env-ok", "SIZE=40 120"} {
		if !strings.Contains(out, want) {
			t.Errorf("shell output lacks %q: %q", want, out)
		}
	}
	if st, err := ch.ExitStatus(10 * time.Second); err != nil || st != 5 {
		t.Fatalf("status %d err %v", st, err)
	}
}

func TestExecWithPtyAndEnvironment(t *testing.T) {
	c, _ := connected(t)
	ch, err := c.ExecWith("tty; echo $A$B", &DefaultPty, map[string]string{"A": "1", "B": "2"}, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	out := string(readAll(t, ch, Stdout))
	if !strings.Contains(out, "/dev/pts/") || !strings.Contains(out, "12") {
		t.Fatalf("got %q", out)
	}
}

func TestSubsystemAndRefusedRequest(t *testing.T) {
	c, _ := connected(t)
	ch, err := c.OpenSession(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.Subsystem("sftp", 5*time.Second); err != nil {
		t.Fatal(err)
	}
	ch.Close()
	ch, _ = c.OpenSession(5 * time.Second)
	defer ch.Close()
	wantKind(t, ch.Subsystem("no-such-subsystem", 5*time.Second), KindChannel)
}

// execCombined runs cmd with stderr combined into stdout and returns the
// channel and everything it wrote.
func execCombined(t *testing.T, c *Client, cmd string) (*Channel, string) {
	t.Helper()
	ch, err := c.OpenSession(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ch.SetCombineStderr(true)
	if err := ch.Exec(cmd, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	return ch, string(readAll(t, ch, Stdout))
}

func TestCombineStderrAndSignal(t *testing.T) {
	c, _ := connected(t)
	ch, out := execCombined(t, c, "echo a; echo b >&2")
	if !strings.Contains(out, "a\n") || !strings.Contains(out, "b\n") {
		t.Fatalf("combined output %q", out)
	}
	if errOut := readAll(t, ch, Stderr); len(errOut) != 0 {
		t.Fatalf("stderr not combined: %q", errOut)
	}
	// A command ended by a signal reports -1 and the signal's name.
	ch2, _ := c.Exec("kill -TERM $$", 5*time.Second)
	if st, _ := ch2.ExitStatus(10 * time.Second); st != -1 || ch2.ExitSignal() != "TERM" {
		t.Fatalf("status %d signal %q", st, ch2.ExitSignal())
	}
}

func TestFilenoBecomesReadable(t *testing.T) {
	c, _ := connected(t)
	ch, err := c.Exec("sleep 0.3; echo ready", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	fd, err := ch.Fileno()
	if err != nil {
		t.Fatal(err)
	}
	if readable(fd, 0) {
		t.Fatal("fileno readable before any data")
	}
	if !readable(fd, 5000) {
		t.Fatal("fileno not readable after data arrived")
	}
	buf := make([]byte, 64)
	n, _ := ch.Read(Stdout, buf, time.Second)
	if string(buf[:n]) != "ready\n" {
		t.Fatalf("read %q", buf[:n])
	}
	// Empty again until EOF, then readable for good.
	if !readable(fd, 5000) {
		t.Fatal("fileno not readable at EOF")
	}
}

// readable polls fd for input for at most ms milliseconds.
func readable(fd int, ms int) bool {
	var set syscall.FdSet
	set.Bits[fd/64] |= 1 << (uint(fd) % 64)
	tv := syscall.NsecToTimeval(int64(ms) * int64(time.Millisecond))
	n, err := syscall.Select(fd+1, &set, nil, nil, &tv)
	return err == nil && n > 0
}

func TestInfo(t *testing.T) {
	c, s := connected(t)
	info, err := c.Info()
	if err != nil {
		t.Fatal(err)
	}
	if info.PeerHost != "127.0.0.1" || info.PeerPort != strconv.Itoa(s.port) || info.Username != s.user {
		t.Fatalf("%+v", info)
	}
	if !strings.HasPrefix(info.ServerVersion, "SSH-2.0-OpenSSH") || !strings.HasPrefix(info.ClientVersion, "SSH-2.0-gossh") {
		t.Fatalf("versions %q %q", info.ServerVersion, info.ClientVersion)
	}
	for _, name := range []string{"kex", "host_key_algorithm", "cipher_out", "cipher_in", "server_key"} {
		if v, ok := info.Get(name); !ok || v == "" {
			t.Errorf("%s empty", name)
		}
	}
	if _, ok := info.Get("nope"); ok {
		t.Fatal("unknown name accepted")
	}
	if err := c.SendIgnore(); err != nil {
		t.Fatal(err)
	}
}

func TestDirectTCPIP(t *testing.T) {
	c, _ := connected(t)
	port := serveTCP(t, func(conn net.Conn) {
		io.Copy(conn, conn) // echo
		conn.Close()
	})
	ch, err := c.OpenDirectTCPIP("127.0.0.1", port, "", 0, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	if _, err := ch.Write([]byte("echo through the tunnel"), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	ch.SendEOF()
	if got := string(readAll(t, ch, Stdout)); got != "echo through the tunnel" {
		t.Fatalf("got %q", got)
	}
	// A port nobody listens on: the server refuses the channel.
	_, err = c.OpenDirectTCPIP("127.0.0.1", 1, "", 0, 5*time.Second)
	wantKind(t, err, KindChannel)
}

func TestRemotePortForward(t *testing.T) {
	c, _ := connected(t)
	port, err := c.RequestPortForward("127.0.0.1", 0)
	if err != nil {
		t.Fatal(err)
	}
	if port == 0 {
		t.Fatal("no port bound")
	}
	go func() {
		conn, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			return
		}
		conn.Write([]byte("hello from the far side"))
		conn.(*net.TCPConn).CloseWrite()
		io.Copy(io.Discard, conn)
		conn.Close()
	}()
	ch, err := c.AcceptForward(10 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Type != "forwarded-tcpip" || ch.Origin == "" || ch.Dest == "" {
		t.Fatalf("channel %q origin %q dest %q", ch.Type, ch.Origin, ch.Dest)
	}
	if got := string(readAll(t, ch, Stdout)); got != "hello from the far side" {
		t.Fatalf("got %q", got)
	}
	ch.Close()
	if err := c.CancelPortForward("127.0.0.1", port); err != nil {
		t.Fatal(err)
	}
	wantKind(t, c.CancelPortForward("127.0.0.1", port), KindInvalid)
	_, err = c.AcceptForward(50 * time.Millisecond)
	wantKind(t, err, KindTimeout)
}

func TestHundredConcurrentChannels(t *testing.T) {
	c, _ := connected(t)
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ch, err := c.Exec("echo "+strconv.Itoa(i), 20*time.Second)
			if err != nil {
				errs <- err
				return
			}
			defer ch.Close()
			var out bytes.Buffer
			buf := make([]byte, 64)
			for {
				n, err := ch.Read(Stdout, buf, 20*time.Second)
				if err != nil {
					errs <- err
					return
				}
				if n == 0 {
					break
				}
				out.Write(buf[:n])
			}
			if strings.TrimSpace(out.String()) != strconv.Itoa(i) {
				errs <- newError(KindInternal, nil, "channel %d got %q", i, out.String())
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// newFreezer is a proxy that forwards until Trip, then stops forwarding
// both ways with the sockets open: a live peer that looks dead.
func newFreezer(t *testing.T, target string) *sshtest.FaultProxy {
	p, err := sshtest.StartFaultProxy(sshtest.ProxyConfig{Target: target, Fault: sshtest.ProxyStall, After: []int64{math.MaxInt64}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// proxyClient accepts the host seen through a proxy's port without touching
// the shared known_hosts file (no file is loaded, so nothing is saved).
func proxyClient(t *testing.T) *Client {
	c := NewClient()
	c.SetPolicy(AutoAddPolicy{})
	t.Cleanup(func() { c.Close() })
	return c
}

func TestKeepaliveDetectsDeadPeer(t *testing.T) {
	s := sshd(t)
	f := newFreezer(t, net.JoinHostPort(s.host, strconv.Itoa(s.port)))
	c := proxyClient(t)
	cfg := s.config("id_ed25519")
	cfg.Port = f.Port()
	if err := c.Connect(cfg); err != nil {
		t.Fatal(err)
	}
	// 500 ms: a live sshd must answer within three intervals, 1.5 s, even
	// on a loaded machine.
	if err := c.SetKeepalive(500 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	ch, err := c.Exec("sleep 60", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1200 * time.Millisecond) // two keepalives are answered
	if !c.IsActive() {
		t.Fatal("keepalive closed a live connection")
	}
	f.Trip()
	// The frozen peer sends nothing more, so only the keepalive can end
	// this read with KindClosed; its own timeout (hangGuard) would give
	// KindTimeout.
	_, err = ch.Read(Stdout, make([]byte, 10), hangGuard)
	wantKind(t, err, KindClosed)
	if c.IsActive() {
		t.Fatal("client still active after its peer died")
	}
}

func TestStallsAtEachStage(t *testing.T) {
	for _, tc := range []struct {
		fault sshtest.Fault
		stage string
	}{
		{sshtest.FaultSilent, "banner"},
		{sshtest.FaultStallAfterBanner, "auth"},
		{sshtest.FaultStallAuth, "auth"},
	} {
		t.Run(tc.fault.String(), func(t *testing.T) {
			srv, err := sshtest.Start(sshtest.Config{Password: "pw", Fault: tc.fault})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			cfg := NewConfig()
			cfg.Hostname, cfg.Port, cfg.Password = "127.0.0.1", srv.Port(), "pw"
			cfg.AllowAgent, cfg.LookForKeys = false, false
			cfg.BannerTimeout, cfg.AuthTimeout = 400*time.Millisecond, 400*time.Millisecond
			c := NewClient()
			c.SetPolicy(AutoAddPolicy{})
			// The stalled server never answers: only the timeouts end Connect.
			e := wantKind(t, c.Connect(cfg), KindTimeout)
			if e.Detail("stage") != tc.stage {
				t.Fatalf("stage %q, want %q", e.Detail("stage"), tc.stage)
			}
		})
	}
}

func TestChannelOpenTimeoutAgainstStalledServer(t *testing.T) {
	// A server that authenticates and then drops the connection: channel
	// calls end with KindClosed, never hang.
	srv, err := sshtest.Start(sshtest.Config{Password: "pw", Fault: sshtest.FaultCloseAfterAuth})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	cfg := NewConfig()
	cfg.Hostname, cfg.Port, cfg.Password = "127.0.0.1", srv.Port(), "pw"
	cfg.AllowAgent, cfg.LookForKeys = false, false
	c := NewClient()
	c.SetPolicy(AutoAddPolicy{})
	if err := c.Connect(cfg); err != nil {
		t.Skipf("server dropped during auth: %v", err)
	}
	_, err = c.Exec("true", 2*time.Second)
	if k := KindOf(err); k != KindClosed && k != KindTimeout && k != KindChannel {
		t.Fatalf("got %v (%v)", k, err)
	}
}

func TestLogSink(t *testing.T) {
	var mu sync.Mutex
	var records []string
	SetLogSink(func(level int, name, msg string) {
		mu.Lock()
		records = append(records, name+": "+msg)
		mu.Unlock()
	}, LevelDebug)
	defer SetLogSink(nil, 0)
	s := sshd(t)
	c := s.client(t)
	c.SetLogChannel("myapp.ssh")
	cfg := s.config("id_ed25519")
	if err := c.Connect(cfg); err != nil {
		t.Fatal(err)
	}
	run(t, c, "true", nil)
	c.Close()
	mu.Lock()
	defer mu.Unlock()
	all := strings.Join(records, "\n")
	for _, want := range []string{"myapp.ssh.transport: connecting to", "host key for", "authenticated as", "myapp.ssh.channel: opened session"} {
		if !strings.Contains(all, want) {
			t.Errorf("log lacks %q:\n%s", want, all)
		}
	}
}

func TestLostConnectionIsNotACleanEOF(t *testing.T) {
	s := sshd(t)
	f := newFreezer(t, net.JoinHostPort(s.host, strconv.Itoa(s.port)))
	c := proxyClient(t)
	cfg := s.config("id_ed25519")
	cfg.Port = f.Port()
	if err := c.Connect(cfg); err != nil {
		t.Fatal(err)
	}
	ch, err := c.Exec("echo partial; sleep 60", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	if n, err := ch.Read(Stdout, buf, 5*time.Second); err != nil || string(buf[:n]) != "partial\n" {
		t.Fatalf("read %q %v", buf[:n], err)
	}
	f.Trip()
	c.SetKeepalive(50 * time.Millisecond)
	for i := 0; i < 100 && c.IsActive(); i++ {
		time.Sleep(20 * time.Millisecond)
	}
	if c.IsActive() {
		t.Fatal("keepalive did not notice the dead peer")
	}
	time.Sleep(50 * time.Millisecond) // let the drains see the end
	_, err = ch.Read(Stdout, buf, time.Second)
	wantKind(t, err, KindClosed)
	_, err = ch.ExitStatus(time.Second)
	wantKind(t, err, KindClosed)
	if ch.State()&StateClosed == 0 {
		t.Fatalf("state %b lacks StateClosed", ch.State())
	}
}

func TestCombinedStderrKeepsItsTail(t *testing.T) {
	c, _ := connected(t)
	for i := 0; i < 40; i++ {
		ch, out := execCombined(t, c, "echo out; printf tail >&2")
		ch.Release()
		if !strings.Contains(out, "tail") {
			t.Fatalf("run %d lost stderr's tail: %q", i, out)
		}
	}
}

func TestStateAndFilenoAfterClose(t *testing.T) {
	c, _ := connected(t)
	ch, err := c.Exec("echo x", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	fd, _ := ch.Fileno()
	readAll(t, ch, Stdout)
	readAll(t, ch, Stderr)
	ch.ExitStatus(5 * time.Second)
	st := ch.State()
	if st&(StateStdoutEOF|StateStderrEOF|StateExitReady) != StateStdoutEOF|StateStderrEOF|StateExitReady || st&StateClosed != 0 {
		t.Fatalf("state %b", st)
	}
	ch.Close()
	if !readable(fd, 0) {
		t.Fatal("fileno not readable after Close")
	}
	if ch.State()&StateClosed == 0 {
		t.Fatal("no StateClosed after Close")
	}
	// A cleanly ended stream still reads as ended after Close.
	if n, err := ch.Read(Stdout, make([]byte, 4), 0); n != 0 || err != nil {
		t.Fatalf("read after close: %d %v", n, err)
	}
	ch.Release()
}

func TestCloseEndsABlockedWrite(t *testing.T) {
	for _, which := range []string{"channel", "client"} {
		t.Run(which, func(t *testing.T) {
			c, _ := connected(t)
			// Never reads its stdin and never ends by itself, so only the
			// close can end the write; it dies of SIGPIPE once its
			// channel's connection is gone.
			ch, err := c.Exec("while sleep 1; do echo .; done", 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { _, err := ch.Write(make([]byte, 64<<20), -1); done <- err }()
			select {
			case err := <-done:
				t.Fatalf("a 64 MiB write to a command that reads nothing returned: %v", err)
			case <-time.After(500 * time.Millisecond): // blocked on the window
			}
			if which == "channel" {
				ch.Close()
			} else {
				c.Close()
			}
			select {
			case err := <-done:
				wantKind(t, err, KindClosed)
			case <-time.After(hangGuard):
				t.Fatalf("write still blocked %v after %s close (a hang)", hangGuard, which)
			}
		})
	}
}
