package core

import (
	"encoding/hex"
	"errors"
	"io"
	"os"
	"time"

	"github.com/pkg/sftp"
)

// Open flags (SSH_FXF_*).
const (
	FxfRead   = 0x01
	FxfWrite  = 0x02
	FxfAppend = 0x04
	FxfCreat  = 0x08
	FxfTrunc  = 0x10
	FxfExcl   = 0x20
)

// File is an open remote file. Calls on one file are serialised. Sequential
// reads read ahead; writes are pipelined (a failure surfaces at a later
// Write, Flush or Close, never lost). No buffer of the caller is kept past
// a call, also not by a call that timed out.
type File struct {
	s    *SFTP
	path string
	f    *sftp.File
	sem  chan struct{} // the file's lock, taken with a deadline

	offset int64
	closed bool

	// Read-ahead: data holds the file's bytes from dataOff; aheads are
	// the reads in flight after it, in file order.
	data    []byte
	dataOff int64
	dataEOF bool // data reaches the end of the file
	aheads  []ahead
	// A long sequential read spreads its read-aheads over the transfer
	// channels: readers holds the file opened on each (f.f first), once
	// more is opened in the background (more).
	readers    []*sftp.File
	more       chan []*sftp.File
	spreadDone bool
	seqStart   int64 // where the current sequential run began
	nextRdr    int

	// Pipelined writes: wbuf holds bytes from wbufOff not yet sent; wdone
	// are the writes in flight; werr the first failure (kept until Close).
	wbuf    []byte
	wbufOff int64
	wdone   []pendingWrite // in flight, oldest first
	werr    error
}

// pendingWrite is a write in flight: its byte range and its answer.
type pendingWrite struct {
	off, end int64
	c        chan error
}

// ahead is one read-ahead in flight.
type ahead struct {
	off int64
	c   chan readResult
}

// readAheads is how many read-aheads a sequential reader keeps in flight,
// each half the window: the next is asked for while one arrives, so that
// the channel never idles for a round trip.
const readAheads = 2

type readResult struct {
	data []byte
	eof  bool
	err  error
}

