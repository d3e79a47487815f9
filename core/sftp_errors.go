package core

import (
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path"
	"strconv"
	"strings"
	"syscall"

	"github.com/pkg/sftp"
)

// SFTP status codes (SSH_FX_*: draft-ietf-secsh-filexfer-02 for 0..8, the
// later drafts for the rest, which OpenSSH never sends but others may).
const (
	fxOK               = 0
	fxEOF              = 1
	fxNoSuchFile       = 2
	fxPermissionDenied = 3
	fxFailure          = 4
	fxBadMessage       = 5
	fxOpUnsupported    = 8
)

// fxNames names the status codes as the header documents them.
var fxNames = map[uint32]string{
	0: "ok", 1: "eof", 2: "no_such_file", 3: "permission_denied", 4: "failure",
	5: "bad_message", 6: "no_connection", 7: "connection_lost", 8: "op_unsupported",
	9: "invalid_handle", 10: "no_such_path", 11: "file_already_exists", 12: "write_protect",
	13: "no_media", 14: "no_space_on_filesystem", 15: "quota_exceeded",
	16: "unknown_principal", 17: "lock_conflict", 18: "dir_not_empty", 19: "not_a_directory",
	20: "invalid_filename", 21: "link_loop", 22: "cannot_delete", 23: "invalid_parameter",
	24: "file_is_a_directory",
}

// fxErrno is the POSIX errno a local call would have given for a status,
// where one fits.
var fxErrno = map[uint32]string{
	2: "ENOENT", 3: "EACCES", 8: "EOPNOTSUPP", 10: "ENOENT", 11: "EEXIST", 12: "EROFS",
	14: "ENOSPC", 15: "EDQUOT", 18: "ENOTEMPTY", 19: "ENOTDIR", 21: "ELOOP", 24: "EISDIR",
}

// fxMessages stand in for a server's message where pkg/sftp dropped it
// (it turns no_such_file and permission_denied into os.ErrNotExist and
// os.ErrPermission).
var fxMessages = map[uint32]string{
	1: "End of file", 2: "No such file", 3: "Permission denied", 4: "Failure",
	8: "Operation unsupported",
}

// sftpStatus makes a KindSFTP error for status code with the server's
// message msg, for operation op on path (and path2 for two-path calls).
func sftpStatus(code uint32, msg, op, path, path2 string) *Error {
	name := fxNames[code]
	if name == "" {
		name = "status_" + strconv.FormatUint(uint64(code), 10)
	}
	if msg == "" {
		msg = fxMessages[code]
	}
	where := ShowPath(path)
	if path2 != "" {
		where += " -> " + ShowPath(path2)
	}
	e := newError(KindSFTP, nil, "sftp %s %s: %s (%s)", op, where, msg, name)
	return e.with("status", strconv.FormatUint(uint64(code), 10)).with("status_name", name).
		with("errno_name", fxErrno[code]).with("path", path).with("path2", path2).with("message", msg)
}

// withErrno overrides the errno_name of a KindSFTP error: gossh knows better
// than the v3 status when it checked the cause itself (EISDIR, ENOTDIR,
// EEXIST).
func (e *Error) withErrno(name string) *Error { return e.with("errno_name", name) }

// statusMessage recovers the server's message from a *sftp.StatusError,
// whose fields are private: its Error() is `sftp: "<msg>" (<code name>)`.
func statusMessage(se *sftp.StatusError) string {
	s := strings.TrimPrefix(se.Error(), "sftp: ")
	if i := strings.LastIndex(s, " ("); i >= 0 {
		s = s[:i]
	}
	if u, err := strconv.Unquote(s); err == nil {
		return u
	}
	return s
}

// sftpError classifies an error of an SFTP call (op on path, path2): the
// server's status becomes KindSFTP; a session or client that is closed, or
// a channel that went away, KindClosed; anything else from pkg/sftp (an
// unexpected packet) KindProtocol. An *Error passes through.
func (s *SFTP) sftpError(err error, op, path, path2 string) error {
	if err == nil {
		return nil
	}
	var ge *Error
	if errors.As(err, &ge) {
		return ge
	}
	if e := s.closedErr(); e != nil {
		return e
	}
	var se *sftp.StatusError
	switch {
	case errors.As(err, &se):
		return sftpStatus(se.Code, statusMessage(se), op, path, path2)
	case errors.Is(err, os.ErrNotExist):
		return sftpStatus(fxNoSuchFile, "", op, path, path2)
	case errors.Is(err, os.ErrPermission):
		return sftpStatus(fxPermissionDenied, "", op, path, path2)
	case errors.Is(err, os.ErrClosed):
		return newError(KindClosed, err, "sftp %s %s: the file is closed", op, ShowPath(path))
	case transportLost(err):
		return newError(KindClosed, err, "sftp %s %s: the SFTP channel was closed or the connection lost", op, ShowPath(path))
	}
	return newError(KindProtocol, err, "sftp %s %s: %v", op, ShowPath(path), err)
}

