"""What both fan-out facades (``ParallelSSHClient`` in fanout.py,
``ThreadingGroup`` in group.py) do with their library group the same way:
add a host from its connect options in one call
(gossh_group_add_host_list), and read a host's result in one call
(gossh_group_result_read). Each facade only maps its own parameters to the
library's option names."""

from __future__ import annotations

import ctypes
from types import TracebackType
from typing import Any, Union

from . import _lib
from ._lib import call, lib
from .pkey import PKey

__all__ = ["HostAdder", "HostOptions", "HostResult", "read_result"]

_Key = Union[PKey, bytes]


class HostOptions:
    """One host's connect options as the library names them (gossh.h,
    gossh_options_set), and its keys: a PKey, or key file text as bytes
    (gossh_options_add_key_data)."""

    def __init__(self) -> None:
        self.names: list[bytes] = []
        self.values: list[bytes | None] = []
        self.keys: list[_Key] = []

    def set(self, name: str, value: object) -> None:
        """Sets option name to value's text; "key_filename" appends, as the library's does."""
        self.names.append(name.encode())
        self.values.append(_lib.enc(value))

    def key(self, key: _Key) -> None:
        """Appends a loaded private key, or a key's file text (bytes)."""
        self.keys.append(key)


class HostAdder:
    """Adds hosts to a group handle, each with one gossh_group_add_host_list
    call. Their keys go in a base options object, shared by consecutive
    hosts with the same keys (the usual group: one key for every host) and
    built once. Use it as a context manager: the base is freed at its end
    (the hosts keep snapshots)."""

    def __init__(self, handle: Any) -> None:
        self._handle = handle
        self._base: Any = None
        self._base_keys: tuple[_Key, ...] = ()

    def __enter__(self) -> HostAdder:
        return self

    def __exit__(self, t: type[BaseException] | None, v: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def add(self, name: str, o: HostOptions) -> None:
        """Adds host name with options o; raises the library's exception
        (a refused option is named in it) and then adds nothing."""
        n = len(o.names)
        names = (ctypes.c_char_p * n)(*o.names)
        values = (ctypes.c_char_p * n)(*o.values)
        call(lib.gossh_group_add_host_list, self._handle, _lib.enc(name), self._base_for(o.keys),
             names, values, n, None)

    def _base_for(self, keys: list[_Key]) -> Any:
        if not keys:
            return None
        if self._base is not None and len(keys) == len(self._base_keys) and all(
                a is b or (isinstance(a, bytes) and a == b) for a, b in zip(keys, self._base_keys)):
            return self._base
        opts = _lib.options_p()
        call(lib.gossh_options_new, ctypes.byref(opts))
        try:
            for k in keys:
                if isinstance(k, bytes):
                    call(lib.gossh_options_add_key_data, opts, k, len(k))
                else:
                    call(lib.gossh_options_add_key, opts, k._handle)
        except BaseException:
            lib.gossh_options_free(opts)
            raise
        self.close()
        self._base, self._base_keys = opts, tuple(keys)
        return opts

    def close(self) -> None:
        """Frees the base options (hosts already added keep their own copy)."""
        if self._base is not None:
            lib.gossh_options_free(self._base)
            self._base, self._base_keys = None, ()


class HostResult:
    """One host's result, copied out of a gossh_group_result: ``index``,
    ``name``, ``code`` (0 or GOSSH_E_*), ``exception`` (what the host's
    error raises, or None), ``exit_status`` (-1 when none arrived),
    ``signal`` (or None), ``stdout``/``stderr`` (bytes), ``reused``,
    ``connect_time``/``run_time`` (seconds) and ``transferred``."""

    __slots__ = ("index", "name", "code", "exception", "exit_status", "signal", "stdout", "stderr",
                 "reused", "connect_time", "run_time", "transferred")

    def __init__(self, info: _lib.group_result_info, exception: Exception | None) -> None:
        self.index: int = info.index
        self.name = _text(info.name) or ""
        self.code: int = info.code
        self.exception = exception
        self.exit_status: int = info.exit_status
        self.signal = _text(info.exit_signal)
        self.stdout = ctypes.string_at(info.stdout_data, info.stdout_len) if info.stdout_len else b""
        self.stderr = ctypes.string_at(info.stderr_data, info.stderr_len) if info.stderr_len else b""
        self.reused = info.reused == 1
        self.connect_time = info.connect_us / 1e6
        self.run_time = info.run_us / 1e6
        self.transferred: int = info.transferred


def _text(p: int | None) -> str | None:
    return ctypes.string_at(p).decode("utf-8", "replace") if p else None


def _exception(info: _lib.group_result_info) -> Exception:
    """A failed host's exception from the error the struct carries (its
    message and details), as the error object would give it."""
    details: dict[str, str] = {}
    for i in range(info.error_ndetails):
        name, value = info.error_details[2 * i], info.error_details[2 * i + 1]
        if name is not None and value is not None:
            details[name.decode("utf-8", "replace")] = value.decode("utf-8", "replace")
    code: int = info.code
    message = _text(info.error_message) or "gossh error %s (%d)" % (_lib.code_name(code), code)
    exc = _lib.make_exception(code, message, details.get)
    setattr(exc, "gossh_code", code)
    return exc


def read_result(r: Any) -> HostResult:
    """Copies result r (not freed here) into a HostResult with one
    gossh_group_result_read, a failed host's error included."""
    info = _lib.group_result_info()
    info.size = ctypes.sizeof(info)
    call(lib.gossh_group_result_read, r, ctypes.byref(info))
    return HostResult(info, _exception(info) if info.code != 0 else None)
