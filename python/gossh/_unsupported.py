"""Stand-ins for paramiko's server-side and internal classes: gossh is a
client library (its SSH work happens in libgossh), so these exist to be
imported and subclassed, and raise NotImplementedError when used."""


from __future__ import annotations

from typing import Any


def unsupported(what: str) -> NotImplementedError:
    """The NotImplementedError for a paramiko feature gossh does not have."""
    return NotImplementedError(
        "gossh: {} is not supported: gossh is an SSH client library (paramiko's "
        "server side and protocol internals have no gossh equivalent)".format(what)
    )


class Unsupported:
    """A class whose instances cannot be made: __init__ raises."""

    _what: str | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise unsupported(self._what or type(self).__name__)
