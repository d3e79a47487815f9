package core

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gossh/gossh/core/sshtest"
)

// TestMain lets the test binary serve as a proxy command: with
// GOSSH_TEST_RELAY set it relays its standard input and output to the TCP
// address host:port in its arguments (what `nc host port` does), so that
// the proxy command tests need nothing installed.
func TestMain(m *testing.M) {
	if os.Getenv("GOSSH_TEST_RELAY") != "" {
		relay(os.Args[len(os.Args)-2], os.Args[len(os.Args)-1])
		return
	}
	os.Exit(m.Run())
}

func relay(host, port string) {
	conn, err := net.Dial("tcp", net.JoinHostPort(host, port))
	if err != nil {
		fmt.Fprintln(os.Stderr, "relay:", err)
		os.Exit(1)
	}
	go func() {
		io.Copy(conn, os.Stdin)
		conn.(*net.TCPConn).CloseWrite()
	}()
	io.Copy(os.Stdout, conn)
	os.Exit(0)
}

// relayCommand is a ProxyCommand that runs the test binary as a relay.
func relayCommand(t *testing.T) string {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return "env GOSSH_TEST_RELAY=1 '" + exe + "' -test.run=^$ %h %p"
}

// hermetic starts an in-process server that lets anyone in.
func hermetic(t *testing.T, fault sshtest.Fault) (string, int) {
	t.Helper()
	srv := startServer(t, sshtest.Config{Fault: fault})
	host, port, _ := net.SplitHostPort(srv.Addr())
	p, _ := strconv.Atoi(port)
	return host, p
}

func hermeticConfig(host string, port int) *Config {
	cfg := NewConfig()
	cfg.Hostname, cfg.Port = host, port
	cfg.AllowAgent, cfg.LookForKeys = false, false
	return cfg
}

func autoAddClient(t *testing.T) *Client {
	c := NewClient()
	c.SetPolicy(AutoAddPolicy{})
	t.Cleanup(func() { c.Close() })
	return c
}

// execOut runs command and returns its output.
func execOut(t *testing.T, c *Client, command string) string {
	t.Helper()
	ch, err := c.Exec(command, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Release()
	return string(readAll(t, ch, Stdout))
}

func TestConnectViaAnotherClient(t *testing.T) {
	gwHost, gwPort := hermetic(t, sshtest.FaultNone)
	host, port := hermetic(t, sshtest.FaultNone)
	gw := autoAddClient(t)
	if err := gw.Connect(hermeticConfig(gwHost, gwPort)); err != nil {
		t.Fatal(err)
	}
	c := autoAddClient(t)
	if err := c.ConnectVia(gw, hermeticConfig(host, port)); err != nil {
		t.Fatal(err)
	}
	if got := execOut(t, c, "echo via"); got != "via\n" {
		t.Fatalf("output %q", got)
	}
	info, err := c.Info()
	if err != nil || info.PeerPort != strconv.Itoa(port) {
		t.Fatalf("info %+v %v", info, err)
	}
	// The target's host key was checked by the target's client: the
	// gateway's store knows only the gateway.
	if c.HostKeys().Lookup(HostKeyName(host, port)) == nil || gw.HostKeys().Lookup(HostKeyName(host, port)) != nil {
		t.Fatal("host key recorded in the wrong client")
	}
	// Closing the gateway ends the connection through it.
	gw.Close()
	mustReturn(t, "exec after the gateway closed", func() {
		_, err := c.Exec("true", -1)
		wantKind(t, err, KindClosed)
	})
	// A target the gateway cannot reach is a connect error.
	gw2 := autoAddClient(t)
	if err := gw2.Connect(hermeticConfig(gwHost, gwPort)); err != nil {
		t.Fatal(err)
	}
	e := wantKind(t, autoAddClient(t).ConnectVia(gw2, hermeticConfig("127.0.0.1", freePort(t))), KindConnect)
	if e.Detail("reason") != "jump" {
		t.Fatalf("details %v", e.Details)
	}
}

// Over a jump channel the banner and auth timeouts hold (a channel conn has
// no deadlines; the phase timers close it), many times over, at once.
func TestTimeoutsOverAJumpChannel(t *testing.T) {
	gwHost, gwPort := hermetic(t, sshtest.FaultNone)
	gw := autoAddClient(t)
	if err := gw.Connect(hermeticConfig(gwHost, gwPort)); err != nil {
		t.Fatal(err)
	}
	silentHost, silentPort := hermetic(t, sshtest.FaultSilent)
	stallHost, stallPort := hermetic(t, sshtest.FaultStallAfterBanner)
	// A FaultProxy that stalls from the first byte: the banner never comes.
	proxy, err := sshtest.StartFaultProxy(sshtest.ProxyConfig{Target: net.JoinHostPort(stallHost, strconv.Itoa(stallPort)),
		Fault: sshtest.ProxyStall, After: []int64{0}})
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	cases := []struct {
		host  string
		port  int
		stage string
	}{
		{silentHost, silentPort, "banner"},
		{stallHost, stallPort, "auth"},
		{"127.0.0.1", proxy.Port(), "banner"},
	}
	const runs = 12
	var wg sync.WaitGroup
	errs := make(chan error, runs*len(cases))
	for i := 0; i < runs; i++ {
		for _, c := range cases {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cfg := hermeticConfig(c.host, c.port)
				cfg.BannerTimeout, cfg.AuthTimeout = 300*time.Millisecond, 300*time.Millisecond
				cl := NewClient()
				cl.SetPolicy(AutoAddPolicy{})
				defer cl.Close()
				err := cl.ConnectVia(gw, cfg)
				if KindOf(err) != KindTimeout || AsError(err).Detail("stage") != c.stage {
					errs <- fmt.Errorf("%s:%d: got %v %v, want a %s timeout", c.host, c.port, KindOf(err), err, c.stage)
				}
			}()
		}
	}
	mustReturn(t, "connects over a jump channel to stalling servers", wg.Wait)
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// The gateway is unharmed.
	if got := execOut(t, gw, "echo ok"); got != "ok\n" {
		t.Fatalf("gateway output %q", got)
	}
}

