package core

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gossh/gossh/core/sshtest"
)

// sftpSession connects to the test sshd and opens an SFTP session, with a
// fresh remote directory (under the test user's home) for the test.
func sftpSession(t *testing.T) (*Client, *SFTP, string) {
	t.Helper()
	s := sshd(t)
	c := s.connected(t)
	sf, err := c.OpenSFTP(-1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sf.Close() })
	home, err := sf.Home(-1)
	if err != nil {
		t.Fatal(err)
	}
	var rnd [6]byte
	rand.Read(rnd[:])
	dir := fmt.Sprintf("%s/gossh-sftp-test-%x", home, rnd)
	if err := sf.Mkdir(dir, 0o755, -1); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// A new session: the test may have closed its own.
		if sf2, err := c.OpenSFTP(-1); err == nil {
			sf2.Setstat(dir, Attrs{Flags: AttrPermissions, Mode: 0o755}, -1)
			sf2.Rmtree(dir, -1)
			sf2.Close()
		}
	})
	return c, sf, dir
}

func wantSFTP(t *testing.T, err error, errno string) *Error {
	t.Helper()
	e := wantKind(t, err, KindSFTP)
	if e.Detail("errno_name") != errno {
		t.Fatalf("errno_name %q, want %q (%v, details %v)", e.Detail("errno_name"), errno, e, e.Details)
	}
	return e
}

func randomFile(t *testing.T, path string, size int64) [32]byte {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	if _, err := io.CopyN(io.MultiWriter(f, h), rand.Reader, size); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum
}

func fileHash(t *testing.T, path string) [32]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum
}

func TestSFTPInfo(t *testing.T) {
	_, sf, _ := sftpSession(t)
	if v, _ := sf.Info("version"); v != "3" {
		t.Errorf("version %q", v)
	}
	ext, _ := sf.Info("extensions")
	if !strings.Contains(ext, "limits@openssh.com=") {
		t.Errorf("extensions %q", ext)
	}
	// OpenSSH's limits: 261120-byte reads and writes.
	if r, _ := sf.Info("max_read"); r != "261120" {
		t.Errorf("max_read %q", r)
	}
	if _, err := sf.Info("nope"); KindOf(err) != KindInvalid {
		t.Errorf("unknown info: %v", err)
	}
	wantKind(t, sf.Set("transfer_channels", "0"), KindInvalid)
	wantKind(t, sf.Set("max_inflight", "x"), KindInvalid)
	wantKind(t, sf.Set("nope", "1"), KindInvalid)
	if err := sf.Set("transfer_channels", "2"); err != nil {
		t.Error(err)
	}
}

