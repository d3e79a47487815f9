"""paramiko.sftp's names: the SFTP v3 protocol constants and ``SFTPError``.

gossh speaks the protocol in libgossh (Go, github.com/pkg/sftp); these
constants are here so that code written against ``paramiko.sftp`` (status
codes in particular: ``SFTP_NO_SUCH_FILE``, ``SFTP_PERMISSION_DENIED``, ...)
keeps working.  An exception raised for a failed request carries the status
in ``sftp_status`` (one of the ``SFTP_*`` values below) and its name in
``sftp_status_name``.
"""

__all__ = ["SFTPError", "BaseSFTP", "int64"]

(
    CMD_INIT,
    CMD_VERSION,
    CMD_OPEN,
    CMD_CLOSE,
    CMD_READ,
    CMD_WRITE,
    CMD_LSTAT,
    CMD_FSTAT,
    CMD_SETSTAT,
    CMD_FSETSTAT,
    CMD_OPENDIR,
    CMD_READDIR,
    CMD_REMOVE,
    CMD_MKDIR,
    CMD_RMDIR,
    CMD_REALPATH,
    CMD_STAT,
    CMD_RENAME,
    CMD_READLINK,
    CMD_SYMLINK,
) = range(1, 21)
(CMD_STATUS, CMD_HANDLE, CMD_DATA, CMD_NAME, CMD_ATTRS) = range(101, 106)
(CMD_EXTENDED, CMD_EXTENDED_REPLY) = range(200, 202)

SFTP_OK = 0
(
    SFTP_EOF,
    SFTP_NO_SUCH_FILE,
    SFTP_PERMISSION_DENIED,
    SFTP_FAILURE,
    SFTP_BAD_MESSAGE,
    SFTP_NO_CONNECTION,
    SFTP_CONNECTION_LOST,
    SFTP_OP_UNSUPPORTED,
) = range(1, 9)

SFTP_DESC = [
    "Success",
    "End of file",
    "No such file",
    "Permission denied",
    "Failure",
    "Bad message",
    "No connection",
    "Connection lost",
    "Operation unsupported",
]

SFTP_FLAG_READ = 0x1
SFTP_FLAG_WRITE = 0x2
SFTP_FLAG_APPEND = 0x4
SFTP_FLAG_CREATE = 0x8
SFTP_FLAG_TRUNC = 0x10
SFTP_FLAG_EXCL = 0x20

_VERSION = 3

CMD_NAMES = {
    CMD_INIT: "init",
    CMD_VERSION: "version",
    CMD_OPEN: "open",
    CMD_CLOSE: "close",
    CMD_READ: "read",
    CMD_WRITE: "write",
    CMD_LSTAT: "lstat",
    CMD_FSTAT: "fstat",
    CMD_SETSTAT: "setstat",
    CMD_FSETSTAT: "fsetstat",
    CMD_OPENDIR: "opendir",
    CMD_READDIR: "readdir",
    CMD_REMOVE: "remove",
    CMD_MKDIR: "mkdir",
    CMD_RMDIR: "rmdir",
    CMD_REALPATH: "realpath",
    CMD_STAT: "stat",
    CMD_RENAME: "rename",
    CMD_READLINK: "readlink",
    CMD_SYMLINK: "symlink",
    CMD_STATUS: "status",
    CMD_HANDLE: "handle",
    CMD_DATA: "data",
    CMD_NAME: "name",
    CMD_ATTRS: "attrs",
    CMD_EXTENDED: "extended",
    CMD_EXTENDED_REPLY: "extended_reply",
}


class int64(int):
    """paramiko's marker for a 64-bit integer in a request (kept for
    imports; gossh builds no packets in Python)."""


class SFTPError(Exception):
    """paramiko.sftp.SFTPError: raised where paramiko raises it (a protocol
    surprise, and ``chdir`` to a non-directory:
    ``SFTPError(errno.ENOTDIR, "Not a directory: <path>")``).  Failed
    requests raise IOError/OSError as paramiko's do."""


class BaseSFTP:
    """paramiko's base class of SFTPClient (and SFTPServer), kept for
    isinstance checks and imports; gossh has no packet layer in Python."""
