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

import ctypes
import os
from collections.abc import MutableMapping

from . import _lib
from . import log as _gossh_log
from ._lib import call, lib
from .pkey import PKey

__all__ = ["HostKeys", "HostKeyEntry", "InvalidHostKey"]


class InvalidHostKey(Exception):
    """A known_hosts line that does not parse (paramiko's InvalidHostKey)."""

    def __init__(self, line, exc):
        Exception.__init__(self, line, exc)
        self.line = line
        self.exc = exc


def _text(key):
    return "{} {}".format(key.get_name(), key.get_base64())


def _take(fn, *args):
    p = _lib.owned_str_p()
    call(fn, *args, ctypes.byref(p))
    return _lib.take_string(p) or ""


class HostKeyEntry:
    """One known_hosts line: ``hostnames`` (a list of patterns) and ``key``.

    paramiko's HostKeyEntry; ``from_line`` parses through libgossh.
    """

    def __init__(self, hostnames=None, key=None):
        self.valid = hostnames is not None and key is not None
        self.hostnames = hostnames
        self.key = key

    @classmethod
    def from_line(cls, line, lineno=None):
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
        keys = [v for sub in (hk.lookup(n) or {} for n in names) for v in sub.values()]
        if not names or not keys:
            return None
        return cls(names, keys[0])

    def to_line(self):
        """The entry as a known_hosts line (with a newline), or None."""
        if not self.valid:
            return None
        return "{} {}\n".format(",".join(self.hostnames), _text(self.key))

    def __repr__(self):
        return "<HostKeyEntry {!r}: {!r}>".format(self.hostnames, self.key)


class SubDict(MutableMapping):
    """The keys recorded for one host: key type -> PKey. Writes go to the
    store."""

    def __init__(self, hostname, hostkeys):
        self._hostname = hostname
        self._hostkeys = hostkeys

    def _keys(self):
        return self._hostkeys._lookup(self._hostname)

    def __getitem__(self, keytype):
        return self._keys()[keytype]

    def __setitem__(self, keytype, key):
        if key.get_name() != keytype:
            raise ValueError("key is a {}, not a {}".format(key.get_name(), keytype))
        self._hostkeys.add(self._hostname, keytype, key)

    def __delitem__(self, keytype):
        rc = call(lib.gossh_hostkeys_remove, self._hostkeys._handle,
                  _lib.enc(self._hostname), _lib.enc(keytype))
        if rc == 0:
            raise KeyError(keytype)

    def __iter__(self):
        return iter(list(self._keys()))

    def __len__(self):
        return len(self._keys())

    def keys(self):
        return list(self._keys())

    def __repr__(self):
        return repr(self._keys())


