package core

import (
	"strings"
	"testing"
)

// TestServerEndNeedsNoProbe: a command whose streams and channel the
// server ended sends no liveness probe (a round trip per command before):
// the patched x/crypto tells the server's EOF and CLOSE from a dead
// connection's. The fault suites check that a cut stream still is an error.
func TestServerEndNeedsNoProbe(t *testing.T) {
	s := sshd(t)
	c := s.connected(t)
	for i := 0; i < 20; i++ {
		out, errOut, status := run(t, c, "echo out; echo err >&2; exit 3", nil)
		if strings.TrimSpace(out) != "out" || strings.TrimSpace(errOut) != "err" || status != 3 {
			t.Fatalf("round %d: %q %q %d", i, out, errOut, status)
		}
	}
	if n := c.live.sent.Load(); n != 0 {
		t.Fatalf("%d liveness probes for 20 commands the server ended, want 0", n)
	}
}
