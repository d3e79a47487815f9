package core

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// Group tests run against the harness sshd: many "hosts" are names for the
// same 127.0.0.1:port, next to ports where nothing listens and a listener
// that never speaks.

// hostKind is what a test host is made to be.
type hostKind int

const (
	hostGood     hostKind = iota
	hostUnknown           // an alias the known_hosts does not list: rejected under RejectPolicy
	hostMismatch          // an alias recorded with another key
	hostBadAuth           // a key the server does not accept, and a wrong password
	hostRefused           // a port nothing listens on
	hostSilent            // accepts and never speaks
)

// want is the error kind each host kind's result must carry (0: none).
var groupWant = map[hostKind]Kind{
	hostGood: 0, hostUnknown: KindHostKeyUnknown, hostMismatch: KindHostKeyMismatch,
	hostBadAuth: KindAuth, hostRefused: KindConnect, hostSilent: KindTimeout,
}

// groupFixture builds hosts of given kinds for the test sshd.
type groupFixture struct {
	s            testServer
	refused      int
	silent       int
	silentBanner time.Duration
}

func newGroupFixture(t *testing.T) *groupFixture {
	s := sshd(t)
	return &groupFixture{s: s, refused: freePort(t),
		silent:       serveTCP(t, func(c net.Conn) { io.Copy(io.Discard, c); c.Close() }), // never speaks; closes when the client does
		silentBanner: 2 * time.Second}
}

// config is the connect options of a host of kind k.
func (f *groupFixture) config(k hostKind, i int) *Config {
	cfg := f.s.config("id_ed25519")
	switch k {
	case hostUnknown:
		cfg.HostKeyAlias = fmt.Sprintf("unknown-%d.invalid", i)
	case hostMismatch:
		cfg.HostKeyAlias = "mismatch.invalid"
	case hostBadAuth:
		cfg = f.s.config("id_wrong")
		cfg.Password = "not-the-password"
	case hostRefused:
		cfg.Port = f.refused
	case hostSilent:
		cfg.Port = f.silent
		cfg.BannerTimeout = f.silentBanner
	}
	return cfg
}

