package core

import (
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gossh/gossh/core/sshtest"
)

// The full-disk tests: testenv/with-sshd.sh starts a second sshd whose
// GOSSH_TEST_FULL_DIR is a small tmpfs (GOSSH_TEST_FULL_SIZE bytes) that
// only it sees. A put or a write past that size must fail with ENOSPC,
// never report success, and leave no remote file that looks complete.

// fullDisk connects to the full-disk sshd and opens an SFTP session; it
// returns the session, the tmpfs directory and its size. The tmpfs is
// emptied before and after the test.
func fullDisk(t *testing.T) (*Client, *SFTP, string, int64) {
	t.Helper()
	s := sshd(t)
	if why := os.Getenv("GOSSH_TEST_FULL_WHY"); why != "" {
		t.Skip("no full-disk server: " + why)
	}
	dir := os.Getenv("GOSSH_TEST_FULL_DIR")
	port, _ := strconv.Atoi(os.Getenv("GOSSH_TEST_FULL_PORT"))
	size, _ := strconv.ParseInt(os.Getenv("GOSSH_TEST_FULL_SIZE"), 10, 64)
	if dir == "" || port == 0 || size == 0 {
		t.Skip("no full-disk server: testenv/with-sshd.sh older than GOSSH_TEST_FULL_*")
	}
	c := NewClient()
	t.Cleanup(func() { c.Close() })
	if err := c.LoadHostKeys(os.Getenv("GOSSH_TEST_FULL_KNOWN_HOSTS")); err != nil {
		t.Fatal(err)
	}
	cfg := s.config("id_ed25519")
	cfg.Port = port
	if err := c.Connect(cfg); err != nil {
		t.Fatal(err)
	}
	sf, err := c.OpenSFTP(-1)
	if err != nil {
		t.Fatal(err)
	}
	emptyDir(t, sf, dir)
	t.Cleanup(func() { emptyDir(t, sf, dir); sf.Close() })
	return c, sf, dir, size
}

