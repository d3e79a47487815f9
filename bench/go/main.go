// Command bench measures gossh's Go core against the test sshd: N fresh
// connect+auth+exec("true")+EOF+exit-status+close round trips, then the
// throughput of one exec's stdout. It prints one JSON line. Parameters come
// from the GOSSH_TEST_* variables (testenv/with-sshd.sh), BENCH_N and
// BENCH_BYTES.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/gossh/gossh/core"
)

func envInt(name string, def int64) int64 {
	if v := os.Getenv(name); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err == nil {
			return n
		}
	}
	return def
}

// cpuSeconds is the process's user+system CPU time so far (every thread).
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func connect() (*core.Client, error) {
	c := core.NewClient()
	if err := c.LoadHostKeys(os.Getenv("GOSSH_TEST_KNOWN_HOSTS")); err != nil {
		return nil, err
	}
	cfg := core.NewConfig()
	cfg.Hostname = os.Getenv("GOSSH_TEST_HOST")
	port, err := strconv.Atoi(os.Getenv("GOSSH_TEST_PORT"))
	if err != nil {
		return nil, fmt.Errorf("GOSSH_TEST_PORT: %v", err)
	}
	cfg.Port = port
	cfg.Username = os.Getenv("GOSSH_TEST_USER")
	cfg.KeyFilenames = []string{filepath.Join(os.Getenv("GOSSH_TEST_KEYDIR"), "id_ed25519")}
	cfg.AllowAgent = false
	cfg.LookForKeys = false
	cfg.Timeout = 10 * time.Second
	if err := c.Connect(cfg); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// run executes cmd on c, reads stdout to EOF and returns the byte count.
func run(c *core.Client, cmd string, buf []byte) (int64, error) {
	ch, err := c.Exec(cmd, -1)
	if err != nil {
		return 0, err
	}
	defer ch.Close()
	var total int64
	for {
		n, err := ch.Read(core.Stdout, buf, -1)
		if err != nil {
			return total, err
		}
		if n == 0 {
			break
		}
		total += int64(n)
	}
	st, err := ch.ExitStatus(-1)
	if err != nil {
		return total, err
	}
	if st != 0 {
		return total, fmt.Errorf("%q exited %d", cmd, st)
	}
	return total, nil
}

func main() {
	// The Go runtime as libgossh runs it when loaded, so that this row
	// measures the core as the C, Python and Node rows do (a Go program
	// opts in to each): the GC tuned for a small heap, and one P fewer than
	// the CPUs (on the bench's 2-core machine the loopback sshd needs a core
	// too; see core.LeaveOneCPU for what a P beyond that costs).
	core.TuneGC(core.DefaultGCHeadroom)
	core.LeaveOneCPU()
	n := envInt("BENCH_N", 20)
	size := envInt("BENCH_BYTES", 268435456)
	buf := make([]byte, 256*1024)
	die := func(err error) {
		fmt.Fprintln(os.Stderr, "gossh-go bench:", err)
		os.Exit(1)
	}

	lat := make([]float64, 0, n)
	for i := int64(0); i < n; i++ {
		t0 := time.Now()
		c, err := connect()
		if err != nil {
			die(err)
		}
		if _, err := run(c, "true", buf); err != nil {
			die(err)
		}
		c.Close()
		lat = append(lat, float64(time.Since(t0).Microseconds())/1000)
	}

	// Each throughput run gets its own connection (not timed), so that no
	// run crosses a client's rekey threshold.
	var runs, cpus []float64
	for i := int64(0); i < envInt("BENCH_TPUT_RUNS", 3); i++ {
		c, err := connect()
		if err != nil {
			die(err)
		}
		t0, c0 := time.Now(), cpuSeconds()
		got, err := run(c, fmt.Sprintf("head -c %d /dev/zero", size), buf)
		secs, cpu := time.Since(t0).Seconds(), cpuSeconds()-c0
		if err != nil {
			die(err)
		}
		if got != size {
			die(fmt.Errorf("read %d bytes, want %d", got, size))
		}
		runs = append(runs, float64(size)/1048576/secs)
		cpus = append(cpus, cpu)
		c.Close()
	}
	out, _ := json.Marshal(map[string]any{
		"client":               "gossh-go",
		"host_key_check":       "known_hosts",
		"latency_ms":           lat,
		"throughput_runs_mibs": runs,
		"throughput_cpu_s":     cpus,
	})
	fmt.Println(string(out))
}
