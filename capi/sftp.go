package main

/*
#include <stdint.h>
#include <stdlib.h>
#include "sftp_types.h"
*/
import "C"

import (
	"time"

	"github.com/gossh/gossh/core"
)

// The SFTP session and its path operations (include/gossh.h, "SFTP").

func getSFTP(h C.uintptr_t) (*core.SFTP, error) { return get[*core.SFTP](h, kindSFTP) }

// sftpCall calls f with the session behind h and the converted timeout.
func sftpCall(h C.uintptr_t, timeoutMs C.int, errOut *C.uintptr_t, f func(*core.SFTP, time.Duration) error) C.int {
	s, err := getSFTP(h)
	if err != nil {
		return finish(err, errOut)
	}
	timeout, err := timeoutArg(timeoutMs)
	if err != nil {
		return finish(err, errOut)
	}
	return finish(f(s, timeout), errOut)
}

// paths copies C path arguments, each required: NULL is GOSSH_E_INVALID
// naming it.
func paths(names []string, ps ...*C.char) ([]string, error) {
	out := make([]string, len(ps))
	for i, p := range ps {
		if p == nil {
			return nil, core.InvalidArgument("%s is NULL", names[i])
		}
		out[i] = C.GoString(p)
	}
	return out, nil
}

// attrsToC fills a gossh_sftp_attrs.
func attrsToC(a core.Attrs, out *C.gossh_sftp_attrs) {
	out.flags, out.mode, out.size = C.uint32_t(a.Flags), C.uint32_t(a.Mode), C.uint64_t(a.Size)
	out.uid, out.gid = C.uint32_t(a.UID), C.uint32_t(a.GID)
	out.atime, out.mtime = C.int64_t(a.Atime), C.int64_t(a.Mtime)
}

// attrsFromC reads a gossh_sftp_attrs.
func attrsFromC(in *C.gossh_sftp_attrs) core.Attrs {
	return core.Attrs{Flags: uint32(in.flags), Mode: uint32(in.mode), Size: uint64(in.size),
		UID: uint32(in.uid), GID: uint32(in.gid), Atime: int64(in.atime), Mtime: int64(in.mtime)}
}

//export gossh_client_open_sftp
func gossh_client_open_sftp(h C.uintptr_t, timeoutMs C.int, out *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if out == nil {
		return finish(core.InvalidArgument("out is NULL"), errOut)
	}
	*out = 0
	timeout, err := timeoutArg(timeoutMs)
	if err != nil {
		return finish(err, errOut)
	}
	return clientCall(h, errOut, func(c *core.Client) error {
		s, err := c.OpenSFTP(timeout)
		if err == nil {
			*out = putHandle(kindSFTP, s)
		}
		return err
	})
}

//export gossh_sftp_set
func gossh_sftp_set(h C.uintptr_t, name, value *C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	p, err := paths([]string{"name", "value"}, name, value)
	if err != nil {
		return finish(err, errOut)
	}
	return with(h, kindSFTP, errOut, func(s *core.SFTP) error { return s.Set(p[0], p[1]) })
}

//export gossh_sftp_info
func gossh_sftp_info(h C.uintptr_t, name *C.char, out **C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if name == nil || out == nil {
		return finish(core.InvalidArgument("name and out must not be NULL"), errOut)
	}
	*out = nil
	n := C.GoString(name)
	return with(h, kindSFTP, errOut, func(s *core.SFTP) error {
		v, err := s.Info(n)
		if err == nil {
			*out = C.CString(v)
		}
		return err
	})
}

//export gossh_sftp_close
func gossh_sftp_close(h C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return with(h, kindSFTP, errOut, (*core.SFTP).Close)
}

//export gossh_sftp_free
func gossh_sftp_free(h C.uintptr_t) {
	defer guardVoid()
	if o := dropHandle(h, kindSFTP); o != nil {
		o.(*core.SFTP).Close()
	}
}

