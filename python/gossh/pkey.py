"""Keys: paramiko's ``PKey`` family over libgossh's ``gossh_key`` handles.

A key loaded from a private key file wraps a ``gossh_key`` handle (the
private half never enters Python).  A public-only key (the server's host key
handed to a policy, the keys of a ``BadHostKeyException``) holds just its
type name and public blob.
"""

import base64
import ctypes
import hashlib
import os
import struct

from . import _lib
from ._lib import call, lib
from .ssh_exception import SSHException

__all__ = ["PKey", "RSAKey", "ECDSAKey", "Ed25519Key", "DSSKey", "UnknownKeyType"]


class UnknownKeyType(Exception):
    """An unknown key type was given."""

    def __init__(self, key_type=None, key_bytes=None):
        Exception.__init__(self, key_type, key_bytes)
        self.key_type = key_type
        self.key_bytes = key_bytes

    def __str__(self):
        return "UnknownKeyType(type={!r}, bytes=<{}>)".format(
            self.key_type, len(self.key_bytes or b"")
        )


def _read_strings(blob):
    """Splits an SSH wire blob into its length-prefixed fields."""
    out, i = [], 0
    while i + 4 <= len(blob):
        (n,) = struct.unpack(">I", blob[i : i + 4])
        out.append(blob[i + 4 : i + 4 + n])
        i += 4 + n
    return out


def _mpint_bits(b):
    b = b.lstrip(b"\x00")
    return (len(b) - 1) * 8 + b[0].bit_length() if b else 0


