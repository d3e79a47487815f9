"""paramiko's ``ProxyCommand``: a command whose standard input and output
carry an SSH connection.

::

    sock = gossh.ProxyCommand("ssh -W target:22 jumphost")
    client.connect("target", sock=sock)

Given to ``SSHClient.connect(sock=...)`` before it is used, the command line
is handed to libgossh's ``proxy_command`` option: the library runs the
command, moves the bytes in Go (no Python thread pumps them, the GIL is not
involved), logs its stderr, and kills and reaps it when the connection
closes.  The command runs exactly as paramiko runs it: the line is split
with ``shlex`` and executed without a shell (the library gets the words
quoted back, and no ``%`` token is expanded).

Used directly, it behaves as paramiko's: ``send``, ``recv``, ``close``,
``settimeout`` and ``closed``, with the process started on first use.  Unlike
paramiko's, ``close()`` also reaps the process and closes its pipes, and
``recv`` returns ``b""`` at the end of the command's output instead of
spinning.
"""

from __future__ import annotations

import os
import select
import shlex
import signal
import socket
import subprocess
import time
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from typing_extensions import Self

from .ssh_exception import ProxyCommandFailure

__all__ = ["ProxyCommand"]

# paramiko sets it when subprocess cannot be imported (never on CPython).
subprocess_import_error: Optional[ImportError] = None


class ProxyCommand:
    """Wraps a subprocess whose stdin/stdout carry a connection
    (paramiko.ProxyCommand)."""

    def __init__(self, command_line: str) -> None:
        self.command_line = command_line
        self.cmd = shlex.split(command_line)
        if not self.cmd:
            raise ValueError("ProxyCommand: empty command line")
        self.timeout: float | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._handed_over = False  # given to connect(): the library runs it
        self._is_closed = False

    # -- handing the command to libgossh ------------------------------------

    def _library_command(self) -> str | None:
        """The command line for libgossh's proxy_command option, or None if
        this object was already used (its process is running): the words
        shlex found, quoted back for the shell, each % doubled so that the
        library expands no token."""
        if self._process is not None or self._is_closed:
            return None
        line = " ".join(shlex.quote(w) for w in self.cmd)
        return line.replace("%", "%%")

    def _hand_over(self) -> None:
        self._handed_over = True

    # -- paramiko's socket-like interface --------------------------------

    @property
    def process(self) -> subprocess.Popen[bytes]:
        """The running subprocess (started on first use)."""
        if self._process is None:
            if self._is_closed:
                raise ProxyCommandFailure(" ".join(self.cmd), "closed")
            if self._handed_over:
                raise ProxyCommandFailure(
                    " ".join(self.cmd), "given to SSHClient.connect(): the library runs it")
            try:
                self._process = subprocess.Popen(
                    self.cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE, bufsize=0)
            except OSError as e:
                raise ProxyCommandFailure(" ".join(self.cmd), e.strerror)  # type: ignore[arg-type]
        return self._process

    def send(self, content: bytes) -> int:
        """Writes content to the command's standard input; returns its
        length."""
        try:
            self.process.stdin.write(content)  # type: ignore[union-attr]
        except (IOError, ValueError) as e:
            raise ProxyCommandFailure(" ".join(self.cmd), getattr(e, "strerror", None) or str(e))
        return len(content)

    def recv(self, size: int) -> bytes:
        """Reads up to size bytes of the command's output, waiting at most
        the timeout (socket.timeout if nothing came).  b"" at its end."""
        proc = self.process
        buffer = b""
        start = time.monotonic()
        try:
            while len(buffer) < size:
                wait = None
                if self.timeout is not None:
                    wait = self.timeout - (time.monotonic() - start)
                    if wait <= 0:
                        raise socket.timeout()
                r, _, _ = select.select([proc.stdout], [], [], wait)  # type: ignore[type-var]
                if r:
                    data = os.read(proc.stdout.fileno(), size - len(buffer))  # type: ignore[union-attr]
                    if not data:
                        break  # the command's output ended
                    buffer += data
                    # Return what came rather than wait for size bytes.
                    break
            return buffer
        except socket.timeout:
            if buffer:
                return buffer
            raise
        except (IOError, ValueError) as e:
            raise ProxyCommandFailure(" ".join(self.cmd), getattr(e, "strerror", None) or str(e))

    def close(self) -> None:
        """Ends the command (SIGTERM, SIGKILL after a second), reaps it and
        closes its pipes.  Safe to call twice."""
        self._is_closed = True
        proc, self._process = self._process, None
        if proc is None:
            return
        if proc.poll() is None:
            try:
                proc.send_signal(signal.SIGTERM)
                proc.wait(1)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            except OSError:
                pass
        for f in (proc.stdin, proc.stdout, proc.stderr):
            try:
                if f is not None:
                    f.close()
            except OSError:
                pass

    @property
    def closed(self) -> bool:
        """True once closed, or once the command has ended."""
        if self._is_closed:
            return True
        proc = self._process
        return proc is not None and proc.poll() is not None

    @property
    def _closed(self) -> bool:
        # paramiko's concession to Python 3's socket API
        return self.closed

    def settimeout(self, timeout: float | None) -> None:
        """Seconds recv() waits (None: no limit)."""
        self.timeout = timeout

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return "<gossh.ProxyCommand {!r}>".format(self.command_line)
