"""What ``SSHClient.connect(sock=...)`` does with each kind of sock.

Every case ends in one libgossh call; the only thing decided here is which,
by the type of the object (translation, not SSH):

- a ``ProxyCommand`` not used yet: its command line goes to the library's
  ``proxy_command`` option (the library runs and reaps the process and
  moves the bytes in Go);
- a gossh ``Channel`` (Fabric's gateway: a direct-tcpip channel of another
  client): ``gossh_client_connect_channel``;
- anything with ``fileno()`` that is a socket: ``gossh_client_connect_fd``
  (the library duplicates the descriptor; the caller's socket stays the
  caller's);
- any other object with ``send``/``recv``/``close``: bridged through a
  socket pair by two daemon threads, the library holding one end through
  ``gossh_client_connect_fd``.  The object is closed when the connection
  ends, as paramiko's Transport closes its sock.
"""

from __future__ import annotations

import ctypes
import logging
import socket
import threading
from typing import Any, Callable, Protocol

from . import _lib
from ._lib import call, lib

_log = logging.getLogger("paramiko.transport")

_CHUNK = 64 * 1024


class SocketLike(Protocol):
    """What ``SSHClient.connect(sock=...)`` and ``Transport(sock)`` carry a
    connection over: a socket, a ProxyCommand, a Channel, or any object with
    these three methods (types-paramiko's ``_SocketLike``)."""

    def send(self, data: bytes, /) -> int | None:
        """Sends some of data; returns how much (None: all of it)."""

    def recv(self, size: int, /) -> bytes:
        """Up to size bytes; b"" at the end."""

    def close(self) -> None:
        """Ends the connection."""


def kind_of(sock: object) -> str:
    """Which path connect() takes for sock: "proxy_command", "channel",
    "fd" or "bridge".  A TypeError for an object that can carry nothing."""
    from .channel import Channel
    from .proxy import ProxyCommand

    if isinstance(sock, ProxyCommand) and sock._library_command() is not None:
        return "proxy_command"
    if isinstance(sock, Channel):
        return "channel"
    if isinstance(sock, socket.socket):
        return "fd"
    if all(callable(getattr(sock, m, None)) for m in ("send", "recv", "close")):
        return "bridge"
    raise TypeError(
        "sock must be a socket, a gossh.ProxyCommand, a gossh Channel or an "
        "object with send, recv and close, not {}".format(type(sock).__name__))


def connect(handle: Any, opts: Any, sock: Any, setopt: Callable[[str, object], None]) -> Any:
    """Connects the client handle over sock with the options opts.  Returns
    what must live as long as the connection (a bridge, a channel: closed
    with the client), or None."""
    kind = kind_of(sock)
    if kind == "proxy_command":
        setopt("proxy_command", sock._library_command())
        call(lib.gossh_client_connect, handle, opts)
        sock._hand_over()
        return None
    if kind == "channel":
        if sock._handle is None or sock._closed:
            raise ValueError("sock: the channel is closed")
        call(lib.gossh_client_connect_channel, handle, sock._handle, opts)
        # Kept with the client: a Channel freed by the garbage collector
        # would close under the connection (paramiko's Transport keeps its
        # sock too).  Closing the client closes it.
        return sock
    if kind == "fd":
        call(lib.gossh_client_connect_fd, handle, sock.fileno(), opts)
        return None
    bridge = _Bridge(sock)
    try:
        call(lib.gossh_client_connect_fd, handle, bridge.library_end.fileno(), opts)
    finally:
        bridge.library_end.close()  # the library holds its own duplicate
    return bridge


def socketpair() -> tuple[socket.socket, socket.socket]:
    """A connected pair of Unix stream sockets (for a test's fake sock)."""
    fds = (ctypes.c_int * 2)()
    call(lib.gossh_socketpair, fds)
    return (socket.socket(fileno=fds[0]), socket.socket(fileno=fds[1]))


class _Bridge:
    """Pumps bytes between a socket-like object and one end of a socket
    pair whose other end the library reads and writes."""

    def __init__(self, obj: Any) -> None:
        self.obj = obj
        ours, self.library_end = socket.socketpair()
        self.ours = ours
        self._lock = threading.Lock()
        self._done = False
        for target, name in ((self._to_obj, "gossh-sock-out"), (self._from_obj, "gossh-sock-in")):
            threading.Thread(target=target, name=name, daemon=True).start()

    def _to_obj(self) -> None:
        try:
            while True:
                data = self.ours.recv(_CHUNK)
                if not data:
                    break
                while data:
                    n = self.obj.send(data)
                    if n is None:  # a send that returns nothing sent it all
                        n = len(data)
                    data = data[n:]
        except Exception as e:  # noqa: BLE001 - the end of the bridge
            _log.debug("gossh: sock bridge (to the object) ended: %s", e)
        self.close()

    def _from_obj(self) -> None:
        try:
            while True:
                try:
                    data = self.obj.recv(_CHUNK)
                except socket.timeout:
                    if self._done:
                        break
                    continue
                if not data:
                    break
                self.ours.sendall(data)
        except Exception as e:  # noqa: BLE001
            _log.debug("gossh: sock bridge (from the object) ended: %s", e)
        try:
            self.ours.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def close(self) -> None:
        with self._lock:
            if self._done:
                return
            self._done = True
        try:
            self.obj.close()
        except Exception as e:  # noqa: BLE001
            _log.debug("gossh: closing sock: %s", e)
        try:
            self.ours.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.ours.close()
