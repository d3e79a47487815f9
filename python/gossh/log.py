"""libgossh's log records, forwarded to the standard ``logging`` module.

libgossh has one process-wide log callback (``gossh_set_log_callback``).
gossh installs it the first time an ``SSHClient`` is made (or when
``install()`` is called), and filters in Python: each record goes to
``logging.getLogger(name)`` only if that logger is enabled for its level.

Each record costs a call from a Go thread into Python (taking the GIL),
about 50 us; at DEBUG that was ~6% of a loopback exec.  So the level given to
libgossh is the lowest level any log channel in use would emit, worked out
again (``refresh()``) when a client is made, at each connect() and at
set_log_channel(): configure logging before connecting.  Records below it
never leave Go.
The C name of a record is "<log channel>.<area>"; an SSHClient's log channel
is "paramiko" unless ``Transport.set_log_channel`` changes it, so records land
under ``paramiko.transport`` and ``paramiko.channel`` as paramiko's do.

The callback runs on a Go thread.  ctypes takes the GIL for it; a Python
exception must never escape (ctypes would hand garbage back to C), so the
body is wrapped and anything raised is dropped.  Secrets are never logged by
libgossh.
"""

from __future__ import annotations

import atexit
import logging
import threading
from typing import Any

from . import _lib
from ._lib import call, lib

__all__ = ["install", "refresh", "uninstall", "DEFAULT_CHANNEL"]

#: The log channel a new SSHClient uses (paramiko's).
DEFAULT_CHANNEL = "paramiko"

_lock = threading.Lock()
_installed: Any = None  # the CFUNCTYPE object, kept alive while Go may call it
# name -> logging.Logger (getLogger takes a lock; cache it)
_loggers: dict[str, logging.Logger] = {}


def _on_record(level: int, name: bytes | None, message: bytes | None, userdata: Any) -> None:
    try:
        n = name.decode("utf-8", "replace") if name else "gossh"
        logger = _loggers.get(n)
        if logger is None:
            logger = _loggers[n] = logging.getLogger(n)
        if logger.isEnabledFor(level):
            # No args: a '%' in the message is never taken for a format.
            logger.log(level, message.decode("utf-8", "replace") if message else "")
    except BaseException:  # noqa: BLE001 - nothing may escape into C
        pass


_channels = {DEFAULT_CHANNEL}  # log channels in use
_level: int | None = None  # the level libgossh was given


def _wanted_level() -> int:
    level = logging.CRITICAL + 10
    for ch in list(_channels):
        for area in ("transport", "channel"):
            level = min(level, logging.getLogger(ch + "." + area).getEffectiveLevel())
    # getEffectiveLevel() is NOTSET (0) only if the root is; then DEBUG.
    return max(level, logging.DEBUG)


def install(channel: str | None = None) -> None:
    """Installs the process-wide log callback, or updates its level for the
    logging configuration now in force (and channel, a log channel that is
    now in use)."""
    global _installed, _level
    with _lock:
        if channel:
            _channels.add(channel)
        level = _wanted_level()
        if _installed is not None and level == _level:
            return
        cb = _installed if _installed is not None else _lib.LOG_CB(_on_record)
        call(lib.gossh_set_log_callback, cb, level, None)
        _installed, _level = cb, level


refresh = install


def uninstall() -> None:
    """Turns libgossh's logging off (and lets the callback object go)."""
    global _installed, _level
    with _lock:
        if _installed is None:
            return
        if _lib.forked_after_load():
            # A child forked after loading: its copy of the library must
            # not be called (and Go calls nothing here any more).
            _installed = _level = None
            return
        try:
            call(lib.gossh_set_log_callback, _lib.LOG_CB(), 0, None)
        finally:
            # Go may be inside a call to the old callback right now; keeping
            # the object costs nothing and avoids calling freed memory.
            _retired.append(_installed)
            _installed = _level = None


_retired: list[Any] = []


# A Go thread calling into an interpreter that is shutting down can crash the
# process: stop the records before Python finalizes.
atexit.register(uninstall)