class HostKeys(MutableMapping):
    """An OpenSSH known_hosts store (paramiko.HostKeys).

    A mapping of host name -> SubDict (key type -> PKey). ``keys()`` are the
    host names as stored (a hashed entry's "|1|salt|hash"), while lookups
    (``hk[name]``, ``lookup``, ``check``) match patterns and hashes.
    """

    def __init__(self, filename=None):
        _gossh_log.install()  # skipped lines are logged ("gossh.hostkeys")
        h = _lib.hostkeys_p()
        call(lib.gossh_hostkeys_new, ctypes.byref(h))
        self._handle = h
        self._owner = None
        if filename is not None:
            self.load(filename)

    @classmethod
    def _bind(cls, handle, owner=None):
        obj = cls.__new__(cls)
        obj._handle = handle
        obj._owner = owner  # keeps the client alive while the view is used
        return obj

    # -- files --------------------------------------------------------------

    def load(self, filename):
        """Merges a known_hosts file in (new entries replace old ones for
        the same host and key type).  Malformed lines are skipped and logged.
        Raises IOError if the file cannot be read."""
        call(lib.gossh_hostkeys_load, self._handle,
             _lib.enc(os.path.expanduser(os.fspath(filename))))

    def save(self, filename):
        """Writes the store in known_hosts format: loaded lines as read
        (hashed stay hashed), then added entries."""
        call(lib.gossh_hostkeys_save, self._handle,
             _lib.enc(os.path.expanduser(os.fspath(filename))))

    # -- paramiko's methods -------------------------------------------------

    def add(self, hostname, keytype, key):
        """Records key for hostname, replacing a key of the same type."""
        if keytype != key.get_name():
            raise ValueError("key is a {}, not a {}".format(key.get_name(), keytype))
        call(lib.gossh_hostkeys_add, self._handle, _lib.enc(hostname), _lib.enc(_text(key)))

    def add_line(self, line):
        """gossh: adds one known_hosts line, markers allowed
        ("@cert-authority *.example.com ssh-ed25519 AAAA...")."""
        call(lib.gossh_hostkeys_add_line, self._handle, _lib.enc(line))

    def _lookup(self, hostname):
        text = _take(lib.gossh_hostkeys_lookup, self._handle, _lib.enc(hostname))
        out = {}
        for line in text.splitlines():
            if line.strip():
                key = PKey.from_public_text(line)
                out[key.get_name()] = key
        return out

    def lookup(self, hostname):
        """The keys recorded for hostname as a mapping key type -> PKey, or
        None if there are none."""
        if not self._lookup(hostname):
            return None
        return SubDict(hostname, self)

    def check(self, hostname, key):
        """True if key is recorded for hostname (and not revoked)."""
        return call(lib.gossh_hostkeys_check, self._handle, _lib.enc(hostname),
                    _lib.enc(_text(key))) == 1

    def clear(self):
        """Forgets every entry."""
        self._empty_hosts()[:] = []
        call(lib.gossh_hostkeys_clear, self._handle)

    @staticmethod
    def hash_host(hostname, salt=None):
        """OpenSSH's hashed form "|1|salt|hash" of hostname; salt (base64, or
        a whole "|1|salt|hash") defaults to a random one."""
        if isinstance(salt, bytes):
            salt = salt.decode("ascii")
        return _take(lib.gossh_hostkeys_hash_host, _lib.enc(hostname), _lib.enc(salt))

    def _hostnames(self):
        return [l for l in _take(lib.gossh_hostkeys_hostnames, self._handle).splitlines() if l]

    def to_text(self):
        """gossh: the store as known_hosts text."""
        return _take(lib.gossh_hostkeys_entries, self._handle)

    @property
    def _entries(self):
        """paramiko's list of HostKeyEntry (plain lines only), rebuilt from
        the store's text."""
        out = []
        for line in self.to_text().splitlines():
            e = HostKeyEntry.from_line(line)
            if e is not None:
                out.append(e)
        return out

    # -- the mapping ----------------------------------------------------------

    def keys(self):
        names = self._hostnames()
        return names + [h for h in self._empty_hosts() if h not in names]

    def values(self):
        return [self[h] for h in self.keys()]

    def items(self):
        return [(h, self[h]) for h in self.keys()]

    def __iter__(self):
        return iter(self.keys())

    def __len__(self):
        return len(self.keys())

    def __contains__(self, hostname):
        return bool(self._lookup(hostname)) or hostname in self._empty_hosts()

    def __getitem__(self, hostname):
        sub = self.lookup(hostname)
        if sub is None:
            if hostname in self._empty_hosts():
                return SubDict(hostname, self)
            raise KeyError(hostname)
        return sub

    def __setitem__(self, hostname, entry):
        """``hk[host] = {keytype: key, ...}`` adds (replaces) each key.
        ``hk[host] = {}`` makes an entry with no keys yet, as paramiko's:
        ``hk[host]["ssh-rsa"] = key`` then adds to it."""
        entry = dict(entry)
        if not entry:
            if hostname not in self._empty_hosts():
                self._empty.append(hostname)
            return
        for keytype, key in entry.items():
            self.add(hostname, keytype, key)

    def _empty_hosts(self):
        # paramiko keeps a host set to {} as an entry; the store holds keys
        # only, so such hosts are remembered here until they get a key.
        if not hasattr(self, "_empty"):
            self._empty = []
        return self._empty

    def __delitem__(self, hostname):
        empty = self._empty_hosts()
        was_empty = hostname in empty
        if was_empty:
            empty.remove(hostname)
        rc = call(lib.gossh_hostkeys_remove, self._handle, _lib.enc(hostname), None)
        if rc == 0 and not was_empty:
            raise KeyError(hostname)

    def __repr__(self):
        return "<gossh.HostKeys {} entries>".format(lib.gossh_hostkeys_count(self._handle))

    # -- lifetime -----------------------------------------------------------

    def __del__(self):
        h, self._handle = getattr(self, "_handle", None), None
        _lib.free_quietly("gossh_hostkeys_free", h)
