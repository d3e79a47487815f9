"""paramiko.sftp_client: ``SFTPClient`` (and its alias ``SFTP``).

An SFTP session over an SSHClient's connection::

    sftp = client.open_sftp()          # or SFTPClient.from_transport(t)
    sftp.put("local.txt", "remote.txt")
    with sftp.open("remote.txt") as f:
        data = f.read()

libgossh speaks the protocol (packet sizes from the server's limits,
pipelining, read-ahead, several channels for large transfers, size checks);
this module translates paramiko's calls and libgossh's errors.  What
paramiko does on the client side stays here: the emulated working directory
(``chdir``/``getcwd``, relative paths joined exactly as paramiko's
``_adjust_cwd``) and the argument conventions.

Errors are raised as paramiko raises them: a missing file is
``IOError(errno.ENOENT, text)`` (a ``FileNotFoundError``), a refused one
``IOError(errno.EACCES, text)`` (a ``PermissionError``), any other failed
request ``IOError``; a timeout is ``socket.timeout`` (gossh's
``SSHTimeout``); use after ``close()`` is ``socket.error("Socket is
closed")``.
"""

from __future__ import annotations

import ctypes
import errno
import logging
import os
import stat
import time
from typing import TYPE_CHECKING, Any, Callable, Iterator

from . import _lib
from ._lib import call, lib
from .channel import _request_ms
from .sftp import BaseSFTP, SFTPError
from .sftp_attr import SFTPAttributes
from .sftp_file import SFTPFile
from .ssh_exception import SSHException, SSHTimeout

if TYPE_CHECKING:
    from _typeshed import StrOrBytesPath, SupportsRead, SupportsWrite
    from types import TracebackType

    from typing_extensions import Self

    from .transport import Transport

# callback(bytes_so_far, total) of the transfers
_Callback = Callable[[int, int], object]

__all__ = ["SFTPClient", "SFTP", "SFTPChannel"]

_DIR_BATCH = 256  # entries per gossh_sftp_dir_read call
_IO_CHUNK = 1 << 20  # putfo/getfo: bytes per read of the source


class _SessionClosed(SSHException, OSError):
    """The SFTP session or its connection closed under a call
    (GOSSH_E_CLOSED): both paramiko's "Server connection dropped"
    SSHException and its socket.error."""


def _b(path: object) -> bytes:
    """A remote path as bytes, as paramiko's util.b (str is UTF-8; names
    read from the server round-trip through surrogateescape)."""
    if isinstance(path, bytes):
        return path
    if isinstance(path, os.PathLike):
        path = os.fspath(path)
        if isinstance(path, bytes):
            return path
    if isinstance(path, str):
        return path.encode("utf-8", "surrogateescape")
    raise TypeError("Expected unicode or bytes, got {!r}".format(path))


