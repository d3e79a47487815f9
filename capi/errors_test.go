package main

import (
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
