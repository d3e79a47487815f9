package core

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A write that times out must say exactly how much it accepted, so that
// writing the rest sends every byte once: with the old all-or-error write a
// timed-out write still went out later and the retry duplicated it.
func TestWriteTimeoutThenRetryNeverDuplicates(t *testing.T) {
	c, _ := connected(t)
	const size = 4 << 20
	data := bytes.Repeat([]byte("0123456789abcdef"), size/16)
	for rep := 0; rep < 10; rep++ {
		ch, err := c.Exec("sleep 0.3; wc -c", 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		rest, timeouts := data, 0
		for len(rest) > 0 {
			n, err := ch.Write(rest, 20*time.Millisecond)
			if n < 0 || n > len(rest) {
				t.Fatalf("rep %d: write accepted %d of %d bytes", rep, n, len(rest))
			}
			rest = rest[n:]
			if err != nil {
				wantKind(t, err, KindTimeout)
				timeouts++
			}
		}
		if err := ch.SendEOF(); err != nil {
			t.Fatal(err)
		}
		got := strings.TrimSpace(string(readAll(t, ch, Stdout)))
		if got != strconv.Itoa(size) {
			t.Fatalf("rep %d: the server received %s bytes, want %d (%d timeouts)", rep, got, size, timeouts)
		}
		ch.Close()
	}
}

// A write with timeout 0 hands its data over and reports it accepted; it
// used to report TIMEOUT although every byte arrived.
func TestWriteWithZeroTimeoutIsAccepted(t *testing.T) {
	c, _ := connected(t)
	for rep := 0; rep < 20; rep++ {
		ch, err := c.Exec("cat", 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		msg := []byte("line " + strconv.Itoa(rep) + "\n")
		n, err := ch.Write(msg, 0)
		if err != nil || n != len(msg) {
			t.Fatalf("rep %d: write(timeout 0) = %d, %v; want %d, nil", rep, n, err, len(msg))
		}
		if err := ch.SendEOF(); err != nil {
			t.Fatal(err)
		}
		if got := string(readAll(t, ch, Stdout)); got != string(msg) {
			t.Fatalf("rep %d: cat echoed %q, want %q", rep, got, msg)
		}
		ch.Close()
	}
}

// A write larger than one chunk goes out whole and in order.
func TestLargeWriteArrivesWhole(t *testing.T) {
	c, _ := connected(t)
	data := make([]byte, 3*writeChunk+12345)
	for i := range data {
		data[i] = byte(i * 7)
	}
	ch, err := c.Exec("cat", 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	go func() {
		if n, err := ch.Write(data, -1); err != nil || n != len(data) {
			t.Errorf("write = %d, %v", n, err)
		}
		ch.SendEOF()
	}()
	if got := readAll(t, ch, Stdout); !bytes.Equal(got, data) {
		t.Fatalf("cat echoed %d bytes, not the %d written", len(got), len(data))
	}
}

// A read into an empty buffer could only return 0 bytes, which means the
// end of the stream: it is refused, also while data is buffered.
func TestReadIntoEmptyBufferIsInvalid(t *testing.T) {
	c, _ := connected(t)
	ch, err := c.Exec("echo buffered", 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	if _, err := ch.ExitStatus(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	_, err = ch.Read(Stdout, nil, -1)
	wantKind(t, err, KindInvalid)
	_, _, err = ch.ReadAny([]byte{}, -1)
	wantKind(t, err, KindInvalid)
	if got := string(readAll(t, ch, Stdout)); got != "buffered\n" {
		t.Fatalf("read %q after the refused reads", got)
	}
}

func TestTimeoutRule(t *testing.T) {
	for _, c := range []struct {
		ms   int64
		want time.Duration
	}{{-1, -1}, {0, 0}, {1, time.Millisecond}, {2500, 2500 * time.Millisecond}} {
		got, err := Timeout(c.ms)
		if err != nil || got != c.want {
			t.Errorf("Timeout(%d) = %v, %v; want %v", c.ms, got, err, c.want)
		}
	}
	for _, ms := range []int64{-2, -1000, 1 << 62} {
		_, err := Timeout(ms)
		wantKind(t, err, KindInvalid)
	}
}

// Opening a channel with timeout 0 does not wait, by the one rule: it
// fails at once instead of waiting without limit.
func TestOpenWithZeroTimeoutDoesNotWait(t *testing.T) {
	c, _ := connected(t)
	_, err := c.Exec("true", 0)
	wantKind(t, err, KindTimeout)
	ch, err := c.Exec("true", -1)
	if err != nil {
		t.Fatal(err)
	}
	ch.Close()
}