func TestSFTPPaths(t *testing.T) {
	_, sf, dir := sftpSession(t)
	a, err := sf.Stat(dir, -1)
	if err != nil || !a.IsDir() || a.Mode&0o777 != 0o755 {
		t.Fatalf("stat dir: %+v %v", a, err)
	}
	wantSFTP(t, sf.Mkdir(dir, 0o755, -1), "")
	if err := sf.Makedirs(dir+"/a/b/c", 0o700, -1); err != nil {
		t.Fatal(err)
	}
	if err := sf.Makedirs(dir+"/a/b/c", 0o700, -1); err != nil {
		t.Fatalf("makedirs exist_ok: %v", err)
	}
	f, err := sf.Open(dir+"/file", FxfWrite|FxfCreat|FxfTrunc, 0o640, -1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("hello world"), -1); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
	a, err = sf.Stat(dir+"/file", -1)
	if err != nil || a.Size != 11 || !a.IsRegular() || a.Mode&0o777 != 0o640 {
		t.Fatalf("stat file: %+v %v", a, err)
	}
	wantSFTP(t, sf.Makedirs(dir+"/file", 0o755, -1), "EEXIST")
	wantSFTP(t, sf.Makedirs(dir+"/file/x", 0o755, -1), "ENOTDIR")
	_, err = sf.Stat(dir+"/missing", -1)
	e := wantSFTP(t, err, "ENOENT")
	if e.Detail("status") != "2" || e.Detail("status_name") != "no_such_file" || e.Detail("path") != dir+"/missing" {
		t.Errorf("details %v", e.Details)
	}
	if err := sf.Symlink("file", dir+"/link", -1); err != nil {
		t.Fatal(err)
	}
	if l, err := sf.Lstat(dir+"/link", -1); err != nil || !l.IsLink() {
		t.Fatalf("lstat link: %+v %v", l, err)
	}
	if target, err := sf.Readlink(dir+"/link", -1); err != nil || target != "file" {
		t.Fatalf("readlink %q %v", target, err)
	}
	if err := sf.Hardlink(dir+"/file", dir+"/hard", -1); err != nil {
		t.Fatal(err)
	}
	if err := sf.Copy(dir+"/file", dir+"/copy", -1); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(dir + "/copy"); string(b) != "hello world" {
		t.Fatalf("copy holds %q", b)
	}
	wantSFTP(t, sf.Rename(dir+"/copy", dir+"/hard", false, -1), "")
	if err := sf.Rename(dir+"/copy", dir+"/hard", true, -1); err != nil {
		t.Fatal(err)
	}
	if err := sf.Rename(dir+"/hard", dir+"/moved", false, -1); err != nil {
		t.Fatal(err)
	}
	rp, err := sf.Realpath(dir+"/a/b/../b", -1)
	if err != nil || rp != dir+"/a/b" {
		t.Fatalf("realpath %q %v", rp, err)
	}
	v, err := sf.Statvfs(dir, -1)
	if err != nil || v.Bsize == 0 || v.Namemax == 0 {
		t.Fatalf("statvfs %+v %v", v, err)
	}
	if err := sf.Setstat(dir+"/moved", Attrs{Flags: AttrPermissions | AttrACModTime, Mode: 0o600, Atime: 1000000000, Mtime: 1000000001}, -1); err != nil {
		t.Fatal(err)
	}
	a, _ = sf.Stat(dir+"/moved", -1)
	if a.Mode&0o777 != 0o600 || a.Mtime != 1000000001 || a.Atime != 1000000000 {
		t.Fatalf("after setstat %+v", a)
	}
	if err := sf.Setstat(dir+"/moved", Attrs{Flags: AttrSize, Size: 5}, -1); err != nil {
		t.Fatal(err)
	}
	if a, _ = sf.Stat(dir+"/moved", -1); a.Size != 5 {
		t.Fatalf("truncate: %+v", a)
	}
	// A directory listing in batches, with longnames and attributes.
	d, err := sf.OpenDir(dir, -1)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for {
		es, err := d.Read(2, -1)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) == 0 {
			break
		}
		if len(es) > 2 {
			t.Fatalf("batch of %d", len(es))
		}
		for _, e := range es {
			names = append(names, e.Name)
			if e.Longname == "" || e.Attrs.Flags == 0 {
				t.Errorf("entry %+v", e)
			}
		}
	}
	d.Close()
	d.Close()
	sort.Strings(names)
	if got := strings.Join(names, ","); got != "a,file,link,moved" {
		t.Fatalf("listing %s", got)
	}
	// glob
	for _, n := range []string{".hidden.txt", "x1.txt", "x2.txt", "y.log"} {
		if err := os.WriteFile(dir+"/a/"+n, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for pat, want := range map[string]string{
		dir + "/a/*.txt":   dir + "/a/x1.txt," + dir + "/a/x2.txt",
		dir + "/a/.*.txt":  dir + "/a/.hidden.txt",
		dir + "/*/b":       dir + "/a/b",
		dir + "/a/x?.txt":  dir + "/a/x1.txt," + dir + "/a/x2.txt",
		dir + "/a/[y]*":    dir + "/a/y.log",
		dir + "/nope/*":    "",
		dir + "/a/b/c":     dir + "/a/b/c",
		dir + "/a/missing": "",
	} {
		g, err := sf.Glob(pat, -1)
		if err != nil {
			t.Fatal(err)
		}
		es, _ := g.Read(0, -1)
		var got []string
		for _, e := range es {
			got = append(got, e.Name)
		}
		if s := strings.Join(got, ","); s != want {
			t.Errorf("glob %s = %s, want %s", pat, s, want)
		}
	}
	_, err = sf.Glob(dir+"/[", -1)
	wantKind(t, err, KindInvalid)
	// rmtree does not follow symlinks.
	outside := dir + "/outside"
	sf.Mkdir(outside, 0o755, -1)
	os.WriteFile(outside+"/keep", []byte("x"), 0o644)
	if err := sf.Symlink(outside, dir+"/a/b/to-outside", -1); err != nil {
		t.Fatal(err)
	}
	wantSFTP(t, sf.Rmdir(dir+"/a", -1), "")
	if err := sf.Rmtree(dir+"/a", -1); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(outside + "/keep"); err != nil {
		t.Fatalf("rmtree followed a symlink: %v", err)
	}
	wantSFTP(t, sf.Rmtree(dir+"/a", -1), "ENOENT")
	if err := sf.Remove(dir+"/link", -1); err != nil {
		t.Fatal(err)
	}
	wantSFTP(t, sf.Remove(dir+"/link", -1), "ENOENT")
	if err := sf.Rmdir(outside+"/../outside", -1); err == nil {
		t.Fatal("rmdir of a non-empty dir succeeded")
	}
}

func TestSFTPFileIO(t *testing.T) {
	_, sf, dir := sftpSession(t)
	data := make([]byte, 3<<20+12345)
	rand.Read(data)
	f, err := sf.Open(dir+"/f", FxfRead|FxfWrite|FxfCreat, 0o644, -1)
	if err != nil {
		t.Fatal(err)
	}
	// Many small pipelined writes.
	for off := 0; off < len(data); off += 1000 {
		if n, err := f.Write(data[off:min(off+1000, len(data))], -1); err != nil || n != min(1000, len(data)-off) {
			t.Fatalf("write at %d: %d %v", off, n, err)
		}
	}
	if err := f.Flush(-1); err != nil {
		t.Fatal(err)
	}
	if pos, err := f.SeekTimeout(0, io.SeekStart, -1); err != nil || pos != 0 {
		t.Fatal(pos, err)
	}
	var got bytes.Buffer
	buf := make([]byte, 32<<10)
	for {
		n, err := f.Read(buf, -1)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		got.Write(buf[:n])
	}
	if !bytes.Equal(got.Bytes(), data) {
		t.Fatalf("read back %d bytes, differ", got.Len())
	}
	if pos, err := f.SeekTimeout(-10, io.SeekEnd, -1); err != nil || pos != int64(len(data)-10) {
		t.Fatal(pos, err)
	}
	n, err := f.Read(buf, -1)
	if err != nil || !bytes.Equal(buf[:n], data[len(data)-10:]) {
		t.Fatalf("read at end: %d %v", n, err)
	}
	if _, err := f.SeekTimeout(-1, io.SeekStart, -1); KindOf(err) != KindInvalid {
		t.Fatalf("negative seek: %v", err)
	}
	if n, err := f.Pwrite([]byte("XYZ"), 5, -1); err != nil || n != 3 {
		t.Fatal(n, err)
	}
	p := make([]byte, 10)
	if n, err := f.Pread(p, 3, -1); err != nil || n != 10 || string(p[2:5]) != "XYZ" {
		t.Fatalf("pread %d %v %q", n, err, p)
	}
	if a, err := f.Stat(-1); err != nil || a.Size != uint64(len(data)) {
		t.Fatalf("fstat %+v %v", a, err)
	}
	if err := f.Setstat(Attrs{Flags: AttrPermissions, Mode: 0o600}, -1); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(-1); err != nil {
		t.Fatal(err)
	}
	_, err = f.Check("sha256", 0, 0, -1)
	wantSFTP(t, err, "EOPNOTSUPP")
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = f.Read(buf, -1)
	wantKind(t, err, KindClosed)
	// Append.
	f, err = sf.Open(dir+"/f", FxfWrite|FxfAppend, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("tail"), -1)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if a, _ := sf.Stat(dir+"/f", -1); a.Size != uint64(len(data)+4) {
		t.Fatalf("after append %+v", a)
	}
	// Errors: a missing file, a directory read as a file, EXCL.
	_, err = sf.Open(dir+"/missing", FxfRead, 0, -1)
	wantSFTP(t, err, "ENOENT")
	_, err = sf.Open(dir+"/f", FxfWrite|FxfCreat|FxfExcl, 0o644, -1)
	wantKind(t, err, KindSFTP)
	_, err = sf.Open(dir+"/f", 0, 0, -1)
	wantKind(t, err, KindInvalid)
}

func TestSFTPPermissionDenied(t *testing.T) {
	_, sf, dir := sftpSession(t)
	if err := sf.Mkdir(dir+"/locked", 0o755, -1); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(dir+"/locked/f", []byte("x"), 0o644)
	if err := sf.Setstat(dir+"/locked", Attrs{Flags: AttrPermissions, Mode: 0}, -1); err != nil {
		t.Fatal(err)
	}
	_, err := sf.Stat(dir+"/locked/f", -1)
	wantSFTP(t, err, "EACCES")
	_, err = sf.OpenDir(dir+"/locked", -1)
	wantSFTP(t, err, "EACCES")
	_, err = sf.Get(dir+"/locked/f", t.TempDir()+"/f", 0, nil, -1)
	wantSFTP(t, err, "EACCES")
	sf.Setstat(dir+"/locked", Attrs{Flags: AttrPermissions, Mode: 0o755}, -1)
}

func TestSFTPGetPutRoundTrip(t *testing.T) {
	_, sf, dir := sftpSession(t)
	local := t.TempDir()
	for _, size := range []int64{0, 1, 32 << 10, 1<<20 + 7, 64<<20 + 12345} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			src := filepath.Join(local, fmt.Sprintf("src-%d", size))
			sum := randomFile(t, src, size)
			var mu sync.Mutex
			var calls [][2]uint64
			prog := func(done, total uint64) bool {
				mu.Lock()
				calls = append(calls, [2]uint64{done, total})
				mu.Unlock()
				return true
			}
			remote := fmt.Sprintf("%s/r-%d", dir, size)
			n, err := sf.Put(src, remote, 0, prog, -1)
			if err != nil || n != uint64(size) {
				t.Fatalf("put: %d %v", n, err)
			}
			checkProgress(t, calls, uint64(size))
			if fileHash(t, remote) != sum {
				t.Fatal("remote file differs")
			}
			calls = nil
			dst := filepath.Join(local, fmt.Sprintf("dst-%d", size))
			n, err = sf.Get(remote, dst, 0, prog, -1)
			if err != nil || n != uint64(size) {
				t.Fatalf("get: %d %v", n, err)
			}
			checkProgress(t, calls, uint64(size))
			if fileHash(t, dst) != sum {
				t.Fatal("local copy differs")
			}
			if _, err := os.Stat(dst + PartSuffix); !os.IsNotExist(err) {
				t.Fatalf("part file left: %v", err)
			}
		})
	}
}

