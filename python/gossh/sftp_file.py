"""paramiko.sftp_file: ``SFTPFile``, an open remote file.

A ``BufferedFile`` (paramiko's buffering, line reading and text/binary
rules) over a libgossh file handle.  The library moves the data: a
sequential read reads ahead, writes are pipelined, and packet sizes follow
the server's limits; this module only keeps the Python file's position in
step with the handle's offset.
"""

from __future__ import annotations

import ctypes
import errno
import threading
import time
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from . import _lib
from ._lib import lib
from .file import BufferedFile
from .sftp_attr import SFTPAttributes
from .ssh_exception import SSHTimeout

if TYPE_CHECKING:
    from .sftp_client import SFTPClient

__all__ = ["SFTPFile"]

# Most bytes one Python read or write hands to the library at once: large,
# so that a transfer costs few calls (the library splits it into packets).
_IO_CHUNK = 1 << 20


class SFTPFile(BufferedFile):
    """A file on the server (paramiko.SFTPFile), from ``SFTPClient.open``.

    ``read`` returns bytes; ``readline``/iteration return str unless the
    mode has "b" (as paramiko).  Writes are always pipelined (see
    ``set_pipelined``): a failed write is reported by a later write,
    ``flush``, ``stat``/``chmod``/... or ``close``, never lost.
    Works as a context manager; a file that is garbage-collected unclosed is
    closed then (its buffered data written first, errors ignored).
    """

    # paramiko's name; gossh's request sizes come from the server (the
    # library reads OpenSSH's limits), this value is not used.
    MAX_REQUEST_SIZE = 32768
    _READ_ALL_CHUNK = _IO_CHUNK

    def __init__(self, sftp: SFTPClient, handle: Any, mode: str = "r", bufsize: int = -1) -> None:
        BufferedFile.__init__(self)
        self.sftp = sftp
        self.handle = handle
        self.pipelined = False
        self._lock = threading.RLock()
        self._buf: Any = None  # reusable read buffer
        self._dirty = False  # written since the last flush of the library's writes
        # The library's offset as far as this object knows (None: unknown,
        # after an append write); reads and writes move it to _realpos first.
        self._coff: int | None = 0
        BufferedFile._set_mode(self, mode, bufsize)
        if self._flags & self.FLAG_APPEND:
            self._coff = None

    # -- lifetime ------------------------------------------------------------

    def __del__(self) -> None:
        if getattr(self, "_closed", True):
            return
        try:
            BufferedFile.flush(self)
        except Exception:  # noqa: BLE001 - a backstop, as paramiko's async close
            pass
        self._closed = True
        h, self.handle = self.handle, None
        # gossh_sftp_file_free closes the remote file without waiting for the
        # server (as paramiko's __del__ does not wait either).
        _lib.free_quietly("gossh_sftp_file_free", h)

    def close(self) -> None:
        """Writes out the buffer, waits for the pipelined writes and closes
        the remote handle.  Raises the first failed write (a file whose data
        did not all arrive never closes quietly).  Closing twice is fine.
        With a session timeout (``settimeout``) the close waits at most that
        long: then a file that was written raises socket.timeout, one that
        was only read closes quietly, as paramiko's."""
        if self._closed:
            return
        h = self.handle
        try:
            BufferedFile.flush(self)
        finally:
            self._closed = True
            try:
                if h is not None:
                    try:
                        # the session timeout bounds it (socket.timeout then,
                        # as paramiko's close would raise)
                        self.sftp._call(lib.gossh_sftp_file_close, h, self.sftp._tmo())
                    except SSHTimeout:
                        if self._dirty:
                            raise
                    except OSError as e:
                        # As paramiko, a file that wrote nothing may outlive
                        # its session quietly; written data must not.
                        if self._dirty or getattr(e, "gossh_code", None) != _lib.E_CLOSED:
                            raise
            finally:
                self.handle = None
                # after a timed-out close the helper thread's close goes on;
                # the free drops the handle without waiting
                _lib.free_quietly("gossh_sftp_file_free", h)

    def _h(self) -> Any:
        h = self.handle
        if h is None or self._closed:
            raise IOError("File is closed")
        return h

    def _tmo(self) -> int:
        return self.sftp.sock._timeout_ms()

    # -- data ----------------------------------------------------------------

    def _sync_offset(self, h: Any) -> None:
        if self._coff != self._realpos:
            # paramiko's seek flushes first: the writes before a seek are
            # answered before any I/O at the new position, so that writes
            # to overlapping ranges can never land out of order.
            self._wait_writes()
            self.sftp._call(lib.gossh_sftp_file_seek, h, self._realpos, 0, self._tmo(), None)
            self._coff = self._realpos

    def _read(self, size: int) -> bytes:
        cap = max(1, min(int(size), _IO_CHUNK))
        with self._lock:
            h = self._h()
            self._sync_offset(h)
            if self._buf is None or len(self._buf) < cap:
                self._buf = ctypes.create_string_buffer(max(cap, 64 * 1024))
            n = ctypes.c_size_t(0)
            self.sftp._call(lib.gossh_sftp_file_read, h, self._buf, cap, self._tmo(),
                            ctypes.byref(n))
            self._coff += n.value  # type: ignore[operator]
            return ctypes.string_at(self._buf, n.value)

    def _write(self, data: memoryview) -> int:
        chunk = bytes(data[:_IO_CHUNK])
        with self._lock:
            h = self._h()
            if not self._flags & self.FLAG_APPEND:
                self._sync_offset(h)
            n = ctypes.c_size_t(0)
            self._dirty = True
            self.sftp._call(lib.gossh_sftp_file_write, h, chunk, len(chunk), self._tmo(),
                            ctypes.byref(n))
            if self._flags & self.FLAG_APPEND:
                self._coff = None  # the server wrote at the end
            else:
                self._coff += n.value  # type: ignore[operator]
        if n.value == 0:
            raise IOError("gossh: the library accepted no data")
        return int(n.value)

    def _wait_writes(self) -> None:
        """Waits for the pipelined writes (their first failure is raised)."""
        if self._dirty:
            self.sftp._call(lib.gossh_sftp_file_flush, self._h(), self._tmo())
            self._dirty = False

    def flush(self) -> None:
        """Writes out the buffer and waits until the server has answered
        every write: a failed write raises here."""
        BufferedFile.flush(self)
        if not self._closed:
            with self._lock:
                self._wait_writes()

    def seekable(self) -> bool:
        """True: an SFTP file can seek."""
        return True

    def seek(self, offset: int, whence: int = 0) -> None:
        """Moves the position (whence 0: from the start, 1: from here, 2:
        from the end, which asks the server for the size).  Buffered writes
        are written first; the read buffer is dropped.  In append mode writes
        still go to the end."""
        BufferedFile.flush(self)
        if whence == self.SEEK_SET:
            pos = offset
        elif whence == self.SEEK_CUR:
            pos = self._pos + offset
        else:
            with self._lock:
                out = ctypes.c_uint64(0)
                self.sftp._call(lib.gossh_sftp_file_seek, self._h(), int(offset), 2,
                                self._tmo(), ctypes.byref(out))
                pos = self._coff = out.value
        if pos < 0:
            raise OSError(errno.EINVAL, "Invalid argument: negative seek position")
        self._realpos = self._pos = pos
        self._rbuffer = bytes()

    # -- attributes --------------------------------------------------------------

    def stat(self) -> SFTPAttributes:
        """The file's attributes (fstat), as ``SFTPClient.stat``."""
        a = _lib.sftp_attrs()
        with self._lock:
            self._wait_writes()
            self.sftp._call(lib.gossh_sftp_file_stat, self._h(), self._tmo(), ctypes.byref(a))
        return SFTPAttributes._from_c(a)

    def _setstat(self, attr: SFTPAttributes) -> None:
        a = attr._to_c()
        with self._lock:
            self._wait_writes()
            self.sftp._call(lib.gossh_sftp_file_setstat, self._h(), ctypes.byref(a), self._tmo())

    def chmod(self, mode: int) -> None:
        """Sets the permission bits."""
        self.sftp._log_debug("chmod(<file>, {!r})", mode)
        attr = SFTPAttributes()
        attr.st_mode = mode
        self._setstat(attr)

    def chown(self, uid: int, gid: int) -> None:
        """Sets owner and group (both, as os.chown)."""
        attr = SFTPAttributes()
        attr.st_uid, attr.st_gid = uid, gid
        self._setstat(attr)

    def utime(self, times: tuple[float, float] | None) -> None:
        """Sets (atime, mtime); None sets both to now."""
        if times is None:
            times = (time.time(), time.time())
        attr = SFTPAttributes()
        attr.st_atime, attr.st_mtime = times
        self._setstat(attr)

    def truncate(self, size: int) -> None:
        """Sets the file's size."""
        attr = SFTPAttributes()
        attr.st_size = size
        self._setstat(attr)

    def check(
        self, hash_algorithm: str, offset: int = 0, length: int = 0, block_size: int = 0
    ) -> bytes:
        """The server's hash of [offset, offset+length) (length 0: to the
        end) by the check-file extension, as raw bytes; with block_size, the
        hashes of each block_size piece, concatenated (asked one block at a
        time).  Raises IOError when the server lacks check-file (OpenSSH
        does), as paramiko."""
        if block_size:
            if not length:
                length = self.stat().st_size - offset  # type: ignore[operator]
            out = b""
            end = offset + length
            while offset < end:
                n = min(block_size, end - offset)
                out += self._check(hash_algorithm, offset, n)
                offset += n
            return out
        return self._check(hash_algorithm, offset, length)

    def _check(self, algorithm: str, offset: int, length: int) -> bytes:
        p = _lib.owned_str_p()
        with self._lock:
            self._wait_writes()
            self.sftp._call(lib.gossh_sftp_file_check, self._h(), _lib.enc(algorithm),
                            int(offset), int(length), self._tmo(), ctypes.byref(p))
        return bytes.fromhex(_lib.take_string(p) or "")

    def sync(self) -> None:
        """fsync@openssh.com: the server flushes the file to its disk
        (gossh addition)."""
        with self._lock:
            BufferedFile.flush(self)
            self.sftp._call(lib.gossh_sftp_file_sync, self._h(), self._tmo())
            self._dirty = False

    # -- paramiko's tuning calls -----------------------------------------------------

    def set_pipelined(self, pipelined: bool = True) -> None:
        """Recorded for paramiko's API; gossh always pipelines writes (so a
        failure shows at a later write, flush, stat or close, as paramiko's
        pipelined mode)."""
        self.pipelined = pipelined

    def prefetch(
        self, file_size: int | None = None, max_concurrent_requests: int | None = None
    ) -> None:
        """Accepted for paramiko's API and does nothing: the library reads
        ahead of every sequential read by itself."""

    def readv(
        self,
        chunks: Iterable[tuple[int, int]],
        max_concurrent_prefetch_requests: int | None = None,
    ) -> Iterator[bytes]:
        """Yields the data of each (offset, length) in chunks, in order (less
        at the end of the file).  Leaves the position after the last chunk,
        as paramiko's (seek + read per chunk)."""
        self.sftp._log_debug("readv(<file>, {!r})", chunks)
        BufferedFile.flush(self)
        for offset, size in chunks:
            data = self._pread(int(offset), int(size))
            self._realpos = self._pos = offset + len(data)
            self._rbuffer = bytes()
            yield data

    def _pread(self, offset: int, size: int) -> bytes:
        out: list[bytes] = []
        with self._lock:
            h = self._h()
            self._wait_writes()
            while size > 0:
                cap = min(size, _IO_CHUNK)
                if self._buf is None or len(self._buf) < cap:
                    self._buf = ctypes.create_string_buffer(max(cap, 64 * 1024))
                n = ctypes.c_size_t(0)
                self.sftp._call(lib.gossh_sftp_file_pread, h, self._buf, cap, offset,
                                self._tmo(), ctypes.byref(n))
                if n.value == 0:
                    break
                out.append(ctypes.string_at(self._buf, n.value))
                offset += n.value
                size -= n.value
        return b"".join(out)

    # -- timeouts: the session's, as paramiko's (they set the channel's) ----------

    def settimeout(self, timeout: float | None) -> None:
        """Seconds a request of this SFTP session may wait (None: no limit).
        As paramiko, it is the session's timeout (``get_channel()``), shared
        by its files."""
        self.sftp.sock.settimeout(timeout)

    def gettimeout(self) -> float | None:
        """The session's timeout (see settimeout())."""
        return self.sftp.sock.gettimeout()

    def setblocking(self, blocking: bool | int) -> None:
        """As SFTPChannel.setblocking: requests always wait."""
        self.sftp.sock.setblocking(blocking)

    # -- BufferedFile hooks ----------------------------------------------------------

    def _get_size(self) -> int:
        try:
            return self.stat().st_size  # type: ignore[return-value]

        except Exception:  # noqa: BLE001 - as paramiko
            return 0
