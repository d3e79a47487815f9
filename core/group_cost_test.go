package core

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The cost of a group's fan-out per host (issue 13): heap, stacks,
// goroutines, allocations and CPU per host of a run of "true" on N hosts at
// once, as bench/fanout.py's clients run it. It is a measuring tool, not a
// check: it runs only when GOSSH_FANMEM_N is set, e.g.
//
//	GOSSH_FANMEM_N=500 testenv/with-sshd.sh go test -run TestGroupFanoutCost -v -count=1 ./core/
//
// GOSSH_FANMEM_TUNEGC=1 applies libgossh's GC tuning (TuneGC) first, as
// the C library does when loaded. GOSSH_FANMEM_KEEP=0 runs with
// keep_connections off. Add -memprofile/-cpuprofile for where the bytes
// and the time go, and GOSSH_FANMEM_HEAPPROF=FILE for a heap profile of
// what the kept connections hold, GOSSH_FANMEM_GOROUTINES=FILE for the
// goroutines (pprof debug=1: stacks with counts) at the sample with the
// most of them. It starts ceil(N/125) extra sshds
// (sshd's listen backlog is 128), as the bench does, unless
// GOSSH_FANMEM_PORTS (comma-separated) and GOSSH_FANMEM_KNOWN_HOSTS name
// running ones (so that strace -f or perf see this process alone).
func TestGroupFanoutCost(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("GOSSH_FANMEM_N"))
	if n <= 0 {
		t.Skip("a measuring tool: set GOSSH_FANMEM_N (hosts) to run it")
	}
	s := sshd(t)
	if os.Getenv("GOSSH_FANMEM_TUNEGC") == "1" {
		TuneGC(DefaultGCHeadroom)
	}
	keep := os.Getenv("GOSSH_FANMEM_KEEP") != "0"
	var ports []int
	knownHosts := os.Getenv("GOSSH_FANMEM_KNOWN_HOSTS")
	for _, p := range strings.Split(os.Getenv("GOSSH_FANMEM_PORTS"), ",") {
		if port, err := strconv.Atoi(p); err == nil {
			ports = append(ports, port)
		}
	}
	if len(ports) == 0 || knownHosts == "" {
		ports, knownHosts = fanoutSshds(t, (n+124)/125)
	}
	key, err := LoadPrivateKeyFile(filepath.Join(s.keydir, "id_ed25519"), "")
	if err != nil {
		t.Fatal(err)
	}

	runtime.GC()
	before := sampleCost(true)
	g := NewGroup()
	defer g.Close()
	for _, kv := range [][2]string{{"pool_size", strconv.Itoa(n)}, {"collect_output", "0"}, {"keep_connections", strconv.FormatBool(keep)}} {
		if err := g.Set(kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := g.LoadHostKeys(knownHosts); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		cfg := NewConfig()
		cfg.Hostname, cfg.Port, cfg.Username = s.host, ports[i%len(ports)], s.user
		cfg.AllowAgent, cfg.LookForKeys = false, false
		cfg.Timeout, cfg.BannerTimeout, cfg.AuthTimeout = 120*time.Second, 120*time.Second, 120*time.Second
		cfg.Keys = []*Key{key}
		if _, err := g.AddHost(s.host, cfg); err != nil {
			t.Fatal(err)
		}
	}

	// A sampler for the peaks (approximate: every 2 ms).
	stop := make(chan struct{})
	var peak costSample
	var wg sync.WaitGroup
	wg.Add(1)
	goroutinesFile := os.Getenv("GOSSH_FANMEM_GOROUTINES")
	go func() {
		defer wg.Done()
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		most := 0
		for {
			sample := sampleCost(false)
			if goroutinesFile != "" && sample.goroutines > most {
				most = sample.goroutines
				var b bytes.Buffer
				pprof.Lookup("goroutine").WriteTo(&b, 1)
				os.WriteFile(goroutinesFile, b.Bytes(), 0o644)
			}
			peak.max(sample)
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	if err := g.Run(execSpec("true")); err != nil {
		t.Fatal(err)
	}
	failed := 0
	for {
		r, err := g.Next(10 * time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if r == nil {
			break
		}
		if r.Err != nil || r.ExitStatus != 0 {
			if failed < 5 {
				t.Logf("host %d: exit %d, %v", r.Index, r.ExitStatus, r.Err)
			}
			failed++
		}
	}
	close(stop)
	wg.Wait()
	end := sampleCost(true)
	peak.max(end)
	runtime.GC()
	runtime.GC()
	kept := sampleCost(true)
	if path := os.Getenv("GOSSH_FANMEM_HEAPPROF"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := pprof.WriteHeapProfile(f); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}

	per := func(v, base float64) string { return fmt.Sprintf("%.1f", (v-base)/float64(n)) }
	t.Logf("N=%d keep=%v failed=%d tunegc=%v", n, keep, failed, os.Getenv("GOSSH_FANMEM_TUNEGC") == "1")
	t.Logf("per host: allocs %s, alloc KB %s, CPU ms %s (user %s sys %s)",
		per(float64(end.mallocs), float64(before.mallocs)), per(float64(end.allocBytes)/1024, float64(before.allocBytes)/1024),
		per(end.cpu*1000, before.cpu*1000), per(end.user*1000, before.user*1000), per(end.sys*1000, before.sys*1000))
	t.Logf("per host, peak during the run: heap KB %s, stacks KB %s, goroutines %s, RSS(VmHWM) KB %s, heap goal KB %s, GCs %d",
		per(float64(peak.heap)/1024, float64(before.heap)/1024), per(float64(peak.stack)/1024, float64(before.stack)/1024),
		per(float64(peak.goroutines), float64(before.goroutines)), per(float64(end.hwm), float64(before.rss)),
		per(float64(peak.goal)/1024, float64(before.goal)/1024), end.gcs-before.gcs)
	t.Logf("per host, after the run (GC'd; connections kept: %v): heap KB %s, stacks KB %s, goroutines %s",
		keep, per(float64(kept.heap)/1024, float64(before.heap)/1024), per(float64(kept.stack)/1024, float64(before.stack)/1024),
		per(float64(kept.goroutines), float64(before.goroutines)))
	if failed > 0 {
		t.Errorf("%d of %d hosts failed", failed, n)
	}
}

// costSample is the process's state at one moment.
type costSample struct {
	heap, stack, goal uint64 // live heap objects, goroutine stacks, GC heap goal (bytes)
	goroutines        int
	mallocs           uint64
	allocBytes        uint64
	gcs               uint64
	rss, hwm          int64 // KiB
	cpu, user, sys    float64
}

var costMetrics = []string{
	"/memory/classes/heap/objects:bytes", "/memory/classes/heap/stacks:bytes", "/gc/heap/goal:bytes",
	"/sched/goroutines:goroutines", "/gc/heap/allocs:objects", "/gc/heap/allocs:bytes", "/gc/cycles/total:gc-cycles",
}

func sampleCost(proc bool) costSample {
	ms := make([]metrics.Sample, len(costMetrics))
	for i, name := range costMetrics {
		ms[i].Name = name
	}
	metrics.Read(ms)
	var s costSample
	s.heap, s.stack, s.goal = ms[0].Value.Uint64(), ms[1].Value.Uint64(), ms[2].Value.Uint64()
	s.goroutines = int(ms[3].Value.Uint64())
	s.mallocs, s.allocBytes, s.gcs = ms[4].Value.Uint64(), ms[5].Value.Uint64(), ms[6].Value.Uint64()
	if !proc {
		return s
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		s.user = time.Duration(ru.Utime.Nano()).Seconds()
		s.sys = time.Duration(ru.Stime.Nano()).Seconds()
		s.cpu = s.user + s.sys
	}
	if !proc {
		return s
	}
	if f, err := os.Open("/proc/self/status"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) >= 2 && (fields[0] == "VmRSS:" || fields[0] == "VmHWM:") {
				v, _ := strconv.ParseInt(fields[1], 10, 64)
				if fields[0] == "VmRSS:" {
					s.rss = v
				} else {
					s.hwm = v
				}
			}
		}
		f.Close()
	}
	return s
}

// max raises p's peak fields to s's.
func (p *costSample) max(s costSample) {
	p.heap, p.stack, p.goal = max(p.heap, s.heap), max(p.stack, s.stack), max(p.goal, s.goal)
	p.goroutines = max(p.goroutines, s.goroutines)
}

// fanoutSshds starts count sshds (testenv/extra-sshd.sh, the bench's
// options) and returns their ports and one known_hosts file naming them.
func fanoutSshds(t *testing.T, count int) ([]int, string) {
	t.Helper()
	dir := t.TempDir()
	var ports []int
	var all []byte
	for i := 0; i < count; i++ {
		kh := filepath.Join(dir, fmt.Sprintf("known_hosts_%d", i))
		port := freePort(t)
		cmd := exec.Command("../testenv/extra-sshd.sh", strconv.Itoa(port), kh,
			"-o", "MaxStartups=2000:30:4000", "-o", "MaxSessions=1000", "-o", "LogLevel=ERROR")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		up := false
		for j := 0; j < 100 && !up; j++ {
			if c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port))); err == nil {
				c.Close()
				up = true
			} else {
				time.Sleep(100 * time.Millisecond)
			}
		}
		if !up {
			t.Fatalf("extra sshd on port %d did not start", port)
		}
		b, err := os.ReadFile(kh)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
		ports = append(ports, port)
	}
	kh := filepath.Join(dir, "known_hosts")
	if err := os.WriteFile(kh, all, 0o600); err != nil {
		t.Fatal(err)
	}
	return ports, kh
}
