"""Keys: paramiko's ``PKey`` family over libgossh's ``gossh_key`` handles.

A private key (loaded from a file or text, or generated) wraps a
``gossh_key`` handle: the private half never enters Python.  A public-only
key (the server's host key handed to a policy, the keys of a
``BadHostKeyException``, ``RSAKey(data=blob)``) holds its type name and
public blob, and gets a public-only handle when it is first asked to verify
a signature or report its size.

Differences from paramiko, all deliberate:

* ``sign_ssh_data`` returns the signature blob as ``bytes`` (paramiko wraps
  the same bytes in a ``Message``; ``bytes(msg)`` of paramiko's equals ours),
  and for RSA with ``algorithm=None`` signs with ``rsa-sha2-512`` (paramiko:
  SHA-1 ``ssh-rsa``, which OpenSSH no longer accepts).
* ``write_private_key_file`` / ``write_private_key`` write OpenSSH format
  ("BEGIN OPENSSH PRIVATE KEY", what ``ssh-keygen`` writes today) for every
  key type, encrypted with bcrypt + aes256-ctr when a password is given;
  paramiko writes PEM for RSA, ECDSA and DSA.  Both formats load everywhere.
* Keys cannot be made from ``cryptography`` objects (``key=``).
"""

from __future__ import annotations

import base64
import ctypes
import os
import struct
from typing import TYPE_CHECKING, Any, Callable, ClassVar

from . import _lib
from ._lib import call, lib
from .ssh_exception import SSHException

if TYPE_CHECKING:
    from _typeshed import StrOrBytesPath, SupportsRead, SupportsWrite
    from typing_extensions import Self

    from .message import Message

__all__ = ["PKey", "RSAKey", "ECDSAKey", "Ed25519Key", "DSSKey", "UnknownKeyType", "PublicBlob"]


# The magic of an OpenSSH-format private key file (paramiko.pkey exports it).
OPENSSH_AUTH_MAGIC = b"openssh-key-v1\x00"


class UnknownKeyType(Exception):
    """An unknown key type was given."""

    def __init__(self, key_type: str | None = None, key_bytes: bytes | None = None) -> None:
        Exception.__init__(self, key_type, key_bytes)
        self.key_type = key_type
        self.key_bytes = key_bytes

    def __str__(self) -> str:
        return "UnknownKeyType(type={!r}, bytes=<{}>)".format(
            self.key_type, len(self.key_bytes or b"")
        )


def _read_strings(blob: bytes) -> list[bytes]:
    """Splits an SSH wire blob into its length-prefixed fields."""
    out: list[bytes] = []
    i = 0
    while i + 4 <= len(blob):
        (n,) = struct.unpack(">I", blob[i : i + 4])
        out.append(blob[i + 4 : i + 4 + n])
        i += 4 + n
    return out


