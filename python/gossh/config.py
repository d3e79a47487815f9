"""paramiko's ``SSHConfig`` and ``SSHConfigDict`` (``paramiko.config``).

The resolving is the library's (gossh_sshconfig_*, OpenSSH's rules checked
against ``ssh -G``): this module only carries text and paths in and turns
the ``keyword<TAB>value`` lines it returns into paramiko's dict shape:

- keys in lower case; ``hostname`` always present (the name looked up when
  no HostName applies);
- ``identityfile``, ``localforward`` and ``remoteforward`` are lists, as in
  paramiko; other keywords are strings (for keywords OpenSSH accumulates
  beyond paramiko's three, the first value, as paramiko's first-wins gives,
  and for ``sendenv`` every name, space-separated);
- ``proxycommand none`` is None.

Differences from paramiko, where gossh follows OpenSSH: ``Include`` is
honoured; a host name without HostName is lower-cased as ssh does; ``Match
exec`` runs with ``/bin/sh -c`` (no ``invoke`` needed); ``%C`` hashes the
full local host name, as ssh; ``~`` in ProxyCommand is left to the shell;
canonicalization resolves names with the system resolver (no CNAME rules).
"""

from __future__ import annotations

import ctypes
import os
import socket
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    from _typeshed import StrPath, SupportsRead
    from typing_extensions import Self

from . import _lib
from ._lib import call, lib
from .ssh_exception import ConfigParseError, CouldNotCanonicalize

SSH_PORT = 22

# paramiko imports invoke (optional) to run "Match exec"; gossh's library runs
# it with /bin/sh -c itself. The names stay for programs that look at them.
invoke_import_error: Optional[ImportError]
try:
    import invoke  # type: ignore[import-not-found, import-untyped, unused-ignore]  # noqa: F401
    invoke_import_error = None
except ImportError as _e:
    invoke = None  # type: ignore[assignment]
    invoke_import_error = _e

# The keywords paramiko returns as lists.
_LIST_KEYS = ("identityfile", "localforward", "remoteforward")

__all__ = ["SSHConfig", "SSHConfigDict", "SSH_PORT"]


class LazyFqdn:
    """paramiko's lazily computed fully qualified name of this host (what
    its %l token used): the name is looked up the first time it is
    turned into a string. gossh's lookups expand %l in the library."""

    def __init__(self, config: Any, host: str | None = None) -> None:
        self.fqdn: str | None = None
        self.config = config
        self.host = host

    def __str__(self) -> str:
        if self.fqdn is None:
            self.fqdn = socket.getfqdn()
        return self.fqdn


def _multi_keywords() -> frozenset[str]:
    p = _lib.owned_str_p()
    call(lib.gossh_sshconfig_multi_keywords, ctypes.byref(p))
    return frozenset((_lib.take_string(p) or "").split())


_MULTI: frozenset[str] | None = None


def _translate(exc: Exception) -> Exception:
    """The library's errors as paramiko's: a line that does not parse is
    ConfigParseError, a name that could not be canonicalized
    CouldNotCanonicalize; a missing file stays an IOError."""
    if isinstance(exc, ValueError):
        return ConfigParseError(str(exc))
    if getattr(exc, "gossh_code", None) == _lib.E_CONNECT:
        return CouldNotCanonicalize(str(exc))
    return exc


