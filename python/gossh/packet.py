"""paramiko.packet: paramiko's packet layer.  In gossh the SSH transport
is x/crypto/ssh inside libgossh; ``Packetizer`` raises NotImplementedError
when made."""

from __future__ import annotations

from typing import Any

from .ssh_exception import SSHException
from ._unsupported import Unsupported

__all__ = ["NeedRekeyException", "Packetizer", "compute_hmac", "first_arg"]


class NeedRekeyException(Exception):
    pass


def first_arg(e: BaseException) -> Any:
    """e.args[0], or None."""
    if getattr(e, "args", None):
        return e.args[0]
    return None


def compute_hmac(key: bytes, message: bytes, digest_class: Any) -> bytes:
    """The HMAC of message with key and the hash digest_class."""
    import hmac

    return hmac.HMAC(key, message, digest_class).digest()


class Packetizer(Unsupported):
    _what = "Packetizer (the SSH packet layer is x/crypto/ssh inside libgossh)"


del SSHException
