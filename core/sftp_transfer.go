package core

import (
	"errors"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pkg/sftp"
)

// Transfer flags (gossh_sftp_get/put).
const (
	XferResume   = 0x1 // continue a partial destination from its size
	XferPreserve = 0x2 // copy mode bits and times to the destination
	XferNoVerify = 0x4 // put: skip the final stat
)

// Progress reports a transfer's progress; returning false cancels it.
type Progress func(done, total uint64) bool

// PartSuffix is appended to a get's local path while the data arrives.
const PartSuffix = ".gossh-part"

// workersPerChannel is how many chunks one channel has in flight, each a
// pipelined ReadAt/WriteAt of a few packets. Each worker holds a buffer of
// one chunk, so a channel's buffers are its bytes in flight
// (SFTP.inflightBytes, at most maxInflightBytes). With five workers, a
// chunk is a fifth of that: while one worker writes its chunk to disk and
// asks for its next, the other four keep four fifths of it, about a
// channel window (channelWindow), in flight, which is what bounds the
// channel's rate on a long link. Two workers of half that each (before)
// left one half in flight at those moments, and needed 4 MiB of buffers
// per channel to keep a window's worth.
const workersPerChannel = 5

// xfer is one whole-file transfer split into chunks, spread over channels
// with workersPerChannel workers per channel. The workers of every channel
// take the next chunk from one queue in file order (not a contiguous range
// per channel): the channels share the file's front, so that at any moment
// everything below the lowest chunk in flight is done. A get's part file is
// then a prefix plus at most channels*workers chunks, and a put cut off by
// a lost connection leaves a remote file whose holes lie within that much
// below its size, which is what a resume backs off (resumeBackoff). It also
// balances: a slower channel takes fewer chunks. Progress is counted in
// completed chunks and reported from the calling goroutine only, so the
// callback is never called concurrently.
type xfer struct {
	s          *SFTP
	what, path string
	size       int64 // the whole size
	start      int64 // where the transfer starts (resume)
	chunk      int64
	workers    int // per channel

	inflight atomic.Int64 // bytes asked for and not yet answered, all channels
	peak     atomic.Int64 // inflight's highest value (tests)

	gate    sync.RWMutex // read-held around each chunk's local side, held by stop
	stopped atomic.Bool
	done    []bool // chunks written
	moved   atomic.Int64
	wake    chan struct{}

	next atomic.Int64 // the next chunk to take

	errMu sync.Mutex
	err   error
	left  atomic.Int32 // channels still running
	end   chan struct{}
}

func (s *SFTP) newXfer(what, path string, size, start int64, channels int) *xfer {
	chunk, workers := chunking(s.inflightBytes(maxInflightBytes), s.packet)
	n := int((size - start + chunk - 1) / chunk)
	x := &xfer{s: s, what: what, path: path, size: size, start: start, chunk: chunk, workers: workers,
		done: make([]bool, n), wake: make(chan struct{}, 1), end: make(chan struct{})}
	x.moved.Store(start)
	return x
}

// chunking splits a channel's bytes in flight into the chunk of one
// worker, whole packets, and the number of workers: workersPerChannel
// unless packets so large that fewer fill the bytes (at least one worker
// of one packet).
func chunking(inflight, packet int) (chunk int64, workers int) {
	p := int64(max(packet, 1))
	chunk = max(int64(inflight)/workersPerChannel/p*p, p)
	return chunk, int(min(max(int64(inflight)/chunk, 1), workersPerChannel))
}

// chunkBufs holds the workers' chunk buffers (*[]byte) between transfers.
// A get or put allocated its buffers anew (10 MiB over 4 channels) while
// the last transfer's were garbage not yet collected: back-to-back
// transfers held both, 28 MiB of peak RSS growth for three 1 GiB puts in a
// row against 15 for one. A pool keeps them over one collection only, so a
// client at rest still gives them back.
var chunkBufs sync.Pool

// takeChunkBuf returns a buffer of n bytes, from chunkBufs if one there is
// large enough.
func takeChunkBuf(n int) *[]byte {
	if b, _ := chunkBufs.Get().(*[]byte); b != nil && cap(*b) >= n {
		*b = (*b)[:n]
		return b
	}
	b := make([]byte, n)
	return &b
}

// testXferDone, when set (tests), sees each get's and put's transfer once
// it has ended.
var testXferDone func(*xfer)

// chunkAt is chunk i's offset and length.
func (x *xfer) chunkAt(i int) (int64, int) {
	off := x.start + int64(i)*x.chunk
	return off, int(min(x.chunk, x.size-off))
}

