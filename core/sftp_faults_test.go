package core

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/gossh/gossh/core/sshtest"
)

// The SFTP fault suite: the connection cut (close, rst), corrupted (flip,
// gets only) or stalled in the
// middle of a get or a put, sftpFaultReps times each at varied offsets,
// must end every transfer with an error (KindClosed or KindProtocol; a
// stall KindTimeout or KindClosed), never a success, and a get must leave
// no local file that looks complete (no file at the local path, no part
// file). Runs in the fault suite (make test-go's second step, make
// test-faults).

const (
	sftpFaultReps = 30
	sftpStallReps = 6
)

// sftpFaultOffset is run i's cut offset: past the handshake and the
// session's opening, spread over the transfer.
func sftpFaultOffset(i int) int64 { return 300000 + int64(i)*500001 }

// sftpThrough connects through a proxy port and opens an SFTP session; a
// failure before the transfer is reported as such (the offsets are chosen
// past the opening, so it is a test bug).
func sftpThrough(t *testing.T, s testServer, port int) (*Client, *SFTP, error) {
	c := NewClient()
	c.SetPolicy(WarningPolicy{}) // the proxy's port is not in known_hosts
	cfg := s.config("id_ed25519")
	cfg.Port = port
	if err := c.Connect(cfg); err != nil {
		return nil, nil, err
	}
	sf, err := c.OpenSFTP(-1)
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	return c, sf, nil
}

func TestFaultsSFTP(t *testing.T) {
	s := faultServer(t)
	local := t.TempDir()
	src := filepath.Join(local, "src")
	srcSum := randomFile(t, src, 20<<20)
	// The source on the server, by a direct session.
	_, sf, dir := sftpSession(t)
	remote := dir + "/src"
	if _, err := sf.Put(src, remote, 0, nil, -1); err != nil {
		t.Fatal(err)
	}
	target := net.JoinHostPort(s.host, strconv.Itoa(s.port))
	for _, fault := range []sshtest.ProxyFault{sshtest.ProxyClose, sshtest.ProxyRST, sshtest.ProxyFlip, sshtest.ProxyStall} {
		for _, op := range []string{"get", "put"} {
			if fault == sshtest.ProxyFlip && op == "put" {
				continue // flip corrupts the server's bytes only
			}
			t.Run(string(fault)+"-"+op, func(t *testing.T) {
				var errs, clean, bad int
				kinds := map[Kind]int{}
				reps := sftpFaultReps
				if fault == sshtest.ProxyStall {
					reps = sftpStallReps // each waits for its timeout
				}
				for i := 0; i < reps; i++ {
					cfg := sshtest.ProxyConfig{Target: target, Fault: fault, After: []int64{sftpFaultOffset(i)}}
					if op == "put" { // the client's bytes fire the fault
						cfg.After, cfg.AfterUp = []int64{1 << 40}, sftpFaultOffset(i)
					}
					p, err := sshtest.StartFaultProxy(cfg)
					if err != nil {
						t.Fatal(err)
					}
					c, psf, err := sftpThrough(t, s, p.Port())
					if err != nil {
						p.Close()
						t.Fatalf("run %d: the fault came before the transfer: %v", i, err)
					}
					psf.Set("transfer_channels", strconv.Itoa(1+3*(i%2)))
					timeout := time.Duration(-1)
					if fault == sshtest.ProxyStall {
						timeout = time.Second // no timed assertion: only that it ends
					}
					dst := filepath.Join(local, fmt.Sprintf("%s-%s-%d", fault, op, i))
					rdst := fmt.Sprintf("%s/%s-%d", dir, fault, i)
					resume := i%3 == 0 // then finish the transfer by a resume on a new session
					flags := 0
					if resume {
						flags = XferResume
					}
					mustReturn(t, op, func() {
						if op == "get" {
							_, err = psf.Get(remote, dst, flags, nil, timeout)
						} else {
							_, err = psf.Put(src, rdst, flags, nil, timeout)
						}
					})
					c.Close()
					p.Close()
					kinds[KindOf(err)]++
					if KindOf(err) == KindProtocol {
						t.Logf("run %d: %v", i, err)
					}
					want := []Kind{KindClosed, KindProtocol}
					if fault == sshtest.ProxyStall {
						want = []Kind{KindTimeout, KindClosed}
					}
					switch k := KindOf(err); {
					case err == nil:
						clean++
					case k == want[0] || k == want[1]:
						errs++
					default:
						t.Errorf("run %d: %v error %v, want %v", i, k, err, want)
					}
					if op == "get" {
						if _, e := os.Stat(dst); err != nil && e == nil {
							bad++
						}
						if _, e := os.Stat(dst + PartSuffix); e == nil && !resume {
							bad++
						}
					}
					if resume && err != nil {
						var rerr error
						if op == "get" {
							_, rerr = sf.Get(remote, dst, XferResume, nil, -1)
						} else {
							_, rerr = sf.Put(src, rdst, XferResume, nil, -1)
						}
						got := dst
						if op == "put" {
							got = rdst
						}
						if rerr != nil || fileHash(t, got) != srcSum {
							t.Errorf("run %d: the resumed %s failed (%v) or differs", i, op, rerr)
						}
					}
				}
				fmt.Printf("go sftp fault %s %s runs=%d errors=%d clean=%d bad_files=%d kinds=%v\n", fault, op, reps, errs, clean, bad, kinds)
				if clean > 0 || bad > 0 {
					t.Errorf("%d runs ended clean, %d left a local file", clean, bad)
				}
			})
		}
	}
}