// checkProgress: done never decreases, total is the size, the last call
// is done == total.
func checkProgress(t *testing.T, calls [][2]uint64, size uint64) {
	t.Helper()
	if len(calls) == 0 {
		t.Fatal("no progress calls")
	}
	var last uint64
	for _, c := range calls {
		if c[0] < last || c[1] != size || c[0] > size {
			t.Fatalf("progress %v (size %d)", calls, size)
		}
		last = c[0]
	}
	if last != size {
		t.Fatalf("last progress %d, want %d", last, size)
	}
}

func TestSFTPGetErrors(t *testing.T) {
	_, sf, dir := sftpSession(t)
	local := t.TempDir()
	_, err := sf.Get(dir+"/missing", local+"/x", 0, nil, -1)
	wantSFTP(t, err, "ENOENT")
	if _, err := os.Stat(local + "/x" + PartSuffix); !os.IsNotExist(err) {
		t.Fatal("part file after a failed get")
	}
	_, err = sf.Get(dir, local+"/x", 0, nil, -1)
	wantSFTP(t, err, "EISDIR")
	_, err = sf.Put(local+"/missing", dir+"/x", 0, nil, -1)
	e := wantKind(t, err, KindIO)
	if e.Detail("errno_name") != "ENOENT" || e.Detail("path") != local+"/missing" {
		t.Fatalf("details %v", e.Details)
	}
	_, err = sf.Put(local, dir+"/x", 0, nil, -1)
	wantKind(t, err, KindIO)
	randomFile(t, local+"/src", 100)
	_, err = sf.Put(local+"/src", dir+"/nodir/x", 0, nil, -1)
	wantSFTP(t, err, "ENOENT")
	_, err = sf.Get(dir+"/missing", "/nonexistent-dir/x", 0, nil, -1)
	wantSFTP(t, err, "ENOENT")
	os.WriteFile(dir+"/r", []byte("abc"), 0o644)
	_, err = sf.Get(dir+"/r", "/nonexistent-dir/x", 0, nil, -1)
	wantKind(t, err, KindIO)
}