// statCall serves stat and lstat.
func statCall(h C.uintptr_t, path *C.char, timeoutMs C.int, out *C.gossh_sftp_attrs, errOut *C.uintptr_t,
	f func(*core.SFTP, string, time.Duration) (core.Attrs, error)) C.int {
	if path == nil || out == nil {
		return finish(core.InvalidArgument("path and out must not be NULL"), errOut)
	}
	*out = C.gossh_sftp_attrs{}
	p := C.GoString(path)
	return sftpCall(h, timeoutMs, errOut, func(s *core.SFTP, timeout time.Duration) error {
		a, err := f(s, p, timeout)
		if err == nil {
			attrsToC(a, out)
		}
		return err
	})
}

//export gossh_sftp_stat
func gossh_sftp_stat(h C.uintptr_t, path *C.char, timeoutMs C.int, out *C.gossh_sftp_attrs, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return statCall(h, path, timeoutMs, out, errOut, (*core.SFTP).Stat)
}

//export gossh_sftp_lstat
func gossh_sftp_lstat(h C.uintptr_t, path *C.char, timeoutMs C.int, out *C.gossh_sftp_attrs, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return statCall(h, path, timeoutMs, out, errOut, (*core.SFTP).Lstat)
}

//export gossh_sftp_setstat
func gossh_sftp_setstat(h C.uintptr_t, path *C.char, attrs *C.gossh_sftp_attrs, timeoutMs C.int, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if path == nil || attrs == nil {
		return finish(core.InvalidArgument("path and attrs must not be NULL"), errOut)
	}
	p, a := C.GoString(path), attrsFromC(attrs)
	return sftpCall(h, timeoutMs, errOut, func(s *core.SFTP, timeout time.Duration) error { return s.Setstat(p, a, timeout) })
}

// pathCall serves the calls of one path.
func pathCall(h C.uintptr_t, path *C.char, timeoutMs C.int, errOut *C.uintptr_t, f func(*core.SFTP, string, time.Duration) error) C.int {
	if path == nil {
		return finish(core.InvalidArgument("path is NULL"), errOut)
	}
	p := C.GoString(path)
	return sftpCall(h, timeoutMs, errOut, func(s *core.SFTP, timeout time.Duration) error { return f(s, p, timeout) })
}

// twoPathCall serves the calls of two paths.
func twoPathCall(h C.uintptr_t, a, b *C.char, names [2]string, timeoutMs C.int, errOut *C.uintptr_t, f func(*core.SFTP, string, string, time.Duration) error) C.int {
	p, err := paths(names[:], a, b)
	if err != nil {
		return finish(err, errOut)
	}
	return sftpCall(h, timeoutMs, errOut, func(s *core.SFTP, timeout time.Duration) error { return f(s, p[0], p[1], timeout) })
}

//export gossh_sftp_mkdir
func gossh_sftp_mkdir(h C.uintptr_t, path *C.char, mode C.uint32_t, timeoutMs C.int, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return pathCall(h, path, timeoutMs, errOut, func(s *core.SFTP, p string, t time.Duration) error { return s.Mkdir(p, uint32(mode), t) })
}

//export gossh_sftp_makedirs
func gossh_sftp_makedirs(h C.uintptr_t, path *C.char, mode C.uint32_t, timeoutMs C.int, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return pathCall(h, path, timeoutMs, errOut, func(s *core.SFTP, p string, t time.Duration) error { return s.Makedirs(p, uint32(mode), t) })
}

//export gossh_sftp_rmdir
func gossh_sftp_rmdir(h C.uintptr_t, path *C.char, timeoutMs C.int, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return pathCall(h, path, timeoutMs, errOut, (*core.SFTP).Rmdir)
}

//export gossh_sftp_remove
func gossh_sftp_remove(h C.uintptr_t, path *C.char, timeoutMs C.int, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return pathCall(h, path, timeoutMs, errOut, (*core.SFTP).Remove)
}

