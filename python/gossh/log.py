"""libgossh's log records, forwarded to the standard ``logging`` module.

libgossh has one process-wide log callback (``gossh_set_log_callback``).
gossh installs it once, at DEBUG, the first time an ``SSHClient`` is made
(or when ``install()`` is called), and filters in Python: each record goes to
``logging.getLogger(name)`` only if that logger is enabled for its level.
The C name of a record is "<log channel>.<area>"; an SSHClient's log channel
is "paramiko" unless ``Transport.set_log_channel`` changes it, so records land
under ``paramiko.transport`` and ``paramiko.channel`` as paramiko's do.

The callback runs on a Go thread.  ctypes takes the GIL for it; a Python
exception must never escape (ctypes would hand garbage back to C), so the
body is wrapped and anything raised is dropped.  Secrets are never logged by
libgossh.
"""

import atexit
import logging
import threading

from . import _lib
from ._lib import call, lib

__all__ = ["install", "uninstall", "DEFAULT_CHANNEL"]

#: The log channel a new SSHClient uses (paramiko's).
DEFAULT_CHANNEL = "paramiko"

_lock = threading.Lock()
_installed = None  # the CFUNCTYPE object, kept alive while Go may call it
_loggers = {}  # name -> logging.Logger (getLogger takes a lock; cache it)


def _on_record(level, name, message, userdata):
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


def install():
    """Installs the process-wide log callback (once; later calls do nothing)."""
    global _installed
    if _installed is not None:
        return
    with _lock:
        if _installed is not None:
            return
        cb = _lib.LOG_CB(_on_record)
        call(lib.gossh_set_log_callback, cb, logging.DEBUG, None)
        _installed = cb


def uninstall():
    """Turns libgossh's logging off (and lets the callback object go)."""
    global _installed
    with _lock:
        if _installed is None:
            return
        try:
            call(lib.gossh_set_log_callback, _lib.LOG_CB(), 0, None)
        finally:
            # Go may be inside a call to the old callback right now; keeping
            # the object costs nothing and avoids calling freed memory.
            _retired.append(_installed)
            _installed = None


_retired = []

# A Go thread calling into an interpreter that is shutting down can crash the
# process: stop the records before Python finalizes.
atexit.register(uninstall)