class PKey:
    """Base class for public keys (paramiko.PKey).

    The factories (``from_private_key_file``, ``from_private_key``,
    ``from_path``) return an instance of the subclass matching the key's
    type; called on a subclass (``RSAKey.from_private_key_file``) they insist
    on that type, as paramiko does.
    """

    # Names of the SSH key types a subclass stands for (prefix match for
    # "ecdsa-sha2-").
    _KEY_TYPES: ClassVar[tuple[str, ...]] = ()
    name: str | None = None  # paramiko's class attribute (e.g. "ssh-rsa") on subclasses

    def __init__(
        self,
        msg: Message | None = None,
        data: bytes | None = None,
        filename: StrOrBytesPath | None = None,
        password: str | bytes | None = None,
        key: object = None,
        file_obj: SupportsRead[str] | SupportsRead[bytes] | None = None,
    ) -> None:
        self._handle: Any = None  # gossh_key with the private half, or None
        self._pub: Any = None  # lazily made public-only gossh_key (see _native)
        self._type: str | None = None
        self._blob: bytes | None = None
        self._fields: list[bytes] = []
        # the certificate, once load_certificate() ran
        self.public_blob: PublicBlob | None = None
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
            blob = data if data is not None else msg.asbytes()  # type: ignore[union-attr]
            self._set_public(None, bytes(blob))
            self._check_public()

    # -- construction ---------------------------------------------------------

    @staticmethod
    def _load_file(filename: StrOrBytesPath, password: str | bytes | None) -> Any:
        h = _lib.key_p()
        call(lib.gossh_key_from_file, _lib.enc(os.fspath(filename)), _lib.enc(password),
             ctypes.byref(h))
        return h

    @staticmethod
    def _load_data(data: str | bytes, password: str | bytes | None) -> Any:
        if isinstance(data, str):
            data = data.encode("utf-8")
        data = bytes(data)
        h = _lib.key_p()
        call(lib.gossh_key_from_data, data, len(data), _lib.enc(password), ctypes.byref(h))
        return h

    def _take(self, handle: Any) -> None:
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
        parts = text.split()  # type: ignore[union-attr]
        self._set_public(ktype, base64.b64decode(parts[1]))
        if type(self) is PKey and cls is not PKey:
            self.__class__ = cls

    @staticmethod
    def _out_string(fn: Any, handle: Any, *args: Any) -> Any:
        p = _lib.owned_str_p()
        call(fn, handle, *args, ctypes.byref(p))
        return p

    def _set_public(self, ktype: str | None, blob: bytes) -> None:
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

    def _check_public(self) -> None:
        """Parses a public-only key's blob in the library (raising
        SSHException if it does not parse, or is not of this class's type)."""
        fields = self._fields
        if not fields or fields[0].decode("ascii", "replace") != self._type:
            raise SSHException("gossh: key type {!r} does not match its blob".format(self._type))
        if type(self) is not PKey and self._type not in type(self)._KEY_TYPES:
            raise SSHException("gossh: not a valid {} key (it is {})".format(
                type(self).__name__, self._type))
        self._native()

    @classmethod
    def from_private_key_file(
        cls, filename: StrOrBytesPath, password: str | bytes | None = None
    ) -> Self:
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
    def from_private_key(
        cls, file_obj: SupportsRead[str] | SupportsRead[bytes], password: str | bytes | None = None
    ) -> Self:
        """Loads a private key from a file-like object (its text)."""
        obj = cls.__new__(cls)
        PKey.__init__(obj)
        obj._take(cls._load_data(file_obj.read(), password))
        return obj

    @classmethod
    def from_path(
        cls, path: StrOrBytesPath, passphrase: str | bytes | None = None
    ) -> PKey:
        """paramiko 3.2's PKey.from_path: the key at path, as an instance of
        its class (RSAKey, Ed25519Key, ...), with ``path + "-cert.pub"``
        loaded as its certificate when that file exists.  A path ending in
        ``-cert.pub`` loads the key beside it and that certificate.

        Raises UnknownKeyType for a key type gossh does not know (ed448),
        ValueError for a file that is no key (as paramiko, whose crypto
        backend raises it), PasswordRequiredException / SSHException as
        from_private_key_file."""
        path = os.fspath(path)
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        suffix = "-cert.pub"
        if path.endswith(suffix):
            key_path, cert_path = path[: -len(suffix)], path
        else:
            key_path, cert_path = path, path + suffix
        key_path = os.path.expanduser(key_path)
        cert_path = os.path.expanduser(cert_path)
        try:
            key = PKey.from_private_key_file(key_path, passphrase)
        except UnknownKeyType as e:
            with open(key_path, "rb") as f:
                data = f.read()
            raise UnknownKeyType(key_type=e.key_type, key_bytes=data) from None
        except SSHException as e:
            if "no PEM or OpenSSH key block" in str(e):
                raise ValueError(str(e)) from None
            raise
        key.__class__ = _class_for(key.get_name())
        if os.path.exists(cert_path):
            key.load_certificate(cert_path)
        return key

    @classmethod
    def identifiers(cls) -> list[str]:
        """The key type names this class handles (paramiko 3.2)."""
        if cls is PKey:
            out: list[str] = []
            for c in (RSAKey, DSSKey, ECDSAKey, Ed25519Key):
                out += c.identifiers()
            return out
        return list(cls._KEY_TYPES)

    @classmethod
    def from_type_string(cls, key_type: str, key_bytes: bytes) -> PKey:
        """A public-only key from its type name and public blob."""
        if _class_for(key_type) is PKey and not key_type:
            raise UnknownKeyType(key_type, key_bytes)
        obj = PKey.__new__(PKey)
        PKey.__init__(obj)
        obj._set_public(key_type, bytes(key_bytes))
        try:
            obj._check_public()
        except UnknownKeyType:
            raise UnknownKeyType(key_type=key_type, key_bytes=key_bytes) from None
        return obj

    @classmethod
    def from_public_text(cls, text: str) -> PKey:
        """gossh: a public-only key from ``"type base64 [comment]"`` text
        (an authorized_keys / known_hosts key)."""
        parts = text.split()
        if len(parts) < 2:
            raise SSHException("gossh: not a public key: want \"type base64\"")
        try:
            blob = base64.b64decode(parts[1], validate=True)
        except Exception as e:
            raise SSHException("gossh: bad base64 in public key: {}".format(e))
        return cls.from_type_string(parts[0], blob)

    # -- paramiko's accessors -----------------------------------------------

    def get_name(self) -> str:
        """The SSH key type name, e.g. "ssh-ed25519"."""
        return self._type  # type: ignore[return-value]

    @property
    def algorithm_name(self) -> str:
        """paramiko's short algorithm name: "RSA", "ECDSA", "ED25519", ..."""
        t = self._type or ""
        if t.startswith("ssh-"):
            return t[4:].upper()
        if t.startswith("ecdsa-"):
            return "ECDSA"
        return t.upper()

    def asbytes(self) -> bytes:
        """The public key blob (SSH wire format)."""
        return self._blob  # type: ignore[return-value]

    def __bytes__(self) -> bytes:
        return self.asbytes()

    def get_base64(self) -> str:
        """The public blob in base64, as in known_hosts."""
        return base64.b64encode(self._blob).decode("ascii")  # type: ignore[arg-type]

    def get_fingerprint(self) -> bytes:
        """MD5 digest of the public blob (16 bytes), as paramiko."""
        return bytes.fromhex(_lib.take_string(  # type: ignore[arg-type]
            self._out_string(lib.gossh_key_fingerprint_md5, self._native())))

    @property
    def fingerprint(self) -> str:
        """SHA256 fingerprint as ssh-keygen -l prints it: "SHA256:..."."""
        return _lib.take_string(  # type: ignore[return-value]
            self._out_string(lib.gossh_key_fingerprint, self._native()))

    def get_bits(self) -> int:
        """RSA modulus bits, ECDSA curve bits, 256 for Ed25519, DSA p bits."""
        bits = ctypes.c_int()
        try:
            call(lib.gossh_key_bits, self._native(), ctypes.byref(bits))
        except SSHException:
            return 0
        return bits.value

    def can_sign(self) -> bool:
        """True when the private half is loaded."""
        return self._handle is not None

    def sign_ssh_data(self, data: bytes | str, algorithm: str | None = None) -> bytes:
        """Signs ``data`` and returns the SSH signature blob (bytes: string
        algorithm, string signature) -- the bytes of the ``Message`` paramiko
        returns.  ``algorithm`` None picks the key type, for RSA
        "rsa-sha2-512"; RSA also takes "rsa-sha2-256" and "ssh-rsa".
        Raises SSHException for a public-only key or an algorithm that does
        not fit the key."""
        if self._handle is None:
            raise SSHException("gossh: cannot sign: this key has no private half")
        raw = _as_bytes(data)
        sig, n = ctypes.c_void_p(), ctypes.c_size_t()
        call(lib.gossh_key_sign, self._handle, raw, len(raw), _lib.enc(algorithm),
             ctypes.byref(sig), ctypes.byref(n))
        return _lib.take_bytes(sig, n.value)

    def verify_ssh_sig(self, data: bytes | str, msg: bytes | Message) -> bool:
        """True if ``msg`` (a signature blob as sign_ssh_data returns, or
        anything with ``asbytes()`` such as paramiko's Message) is a valid
        signature of ``data`` by this key."""
        raw, sig = _as_bytes(data), _as_bytes(msg)
        rc, _ = _lib.call_code(lib.gossh_key_verify, self._native(), raw, len(raw), sig, len(sig))
        return rc == 0

    def write_private_key_file(
        self, filename: StrOrBytesPath, password: str | bytes | None = None
    ) -> None:
        """Writes the private key to ``filename`` (mode 0600) in OpenSSH
        format, encrypted when ``password`` is given (see the module notes:
        paramiko writes PEM).  Raises SSHException for a public-only key,
        IOError if the file cannot be written."""
        if self._handle is None:
            raise SSHException("gossh: cannot write a private key: this key has no private half")
        call(lib.gossh_key_write_private_file, self._handle, _lib.enc(os.fspath(filename)),
             _lib.enc(password))

    def write_private_key(
        self,
        file_obj: SupportsWrite[str] | SupportsWrite[bytes],
        password: str | bytes | None = None,
    ) -> None:
        """Writes the private key as OpenSSH-format text to a file object."""
        if self._handle is None:
            raise SSHException("gossh: cannot write a private key: this key has no private half")
        text = _lib.take_string(self._out_string(lib.gossh_key_write_private, self._handle,
                                                 _lib.enc(password)))
        try:
            file_obj.write(text)  # type: ignore[arg-type]
        except TypeError:
            file_obj.write(text.encode("ascii"))  # type: ignore[arg-type, union-attr]

    def load_certificate(self, value: str | bytes | os.PathLike[str] | PublicBlob) -> None:
        """Attaches an OpenSSH certificate to this key (paramiko's
        load_certificate): ``value`` is the path of a ``-cert.pub`` file, its
        text, or a PublicBlob.  Connecting with this key then authenticates
        with the certificate.  Raises ValueError if the certificate is not
        for this key (as paramiko), IOError if the file cannot be read."""
        if isinstance(value, PublicBlob):
            value = "{} {}".format(value.key_type, base64.b64encode(value.key_blob).decode())
        elif isinstance(value, bytes):
            value = value.decode("utf-8")
        elif isinstance(value, os.PathLike):
            value = os.fspath(value)
        try:
            call(lib.gossh_key_load_certificate, self._native(), _lib.enc(value))
        except SSHException as e:
            if "another key" in str(e):
                raise ValueError(str(e))
            raise
        text = _lib.take_string(self._out_string(lib.gossh_key_certificate, self._native()))
        self.public_blob = PublicBlob.from_string(text) if text else None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PKey) and self._blob == other._blob

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self._blob)

    def __repr__(self) -> str:
        return "<{} {} {}>".format(type(self).__name__, self._type, self.fingerprint)

    # -- native handles -------------------------------------------------------

    def _native(self) -> Any:
        """The gossh_key to ask: the private handle, or a public-only one
        made from the blob on first use."""
        if self._handle is not None:
            return self._handle
        if self._pub is None:
            if self._blob is None:
                raise SSHException("gossh: empty key")
            h = _lib.key_p()
            call(lib.gossh_key_from_public, None, self._blob, len(self._blob), ctypes.byref(h))
            self._pub = h
        return self._pub

    @classmethod
    def _generate(cls, key_type: str, bits: int | None) -> Self:
        h = _lib.key_p()
        call(lib.gossh_key_generate, key_type.encode(), int(bits or 0), ctypes.byref(h))
        obj = cls.__new__(cls)
        PKey.__init__(obj)
        obj._take(h)
        return obj

    # -- lifetime -----------------------------------------------------------

    def _free(self) -> None:
        for attr in ("_handle", "_pub"):
            h = getattr(self, attr, None)
            setattr(self, attr, None)
            _lib.free_quietly("gossh_key_free", h)

    def __del__(self) -> None:
        self._free()


