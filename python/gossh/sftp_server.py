"""paramiko.sftp_server: ``SFTPServer`` (server side: NotImplementedError
when made)."""

from .server import SubsystemHandler

__all__ = ["SFTPServer"]


class SFTPServer(SubsystemHandler):
    _what = "SFTPServer (an SFTP server)"
