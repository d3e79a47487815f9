package main

/*
#include <stdint.h>
#include "sftp_types.h"
*/
import "C"

import (
	"time"

	"github.com/gossh/gossh/core"
)

// Whole-file and tree transfers (include/gossh.h, "Whole-file transfers").

// progressFunc wraps a C progress callback (NULL: none). core calls it
// from the calling goroutine only, so never concurrently.
func progressFunc(cb, userdata C.uintptr_t) core.Progress {
	if cb == 0 {
		return nil
	}
	return func(done, total uint64) bool {
		return C.gossh_call_progress_cb(cb, C.uint64_t(done), C.uint64_t(total), userdata) != 0
	}
}

// transferFlags checks the GOSSH_SFTP_RESUME/PRESERVE/NOVERIFY bits.
func transferFlags(flags C.int) (int, error) {
	if flags&^(core.XferResume|core.XferPreserve|core.XferNoVerify) != 0 {
		return 0, core.InvalidArgument("unknown transfer flags 0x%x", int(flags))
	}
	return int(flags), nil
}

// transferCall serves get, put, get_dir and put_dir.
func transferCall(h C.uintptr_t, a, b *C.char, names [2]string, flags C.int, timeoutMs C.int, errOut *C.uintptr_t,
	f func(s *core.SFTP, a, b string, flags int, t time.Duration) error) C.int {
	p, err := paths(names[:], a, b)
	if err != nil {
		return finish(err, errOut)
	}
	fl, err := transferFlags(flags)
	if err != nil {
		return finish(err, errOut)
	}
	return sftpCall(h, timeoutMs, errOut, func(s *core.SFTP, t time.Duration) error { return f(s, p[0], p[1], fl, t) })
}

//export gossh_sftp_get
func gossh_sftp_get(h C.uintptr_t, remote, local *C.char, flags C.int, cb, userdata C.uintptr_t, timeoutMs C.int, size *C.uint64_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if size != nil {
		*size = 0
	}
	return transferCall(h, remote, local, [2]string{"remote", "local"}, flags, timeoutMs, errOut,
		func(s *core.SFTP, r, l string, fl int, t time.Duration) error {
			n, err := s.Get(r, l, fl, progressFunc(cb, userdata), t)
			if size != nil {
				*size = C.uint64_t(n)
			}
			return err
		})
}

//export gossh_sftp_put
func gossh_sftp_put(h C.uintptr_t, local, remote *C.char, flags C.int, cb, userdata C.uintptr_t, timeoutMs C.int, size *C.uint64_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if size != nil {
		*size = 0
	}
	return transferCall(h, local, remote, [2]string{"local", "remote"}, flags, timeoutMs, errOut,
		func(s *core.SFTP, l, r string, fl int, t time.Duration) error {
			n, err := s.Put(l, r, fl, progressFunc(cb, userdata), t)
			if size != nil {
				*size = C.uint64_t(n)
			}
			return err
		})
}

//export gossh_sftp_get_dir
func gossh_sftp_get_dir(h C.uintptr_t, remote, local *C.char, flags C.int, cb, userdata C.uintptr_t, timeoutMs C.int, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return transferCall(h, remote, local, [2]string{"remote", "local"}, flags, timeoutMs, errOut,
		func(s *core.SFTP, r, l string, fl int, t time.Duration) error {
			return s.GetDir(r, l, fl, progressFunc(cb, userdata), t)
		})
}

//export gossh_sftp_put_dir
func gossh_sftp_put_dir(h C.uintptr_t, local, remote *C.char, flags C.int, cb, userdata C.uintptr_t, timeoutMs C.int, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return transferCall(h, local, remote, [2]string{"local", "remote"}, flags, timeoutMs, errOut,
		func(s *core.SFTP, l, r string, fl int, t time.Duration) error {
			return s.PutDir(l, r, fl, progressFunc(cb, userdata), t)
		})
}
