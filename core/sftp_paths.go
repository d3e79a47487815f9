package core

import (
	"os"
	"path"
	"time"

	"github.com/pkg/sftp"
)

// Attrs are a file's attributes (paramiko's SFTPAttributes); Flags says
// which fields are set (SSH_FILEXFER_ATTR_* bits: size 1, uid/gid 2,
// permissions 4, atime/mtime 8). Mode holds the type bits as well as the
// permissions, as stat(2).
type Attrs struct {
	Flags        uint32
	Mode         uint32
	Size         uint64
	UID, GID     uint32
	Atime, Mtime int64
}

// AttrSize etc. are the bits of Attrs.Flags.
const (
	AttrSize        = attrSize
	AttrUIDGID      = attrUIDGID
	AttrPermissions = attrPermissions
	AttrACModTime   = attrACModTime
)

// IsDir reports whether the attributes are a directory's.
func (a Attrs) IsDir() bool { return a.Flags&attrPermissions != 0 && a.Mode&0o170000 == 0o040000 }

// IsLink reports whether the attributes are a symbolic link's.
func (a Attrs) IsLink() bool { return a.Flags&attrPermissions != 0 && a.Mode&0o170000 == 0o120000 }

// IsRegular reports whether the attributes are a regular file's.
func (a Attrs) IsRegular() bool { return a.Flags&attrPermissions != 0 && a.Mode&0o170000 == 0o100000 }

// attrsOf converts pkg/sftp's FileInfo (whose FileStat does not keep the
// flags: it is taken to hold all four, as OpenSSH always sends them).
func attrsOf(fi os.FileInfo) Attrs {
	if st, ok := fi.Sys().(*sftp.FileStat); ok {
		return Attrs{Flags: attrSize | attrUIDGID | attrPermissions | attrACModTime, Mode: st.Mode,
			Size: st.Size, UID: st.UID, GID: st.GID, Atime: int64(st.Atime), Mtime: int64(st.Mtime)}
	}
	return Attrs{Flags: attrSize | attrACModTime, Size: uint64(fi.Size()), Mtime: fi.ModTime().Unix(), Atime: fi.ModTime().Unix()}
}

// marshalAttrs encodes the fields a.Flags names (permissions: only the
// permission bits of Mode).
func marshalAttrs(b []byte, a Attrs) []byte {
	flags := a.Flags & (attrSize | attrUIDGID | attrPermissions | attrACModTime)
	b = fxU32(b, flags)
	if flags&attrSize != 0 {
		b = fxU64(b, a.Size)
	}
	if flags&attrUIDGID != 0 {
		b = fxU32(b, a.UID)
		b = fxU32(b, a.GID)
	}
	if flags&attrPermissions != 0 {
		b = fxU32(b, a.Mode&0o7777)
	}
	if flags&attrACModTime != 0 {
		b = fxU32(b, uint32(a.Atime))
		b = fxU32(b, uint32(a.Mtime))
	}
	return b
}

// rawStatusCall sends a request whose answer is a status.
func (s *SFTP) rawStatusCall(timeout time.Duration, op string, typ byte, payload []byte, p1, p2 string) error {
	return s.do(timeout, op, func(abandon <-chan struct{}) error {
		rep, err := s.raw.call(typ, payload, abandon)
		if err != nil {
			return s.sftpError(err, op, p1, p2)
		}
		return rawStatus(rep, op, p1, p2)
	})
}

// Stat returns a path's attributes, following symlinks.
func (s *SFTP) Stat(p string, timeout time.Duration) (Attrs, error) {
	var a Attrs
	err := s.do(timeout, "stat", func(<-chan struct{}) error {
		fi, err := s.main.Stat(p)
		if err != nil {
			return s.sftpError(err, "stat", p, "")
		}
		a = attrsOf(fi)
		return nil
	})
	return a, err
}

// Lstat returns a path's attributes; of a symlink itself.
func (s *SFTP) Lstat(p string, timeout time.Duration) (Attrs, error) {
	var a Attrs
	err := s.do(timeout, "lstat", func(<-chan struct{}) error {
		fi, err := s.main.Lstat(p)
		if err != nil {
			return s.sftpError(err, "lstat", p, "")
		}
		a = attrsOf(fi)
		return nil
	})
	return a, err
}

