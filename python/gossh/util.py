"""paramiko.util: the helpers paramiko programs import (log_to_file,
get_logger, load_host_keys, parse_ssh_config, ...).  Pure Python; none of
them loads libgossh except load_host_keys (which reads known_hosts through
it)."""

from __future__ import annotations

import errno
import hmac
import logging
import struct
import sys
import threading
import traceback
from types import TracebackType
from typing import TYPE_CHECKING, Any, Callable, TypeVar

if TYPE_CHECKING:
    from _typeshed import StrPath, SupportsRead
    from typing_extensions import Self

    from .config import SSHConfig, SSHConfigDict
    from .hostkeys import HostKeys

_T = TypeVar("_T")

from .common import DEBUG

__all__ = [
    "ClosingContextManager", "PFilter", "asbytes", "b", "bit_length", "clamp_value",
    "constant_time_bytes_eq", "deflate_long", "format_binary", "format_binary_line",
    "generate_key_bytes", "get_logger", "get_thread_id", "inflate_long", "load_host_keys",
    "log_to_file", "lookup_ssh_host_config", "mod_inverse", "parse_ssh_config",
    "retry_on_signal", "safe_string", "tb_strings", "u",
]


def inflate_long(s: bytes, always_positive: bool = False) -> int:
    """A big-endian two's-complement byte string -> int."""
    n = int.from_bytes(s, "big", signed=not always_positive)
    return n


def deflate_long(n: int, add_sign_padding: bool = True) -> bytes:
    """int -> the shortest big-endian two's-complement byte string (as an
    SSH mpint wants it)."""
    if n == 0:
        return b"\x00" if add_sign_padding else b""
    length = (n.bit_length() + 8) // 8 if add_sign_padding or n < 0 else (n.bit_length() + 7) // 8
    s = n.to_bytes(length, "big", signed=n < 0 or add_sign_padding)
    # the shortest form that keeps the sign
    while len(s) > 1 and (
        (s[0] == 0 and s[1] < 0x80) or (s[0] == 0xFF and s[1] >= 0x80)
    ):
        s = s[1:]
    if not add_sign_padding and n > 0 and s[0] == 0 and len(s) > 1:
        s = s[1:]
    return s


def format_binary(data: bytes, prefix: str = "") -> list[str]:
    """A hex dump of data, 16 bytes a line."""
    x = 0
    out: list[str] = []
    while len(data) > x + 16:
        out.append(format_binary_line(data[x : x + 16]))
        x += 16
    if x < len(data):
        out.append(format_binary_line(data[x:]))
    return [prefix + line for line in out]