func TestProxyJumpHermetic(t *testing.T) {
	h1, p1 := hermetic(t, sshtest.FaultNone)
	h2, p2 := hermetic(t, sshtest.FaultNone)
	host, port := hermetic(t, sshtest.FaultNone)
	c := autoAddClient(t)
	cfg := hermeticConfig(host, port)
	cfg.ProxyJump = fmt.Sprintf("u1@%s:%d,%s:%d", h1, p1, h2, p2)
	if err := c.Connect(cfg); err != nil {
		t.Fatal(err)
	}
	if got := execOut(t, c, "echo jumped"); got != "jumped\n" {
		t.Fatalf("output %q", got)
	}
	// Every hop's key was checked by the client's policy, into its store.
	for _, p := range []int{p1, p2, port} {
		if c.HostKeys().Lookup(HostKeyName("127.0.0.1", p)) == nil {
			t.Fatalf("no host key recorded for port %d", p)
		}
	}
	c.Close()
	// A hop that cannot be reached names itself.
	cfg.ProxyJump = fmt.Sprintf("%s:%d,127.0.0.1:%d", h1, p1, freePort(t))
	e := wantKind(t, autoAddClient(t).Connect(cfg), KindConnect)
	if !strings.Contains(e.Detail("jump_host"), "127.0.0.1") {
		t.Fatalf("details %v", e.Details)
	}
	cfg.ProxyCommand = "nc %h %p"
	wantKind(t, autoAddClient(t).Connect(cfg), KindInvalid)
}

func TestParseProxyJump(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
	}{
		{"h", "h:22"},
		{"bob@h:2222", "bob@h:2222"},
		{"a@b@h", "a@b@h:22"},
		{"ssh://bob@h:23", "bob@h:23"},
		{"[::1]:2200", "[::1]:2200"},
		{"::1", "[::1]:22"},
		{"a:1, b:2", "a:1,b:2"},
		{"none", ""},
	} {
		hops, err := ParseProxyJump(c.in)
		if err != nil {
			t.Fatalf("%q: %v", c.in, err)
		}
		var got []string
		for _, h := range hops {
			got = append(got, h.String())
		}
		if strings.Join(got, ",") != c.want {
			t.Fatalf("%q: got %q want %q", c.in, got, c.want)
		}
	}
	for _, bad := range []string{"h:0", "h:x", "h:", "@h", ",", "a,,b", "[::1", "[::1]x", "secret pw"} {
		_, err := ParseProxyJump(bad)
		e := wantKind(t, err, KindInvalid)
		if strings.Contains(e.Msg, bad) && bad != "," {
			t.Fatalf("%q: the message repeats the value: %s", bad, e.Msg)
		}
	}
	cfg := NewConfig()
	wantKind(t, cfg.Set("proxy_jump", "h:99999"), KindInvalid)
	if err := cfg.Set("proxy_jump", "a,b:2"); err != nil || cfg.ProxyJump != "a,b:2" {
		t.Fatal(err, cfg.ProxyJump)
	}
	if err := cfg.Set("proxy_command", "nc %h %p"); err != nil || cfg.ProxyCommand != "nc %h %p" {
		t.Fatal(err)
	}
}

