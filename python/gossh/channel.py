"""Channels and their file objects, as paramiko's ``Channel``,
``ChannelFile``, ``ChannelStderrFile`` and ``ChannelStdinFile``.

A ``Channel`` wraps a ``gossh_channel`` handle.  Output is drained by
libgossh in the background, so reading stdout to the end before stderr never
deadlocks.  Reads move up to 128 KiB per C call; the file objects buffer
what they read for ``readline``.

Timeouts: ``settimeout(t)`` bounds each read and write (``socket.timeout``
when it passes; gossh's ``SSHTimeout`` is both that and an SSHException) and
each request (pty, env, exec, shell, subsystem).  ``setblocking(0)`` makes
``recv`` raise ``socket.timeout`` at once when nothing is buffered, as
paramiko.  A write in non-blocking mode waits for window space: libgossh
writes all or nothing, and a timed-out write may still be sent later, so
retrying it could send the data twice.

Closing: ``Channel.close()`` makes later reads return ``b""`` (paramiko's
EOF).  ``SSHClient.close()`` (from any thread) or a lost connection ends a
blocked ``recv``/``read`` promptly with an ``SSHException`` instead, so a
truncated output is never mistaken for a complete one.
"""

from __future__ import annotations

import ctypes
import os
import socket
import threading
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, TypeVar

from . import _lib
from ._lib import call, lib
from .ssh_exception import SSHException, SSHTimeout

if TYPE_CHECKING:
    from typing_extensions import Self

    from .client import SSHClient
    from .transport import Transport

_F = TypeVar("_F", bound=Callable[..., Any])

__all__ = ["Channel", "ChannelFile", "ChannelStderrFile", "ChannelStdinFile", "open_only"]


def open_only(func: _F) -> _F:
    """paramiko's decorator for Channel methods that need an open channel:
    SSHException("Channel is not open") otherwise."""
    import functools

    @functools.wraps(func)
    def _check(self: Any, *args: Any, **kwds: Any) -> Any:
        if getattr(self, "closed", False) or getattr(self, "eof_received", False) \
                or getattr(self, "eof_sent", False) or not getattr(self, "active", True):
            raise SSHException("Channel is not open")
        return func(self, *args, **kwds)

    return _check  # type: ignore[return-value]

# At most this much per C read. 256 KiB bytes objects, made and freed at
# every read, made glibc's heap shrink and grow again behind them: 70-87k
# page faults per GiB of exec stdout; with 128 KiB 16-20k (the process's
# own), and CPU per GiB 2.13-2.40 -> 1.97-2.52 s (medians 2.34 -> 2.20, five
# interleaved pairs).
CHUNK = 128 * 1024


def _timeout_ms(t: float | None) -> int:
    """paramiko timeout (seconds or None) -> the C API's timeout_ms."""
    if t is None:
        return -1
    t = float(t)
    if t <= 0:
        return 0
    return max(1, int(t * 1000 + 0.5))


def _request_ms(t: float | None) -> int:
    """A timeout for requests that must reach the server: 0 (non-blocking)
    would fail them at once, so it means none given here (-1: the library
    applies connect()'s channel_timeout, else no limit)."""
    if t is None or float(t) <= 0:
        return -1
    return _timeout_ms(t)


class _ReadBuf:
    __slots__ = ("lock", "buf")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.buf: Any = None