//export gossh_sftp_rmtree
func gossh_sftp_rmtree(h C.uintptr_t, path *C.char, timeoutMs C.int, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return pathCall(h, path, timeoutMs, errOut, (*core.SFTP).Rmtree)
}

//export gossh_sftp_rename
func gossh_sftp_rename(h C.uintptr_t, oldpath, newpath *C.char, flags C.int, timeoutMs C.int, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if flags&^1 != 0 {
		return finish(core.InvalidArgument("unknown rename flags %d", int(flags)), errOut)
	}
	posix := flags&1 != 0
	return twoPathCall(h, oldpath, newpath, [2]string{"oldpath", "newpath"}, timeoutMs, errOut,
		func(s *core.SFTP, a, b string, t time.Duration) error { return s.Rename(a, b, posix, t) })
}

//export gossh_sftp_symlink
func gossh_sftp_symlink(h C.uintptr_t, target, linkpath *C.char, timeoutMs C.int, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return twoPathCall(h, target, linkpath, [2]string{"target", "linkpath"}, timeoutMs, errOut, (*core.SFTP).Symlink)
}

//export gossh_sftp_hardlink
func gossh_sftp_hardlink(h C.uintptr_t, oldpath, newpath *C.char, timeoutMs C.int, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return twoPathCall(h, oldpath, newpath, [2]string{"oldpath", "newpath"}, timeoutMs, errOut, (*core.SFTP).Hardlink)
}

//export gossh_sftp_copy
func gossh_sftp_copy(h C.uintptr_t, src, dst *C.char, timeoutMs C.int, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return twoPathCall(h, src, dst, [2]string{"src", "dst"}, timeoutMs, errOut, (*core.SFTP).Copy)
}

// stringCall serves the calls that return a string.
func stringCall(h C.uintptr_t, path *C.char, timeoutMs C.int, out **C.char, errOut *C.uintptr_t, f func(*core.SFTP, string, time.Duration) (string, error)) C.int {
	if path == nil || out == nil {
		return finish(core.InvalidArgument("path and out must not be NULL"), errOut)
	}
	*out = nil
	return pathCall(h, path, timeoutMs, errOut, func(s *core.SFTP, p string, t time.Duration) error {
		v, err := f(s, p, t)
		if err == nil {
			*out = C.CString(v)
		}
		return err
	})
}

//export gossh_sftp_readlink
func gossh_sftp_readlink(h C.uintptr_t, path *C.char, timeoutMs C.int, out **C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return stringCall(h, path, timeoutMs, out, errOut, (*core.SFTP).Readlink)
}

//export gossh_sftp_realpath
func gossh_sftp_realpath(h C.uintptr_t, path *C.char, timeoutMs C.int, out **C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return stringCall(h, path, timeoutMs, out, errOut, (*core.SFTP).Realpath)
}

//export gossh_sftp_statvfs
func gossh_sftp_statvfs(h C.uintptr_t, path *C.char, timeoutMs C.int, out *C.gossh_sftp_statvfs_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if path == nil || out == nil {
		return finish(core.InvalidArgument("path and out must not be NULL"), errOut)
	}
	*out = C.gossh_sftp_statvfs_t{}
	return pathCall(h, path, timeoutMs, errOut, func(s *core.SFTP, p string, t time.Duration) error {
		v, err := s.Statvfs(p, t)
		if err == nil {
			*out = C.gossh_sftp_statvfs_t{bsize: C.uint64_t(v.Bsize), frsize: C.uint64_t(v.Frsize),
				blocks: C.uint64_t(v.Blocks), bfree: C.uint64_t(v.Bfree), bavail: C.uint64_t(v.Bavail),
				files: C.uint64_t(v.Files), ffree: C.uint64_t(v.Ffree), favail: C.uint64_t(v.Favail),
				fsid: C.uint64_t(v.Fsid), flag: C.uint64_t(v.Flag), namemax: C.uint64_t(v.Namemax)}
		}
		return err
	})
}
