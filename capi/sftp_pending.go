package main

/*
#include <stdint.h>
#include "sftp_types.h"
*/
import "C"

import "unsafe"

// The _pending twins of the SFTP calls (include/gossh.h, "SFTP in the
// background"): each copies what its blocking export reads from the
// caller's memory and runs that export in the background (callPending).

//export gossh_client_open_sftp_pending
func gossh_client_open_sftp_pending(h C.uintptr_t, timeoutMs C.int, out *C.uintptr_t, pending *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	var k kept
	return callPending(pending, errOut, k, func(e *C.uintptr_t) C.int { return gossh_client_open_sftp(h, timeoutMs, out, e) })
}

//export gossh_sftp_stat_pending
func gossh_sftp_stat_pending(h C.uintptr_t, path *C.char, timeoutMs C.int, out *C.gossh_sftp_attrs, pending *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	var k kept
	k.str(&path)
	return callPending(pending, errOut, k, func(e *C.uintptr_t) C.int { return gossh_sftp_stat(h, path, timeoutMs, out, e) })
}

//export gossh_sftp_lstat_pending
func gossh_sftp_lstat_pending(h C.uintptr_t, path *C.char, timeoutMs C.int, out *C.gossh_sftp_attrs, pending *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	var k kept
	k.str(&path)
	return callPending(pending, errOut, k, func(e *C.uintptr_t) C.int { return gossh_sftp_lstat(h, path, timeoutMs, out, e) })
}

//export gossh_sftp_setstat_pending
func gossh_sftp_setstat_pending(h C.uintptr_t, path *C.char, attrs *C.gossh_sftp_attrs, timeoutMs C.int, pending *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	var k kept
	k.str(&path)
	k.attrs(&attrs)
	return callPending(pending, errOut, k, func(e *C.uintptr_t) C.int { return gossh_sftp_setstat(h, path, attrs, timeoutMs, e) })
}

//export gossh_sftp_mkdir_pending
func gossh_sftp_mkdir_pending(h C.uintptr_t, path *C.char, mode C.uint32_t, timeoutMs C.int, pending *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	var k kept
	k.str(&path)
	return callPending(pending, errOut, k, func(e *C.uintptr_t) C.int { return gossh_sftp_mkdir(h, path, mode, timeoutMs, e) })
}

//export gossh_sftp_makedirs_pending
func gossh_sftp_makedirs_pending(h C.uintptr_t, path *C.char, mode C.uint32_t, timeoutMs C.int, pending *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	var k kept
	k.str(&path)
	return callPending(pending, errOut, k, func(e *C.uintptr_t) C.int { return gossh_sftp_makedirs(h, path, mode, timeoutMs, e) })
}

//export gossh_sftp_rmdir_pending
func gossh_sftp_rmdir_pending(h C.uintptr_t, path *C.char, timeoutMs C.int, pending *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	var k kept
	k.str(&path)
	return callPending(pending, errOut, k, func(e *C.uintptr_t) C.int { return gossh_sftp_rmdir(h, path, timeoutMs, e) })
}

//export gossh_sftp_remove_pending
func gossh_sftp_remove_pending(h C.uintptr_t, path *C.char, timeoutMs C.int, pending *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	var k kept
	k.str(&path)
	return callPending(pending, errOut, k, func(e *C.uintptr_t) C.int { return gossh_sftp_remove(h, path, timeoutMs, e) })
}

//export gossh_sftp_rmtree_pending
func gossh_sftp_rmtree_pending(h C.uintptr_t, path *C.char, timeoutMs C.int, pending *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	var k kept
	k.str(&path)
	return callPending(pending, errOut, k, func(e *C.uintptr_t) C.int { return gossh_sftp_rmtree(h, path, timeoutMs, e) })
}

//export gossh_sftp_rename_pending
func gossh_sftp_rename_pending(h C.uintptr_t, oldpath, newpath *C.char, flags C.int, timeoutMs C.int, pending *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	var k kept
	k.str(&oldpath)
	k.str(&newpath)
	return callPending(pending, errOut, k, func(e *C.uintptr_t) C.int { return gossh_sftp_rename(h, oldpath, newpath, flags, timeoutMs, e) })
}

//export gossh_sftp_symlink_pending
func gossh_sftp_symlink_pending(h C.uintptr_t, target, linkpath *C.char, timeoutMs C.int, pending *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	var k kept
	k.str(&target)
	k.str(&linkpath)
	return callPending(pending, errOut, k, func(e *C.uintptr_t) C.int { return gossh_sftp_symlink(h, target, linkpath, timeoutMs, e) })
}

//export gossh_sftp_hardlink_pending
func gossh_sftp_hardlink_pending(h C.uintptr_t, oldpath, newpath *C.char, timeoutMs C.int, pending *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	var k kept
	k.str(&oldpath)
	k.str(&newpath)
	return callPending(pending, errOut, k, func(e *C.uintptr_t) C.int { return gossh_sftp_hardlink(h, oldpath, newpath, timeoutMs, e) })
}