class Channel(_lib.NativeHandle):
    """An SSH channel (paramiko.Channel): a session (exec, shell,
    subsystem), a direct-tcpip or a forwarded-tcpip channel.

    Made by ``Transport.open_session()``/``open_channel()``,
    ``SSHClient.exec_command()``/``invoke_shell()`` or ``Transport.accept()``;
    not constructed directly.
    """

    _close_fn = "gossh_channel_close"
    _free_fn = "gossh_channel_free"

    def __init__(
        self,
        handle: Any,
        client: SSHClient | None = None,
        chanid: int | None = None,
        transport: Transport | None = None,
    ) -> None:
        self._handle = handle
        # Keep the client (and with it the connection) alive as long as a
        # channel on it is in use, as paramiko's transport thread does.
        self._client = client
        if chanid is None:
            chanid = lib.gossh_channel_id(handle) if handle else -1
        self.chanid: int = chanid
        self.transport = transport
        self._timeout: float | None = None
        self._bufs = {_lib.STREAM_STDOUT: _ReadBuf(), _lib.STREAM_STDERR: _ReadBuf()}
        self._closed = False
        self._eof = {_lib.STREAM_STDOUT: False, _lib.STREAM_STDERR: False}
        self._read_shut = False
        self.eof_sent = False
        self.combine_stderr = False
        self._name = str(chanid)
        self._fd: int | None = None
        self._fd_lock = threading.Lock()
        self.origin_addr: tuple[str, int] | None = None

    # -- helpers --------------------------------------------------------------

    def _h(self) -> Any:
        h = self._handle
        if h is None or self._closed:
            raise SSHException("Channel is closed")
        return h

    def _state(self) -> int:
        """The library's GOSSH_CHANNEL_* bits; CLOSED for a bad handle."""
        h = self._handle
        st: int = lib.gossh_channel_state(h) if h is not None else -1
        return _lib.CHANNEL_CLOSED if st < 0 else st

    def _addr(self, which: str) -> tuple[str, int]:
        """(host, port) of the channel's "origin" or "dest", as the library
        splits it."""
        host = self._info(which + "_host")
        try:
            return (host, int(self._info(which + "_port") or 0))
        except ValueError:
            return (host, 0)

    def _info(self, name: str) -> str:
        h = self._handle
        if h is None:
            return ""
        p = _lib.owned_str_p()
        call(lib.gossh_channel_info, h, name.encode(), ctypes.byref(p))
        return _lib.take_string(p) or ""

    def _req_ms(self) -> int:
        """Timeout for a request: the channel's timeout if positive, else
        none given (the library applies connect()'s channel_timeout)."""
        return _request_ms(self._timeout)

    def get_id(self) -> int:
        """The channel's number, unique within its connection."""
        return self.chanid

    def get_name(self) -> str:
        """The channel's name (its number unless set_name() was called)."""
        return self._name

    def set_name(self, name: str) -> None:
        """Names the channel (for logs and repr, as paramiko)."""
        self._name = name

    def get_transport(self) -> Transport | None:
        """The Transport this channel belongs to."""
        return self.transport

    @property
    def closed(self) -> bool:
        """True once the channel is closed: by close(), by the connection
        closing, or by the server (its output ended and its exit status, if
        any, arrived)."""
        if self._closed or self._handle is None:
            return True
        st = self._state()
        if st & _lib.CHANNEL_CLOSED:
            return True
        return self._eof[_lib.STREAM_STDOUT] and bool(st & _lib.CHANNEL_EXIT_READY)

    @property
    def active(self) -> bool:
        """True while the channel is open (paramiko's ``active``)."""
        return not self.closed

    @property
    def eof_received(self) -> bool:
        """True once the server's output (stdout) has been read to its end,
        or after shutdown_read()."""
        return self._read_shut or self._eof[_lib.STREAM_STDOUT]

    def __repr__(self) -> str:
        out = "<gossh.Channel {}".format(self.chanid)
        if self.closed:
            out += " (closed)"
        else:
            if self.eof_received:
                out += " (EOF received)"
            if self.eof_sent:
                out += " (EOF sent)"
        return out + ">"

    # -- session requests -------------------------------------------------------

    def get_pty(
        self,
        term: str | bytes = "vt100",
        width: int = 80,
        height: int = 24,
        width_pixels: int = 0,
        height_pixels: int = 0,
    ) -> None:
        """Asks for a pseudo-terminal.  Raises SSHException (ChannelException)
        if the server refuses."""
        call(lib.gossh_channel_request_pty, self._h(), _lib.enc(term or None), int(width),
             int(height), int(width_pixels), int(height_pixels), self._req_ms())

    def resize_pty(
        self, width: int = 80, height: int = 24, width_pixels: int = 0, height_pixels: int = 0
    ) -> None:
        """Tells the server the terminal's new size."""
        call(lib.gossh_channel_resize_pty, self._h(), int(width), int(height),
             int(width_pixels), int(height_pixels))

    def set_environment_variable(self, name: str | bytes, value: str | bytes) -> None:
        """Sets one environment variable for the command or shell to come.
        As paramiko, no reply is asked: a server that does not accept the
        name (OpenSSH's AcceptEnv; Dropbear accepts none) drops it (logged
        at debug level on paramiko.channel)."""
        call(lib.gossh_channel_set_env, self._h(), _lib.enc(name), _lib.enc(value),
             self._req_ms())

    def update_environment(self, environment: Mapping[str, str] | Mapping[bytes, bytes]) -> None:
        """Sets each variable of a dict (see set_environment_variable)."""
        for name, value in environment.items():
            self.set_environment_variable(name, value)

    def exec_command(self, command: str | bytes) -> None:
        """Runs command on this session channel."""
        if isinstance(command, bytes):
            command = command.decode("utf-8")
        call(lib.gossh_channel_exec, self._h(), _lib.enc(command), self._req_ms())

    def invoke_shell(self) -> None:
        """Starts the login shell (usually after get_pty())."""
        call(lib.gossh_channel_shell, self._h(), self._req_ms())

    def invoke_subsystem(self, subsystem: str | bytes) -> None:
        """Starts a subsystem such as "sftp"."""
        call(lib.gossh_channel_subsystem, self._h(), _lib.enc(subsystem), self._req_ms())

    def send_signal(self, name: str) -> None:
        """gossh extension: sends a signal ("TERM", "INT", ...) to the
        remote process."""
        call(lib.gossh_channel_signal, self._h(), _lib.enc(name))

    def set_combine_stderr(self, combine: bool) -> bool:
        """Delivers stderr data arriving from now on through recv() (and
        stdout).  Returns the previous setting."""
        prev = ctypes.c_int(0)
        call(lib.gossh_channel_set_combine_stderr, self._h(), 1 if combine else 0,
             ctypes.byref(prev))
        self.combine_stderr = bool(combine)
        return bool(prev.value)

    def request_x11(self, *args: Any, **kwargs: Any) -> bytes:
        """Not supported: raises NotImplementedError."""
        raise NotImplementedError("gossh: X11 forwarding is not supported")

    def request_forward_agent(self, handler: Callable[[Channel], object] | None) -> bool:
        """Asks the server to forward the local agent (SSH_AUTH_SOCK) on this
        session, before exec_command or invoke_shell (see
        gossh.agent.AgentRequestHandler).  The library serves the forwarded
        channels itself, so handler is not called.  Returns True if the
        server agreed; a refusal is logged, not raised."""
        accepted = ctypes.c_int()
        call(lib.gossh_channel_request_forward_agent, self._h(), self._req_ms(), ctypes.byref(accepted))
        return bool(accepted.value)

    def send_exit_status(self, status: int) -> None:
        """Server-side: raises NotImplementedError."""
        raise NotImplementedError("gossh: send_exit_status is server-side; gossh is a client")

    # -- timeouts -------------------------------------------------------------

    def settimeout(self, timeout: float | None) -> None:
        """Seconds a blocking read, write or request may wait (None: forever;
        0: non-blocking).  A read that times out raises socket.timeout."""
        self._timeout = None if timeout is None else float(timeout)

    def gettimeout(self) -> float | None:
        """The timeout settimeout() set (None: blocking)."""
        return self._timeout

    def setblocking(self, blocking: bool | int) -> None:
        """setblocking(False) is settimeout(0.0), True settimeout(None)."""
        self.settimeout(None if blocking else 0.0)

    # -- reading --------------------------------------------------------------

    def _read(self, stream: int, nbytes: int) -> bytes:
        """One C read of up to nbytes from stream; b"" at end of stream."""
        if nbytes <= 0 or self._read_shut and stream == _lib.STREAM_STDOUT:
            return b""
        h = self._handle
        if h is None or self._closed:
            return b""  # after close, paramiko reads return EOF
        cap = min(int(nbytes), CHUNK)
        tmo = _timeout_ms(self._timeout)
        n = ctypes.c_size_t(0)
        # One reusable CHUNK buffer per stream; its lock serialises
        # concurrent readers of the same stream only.
        st = self._bufs[stream]
        try:
            with st.lock:
                if st.buf is None:
                    st.buf = ctypes.create_string_buffer(CHUNK)
                buf = st.buf
                call(lib.gossh_channel_read, h, stream, buf, cap, tmo, ctypes.byref(n))
                data = ctypes.string_at(buf, n.value)
        except SSHTimeout:
            raise  # a socket.timeout, as paramiko raises
        except SSHException:
            if self._closed:
                return b""  # closed by us: EOF, as paramiko
            raise  # the stream was cut off (the connection was lost): never a clean end
        if not data:
            self._eof[stream] = True
        return data

    def recv(self, nbytes: int) -> bytes:
        """Up to nbytes of stdout (the channel's data); b"" when it has
        ended.  Raises socket.timeout if nothing arrived within the timeout
        (at once in non-blocking mode)."""
        return self._read(_lib.STREAM_STDOUT, nbytes)

    def recv_stderr(self, nbytes: int) -> bytes:
        """As recv, from the command's stderr."""
        return self._read(_lib.STREAM_STDERR, nbytes)

    def _ready(self, stream: int) -> bool:
        h = self._handle
        if h is None or self._closed or self._eof[stream]:
            return False
        if stream == _lib.STREAM_STDOUT and self._read_shut:
            return False
        n, _ = _lib.call_code(lib.gossh_channel_read_ready, h, stream)
        return n > 0

    def recv_ready(self) -> bool:
        """True if a recv() would return at once.  As paramiko's, False once
        recv() has returned the end (b""), so that the common loop
        ``while not exit_status_ready() or recv_ready(): ...`` ends.  (The
        one recv() that returns the end may follow a True.)"""
        return self._ready(_lib.STREAM_STDOUT)

    def recv_stderr_ready(self) -> bool:
        """As recv_ready(), for stderr."""
        return self._ready(_lib.STREAM_STDERR)

    # -- writing --------------------------------------------------------------

    def _write(self, data: str | bytes | bytearray | memoryview, all_of_it: bool) -> int:
        """Writes data to stdin; returns how many bytes the library accepted.
        With all_of_it False (send) a timeout after a partial write returns
        the partial count, as paramiko's send(); otherwise (sendall) it
        raises socket.timeout."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        data = bytes(data)
        if self._closed or self._handle is None:
            raise socket.error("Socket is closed")
        if self.eof_sent:
            raise socket.error("Socket is closed (EOF sent)")
        if not data:
            # As paramiko: nothing to send. (A 0-byte gossh_channel_write
            # is a flush that may time out while a chunk is in flight.)
            return 0
        written = ctypes.c_size_t(0)
        try:
            call(lib.gossh_channel_write, self._handle, data, len(data),
                 _timeout_ms(self._timeout), ctypes.byref(written))
        except SSHTimeout:
            # The library sent exactly `written` bytes and none of the rest.
            if written.value and not all_of_it:
                return int(written.value)
            raise
        except SSHException as e:
            if getattr(e, "gossh_code", None) == _lib.E_CLOSED:
                raise socket.error("Socket is closed") from e
            raise
        return int(written.value)

    def sendall(self, data: str | bytes | bytearray | memoryview) -> None:
        """Writes all of data (bytes or str) to stdin (the channel).  Raises
        socket.timeout if the channel's timeout passes first (as paramiko;
        how much was sent is then unknown to the caller, as with sockets)."""
        self._write(data, True)

    def send(self, data: str | bytes | bytearray | memoryview) -> int:
        """Writes data; returns the number of bytes sent, which is less than
        len(data) only when the channel's timeout (0: non-blocking) passed
        while the server's window was full.  Raises socket.timeout if
        nothing could be sent."""
        return self._write(data, False)

    def send_ready(self) -> bool:
        """True if a send() would be accepted (the channel is open and EOF
        not sent).  libgossh does not expose the window, so a send may still
        wait for window space."""
        return not self.closed and not self.eof_sent

    def sendall_stderr(self, data: str | bytes | bytearray | memoryview) -> None:
        """A client cannot write to stderr: raises NotImplementedError."""
        raise NotImplementedError("gossh: a client cannot write to a command's stderr")

    send_stderr = sendall_stderr

    def shutdown_write(self) -> None:
        """Sends EOF: the command's stdin ends.  Repeats are no-ops."""
        if self._handle is None or self._closed or self.eof_sent:
            return
        self.eof_sent = True
        call(lib.gossh_channel_send_eof, self._handle)

    def shutdown_read(self) -> None:
        """Stops receiving: later recv() calls return b""."""
        self._read_shut = True

    def shutdown(self, how: int) -> None:
        """0: stop receiving; 1: stop sending (EOF); 2: both."""
        if how in (0, 2):
            self.shutdown_read()
        if how in (1, 2):
            self.shutdown_write()

    # -- exit status ----------------------------------------------------------

    def exit_status_ready(self) -> bool:
        """True once the command's exit status has arrived, or the channel
        or connection closed without one (as paramiko: then
        recv_exit_status() returns -1 at once)."""
        h = self._handle
        if h is None or self._closed:
            return True
        return bool(self._state() & (_lib.CHANNEL_EXIT_READY | _lib.CHANNEL_CLOSED))

    def recv_exit_status(self) -> int:
        """Waits for the command to finish and returns its exit status (-1 if
        the server sent none, or the channel or connection closed first).
        Output not read yet stays readable."""
        h = self._handle
        if h is None:
            return -1
        st = ctypes.c_int(-1)
        try:
            call(lib.gossh_channel_exit_status, h, -1, ctypes.byref(st))
        except SSHException as e:
            if getattr(e, "gossh_code", None) in (_lib.E_CLOSED, _lib.E_BADHANDLE):
                return -1
            raise
        return st.value

    @property
    def exit_status(self) -> int:
        """The exit status if it has arrived, else -1 (paramiko's attribute)."""
        h = self._handle
        if h is None or lib.gossh_channel_exit_status_ready(h) != 1:
            return -1
        st = ctypes.c_int(-1)
        rc, _ = _lib.call_code(lib.gossh_channel_exit_status, h, 0, ctypes.byref(st))
        return st.value if rc == 0 else -1

    @property
    def exit_signal(self) -> str | None:
        """gossh extension: the signal name that ended the command ("TERM"),
        or None."""
        try:
            return self._info("exit_signal") or None
        except SSHException:
            return None

    # -- files ------------------------------------------------------------------

    def makefile(self, mode: str = "r", bufsize: int = -1) -> ChannelFile:
        """A file over stdout (read() gives bytes; lines are str unless "b"
        is in mode)."""
        return ChannelFile(self, mode, bufsize)

    def makefile_stderr(self, mode: str = "r", bufsize: int = -1) -> ChannelStderrFile:
        """A file over stderr (as makefile())."""
        return ChannelStderrFile(self, mode, bufsize)

    def makefile_stdin(self, mode: str = "w", bufsize: int = -1) -> ChannelStdinFile:
        """A file over stdin whose close() sends EOF."""
        return ChannelStdinFile(self, mode, bufsize)

    def fileno(self) -> int:
        """A file descriptor that is readable when recv() would not block
        (data, end of output, or closed), for select, selectors and asyncio's
        add_reader.  Do not read it or close it.  It stays valid, and
        readable once the channel has closed, until the Channel object is
        garbage-collected (as paramiko's)."""
        with self._fd_lock:
            if self._fd is not None:
                return self._fd
            fd = ctypes.c_int(-1)
            h = self._handle
            rc, _ = (-1, None) if h is None or self._closed else _lib.call_code(
                lib.gossh_channel_fileno, h, ctypes.byref(fd))
            if rc == 0:
                # libgossh closes its descriptor when the channel closes, and
                # the number could then be reused under a selector that still
                # watches it.  A duplicate refers to the same pipe, stays open
                # until this object goes, and becomes readable for good (the
                # write end is gone) when the channel closes.
                self._fd = os.dup(fd.value)
            else:
                # Already closed: a pipe that is readable forever.
                r, w = os.pipe()
                os.close(w)
                self._fd = r
            return self._fd

    # -- lifetime -----------------------------------------------------------

    def close(self) -> None:
        """Closes the channel.  Later reads return b"".  Safe to call twice
        and from any thread (a blocked recv returns)."""
        self._closed = True
        self._close_native()

    def __del__(self) -> None:
        self._free_native()
        fd, self._fd = getattr(self, "_fd", None), None
        if fd is not None:
            try:
                os.close(fd)
            except Exception:
                pass


