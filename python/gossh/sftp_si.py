"""paramiko.sftp_si: ``SFTPServerInterface``.  It imports and subclasses;
gossh never serves SFTP, so nothing calls it (every method raises
NotImplementedError)."""

from __future__ import annotations

from typing import Any, Callable, NoReturn

from ._unsupported import unsupported

__all__ = ["SFTPServerInterface"]


class SFTPServerInterface:
    """paramiko's SFTP server interface (never called by gossh)."""

    def __init__(self, server: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def session_started(self) -> None:
        """Nothing."""
        pass

    def session_ended(self) -> None:
        """Nothing."""
        pass

    def __getattr__(self, name: str) -> Callable[..., NoReturn]:
        if name.startswith("_"):
            raise AttributeError(name)

        def method(*args: Any, **kwargs: Any) -> NoReturn:
            raise unsupported("SFTPServerInterface." + name)

        return method