// A get cancelled at its last report (an abort that came after the last
// chunk's report, as a Node AbortSignal can) leaves no file at the
// destination that looks complete, as a cancel at any other report; with
// XferResume the complete part stays and the next resumed get finishes it.
// Before, the last report came after the rename: cancelled, and the file
// in place.
func TestSFTPGetCancelledAtTheLastReport(t *testing.T) {
	_, sf, dir := sftpSession(t)
	local := t.TempDir()
	size := int64(3 << 20)
	sum := randomFile(t, local+"/src", size)
	if _, err := sf.Put(local+"/src", dir+"/last", 0, nil, -1); err != nil {
		t.Fatal(err)
	}
	atTheEnd := func(done, total uint64) bool { return done < total }
	for round := 0; round < 5; round++ {
		dst := fmt.Sprintf("%s/dst%d", local, round)
		n, err := sf.Get(dir+"/last", dst, 0, atTheEnd, -1)
		wantKind(t, err, KindCancelled)
		if n != 0 {
			t.Errorf("round %d: a cancelled get reported %d bytes", round, n)
		}
		if _, err := os.Stat(dst); !os.IsNotExist(err) {
			t.Fatalf("round %d: a get cancelled at its last report left the file in place", round)
		}
		if _, err := os.Stat(dst + PartSuffix); !os.IsNotExist(err) {
			t.Fatalf("round %d: it left its part file", round)
		}
		_, err = sf.Get(dir+"/last", dst, XferResume, atTheEnd, -1)
		wantKind(t, err, KindCancelled)
		if _, err := os.Stat(dst); !os.IsNotExist(err) {
			t.Fatalf("round %d: a resumable get cancelled at its last report left the file in place", round)
		}
		if n, err := sf.Get(dir+"/last", dst, XferResume, nil, -1); err != nil || n != uint64(size) {
			t.Fatalf("round %d: resumed: %d %v", round, n, err)
		}
		if fileHash(t, dst) != sum {
			t.Fatalf("round %d: the resumed file differs", round)
		}
	}
}

