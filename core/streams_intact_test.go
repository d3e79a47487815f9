package core

import (
	"bytes"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"
)

// seqOutput is what `seq from to` prints.
func seqOutput(from, to int) []byte {
	var b bytes.Buffer
	for i := from; i <= to; i++ {
		b.WriteString(strconv.Itoa(i))
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// readVarying reads stream i to its end in reads of varying size.
func readVarying(ch *Channel, i, seed int) ([]byte, error) {
	var out bytes.Buffer
	buf := make([]byte, 300<<10)
	step := 1 + seed%9000
	for {
		n, err := ch.Read(i, buf[:step], 30*time.Second)
		if err != nil {
			return out.Bytes(), err
		}
		if n == 0 {
			return out.Bytes(), nil
		}
		out.Write(buf[:n])
		step = step*37%len(buf) + 1
	}
}

// TestStreamsIntactUnderConcurrency runs many commands at once on one
// connection, each writing distinct output to stdout and stderr at the same
// time, reads them in reads of varying size and checks every byte, and that
// combined stderr loses nothing. Channel data is handed from x/crypto to the
// channel's buffer without a copy and its memory reused once read
// (third_party/golang.org/x/crypto/README.gossh.md): memory reused too early
// shows up here as another stream's bytes. Repeated, since that is a race.
func TestStreamsIntactUnderConcurrency(t *testing.T) {
	s := sshd(t)
	c := s.connected(t)
	defer c.Close()
	const rounds, channels = 4, 8
	for round := 0; round < rounds; round++ {
		var wg sync.WaitGroup
		errs := make(chan error, 3*channels)
		for k := 0; k < channels; k++ {
			outTo, errTo := 60000+k*9000+round*1000, 40000+k*7000
			cmd := fmt.Sprintf("seq %d %d >&2 & seq %d %d; wait", k+2, errTo, k+1, outTo)
			combined := k%4 == 3
			spec := NewSessionSpec()
			spec.Start, spec.Command, spec.CombineStderr = StartExec, cmd, combined
			spec.Timeout = 10 * time.Second
			ch, err := c.Start(spec)
			if err != nil {
				t.Fatal(err)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer ch.Close()
				wantOut, wantErr := seqOutput(k+1, outTo), seqOutput(k+2, errTo)
				if combined {
					got, err := readVarying(ch, Stdout, k+round)
					if err == nil && len(got) != len(wantOut)+len(wantErr) {
						err = fmt.Errorf("channel %d (combined): %d bytes, want %d", k, len(got), len(wantOut)+len(wantErr))
					}
					if err != nil {
						errs <- err
					}
					return
				}
				var inner sync.WaitGroup
				inner.Add(1)
				go func() {
					defer inner.Done()
					got, err := readVarying(ch, Stderr, k*3+round)
					if err == nil && !bytes.Equal(got, wantErr) {
						err = fmt.Errorf("channel %d: stderr differs (%d bytes, want %d)", k, len(got), len(wantErr))
					}
					if err != nil {
						errs <- err
					}
				}()
				got, err := readVarying(ch, Stdout, k*5+round)
				if err == nil && !bytes.Equal(got, wantOut) {
					err = fmt.Errorf("channel %d: stdout differs (%d bytes, want %d)", k, len(got), len(wantOut))
				}
				if err != nil {
					errs <- err
				}
				inner.Wait()
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("round %d: %v", round, err)
		}
	}
}
