package core

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"time"
)

// Directory trees: get_dir and put_dir mirror a tree (files, directories,
// symlinks as links), with one progress over the whole tree's bytes.

// treeItem is one entry of a tree, by its path relative to the root.
type treeItem struct {
	rel    string
	kind   byte // 'd' directory, 'f' file, 'l' symlink
	size   uint64
	target string // a symlink's target
}

// runAbandon is run for calls that take an abandon channel: it is closed
// when the caller stops waiting.
func (s *SFTP) runAbandon(deadline <-chan struct{}, what string, f func(abandon <-chan struct{}) error) error {
	abandon := make(chan struct{})
	defer close(abandon)
	return s.run(deadline, what, func() error { return f(abandon) })
}

// remoteTree lists the tree under root (root itself first).
func (s *SFTP) remoteTree(root string, abandon <-chan struct{}) ([]treeItem, error) {
	a, err := s.statRaw(17, "stat", root, abandon)
	if err != nil {
		return nil, err
	}
	if !a.IsDir() {
		return nil, sftpStatus(fxFailure, "not a directory", "get_dir", root, "").withErrno("ENOTDIR")
	}
	items := []treeItem{{rel: ".", kind: 'd'}}
	var walk func(rel string) error
	walk = func(rel string) error {
		entries, err := s.listDir(path.Join(root, rel), abandon)
		if err != nil {
			return err
		}
		for _, e := range entries {
			r := path.Join(rel, e.Name)
			switch {
			case e.Attrs.IsDir():
				items = append(items, treeItem{rel: r, kind: 'd'})
				if err := walk(r); err != nil {
					return err
				}
			case e.Attrs.IsLink():
				t, err := s.main.ReadLink(path.Join(root, r))
				if err != nil {
					return s.sftpError(err, "readlink", path.Join(root, r), "")
				}
				items = append(items, treeItem{rel: r, kind: 'l', target: t})
			case e.Attrs.IsRegular():
				items = append(items, treeItem{rel: r, kind: 'f', size: e.Attrs.Size})
			}
		}
		return nil
	}
	return items, walk(".")
}

// GetDir copies the remote tree under remote to local.
func (s *SFTP) GetDir(remote, local string, flags int, progress Progress, timeout time.Duration) error {
	if timeout == 0 {
		return newError(KindTimeout, nil, "sftp get_dir: timeout 0 cannot wait for the server's answer").with("stage", "wait")
	}
	deadline, stop := sftpTimer(timeout)
	defer stop()
	var items []treeItem
	err := s.runAbandon(deadline, "get_dir", func(abandon <-chan struct{}) error {
		var err error
		items, err = s.remoteTree(remote, abandon)
		return err
	})
	if err != nil {
		return err
	}
	t := &treeProgress{progress: progress}
	for _, it := range items {
		t.total += it.size
	}
	if progress != nil && !progress(0, t.total) {
		return cancelled("get_dir")
	}
	for _, it := range items {
		lp := filepath.Join(local, filepath.FromSlash(it.rel))
		switch it.kind {
		case 'd':
			if err := os.MkdirAll(lp, 0o777); err != nil {
				return localError(err, "make directory", lp)
			}
		case 'l':
			os.Remove(lp)
			if err := os.Symlink(it.target, lp); err != nil {
				return localError(err, "make symlink", lp)
			}
		case 'f':
			if _, err := s.get(path.Join(remote, it.rel), lp, flags, progress, deadline, t); err != nil {
				return err
			}
			t.base += it.size
		}
	}
	if progress != nil && !progress(t.total, t.total) {
		return cancelled("get_dir")
	}
	return nil
}

// PutDir copies the local tree under local to remote.
func (s *SFTP) PutDir(local, remote string, flags int, progress Progress, timeout time.Duration) error {
	if timeout == 0 {
		return newError(KindTimeout, nil, "sftp put_dir: timeout 0 cannot wait for the server's answer").with("stage", "wait")
	}
	deadline, stop := sftpTimer(timeout)
	defer stop()
	var items []treeItem
	err := filepath.WalkDir(local, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return localError(err, "read", p)
		}
		rel, _ := filepath.Rel(local, p)
		it := treeItem{rel: filepath.ToSlash(rel)}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			t, err := os.Readlink(p)
			if err != nil {
				return localError(err, "read symlink", p)
			}
			it.kind, it.target = 'l', t
		case d.IsDir():
			it.kind = 'd'
		case d.Type().IsRegular():
			fi, err := d.Info()
			if err != nil {
				return localError(err, "stat", p)
			}
			it.kind, it.size = 'f', uint64(fi.Size())
		default:
			return nil
		}
		items = append(items, it)
		return nil
	})
	if err != nil {
		return err
	}
	if len(items) == 0 || items[0].kind != 'd' {
		e := newError(KindIO, nil, "cannot put_dir %s: not a directory", ShowPath(local))
		return e.with("path", local).with("errno_name", "ENOTDIR")
	}
	t := &treeProgress{progress: progress}
	for _, it := range items {
		t.total += it.size
	}
	if progress != nil && !progress(0, t.total) {
		return cancelled("put_dir")
	}
	for _, it := range items {
		rp := path.Join(remote, it.rel)
		lp := filepath.Join(local, filepath.FromSlash(it.rel))
		switch it.kind {
		case 'd':
			if err := s.runAbandon(deadline, "put_dir", func(abandon <-chan struct{}) error {
				return s.makedirs(rp, 0o777, abandon)
			}); err != nil {
				return err
			}
		case 'l':
			if err := s.runAbandon(deadline, "put_dir", func(abandon <-chan struct{}) error {
				if a, err := s.lstatRaw(rp, abandon); err == nil && a.IsLink() {
					_ = s.rawCallStatus(13, fxStr(nil, rp), "remove", rp, abandon)
				}
				return s.rawCallStatus(20, fxStr(fxStr(nil, it.target), rp), "symlink", rp, abandon)
			}); err != nil {
				return err
			}
		case 'f':
			if _, err := s.put(lp, rp, flags, progress, deadline, t); err != nil {
				return err
			}
			t.base += it.size
		}
	}
	if progress != nil && !progress(t.total, t.total) {
		return cancelled("put_dir")
	}
	return nil
}