//export gossh_sftp_copy_pending
func gossh_sftp_copy_pending(h C.uintptr_t, src, dst *C.char, timeoutMs C.int, pending *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	var k kept
	k.str(&src)
	k.str(&dst)
	return callPending(pending, errOut, k, func(e *C.uintptr_t) C.int { return gossh_sftp_copy(h, src, dst, timeoutMs, e) })
}

//export gossh_sftp_readlink_pending
func gossh_sftp_readlink_pending(h C.uintptr_t, path *C.char, timeoutMs C.int, out **C.char, pending *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	var k kept
	k.str(&path)
	return callPending(pending, errOut, k, func(e *C.uintptr_t) C.int { return gossh_sftp_readlink(h, path, timeoutMs, out, e) })
}

//export gossh_sftp_realpath_pending
func gossh_sftp_realpath_pending(h C.uintptr_t, path *C.char, timeoutMs C.int, out **C.char, pending *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	var k kept
	k.str(&path)
	return callPending(pending, errOut, k, func(e *C.uintptr_t) C.int { return gossh_sftp_realpath(h, path, timeoutMs, out, e) })
}

//export gossh_sftp_statvfs_pending
func gossh_sftp_statvfs_pending(h C.uintptr_t, path *C.char, timeoutMs C.int, out *C.gossh_sftp_statvfs_t, pending *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	var k kept
	k.str(&path)
	return callPending(pending, errOut, k, func(e *C.uintptr_t) C.int { return gossh_sftp_statvfs(h, path, timeoutMs, out, e) })
}

//export gossh_sftp_opendir_pending
func gossh_sftp_opendir_pending(h C.uintptr_t, path *C.char, timeoutMs C.int, out *C.uintptr_t, pending *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	var k kept
	k.str(&path)
	return callPending(pending, errOut, k, func(e *C.uintptr_t) C.int { return gossh_sftp_opendir(h, path, timeoutMs, out, e) })
}

//export gossh_sftp_glob_pending
func gossh_sftp_glob_pending(h C.uintptr_t, pattern *C.char, timeoutMs C.int, out *C.uintptr_t, pending *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	var k kept
	k.str(&pattern)
	return callPending(pending, errOut, k, func(e *C.uintptr_t) C.int { return gossh_sftp_glob(h, pattern, timeoutMs, out, e) })
}

//export gossh_sftp_dir_read_pending
func gossh_sftp_dir_read_pending(h C.uintptr_t, entries *C.gossh_sftp_entry, capacity C.size_t, timeoutMs C.int, n *C.size_t, pending *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	var k kept
	return callPending(pending, errOut, k, func(e *C.uintptr_t) C.int { return gossh_sftp_dir_read(h, entries, capacity, timeoutMs, n, e) })
}

//export gossh_sftp_open_pending
func gossh_sftp_open_pending(h C.uintptr_t, path *C.char, flags C.int, mode C.uint32_t, timeoutMs C.int, out *C.uintptr_t, pending *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	var k kept
	k.str(&path)
	return callPending(pending, errOut, k, func(e *C.uintptr_t) C.int { return gossh_sftp_open(h, path, flags, mode, timeoutMs, out, e) })
}

//export gossh_sftp_file_read_pending
func gossh_sftp_file_read_pending(h C.uintptr_t, buf unsafe.Pointer, capacity C.size_t, timeoutMs C.int, nread *C.size_t, pending *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	var k kept
	return callPending(pending, errOut, k, func(e *C.uintptr_t) C.int { return gossh_sftp_file_read(h, buf, capacity, timeoutMs, nread, e) })
}

//export gossh_sftp_file_pread_pending
func gossh_sftp_file_pread_pending(h C.uintptr_t, buf unsafe.Pointer, capacity C.size_t, offset C.uint64_t, timeoutMs C.int, nread *C.size_t, pending *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	var k kept
	return callPending(pending, errOut, k, func(e *C.uintptr_t) C.int {
		return gossh_sftp_file_pread(h, buf, capacity, offset, timeoutMs, nread, e)
	})
}

//export gossh_sftp_file_write_pending
func gossh_sftp_file_write_pending(h C.uintptr_t, buf unsafe.Pointer, n C.size_t, timeoutMs C.int, written *C.size_t, pending *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	var k kept
	return callPending(pending, errOut, k, func(e *C.uintptr_t) C.int { return gossh_sftp_file_write(h, buf, n, timeoutMs, written, e) })
}

