// Command sftp measures gossh's SFTP get, put and a 32 KiB read loop
// against the test sshd, beside OpenSSH's sftp on the same files, and
// prints one line per measurement (MiB/s, best of BENCH_RUNS).
//
//	testenv/with-sshd.sh go run ./bench/sftp
//
// BENCH_SFTP_BYTES (default 512 MiB), BENCH_RUNS (default 3),
// BENCH_CHANNELS (gossh's transfer_channels, default 4), BENCH_DELAY_MS
// (if set, both clients go through a proxy that delays every chunk by that
// much each way: there is no netem here).
package main

import (
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gossh/gossh/core"
)

func envInt(name string, def int64) int64 {
	if n, err := strconv.ParseInt(os.Getenv(name), 10, 64); err == nil {
		return n
	}
	return def
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/sftp:", err)
		os.Exit(1)
	}
}

func mibs(size int64, d time.Duration) float64 { return float64(size) / (1 << 20) / d.Seconds() }

// cpu is the process's user+system CPU seconds so far.
func cpu() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// cpuPerGiB collects each measurement's client CPU seconds per GiB.
var cpuPerGiB []string

// best runs f runs times and returns the best rate; it notes the client's
// CPU seconds per GiB over the runs.
func best(runs int64, size int64, f func() error) float64 {
	var top float64
	c0 := cpu()
	for i := int64(0); i < runs; i++ {
		start := time.Now()
		must(f())
		top = max(top, mibs(size, time.Since(start)))
	}
	cpuPerGiB = append(cpuPerGiB, fmt.Sprintf("%.2f", (cpu()-c0)/(float64(runs*size)/(1<<30))))
	return top
}