class RSAKey(PKey):
    name = "ssh-rsa"
    _KEY_TYPES = ("ssh-rsa",)

    @classmethod
    def identifiers(cls) -> list[str]:
        """RSA's names, its certificates' and the rsa-sha2 signature names."""
        return ["ssh-rsa", "ssh-rsa-cert-v01@openssh.com", "rsa-sha2-256",
                "rsa-sha2-256-cert-v01@openssh.com", "rsa-sha2-512",
                "rsa-sha2-512-cert-v01@openssh.com"]

    @classmethod
    def generate(
        cls, bits: int = 3072, progress_func: Callable[..., object] | None = None
    ) -> RSAKey:
        """A new RSA key of ``bits`` bits (1024..8192, else ValueError: 8192
        takes up to a minute; paramiko requires the argument, gossh defaults
        to 3072 as ssh-keygen)."""
        return cls._generate("rsa", bits)


class DSSKey(PKey):
    name = "ssh-dss"
    _KEY_TYPES = ("ssh-dss",)

    @classmethod
    def generate(
        cls, bits: int = 1024, progress_func: Callable[..., object] | None = None
    ) -> DSSKey:
        """A new DSA key; 1024 bits is the only size OpenSSH uses."""
        return cls._generate("dsa", bits)


class ECDSAKey(PKey):
    name = "ecdsa-sha2-nistp256"
    _KEY_TYPES = ("ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521")

    @classmethod
    def generate(
        cls,
        curve: object = None,
        progress_func: Callable[..., object] | None = None,
        bits: int | None = None,
    ) -> ECDSAKey:
        """A new ECDSA key on the curve given by ``bits`` (256, 384 or 521)
        or by ``curve`` (an object with ``key_size``, such as cryptography's
        ``ec.SECP384R1()``, or a name like "nistp384"); default P-256."""
        if bits is None and curve is not None:
            bits = getattr(curve, "key_size", None)
            if bits is None:
                digits = "".join(ch for ch in str(curve) if ch.isdigit())
                bits = int(digits[:3]) if digits else 0
        return cls._generate("ecdsa", bits or 256)


