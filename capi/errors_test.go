package main

import (
	"math"
	"strings"
	"testing"

	"github.com/gossh/gossh/core"
)

// gossh_test_panics stands for an export: guard's message names the export
// found on the stack, and carries no stack trace.
func gossh_test_panics() (e *core.Error) {
	defer func() { e = core.PanicError(nil, exportName(), recover()) }()
	var m map[string]int
	m["x"]++
	return nil
}

func TestGuardMessageNamesTheExportWithoutAStack(t *testing.T) {
	e := gossh_test_panics()
	const want = "internal error in gossh_test_panics: assignment to entry in nil map"
	if e.Kind != core.KindInternal || e.Msg != want {
		t.Fatalf("got %v %q, want %q", e.Kind, e.Msg, want)
	}
	for _, bad := range []string{"goroutine", "0x", ".go:"} {
		if strings.Contains(e.Msg, bad) {
			t.Errorf("message holds %q: %q", bad, e.Msg)
		}
	}
	if got := exportName(); got != "libgossh" {
		t.Errorf("exportName outside an export = %q", got)
	}
}

// Every kind of core error has its C name, in order, and nothing else does.
func TestCodeNamesCoverEveryKind(t *testing.T) {
	if got := codeName(0); got != "GOSSH_OK" {
		t.Errorf("code 0: %q", got)
	}
	for k := core.KindInvalid; k <= core.MaxKind; k++ {
		got := codeName(int(code(k)))
		if !strings.HasPrefix(got, "GOSSH_E_") || got == "GOSSH_E_UNKNOWN" {
			t.Errorf("kind %v (code %d): name %q", k, code(k), got)
		}
	}
	for _, c := range []int{int(code(core.MaxKind)) - 1, 1, 7, -1000, math.MinInt32, math.MaxInt32} {
		if got := codeName(c); got != "GOSSH_E_UNKNOWN" {
			t.Errorf("code %d: %q, want GOSSH_E_UNKNOWN", c, got)
		}
	}
	if len(codeNames) != int(core.MaxKind)+1 {
		t.Errorf("%d names for %d codes", len(codeNames), int(core.MaxKind)+1)
	}
}
