"""paramiko.sftp_handle: ``SFTPHandle`` (server side: NotImplementedError
when made)."""

from ._unsupported import Unsupported
from .util import ClosingContextManager

__all__ = ["SFTPHandle"]


class SFTPHandle(Unsupported, ClosingContextManager):
    _what = "SFTPHandle (an SFTP server's file handle)"
