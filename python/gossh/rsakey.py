"""paramiko.rsakey: ``RSAKey`` (defined in gossh.pkey; the key work is done by
libgossh)."""

from .pkey import RSAKey

__all__ = ["RSAKey"]