func TestExpandProxyCommand(t *testing.T) {
	cfg := NewConfig()
	cfg.Hostname, cfg.Port, cfg.Username = "h", 2222, "bob"
	got, err := ExpandProxyCommand("ssh -W %h:%p %r@gw %n 100%% %u", cfg)
	if err != nil || got != "ssh -W h:2222 bob@gw h 100% "+localUsername() {
		t.Fatalf("%q %v", got, err)
	}
	for _, bad := range []string{"nc %x", "nc %"} {
		_, err := ExpandProxyCommand(bad, cfg)
		wantKind(t, err, KindInvalid)
	}
}

func TestProxyCommandHermetic(t *testing.T) {
	host, port := hermetic(t, sshtest.FaultNone)
	cfg := hermeticConfig(host, port)
	cfg.ProxyCommand = relayCommand(t)
	c := autoAddClient(t)
	if err := c.Connect(cfg); err != nil {
		t.Fatal(err)
	}
	if got := execOut(t, c, "echo piped"); got != "piped\n" {
		t.Fatalf("output %q", got)
	}
	c.Close()
	// A command that fails says why, with its stderr.
	// (It runs as "exec <command>", as in OpenSSH: a compound command
	// needs a shell of its own.)
	cfg.ProxyCommand = "sh -c 'echo cannot reach %h >&2; exit 3'"
	e := wantKind(t, autoAddClient(t).Connect(cfg), KindConnect)
	if !strings.Contains(e.Msg, "cannot reach "+host) || !strings.Contains(e.Msg, "status 3") || e.Detail("reason") != "proxy_command" {
		t.Fatalf("message %q details %v", e.Msg, e.Details)
	}
	// A command that stays silent meets the banner timeout.
	cfg.ProxyCommand = "sleep 60"
	cfg.BannerTimeout = 200 * time.Millisecond
	e = wantKind(t, autoAddClient(t).Connect(cfg), KindTimeout)
	if e.Detail("stage") != "banner" {
		t.Fatalf("details %v", e.Details)
	}
}

// children counts this process's child processes, zombies included.
func children(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("no /proc")
	}
	me := strconv.Itoa(os.Getpid())
	n := 0
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so split after ")".
		s := string(stat)
		f := strings.Fields(s[strings.LastIndex(s, ")")+1:])
		if len(f) > 1 && f[1] == me {
			n++
		}
	}
	return n
}

func openFDs(t *testing.T) int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	return len(entries)
}

