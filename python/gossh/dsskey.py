"""paramiko.dsskey: ``DSSKey`` (defined in gossh.pkey; the key work is done by
libgossh)."""

from .pkey import DSSKey

__all__ = ["DSSKey"]
