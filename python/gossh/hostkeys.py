"""HostKeys: paramiko's known_hosts store over libgossh's ``gossh_hostkeys``.

Every rule (patterns, hashed names, markers, merging, what a save writes)
lives in libgossh; this module gives it paramiko's shape: a mutable mapping
of host name -> {key type: PKey}.

::

    hk = HostKeys("~/.ssh/known_hosts")
    hk.add("[example.com]:2222", key.get_name(), key)
    hk.check("[example.com]:2222", key)        # True
    del hk["[example.com]:2222"]["ssh-rsa"]
    hk.save("/tmp/known_hosts")

``SSHClient.get_host_keys()`` returns a HostKeys bound to the client's live
store: changes through it are seen by the client's next connect.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Iterator, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from _typeshed import StrPath
    from typing_extensions import Self

from . import _lib
from . import log as _gossh_log
from ._lib import call, lib
from .pkey import PKey

__all__ = ["HostKeys", "HostKeyEntry", "InvalidHostKey"]


class InvalidHostKey(Exception):
    """A known_hosts line that does not parse (paramiko's InvalidHostKey)."""

    def __init__(self, line: str, exc: Exception) -> None:
        Exception.__init__(self, line, exc)
        self.line = line
        self.exc = exc


def _text(key: PKey) -> str:
    return "{} {}".format(key.get_name(), key.get_base64())


def _take(fn: Any, *args: Any) -> str:
    p = _lib.owned_str_p()
    call(fn, *args, ctypes.byref(p))
    return _lib.take_string(p) or ""


class HostKeyEntry:
    """One known_hosts line: ``hostnames`` (a list of patterns) and ``key``.

    paramiko's HostKeyEntry; ``from_line`` parses through libgossh.
    """

    def __init__(self, hostnames: list[str] | None = None, key: PKey | None = None) -> None:
        self.valid = hostnames is not None and key is not None
        self.hostnames = hostnames
        self.key = key

    @classmethod
    def from_line(cls, line: str, lineno: int | None = None) -> Self | None:
        """Parses a plain known_hosts line; None for a blank, comment or
        marker (@cert-authority, @revoked) line, or one that does not parse
        (as paramiko, which skips those)."""
        line = line.strip()
        if not line or line.startswith("#") or line.startswith("@"):
            return None
        hk = HostKeys()
        try:
            call(lib.gossh_hostkeys_add_line, hk._handle, _lib.enc(line))
        except Exception:  # noqa: BLE001 - paramiko returns None for bad lines
            return None
        names = hk._hostnames()
        keys = [v for sub in (hk.lookup(n) or {} for n in names) for v in sub.values()]  # type: ignore[var-annotated]
        if not names or not keys:
            return None
        return cls(names, keys[0])

    def to_line(self) -> str | None:
        """The entry as a known_hosts line (with a newline), or None."""
        if not self.valid:
            return None
        return "{} {}\n".format(",".join(self.hostnames), _text(self.key))  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return "<HostKeyEntry {!r}: {!r}>".format(self.hostnames, self.key)


class SubDict(MutableMapping[str, PKey]):
    """The keys recorded for one host: key type -> PKey. Writes go to the
    store."""

    def __init__(self, hostname: str, hostkeys: HostKeys) -> None:
        self._hostname = hostname
        self._hostkeys = hostkeys

    def _keys(self) -> dict[str, PKey]:
        return self._hostkeys._lookup(self._hostname)

    def __getitem__(self, keytype: str) -> PKey:
        return self._keys()[keytype]

    def __setitem__(self, keytype: str, key: PKey) -> None:
        if key.get_name() != keytype:
            raise ValueError("key is a {}, not a {}".format(key.get_name(), keytype))
        self._hostkeys.add(self._hostname, keytype, key)

    def __delitem__(self, keytype: str) -> None:
        rc = call(lib.gossh_hostkeys_remove, self._hostkeys._handle,
                  _lib.enc(self._hostname), _lib.enc(keytype))
        if rc == 0:
            raise KeyError(keytype)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._keys()))

    def __len__(self) -> int:
        return len(self._keys())

    def keys(self) -> list[str]:  # type: ignore[override]
        """The key types recorded for the host (a list, as paramiko)."""
        return list(self._keys())

    def __repr__(self) -> str:
        return repr(self._keys())