class SSHConfig:
    """An OpenSSH client configuration, looked up per host (paramiko's
    SSHConfig). Build it with ``from_path``, ``from_text``, ``from_file``,
    or ``SSHConfig()`` then ``parse(file_obj)`` (repeatable: each file is
    read from its own top, after the earlier ones)."""

    def __init__(self) -> None:
        self._handle: Any = None

    @classmethod
    def from_text(cls, text: str) -> Self:
        """A configuration parsed from text."""
        obj = cls()
        obj._add_text(text)
        return obj

    @classmethod
    def from_path(cls, path: StrPath) -> Self:
        """Reads the file at path (relative Includes are under ~/.ssh, as
        for ``ssh -F``). A missing file raises IOError, as paramiko's
        open() does."""
        obj = cls()
        h = _lib.sshconfig_p()
        try:
            call(lib.gossh_sshconfig_from_path, _lib.enc(os.fspath(path)), ctypes.byref(h))
        except Exception as e:  # noqa: BLE001 - translated
            raise _translate(e) from None
        obj._handle = h
        return obj

    @classmethod
    def from_file(cls, flo: SupportsRead[str] | SupportsRead[bytes]) -> Self:
        """A configuration read from a file-like object."""
        obj = cls()
        obj.parse(flo)
        return obj

    def parse(self, file_obj: SupportsRead[str] | SupportsRead[bytes]) -> None:
        """Reads a configuration from a file-like object and adds it."""
        text = file_obj.read()
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        self._add_text(text)

    def _add_text(self, text: str) -> None:
        if not isinstance(text, str):
            raise TypeError("ssh_config text must be str")
        if "\0" in text:
            raise ConfigParseError("ssh_config text holds a NUL character")
        try:
            if self._handle is None:
                h = _lib.sshconfig_p()
                call(lib.gossh_sshconfig_from_text, text.encode("utf-8"), ctypes.byref(h))
                self._handle = h
            else:
                call(lib.gossh_sshconfig_add_text, self._handle, text.encode("utf-8"))
        except Exception as e:  # noqa: BLE001 - translated
            raise _translate(e) from None

    def _h(self) -> Any:
        if self._handle is None:
            # An empty configuration: paramiko's SSHConfig() looks up fine.
            h = _lib.sshconfig_p()
            call(lib.gossh_sshconfig_from_text, b"", ctypes.byref(h))
            self._handle = h
        return self._handle

    def lookup(self, hostname: str) -> SSHConfigDict:
        """The options for hostname as an SSHConfigDict (see the module's
        notes for the shape)."""
        global _MULTI
        if _MULTI is None:
            _MULTI = _multi_keywords()
        p = _lib.owned_str_p()
        try:
            call(lib.gossh_sshconfig_lookup, self._h(), _lib.enc(hostname), None, 0, ctypes.byref(p))
        except Exception as e:  # noqa: BLE001 - translated
            raise _translate(e) from None
        options = SSHConfigDict()
        for line in (_lib.take_string(p) or "").split("\n"):
            if not line:
                continue
            key, _, value = line.partition("\t")
            if key in _LIST_KEYS:
                options.setdefault(key, []).append(value)
            elif key in options:
                if key == "sendenv":
                    options[key] += " " + value
            elif key == "proxycommand" and value.lower() == "none":
                options[key] = None
            else:
                options[key] = value
        return options

    def get_hostnames(self) -> set[str]:
        """The patterns of every Host line, and "*" (paramiko's implicit
        global block), as a set."""
        p = _lib.owned_str_p()
        call(lib.gossh_sshconfig_hostnames, self._h(), ctypes.byref(p))
        return {"*"} | {h for h in (_lib.take_string(p) or "").split("\n") if h}

    @property
    def _config(self) -> list[dict[str, Any]]:
        """paramiko's internal list of rules, which programs read (Fabric
        counts it to log how many rules a file added): here one entry per
        Host pattern the library found, after paramiko's implicit global
        one, each with an empty "config" (use lookup for the values)."""
        return [{"host": [h], "config": {}} for h in ["*"] + sorted(self.get_hostnames() - {"*"})]

    def __del__(self) -> None:
        h, self._handle = getattr(self, "_handle", None), None
        _lib.free_quietly("gossh_sshconfig_free", h)


class SSHConfigDict(dict[str, Any]):
    """A dict of one host's options with paramiko's typed accessors."""

    def as_bool(self, key: str) -> bool:
        """True for "yes" (any case), False for anything else; a bool is
        returned as is."""
        val = self[key]
        if isinstance(val, bool):
            return val
        return bool(val.lower() == "yes")

    def as_int(self, key: str) -> int:
        """int(value): ValueError or TypeError as int() raises them."""
        return int(self[key])