func main() {
	host, port, user, keydir := os.Getenv("GOSSH_TEST_HOST"), os.Getenv("GOSSH_TEST_PORT"), os.Getenv("GOSSH_TEST_USER"), os.Getenv("GOSSH_TEST_KEYDIR")
	if host == "" {
		fmt.Fprintln(os.Stderr, "no test sshd: run under testenv/with-sshd.sh")
		os.Exit(2)
	}
	size := envInt("BENCH_SFTP_BYTES", 512<<20)
	runs := envInt("BENCH_RUNS", 3)
	channels := envInt("BENCH_CHANNELS", 4)

	hostKeyOpts := []string{"-o", "UserKnownHostsFile=" + filepath.Join(keydir, "known_hosts")}
	c := core.NewClient()
	must(c.LoadHostKeys(filepath.Join(keydir, "known_hosts")))
	if d := envInt("BENCH_DELAY_MS", 0); d > 0 {
		p, err := delayProxy(net.JoinHostPort(host, port), time.Duration(d)*time.Millisecond)
		must(err)
		port = strconv.Itoa(p)
		c.SetPolicy(core.WarningPolicy{}) // the proxy's port is not in known_hosts
		hostKeyOpts = []string{"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"}
		fmt.Printf("through a proxy delaying each way by %d ms (RTT %d ms)\n", d, 2*d)
	}
	cfg := core.NewConfig()
	cfg.Hostname, cfg.Username = host, user
	cfg.Port, _ = strconv.Atoi(port)
	cfg.AllowAgent, cfg.LookForKeys = false, false
	cfg.KeyFilenames = []string{filepath.Join(keydir, "id_ed25519")}
	must(c.Connect(cfg))
	defer c.Close()
	s, err := c.OpenSFTP(-1)
	must(err)
	must(s.Set("transfer_channels", strconv.FormatInt(channels, 10)))
	home, err := s.Home(-1)
	must(err)

	dir, err := os.MkdirTemp("", "gossh-bench-sftp-")
	must(err)
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "src")
	f, err := os.Create(src)
	must(err)
	_, err = io.CopyN(f, rand.Reader, size)
	must(err)
	must(f.Close())
	remote := home + "/gossh-bench-sftp.bin"
	defer s.Remove(remote, -1)

	put := best(runs, size, func() error { _, err := s.Put(src, remote, 0, nil, -1); return err })
	if pf := os.Getenv("BENCH_PROFILE"); pf != "" {
		f, err := os.Create(pf)
		must(err)
		must(pprof.StartCPUProfile(f))
		defer pprof.StopCPUProfile()
	}
	get := best(runs, size, func() error {
		os.Remove(filepath.Join(dir, "dst"))
		_, err := s.Get(remote, filepath.Join(dir, "dst"), 0, nil, -1)
		return err
	})
	pprof.StopCPUProfile()
	loop := best(runs, size, func() error {
		f, err := s.Open(remote, core.FxfRead, 0, -1)
		if err != nil {
			return err
		}
		buf := make([]byte, 32<<10)
		var n int64
		for {
			k, err := f.Read(buf, -1)
			if err != nil {
				return err
			}
			if k == 0 {
				break
			}
			n += int64(k)
		}
		if n != size {
			return fmt.Errorf("read loop: %d of %d bytes", n, size)
		}
		return f.Close()
	})
	wloop := best(runs, size, func() error {
		f, err := s.Open(remote+".w", core.FxfWrite|core.FxfCreat|core.FxfTrunc, 0o644, -1)
		if err != nil {
			return err
		}
		buf := make([]byte, 32<<10)
		for n := int64(0); n < size; n += int64(len(buf)) {
			if _, err := f.Write(buf[:min(int64(len(buf)), size-n)], -1); err != nil {
				return err
			}
		}
		return f.Close()
	})
	defer s.Remove(remote+".w", -1)
	fmt.Printf("gossh   put %7.1f MiB/s  get %7.1f MiB/s  32KiB-read-loop %7.1f MiB/s  32KiB-write-loop %7.1f MiB/s  (%d MiB, %d channels, best of %d)\n",
		put, get, loop, wloop, size>>20, channels, runs)
	fmt.Printf("gossh   client CPU s/GiB: put %s get %s read-loop %s write-loop %s\n", cpuPerGiB[0], cpuPerGiB[1], cpuPerGiB[2], cpuPerGiB[3])

	// OpenSSH's sftp on the same server and files.
	sftp := func(cmd string) error {
		args := append([]string{"-q", "-b", "-", "-P", port, "-i", filepath.Join(keydir, "id_ed25519"), "-o", "BatchMode=yes"}, hostKeyOpts...)
		c := exec.Command("sftp", append(args, user+"@"+host)...)
		c.Stdin = strings.NewReader(cmd + "\n")
		out, err := c.CombinedOutput()
		if err != nil {
			return fmt.Errorf("sftp %s: %v: %s", cmd, err, out)
		}
		return nil
	}
	if _, err := exec.LookPath("sftp"); err != nil {
		fmt.Println("openssh sftp: skipped (no sftp binary)")
		return
	}
	oput := best(runs, size, func() error { return sftp(fmt.Sprintf("put %s %s", src, remote)) })
	oget := best(runs, size, func() error { return sftp(fmt.Sprintf("get %s %s", remote, filepath.Join(dir, "odst"))) })
	fmt.Printf("openssh put %7.1f MiB/s  get %7.1f MiB/s  (sftp -b, connect included)\n", oput, oget)
	fmt.Printf("ratio   put %.2fx  get %.2fx\n", put/oput, get/oget)
}

// delayProxy listens on loopback and forwards to target, delivering every
// chunk d after it was read, each way (a link with latency but no
// bandwidth limit). It returns the port.
func delayProxy(target string, d time.Duration) (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	go func() {
		for {
			cl, err := ln.Accept()
			if err != nil {
				return
			}
			sv, err := net.Dial("tcp", target)
			if err != nil {
				cl.Close()
				continue
			}
			go delayCopy(sv, cl, d)
			go delayCopy(cl, sv, d)
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func delayCopy(dst, src net.Conn, d time.Duration) {
	type chunk struct {
		due  time.Time
		data []byte
	}
	q := make(chan chunk, 1<<16)
	go func() {
		defer close(q)
		for {
			buf := make([]byte, 64<<10)
			n, err := src.Read(buf)
			if n > 0 {
				q <- chunk{time.Now().Add(d), buf[:n]}
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range q {
		time.Sleep(time.Until(c.due))
		if _, err := dst.Write(c.data); err != nil {
			break
		}
	}
	dst.Close()
	src.Close()
}
