package core

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gossh/gossh/core/sshtest"
)

// specOf builds a spec through Set and SetEnv, as the C API does.
func specOf(t *testing.T, env map[string]string, fields ...string) *SessionSpec {
	t.Helper()
	s := NewSessionSpecs()
	for i := 0; i+1 < len(fields); i += 2 {
		if err := s.Set(fields[i], fields[i+1]); err != nil {
			t.Fatalf("Set(%s): %v", fields[i], err)
		}
	}
	for k, v := range env {
		if err := s.SetEnv(k, v); err != nil {
			t.Fatal(err)
		}
	}
	return s.Spec()
}

func TestStartExecWithPtyAndEnv(t *testing.T) {
	c, _ := connected(t)
	spec := specOf(t, map[string]string{"GOSSH_B": "2", "GOSSH_A": "1"},
		"command", "tty; echo $TERM $GOSSH_A$GOSSH_B; stty size", "term", "xterm", "cols", "100", "rows", "30", "timeout", "10000")
	ch, err := c.Start(spec)
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	out := string(readAll(t, ch, Stdout))
	for _, want := range []string{"/dev/pts/", "xterm 12", "30 100"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q: %q", want, out)
		}
	}
}

func TestStartShellAndSubsystem(t *testing.T) {
	c, _ := connected(t)
	ch, err := c.Start(specOf(t, map[string]string{"GOSSH_SHELL_VAR": "ok"}, "shell", "1", "pty", "1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ch.Write([]byte("echo VAR=$GOSSH_SHELL_VAR; exit 3\n"), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if out := string(readAll(t, ch, Stdout)); !strings.Contains(out, "VAR=ok") {
		t.Errorf("shell output %q", out)
	}
	if st, err := ch.ExitStatus(10 * time.Second); err != nil || st != 3 {
		t.Fatalf("status %d err %v", st, err)
	}
	ch.Close()

	ch, err = c.Start(specOf(t, nil, "subsystem", "sftp", "timeout", "5000"))
	if err != nil {
		t.Fatal(err)
	}
	ch.Close()
	_, err = c.Start(specOf(t, nil, "subsystem", "no-such-subsystem"))
	wantKind(t, err, KindChannel)
}

func TestStartCombineStderr(t *testing.T) {
	c, _ := connected(t)
	ch, err := c.Start(specOf(t, nil, "command", "echo a; echo b >&2", "combine_stderr", "1"))
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	out := string(readAll(t, ch, Stdout))
	if !strings.Contains(out, "a\n") || !strings.Contains(out, "b\n") {
		t.Fatalf("combined output %q", out)
	}
	if e := readAll(t, ch, Stderr); len(e) != 0 {
		t.Fatalf("stderr not combined: %q", e)
	}
}

// hermeticClient connects to an in-process server.
func hermeticClient(t *testing.T, cfg sshtest.Config, channelTimeout time.Duration) *Client {
	t.Helper()
	srv := startServer(t, cfg)
	c := NewClient()
	c.SetPolicy(AutoAddPolicy{})
	t.Cleanup(func() { c.Close() })
	ccfg := testConfig(srv)
	ccfg.ChannelTimeout = channelTimeout
	if err := c.Connect(ccfg); err != nil {
		t.Fatal(err)
	}
	return c
}

// env is sent without asking for a reply (paramiko, OpenSSH's ssh): a name
// the server refuses is dropped and the command runs without it, whatever
// the order of the requests; it is logged at debug level.
func TestStartRefusedEnvIsDropped(t *testing.T) {
	c := hermeticClient(t, sshtest.Config{RefuseEnv: []string{"NOPE"}}, 0)
	records := captureLog(t)
	for i := 0; i < 20; i++ {
		ch, err := c.Start(specOf(t, map[string]string{"NOPE": "x", "FINE": "y", "ZED": "z"}, "command", "echo \"$NOPE|$FINE|$ZED\""))
		if err != nil {
			t.Fatal(err)
		}
		if out := string(readAll(t, ch, Stdout)); out != "|y|z\n" {
			t.Fatalf("run %d: got %q", i, out)
		}
	}
	found := false
	for _, m := range records() {
		found = found || strings.HasPrefix(m, fmt.Sprintf("%d ", LevelDebug)) && strings.Contains(m, "sent env NOPE")
	}
	if !found {
		t.Fatalf("no debug record for the env request: %q", records())
	}
}

func TestStartTimeouts(t *testing.T) {
	// The spec's own timeout, for a request the server never answers.
	c := hermeticClient(t, sshtest.Config{StallRequest: "pty-req"}, 0)
	t0 := time.Now()
	_, err := c.Start(specOf(t, nil, "command", "true", "pty", "1", "timeout", "300"))
	wantKind(t, err, KindTimeout)
	if d := time.Since(t0); d < 250*time.Millisecond || d > 5*time.Second {
		t.Fatalf("timed out after %v", d)
	}
	// 0 does not wait: a call that needs the server's answer fails at once.
	_, err = c.Start(specOf(t, nil, "command", "true", "timeout", "0"))
	wantKind(t, err, KindTimeout)
	// Below -1 is a caller's bug.
	wantKind(t, NewSessionSpec().Set("timeout", "-2"), KindInvalid)

	// None given (-1): the connection's channel_timeout applies.
	c2 := hermeticClient(t, sshtest.Config{StallRequest: "pty-req"}, 300*time.Millisecond)
	t0 = time.Now()
	_, err = c2.Start(specOf(t, nil, "command", "true", "pty", "1"))
	wantKind(t, err, KindTimeout)
	if d := time.Since(t0); d < 250*time.Millisecond || d > 5*time.Second {
		t.Fatalf("channel_timeout: timed out after %v", d)
	}
	// ... and to the step-by-step calls given -1.
	ch, err := c2.OpenSession(-1)
	if err != nil {
		t.Fatal(err)
	}
	wantKind(t, ch.RequestPty(DefaultPty, -1), KindTimeout)
	// An explicit timeout overrides it.
	ch, err = c2.Start(specOf(t, nil, "command", "echo ok", "timeout", "5000"))
	if err != nil {
		t.Fatal(err)
	}
	if out := string(readAll(t, ch, Stdout)); out != "ok\n" {
		t.Fatalf("got %q", out)
	}
}

func TestSessionSpecSet(t *testing.T) {
	s := NewSessionSpec()
	for _, bad := range [][2]string{{"cols", "wide-hunter2"}, {"pty", "maybe"}, {"timeout", "soon"}, {"nosuch", "hunter2"}, {"subsystem", ""}} {
		if err := s.Set(bad[0], bad[1]); KindOf(err) != KindInvalid {
			t.Errorf("Set(%q, %q) = %v, want KindInvalid", bad[0], bad[1], err)
		} else if bad[1] != "" && strings.Contains(err.Error(), bad[1]) {
			t.Errorf("the error repeats the value: %v", err)
		}
	}
	wantKind(t, s.SetEnv("", "x"), KindInvalid)
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{{"-1", -1}, {"0", 0}, {"1500", 1500 * time.Millisecond}, {"0.2", time.Millisecond}, {"2.5", 3 * time.Millisecond}} {
		if err := s.Set("timeout", tc.in); err != nil || s.Timeout != tc.want {
			t.Errorf("timeout %s: %v %v", tc.in, s.Timeout, err)
		}
	}
	for _, bad := range []string{"-1.5", "-2", "NaN", "Inf", "1e300"} {
		wantKind(t, s.Set("timeout", bad), KindInvalid)
	}
	// The last of command, shell and subsystem wins; a pty field turns the pty on.
	for _, f := range [][2]string{{"command", "ls"}, {"subsystem", "sftp"}, {"cols", "132"}} {
		if err := s.Set(f[0], f[1]); err != nil {
			t.Fatal(err)
		}
	}
	if s.Start != StartSubsystem || s.Pty == nil || s.Pty.Cols != 132 || s.Pty.Rows != 24 || s.Pty.Term != "vt100" {
		t.Fatalf("spec %+v pty %+v", s, s.Pty)
	}
	// A size out of range is refused before a channel is opened (none is
	// even needed: the client is not connected).
	if err := s.Set("rows", "70000"); err != nil {
		t.Fatal(err)
	}
	_, err := NewClient().Start(s)
	wantKind(t, err, KindInvalid)
	_, err = NewClient().Start(nil)
	wantKind(t, err, KindInvalid)
}

func TestChannelTimeoutOption(t *testing.T) {
	cfg := NewConfig()
	if err := cfg.Set("channel_timeout", "2.5"); err != nil || cfg.ChannelTimeout != 2500*time.Millisecond {
		t.Fatalf("%v %v", cfg.ChannelTimeout, err)
	}
	wantKind(t, cfg.Set("channel_timeout", "-1"), KindInvalid)
}

func TestAddressesComeSplit(t *testing.T) {
	for _, c := range []struct{ addr, host, port string }{
		{"127.0.0.1:22", "127.0.0.1", "22"}, {"[::1]:2222", "::1", "2222"}, {"", "", "0"}, {"no-port", "no-port", "0"},
	} {
		ch := &Channel{Origin: c.addr, Dest: c.addr}
		for _, p := range []string{"origin", "dest"} {
			h, _ := ch.Info(p + "_host")
			port, _ := ch.Info(p + "_port")
			if h != c.host || port != c.port {
				t.Errorf("%s %q: %q %q, want %q %q", p, c.addr, h, port, c.host, c.port)
			}
		}
	}
	cfg := NewConfig()
	cfg.Hostname, cfg.Port = "::1", freePort(t)
	e := wantKind(t, NewClient().Connect(cfg), KindConnect)
	if e.Detail("host") != "::1" || e.Detail("port") != strconv.Itoa(cfg.Port) || e.Detail("address") != "[::1]:"+strconv.Itoa(cfg.Port) {
		t.Fatalf("details %v", e.Details)
	}
}

// A closed client connects again and keeps its host keys and policy
// (paramiko's close() then connect()): no binding needs a new client.
func TestConnectAfterCloseKeepsHostKeys(t *testing.T) {
	srv := startServer(t, sshtest.Config{})
	c := NewClient()
	defer c.Close()
	c.SetPolicy(AutoAddPolicy{})
	if err := c.Connect(testConfig(srv)); err != nil {
		t.Fatal(err)
	}
	c.Close()
	_, err := c.Exec("true", 5*time.Second)
	wantKind(t, err, KindClosed)
	c.SetPolicy(RejectPolicy{}) // the key added on the first connect is known now
	if err := c.Connect(testConfig(srv)); err != nil {
		t.Fatal(err)
	}
	ch, err := c.Start(specOf(t, nil, "command", "echo again"))
	if err != nil {
		t.Fatal(err)
	}
	if out := string(readAll(t, ch, Stdout)); out != "again\n" {
		t.Fatalf("got %q", out)
	}
}
