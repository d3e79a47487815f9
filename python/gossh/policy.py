"""Missing-host-key policies, as paramiko's.

``RejectPolicy`` and ``AutoAddPolicy`` (exactly these classes, not
subclasses) run inside libgossh (``gossh_client_set_policy``): no Python runs
during the handshake.  ``WarningPolicy`` and any other policy object run
through the C callback: the server's key is handed to
``policy.missing_host_key(client, hostname, key)``; returning normally
accepts the key, raising rejects it and ``connect()`` raises that same
exception.
"""

from __future__ import annotations

import logging
import warnings
from binascii import hexlify
from typing import TYPE_CHECKING, NoReturn

from .ssh_exception import SSHException

if TYPE_CHECKING:
    from .client import SSHClient
    from .pkey import PKey

__all__ = ["MissingHostKeyPolicy", "AutoAddPolicy", "RejectPolicy", "WarningPolicy"]

_log = logging.getLogger("paramiko.transport")


class MissingHostKeyPolicy:
    """Interface for a policy deciding what to do with an unknown host key.

    Subclass it and override ``missing_host_key``: return to accept the key,
    raise to reject it.
    """

    def missing_host_key(self, client: SSHClient, hostname: str, key: PKey) -> None:
        """Called with the server's key: return to accept it, raise to
        reject it (connect() raises the same exception)."""
        pass


class AutoAddPolicy(MissingHostKeyPolicy):
    """Accept the key, add it to the client's host keys and save them to the
    file given to ``load_host_keys`` (if any)."""

    def missing_host_key(self, client: SSHClient, hostname: str, key: PKey) -> None:
        """Accepts the key and adds it to the client's host keys."""
        # Used only if called directly: SSHClient hands this policy to
        # libgossh, which adds and saves the key itself.
        client._add_host_key(hostname, key)
        _log.debug("Adding %s host key for %s: %s", key.get_name(), hostname,
                   hexlify(key.get_fingerprint()))


class RejectPolicy(MissingHostKeyPolicy):
    """Reject the unknown host key (the default)."""

    def missing_host_key(self, client: SSHClient, hostname: str, key: PKey) -> NoReturn:
        """Rejects the key: raises SSHException."""
        _log.debug("Rejecting %s host key for %s: %s", key.get_name(), hostname,
                   hexlify(key.get_fingerprint()))
        raise SSHException("Server {!r} not found in known_hosts".format(hostname))


class WarningPolicy(MissingHostKeyPolicy):
    """Warn about the unknown host key (``warnings.warn``, once, as
    paramiko: no log record besides), then accept it without saving."""

    def missing_host_key(self, client: SSHClient, hostname: str, key: PKey) -> None:
        """Warns (warnings.warn) and accepts the key."""
        warnings.warn("Unknown {} host key for {}: {}".format(  # type: ignore[str-bytes-safe]
            key.get_name(), hostname, hexlify(key.get_fingerprint())))