func TestSFTPCancelAndResume(t *testing.T) {
	_, sf, dir := sftpSession(t)
	local := t.TempDir()
	size := int64(20 << 20)
	sum := randomFile(t, local+"/src", size)
	os.Link(local+"/src", local+"/src2")
	stopAt := func(limit uint64) Progress {
		return func(done, total uint64) bool { return done < limit }
	}
	_, err := sf.Put(local+"/src", dir+"/r", 0, stopAt(5<<20), -1)
	wantKind(t, err, KindCancelled)
	if _, err := sf.Put(local+"/src", dir+"/r", XferResume, nil, -1); err != nil {
		t.Fatal(err)
	}
	if fileHash(t, dir+"/r") != sum {
		t.Fatal("resumed put differs")
	}
	_, err = sf.Get(dir+"/r", local+"/dst", 0, stopAt(5<<20), -1)
	wantKind(t, err, KindCancelled)
	if _, err := os.Stat(local + "/dst"); !os.IsNotExist(err) {
		t.Fatal("a cancelled get left the file")
	}
	if _, err := os.Stat(local + "/dst" + PartSuffix); !os.IsNotExist(err) {
		t.Fatal("a cancelled get left its part file")
	}
	_, err = sf.Get(dir+"/r", local+"/dst", XferResume, stopAt(5<<20), -1)
	wantKind(t, err, KindCancelled)
	fi, err := os.Stat(local + "/dst" + PartSuffix)
	if err != nil || fi.Size() >= size { // the prefix that arrived in order: maybe nothing yet
		t.Fatalf("part file after a cancelled resumable get: %v %v", fi, err)
	}
	var first uint64 = 1 << 62
	n, err := sf.Get(dir+"/r", local+"/dst", XferResume, func(done, total uint64) bool {
		first = min(first, done)
		return true
	}, -1)
	if err != nil || n != uint64(size) {
		t.Fatal(n, err)
	}
	if first != uint64(fi.Size()) {
		t.Errorf("resume started at %d, want %d", first, fi.Size())
	}
	if fileHash(t, local+"/dst") != sum {
		t.Fatal("resumed get differs")
	}
}