// emptyDir removes every file in dir (the tmpfs holds no directories).
func emptyDir(t *testing.T, sf *SFTP, dir string) {
	t.Helper()
	d, err := sf.OpenDir(dir, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for {
		ents, err := d.Read(0, -1)
		if err != nil {
			t.Fatal(err)
		}
		if len(ents) == 0 {
			return
		}
		for _, e := range ents {
			if e.Name != "." && e.Name != ".." {
				if err := sf.Remove(dir+"/"+e.Name, -1); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}

// wantENOSPC checks a full disk's error: KindSFTP, errno_name ENOSPC, the
// path, and the words in the message.
func wantENOSPC(t *testing.T, err error, path string) {
	t.Helper()
	e := wantSFTP(t, err, "ENOSPC")
	if e.Detail("path") != path || !strings.Contains(e.Msg, "no space left on device") {
		t.Fatalf("%v, details %v; want the path %s and \"no space left on device\"", e, e.Details, path)
	}
}

// wantPrefix checks that the remote file holds a prefix of want and is
// shorter than want (a failed transfer is never presented as complete),
// and no byte of it differs (no hole, no stray data past one).
func wantPrefix(t *testing.T, sf *SFTP, remote string, want []byte) int64 {
	t.Helper()
	a, err := sf.Stat(remote, -1)
	if err != nil {
		if KindOf(err) == KindSFTP && err.(*Error).Detail("errno_name") == "ENOENT" {
			return 0 // removed: also not complete
		}
		t.Fatal(err)
	}
	if a.Size >= uint64(len(want)) {
		t.Fatalf("the remote file is %d bytes after a failed transfer of %d", a.Size, len(want))
	}
	f, err := sf.Open(remote, FxfRead, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got := make([]byte, a.Size+1)
	n, err := io.ReadFull(readerOf(f), got)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		t.Fatal(err)
	}
	if int64(n) != int64(a.Size) {
		t.Fatalf("read %d bytes of a %d-byte file", n, a.Size)
	}
	if i := firstDiff(got[:n], want[:n]); i >= 0 {
		t.Fatalf("the remote file (%d bytes) differs from the data at offset %d (a hole or stray data)", n, i)
	}
	return int64(n)
}

func firstDiff(a, b []byte) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

// fileReader reads a File by its offset.
type fileReader struct{ f *File }

func (r fileReader) Read(p []byte) (int, error) {
	n, err := r.f.Read(p, -1)
	if n == 0 && err == nil {
		return 0, io.EOF
	}
	return n, err
}

func readerOf(f *File) io.Reader { return fileReader{f} }

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// A put bigger than the disk fails with ENOSPC, whether it runs on one
// channel (2 MiB) or is split over several (9 MiB), and leaves a remote
// file that is a true prefix of the source (the cleanup after the failure
// cut it after every channel's writes: before, a late write could land past
// a hole, about 1 run in 130). Dozens of times; the session stays usable.
func TestSFTPFullDiskPut(t *testing.T) {
	_, sf, dir, size := fullDisk(t)
	local := t.TempDir()
	small := randomBytes(int(2 * size))
	big := randomBytes(int(size*8 + size)) // past splitThreshold: split over channels
	if int64(len(big)) < splitThreshold {
		t.Fatalf("the split put (%d bytes) is under splitThreshold", len(big))
	}
	for name, data := range map[string][]byte{"small": small, "big": big} {
		if err := os.WriteFile(filepath.Join(local, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A put that fits succeeds: the server is not refusing everything.
	fits := small[:size/4]
	if err := os.WriteFile(filepath.Join(local, "fits"), fits, 0o644); err != nil {
		t.Fatal(err)
	}
	if n, err := sf.Put(filepath.Join(local, "fits"), dir+"/fits", 0, nil, -1); err != nil || n != uint64(len(fits)) {
		t.Fatalf("a put that fits: %d, %v", n, err)
	}
	if err := sf.Remove(dir+"/fits", -1); err != nil {
		t.Fatal(err)
	}
	const reps = 40
	for i := 0; i < reps; i++ {
		name, data := "small", small
		if i%2 == 1 {
			name, data = "big", big
		}
		remote := fmt.Sprintf("%s/%s-%d", dir, name, i)
		n, err := sf.Put(filepath.Join(local, name), remote, 0, nil, -1)
		if err == nil {
			t.Fatalf("run %d: a put of %d bytes into a %d-byte disk reported success (%d)", i, len(data), size, n)
		}
		wantENOSPC(t, err, remote)
		wantPrefix(t, sf, remote, data)
		if _, err := sf.Stat(dir, -1); err != nil {
			t.Fatalf("run %d: the session after the failure: %v", i, err)
		}
		if err := sf.Remove(remote, -1); err != nil && KindOf(err) != KindSFTP {
			t.Fatal(err)
		}
	}
}

// A file written past the disk's size: the failure surfaces at a Write, the
// Flush or the Close as ENOSPC, never swallowed, and the file is shorter
// than what was written.
func TestSFTPFullDiskWrite(t *testing.T) {
	_, sf, dir, size := fullDisk(t)
	data := randomBytes(int(2 * size))
	const reps = 12
	for i := 0; i < reps; i++ {
		remote := fmt.Sprintf("%s/w-%d", dir, i)
		f, err := sf.Open(remote, FxfWrite|FxfCreat|FxfTrunc, 0o644, -1)
		if err != nil {
			t.Fatal(err)
		}
		var werr error
		for off := 0; off < len(data) && werr == nil; off += 64 << 10 {
			_, werr = f.Write(data[off:off+64<<10], -1)
		}
		if werr == nil {
			werr = f.Flush(-1)
		}
		cerr := f.Close()
		if werr == nil {
			werr = cerr
		}
		if werr == nil {
			t.Fatalf("run %d: writing %d bytes into a %d-byte disk reported no error", i, len(data), size)
		}
		wantENOSPC(t, werr, remote)
		wantPrefix(t, sf, remote, data)
		if err := sf.Remove(remote, -1); err != nil {
			t.Fatal(err)
		}
	}
	// Pwrite waits for its answer: the error is its own.
	remote := dir + "/p"
	f, err := sf.Open(remote, FxfWrite|FxfCreat|FxfTrunc, 0o644, -1)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Pwrite(data, 0, -1)
	wantENOSPC(t, err, remote)
	f.Close()
	if _, err := sf.Stat(dir, -1); err != nil {
		t.Fatalf("the session after the failure: %v", err)
	}
}

// The failed put's cut against pkg/sftp's own server (core/sshtest), which
// handles a channel's writes on several workers at once and an fsetstat or
// setstat without waiting for them: writes still in flight when the put
// fails must not land after the cut. The test re-runs itself as root in a
// new mount namespace (unshare -m) with a 1 MiB tmpfs for the server's
// directory, and fails puts of 2 MiB there dozens of times: each must leave
// a true prefix of the source (no data past a hole).
func TestSFTPFullDiskPutPkgServer(t *testing.T) {
	if dir := os.Getenv("GOSSH_TEST_FULLDISK_PKG_DIR"); dir != "" {
		fullDiskPkgServer(t, dir)
		return
	}
	if os.Getuid() != 0 {
		t.Skip("needs root for a tmpfs in a mount namespace")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("no unshare")
	}
	dir := t.TempDir()
	cmd := exec.Command("unshare", "-m", "--propagation", "private", "sh", "-c",
		`mount -t tmpfs -o size=1m gossh-full "$GOSSH_TEST_FULLDISK_PKG_DIR" && exec "$0" -test.run '^TestSFTPFullDiskPutPkgServer$' -test.count=1 -test.v`, os.Args[0])
	cmd.Env = append(os.Environ(), "GOSSH_TEST_FULLDISK_PKG_DIR="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		if strings.Contains(string(out), "mount") || strings.Contains(string(out), "unshare") {
			t.Skipf("no tmpfs in a mount namespace here: %s", out)
		}
		t.Fatalf("%v: %s", err, out)
	}
	if !strings.Contains(string(out), "--- PASS") || strings.Contains(string(out), "SKIP") {
		t.Fatalf("the helper did not pass: %s", out)
	}
	t.Logf("helper: %s", out)
}

func fullDiskPkgServer(t *testing.T, dir string) {
	srv, err := sshtest.Start(sshtest.Config{Password: "pw", SFTP: true, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := NewClient()
	c.SetPolicy(WarningPolicy{})
	defer c.Close()
	cfg := NewConfig()
	cfg.Hostname, cfg.Port, cfg.Username, cfg.Password = "127.0.0.1", srv.Port(), "u", "pw"
	cfg.AllowAgent, cfg.LookForKeys = false, false
	if err := c.Connect(cfg); err != nil {
		t.Fatal(err)
	}
	sf, err := c.OpenSFTP(-1)
	if err != nil {
		t.Fatal(err)
	}
	defer sf.Close()
	local := filepath.Join(t.TempDir(), "src") // outside the tmpfs
	data := randomBytes(2 << 20)
	if err := os.WriteFile(local, data, 0o644); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 60; i++ {
		remote := fmt.Sprintf("%s/put-%d", dir, i)
		if _, err := sf.Put(local, remote, 0, nil, -1); err == nil {
			t.Fatalf("run %d: a put of 2 MiB into a 1 MiB disk reported success", i)
		} else {
			wantENOSPC(t, err, remote) // pkg/sftp's server has statvfs@openssh.com too
		}
		wantPrefix(t, sf, remote, data)
		if err := sf.Remove(remote, -1); err != nil {
			t.Fatal(err)
		}
	}
}