class ChannelFile:
    """A file over a channel's stdout (paramiko.ChannelFile).

    ``read()`` returns bytes; ``readline()``, ``readlines()`` and iteration
    return str lines (UTF-8) unless the mode contains "b", as paramiko's
    buffered files do.
    """

    _stream = _lib.STREAM_STDOUT

    def __init__(self, channel: Channel, mode: str = "r", bufsize: int = -1) -> None:
        self.channel = channel
        self._rbuf = bytearray()
        self._eof = False
        self._closed = False
        self.newlines: str | tuple[str, ...] | None = None
        self._set_mode(mode, bufsize)

    def _set_mode(self, mode: str = "r", bufsize: int = -1) -> None:
        # paramiko's BufferedFile._set_mode (its tests patch it).  Writes are
        # never buffered here: each goes out through sendall.
        self._mode = mode
        self._bufsize = bufsize
        self._binary = "b" in mode

    def __repr__(self) -> str:
        return "<gossh.{} from {!r}>".format(type(self).__name__, self.channel)

    @property
    def closed(self) -> bool:
        """True after close()."""
        return self._closed

    def readable(self) -> bool:
        """True if the mode allows reading."""
        return "r" in self._mode

    def writable(self) -> bool:
        """True if the mode allows writing."""
        return "w" in self._mode or "a" in self._mode or "+" in self._mode

    def seekable(self) -> bool:
        """False: a channel cannot seek."""
        return False

    def _fill(self) -> bool:
        """Reads one chunk into the buffer; False at end of stream."""
        if self._eof:
            return False
        data = self._recv(CHUNK)
        if not data:
            self._eof = True
            return False
        self._rbuf += data
        return True

    def read(self, size: int | None = None) -> bytes:
        """Reads size bytes (fewer at end of stream), or everything up to
        the end if size is None or negative.  Returns bytes."""
        if self._closed:
            raise IOError("File is closed")
        if size is None or size < 0:
            chunks = [bytes(self._rbuf)]
            self._rbuf = bytearray()
            while not self._eof:
                data = self._recv(CHUNK)
                if not data:
                    self._eof = True
                    break
                chunks.append(data)
            return b"".join(chunks)
        while len(self._rbuf) < size and not self._eof:
            # Ask for what is still wanted (paramiko's unbuffered read).
            data = self._recv(size - len(self._rbuf))
            if data is None or len(data) == 0:
                self._eof = True
                break
            self._rbuf += data
        out = bytes(self._rbuf[:size])
        del self._rbuf[:size]
        return out

    def _line(self, b: bytes) -> Any:
        return b if self._binary else b.decode("utf-8", "replace")

    # readline(), readlines() and iteration return str, or bytes when the
    # mode has "b": typed Any, as types-paramiko types them.
    def readline(self, size: int | None = None) -> Any:
        """The next line, with its newline (str; bytes in binary mode); an
        empty string at end of stream."""
        if self._closed:
            raise IOError("File is closed")
        start = 0
        while True:
            i = self._rbuf.find(b"\n", start)
            if i >= 0:
                end = i + 1
                break
            if size is not None and 0 <= size <= len(self._rbuf):
                end = size
                break
            start = len(self._rbuf)
            if not self._fill():
                end = len(self._rbuf)
                break
        if size is not None and 0 <= size < end:
            end = size
        line = bytes(self._rbuf[:end])
        del self._rbuf[:end]
        return self._line(line)

    def readlines(self, sizehint: int | None = None) -> list[Any]:
        """The remaining lines (see readline()), stopping once sizehint
        characters were read if it is given and positive."""
        lines: list[Any] = []
        total = 0
        while True:
            line = self.readline()
            if not line:
                break
            lines.append(line)
            total += len(line)
            if sizehint is not None and sizehint > 0 and total >= sizehint:
                break
        return lines

    def __iter__(self) -> Self:
        return self

    def __next__(self) -> Any:
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def readinto(self, buff: bytearray | memoryview) -> int:
        """Reads up to len(buff) bytes into buff; returns how many."""
        data = self.read(len(buff))
        buff[: len(data)] = data
        return len(data)

    def _recv(self, n: int) -> bytes:
        # The channel's public recv, as paramiko's ChannelFile: any
        # channel-like object (a wrapper, a test double) works.
        return self.channel.recv(n)

    def _send(self, data: bytes) -> None:
        self.channel.sendall(data)

    def write(self, data: str | bytes | bytearray | memoryview) -> int:
        """Writes bytes or str (UTF-8) through the channel's sendall, for a
        file made with a writing mode ("w", "wb", "a", "r+"), as paramiko's
        ChannelFile."""
        if self._closed:
            raise IOError("File is closed")
        if not self.writable():
            raise IOError("File not open for writing")
        if isinstance(data, str):
            data = data.encode("utf-8")
        self._send(bytes(data))
        return len(data)

    def writelines(self, seq: Iterable[str | bytes]) -> None:
        """Writes each item of seq (no newlines added)."""
        for line in seq:
            self.write(line)

    def flush(self) -> None:
        """Nothing to do: writes are not buffered."""
        pass

    def close(self) -> None:
        """Closes the file (not the channel)."""
        self._closed = True

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ChannelStderrFile(ChannelFile):
    """A file over a channel's stderr (paramiko.ChannelStderrFile)."""

    _stream = _lib.STREAM_STDERR

    def _recv(self, n: int) -> bytes:
        return self.channel.recv_stderr(n)

    def _send(self, data: bytes) -> None:
        self.channel.sendall_stderr(data)


class ChannelStdinFile(ChannelFile):
    """A file over a command's stdin (paramiko.ChannelStdinFile): a
    ChannelFile whose ``close()`` flushes and sends EOF (shutdown_write).
    SSHClient.exec_command makes it with mode "wb"; as paramiko's, it reads
    and writes by its mode."""

    def close(self) -> None:
        """Flushes, closes the file and sends EOF on the channel."""
        if self._closed:
            return

        self.flush()
        self._closed = True
        self.channel.shutdown_write()