class HostKeys(MutableMapping[str, SubDict]):
    """An OpenSSH known_hosts store (paramiko.HostKeys).

    A mapping of host name -> SubDict (key type -> PKey). ``keys()`` are the
    host names as stored (a hashed entry's "|1|salt|hash"), while lookups
    (``hk[name]``, ``lookup``, ``check``) match patterns and hashes.
    """

    def __init__(self, filename: StrPath | None = None) -> None:
        _gossh_log.install()  # skipped lines are logged ("gossh.hostkeys")
        h = _lib.hostkeys_p()
        call(lib.gossh_hostkeys_new, ctypes.byref(h))
        self._handle: Any = h
        self._owner: object = None
        if filename is not None:
            self.load(filename)

    @classmethod
    def _bind(cls, handle: Any, owner: object = None) -> Self:
        obj = cls.__new__(cls)
        obj._handle = handle
        obj._owner = owner  # keeps the client alive while the view is used
        return obj

    # -- files --------------------------------------------------------------

    def load(self, filename: StrPath) -> None:
        """Merges a known_hosts file in (new entries replace old ones for
        the same host and key type).  Malformed lines are skipped and logged.
        Raises IOError if the file cannot be read."""
        call(lib.gossh_hostkeys_load, self._handle,
             _lib.enc(os.path.expanduser(os.fspath(filename))))

    def save(self, filename: StrPath) -> None:
        """Writes the store in known_hosts format: loaded lines as read
        (hashed stay hashed), then added entries."""
        call(lib.gossh_hostkeys_save, self._handle,
             _lib.enc(os.path.expanduser(os.fspath(filename))))

    # -- paramiko's methods -------------------------------------------------

    def add(self, hostname: str, keytype: str, key: PKey) -> None:
        """Records key for hostname, replacing a key of the same type."""
        if keytype != key.get_name():
            raise ValueError("key is a {}, not a {}".format(key.get_name(), keytype))
        call(lib.gossh_hostkeys_add, self._handle, _lib.enc(hostname), _lib.enc(_text(key)))

    def add_line(self, line: str) -> None:
        """gossh: adds one known_hosts line, markers allowed
        ("@cert-authority *.example.com ssh-ed25519 AAAA...")."""
        call(lib.gossh_hostkeys_add_line, self._handle, _lib.enc(line))

    def _lookup(self, hostname: str) -> dict[str, PKey]:
        text = _take(lib.gossh_hostkeys_lookup, self._handle, _lib.enc(hostname))
        out: dict[str, PKey] = {}
        for line in text.splitlines():
            if line.strip():
                key = PKey.from_public_text(line)
                out[key.get_name()] = key
        return out

    def lookup(self, hostname: str) -> SubDict | None:
        """The keys recorded for hostname as a mapping key type -> PKey, or
        None if there are none."""
        if not self._lookup(hostname):
            return None
        return SubDict(hostname, self)

    def check(self, hostname: str, key: PKey) -> bool:
        """True if key is recorded for hostname (and not revoked)."""
        return call(lib.gossh_hostkeys_check, self._handle, _lib.enc(hostname),
                    _lib.enc(_text(key))) == 1

    def clear(self) -> None:
        """Forgets every entry."""
        self._empty_hosts()[:] = []
        call(lib.gossh_hostkeys_clear, self._handle)

    @staticmethod
    def hash_host(hostname: str, salt: str | bytes | None = None) -> str:
        """OpenSSH's hashed form "|1|salt|hash" of hostname; salt (base64, or
        a whole "|1|salt|hash") defaults to a random one."""
        if isinstance(salt, bytes):
            salt = salt.decode("ascii")
        return _take(lib.gossh_hostkeys_hash_host, _lib.enc(hostname), _lib.enc(salt))

    def _hostnames(self) -> list[str]:
        return [l for l in _take(lib.gossh_hostkeys_hostnames, self._handle).splitlines() if l]

    def to_text(self) -> str:
        """gossh: the store as known_hosts text."""
        return _take(lib.gossh_hostkeys_entries, self._handle)

    @property
    def _entries(self) -> list[HostKeyEntry]:
        """paramiko's list of HostKeyEntry (plain lines only), rebuilt from
        the store's text."""
        out: list[HostKeyEntry] = []
        for line in self.to_text().splitlines():
            e = HostKeyEntry.from_line(line)
            if e is not None:
                out.append(e)
        return out

    # -- the mapping ----------------------------------------------------------

    def keys(self) -> list[str]:  # type: ignore[override]
        """The host names as stored (a list, as paramiko)."""
        names = self._hostnames()
        return names + [h for h in self._empty_hosts() if h not in names]

    def values(self) -> list[SubDict]:  # type: ignore[override]
        """The SubDict of each host name (a list, as paramiko)."""
        return [self[h] for h in self.keys()]

    def items(self) -> list[tuple[str, SubDict]]:  # type: ignore[override]
        """(host name, SubDict) pairs (a list)."""
        return [(h, self[h]) for h in self.keys()]

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self.keys())

    def __contains__(self, hostname: object) -> bool:
        return bool(self._lookup(hostname)) or hostname in self._empty_hosts()  # type: ignore[arg-type]

    def __getitem__(self, hostname: str) -> SubDict:
        sub = self.lookup(hostname)
        if sub is None:
            if hostname in self._empty_hosts():
                return SubDict(hostname, self)
            raise KeyError(hostname)
        return sub

    def __setitem__(self, hostname: str, entry: Mapping[str, PKey]) -> None:
        """``hk[host] = {keytype: key, ...}`` adds (replaces) each key.
        ``hk[host] = {}`` makes an entry with no keys yet, as paramiko's:
        ``hk[host]["ssh-rsa"] = key`` then adds to it."""
        entries = dict(entry)
        if not entries:
            if hostname not in self._empty_hosts():
                self._empty.append(hostname)
            return
        for keytype, key in entries.items():
            self.add(hostname, keytype, key)

    def _empty_hosts(self) -> list[str]:
        # paramiko keeps a host set to {} as an entry; the store holds keys
        # only, so such hosts are remembered here until they get a key.
        if not hasattr(self, "_empty"):
            self._empty: list[str] = []
        return self._empty

    def __delitem__(self, hostname: str) -> None:
        empty = self._empty_hosts()
        was_empty = hostname in empty
        if was_empty:
            empty.remove(hostname)
        rc = call(lib.gossh_hostkeys_remove, self._handle, _lib.enc(hostname), None)
        if rc == 0 and not was_empty:
            raise KeyError(hostname)

    def __repr__(self) -> str:
        return "<gossh.HostKeys {} entries>".format(lib.gossh_hostkeys_count(self._handle))

    # -- lifetime -----------------------------------------------------------

    def __del__(self) -> None:
        h, self._handle = getattr(self, "_handle", None), None
        _lib.free_quietly("gossh_hostkeys_free", h)