class Ed25519Key(PKey):
    name = "ssh-ed25519"
    _KEY_TYPES = ("ssh-ed25519",)

    @classmethod
    def generate(
        cls, bits: int | None = None, progress_func: Callable[..., object] | None = None
    ) -> Ed25519Key:
        """A new Ed25519 key (paramiko has no generate() here; gossh adds it)."""
        return cls._generate("ed25519", bits or 0)


class PublicBlob:
    """paramiko's PublicBlob: a key type name, a blob and a comment, as in
    a ``.pub`` / ``-cert.pub`` file.  ``PKey.public_blob`` holds the
    certificate after ``load_certificate``."""

    def __init__(self, type_: str, blob: bytes, comment: str | None = None) -> None:
        self.key_type = type_
        self.key_blob = blob
        self.comment = comment

    @classmethod
    def from_file(cls, filename: StrOrBytesPath) -> Self:
        """The PublicBlob of a .pub / -cert.pub file."""
        with open(filename) as f:
            return cls.from_string(f.read())

    @classmethod
    def from_string(cls, string: str) -> Self:
        """The PublicBlob of "type base64 [comment]" text."""
        fields = string.strip().split(None, 2)
        if len(fields) < 2:
            raise ValueError("Not enough fields for public blob: want \"type base64\"")
        blob = base64.b64decode(fields[1])
        inner = _read_strings(blob)
        if not inner or inner[0].decode("ascii", "replace") != fields[0]:
            raise ValueError("Invalid PublicBlob contents: the type does not match the blob")
        return cls(fields[0], blob, fields[2] if len(fields) > 2 else None)

    def __str__(self) -> str:
        ret = "{} public key/certificate".format(self.key_type)
        if self.comment:
            ret += "- {}".format(self.comment)
        return ret

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PublicBlob) and self.key_blob == other.key_blob

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None  # type: ignore[assignment]


def _as_bytes(x: Any) -> bytes:
    if isinstance(x, str):
        return x.encode("utf-8")
    if hasattr(x, "asbytes"):
        return bytes(x.asbytes())
    return bytes(x)


def _class_for(ktype: str | None) -> type[PKey]:
    for cls in (RSAKey, DSSKey, ECDSAKey, Ed25519Key):
        if ktype in cls._KEY_TYPES:
            return cls
    return PKey