func (x *xfer) fail(err error) {
	x.errMu.Lock()
	if x.err == nil {
		x.err = err
	}
	x.errMu.Unlock()
}

func (x *xfer) failed() error {
	x.errMu.Lock()
	defer x.errMu.Unlock()
	return x.err
}

// local runs f (a chunk's local side) unless the transfer was stopped, and
// records the chunk as done when f succeeds.
func (x *xfer) local(i int, n int, f func() error) error {
	x.gate.RLock() // chunks' local writes run at once; stop waits for them
	defer x.gate.RUnlock()
	if x.stopped.Load() {
		return errStopped
	}
	if err := f(); err != nil {
		return err
	}
	x.done[i] = true
	x.moved.Add(int64(n))
	select {
	case x.wake <- struct{}{}:
	default:
	}
	return nil
}

var errStopped = errors.New("transfer stopped")

// stop ends the local side: no chunk writes after it returns. It returns
// the offset up to which every chunk is done (the part a resume can keep).
func (x *xfer) stop() int64 {
	x.gate.Lock()
	defer x.gate.Unlock()
	x.stopped.Store(true)
	prefix := x.start
	for i := range x.done {
		if !x.done[i] {
			break
		}
		_, n := x.chunkAt(i)
		prefix += int64(n)
	}
	return prefix
}

// resumeBackoff is how far below the remote size a resumed put starts
// again: the most a put can have had in flight, over the most channels
// (workersPerChannel chunks of at most maxInflightBytes/workersPerChannel
// each), 40 MiB; it stays at the 64 MiB of the header's contract (16
// channels x the 4 MiB per channel of earlier builds), so that a part those
// left resumes correctly too.
const resumeBackoff = max(maxTransferChannels*maxInflightBytes, 64<<20)

// channelJob is one channel of a transfer.
type channelJob struct {
	cl *sftp.Client
}

// jobs gives each client a job, as long as there are chunks for it.
func (x *xfer) jobs(clients []*sftp.Client) []channelJob {
	var out []channelJob
	for _, cl := range clients[:min(len(clients), len(x.done))] {
		out = append(out, channelJob{cl})
	}
	return out
}

// settle waits (a little) for the workers to end after a failure, so that
// no request of the transfer is still on its way: it reports whether they
// did. It does not wait on a closed or lost session, nor past bound.
func (x *xfer) settle(bound time.Duration) bool {
	t := time.NewTimer(bound)
	defer t.Stop()
	select {
	case <-x.end:
		return true
	case <-x.s.closing:
	case <-x.s.dead:
	case <-t.C:
	}
	return false
}

// run starts, for each job, open (which returns the chunk function and a
// cleanup) and its workers, then waits on the calling goroutine: it
// reports progress, and ends at the first failure, the deadline, the
// session's end or a cancel. It returns nil only when every chunk is done.
func (x *xfer) run(jobs []channelJob, open func(cl *sftp.Client) (func(i int, buf []byte) error, func() error, error),
	progress Progress, deadline <-chan struct{}) error {
	total := uint64(x.size)
	if len(jobs) == 0 {
		close(x.end)
	}
	x.left.Store(int32(len(jobs)))
	for _, j := range jobs {
		goSafe(x.s.log, "an SFTP transfer channel", func() { x.channel(j, open) }, func(e *Error) {
			x.fail(e)
			if x.left.Add(-1) == 0 {
				close(x.end)
			}
		})
	}
	reported := uint64(x.start)
	if progress != nil && !progress(reported, total) {
		return cancelled(x.what)
	}
	for {
		select {
		case <-x.wake:
		case <-x.end:
		case <-deadline:
			return newError(KindTimeout, nil, "sftp %s %s: timed out", x.what, ShowPath(x.path)).with("stage", "wait")
		case <-x.s.closing:
			return x.s.closedErr()
		case <-x.s.dead:
			return x.s.closedErr()
		}
		if err := x.failed(); err != nil {
			return err
		}
		if m := uint64(x.moved.Load()); m > reported && m < total && progress != nil {
			reported = m
			if !progress(m, total) {
				return cancelled(x.what)
			}
		}
		if isClosed(x.end) {
			if err := x.failed(); err != nil {
				return err
			}
			if m := x.moved.Load(); m != x.size {
				return newError(KindProtocol, nil, "sftp %s %s: %d of %d bytes moved", x.what, ShowPath(x.path), m, x.size)
			}
			return nil
		}
	}
}