// group returns a group that knows the server's host key, and a recorded
// wrong key for "mismatch.invalid".
func (f *groupFixture) group(t *testing.T) *Group {
	g := NewGroup()
	if err := g.LoadHostKeys(filepath.Join(f.s.keydir, "known_hosts")); err != nil {
		t.Fatal(err)
	}
	pub, err := os.ReadFile(filepath.Join(f.s.keydir, "id_wrong.pub"))
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Fields(string(pub))
	if err := g.HostKeys().AddLine("mismatch.invalid " + fields[0] + " " + fields[1]); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

// collect takes every result of the current run, failing on a hang.
func collect(t *testing.T, g *Group) []*GroupResult {
	t.Helper()
	var out []*GroupResult
	for {
		r, err := g.Next(hangGuard)
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		if r == nil {
			return out
		}
		out = append(out, r)
	}
}

func execSpec(cmd string) *SessionSpec {
	s := NewSessionSpec()
	s.Start, s.Command = StartExec, cmd
	return s
}

// checkResult asserts one result against what its host was made to be.
func checkResult(t *testing.T, r *GroupResult, k hostKind) {
	t.Helper()
	want := groupWant[k]
	if KindOf(r.Err) != want {
		t.Errorf("host %d (%s, kind %d): got %v (%v), want %v", r.Index, r.Name, k, KindOf(r.Err), r.Err, want)
		return
	}
	if want == 0 {
		if r.ExitStatus != 0 || string(r.Stdout) != "hello "+r.Name+"\n" {
			t.Errorf("host %d: exit %d stdout %q", r.Index, r.ExitStatus, r.Stdout)
		}
	} else if AsError(r.Err).Detail("host") != r.Name {
		t.Errorf("host %d: error detail host = %q", r.Index, AsError(r.Err).Detail("host"))
	}
}

// A run started as soon as the last result is taken: the last worker,
// which queued that result, still takes the group's lock to notify, so a
// Run that held the lock while it waited for that worker to end hung
// (TestGroupMixedHosts under -race, once in three CI runs). One refused
// host, 300 runs back to back.
func TestGroupRunRightAfterTheLastResult(t *testing.T) {
	f := newGroupFixture(t)
	g := f.group(t)
	if _, err := g.AddHost("refused", f.config(hostRefused, 0)); err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 300; round++ {
		if err := g.Run(execSpec("true")); err != nil {
			t.Fatalf("round %d: Run: %v", round, err)
		}
		if res := collect(t, g); len(res) != 1 || KindOf(res[0].Err) != KindConnect {
			t.Fatalf("round %d: %d results, %v", round, len(res), res)
		}
	}
}

// 200 hosts of every kind, three runs on one group: every result has its
// host's kind, good hosts reuse their connection after the first run, and
// no descriptor or goroutine is left behind.
func TestGroupMixedHosts(t *testing.T) {
	f := newGroupFixture(t)
	fds0, gor0 := openFDs(t), runtime.NumGoroutine()
	kinds := []hostKind{hostGood, hostGood, hostGood, hostGood, hostGood, hostGood,
		hostUnknown, hostMismatch, hostBadAuth, hostRefused, hostSilent}
	func() {
		g := f.group(t)
		if err := g.Set("pool_size", "25"); err != nil {
			t.Fatal(err)
		}
		var hk []hostKind
		for i := 0; i < 200; i++ {
			k := kinds[i%len(kinds)]
			name := fmt.Sprintf("h%03d", i)
			if _, err := g.AddHost(name, f.config(k, i)); err != nil {
				t.Fatal(err)
			}
			if err := g.SetHostCommand(i, "echo hello "+name, false); err != nil {
				t.Fatal(err)
			}
			hk = append(hk, k)
		}
		for round := 0; round < 3; round++ {
			if err := g.Run(execSpec("echo not-overridden")); err != nil {
				t.Fatal(err)
			}
			res := collect(t, g)
			if len(res) != 200 {
				t.Fatalf("round %d: %d results, want 200", round, len(res))
			}
			seen := map[int]bool{}
			for _, r := range res {
				if seen[r.Index] {
					t.Fatalf("host %d reported twice", r.Index)
				}
				seen[r.Index] = true
				checkResult(t, r, hk[r.Index])
				if hk[r.Index] == hostGood && r.Reused != (round > 0) {
					t.Errorf("round %d host %d: reused = %v", round, r.Index, r.Reused)
				}
			}
		}
		g.Close()
	}()
	if got, ok := settles(func() int { return openFDs(t) }, fds0+2); !ok {
		t.Errorf("descriptors: %d before, %d after", fds0, got)
	}
	if got, ok := settles(runtime.NumGoroutine, gor0+5); !ok {
		t.Errorf("goroutines: %d before, %d after", gor0, got)
	}
}

// The group's connect timeout ends a connect to a server that never
// speaks, even when the host's own banner timeout is longer.
func TestGroupConnectTimeout(t *testing.T) {
	f := newGroupFixture(t)
	f.silentBanner = time.Hour
	g := f.group(t)
	if err := g.Set("connect_timeout_ms", "300"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		g.AddHost(fmt.Sprintf("silent%d", i), f.config(hostSilent, i))
	}
	if err := g.Run(execSpec("true")); err != nil {
		t.Fatal(err)
	}
	for _, r := range collect(t, g) {
		checkResult(t, r, hostSilent)
	}
}

// A command that outlives command_timeout_ms is a KindTimeout result with
// stage "command", and its output so far is kept.
func TestGroupCommandTimeout(t *testing.T) {
	f := newGroupFixture(t)
	g := f.group(t)
	g.Set("command_timeout_ms", "500")
	g.AddHost("fast", f.config(hostGood, 0))
	g.AddHost("slow", f.config(hostGood, 1))
	g.SetHostCommand(0, "echo fast", false)
	g.SetHostCommand(1, "echo started; exec sleep 60", false)
	g.Run(execSpec("true"))
	for _, r := range collect(t, g) {
		switch r.Name {
		case "fast":
			if r.Err != nil || string(r.Stdout) != "fast\n" {
				t.Errorf("fast: %v %q", r.Err, r.Stdout)
			}
		case "slow":
			e := wantKind(t, r.Err, KindTimeout)
			if e.Detail("stage") != "command" || string(r.Stdout) != "started\n" {
				t.Errorf("slow: stage %q stdout %q", e.Detail("stage"), r.Stdout)
			}
		}
	}
}

// stop_on_errors: after the first error no host is started; those not run
// say so (KindCancelled, reason "stopped").
func TestGroupStopOnErrors(t *testing.T) {
	f := newGroupFixture(t)
	for rep := 0; rep < 5; rep++ {
		g := f.group(t)
		g.Set("stop_on_errors", "1")
		g.Set("pool_size", "1")
		g.AddHost("ok", f.config(hostGood, 0))
		g.AddHost("refused", f.config(hostRefused, 1))
		for i := 0; i < 30; i++ {
			g.AddHost(fmt.Sprintf("later%d", i), f.config(hostGood, i))
		}
		g.Run(execSpec("echo hello ok"))
		res := collect(t, g)
		if len(res) != 32 {
			t.Fatalf("%d results, want 32", len(res))
		}
		for _, r := range res {
			switch {
			case r.Index == 0:
				checkResult(t, r, hostGood)
			case r.Index == 1:
				checkResult(t, r, hostRefused)
			default:
				if e := wantKind(t, r.Err, KindCancelled); e.Detail("reason") != "stopped" {
					t.Errorf("host %d: reason %q", r.Index, e.Detail("reason"))
				}
			}
		}
		g.Close()
	}
}

// Cancel ends connects and running commands: every host's result arrives,
// cancelled, and nothing is left behind. Repeated, with the cancel landing
// at different points.
func TestGroupCancel(t *testing.T) {
	f := newGroupFixture(t)
	f.silentBanner = time.Hour
	fds0, gor0 := openFDs(t), runtime.NumGoroutine()
	for rep := 0; rep < 20; rep++ {
		g := f.group(t)
		g.Set("pool_size", "8")
		var once sync.Once
		started := make(chan struct{})
		g.OnOutput(func(int, string, int, []byte) { once.Do(func() { close(started) }) })
		n := 16
		for i := 0; i < n; i++ {
			k := hostGood
			if i%4 == 3 {
				k = hostSilent
			}
			g.AddHost(fmt.Sprintf("c%d", i), f.config(k, i))
		}
		if err := g.Run(execSpec("echo started; exec sleep 60")); err != nil {
			t.Fatal(err)
		}
		if rep%2 == 0 {
			select {
			case <-started:
			case <-time.After(hangGuard):
				t.Fatal("no output")
			}
		}
		g.Cancel()
		var res []*GroupResult
		mustReturn(t, "collecting after Cancel", func() {
			for {
				r, err := g.Next(hangGuard)
				if err != nil || r == nil {
					return
				}
				res = append(res, r)
			}
		})
		if len(res) != n {
			t.Fatalf("rep %d: %d results after Cancel, want %d", rep, len(res), n)
		}
		for _, r := range res {
			if KindOf(r.Err) != KindCancelled {
				t.Errorf("rep %d host %d: %v (%v), want cancelled", rep, r.Index, KindOf(r.Err), r.Err)
			}
		}
		g.Close()
	}
	if got, ok := settles(func() int { return openFDs(t) }, fds0+2); !ok {
		t.Errorf("descriptors: %d before, %d after", fds0, got)
	}
	if got, ok := settles(runtime.NumGoroutine, gor0+5); !ok {
		t.Errorf("goroutines: %d before, %d after", gor0, got)
	}
}

// A kept connection that died is replaced at the next run; the output
// callback names each host and carries both streams; the result callback
// sees every result.
func TestGroupReconnectAndCallbacks(t *testing.T) {
	f := newGroupFixture(t)
	g := f.group(t)
	for i := 0; i < 4; i++ {
		g.AddHost(fmt.Sprintf("r%d", i), f.config(hostGood, i))
	}
	var mu sync.Mutex
	streamed := map[string]string{}
	var called int
	g.OnOutput(func(i int, name string, stream int, data []byte) {
		mu.Lock()
		streamed[fmt.Sprintf("%s/%d", name, stream)] += string(data)
		mu.Unlock()
	})
	g.OnResult(func(*GroupResult) { mu.Lock(); called++; mu.Unlock() })
	spec := execSpec("echo out; echo err >&2; exit 7")
	for round := 0; round < 2; round++ {
		if round == 1 {
			g.mu.Lock()
			g.hosts[2].client.Close() // the connection dies between runs
			g.mu.Unlock()
		}
		if err := g.Run(spec); err != nil {
			t.Fatal(err)
		}
		for _, r := range collect(t, g) {
			if r.Err != nil || r.ExitStatus != 7 || string(r.Stdout) != "out\n" || string(r.Stderr) != "err\n" {
				t.Errorf("round %d %s: %v exit %d %q %q", round, r.Name, r.Err, r.ExitStatus, r.Stdout, r.Stderr)
			}
			if wantReused := round == 1 && r.Index != 2; r.Reused != wantReused {
				t.Errorf("round %d %s: reused %v", round, r.Name, r.Reused)
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if called != 8 {
		t.Errorf("result callback called %d times, want 8", called)
	}
	for i := 0; i < 4; i++ {
		if o, e := streamed[fmt.Sprintf("r%d/0", i)], streamed[fmt.Sprintf("r%d/1", i)]; o != "out\nout\n" || e != "err\nerr\n" {
			t.Errorf("r%d streamed %q %q", i, o, e)
		}
	}
}

// Bad input: unknown options and values, no hosts, no spec, a second Run
// while one is in progress, a closed group.
func TestGroupBadInput(t *testing.T) {
	g := NewGroup()
	defer g.Close()
	for _, kv := range [][2]string{{"pool_size", "0"}, {"pool_size", "x"}, {"nope", "1"},
		{"connect_timeout_ms", "-1"}, {"stop_on_errors", "maybe"}} {
		wantKind(t, g.Set(kv[0], kv[1]), KindInvalid)
	}
	wantKind(t, g.Run(execSpec("true")), KindInvalid)
	wantKind(t, g.Run(nil), KindInvalid)
	_, err := g.AddHost("x", nil)
	wantKind(t, err, KindInvalid)
	wantKind(t, g.SetHostCommand(3, "x", false), KindInvalid)
	if r, err := g.Next(0); r != nil || err != nil {
		t.Errorf("Next before any run: %v %v", r, err)
	}
	cfg := NewConfig()
	cfg.Hostname, cfg.Port = "127.0.0.1", freePort(t)
	g.AddHost("x", cfg)
	g.Close()
	wantKind(t, g.Run(execSpec("true")), KindClosed)
}

// RunTransfer puts one file to every host and gets each host's copy back
// into a file of its own; a missing remote file is that host's KindSFTP
// result, and a get that would make every host write one file is refused.
func TestGroupTransfer(t *testing.T) {
	f := newGroupFixture(t)
	_, sf, dir := sftpSession(t)
	local := t.TempDir()
	src := filepath.Join(local, "src")
	sum := randomFile(t, src, 300*1024+7)
	g := f.group(t)
	n := 12
	for i := 0; i < n; i++ {
		g.AddHost(fmt.Sprintf("x%d", i), f.config(hostGood, i))
	}
	g.AddHost("refused", f.config(hostRefused, 0))
	if err := g.RunTransfer(&GroupTransfer{Direction: GroupPut, Local: src, Remote: dir + "/put-%i"}); err != nil {
		t.Fatal(err)
	}
	for _, r := range collect(t, g) {
		if r.Name == "refused" {
			checkResult(t, r, hostRefused)
			continue
		}
		if r.Err != nil || r.Transferred != 300*1024+7 {
			t.Errorf("put %s: %v, %d bytes", r.Name, r.Err, r.Transferred)
		}
	}
	sf.Remove(fmt.Sprintf("%s/put-%d", dir, 3), -1) // host 3's get fails
	if err := g.RunTransfer(&GroupTransfer{Direction: GroupGet, Local: local + "/got-%h", Remote: dir + "/put-%i"}); err != nil {
		t.Fatal(err)
	}
	for _, r := range collect(t, g) {
		switch {
		case r.Name == "refused":
			checkResult(t, r, hostRefused)
		case r.Index == 3:
			wantKind(t, r.Err, KindSFTP)
		case r.Err != nil || !r.Reused:
			t.Errorf("get %s: %v reused %v", r.Name, r.Err, r.Reused)
		case fileHash(t, filepath.Join(local, "got-"+r.Name)) != sum:
			t.Errorf("get %s: content differs", r.Name)
		}
	}
	wantKind(t, g.RunTransfer(&GroupTransfer{Direction: GroupGet, Local: local + "/same", Remote: dir + "/put-0"}), KindInvalid)
	wantKind(t, g.RunTransfer(&GroupTransfer{Direction: 3, Local: "a", Remote: "b"}), KindInvalid)
	g.AddHost("x0", f.config(hostGood, 0)) // a second host of that name: %h no longer tells them apart
	wantKind(t, g.RunTransfer(&GroupTransfer{Direction: GroupGet, Local: local + "/got-%h", Remote: dir + "/put-0"}), KindInvalid)
}

// A Cancel that closes a host's client before its Connect has begun must
// still stop it: Connect undoes an earlier Close (a closed client connects
// again), so the group's client asks the run, once connecting, whether it
// was cancelled. Here the run is cancelled before Connect: it fails at once,
// KindCancelled, and the client can connect later.
func TestConnectAsksWhetherToStop(t *testing.T) {
	s := sshd(t)
	c := s.client(t)
	stop := true
	c.stopConnect = func() bool { return stop }
	c.Close() // Cancel's Close, before the Connect
	err := c.Connect(s.config("id_ed25519"))
	wantKind(t, err, KindCancelled)
	if c.IsActive() {
		t.Fatal("a stopped Connect left the client connected")
	}
	stop = false
	if err := c.Connect(s.config("id_ed25519")); err != nil {
		t.Fatalf("a later Connect: %v", err)
	}
	if !c.IsActive() {
		t.Fatal("not connected")
	}
}
