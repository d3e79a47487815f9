"""paramiko.ed25519key: ``Ed25519Key`` (defined in gossh.pkey; the key work is done by
libgossh)."""

from .pkey import Ed25519Key

__all__ = ["Ed25519Key"]