// channel runs one job: opens, runs its workers over its chunks, cleans up.
func (x *xfer) channel(j channelJob, open func(cl *sftp.Client) (func(i int, buf []byte) error, func() error, error)) {
	defer func() {
		if x.left.Add(-1) == 0 {
			close(x.end)
		}
	}()
	do, cleanup, err := open(j.cl)
	if err != nil {
		x.fail(err)
		return
	}
	var wg sync.WaitGroup
	for w := 0; w < x.workers; w++ {
		wg.Add(1)
		goSafe(x.s.log, "an SFTP transfer worker", func() {
			defer wg.Done()
			buf := takeChunkBuf(int(min(x.chunk, x.size-x.start))) // a small file needs no whole chunk
			for {
				i := int(x.next.Add(1) - 1)
				if i >= len(x.done) || x.failed() != nil || x.stopped.Load() {
					// Not on a panic: pkg/sftp may not be done with it.
					chunkBufs.Put(buf)
					return
				}
				_, n := x.chunkAt(i)
				for v, p := x.inflight.Add(int64(n)), x.peak.Load(); v > p && !x.peak.CompareAndSwap(p, v); p = x.peak.Load() {
				}
				err := do(i, (*buf)[:n])
				x.inflight.Add(-int64(n))
				if err != nil {
					x.fail(err)
					chunkBufs.Put(buf) // ReadAt and WriteAt return after their goroutines
					return
				}
			}
		}, func(e *Error) { x.fail(e); wg.Done() })
	}
	wg.Wait()
	if err := cleanup(); err != nil {
		x.fail(err)
	}
}

// Get copies remote to local through local+PartSuffix, renamed over local
// only once the whole size has arrived. It returns the local file's size.
func (s *SFTP) Get(remote, local string, flags int, progress Progress, timeout time.Duration) (uint64, error) {
	if timeout == 0 {
		return 0, newError(KindTimeout, nil, "sftp get: timeout 0 cannot wait for the server's answer").with("stage", "wait")
	}
	deadline, stop := sftpTimer(timeout)
	defer stop()
	return s.get(remote, local, flags, progress, deadline, nil)
}

// get is Get by a deadline; tree, when not nil, counts the whole tree's
// progress (get_dir).
func (s *SFTP) get(remote, local string, flags int, progress Progress, deadline <-chan struct{}, tree *treeProgress) (uint64, error) {
	var a Attrs
	err := s.run(deadline, "stat", func() error {
		fi, err := s.main.Stat(remote)
		if err != nil {
			return s.sftpError(err, "get", remote, "")
		}
		a = attrsOf(fi)
		return nil
	})
	if err != nil {
		return 0, err
	}
	if a.IsDir() {
		return 0, sftpStatus(fxFailure, "is a directory", "get", remote, "").withErrno("EISDIR")
	}
	size := int64(a.Size)
	part := local + PartSuffix
	var start int64
	openFlags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if flags&XferResume != 0 {
		if fi, err := os.Stat(part); err == nil {
			start = fi.Size()
			if start > size {
				return 0, newError(KindProtocol, nil, "sftp get %s: the partial local file is longer (%d) than the remote file (%d)", ShowPath(remote), start, size).
					with("path", part)
			}
			openFlags = os.O_WRONLY
		}
	}
	lf, err := os.OpenFile(part, openFlags, 0o666)
	if err != nil {
		return 0, localError(err, "create", part)
	}
	channels, _ := s.tuning()
	if size-start < splitThreshold {
		channels = 1
	}
	x := s.newXfer("get", remote, size, start, channels)
	var clients []*sftp.Client
	err = s.run(deadline, "opening transfer channels", func() error {
		var err error
		clients, err = s.transferClients(channels)
		return err
	})
	if err == nil {
		err = x.run(x.jobs(clients), func(cl *sftp.Client) (func(int, []byte) error, func() error, error) {
			rf, err := cl.Open(remote)
			if err != nil {
				return nil, nil, s.sftpError(err, "get", remote, "")
			}
			return func(i int, buf []byte) error {
					off, _ := x.chunkAt(i)
					n, err := rf.ReadAt(buf, off)
					if n < len(buf) {
						if err == nil || err == io.EOF {
							// pkg/sftp also ends reads with io.EOF when its
							// channel ends: a stat tells a lost channel
							// from a file that really is shorter.
							if _, serr := rf.Stat(); serr != nil {
								return s.sftpError(serr, "get", remote, "")
							}
							return newError(KindProtocol, err, "sftp get %s: the server sent %d bytes less than the file's size (%d)", ShowPath(remote), len(buf)-n, size)
						}
						return s.sftpError(err, "get", remote, "")
					}
					return x.local(i, n, func() error {
						if _, err := lf.WriteAt(buf, off); err != nil {
							return localError(err, "write", part)
						}
						return nil
					})
				}, func() error {
					return s.sftpError(rf.Close(), "get", remote, "")
				}, nil
		}, tree.wrap(progress), deadline)
	}
	prefix := x.stop()
	if testXferDone != nil {
		testXferDone(x)
	}
	if err != nil {
		if flags&XferResume != 0 {
			_ = lf.Truncate(prefix)
			lf.Close()
		} else {
			lf.Close()
			os.Remove(part)
		}
		return 0, err
	}
	if err := lf.Close(); err != nil {
		os.Remove(part)
		return 0, localError(err, "write", part)
	}
	if fi, err := os.Stat(part); err != nil || fi.Size() != size {
		os.Remove(part)
		if err != nil {
			return 0, localError(err, "stat", part)
		}
		return 0, newError(KindProtocol, nil, "sftp get %s: %d of %d bytes arrived", ShowPath(remote), fi.Size(), size)
	}
	if flags&XferPreserve != 0 {
		_ = os.Chmod(part, fileMode(a.Mode))
		_ = os.Chtimes(part, time.Unix(a.Atime, 0), time.Unix(a.Mtime, 0))
	}
	// The last report comes before the file is put in place: a caller that
	// asks to stop there (an abort that came after the last chunk's report)
	// gets no file that looks complete, as at any other report. With
	// XferResume the complete part stays, and a resumed get finishes at once.
	if progress != nil && tree == nil && !progress(uint64(size), uint64(size)) {
		if flags&XferResume == 0 {
			os.Remove(part)
		}
		return 0, cancelled("get")
	}
	if err := os.Rename(part, local); err != nil {
		os.Remove(part)
		return 0, localError(err, "rename", local)
	}
	return uint64(size), nil
}

