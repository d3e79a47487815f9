"""paramiko.sftp_si: ``SFTPServerInterface``.  It imports and subclasses;
gossh never serves SFTP, so nothing calls it (every method raises
NotImplementedError)."""

from ._unsupported import unsupported

__all__ = ["SFTPServerInterface"]


class SFTPServerInterface:
    def __init__(self, server, *args, **kwargs):
        super().__init__()

    def session_started(self):
        pass

    def session_ended(self):
        pass

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)

        def method(*args, **kwargs):
            raise unsupported("SFTPServerInterface." + name)

        return method
