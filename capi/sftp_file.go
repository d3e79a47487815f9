package main

/*
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "sftp_types.h"
*/
import "C"

import (
	"time"
	"unsafe"

	"github.com/gossh/gossh/core"
)

// SFTP directories and files (include/gossh.h, "SFTP").

// maxEntries bounds one dir_read's view of the caller's array.
const maxEntries = 1 << 20

func getSFTPFile(h C.uintptr_t) (*core.File, error) { return get[*core.File](h, kindSFTPFile) }

// fileCall calls f with the file behind h and the converted timeout.
func fileCall(h C.uintptr_t, timeoutMs C.int, errOut *C.uintptr_t, f func(*core.File, time.Duration) error) C.int {
	file, err := getSFTPFile(h)
	if err != nil {
		return finish(err, errOut)
	}
	timeout, err := timeoutArg(timeoutMs)
	if err != nil {
		return finish(err, errOut)
	}
	return finish(f(file, timeout), errOut)
}

// dirOut registers a directory made by f in *out.
func dirOut(h C.uintptr_t, path *C.char, timeoutMs C.int, out *C.uintptr_t, errOut *C.uintptr_t, f func(*core.SFTP, string, time.Duration) (*core.Dir, error)) C.int {
	if path == nil || out == nil {
		return finish(core.InvalidArgument("path and out must not be NULL"), errOut)
	}
	*out = 0
	return pathCall(h, path, timeoutMs, errOut, func(s *core.SFTP, p string, t time.Duration) error {
		d, err := f(s, p, t)
		if err == nil {
			*out = putHandle(kindSFTPDir, d)
		}
		return err
	})
}

//export gossh_sftp_opendir
func gossh_sftp_opendir(h C.uintptr_t, path *C.char, timeoutMs C.int, out *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return dirOut(h, path, timeoutMs, out, errOut, (*core.SFTP).OpenDir)
}

//export gossh_sftp_glob
func gossh_sftp_glob(h C.uintptr_t, pattern *C.char, timeoutMs C.int, out *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return dirOut(h, pattern, timeoutMs, out, errOut, (*core.SFTP).Glob)
}

//export gossh_sftp_dir_read
func gossh_sftp_dir_read(h C.uintptr_t, entries *C.gossh_sftp_entry, capacity C.size_t, timeoutMs C.int, n *C.size_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if entries == nil || n == nil {
		return finish(core.InvalidArgument("entries and n must not be NULL"), errOut)
	}
	*n = 0
	if capacity == 0 {
		return finish(core.InvalidArgument("cap must be at least 1"), errOut)
	}
	d, err := get[*core.Dir](h, kindSFTPDir)
	if err != nil {
		return finish(err, errOut)
	}
	timeout, err := timeoutArg(timeoutMs)
	if err != nil {
		return finish(err, errOut)
	}
	es, err := d.Read(int(min(capacity, maxEntries)), timeout)
	if err != nil {
		return finish(err, errOut)
	}
	view := unsafe.Slice(entries, len(es))
	for i, e := range es {
		view[i].name = C.CString(e.Name)
		view[i].longname = C.CString(e.Longname)
		attrsToC(e.Attrs, &view[i].attrs)
	}
	*n = C.size_t(len(es))
	return finish(nil, errOut)
}

//export gossh_sftp_entries_free
func gossh_sftp_entries_free(entries *C.gossh_sftp_entry, n C.size_t) {
	defer guardVoid()
	if entries == nil {
		return
	}
	n = min(n, maxEntries) // no dir_read fills more
	for _, e := range unsafe.Slice(entries, int(n)) {
		C.free(unsafe.Pointer(e.name))
		C.free(unsafe.Pointer(e.longname))
	}
	C.memset(unsafe.Pointer(entries), 0, n*C.sizeof_gossh_sftp_entry)
}

//export gossh_sftp_dir_free
func gossh_sftp_dir_free(h C.uintptr_t) {
	defer guardVoid()
	if o := dropHandle(h, kindSFTPDir); o != nil {
		go closeQuietly(o.(*core.Dir).Close) // a free never blocks on a stalled server
	}
}

//export gossh_sftp_open
func gossh_sftp_open(h C.uintptr_t, path *C.char, flags C.int, mode C.uint32_t, timeoutMs C.int, out *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if path == nil || out == nil {
		return finish(core.InvalidArgument("path and out must not be NULL"), errOut)
	}
	*out = 0
	return pathCall(h, path, timeoutMs, errOut, func(s *core.SFTP, p string, t time.Duration) error {
		f, err := s.Open(p, int(flags), uint32(mode), t)
		if err == nil {
			*out = putHandle(kindSFTPFile, f)
		}
		return err
	})
}

//export gossh_sftp_file_read
func gossh_sftp_file_read(h C.uintptr_t, buf unsafe.Pointer, capacity C.size_t, timeoutMs C.int, nread *C.size_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if buf == nil || nread == nil {
		return finish(core.InvalidArgument("buf and nread must not be NULL"), errOut)
	}
	*nread = 0
	return fileCall(h, timeoutMs, errOut, func(f *core.File, t time.Duration) error {
		n, err := f.Read(readBuffer(buf, capacity), t)
		*nread = C.size_t(n)
		return err
	})
}