// transportLost reports whether err is the end of what carried a request:
// an EOF, a closed pipe or conn, or a socket the peer reset or hung up on
// (EPIPE, ECONNRESET: a write to a cut connection, which had read as a
// protocol error).
func transportLost(err error) bool {
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.ErrClosedPipe),
		errors.Is(err, net.ErrClosed), errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ECONNRESET):
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "connection lost") || strings.Contains(msg, "EOF")
}

// localError makes the KindIO error of a local file operation, with the
// details "path" and "errno_name".
func localError(err error, op, path string) *Error {
	var ge *Error
	if errors.As(err, &ge) {
		return ge
	}
	cause, reason := fileError(err)
	e := newError(KindIO, cause, "cannot %s local file %s: %s", op, ShowPath(path), reason)
	return e.with("path", path).with("errno_name", errnoName(err))
}

// errnoName is the symbolic name of the errno in err ("ENOENT"), or "".
func errnoName(err error) string {
	var en syscall.Errno
	if !errors.As(err, &en) {
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return "ENOENT"
		case errors.Is(err, fs.ErrPermission):
			return "EACCES"
		case errors.Is(err, fs.ErrExist):
			return "EEXIST"
		}
		return ""
	}
	if n, ok := errnoNames[en]; ok {
		return n
	}
	return ""
}

var errnoNames = map[syscall.Errno]string{
	syscall.ENOENT: "ENOENT", syscall.EACCES: "EACCES", syscall.EPERM: "EPERM",
	syscall.EEXIST: "EEXIST", syscall.ENOTDIR: "ENOTDIR", syscall.EISDIR: "EISDIR",
	syscall.ENOTEMPTY: "ENOTEMPTY", syscall.ENOSPC: "ENOSPC", syscall.EDQUOT: "EDQUOT",
	syscall.EROFS: "EROFS", syscall.EIO: "EIO", syscall.ELOOP: "ELOOP",
	syscall.ENAMETOOLONG: "ENAMETOOLONG", syscall.EBADF: "EBADF", syscall.EFBIG: "EFBIG",
	syscall.EXDEV: "EXDEV", syscall.EBUSY: "EBUSY", syscall.EINVAL: "EINVAL",
}

// cancelled is the error of a transfer that a progress callback stopped.
func cancelled(what string) *Error {
	return newError(KindCancelled, nil, "%s cancelled by the progress callback", what)
}

// noSpace names a full disk. SFTP v3 (OpenSSH) reports a write that failed
// with ENOSPC, and a short write, as a generic SSH_FX_FAILURE "Failure".
// After an op (put, write, close, fsync) of need bytes to path failed with
// that status, noSpace asks statvfs@openssh.com for path's file system (its
// directory's, if path is gone) and, when the space left to the user is
// below need or zero, returns a KindSFTP error "no space left on device"
// with errno_name ENOSPC (status stays "failure"; the server's error is the
// cause). Any other error, a server without statvfs@openssh.com, or one
// with room left gives err back unchanged. It waits for the answer by
// deadline.
func (s *SFTP) noSpace(err error, op, p string, need int64, deadline <-chan struct{}) error {
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindSFTP || e.Detail("status") != strconv.Itoa(fxFailure) ||
		e.Detail("errno_name") != "" || s.raw == nil || !s.raw.has("statvfs@openssh.com") {
		return err
	}
	var v *sftp.StatVFS
	serr := s.run(deadline, "statvfs", func() error {
		var err error
		if v, err = s.main.StatVFS(p); err != nil {
			v, err = s.main.StatVFS(path.Dir(p))
		}
		return err
	})
	if serr != nil || v == nil {
		return err
	}
	unit := v.Frsize
	if unit == 0 {
		unit = v.Bsize
	}
	free := v.Bavail * unit
	if free != 0 && free >= uint64(max(need, 0)) {
		return err
	}
	ne := sftpStatus(fxFailure, "no space left on device", op, p, e.Detail("path2")).withErrno("ENOSPC")
	ne.Err = err
	return ne
}