// Put copies local to remote (made with the local file's permission bits,
// or truncated), then checks the remote size unless XferNoVerify. With
// XferResume it continues from the remote file's size less resumeBackoff
// (a remote file longer than the local one is written anew).
func (s *SFTP) Put(local, remote string, flags int, progress Progress, timeout time.Duration) (uint64, error) {
	if timeout == 0 {
		return 0, newError(KindTimeout, nil, "sftp put: timeout 0 cannot wait for the server's answer").with("stage", "wait")
	}
	deadline, stop := sftpTimer(timeout)
	defer stop()
	return s.put(local, remote, flags, progress, deadline, nil)
}

func (s *SFTP) put(local, remote string, flags int, progress Progress, deadline <-chan struct{}, tree *treeProgress) (uint64, error) {
	lf, err := os.Open(local)
	if err != nil {
		return 0, localError(err, "open", local)
	}
	defer lf.Close()
	li, err := lf.Stat()
	if err != nil {
		return 0, localError(err, "stat", local)
	}
	if li.IsDir() {
		e := newError(KindIO, nil, "cannot put local file %s: is a directory", ShowPath(local))
		return 0, e.with("path", local).with("errno_name", "EISDIR")
	}
	size := li.Size()
	channels, _ := s.tuning()
	var start int64
	var first *sftp.File
	err = s.run(deadline, "open", func() error {
		if flags&XferResume != 0 {
			if fi, err := s.main.Stat(remote); err == nil && fi.Mode().IsRegular() && fi.Size() <= size {
				// A put cut off by a lost connection may have left holes
				// just below the remote size: write that part again.
				start = max(0, min(fi.Size(), size)-resumeBackoff)
				f, err := s.openOn(s.main, remote, FxfWrite, 0)
				first = f
				return err
			}
		}
		f, err := s.openOn(s.main, remote, FxfWrite|FxfCreat|FxfTrunc, uint32(li.Mode().Perm()))
		first = f
		return err
	})
	if err != nil {
		return 0, err
	}
	if size-start < splitThreshold {
		channels = 1
	}
	var clients []*sftp.Client
	err = s.run(deadline, "opening transfer channels", func() error {
		var err error
		clients, err = s.transferClients(channels)
		return err
	})
	x := s.newXfer("put", remote, size, start, channels)
	if err == nil {
		err = x.run(x.jobs(clients), func(cl *sftp.Client) (func(int, []byte) error, func() error, error) {
			rf := first
			if cl != s.main {
				f, err := cl.OpenFile(remote, os.O_WRONLY)
				if err != nil {
					return nil, nil, s.sftpError(err, "put", remote, "")
				}
				rf = f
			}
			return func(i int, buf []byte) error {
					off, _ := x.chunkAt(i)
					n, err := lf.ReadAt(buf, off)
					if n < len(buf) {
						if err == nil || err == io.EOF {
							return newError(KindIO, err, "local file %s shrank during the put", ShowPath(local)).with("path", local).with("errno_name", "")
						}
						return localError(err, "read", local)
					}
					w, err := rf.WriteAt(buf, off)
					if err != nil {
						return s.noSpace(s.sftpError(err, "put", remote, ""), "put", remote, int64(len(buf)), deadline)
					}
					if w != len(buf) {
						return newError(KindProtocol, nil, "sftp put %s: %d of %d bytes written", ShowPath(remote), w, len(buf))
					}
					return x.local(i, n, func() error { return nil })
				}, func() error {
					if rf == first {
						return nil
					}
					return s.sftpError(rf.Close(), "put", remote, "")
				}, nil
		}, tree.wrap(progress), deadline)
	}
	prefix := x.stop()
	if testXferDone != nil {
		testXferDone(x)
	}
	closeFirst := func() error {
		cerr := s.run(deadline, "close", func() error { return s.sftpError(first.Close(), "put", remote, "") })
		return s.noSpace(cerr, "put", remote, 0, deadline)
	}
	var cerr error
	if err != nil {
		// The session lives (a cancel, a refused write, a full disk, a
		// local read error): once every channel's writes are answered,
		// cut the remote file to what arrived in order, so that it never
		// holds holes nor looks complete, and a resume continues from
		// there. settle waits for the other channels, whose cleanup
		// closed their handles after their last write; the main
		// channel's handle is closed next, because pkg/sftp's WriteAt
		// returns at its first failure with packets it already sent
		// still unanswered, and a close is answered only after them
		// (OpenSSH handles a channel's requests in order; pkg/sftp's
		// server waits for a handle's reads and writes on close, not on
		// an fsetstat). Only then the cut, by path on the main channel.
		// A cut that did not wait (before: on another channel, right
		// after the failure) raced such a late write, which could land
		// after it in the room it freed: data past a hole.
		x.fail(err)
		settled := x.settle(10 * time.Second)
		cerr = closeFirst()
		if k := KindOf(err); k != KindClosed && k != KindTimeout && settled && !isClosedErr(cerr) && KindOf(cerr) != KindTimeout {
			_ = s.run(deadline, "truncate", func() error { return s.main.Truncate(remote, prefix) })
		}
	} else {
		cerr = closeFirst()
	}
	if err == nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}
	if flags&XferPreserve != 0 {
		a := Attrs{Flags: attrPermissions | attrACModTime, Mode: uint32(li.Mode().Perm()), Mtime: li.ModTime().Unix(), Atime: li.ModTime().Unix()}
		err := s.run(deadline, "setstat", func() error {
			rep, err := s.raw.call(9, marshalAttrs(fxStr(nil, remote), a), s.closing)
			if err != nil {
				return s.sftpError(err, "setstat", remote, "")
			}
			return rawStatus(rep, "setstat", remote, "")
		})
		if err != nil {
			return 0, err
		}
	}
	if flags&XferNoVerify == 0 {
		var rsize int64
		err := s.run(deadline, "stat", func() error {
			fi, err := s.main.Stat(remote)
			if err != nil {
				return s.sftpError(err, "put", remote, "")
			}
			rsize = fi.Size()
			return nil
		})
		if err != nil {
			return 0, err
		}
		if rsize != size {
			return 0, newError(KindProtocol, nil, "sftp put %s: the remote size is %d, not %d", ShowPath(remote), rsize, size)
		}
	}
	if progress != nil && tree == nil && !progress(uint64(size), uint64(size)) {
		return uint64(size), cancelled("put")
	}
	return uint64(size), nil
}

// treeProgress counts a directory tree's progress over its files.
type treeProgress struct {
	progress Progress
	base     uint64 // bytes of the files done
	total    uint64
	reported uint64
}

// wrap returns the Progress of one file within the tree (or p itself
// without a tree).
func (t *treeProgress) wrap(p Progress) Progress {
	if t == nil {
		return p
	}
	if t.progress == nil {
		return nil
	}
	return func(done, _ uint64) bool {
		d := t.base + done
		if d <= t.reported && d != 0 {
			return true
		}
		if d > t.reported {
			t.reported = d
		}
		return t.progress(t.reported, t.total)
	}
}