// settles waits until f returns want (closes elsewhere finish on their own
// goroutines), and reports what it last saw.
func settles(f func() int, want int) (int, bool) {
	deadline := time.Now().Add(hangGuard)
	for {
		got := f()
		if got <= want || time.Now().After(deadline) {
			return got, got <= want
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Repeated connects over a proxy command leave no process, zombie or
// descriptor behind: those closed by the client, those ended by a failed
// handshake, and those whose server went away.
func TestProxyCommandLeaksNothing(t *testing.T) {
	host, port := hermetic(t, sshtest.FaultNone)
	cfg := hermeticConfig(host, port)
	cfg.ProxyCommand = relayCommand(t)
	// Warm up: the first connect opens descriptors that stay (the test
	// server's, the runtime's).
	warm := autoAddClient(t)
	if err := warm.Connect(cfg); err != nil {
		t.Fatal(err)
	}
	warm.Close()
	baseKids, _ := settles(func() int { return children(t) }, 0)
	baseFDs := openFDs(t)
	for i := 0; i < 20; i++ {
		c := NewClient()
		c.SetPolicy(AutoAddPolicy{})
		if err := c.Connect(cfg); err != nil {
			t.Fatal(err)
		}
		execOut(t, c, "true")
		c.Close()
		// A failing command, and one that ignores SIGHUP.
		bad := cfg.Clone()
		bad.ProxyCommand = "exit 1"
		wantKind(t, NewClient().Connect(bad), KindConnect)
		if i%5 != 0 {
			continue
		}
		hup := cfg.Clone()
		hup.ProxyCommand = "sh -c \"trap '' HUP; exec sleep 30\""
		hup.BannerTimeout = 50 * time.Millisecond
		wantKind(t, NewClient().Connect(hup), KindTimeout)
	}
	if got, ok := settles(func() int { return children(t) }, baseKids); !ok {
		t.Fatalf("%d child processes left, had %d", got, baseKids)
	}
	if got, ok := settles(func() int { return openFDs(t) }, baseFDs); !ok {
		t.Fatalf("%d descriptors open, had %d", got, baseFDs)
	}
}

func TestConnectFD(t *testing.T) {
	host, port := hermetic(t, sshtest.FaultNone)
	tcp, err := net.Dial("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		t.Fatal(err)
	}
	f, err := tcp.(*net.TCPConn).File()
	tcp.Close()
	if err != nil {
		t.Fatal(err)
	}
	c := autoAddClient(t)
	err = c.ConnectFD(int(f.Fd()), hermeticConfig(host, port))
	f.Close() // the library holds its own duplicate
	if err != nil {
		t.Fatal(err)
	}
	if got := execOut(t, c, "echo fd"); got != "fd\n" {
		t.Fatalf("output %q", got)
	}
	wantKind(t, NewClient().ConnectFD(-1, hermeticConfig(host, port)), KindInvalid)
	wantKind(t, NewClient().ConnectFD(1<<20, hermeticConfig(host, port)), KindIO)
	// A socket pair end whose other end says nothing meets the banner timeout.
	a, b := socketPair(t)
	defer b.Close()
	cfg := hermeticConfig(host, port)
	cfg.BannerTimeout = 100 * time.Millisecond
	err = NewClient().ConnectFD(int(a.Fd()), cfg)
	a.Close()
	wantKind(t, err, KindTimeout)
}

func socketPair(t *testing.T) (*os.File, *os.File) {
	t.Helper()
	l, err := net.Listen("unix", filepath.Join(t.TempDir(), "s"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c1, err := net.Dial("unix", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c2, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	f1, _ := c1.(*net.UnixConn).File()
	f2, _ := c2.(*net.UnixConn).File()
	c1.Close()
	c2.Close()
	return f1, f2
}

// The Fabric gateway pattern: a direct-tcpip channel opened by the caller.
func TestConnectChannel(t *testing.T) {
	gwHost, gwPort := hermetic(t, sshtest.FaultNone)
	host, port := hermetic(t, sshtest.FaultNone)
	gw := autoAddClient(t)
	if err := gw.Connect(hermeticConfig(gwHost, gwPort)); err != nil {
		t.Fatal(err)
	}
	ch, err := gw.OpenDirectTCPIP(host, port, "", 0, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c := autoAddClient(t)
	if err := c.ConnectChannel(ch, hermeticConfig(host, port)); err != nil {
		t.Fatal(err)
	}
	if got := execOut(t, c, "echo chan"); got != "chan\n" {
		t.Fatalf("output %q", got)
	}
	c.Close()
	if ch.State() == 0 {
		t.Log("state", ch.State())
	}
}

// A conn handed to ConnectConn is closed whatever happens, also when the
// connect is refused before the handshake.
func TestConnectConnClosesARefusedConn(t *testing.T) {
	host, port := hermetic(t, sshtest.FaultNone)
	c := autoAddClient(t)
	if err := c.Connect(hermeticConfig(host, port)); err != nil {
		t.Fatal(err)
	}
	a, b := net.Pipe()
	defer b.Close()
	wantKind(t, c.ConnectConn(a, hermeticConfig(host, port)), KindInvalid) // already connected
	closed := func(p net.Conn) bool {
		p.SetWriteDeadline(time.Now().Add(time.Second)) // an open pipe would wait for a reader
		_, err := p.Write([]byte("x"))
		return errors.Is(err, io.ErrClosedPipe)
	}
	if !closed(a) {
		t.Fatal("the refused conn is still open")
	}
	a2, b2 := net.Pipe()
	defer b2.Close()
	bad := hermeticConfig(host, port)
	bad.HostKey = "not a key"
	wantKind(t, NewClient().ConnectConn(a2, bad), KindInvalid)
	if !closed(a2) {
		t.Fatal("the refused conn is still open")
	}
}

// A StepAuth connect that fails may be retried at once on the same client.
func TestStepAuthRetryAfterFailure(t *testing.T) {
	port := serveTCP(t, func(conn net.Conn) { conn.Close() })
	cfg := hermeticConfig("127.0.0.1", port)
	cfg.StepAuth = true
	c := NewClient()
	defer c.Close()
	for i := 0; i < 20; i++ {
		err := c.Connect(cfg)
		if KindOf(err) == KindInvalid {
			t.Fatalf("attempt %d: %v", i, err)
		}
		if err == nil {
			t.Fatal("connected to a server that closes at once")
		}
	}
}