def format_binary_line(data: bytes) -> str:
    """One line of format_binary."""
    left = " ".join(["{:02X}".format(byte) for byte in data])
    right = "".join([".{:c}..".format(byte)[(byte + 63) // 95] for byte in data])
    return "{:50s} {}".format(left, right)


def safe_string(s: bytes | str) -> bytes:
    """s with bytes outside 32..127 written as %XX."""
    out = b""
    for c in s:
        i = c if isinstance(c, int) else ord(c)
        if 32 <= i <= 127:
            out += bytes([i])
        else:
            out += b("%{:02X}".format(i))
    return out


def bit_length(n: int) -> int:
    """n.bit_length()."""
    return n.bit_length()


def tb_strings() -> list[str]:
    """The current exception's traceback, as lines."""
    return "".join(traceback.format_exception(*sys.exc_info())).split("\n")


def generate_key_bytes(hash_alg: Callable[[], Any], salt: bytes, key: str | bytes,
                       nbytes: int) -> bytes:
    """OpenSSL's EVP_BytesToKey-style key derivation, as paramiko's."""
    keydata = b""
    digest = b""
    if len(salt) > 8:
        salt = salt[:8]
    while nbytes > 0:
        h = hash_alg()
        if digest:
            h.update(digest)
        h.update(b(key))
        h.update(salt)
        digest = h.digest()
        size = min(nbytes, len(digest))
        keydata += digest[:size]
        nbytes -= size
    return keydata


def load_host_keys(filename: StrPath) -> HostKeys:
    """Reads an OpenSSH known_hosts file into a HostKeys (a dict of
    hostname -> {keytype: PKey})."""
    from .hostkeys import HostKeys

    return HostKeys(filename)


def parse_ssh_config(file_obj: SupportsRead[str] | SupportsRead[bytes]) -> SSHConfig:
    """An SSHConfig parsed from file_obj (needs gossh.config)."""
    from .config import SSHConfig

    config = SSHConfig()
    config.parse(file_obj)
    return config


def lookup_ssh_host_config(hostname: str, config: SSHConfig) -> SSHConfigDict:
    """config.lookup(hostname)."""
    return config.lookup(hostname)


def mod_inverse(x: int, m: int) -> int:
    """The inverse of x modulo m."""
    return pow(x, -1, m)


_g_thread_data = threading.local()
_g_thread_counter = 0
_g_thread_lock = threading.Lock()


def get_thread_id() -> int:
    """A small number for the calling thread (for log records)."""
    global _g_thread_counter
    try:
        return int(_g_thread_data.id)
    except AttributeError:
        with _g_thread_lock:
            _g_thread_counter += 1
            _g_thread_data.id = _g_thread_counter
        return int(_g_thread_data.id)


def log_to_file(filename: StrPath, level: int = DEBUG) -> None:
    """Sends paramiko's (and so gossh's) log records to a file, unless the
    "paramiko" logger already has a handler."""
    logger = logging.getLogger("paramiko")
    if len(logger.handlers) > 0:
        return
    logger.setLevel(level)
    f = open(filename, "a")
    handler = logging.StreamHandler(f)
    frm = "%(levelname)-.3s [%(asctime)s.%(msecs)03d] thr=%(_threadid)-3d"
    frm += " %(name)s: %(message)s"
    handler.setFormatter(logging.Formatter(frm, "%Y%m%d-%H:%M:%S"))
    handler.addFilter(_pfilter)
    logger.addHandler(handler)


class PFilter:
    """A logging filter that adds ``_threadid`` to each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Sets record._threadid; keeps every record."""
        record._threadid = get_thread_id()
        return True


_pfilter = PFilter()


def get_logger(name: str) -> logging.Logger:
    """logging.getLogger(name), with PFilter added."""
    logger = logging.getLogger(name)
    logger.addFilter(_pfilter)
    return logger


def retry_on_signal(function: Callable[[], _T]) -> _T:
    """Calls function() again while it raises EINTR (kept for paramiko
    programs; Python 3.5+ retries by itself)."""
    while True:
        try:
            return function()
        except EnvironmentError as e:
            if e.errno != errno.EINTR:
                raise


def constant_time_bytes_eq(a: bytes, b: bytes) -> bool:
    """a == b in time that does not depend on where they differ."""
    return hmac.compare_digest(a, b)


class ClosingContextManager:
    """A context manager whose exit calls self.close()."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        type: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()  # type: ignore[attr-defined]


def clamp_value(minimum: int, val: int, maximum: int) -> int:
    """val, clamped to [minimum, maximum]."""
    return max(minimum, min(val, maximum))


def asbytes(s: object) -> bytes:
    """bytes as they are; str as UTF-8; anything with asbytes() through it."""
    try:
        return s.asbytes()  # type: ignore[attr-defined, no-any-return]
    except AttributeError:
        pass
    if isinstance(s, (bytes, bytearray, memoryview)):
        return bytes(s)
    if isinstance(s, str):
        return s.encode("utf-8")
    raise TypeError("Expected unicode or bytes, got {!r}".format(s))


def b(s: str | bytes, encoding: str = "utf8") -> bytes:
    """str encoded (bytes as they are)."""
    if isinstance(s, bytes):
        return s
    if isinstance(s, str):
        return s.encode(encoding)
    raise TypeError("Expected unicode or bytes, got {!r}".format(s))


def u(s: str | bytes, encoding: str = "utf8") -> str:
    """bytes decoded (str as it is)."""
    if isinstance(s, bytes):
        return s.decode(encoding)
    if isinstance(s, str):
        return s
    raise TypeError("Expected unicode or bytes, got {!r}".format(s))