// Open opens a remote file with SSH_FXF_* flags (at least one of read and
// write). A file it creates gets the permission bits mode, less the bits
// the server's umask removed.
func (s *SFTP) Open(p string, flags int, mode uint32, timeout time.Duration) (*File, error) {
	if flags&(FxfRead|FxfWrite) == 0 {
		return nil, InvalidArgument("open flags need READ or WRITE")
	}
	if flags&^(FxfRead|FxfWrite|FxfAppend|FxfCreat|FxfTrunc|FxfExcl) != 0 {
		return nil, InvalidArgument("unknown open flags 0x%x", flags)
	}
	var file *File
	err := s.do(timeout, "open", func(abandon <-chan struct{}) error {
		f, err := s.openOn(s.main, p, flags, mode)
		if err != nil {
			return err
		}
		if isClosed(abandon) {
			go f.Close()
			return nil
		}
		file = &File{s: s, path: p, f: f, sem: make(chan struct{}, 1), readers: []*sftp.File{f}}
		if flags&FxfAppend != 0 {
			fi, err := f.Stat()
			if err != nil {
				f.Close()
				return s.sftpError(err, "open", p, "")
			}
			file.offset = fi.Size()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return file, nil
}

// openOn opens p on client cl; a file it creates gets mode (see Open).
func (s *SFTP) openOn(cl *sftp.Client, p string, flags int, mode uint32) (*sftp.File, error) {
	osflags := 0
	switch {
	case flags&FxfRead != 0 && flags&FxfWrite != 0:
		osflags = os.O_RDWR
	case flags&FxfWrite != 0:
		osflags = os.O_WRONLY
	}
	creating := false
	if flags&FxfCreat != 0 {
		osflags |= os.O_CREATE
		if flags&FxfExcl != 0 {
			osflags |= os.O_EXCL
			creating = true
		} else if _, err := cl.Lstat(p); errors.Is(err, os.ErrNotExist) {
			creating = true
		}
	}
	if flags&FxfTrunc != 0 {
		osflags |= os.O_TRUNC
	}
	if flags&FxfAppend != 0 {
		osflags |= os.O_APPEND
	}
	f, err := cl.OpenFile(p, osflags)
	if err != nil {
		return nil, s.sftpError(err, "open", p, "")
	}
	if creating && mode&0o7777 != 0o666 {
		// pkg/sftp v1 sends no attributes with OPEN: the file was made
		// 0666 less the umask; apply mode less the same bits.
		if fi, err := f.Stat(); err == nil {
			umask := 0o666 &^ uint32(fi.Mode().Perm())
			_ = f.Chmod(fileMode(mode &^ umask))
		}
	}
	return f, nil
}

// fileMode converts stat(2) permission bits to an os.FileMode.
func fileMode(m uint32) os.FileMode {
	fm := os.FileMode(m & 0o777)
	if m&0o4000 != 0 {
		fm |= os.ModeSetuid
	}
	if m&0o2000 != 0 {
		fm |= os.ModeSetgid
	}
	if m&0o1000 != 0 {
		fm |= os.ModeSticky
	}
	return fm
}

// lock takes the file's lock by the deadline. It fails for a closed file
// or session.
func (f *File) lock(deadline <-chan struct{}, timeout time.Duration) error {
	select {
	case f.sem <- struct{}{}:
	default:
		if timeout == 0 {
			return newError(KindTimeout, nil, "sftp file busy").with("stage", "wait")
		}
		select {
		case f.sem <- struct{}{}:
		case <-deadline:
			return newError(KindTimeout, nil, "sftp: timed out waiting for another call on the file").with("stage", "wait")
		case <-f.s.closing:
			return f.s.closedErr()
		}
	}
	if f.closed {
		f.unlock()
		return newError(KindClosed, nil, "the file is closed")
	}
	if e := f.s.closedErr(); e != nil {
		f.unlock()
		return e
	}
	return nil
}

func (f *File) unlock() { <-f.sem }

// await waits for c by the deadline, or the session's end.
func await[T any](s *SFTP, c <-chan T, deadline <-chan struct{}, what string) (T, error) {
	var zero T
	select {
	case v := <-c:
		return v, nil
	case <-deadline:
		return zero, newError(KindTimeout, nil, "sftp %s: timed out", what).with("stage", "wait")
	case <-s.closing:
	case <-s.dead:
	}
	return zero, s.closedErr()
}

// run runs f in a goroutine and waits for it by the deadline.
func (s *SFTP) run(deadline <-chan struct{}, what string, f func() error) error {
	c := make(chan error, 1)
	goSafe(s.log, "an SFTP file call", func() { c <- f() }, func(e *Error) { c <- e })
	err, werr := await(s, c, deadline, what)
	if werr != nil {
		return werr
	}
	return err
}

// window is the size of one read-ahead or pipelined write.
func (f *File) window() int { return f.s.inflightBytes(maxFileWindow) }

// startAhead starts a read-ahead of half a window at off.
func (f *File) startAhead(off int64) {
	c := make(chan readResult, 1)
	f.aheads = append(f.aheads, ahead{off, c})
	n := max(f.window()/readAheads, 1)
	rd := f.readers[f.nextRdr%len(f.readers)]
	f.nextRdr++
	goSafe(f.s.log, "an SFTP read-ahead", func() {
		buf := make([]byte, n)
		got, err := rd.ReadAt(buf, off)
		r := readResult{data: buf[:got]}
		switch {
		case err == io.EOF:
			// pkg/sftp also ends reads with io.EOF when its channel
			// ends: the file's size tells a real end from a lost one.
			fi, serr := rd.Stat()
			switch {
			case serr != nil:
				r.err = f.s.sftpError(serr, "read", f.path, "")
			case fi.Size() > off+int64(got) && got > 0:
				// The file grew meanwhile: not the end; read on.
			case fi.Size() > off+int64(got):
				r.err = newError(KindProtocol, nil, "sftp read %s: the server sent no data at %d of %d bytes", ShowPath(f.path), off, fi.Size())
			default:
				r.eof = true
			}
		case err != nil:
			r.err = f.s.sftpError(err, "read", f.path, "")
		}
		c <- r
	}, func(e *Error) { c <- readResult{err: e} })
}

// topUp keeps readAheads reads in flight after the data, unless the data
// reaches the end of the file.
func (f *File) topUp() {
	f.spread()
	for len(f.aheads) < readAheads*len(f.readers) && !f.dataEOF {
		next := f.dataOff + int64(len(f.data))
		if n := len(f.aheads); n > 0 {
			next = f.aheads[n-1].off + int64(max(f.window()/readAheads, 1))
		}
		f.startAhead(next)
	}
}

// spread opens the file on the other transfer channels, in the
// background, once a sequential read has gone on for splitThreshold bytes
// (as get splits a file that large), and takes them up when ready.
func (f *File) spread() {
	if f.more != nil {
		select {
		case rs := <-f.more:
			f.readers = append(f.readers, rs...)
			f.more, f.spreadDone = nil, true
		default:
		}
	}
	channels, _ := f.s.tuning()
	if f.spreadDone || f.more != nil || channels < 2 || f.dataOff-f.seqStart < splitThreshold {
		return
	}
	more := make(chan []*sftp.File, 1)
	f.more = more
	s, p := f.s, f.path
	goSafe(s.log, "opening a file on more channels", func() {
		var rs []*sftp.File
		defer func() { more <- rs }()
		clients, err := s.transferClients(channels)
		if err != nil {
			return
		}
		for _, cl := range clients[1:] {
			if r, err := cl.Open(p); err == nil {
				rs = append(rs, r)
			}
		}
	}, func(*Error) { more <- nil })
}

// dropAhead forgets the read-ahead (after a seek or a write); reads in
// flight finish into buffers nobody reads.
func (f *File) dropAhead() {
	f.data, f.dataEOF, f.aheads = nil, false, nil
}

// Read reads up to len(p) bytes at the file's offset; (0, nil) is the end
// of the file.
func (f *File) Read(p []byte, timeout time.Duration) (int, error) {
	if len(p) == 0 {
		return 0, errNoRoom()
	}
	deadline, stop := sftpTimer(timeout)
	defer stop()
	if err := f.lock(deadline, timeout); err != nil {
		return 0, err
	}
	defer f.unlock()
	if err := f.flushLocked(deadline); err != nil {
		return 0, err
	}
	for {
		if f.offset >= f.dataOff && f.offset < f.dataOff+int64(len(f.data)) {
			n := copy(p, f.data[f.offset-f.dataOff:])
			f.offset += int64(n)
			return n, nil
		}
		if f.dataEOF && f.offset == f.dataOff+int64(len(f.data)) {
			return 0, nil
		}
		if len(f.aheads) == 0 || f.aheads[0].off != f.offset {
			if timeout == 0 {
				return 0, newError(KindTimeout, nil, "sftp read: no data read ahead").with("stage", "read")
			}
			f.dropAhead()
			f.data, f.dataOff, f.seqStart = nil, f.offset, f.offset
			f.topUp()
		}
		r, err := await(f.s, f.aheads[0].c, deadline, "read")
		if err != nil {
			return 0, err // the read-ahead stays in flight for the next call
		}
		off := f.aheads[0].off
		f.aheads = f.aheads[1:]
		if r.err != nil {
			f.dropAhead()
			return 0, r.err
		}
		if len(r.data) == 0 && !r.eof {
			f.dropAhead()
			return 0, newError(KindProtocol, nil, "sftp read %s: the server returned no data", ShowPath(f.path))
		}
		f.data, f.dataOff, f.dataEOF = r.data, off, r.eof
		if r.eof || len(r.data) < max(f.window()/readAheads, 1) {
			// At the end, or a file that grew: what is in flight beyond
			// is not in order any more.
			f.aheads = nil
		}
		f.topUp()
	}
}

// Pread reads at off without moving the offset.
func (f *File) Pread(p []byte, off int64, timeout time.Duration) (int, error) {
	if len(p) == 0 {
		return 0, errNoRoom()
	}
	deadline, stop := sftpTimer(timeout)
	defer stop()
	if err := f.lock(deadline, timeout); err != nil {
		return 0, err
	}
	defer f.unlock()
	if err := f.flushLocked(deadline); err != nil {
		return 0, err
	}
	buf := make([]byte, len(p)) // an abandoned read must not write into p
	var n int
	err := f.s.run(deadline, "pread", func() error {
		got, err := f.f.ReadAt(buf, off)
		n = got
		if err == io.EOF {
			return nil
		}
		return f.s.sftpError(err, "read", f.path, "")
	})
	if err != nil {
		return 0, err
	}
	return copy(p, buf[:n]), nil
}

// Write writes p at the file's offset, pipelined: it returns once the data
// is handed over; a failure of the server surfaces at a later Write, Flush
// or Close. It copies p.
func (f *File) Write(p []byte, timeout time.Duration) (int, error) {
	deadline, stop := sftpTimer(timeout)
	defer stop()
	if err := f.lock(deadline, timeout); err != nil {
		return 0, err
	}
	defer f.unlock()
	if f.werr != nil {
		return 0, f.werr
	}
	f.dropAhead()
	w := max(f.window()/writesInFlight, 1)
	written := 0
	for len(p) > 0 {
		if len(f.wbuf) == 0 {
			f.wbufOff = f.offset
			if cap(f.wbuf) < w {
				f.wbuf = make([]byte, 0, w) // not grown by appends: a copy each doubling
			}
		}
		n := min(len(p), w-len(f.wbuf))
		f.wbuf = append(f.wbuf, p[:n]...)
		p = p[n:]
		f.offset += int64(n)
		written += n
		if len(f.wbuf) >= w {
			if err := f.sendLocked(deadline); err != nil {
				return written, err
			}
		}
	}
	return written, nil
}

// writesInFlight is how many pipelined writes (each half a window) a file
// keeps in flight: the next is sent while one is answered.
const writesInFlight = 2

// sendLocked sends the buffer, after waiting for the oldest write in
// flight when writesInFlight are. A timeout leaves the buffer unsent.
func (f *File) sendLocked(deadline <-chan struct{}) error {
	for len(f.wdone) >= writesInFlight || f.overlapsInFlight() {
		if err := f.collectOne(deadline); err != nil {
			return err
		}
	}
	if f.werr != nil {
		return f.werr
	}
	if len(f.wbuf) == 0 {
		return nil
	}
	buf, off := f.wbuf, f.wbufOff
	f.wbuf = nil
	c := make(chan error, 1)
	f.wdone = append(f.wdone, pendingWrite{off: off, end: off + int64(len(buf)), c: c})
	goSafe(f.s.log, "an SFTP write", func() {
		n, err := f.f.WriteAt(buf, off)
		if err == nil && n != len(buf) {
			err = newError(KindProtocol, nil, "sftp write %s: %d of %d bytes written", ShowPath(f.path), n, len(buf))
		}
		c <- f.s.sftpError(err, "write", f.path, "")
	}, func(e *Error) { c <- e })
	return nil
}

// overlapsInFlight reports whether the buffer to send overlaps a write in
// flight. Writes in flight run concurrently and may reach the server in
// any order, which is harmless only for writes that do not overlap: an
// overlapping one (after a seek back) waits, so the later bytes win.
func (f *File) overlapsInFlight() bool {
	end := f.wbufOff + int64(len(f.wbuf))
	for _, w := range f.wdone {
		if len(f.wbuf) > 0 && f.wbufOff < w.end && w.off < end {
			return true
		}
	}
	return false
}

// collectOne waits for the oldest write in flight and records its failure.
func (f *File) collectOne(deadline <-chan struct{}) error {
	err, werr := await(f.s, f.wdone[0].c, deadline, "write")
	if werr != nil {
		return werr
	}
	w := f.wdone[0]
	f.wdone = f.wdone[1:]
	if err != nil && f.werr == nil {
		f.werr = f.s.noSpace(err, "write", f.path, w.end-w.off, deadline)
	}
	return f.werr
}

// collectLocked waits for every write in flight.
func (f *File) collectLocked(deadline <-chan struct{}) error {
	for len(f.wdone) > 0 {
		if err := f.collectOne(deadline); err != nil && KindOf(err) == KindTimeout || isClosedErr(err) {
			return err
		}
	}
	return f.werr
}

// isClosedErr reports a KindClosed error.
func isClosedErr(err error) bool { return err != nil && KindOf(err) == KindClosed }

// flushLocked sends what is buffered and waits for every answer.
func (f *File) flushLocked(deadline <-chan struct{}) error {
	if len(f.wbuf) == 0 && len(f.wdone) == 0 {
		return f.werr
	}
	if err := f.sendLocked(deadline); err != nil {
		return err
	}
	return f.collectLocked(deadline)
}

// Flush waits until every pipelined write is answered and returns the first
// failure among them.
func (f *File) Flush(timeout time.Duration) error {
	deadline, stop := sftpTimer(timeout)
	defer stop()
	if err := f.lock(deadline, timeout); err != nil {
		return err
	}
	defer f.unlock()
	return f.flushLocked(deadline)
}

// Pwrite writes p at off and waits for the answers, without moving the
// offset.
func (f *File) Pwrite(p []byte, off int64, timeout time.Duration) (int, error) {
	deadline, stop := sftpTimer(timeout)
	defer stop()
	if err := f.lock(deadline, timeout); err != nil {
		return 0, err
	}
	defer f.unlock()
	if err := f.flushLocked(deadline); err != nil {
		return 0, err
	}
	f.dropAhead()
	buf := append([]byte(nil), p...)
	var n int
	err := f.s.run(deadline, "pwrite", func() error {
		got, err := f.f.WriteAt(buf, off)
		n = got
		return f.s.sftpError(err, "write", f.path, "")
	})
	err = f.s.noSpace(err, "write", f.path, int64(len(buf)), deadline)
	return n, err
}

// SeekTimeout moves the offset (whence 0, 1, 2; 2 asks the server for the size).
func (f *File) SeekTimeout(offset int64, whence int, timeout time.Duration) (int64, error) {
	deadline, stop := sftpTimer(timeout)
	defer stop()
	if err := f.lock(deadline, timeout); err != nil {
		return 0, err
	}
	defer f.unlock()
	var base int64
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		base = f.offset
	case io.SeekEnd:
		if err := f.flushLocked(deadline); err != nil {
			return 0, err
		}
		a, err := f.statLocked(deadline)
		if err != nil {
			return 0, err
		}
		base = int64(a.Size)
	default:
		return 0, InvalidArgument("whence must be 0, 1 or 2, not %d", whence)
	}
	if base+offset < 0 {
		return 0, InvalidArgument("seek to a negative offset")
	}
	if base+offset != f.offset {
		if len(f.wbuf) > 0 {
			if err := f.sendLocked(deadline); err != nil {
				return 0, err
			}
		}
	}
	f.offset = base + offset
	return f.offset, nil
}

func (f *File) statLocked(deadline <-chan struct{}) (Attrs, error) {
	var a Attrs
	err := f.s.run(deadline, "fstat", func() error {
		fi, err := f.f.Stat()
		if err != nil {
			return f.s.sftpError(err, "fstat", f.path, "")
		}
		a = attrsOf(fi)
		return nil
	})
	return a, err
}

// Stat returns the open file's attributes (after flushing).
func (f *File) Stat(timeout time.Duration) (Attrs, error) {
	deadline, stop := sftpTimer(timeout)
	defer stop()
	if err := f.lock(deadline, timeout); err != nil {
		return Attrs{}, err
	}
	defer f.unlock()
	if err := f.flushLocked(deadline); err != nil {
		return Attrs{}, err
	}
	return f.statLocked(deadline)
}

// Setstat changes the attributes a.Flags names (of the file's path).
func (f *File) Setstat(a Attrs, timeout time.Duration) error {
	deadline, stop := sftpTimer(timeout)
	defer stop()
	if err := f.lock(deadline, timeout); err != nil {
		return err
	}
	defer f.unlock()
	if err := f.flushLocked(deadline); err != nil {
		return err
	}
	if a.Flags&attrSize != 0 {
		f.dropAhead()
	}
	return f.s.run(deadline, "setstat", func() error {
		rep, err := f.s.raw.call(9, marshalAttrs(fxStr(nil, f.path), a), f.s.closing)
		if err != nil {
			return f.s.sftpError(err, "setstat", f.path, "")
		}
		return rawStatus(rep, "setstat", f.path, "")
	})
}

// Sync flushes, then asks the server to fsync (fsync@openssh.com).
func (f *File) Sync(timeout time.Duration) error {
	deadline, stop := sftpTimer(timeout)
	defer stop()
	if err := f.lock(deadline, timeout); err != nil {
		return err
	}
	defer f.unlock()
	if err := f.flushLocked(deadline); err != nil {
		return err
	}
	if !f.s.raw.has("fsync@openssh.com") {
		return sftpStatus(fxOpUnsupported, "the server lacks fsync@openssh.com", "fsync", f.path, "")
	}
	err := f.s.run(deadline, "fsync", func() error {
		return f.s.sftpError(f.f.Sync(), "fsync", f.path, "")
	})
	return f.s.noSpace(err, "fsync", f.path, 0, deadline)
}

// Check asks the server for a hash of [offset, offset+length) of the file
// (check-file-name; length 0: to the end), in hex.
func (f *File) Check(algorithm string, offset, length uint64, timeout time.Duration) (string, error) {
	if !f.s.raw.has("check-file") && !f.s.raw.has("check-file-name") {
		return "", sftpStatus(fxOpUnsupported, "the server lacks check-file", "check-file", f.path, "")
	}
	deadline, stop := sftpTimer(timeout)
	defer stop()
	if err := f.lock(deadline, timeout); err != nil {
		return "", err
	}
	defer f.unlock()
	if err := f.flushLocked(deadline); err != nil {
		return "", err
	}
	var out string
	err := f.s.run(deadline, "check-file", func() error {
		p := fxStr(nil, f.path)
		p = fxStr(p, algorithm)
		p = fxU64(p, offset)
		p = fxU64(p, length)
		p = fxU32(p, 0)
		rep, err := f.s.raw.extended("check-file-name", p, f.s.closing)
		if err != nil {
			return f.s.sftpError(err, "check-file", f.path, "")
		}
		if rep.typ != fxpExtendedReply {
			return rawStatus(rep, "check-file", f.path, "")
		}
		_, rest, ok := fxParseStr(rep.data)
		if !ok {
			return newError(KindProtocol, nil, "sftp check-file: a malformed reply")
		}
		out = hex.EncodeToString(rest)
		return nil
	})
	return out, err
}

// Close flushes, then closes the remote handle, waiting without limit (see
// CloseTimeout).
func (f *File) Close() error { return f.CloseTimeout(-1) }

// CloseTimeout flushes, then closes the remote handle. It returns the first
// failure of a pipelined write or of the close. A second close returns nil.
// It waits at most timeout (the one rule: negative without limit, 0 not at
// all) for the server's answers; when that passes the file is closed all
// the same (the remote handle's close goes on in the background) and the
// error is KindTimeout: the data written may not all have arrived, so a
// close that timed out is never a success.
func (f *File) CloseTimeout(timeout time.Duration) error {
	deadline, stop := sftpTimer(timeout)
	defer stop()
	select {
	case f.sem <- struct{}{}:
	case <-f.s.closing:
		return f.s.closedErr()
	case <-f.s.dead:
		return f.s.closedErr()
	case <-deadline:
		return newError(KindTimeout, nil, "sftp: timed out waiting for another call on the file").with("stage", "wait")
	}
	defer f.unlock()
	if f.closed {
		return nil
	}
	f.closed = true
	if e := f.s.closedErr(); e != nil {
		f.dropAhead()
		return e
	}
	ferr := f.flushLocked(deadline)
	f.dropAhead()
	if f.more != nil {
		go func(more chan []*sftp.File, readers []*sftp.File) {
			for _, r := range append(readers, <-more...) {
				r.Close()
			}
		}(f.more, f.readers[1:])
	} else {
		for _, r := range f.readers[1:] {
			go r.Close()
		}
	}
	cerr := f.s.run(deadline, "close", func() error { return f.s.sftpError(f.f.Close(), "close", f.path, "") })
	cerr = f.s.noSpace(cerr, "close", f.path, 0, deadline)
	if ferr != nil {
		return ferr
	}
	return cerr
}
