package core

import (
	"testing"
	"time"
)

// Issue 7: out-of-range numbers are KindInvalid, decided here for every
// binding.
func TestOutOfRangeNumbersAreInvalid(t *testing.T) {
	c, _ := connected(t)
	for _, p := range []int{65536, -1, 1 << 20} {
		bound, err := c.RequestPortForward("127.0.0.1", p)
		wantKind(t, err, KindInvalid)
		if bound != 0 {
			t.Errorf("RequestPortForward(%d) bound %d", p, bound)
		}
		wantKind(t, c.CancelPortForward("127.0.0.1", p), KindInvalid)
	}
	for _, p := range []int{70000, -1, 0} {
		_, err := c.OpenDirectTCPIP("127.0.0.1", p, "", 0, 5*time.Second)
		wantKind(t, err, KindInvalid)
	}
	_, err := c.OpenDirectTCPIP("127.0.0.1", 22, "", 70000, 5*time.Second)
	wantKind(t, err, KindInvalid)
	wantKind(t, c.SetKeepalive(-time.Second), KindInvalid)

	ch, err := c.OpenSession(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	for _, p := range []PtyRequest{{Cols: 70000, Rows: 24}, {Cols: 80, Rows: -1}, {Cols: 80, Rows: 24, WidthPixels: -1}, {Cols: 80, Rows: 24, HeightPixels: 1 << 16}} {
		wantKind(t, ch.RequestPty(p, 5*time.Second), KindInvalid)
	}
	// The channel is still usable after the refusals.
	if err := ch.RequestPty(PtyRequest{Cols: MaxPtySize, Rows: 0}, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	wantKind(t, ch.ResizePty(-1, 24, 0, 0), KindInvalid)
	wantKind(t, ch.ResizePty(80, 70000, 0, 0), KindInvalid)
	if err := ch.ResizePty(100, 40, 0, 0); err != nil {
		t.Fatal(err)
	}
}