func TestSFTPConcurrentTransfers(t *testing.T) {
	_, sf, dir := sftpSession(t)
	local := t.TempDir()
	sum := randomFile(t, local+"/src", 3<<20)
	big := randomFile(t, local+"/big", 9<<20)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			src, want := local+"/src", sum
			if i%8 == 0 {
				src, want = local+"/big", big
			}
			r := fmt.Sprintf("%s/c%d", dir, i)
			if _, err := sf.Put(src, r, 0, nil, -1); err != nil {
				errs <- err
				return
			}
			l := fmt.Sprintf("%s/c%d", local, i)
			if _, err := sf.Get(r, l, 0, nil, -1); err != nil {
				errs <- err
				return
			}
			if fileHash(t, l) != want {
				errs <- fmt.Errorf("transfer %d differs", i)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestSFTPCloseEndsCalls(t *testing.T) {
	c, sf, dir := sftpSession(t)
	local := t.TempDir()
	randomFile(t, local+"/src", 64<<20)
	done := make(chan error, 1)
	go func() {
		_, err := sf.Put(local+"/src", dir+"/r", 0, nil, -1)
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	sf.Close()
	mustReturn(t, "put after close", func() {
		if err := <-done; err != nil && KindOf(err) != KindClosed {
			t.Errorf("put ended with %v", err)
		}
	})
	_, err := sf.Stat(dir, -1)
	wantKind(t, err, KindClosed)
	// The client's close ends a new session's calls too.
	sf2, err := c.OpenSFTP(-1)
	if err != nil {
		t.Fatal(err)
	}
	f, err := sf2.Open(dir+"/f", FxfWrite|FxfCreat, 0o644, -1)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		_, err := sf2.Get(dir+"/r", local+"/dst", 0, nil, -1)
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	c.Close()
	mustReturn(t, "get after client close", func() {
		if err := <-done; err != nil && KindOf(err) != KindClosed {
			t.Errorf("get ended with %v", err)
		}
	})
	_, err = f.Write([]byte("x"), -1)
	wantKind(t, err, KindClosed)
	wantKind(t, f.Close(), KindClosed)
	if _, err := os.Stat(local + "/dst" + PartSuffix); !os.IsNotExist(err) {
		t.Fatal("part file left after a closed get")
	}
}

func TestSFTPTimeoutZero(t *testing.T) {
	_, sf, dir := sftpSession(t)
	_, err := sf.Stat(dir, 0)
	wantKind(t, err, KindTimeout)
	_, err = sf.Get(dir+"/x", t.TempDir()+"/x", 0, nil, 0)
	wantKind(t, err, KindTimeout)
}

// A server that stops answering: every call with a timeout returns
// KindTimeout, a waiting call without one ends with KindClosed when the
// session is closed from another goroutine. No durations are asserted.
func TestSFTPStalledServer(t *testing.T) {
	s := sshd(t)
	_, direct, dir := sftpSession(t)
	wf, err := direct.Open(dir+"/f", FxfWrite|FxfCreat, 0o644, -1)
	if err != nil {
		t.Fatal(err)
	}
	wf.Write(make([]byte, 1<<20), -1)
	if err := wf.Close(); err != nil {
		t.Fatal(err)
	}
	p, err := sshtest.StartFaultProxy(sshtest.ProxyConfig{Target: net.JoinHostPort(s.host, strconv.Itoa(s.port)),
		Fault: sshtest.ProxyStall, After: []int64{1 << 40}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c, sf, err := sftpThrough(t, s, p.Port())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	f, err := sf.Open(dir+"/f", FxfRead|FxfWrite, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	d, err := sf.OpenDir(dir, -1)
	if err != nil {
		t.Fatal(err)
	}
	p.Trip()
	const short = 200 * time.Millisecond
	mustReturn(t, "calls with a timeout", func() {
		_, err := sf.Stat(dir, short)
		wantKind(t, err, KindTimeout)
		_, err = f.Read(make([]byte, 10), short)
		wantKind(t, err, KindTimeout)
		_, err = f.Pread(make([]byte, 10), 0, short)
		wantKind(t, err, KindTimeout)
		_, err = d.Read(10, short)
		wantKind(t, err, KindTimeout)
		_, err = d.Read(10, short) // the batch asked for is still awaited
		wantKind(t, err, KindTimeout)
		_, err = sf.Get(dir+"/f", t.TempDir()+"/x", 0, nil, short)
		wantKind(t, err, KindTimeout)
		_, err = f.Write(make([]byte, 10<<20), short) // past the window: waits for the server
		wantKind(t, err, KindTimeout)
		wantKind(t, f.Flush(short), KindTimeout)
	})
	// A close bounded by a timeout returns (never a success: the data
	// written may not have arrived), and the file is closed all the same.
	mustReturn(t, "a close with a timeout", func() {
		wantKind(t, f.CloseTimeout(short), KindTimeout)
		if err := f.CloseTimeout(short); err != nil {
			t.Errorf("a second close: %v, want nil", err)
		}
	})
	done := make(chan error, 1)
	go func() {
		_, err := sf.Stat(dir, -1)
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	sf.Close()
	mustReturn(t, "a call without timeout after close", func() { wantKind(t, <-done, KindClosed) })
	mustReturn(t, "directory read after session close", func() {
		_, err := d.Read(10, -1)
		wantKind(t, err, KindClosed)
	})
}

// A local file system that fills up during a get: GOSSH_E_IO with
// errno_name ENOSPC and no local file left. Runs as root only: the test
// re-runs itself in a new mount namespace (unshare -m) with a 4 MiB tmpfs.
func TestSFTPLocalDiskFull(t *testing.T) {
	if dir := os.Getenv("GOSSH_TEST_FULLDISK_DIR"); dir != "" {
		_, sf, rdir := sftpSession(t)
		if err := os.WriteFile(rdir+"/big", make([]byte, 16<<20), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := sf.Get(rdir+"/big", dir+"/big", 0, nil, -1)
		e := wantKind(t, err, KindIO)
		if e.Detail("errno_name") != "ENOSPC" || e.Detail("path") != dir+"/big"+PartSuffix {
			t.Fatalf("details %v", e.Details)
		}
		if ents, _ := os.ReadDir(dir); len(ents) != 0 {
			t.Fatalf("left %v", ents)
		}
		return
	}
	sshd(t)
	if os.Getuid() != 0 {
		t.Skip("needs root for a tmpfs in a mount namespace")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("no unshare")
	}
	dir := t.TempDir()
	cmd := exec.Command("unshare", "-m", "--propagation", "private", "sh", "-c",
		`mount -t tmpfs -o size=4m gossh-full "$GOSSH_TEST_FULLDISK_DIR" && exec "$0" -test.run '^TestSFTPLocalDiskFull$' -test.count=1`, os.Args[0])
	cmd.Env = append(os.Environ(), "GOSSH_TEST_FULLDISK_DIR="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		if strings.Contains(string(out), "mount") || strings.Contains(string(out), "unshare") {
			t.Skipf("no tmpfs in a mount namespace here: %s", out)
		}
		t.Fatalf("%v: %s", err, out)
	}
	t.Logf("helper: %s", out)
	if !strings.Contains(string(out), "PASS") || strings.Contains(string(out), "SKIP") {
		t.Fatalf("the helper did not pass: %s", out)
	}
}

func TestSFTPTrees(t *testing.T) {
	_, sf, dir := sftpSession(t)
	local := t.TempDir()
	src := filepath.Join(local, "tree")
	os.MkdirAll(filepath.Join(src, "a", "b"), 0o755)
	sum := randomFile(t, filepath.Join(src, "a", "b", "big"), 9<<20)
	os.WriteFile(filepath.Join(src, "small"), []byte("small"), 0o644)
	os.Symlink("small", filepath.Join(src, "link"))
	var calls [][2]uint64
	prog := func(done, total uint64) bool { calls = append(calls, [2]uint64{done, total}); return true }
	if err := sf.PutDir(src, dir+"/tree", 0, prog, -1); err != nil {
		t.Fatal(err)
	}
	checkProgress(t, calls, 9<<20+5)
	calls = nil
	back := filepath.Join(local, "back")
	if err := sf.GetDir(dir+"/tree", back, 0, prog, -1); err != nil {
		t.Fatal(err)
	}
	checkProgress(t, calls, 9<<20+5)
	if fileHash(t, filepath.Join(back, "a", "b", "big")) != sum {
		t.Fatal("tree file differs")
	}
	if l, err := os.Readlink(filepath.Join(back, "link")); err != nil || l != "small" {
		t.Fatalf("link %q %v", l, err)
	}
	if b, _ := os.ReadFile(filepath.Join(back, "small")); string(b) != "small" {
		t.Fatalf("small %q", b)
	}
	err := sf.GetDir(dir+"/tree/small", back, 0, nil, -1)
	wantSFTP(t, err, "ENOTDIR")
	wantKind(t, sf.PutDir(filepath.Join(src, "small"), dir+"/x", 0, nil, -1), KindIO)
	wantKind(t, sf.GetDir(dir+"/tree", filepath.Join(local, "c"), 0, func(d, _ uint64) bool { return d < 1<<20 }, -1), KindCancelled)
}

// A short transfer is an error, never a success (pkg/sftp#658): the remote
// file shrinks during a get, the local one during a put.
func TestSFTPShortTransfer(t *testing.T) {
	_, sf, dir := sftpSession(t)
	local := t.TempDir()
	randomFile(t, local+"/src", 24<<20)
	for _, channels := range []string{"1", "4"} {
		sf.Set("transfer_channels", channels)
		if _, err := sf.Put(local+"/src", dir+"/r", 0, nil, -1); err != nil {
			t.Fatal(err)
		}
		shrink := func(path string) Progress {
			done := false
			return func(d, _ uint64) bool {
				if !done && d > 0 {
					done = true
					os.Truncate(path, 1<<20) // same host: the remote path is local too
				}
				return true
			}
		}
		_, err := sf.Get(dir+"/r", local+"/dst", 0, shrink(dir+"/r"), -1)
		wantKind(t, err, KindProtocol)
		if _, e := os.Stat(local + "/dst"); e == nil {
			t.Fatal("a short get left a file")
		}
		if _, e := os.Stat(local + "/dst" + PartSuffix); e == nil {
			t.Fatal("a short get left its part file")
		}
		randomFile(t, local+"/src2", 24<<20)
		_, err = sf.Put(local+"/src2", dir+"/r2", 0, shrink(local+"/src2"), -1)
		wantKind(t, err, KindIO)
	}
}

// A write the server refuses (the file is open for reading only) is
// reported by a later call, at the latest by close.
func TestSFTPPipelinedWriteFailure(t *testing.T) {
	_, sf, dir := sftpSession(t)
	f, err := sf.Open(dir+"/ro", FxfWrite|FxfCreat, 0o644, -1)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	f, err = sf.Open(dir+"/ro", FxfRead, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := f.Write([]byte("refused later"), -1); err != nil || n != 13 {
		t.Fatalf("the pipelined write: %d %v", n, err)
	}
	wantKind(t, f.Close(), KindSFTP)
	if err := f.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
	// Flush reports it too, and later writes keep reporting it.
	f, _ = sf.Open(dir+"/ro", FxfRead, 0, -1)
	f.Write([]byte("x"), -1)
	wantKind(t, f.Flush(-1), KindSFTP)
	_, err = f.Write([]byte("y"), -1)
	wantKind(t, err, KindSFTP)
	wantKind(t, f.Close(), KindSFTP)
}

// Against pkg/sftp's own server (core/sshtest), which offers none of
// OpenSSH's limits, copy-data or expand-path: 32 KiB packets, the
// fallbacks, and transfers through several channels still whole.
func TestSFTPWithoutExtensions(t *testing.T) {
	dir := t.TempDir()
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
	for _, name := range []string{"max_read", "max_write"} {
		if v, _ := sf.Info(name); v != "32768" {
			t.Errorf("%s %q, want the 32 KiB default", name, v)
		}
	}
	if home, err := sf.Home(-1); err != nil || home != dir {
		t.Errorf("home by realpath: %q %v (want %q)", home, err, dir)
	}
	sum := randomFile(t, dir+"/src", 9<<20+3)
	if _, err := sf.Put(dir+"/src", dir+"/up", 0, nil, -1); err != nil {
		t.Fatal(err)
	}
	if _, err := sf.Get(dir+"/up", dir+"/down", 0, nil, -1); err != nil {
		t.Fatal(err)
	}
	if fileHash(t, dir+"/up") != sum || fileHash(t, dir+"/down") != sum {
		t.Fatal("round trip differs")
	}
	wantSFTP(t, sf.Copy(dir+"/up", dir+"/copy", -1), "EOPNOTSUPP")
	// A server that refuses the subsystem: KindChannel.
	plain, err := sshtest.Start(sshtest.Config{Password: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	c2 := NewClient()
	c2.SetPolicy(WarningPolicy{})
	defer c2.Close()
	cfg.Port = plain.Port()
	if err := c2.Connect(cfg); err != nil {
		t.Fatal(err)
	}
	_, err = c2.OpenSFTP(-1)
	wantKind(t, err, KindChannel)
	_, err = c2.OpenSFTP(0)
	wantKind(t, err, KindTimeout)
	_, err = NewClient().OpenSFTP(-1)
	wantKind(t, err, KindNotConnected)
	if err := sf.Rename(dir+"/up", dir+"/down", true, -1); err != nil {
		t.Fatalf("posix-rename (pkg/sftp offers it): %v", err)
	}
}

// A long sequential read (spread over the transfer channels past 8 MiB),
// with a seek back and forth in the middle, reads exactly the file.
func TestSFTPSequentialRead(t *testing.T) {
	_, sf, dir := sftpSession(t)
	local := t.TempDir()
	size := int64(20<<20 + 777)
	randomFile(t, local+"/src", size)
	if _, err := sf.Put(local+"/src", dir+"/r", 0, nil, -1); err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile(local + "/src")
	f, err := sf.Open(dir+"/r", FxfRead, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var got bytes.Buffer
	buf := make([]byte, 32<<10)
	for i := 0; ; i++ {
		if i == 400 { // at 12.5 MiB: a seek away and back drops the read-ahead
			if _, err := f.SeekTimeout(5, io.SeekStart, -1); err != nil {
				t.Fatal(err)
			}
			n, err := f.Read(buf[:10], -1)
			if err != nil || !bytes.Equal(buf[:n], want[5:5+n]) {
				t.Fatalf("read after seek: %d %v", n, err)
			}
			if _, err := f.SeekTimeout(int64(got.Len()), io.SeekStart, -1); err != nil {
				t.Fatal(err)
			}
		}
		n, err := f.Read(buf, -1)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		got.Write(buf[:n])
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Fatalf("read %d bytes of %d, or different", got.Len(), size)
	}
}

// Pipelined writes that overlap land in the order they were written: a
// write after a seek back waits for the one in flight it overlaps (two
// writes in flight reach the server in either order). Repeated: before the
// fix the old bytes won in about one run of four.
func TestSFTPOverlappingWritesKeepOrder(t *testing.T) {
	_, sf, dir := sftpSession(t)
	for run := 0; run < 40; run++ {
		p := fmt.Sprintf("%s/overlap-%d", dir, run)
		f, err := sf.Open(p, FxfWrite|FxfCreat|FxfTrunc, 0o644, -1)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte("AAAAAAAAAAAAA"), -1); err != nil {
			t.Fatal(err)
		}
		if _, err := f.SeekTimeout(8, io.SeekStart, -1); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte("BB"), -1); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		r, err := sf.Open(p, FxfRead, 0, -1)
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 64)
		n, err := r.Read(buf, -1)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got := string(buf[:n]); got != "AAAAAAAABBAAA" {
			t.Fatalf("run %d: file holds %q, want %q", run, got, "AAAAAAAABBAAA")
		}
	}
}
