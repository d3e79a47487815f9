"""paramiko.ecdsakey: ``ECDSAKey`` (defined in gossh.pkey; the key work is done by
libgossh)."""

from .pkey import ECDSAKey

__all__ = ["ECDSAKey"]
