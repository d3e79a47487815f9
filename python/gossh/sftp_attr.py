"""paramiko.sftp_attr: ``SFTPAttributes``, a file's attributes as SFTP
reports them, shaped like ``os.stat``'s result."""

from __future__ import annotations

import os
import stat
import time
from typing import TYPE_CHECKING, Any


from . import _lib

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["SFTPAttributes"]

_SIX_MONTHS = 15552000  # seconds: ls -l shows the year beyond this


class SFTPAttributes:
    """The attributes of a remote file (paramiko.SFTPAttributes).

    Fields, each ``None`` when the server did not send it: ``st_size``,
    ``st_uid``, ``st_gid``, ``st_mode`` (type and permission bits, as
    ``os.stat``), ``st_atime``, ``st_mtime`` (seconds since the epoch).
    Directory listings also set ``filename`` and ``longname`` (the server's
    ``ls -l`` line).  ``attr`` holds extended attributes (always empty with
    gossh: the C API does not carry them).  ``str()`` gives an ``ls -l``
    line as paramiko's does.
    """

    FLAG_SIZE = 1
    FLAG_UIDGID = 2
    FLAG_PERMISSIONS = 4
    FLAG_AMTIME = 8
    FLAG_EXTENDED = 0x80000000

    # Set by directory listings (and from_stat with a filename) only.
    filename: str
    longname: str

    def __init__(self) -> None:
        self._flags = 0
        self.st_size: int | None = None
        self.st_uid: int | None = None
        self.st_gid: int | None = None
        self.st_mode: int | None = None
        self.st_atime: float | None = None
        self.st_mtime: float | None = None
        self.attr: dict[str, Any] = {}

    @classmethod
    def from_stat(cls, obj: os.stat_result, filename: str | None = None) -> Self:
        """An SFTPAttributes with the fields of an ``os.stat`` result."""
        attr = cls()
        attr.st_size = obj.st_size
        attr.st_uid = obj.st_uid
        attr.st_gid = obj.st_gid
        attr.st_mode = obj.st_mode
        attr.st_atime = obj.st_atime
        attr.st_mtime = obj.st_mtime
        if filename is not None:
            attr.filename = filename
        return attr

    def __repr__(self) -> str:
        return "<SFTPAttributes: {}>".format(self._debug_str())

    # -- the C struct ----------------------------------------------------------

    @classmethod
    def _from_c(cls, a: Any, filename: str | None = None, longname: str | None = None) -> Self:
        """From a gossh_sftp_attrs: only the fields its flags mark valid."""
        attr = cls()
        flags = a.flags
        attr._flags = flags
        if flags & _lib.SFTP_ATTR_SIZE:
            attr.st_size = a.size
        if flags & _lib.SFTP_ATTR_UIDGID:
            attr.st_uid = a.uid
            attr.st_gid = a.gid
        if flags & _lib.SFTP_ATTR_PERMISSIONS:
            attr.st_mode = a.mode
        if flags & _lib.SFTP_ATTR_ACMODTIME:
            attr.st_atime = a.atime
            attr.st_mtime = a.mtime
        if filename is not None:
            attr.filename = filename
        if longname is not None:
            attr.longname = longname
        return attr

    def _to_c(self) -> _lib.sftp_attrs:
        """A gossh_sftp_attrs for the setstat calls, flags set for the fields
        that are not None (uid with gid, atime with mtime), as paramiko
        packs them; fractions of a second are dropped, as paramiko does."""
        a = _lib.sftp_attrs()
        flags = 0
        if self.st_size is not None:
            flags |= _lib.SFTP_ATTR_SIZE
            a.size = int(self.st_size)
        if self.st_uid is not None and self.st_gid is not None:
            flags |= _lib.SFTP_ATTR_UIDGID
            a.uid = int(self.st_uid)
            a.gid = int(self.st_gid)
        if self.st_mode is not None:
            flags |= _lib.SFTP_ATTR_PERMISSIONS
            a.mode = int(self.st_mode)
        if self.st_atime is not None and self.st_mtime is not None:
            flags |= _lib.SFTP_ATTR_ACMODTIME
            a.atime = int(self.st_atime)
            a.mtime = int(self.st_mtime)
        a.flags = flags
        self._flags = flags
        return a

    # -- text ------------------------------------------------------------------

    def _debug_str(self) -> str:
        out = "[ "
        if self.st_size is not None:
            out += "size={} ".format(self.st_size)
        if self.st_uid is not None and self.st_gid is not None:
            out += "uid={} gid={} ".format(self.st_uid, self.st_gid)
        if self.st_mode is not None:
            out += "mode=" + oct(self.st_mode) + " "
        if self.st_atime is not None and self.st_mtime is not None:
            out += "atime={} mtime={} ".format(self.st_atime, self.st_mtime)
        for k, v in self.attr.items():
            out += '"{}"={!r} '.format(str(k), v)
        return out + "]"

    @staticmethod
    def _rwx(n: int, suid: int, sticky: bool = False) -> str:
        if suid:
            suid = 2
        out = "-r"[n >> 2] + "-w"[(n >> 1) & 1]
        if sticky:
            out += "-xTt"[suid + (n & 1)]
        else:
            out += "-xSs"[suid + (n & 1)]
        return out

    def __str__(self) -> str:
        """An ``ls -l`` style line, as paramiko's."""
        if self.st_mode is not None:
            kind = stat.S_IFMT(self.st_mode)
            ks = {
                stat.S_IFIFO: "p",
                stat.S_IFCHR: "c",
                stat.S_IFDIR: "d",
                stat.S_IFBLK: "b",
                stat.S_IFREG: "-",
                stat.S_IFLNK: "l",
                stat.S_IFSOCK: "s",
            }.get(kind, "?")
            ks += self._rwx((self.st_mode & 0o700) >> 6, self.st_mode & stat.S_ISUID)
            ks += self._rwx((self.st_mode & 0o70) >> 3, self.st_mode & stat.S_ISGID)
            ks += self._rwx(self.st_mode & 7, self.st_mode & stat.S_ISVTX, True)
        else:
            ks = "?---------"
        if self.st_mtime is None or self.st_mtime == 0xFFFFFFFF:
            datestr = "(unknown date)"
        else:
            time_tuple = time.localtime(self.st_mtime)
            if abs(time.time() - self.st_mtime) > _SIX_MONTHS:
                datestr = time.strftime("%d %b %Y", time_tuple)
            else:
                datestr = time.strftime("%d %b %H:%M", time_tuple)
        filename = getattr(self, "filename", "?")
        uid = self.st_uid if self.st_uid is not None else 0
        gid = self.st_gid if self.st_gid is not None else 0
        size = self.st_size if self.st_size is not None else 0
        return "%s   1 %-8d %-8d %8d %-12s %s" % (ks, uid, gid, size, datestr, filename)

    def asbytes(self) -> bytes:
        """str(self) as bytes (paramiko's)."""

        return str(self).encode()
