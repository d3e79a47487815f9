package core

import (
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// TestLeaveOneCPU runs LeaveOneCPU in child processes: without GOMAXPROCS
// in the environment it takes one P off the default (never below 1), and a
// GOMAXPROCS in the environment is left as it is.
func TestLeaveOneCPU(t *testing.T) {
	if os.Getenv("GOSSH_PROCS_CHILD") == "1" {
		println("GOMAXPROCS", LeaveOneCPU())
		return
	}
	run := func(env ...string) int {
		t.Helper()
		cmd := exec.Command(os.Args[0], "-test.run=^TestLeaveOneCPU$", "-test.count=1")
		cmd.Env = append(os.Environ(), "GOSSH_PROCS_CHILD=1")
		cmd.Env = append(cmd.Env, env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		for _, line := range strings.Split(string(out), "\n") {
			if f := strings.Fields(line); len(f) == 2 && f[0] == "GOMAXPROCS" {
				n, _ := strconv.Atoi(f[1])
				return n
			}
		}
		t.Fatalf("no GOMAXPROCS line in %s", out)
		return 0
	}
	if os.Getenv("GOMAXPROCS") != "" {
		t.Skip("GOMAXPROCS is set for the test process")
	}
	def := runtime.GOMAXPROCS(0) // the runtime's default, as the child's
	if got, want := run(), max(def-1, 1); got != want {
		t.Errorf("without GOMAXPROCS: %d Ps, want %d (default %d)", got, want, def)
	}
	if got := run("GOMAXPROCS=3"); got != 3 {
		t.Errorf("with GOMAXPROCS=3: %d Ps", got)
	}
}
