package core

import (
	"strings"
	"sync"
	"testing"
	"time"
)

func TestGoSafeTurnsAPanicIntoAnError(t *testing.T) {
	var mu sync.Mutex
	var logged string
	SetLogSink(func(level int, name, msg string) {
		mu.Lock()
		if level == LevelError {
			logged = name + ": " + msg
		}
		mu.Unlock()
	}, LevelDebug)
	defer SetLogSink(nil, 0)
	got := make(chan *Error, 1)
	goSafe(NewLogger("paniclog"), "a test task", func() { panic("boom") }, func(e *Error) { got <- e })
	select {
	case e := <-got:
		if e.Kind != KindInternal || !strings.Contains(e.Msg, "boom") {
			t.Fatalf("got %v %q", e.Kind, e.Msg)
		}
	case <-time.After(hangGuard):
		t.Fatal("the waiter was never told of the panic")
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.HasPrefix(logged, "paniclog.transport: internal error in a test task") {
		t.Fatalf("log %q", logged)
	}
}