// Setstat changes the attributes a.Flags names, in one SETSTAT request.
func (s *SFTP) Setstat(p string, a Attrs, timeout time.Duration) error {
	return s.rawStatusCall(timeout, "setstat", 9, marshalAttrs(fxStr(nil, p), a), p, "")
}

// Mkdir makes a directory with permission bits mode.
func (s *SFTP) Mkdir(p string, mode uint32, timeout time.Duration) error {
	return s.rawStatusCall(timeout, "mkdir", 14, marshalAttrs(fxStr(nil, p), Attrs{Flags: attrPermissions, Mode: mode}), p, "")
}

// Makedirs makes p and its missing parents; an existing directory is no
// error, an existing non-directory is KindSFTP ENOTDIR (on the way) or
// EEXIST (p itself).
func (s *SFTP) Makedirs(p string, mode uint32, timeout time.Duration) error {
	return s.do(timeout, "makedirs", func(abandon <-chan struct{}) error {
		return s.makedirs(p, mode, abandon)
	})
}

func (s *SFTP) makedirs(p string, mode uint32, abandon <-chan struct{}) error {
	fi, err := s.main.Stat(p)
	if err == nil {
		if !fi.IsDir() {
			return sftpStatus(fxFailure, "exists and is not a directory", "makedirs", p, "").withErrno("EEXIST")
		}
		return nil
	}
	if e := s.sftpError(err, "makedirs", p, ""); KindOf(e) != KindSFTP || AsError(e).Detail("errno_name") != "ENOENT" {
		return e
	}
	if parent := path.Dir(p); parent != p && parent != "." && parent != "/" {
		if err := s.makedirs(parent, mode, abandon); err != nil {
			if AsError(err).Detail("errno_name") == "EEXIST" {
				return sftpStatus(fxFailure, "a parent is not a directory", "makedirs", p, "").withErrno("ENOTDIR")
			}
			return err
		}
	}
	rep, err := s.raw.call(14, marshalAttrs(fxStr(nil, p), Attrs{Flags: attrPermissions, Mode: mode}), abandon)
	if err != nil {
		return s.sftpError(err, "mkdir", p, "")
	}
	if err := rawStatus(rep, "mkdir", p, ""); err != nil {
		// Made meanwhile by someone else?
		if fi, e := s.main.Stat(p); e == nil && fi.IsDir() {
			return nil
		}
		return err
	}
	return nil
}

// Rmdir removes an empty directory.
func (s *SFTP) Rmdir(p string, timeout time.Duration) error {
	return s.rawStatusCall(timeout, "rmdir", 15, fxStr(nil, p), p, "")
}

// Remove removes a file or symlink (never a directory).
func (s *SFTP) Remove(p string, timeout time.Duration) error {
	return s.rawStatusCall(timeout, "remove", 13, fxStr(nil, p), p, "")
}

// Rename renames oldpath to newpath: SFTP v3 rename, or with posix
// posix-rename@openssh.com, which replaces newpath.
func (s *SFTP) Rename(oldpath, newpath string, posix bool, timeout time.Duration) error {
	if posix {
		if !s.raw.has("posix-rename@openssh.com") {
			return sftpStatus(fxOpUnsupported, "the server lacks posix-rename@openssh.com", "posix-rename", oldpath, newpath)
		}
		return s.do(timeout, "posix-rename", func(abandon <-chan struct{}) error {
			rep, err := s.raw.extended("posix-rename@openssh.com", fxStr(fxStr(nil, oldpath), newpath), abandon)
			if err != nil {
				return s.sftpError(err, "posix-rename", oldpath, newpath)
			}
			return rawStatus(rep, "posix-rename", oldpath, newpath)
		})
	}
	return s.rawStatusCall(timeout, "rename", 18, fxStr(fxStr(nil, oldpath), newpath), oldpath, newpath)
}

// Symlink makes linkpath a symlink to target (OpenSSH's argument order:
// target first).
func (s *SFTP) Symlink(target, linkpath string, timeout time.Duration) error {
	return s.rawStatusCall(timeout, "symlink", 20, fxStr(fxStr(nil, target), linkpath), linkpath, target)
}