//export gossh_sftp_file_pwrite_pending
func gossh_sftp_file_pwrite_pending(h C.uintptr_t, buf unsafe.Pointer, n C.size_t, offset C.uint64_t, timeoutMs C.int, written *C.size_t, pending *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	var k kept
	return callPending(pending, errOut, k, func(e *C.uintptr_t) C.int { return gossh_sftp_file_pwrite(h, buf, n, offset, timeoutMs, written, e) })
}

//export gossh_sftp_file_seek_pending
func gossh_sftp_file_seek_pending(h C.uintptr_t, offset C.int64_t, whence C.int, timeoutMs C.int, pos *C.uint64_t, pending *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	var k kept
	return callPending(pending, errOut, k, func(e *C.uintptr_t) C.int { return gossh_sftp_file_seek(h, offset, whence, timeoutMs, pos, e) })
}

//export gossh_sftp_file_flush_pending
func gossh_sftp_file_flush_pending(h C.uintptr_t, timeoutMs C.int, pending *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	var k kept
	return callPending(pending, errOut, k, func(e *C.uintptr_t) C.int { return gossh_sftp_file_flush(h, timeoutMs, e) })
}

//export gossh_sftp_file_stat_pending
func gossh_sftp_file_stat_pending(h C.uintptr_t, timeoutMs C.int, out *C.gossh_sftp_attrs, pending *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	var k kept
	return callPending(pending, errOut, k, func(e *C.uintptr_t) C.int { return gossh_sftp_file_stat(h, timeoutMs, out, e) })
}

//export gossh_sftp_file_setstat_pending
func gossh_sftp_file_setstat_pending(h C.uintptr_t, attrs *C.gossh_sftp_attrs, timeoutMs C.int, pending *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	var k kept
	k.attrs(&attrs)
	return callPending(pending, errOut, k, func(e *C.uintptr_t) C.int { return gossh_sftp_file_setstat(h, attrs, timeoutMs, e) })
}

//export gossh_sftp_file_sync_pending
func gossh_sftp_file_sync_pending(h C.uintptr_t, timeoutMs C.int, pending *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	var k kept
	return callPending(pending, errOut, k, func(e *C.uintptr_t) C.int { return gossh_sftp_file_sync(h, timeoutMs, e) })
}

//export gossh_sftp_file_check_pending
func gossh_sftp_file_check_pending(h C.uintptr_t, algorithm *C.char, offset, length C.uint64_t, timeoutMs C.int, out **C.char, pending *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	var k kept
	k.str(&algorithm)
	return callPending(pending, errOut, k, func(e *C.uintptr_t) C.int {
		return gossh_sftp_file_check(h, algorithm, offset, length, timeoutMs, out, e)
	})
}

//export gossh_sftp_file_close_pending
func gossh_sftp_file_close_pending(h C.uintptr_t, timeoutMs C.int, pending *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	var k kept
	return callPending(pending, errOut, k, func(e *C.uintptr_t) C.int { return gossh_sftp_file_close(h, timeoutMs, e) })
}

//export gossh_sftp_get_pending
func gossh_sftp_get_pending(h C.uintptr_t, remote, local *C.char, flags C.int, cb, userdata C.uintptr_t, timeoutMs C.int, size *C.uint64_t, pending *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	var k kept
	k.str(&remote)
	k.str(&local)
	return callPending(pending, errOut, k, func(e *C.uintptr_t) C.int {
		return gossh_sftp_get(h, remote, local, flags, cb, userdata, timeoutMs, size, e)
	})
}

//export gossh_sftp_put_pending
func gossh_sftp_put_pending(h C.uintptr_t, local, remote *C.char, flags C.int, cb, userdata C.uintptr_t, timeoutMs C.int, size *C.uint64_t, pending *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	var k kept
	k.str(&local)
	k.str(&remote)
	return callPending(pending, errOut, k, func(e *C.uintptr_t) C.int {
		return gossh_sftp_put(h, local, remote, flags, cb, userdata, timeoutMs, size, e)
	})
}

//export gossh_sftp_get_dir_pending
func gossh_sftp_get_dir_pending(h C.uintptr_t, remote, local *C.char, flags C.int, cb, userdata C.uintptr_t, timeoutMs C.int, pending *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	var k kept
	k.str(&remote)
	k.str(&local)
	return callPending(pending, errOut, k, func(e *C.uintptr_t) C.int {
		return gossh_sftp_get_dir(h, remote, local, flags, cb, userdata, timeoutMs, e)
	})
}

//export gossh_sftp_put_dir_pending
func gossh_sftp_put_dir_pending(h C.uintptr_t, local, remote *C.char, flags C.int, cb, userdata C.uintptr_t, timeoutMs C.int, pending *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	var k kept
	k.str(&local)
	k.str(&remote)
	return callPending(pending, errOut, k, func(e *C.uintptr_t) C.int {
		return gossh_sftp_put_dir(h, local, remote, flags, cb, userdata, timeoutMs, e)
	})
}