def _u(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape") if data is not None else None


def _local(path: StrOrBytesPath) -> bytes:
    return os.fsencode(path)


class SFTPChannel(_lib.NativeHandle):
    """What ``SFTPClient.get_channel()`` (and ``.sock``) returns: the SFTP
    session's handle, with the parts of paramiko's Channel that programs use
    on an SFTP channel: ``settimeout``/``gettimeout``/``setblocking`` (the
    timeout of each request of the session: None waits without limit),
    ``get_transport``, ``get_name``, ``close`` and ``closed``.  It is not a
    byte stream: gossh speaks SFTP in the library."""

    _close_fn = "gossh_sftp_close"
    _free_fn = "gossh_sftp_free"

    def __init__(self, handle: Any, transport: Transport | None) -> None:
        self._handle = handle
        self.transport = transport
        self._timeout: float | None = None
        self._name = "sftp"
        self.closed = False

    def _h(self) -> Any:
        h = self._handle
        if h is None or self.closed:
            raise OSError("Socket is closed")
        return h

    def _timeout_ms(self) -> int:
        return _request_ms(self._timeout)

    def settimeout(self, timeout: float | None) -> None:
        """Seconds each request may wait before socket.timeout (None: no
        limit).  Whole-file transfers (get/put and their _dir forms) are not
        bounded by it: they end on an error or a lost connection."""
        self._timeout = None if timeout is None else float(timeout)

    def gettimeout(self) -> float | None:
        """The timeout settimeout() set (None: no limit)."""
        return self._timeout

    def setblocking(self, blocking: bool | int) -> None:
        """Accepted for paramiko's API: a request always waits for the
        server's answer (the timeout becomes None)."""
        # A request cannot be non-blocking: it waits for the server's answer.
        self.settimeout(None)

    def get_transport(self) -> Transport | None:
        """The Transport the session runs on."""
        return self.transport

    def get_name(self) -> str:
        """The channel's name ("sftp" unless set_name() was called)."""
        return self._name

    def set_name(self, name: str) -> None:
        """Names the channel (for logs, as paramiko)."""
        self._name = name

    def close(self) -> None:
        """Ends the SFTP session (its open files too); the SSH connection
        stays up.  Safe to call twice."""
        if not self.closed:
            self.closed = True
            self._close_native()


class SFTPClient(BaseSFTP):
    """An SFTP session (paramiko.SFTPClient): from ``SSHClient.open_sftp()``,
    ``Transport.open_sftp_client()`` or ``SFTPClient.from_transport(t)``.
    A context manager; closing is idempotent."""

    def __init__(self, sock: SFTPChannel) -> None:
        if not isinstance(sock, SFTPChannel):
            raise NotImplementedError(
                "gossh: SFTPClient(channel) over a channel of one's own is not "
                "supported; use SSHClient.open_sftp() or SFTPClient.from_transport(t)")
        self.sock = sock
        self._cwd: bytes | None = None
        transport = sock.get_transport()
        channel = transport.get_log_channel() if transport is not None else "paramiko"
        # paramiko's default: "paramiko.transport.sftp"
        self.logger = logging.getLogger(channel + ".transport.sftp")
        self.ultra_debug = False
        self._log(logging.INFO, "Opened sftp connection (server version {})".format(
            self._info_or("version", "3")))

    @classmethod
    def from_transport(
        cls, t: Transport, window_size: int | None = None, max_packet_size: int | None = None
    ) -> Self:
        """Opens an SFTP session on an authenticated Transport.
        window_size and max_packet_size are accepted for paramiko's signature
        and ignored (the library sizes windows and packets)."""
        h = t._h()
        out = _lib.sftp_p()
        call(lib.gossh_client_open_sftp, h, -1, ctypes.byref(out))
        return cls(SFTPChannel(out, t))

    # -- plumbing ----------------------------------------------------------------

    def _log(self, level: int, msg: str, *args: Any) -> None:
        if self.logger.isEnabledFor(level):
            msg = msg.replace("%", "%%")
            self.logger.log(level, "[chan %s] " + msg, self.sock.get_name(), *args)

    def _log_debug(self, fmt: str, *args: Any) -> None:
        if self.logger.isEnabledFor(logging.DEBUG):
            self._log(logging.DEBUG, fmt.format(*args))

    def _h(self) -> Any:
        return self.sock._h()

    def _tmo(self) -> int:
        return self.sock._timeout_ms()

    def _call(self, fn: Any, *args: Any) -> int:
        """call() with GOSSH_E_CLOSED raised as both SSHException and
        socket.error (paramiko raises either when the session is gone)."""
        try:
            return call(fn, *args)
        except SSHException as e:
            if getattr(e, "gossh_code", None) != _lib.E_CLOSED or isinstance(e, OSError):
                raise
            exc = _SessionClosed(str(e))
            exc.gossh_code = e.gossh_code
        raise exc

    def _info_or(self, name: str, default: str | None = None) -> str | None:
        p = _lib.owned_str_p()
        try:
            self._call(lib.gossh_sftp_info, self._h(), name.encode(), ctypes.byref(p))
        except Exception:  # noqa: BLE001 - an optional fact
            return default
        return _lib.take_string(p)

    def _adjust_cwd(self, path: StrOrBytesPath) -> bytes:
        """paramiko's: a relative path is joined to the emulated working
        directory (bytes)."""
        path = _b(path)
        if self._cwd is None:
            return path
        if len(path) and path[0:1] == b"/":
            return path
        if self._cwd == b"/":
            return self._cwd + path
        return self._cwd + b"/" + path

    # -- session -------------------------------------------------------------------

    def close(self) -> None:
        """Ends the SFTP session and its open files (the SSH connection stays
        up)."""
        if not self.sock.closed:
            self._log(logging.INFO, "sftp session closed.")
        self.sock.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        type: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def get_channel(self) -> SFTPChannel:
        """The session's SFTPChannel: set a timeout with
        ``get_channel().settimeout(seconds)`` as with paramiko."""
        return self.sock

    # -- directories -----------------------------------------------------------------

    def _read_dir(self, d: Any, batch: int = _DIR_BATCH) -> Iterator[list[SFTPAttributes]]:
        """Yields lists of SFTPAttributes from a dir handle, one batch per
        library call; frees the handle at the end."""
        try:
            entries = (_lib.sftp_entry * batch)()
            n = ctypes.c_size_t(0)
            while True:
                self._call(lib.gossh_sftp_dir_read, d, entries, batch, self._tmo(),
                           ctypes.byref(n))
                count = n.value
                if count == 0:
                    return
                try:
                    out = [
                        SFTPAttributes._from_c(e.attrs, _u(e.name or b""), _u(e.longname or b""))
                        for e in entries[:count]
                    ]
                finally:
                    lib.gossh_sftp_entries_free(entries, count)
                yield out
        finally:
            lib.gossh_sftp_dir_free(d)  # closes on the server without waiting

    def _opendir(self, path: bytes) -> Any:
        d = _lib.sftp_dir_p()
        self._call(lib.gossh_sftp_opendir, self._h(), path, self._tmo(), ctypes.byref(d))
        return d

    def listdir(self, path: StrOrBytesPath = ".") -> list[str]:
        """The names in a directory (not "." and ".."), in no given order."""
        return [f.filename for f in self.listdir_attr(path)]

    def listdir_attr(self, path: StrOrBytesPath = ".") -> list[SFTPAttributes]:
        """SFTPAttributes of each entry of a directory, with ``filename`` and
        ``longname`` set."""
        bpath = self._adjust_cwd(path)
        self._log_debug("listdir({!r})", bpath)
        out: list[SFTPAttributes] = []
        for batch in self._read_dir(self._opendir(bpath)):
            out.extend(batch)
        return out

    def listdir_iter(
        self, path: StrOrBytesPath = ".", read_aheads: int = 50
    ) -> Iterator[SFTPAttributes]:
        """listdir_attr as a generator: entries come as the server sends them
        (read_aheads is accepted and ignored: the library reads ahead)."""
        bpath = self._adjust_cwd(path)
        self._log_debug("listdir({!r})", bpath)
        d = self._opendir(bpath)
        for batch in self._read_dir(d):
            for attr in batch:
                yield attr

    # -- files ---------------------------------------------------------------------

    def open(self, filename: StrOrBytesPath, mode: str = "r", bufsize: int = -1) -> SFTPFile:
        """Opens a remote file as Python's open: "r", "w" (truncates), "a",
        "r+", "w+", "a+", with "x" (must not exist), "b" (no effect on read,
        which returns bytes; readline returns bytes instead of str) and "U"
        (universal newlines).  bufsize as BufferedFile.  Raises IOError if
        the file cannot be opened."""
        bname = self._adjust_cwd(filename)
        self._log_debug("open({!r}, {!r})", bname, mode)
        imode = 0
        if "r" in mode or "+" in mode:
            imode |= _lib.SFTP_READ
        if "w" in mode or "+" in mode or "a" in mode:
            imode |= _lib.SFTP_WRITE
        if "w" in mode:
            imode |= _lib.SFTP_CREAT | _lib.SFTP_TRUNC
        if "a" in mode:
            imode |= _lib.SFTP_CREAT | _lib.SFTP_APPEND
        if "x" in mode:
            imode |= _lib.SFTP_CREAT | _lib.SFTP_EXCL
            if not imode & (_lib.SFTP_READ | _lib.SFTP_WRITE):
                imode |= _lib.SFTP_WRITE
        if not imode & (_lib.SFTP_READ | _lib.SFTP_WRITE):
            imode |= _lib.SFTP_READ  # paramiko sends no flags; the server reads
        h = _lib.sftp_file_p()
        self._call(lib.gossh_sftp_open, self._h(), bname, imode, 0o666, self._tmo(),
                   ctypes.byref(h))
        try:
            return SFTPFile(self, h, mode, bufsize)
        except BaseException:
            lib.gossh_sftp_file_free(h)
            raise

    file = open

    # -- path operations --------------------------------------------------------------

    def remove(self, path: StrOrBytesPath) -> None:
        """Removes a file (or symlink); IOError for a directory."""
        bpath = self._adjust_cwd(path)
        self._log_debug("remove({!r})", bpath)
        self._call(lib.gossh_sftp_remove, self._h(), bpath, self._tmo())

    unlink = remove

    def rename(self, oldpath: StrOrBytesPath, newpath: StrOrBytesPath) -> None:
        """Renames oldpath to newpath, which must not exist (SFTP's rename;
        see posix_rename)."""
        old = self._adjust_cwd(oldpath)
        new = self._adjust_cwd(newpath)
        self._log_debug("rename({!r}, {!r})", old, new)
        self._call(lib.gossh_sftp_rename, self._h(), old, new, 0, self._tmo())

    def posix_rename(self, oldpath: StrOrBytesPath, newpath: StrOrBytesPath) -> None:
        """Renames, replacing newpath if it exists (posix-rename@openssh.com;
        IOError when the server lacks it)."""
        old = self._adjust_cwd(oldpath)
        new = self._adjust_cwd(newpath)
        self._log_debug("posix_rename({!r}, {!r})", old, new)
        self._call(lib.gossh_sftp_rename, self._h(), old, new,
                   _lib.SFTP_RENAME_POSIX, self._tmo())

    def mkdir(self, path: StrOrBytesPath, mode: int = 0o777) -> None:
        """Makes a directory (the server applies its umask)."""
        bpath = self._adjust_cwd(path)
        self._log_debug("mkdir({!r}, {!r})", bpath, mode)
        self._call(lib.gossh_sftp_mkdir, self._h(), bpath, int(mode), self._tmo())

    def rmdir(self, path: StrOrBytesPath) -> None:
        """Removes an empty directory."""
        bpath = self._adjust_cwd(path)
        self._log_debug("rmdir({!r})", bpath)
        self._call(lib.gossh_sftp_rmdir, self._h(), bpath, self._tmo())

    def stat(self, path: StrOrBytesPath) -> SFTPAttributes:
        """A path's SFTPAttributes (following symlinks)."""
        bpath = self._adjust_cwd(path)
        self._log_debug("stat({!r})", bpath)
        a = _lib.sftp_attrs()
        self._call(lib.gossh_sftp_stat, self._h(), bpath, self._tmo(), ctypes.byref(a))
        return SFTPAttributes._from_c(a)

    def lstat(self, path: StrOrBytesPath) -> SFTPAttributes:
        """As stat, of a symlink itself."""
        bpath = self._adjust_cwd(path)
        self._log_debug("lstat({!r})", bpath)
        a = _lib.sftp_attrs()
        self._call(lib.gossh_sftp_lstat, self._h(), bpath, self._tmo(), ctypes.byref(a))
        return SFTPAttributes._from_c(a)

    def symlink(self, source: StrOrBytesPath, dest: StrOrBytesPath) -> None:
        """Makes dest a symlink to source (source is taken as given, not
        joined to the working directory, as paramiko)."""
        bdest = self._adjust_cwd(dest)
        self._log_debug("symlink({!r}, {!r})", source, bdest)
        self._call(lib.gossh_sftp_symlink, self._h(), _b(source), bdest, self._tmo())

    def _setstat(self, path: bytes, attr: SFTPAttributes) -> None:
        a = attr._to_c()
        self._call(lib.gossh_sftp_setstat, self._h(), path, ctypes.byref(a), self._tmo())

    def chmod(self, path: StrOrBytesPath, mode: int) -> None:
        """Sets permission bits, as os.chmod."""
        bpath = self._adjust_cwd(path)
        self._log_debug("chmod({!r}, {!r})", bpath, mode)
        attr = SFTPAttributes()
        attr.st_mode = mode
        self._setstat(bpath, attr)

    def chown(self, path: StrOrBytesPath, uid: int, gid: int) -> None:
        """Sets owner and group (both), as os.chown."""
        bpath = self._adjust_cwd(path)
        self._log_debug("chown({!r}, {!r}, {!r})", bpath, uid, gid)
        attr = SFTPAttributes()
        attr.st_uid, attr.st_gid = uid, gid
        self._setstat(bpath, attr)

    def utime(self, path: StrOrBytesPath, times: tuple[float, float] | None) -> None:
        """Sets (atime, mtime) in seconds since the epoch; None: now."""
        bpath = self._adjust_cwd(path)
        if times is None:
            times = (time.time(), time.time())
        self._log_debug("utime({!r}, {!r})", bpath, times)
        attr = SFTPAttributes()
        attr.st_atime, attr.st_mtime = times
        self._setstat(bpath, attr)

    def truncate(self, path: StrOrBytesPath, size: int) -> None:
        """Sets a file's size."""
        bpath = self._adjust_cwd(path)
        self._log_debug("truncate({!r}, {!r})", bpath, size)
        attr = SFTPAttributes()
        attr.st_size = size
        self._setstat(bpath, attr)

    def readlink(self, path: StrOrBytesPath) -> str | None:
        """A symlink's target (str)."""
        bpath = self._adjust_cwd(path)
        self._log_debug("readlink({!r})", bpath)
        p = _lib.owned_str_p()
        self._call(lib.gossh_sftp_readlink, self._h(), bpath, self._tmo(), ctypes.byref(p))
        return _take(p)

    def normalize(self, path: StrOrBytesPath) -> str:
        """The server's absolute, canonical form of path ("." gives the
        directory the session started in)."""
        bpath = self._adjust_cwd(path)
        self._log_debug("normalize({!r})", bpath)
        p = _lib.owned_str_p()
        self._call(lib.gossh_sftp_realpath, self._h(), bpath, self._tmo(), ctypes.byref(p))
        return _take(p)  # type: ignore[return-value]

    def chdir(self, path: StrOrBytesPath | None = None) -> None:
        """Sets the emulated working directory that relative paths are
        joined to (None: none, as at the start).  SFTPError(ENOTDIR) if path
        is not a directory, IOError if it does not exist."""
        if path is None:
            self._cwd = None
            return
        if not stat.S_ISDIR(self.stat(path).st_mode or 0):
            code = errno.ENOTDIR
            raise SFTPError(code, "{}: {}".format(os.strerror(code), path))  # type: ignore[str-bytes-safe]
        self._cwd = _b(self.normalize(path))

    def getcwd(self) -> str | None:
        """The emulated working directory, or None if chdir was not used."""
        return self._cwd and _u(self._cwd)  # type: ignore[return-value]

    # -- transfers ------------------------------------------------------------------

    def _transfer(
        self,
        fn: Any,
        src: bytes,
        dst: bytes,
        flags: int,
        callback: _Callback | None,
        size_out: bool = True,
    ) -> int:
        """Runs gossh_sftp_get/put(_dir) with paramiko's callback(done, total)
        (never called with 0 bytes, nor twice with the same count, as
        paramiko's).  A callback that raises stops the transfer, and its
        exception is raised here."""
        box: dict[str, BaseException] = {}
        if callback is None:
            cb = _lib.PROGRESS_CB()
        else:
            last = [0]

            def on_progress(done: int, total: int, userdata: Any) -> int:
                # Nothing may escape into C: an exception rejects (returns 0)
                # and is raised again below.
                if "exc" in box:
                    return 0
                try:
                    if done != last[0]:
                        last[0] = done
                        callback(done, total)
                    return 1
                except BaseException as e:  # noqa: BLE001
                    box["exc"] = e
                    return 0

            cb = _lib.PROGRESS_CB(on_progress)
        args: list[Any] = [self._h(), src, dst, flags, cb, None, -1]
        size = ctypes.c_uint64(0)
        if size_out:
            args.append(ctypes.byref(size))
        try:
            self._call(fn, *args)
        except Exception as e:
            exc = box.pop("exc", None)
            if exc is not None:
                raise exc.with_traceback(exc.__traceback__) from None
            if getattr(e, "gossh_code", None) == _lib.E_PROTOCOL:
                # the sizes did not match: paramiko's "size mismatch" IOError
                io = IOError(str(e))
                setattr(io, "gossh_code", getattr(e, "gossh_code"))
                raise io from None
            raise
        exc = box.pop("exc", None)
        if exc is not None:
            raise exc
        return int(size.value)

    @staticmethod
    def _flags(confirm: bool = True, resume: bool = False, preserve: bool = False) -> int:
        flags = 0
        if not confirm:
            flags |= _lib.SFTP_NOVERIFY
        if resume:
            flags |= _lib.SFTP_RESUME
        if preserve:
            flags |= _lib.SFTP_PRESERVE
        return flags

    def put(
        self,
        localpath: StrOrBytesPath,
        remotepath: StrOrBytesPath,
        callback: _Callback | None = None,
        confirm: bool = True,
        resume: bool = False,
        preserve: bool = False,
    ) -> SFTPAttributes:
        """Copies a local file to remotepath; returns its SFTPAttributes
        (empty ones with confirm=False).  callback(bytes_so_far, total) as
        paramiko.  gossh additions: resume=True appends to a partial remote
        file from its size; preserve=True copies mode bits and times."""
        bremote = self._adjust_cwd(remotepath)
        self._log_debug("put({!r}, {!r})", localpath, bremote)
        self._transfer(lib.gossh_sftp_put, _local(localpath), bremote,
                       self._flags(confirm, resume, preserve), callback)
        if confirm:
            return self.stat(bremote)
        return SFTPAttributes()

    def get(
        self,
        remotepath: StrOrBytesPath,
        localpath: StrOrBytesPath,
        callback: _Callback | None = None,
        prefetch: bool = True,
        max_concurrent_prefetch_requests: int | None = None,
        resume: bool = False,
        preserve: bool = False,
    ) -> None:
        """Copies a remote file to localpath.  The data goes to
        "<localpath>.gossh-part" first, renamed only when complete, so a
        failed or cancelled get leaves no file that looks complete.
        prefetch and max_concurrent_prefetch_requests are accepted and
        ignored (the library pipelines).  gossh additions: resume=True
        continues a partial "<localpath>.gossh-part"; preserve=True copies
        mode bits and times."""
        bremote = self._adjust_cwd(remotepath)
        self._log_debug("get({!r}, {!r})", bremote, localpath)
        self._transfer(lib.gossh_sftp_get, bremote, _local(localpath),
                       self._flags(True, resume, preserve), callback)

    def put_dir(
        self,
        localpath: StrOrBytesPath,
        remotepath: StrOrBytesPath,
        callback: _Callback | None = None,
        resume: bool = False,
        preserve: bool = False,
    ) -> None:
        """Copies a local directory tree to remotepath (gossh addition):
        files, directories, symlinks as links; callback(done, total) counts
        bytes over the whole tree."""
        bremote = self._adjust_cwd(remotepath)
        self._transfer(lib.gossh_sftp_put_dir, _local(localpath), bremote,
                       self._flags(True, resume, preserve), callback, size_out=False)

    def get_dir(
        self,
        remotepath: StrOrBytesPath,
        localpath: StrOrBytesPath,
        callback: _Callback | None = None,
        resume: bool = False,
        preserve: bool = False,
    ) -> None:
        """Copies a remote directory tree to localpath (gossh addition)."""
        bremote = self._adjust_cwd(remotepath)
        self._transfer(lib.gossh_sftp_get_dir, bremote, _local(localpath),
                       self._flags(True, resume, preserve), callback, size_out=False)

    def putfo(
        self,
        fl: SupportsRead[bytes] | SupportsRead[str],
        remotepath: StrOrBytesPath,
        file_size: int = 0,
        callback: _Callback | None = None,
        confirm: bool = True,
    ) -> SFTPAttributes:
        """Copies an open file object's contents to remotepath; returns
        SFTPAttributes (empty with confirm=False).  callback(bytes_so_far,
        file_size) after each chunk, as paramiko."""
        size = 0
        with self.open(remotepath, "wb") as fr:
            fr.set_pipelined(True)
            while True:
                data = fl.read(_IO_CHUNK)
                if isinstance(data, str):
                    data = data.encode("utf-8")
                if not data:
                    break
                fr.write(data)
                size += len(data)
                if callback is not None:
                    callback(size, file_size)
        if confirm:
            s = self.stat(remotepath)
            if s.st_size != size:
                raise IOError("size mismatch in put!  {} != {}".format(s.st_size, size))
            return s
        return SFTPAttributes()

    def getfo(
        self,
        remotepath: StrOrBytesPath,
        fl: SupportsWrite[bytes],
        callback: _Callback | None = None,
        prefetch: bool = True,
        max_concurrent_prefetch_requests: int | None = None,
    ) -> int:
        """Copies a remote file into an open file object; returns the number
        of bytes.  callback(bytes_so_far, file_size) after each chunk."""
        file_size = self.stat(remotepath).st_size
        size = 0
        with self.open(remotepath, "rb") as fr:
            while True:
                data = fr.read(_IO_CHUNK)
                if not data:
                    break
                fl.write(data)
                size += len(data)
                if callback is not None:
                    callback(size, file_size)  # type: ignore[arg-type]
        return size

    # -- beyond paramiko ---------------------------------------------------------------

    def makedirs(self, path: StrOrBytesPath, mode: int = 0o777) -> None:
        """Makes path and its missing parents; an existing directory is fine
        (os.makedirs(exist_ok=True))."""
        bpath = self._adjust_cwd(path)
        self._log_debug("makedirs({!r}, {!r})", bpath, mode)
        self._call(lib.gossh_sftp_makedirs, self._h(), bpath, int(mode), self._tmo())

    def rmtree(self, path: StrOrBytesPath) -> None:
        """Removes path and everything below it (symlinks are removed, never
        followed)."""
        bpath = self._adjust_cwd(path)
        self._log_debug("rmtree({!r})", bpath)
        self._call(lib.gossh_sftp_rmtree, self._h(), bpath, self._tmo())

    def hardlink(self, oldpath: StrOrBytesPath, newpath: StrOrBytesPath) -> None:
        """Makes newpath a hard link to oldpath (hardlink@openssh.com)."""
        old = self._adjust_cwd(oldpath)
        new = self._adjust_cwd(newpath)
        self._call(lib.gossh_sftp_hardlink, self._h(), old, new, self._tmo())

    def copy(self, src: StrOrBytesPath, dst: StrOrBytesPath) -> None:
        """Copies a remote file to dst on the server itself (copy-data: no
        data crosses the network); IOError when the server lacks it."""
        bsrc = self._adjust_cwd(src)
        bdst = self._adjust_cwd(dst)
        self._call(lib.gossh_sftp_copy, self._h(), bsrc, bdst, self._tmo())

    def statvfs(self, path: StrOrBytesPath = ".") -> os.statvfs_result:
        """The file system's statistics as an os.statvfs_result
        (statvfs@openssh.com)."""
        bpath = self._adjust_cwd(path)
        v = _lib.sftp_statvfs()
        self._call(lib.gossh_sftp_statvfs, self._h(), bpath, self._tmo(), ctypes.byref(v))
        return os.statvfs_result(
            (v.bsize, v.frsize, v.blocks, v.bfree, v.bavail, v.files, v.ffree, v.favail,
             v.flag, v.namemax),
            {"f_fsid": v.fsid},
        )

    def glob(self, pattern: StrOrBytesPath) -> list[str]:
        """The remote paths that match a shell pattern (*, ?, [...] in any
        component; a leading "." only by a pattern that starts with one),
        sorted.  A relative pattern gives relative paths."""
        full = self._adjust_cwd(pattern)
        d = _lib.sftp_dir_p()
        self._call(lib.gossh_sftp_glob, self._h(), full, self._tmo(), ctypes.byref(d))
        names = [a.filename for batch in self._read_dir(d) for a in batch]
        if full != _b(pattern) and self._cwd is not None:
            prefix = _u(self._cwd).rstrip("/") + "/"
            names = [n[len(prefix):] if n.startswith(prefix) else n for n in names]
        return names


def _take(p: Any) -> str | None:
    if not p:
        return None
    try:
        return _u(ctypes.string_at(p))
    finally:
        lib.gossh_free(ctypes.cast(p, ctypes.c_void_p))


class SFTP(SFTPClient):
    """An alias for SFTPClient (paramiko's, for backwards compatibility)."""