// Hardlink makes newpath a hard link to oldpath (hardlink@openssh.com).
func (s *SFTP) Hardlink(oldpath, newpath string, timeout time.Duration) error {
	if !s.raw.has("hardlink@openssh.com") {
		return sftpStatus(fxOpUnsupported, "the server lacks hardlink@openssh.com", "hardlink", oldpath, newpath)
	}
	return s.do(timeout, "hardlink", func(abandon <-chan struct{}) error {
		rep, err := s.raw.extended("hardlink@openssh.com", fxStr(fxStr(nil, oldpath), newpath), abandon)
		if err != nil {
			return s.sftpError(err, "hardlink", oldpath, newpath)
		}
		return rawStatus(rep, "hardlink", oldpath, newpath)
	})
}

// Readlink returns a symlink's target.
func (s *SFTP) Readlink(p string, timeout time.Duration) (string, error) {
	var out string
	err := s.do(timeout, "readlink", func(<-chan struct{}) error {
		t, err := s.main.ReadLink(p)
		out = t
		return s.sftpError(err, "readlink", p, "")
	})
	return out, err
}

// Realpath returns the server's canonical absolute path of p.
func (s *SFTP) Realpath(p string, timeout time.Duration) (string, error) {
	var out string
	err := s.do(timeout, "realpath", func(<-chan struct{}) error {
		t, err := s.main.RealPath(p)
		out = t
		return s.sftpError(err, "realpath", p, "")
	})
	return out, err
}

// StatVFS holds statvfs@openssh.com's answer, as statvfs(3).
type StatVFS struct {
	Bsize, Frsize, Blocks, Bfree, Bavail, Files, Ffree, Favail, Fsid, Flag, Namemax uint64
}

// Statvfs asks statvfs@openssh.com about the file system holding p.
func (s *SFTP) Statvfs(p string, timeout time.Duration) (StatVFS, error) {
	var out StatVFS
	if !s.raw.has("statvfs@openssh.com") {
		return out, sftpStatus(fxOpUnsupported, "the server lacks statvfs@openssh.com", "statvfs", p, "")
	}
	err := s.do(timeout, "statvfs", func(<-chan struct{}) error {
		v, err := s.main.StatVFS(p)
		if err != nil {
			return s.sftpError(err, "statvfs", p, "")
		}
		out = StatVFS{v.Bsize, v.Frsize, v.Blocks, v.Bfree, v.Bavail, v.Files, v.Ffree, v.Favail, v.Fsid, v.Flag, v.Namemax}
		return nil
	})
	return out, err
}

// Copy copies src to dst on the server (copy-data): dst is made with src's
// permission bits, or truncated.
func (s *SFTP) Copy(src, dst string, timeout time.Duration) error {
	if !s.raw.has("copy-data") {
		return sftpStatus(fxOpUnsupported, "the server lacks copy-data", "copy", src, dst)
	}
	return s.do(timeout, "copy", func(abandon <-chan struct{}) error {
		fi, err := s.main.Stat(src)
		if err != nil {
			return s.sftpError(err, "copy", src, dst)
		}
		if fi.IsDir() {
			return sftpStatus(fxFailure, "is a directory", "copy", src, dst).withErrno("EISDIR")
		}
		rh, err := s.raw.openHandle(src, 0x01, -1, abandon)
		if err != nil {
			return s.sftpError(err, "copy", src, dst)
		}
		defer s.raw.closeHandle(rh, abandon)
		wh, err := s.raw.openHandle(dst, 0x02|0x08|0x10, int64(attrsOf(fi).Mode&0o7777), abandon)
		if err != nil {
			return s.sftpError(err, "copy", dst, src)
		}
		p := fxStr(nil, rh)
		p = fxU64(p, 0)
		p = fxU64(p, 0) // 0: to the end
		p = fxStr(p, wh)
		p = fxU64(p, 0)
		rep, err := s.raw.extended("copy-data", p, abandon)
		cerr := s.raw.closeHandle(wh, abandon)
		if err != nil {
			return s.sftpError(err, "copy", src, dst)
		}
		if err := rawStatus(rep, "copy", src, dst); err != nil {
			return err
		}
		if cerr != nil {
			return s.sftpError(cerr, "copy", src, dst)
		}
		return nil
	})
}