//export gossh_sftp_file_pread
func gossh_sftp_file_pread(h C.uintptr_t, buf unsafe.Pointer, capacity C.size_t, offset C.uint64_t, timeoutMs C.int, nread *C.size_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if buf == nil || nread == nil {
		return finish(core.InvalidArgument("buf and nread must not be NULL"), errOut)
	}
	*nread = 0
	if offset > 1<<63-1 {
		return finish(core.InvalidArgument("offset too large"), errOut)
	}
	return fileCall(h, timeoutMs, errOut, func(f *core.File, t time.Duration) error {
		n, err := f.Pread(readBuffer(buf, capacity), int64(offset), t)
		*nread = C.size_t(n)
		return err
	})
}

//export gossh_sftp_file_write
func gossh_sftp_file_write(h C.uintptr_t, buf unsafe.Pointer, n C.size_t, timeoutMs C.int, written *C.size_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if written != nil {
		*written = 0
	}
	if buf == nil && n > 0 {
		return finish(core.InvalidArgument("buf is NULL"), errOut)
	}
	data, err := writeBuffer(buf, n)
	if err != nil {
		return finish(err, errOut)
	}
	return fileCall(h, timeoutMs, errOut, func(f *core.File, t time.Duration) error {
		w, err := f.Write(data, t)
		if written != nil {
			*written = C.size_t(w)
		}
		return err
	})
}

//export gossh_sftp_file_pwrite
func gossh_sftp_file_pwrite(h C.uintptr_t, buf unsafe.Pointer, n C.size_t, offset C.uint64_t, timeoutMs C.int, written *C.size_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if written != nil {
		*written = 0
	}
	if buf == nil && n > 0 {
		return finish(core.InvalidArgument("buf is NULL"), errOut)
	}
	if offset > 1<<63-1 {
		return finish(core.InvalidArgument("offset too large"), errOut)
	}
	data, err := writeBuffer(buf, n)
	if err != nil {
		return finish(err, errOut)
	}
	return fileCall(h, timeoutMs, errOut, func(f *core.File, t time.Duration) error {
		w, err := f.Pwrite(data, int64(offset), t)
		if written != nil {
			*written = C.size_t(w)
		}
		return err
	})
}

//export gossh_sftp_file_seek
func gossh_sftp_file_seek(h C.uintptr_t, offset C.int64_t, whence C.int, timeoutMs C.int, pos *C.uint64_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return fileCall(h, timeoutMs, errOut, func(f *core.File, t time.Duration) error {
		p, err := f.SeekTimeout(int64(offset), int(whence), t)
		if err == nil && pos != nil {
			*pos = C.uint64_t(p)
		}
		return err
	})
}

//export gossh_sftp_file_flush
func gossh_sftp_file_flush(h C.uintptr_t, timeoutMs C.int, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return fileCall(h, timeoutMs, errOut, (*core.File).Flush)
}

//export gossh_sftp_file_stat
func gossh_sftp_file_stat(h C.uintptr_t, timeoutMs C.int, out *C.gossh_sftp_attrs, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if out == nil {
		return finish(core.InvalidArgument("out is NULL"), errOut)
	}
	*out = C.gossh_sftp_attrs{}
	return fileCall(h, timeoutMs, errOut, func(f *core.File, t time.Duration) error {
		a, err := f.Stat(t)
		if err == nil {
			attrsToC(a, out)
		}
		return err
	})
}

//export gossh_sftp_file_setstat
func gossh_sftp_file_setstat(h C.uintptr_t, attrs *C.gossh_sftp_attrs, timeoutMs C.int, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if attrs == nil {
		return finish(core.InvalidArgument("attrs is NULL"), errOut)
	}
	a := attrsFromC(attrs)
	return fileCall(h, timeoutMs, errOut, func(f *core.File, t time.Duration) error { return f.Setstat(a, t) })
}

//export gossh_sftp_file_sync
func gossh_sftp_file_sync(h C.uintptr_t, timeoutMs C.int, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return fileCall(h, timeoutMs, errOut, (*core.File).Sync)
}

//export gossh_sftp_file_check
func gossh_sftp_file_check(h C.uintptr_t, algorithm *C.char, offset, length C.uint64_t, timeoutMs C.int, out **C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if algorithm == nil || out == nil {
		return finish(core.InvalidArgument("algorithm and out must not be NULL"), errOut)
	}
	*out = nil
	alg := C.GoString(algorithm)
	return fileCall(h, timeoutMs, errOut, func(f *core.File, t time.Duration) error {
		v, err := f.Check(alg, uint64(offset), uint64(length), t)
		if err == nil {
			*out = C.CString(v)
		}
		return err
	})
}

//export gossh_sftp_file_close
func gossh_sftp_file_close(h C.uintptr_t, timeoutMs C.int, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return fileCall(h, timeoutMs, errOut, func(f *core.File, t time.Duration) error {
		return f.CloseTimeout(t)
	})
}

//export gossh_sftp_file_free
func gossh_sftp_file_free(h C.uintptr_t) {
	defer guardVoid()
	if o := dropHandle(h, kindSFTPFile); o != nil {
		go closeQuietly(o.(*core.File).Close) // a free never blocks on a stalled server
	}
}

// closeQuietly runs a close for a _free, on its own goroutine: failures are
// ignored, as the header says, and so is a panic.
func closeQuietly(close func() error) {
	defer func() { _ = recover() }()
	_ = close()
}