class PKey:
    """Base class for public keys (paramiko.PKey).

    The factories (``from_private_key_file``, ``from_private_key``,
    ``from_path``) return an instance of the subclass matching the key's
    type; called on a subclass (``RSAKey.from_private_key_file``) they insist
    on that type, as paramiko does.
    """

    # Names of the SSH key types a subclass stands for (prefix match for
    # "ecdsa-sha2-").
    _KEY_TYPES = ()
    name = None  # paramiko's class attribute (e.g. "ssh-rsa") on subclasses

    def __init__(self, msg=None, data=None, filename=None, password=None, key=None,
                 file_obj=None):
        self._handle = None
        self._type = None
        self._blob = None
        if key is not None:
            raise NotImplementedError(
                "gossh: keys made from cryptography objects are not supported; "
                "load them from a file or text"
            )
        if filename is not None:
            self._take(self._load_file(filename, password))
        elif file_obj is not None:
            self._take(self._load_data(file_obj.read(), password))
        elif data is not None or msg is not None:
            blob = data if data is not None else msg.asbytes()
            self._set_public(None, bytes(blob))

    # -- construction ---------------------------------------------------------

    @staticmethod
    def _load_file(filename, password):
        h = _lib.key_p()
        call(lib.gossh_key_from_file, _lib.enc(os.fspath(filename)), _lib.enc(password),
             ctypes.byref(h))
        return h

    @staticmethod
    def _load_data(data, password):
        if isinstance(data, str):
            data = data.encode("utf-8")
        data = bytes(data)
        h = _lib.key_p()
        call(lib.gossh_key_from_data, data, len(data), _lib.enc(password), ctypes.byref(h))
        return h

    def _take(self, handle):
        """Adopts a gossh_key handle (checking the type against the class)."""
        try:
            ktype = _lib.take_string(self._out_string(lib.gossh_key_type, handle))
            text = _lib.take_string(self._out_string(lib.gossh_key_public_text, handle))
            cls = _class_for(ktype)
            if type(self) is not PKey and not issubclass(cls, type(self)):
                raise SSHException(
                    "not a valid {} private key file (it is {})".format(
                        type(self).__name__, ktype
                    )
                )
        except BaseException:
            lib.gossh_key_free(handle)
            raise
        self._handle = handle
        parts = text.split()
        self._set_public(ktype, base64.b64decode(parts[1]))
        if type(self) is PKey and cls is not PKey:
            self.__class__ = cls

    @staticmethod
    def _out_string(fn, handle):
        p = _lib.owned_str_p()
        call(fn, handle, ctypes.byref(p))
        return p

    def _set_public(self, ktype, blob):
        fields = _read_strings(blob)
        if ktype is None:
            if not fields:
                raise SSHException("gossh: not a public key blob")
            ktype = fields[0].decode("ascii", "replace")
        self._type = ktype
        self._blob = blob
        self._fields = fields
        if type(self) is PKey:
            cls = _class_for(ktype)
            if cls is not PKey:
                self.__class__ = cls

    @classmethod
    def from_private_key_file(cls, filename, password=None):
        """Loads a private key file; ``password`` unlocks an encrypted key.

        Raises PasswordRequiredException if the key is encrypted and no
        password was given, SSHException if it does not parse (or the
        password is wrong).
        """
        obj = cls.__new__(cls)
        PKey.__init__(obj)
        obj._take(cls._load_file(filename, password))
        return obj

    @classmethod
    def from_private_key(cls, file_obj, password=None):
        """Loads a private key from a file-like object (its text)."""
        obj = cls.__new__(cls)
        PKey.__init__(obj)
        obj._take(cls._load_data(file_obj.read(), password))
        return obj

    @classmethod
    def from_path(cls, path, passphrase=None):
        """paramiko 3's PKey.from_path."""
        return cls.from_private_key_file(os.path.expanduser(os.fspath(path)), passphrase)

    @classmethod
    def from_type_string(cls, key_type, key_bytes):
        """A public-only key from its type name and public blob."""
        if _class_for(key_type) is PKey and not key_type:
            raise UnknownKeyType(key_type, key_bytes)
        obj = PKey.__new__(PKey)
        PKey.__init__(obj)
        obj._set_public(key_type, bytes(key_bytes))
        return obj

    @classmethod
    def from_public_text(cls, text):
        """gossh: a public-only key from ``"type base64 [comment]"`` text
        (an authorized_keys / known_hosts key)."""
        parts = text.split()
        if len(parts) < 2:
            raise SSHException("gossh: not a public key: {!r}".format(text))
        try:
            blob = base64.b64decode(parts[1], validate=True)
        except Exception as e:
            raise SSHException("gossh: bad base64 in public key: {}".format(e))
        return cls.from_type_string(parts[0], blob)

    # -- paramiko's accessors -----------------------------------------------

    def get_name(self):
        """The SSH key type name, e.g. "ssh-ed25519"."""
        return self._type

    @property
    def algorithm_name(self):
        t = self._type or ""
        if t.startswith("ssh-"):
            return t[4:].upper()
        if t.startswith("ecdsa-"):
            return "ECDSA"
        return t.upper()

    def asbytes(self):
        """The public key blob (SSH wire format)."""
        return self._blob

    def __bytes__(self):
        return self.asbytes()

    def get_base64(self):
        """The public blob in base64, as in known_hosts."""
        return base64.b64encode(self._blob).decode("ascii")

    def get_fingerprint(self):
        """MD5 digest of the public blob (bytes), as paramiko."""
        return hashlib.md5(self._blob).digest()

    @property
    def fingerprint(self):
        """SHA256 fingerprint as ssh-keygen -l prints it: "SHA256:..."."""
        d = base64.b64encode(hashlib.sha256(self._blob).digest()).decode("ascii")
        return "SHA256:" + d.rstrip("=")

    def get_bits(self):
        f = self._fields
        t = self._type or ""
        try:
            if t == "ssh-rsa" and len(f) >= 3:
                return _mpint_bits(f[2])
            if t == "ssh-dss" and len(f) >= 2:
                return _mpint_bits(f[1])
            if t.startswith("ecdsa-sha2-nistp"):
                return int(t[len("ecdsa-sha2-nistp"):])
            if t.endswith("ed25519") or "ed25519" in t:
                return 256
        except (ValueError, IndexError):
            pass
        return 0

    def can_sign(self):
        """True when the private half is loaded."""
        return self._handle is not None

    def __eq__(self, other):
        return isinstance(other, PKey) and self._blob == other._blob

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(self._blob)

    def __repr__(self):
        return "<{} {} {}>".format(type(self).__name__, self._type, self.fingerprint)

    def write_private_key_file(self, filename, password=None):
        raise NotImplementedError("gossh: writing private keys is not supported")

    def write_private_key(self, file_obj, password=None):
        raise NotImplementedError("gossh: writing private keys is not supported")

    # -- lifetime -----------------------------------------------------------

    def _free(self):
        h, self._handle = getattr(self, "_handle", None), None
        if h is not None:
            try:
                lib.gossh_key_free(h)
            except Exception:  # interpreter shutdown
                pass

    def __del__(self):
        self._free()


class RSAKey(PKey):
    name = "ssh-rsa"
    _KEY_TYPES = ("ssh-rsa",)


class DSSKey(PKey):
    name = "ssh-dss"
    _KEY_TYPES = ("ssh-dss",)


class ECDSAKey(PKey):
    name = "ecdsa-sha2-nistp256"
    _KEY_TYPES = ("ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521")


class Ed25519Key(PKey):
    name = "ssh-ed25519"
    _KEY_TYPES = ("ssh-ed25519",)


def _class_for(ktype):
    for cls in (RSAKey, DSSKey, ECDSAKey, Ed25519Key):
        if ktype in cls._KEY_TYPES:
            return cls
    return PKey
