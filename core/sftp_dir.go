package core

import (
	"path"
	"sort"
	"strings"
	"sync"
	"time"
)

// DirEntry is one directory entry: its name (no directory part; for glob,
// the whole matching path), the server's "ls -l" line and its attributes.
type DirEntry struct {
	Name, Longname string
	Attrs          Attrs
}

// Dir is an open remote directory, read in batches (or the result of a
// glob, already complete).
type Dir struct {
	s      *SFTP
	path   string
	handle string

	mu       sync.Mutex
	buf      []DirEntry
	eof      bool
	closed   bool
	inflight chan dirBatch // a READDIR whose caller timed out: the next Read takes its answer
}

type dirBatch struct {
	entries []DirEntry
	eof     bool
	err     error
}

// OpenDir opens a directory for reading.
func (s *SFTP) OpenDir(p string, timeout time.Duration) (*Dir, error) {
	d := &Dir{s: s, path: p}
	err := s.do(timeout, "opendir", func(abandon <-chan struct{}) error {
		rep, err := s.raw.call(fxpOpendir, fxStr(nil, p), abandon)
		if err != nil {
			return s.sftpError(err, "opendir", p, "")
		}
		h, err := handleReply(rep, "opendir", p)
		if err != nil {
			return err
		}
		if isClosed(abandon) { // the caller gave up: do not leak the handle
			go s.raw.closeHandle(h, s.closing)
			return nil
		}
		d.handle = h
		return nil
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// readdir sends one READDIR and parses the batch ("." and ".." left out).
func (s *SFTP) readdir(p, h string, abandon <-chan struct{}) dirBatch {
	rep, err := s.raw.call(fxpReaddir, fxStr(nil, h), abandon)
	if err != nil {
		return dirBatch{err: s.sftpError(err, "readdir", p, "")}
	}
	if rep.typ == fxpStatus {
		if code, _, ok := fxParseU32(rep.data); ok && code == fxEOF {
			return dirBatch{eof: true}
		}
		return dirBatch{err: rawStatus(rep, "readdir", p, "")}
	}
	if rep.typ != fxpName {
		return dirBatch{err: newError(KindProtocol, nil, "sftp readdir: unexpected reply of type %d", rep.typ)}
	}
	n, b, ok := fxParseU32(rep.data)
	var out []DirEntry
	for i := uint32(0); ok && i < n; i++ {
		var e DirEntry
		if e.Name, b, ok = fxParseStr(b); !ok {
			break
		}
		if e.Longname, b, ok = fxParseStr(b); !ok {
			break
		}
		if e.Attrs, b, ok = parseAttrs(b); !ok {
			break
		}
		if e.Name != "." && e.Name != ".." {
			out = append(out, e)
		}
	}
	if !ok {
		return dirBatch{err: newError(KindProtocol, nil, "sftp readdir: a malformed name reply")}
	}
	return dirBatch{entries: out}
}

// Read returns up to max entries (max < 1: all of the next batch); an
// empty result with nil error is the end. It waits at most timeout for the
// server; a batch that arrives after a timeout is kept for the next Read.
func (d *Dir) Read(max int, timeout time.Duration) ([]DirEntry, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for {
		if d.closed {
			return nil, newError(KindClosed, nil, "the directory is closed")
		}
		if len(d.buf) > 0 {
			n := len(d.buf)
			if max > 0 && max < n {
				n = max
			}
			out := d.buf[:n:n]
			d.buf = d.buf[n:]
			return out, nil
		}
		if d.eof {
			return nil, nil
		}
		if e := d.s.closedErr(); e != nil {
			return nil, e
		}
		if d.inflight == nil {
			if timeout == 0 {
				return nil, newError(KindTimeout, nil, "sftp readdir: timeout 0 cannot wait for the server's answer").with("stage", "read")
			}
			c := make(chan dirBatch, 1)
			d.inflight = c
			s, p, h := d.s, d.path, d.handle
			goSafe(s.log, "an SFTP readdir", func() { c <- s.readdir(p, h, s.closing) }, func(e *Error) { c <- dirBatch{err: e} })
		}
		deadline, stop := sftpTimer(timeout)
		var b dirBatch
		select {
		case b = <-d.inflight:
		case <-deadline:
			stop()
			return nil, newError(KindTimeout, nil, "sftp readdir: timed out after %v", timeout).with("stage", "read")
		case <-d.s.closing:
		case <-d.s.dead:
		}
		stop()
		if b.err == nil && !b.eof && b.entries == nil {
			if e := d.s.closedErr(); e != nil {
				return nil, e
			}
		}
		d.inflight = nil
		if b.err != nil {
			return nil, b.err
		}
		d.buf, d.eof = b.entries, b.eof
	}
}

// Close closes the directory (on the server too). A second Close is a no-op.
func (d *Dir) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	h := d.handle
	d.mu.Unlock()
	if h == "" || d.s.closedErr() != nil {
		return nil
	}
	rep, err := d.s.raw.call(fxpClose, fxStr(nil, h), d.s.closing)
	if err != nil {
		return d.s.sftpError(err, "closedir", d.path, "")
	}
	return rawStatus(rep, "closedir", d.path, "")
}

// listDir reads a whole directory.
func (s *SFTP) listDir(p string, abandon <-chan struct{}) ([]DirEntry, error) {
	rep, err := s.raw.call(fxpOpendir, fxStr(nil, p), abandon)
	if err != nil {
		return nil, s.sftpError(err, "opendir", p, "")
	}
	h, err := handleReply(rep, "opendir", p)
	if err != nil {
		return nil, err
	}
	defer s.raw.closeHandle(h, abandon)
	var out []DirEntry
	for {
		b := s.readdir(p, h, abandon)
		if b.err != nil {
			return nil, b.err
		}
		if b.eof {
			return out, nil
		}
		out = append(out, b.entries...)
	}
}

// Rmtree removes p and everything below it, never following a symlink.
func (s *SFTP) Rmtree(p string, timeout time.Duration) error {
	return s.do(timeout, "rmtree", func(abandon <-chan struct{}) error {
		a, err := s.lstatRaw(p, abandon)
		if err != nil {
			return err
		}
		return s.rmtree(p, a, abandon)
	})
}

func (s *SFTP) rmtree(p string, a Attrs, abandon <-chan struct{}) error {
	if !a.IsDir() {
		return s.rawCallStatus(13, fxStr(nil, p), "remove", p, abandon)
	}
	entries, err := s.listDir(p, abandon)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if isClosed(abandon) {
			return newError(KindTimeout, nil, "sftp rmtree: abandoned")
		}
		if err := s.rmtree(path.Join(p, e.Name), e.Attrs, abandon); err != nil {
			return err
		}
	}
	return s.rawCallStatus(15, fxStr(nil, p), "rmdir", p, abandon)
}

// rawCallStatus sends a request answered by a status, within a do.
func (s *SFTP) rawCallStatus(typ byte, payload []byte, op, p string, abandon <-chan struct{}) error {
	rep, err := s.raw.call(typ, payload, abandon)
	if err != nil {
		return s.sftpError(err, op, p, "")
	}
	return rawStatus(rep, op, p, "")
}

// lstatRaw is LSTAT (7) on the raw channel, within a do.
func (s *SFTP) lstatRaw(p string, abandon <-chan struct{}) (Attrs, error) {
	return s.statRaw(7, "lstat", p, abandon)
}

func (s *SFTP) statRaw(typ byte, op, p string, abandon <-chan struct{}) (Attrs, error) {
	rep, err := s.raw.call(typ, fxStr(nil, p), abandon)
	if err != nil {
		return Attrs{}, s.sftpError(err, op, p, "")
	}
	if rep.typ != fxpAttrs {
		return Attrs{}, rawStatus(rep, op, p, "")
	}
	a, _, ok := parseAttrs(rep.data)
	if !ok {
		return Attrs{}, newError(KindProtocol, nil, "sftp %s: malformed attributes", op)
	}
	return a, nil
}

// hasMeta reports whether a pattern component holds a wildcard.
func hasMeta(s string) bool { return strings.ContainsAny(s, `*?[\`) }

// Glob returns the paths that match pattern, sorted, as a complete Dir
// whose entries carry the whole path as their name.
func (s *SFTP) Glob(pattern string, timeout time.Duration) (*Dir, error) {
	if _, err := path.Match(pattern, ""); err != nil {
		return nil, InvalidArgument("bad glob pattern: %v", err)
	}
	var matches []DirEntry
	err := s.do(timeout, "glob", func(abandon <-chan struct{}) error {
		var err error
		matches, err = s.glob(pattern, abandon)
		return err
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(matches, func(i, j int) bool { return matches[i].Name < matches[j].Name })
	return &Dir{s: s, path: pattern, buf: matches, eof: true}, nil
}

func (s *SFTP) glob(pattern string, abandon <-chan struct{}) ([]DirEntry, error) {
	var comps []string
	for _, c := range strings.Split(pattern, "/") {
		if c != "" {
			comps = append(comps, c)
		}
	}
	root := ""
	if strings.HasPrefix(pattern, "/") {
		root = "/"
	}
	join := func(dir, name string) string {
		if dir == "" {
			return name
		}
		if dir == "/" {
			return "/" + name
		}
		return dir + "/" + name
	}
	type cand struct {
		p     string
		attrs Attrs
		known bool
	}
	cur := []cand{{p: root}}
	for i, c := range comps {
		last := i == len(comps)-1
		var next []cand
		for _, d := range cur {
			if !hasMeta(c) {
				next = append(next, cand{p: join(d.p, c)})
				continue
			}
			dir := d.p
			if dir == "" {
				dir = "."
			}
			entries, err := s.listDir(dir, abandon)
			if err != nil {
				if k := KindOf(err); k == KindSFTP {
					continue // not a directory, or unreadable: no matches there
				}
				return nil, err
			}
			for _, e := range entries {
				if strings.HasPrefix(e.Name, ".") && !strings.HasPrefix(c, ".") {
					continue
				}
				if ok, _ := path.Match(c, e.Name); !ok {
					continue
				}
				np := cand{p: join(d.p, e.Name), attrs: e.Attrs, known: true}
				if !last && !e.Attrs.IsDir() {
					if !e.Attrs.IsLink() {
						continue
					}
					a, err := s.statRaw(17, "stat", np.p, abandon)
					if err != nil || !a.IsDir() {
						continue
					}
				}
				next = append(next, np)
			}
		}
		cur = next
	}
	var out []DirEntry
	for _, c := range cur {
		if c.p == "" || c.p == "/" && len(comps) > 0 {
			continue
		}
		if !c.known {
			a, err := s.lstatRaw(c.p, abandon)
			if err != nil {
				if KindOf(err) == KindSFTP {
					continue
				}
				return nil, err
			}
			c.attrs = a
		}
		out = append(out, DirEntry{Name: c.p, Attrs: c.attrs})
	}
	return out, nil
}
