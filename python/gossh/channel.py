"""Channels and their file objects, as paramiko's ``Channel``,
``ChannelFile``, ``ChannelStderrFile`` and ``ChannelStdinFile``.

A ``Channel`` wraps a ``gossh_channel`` handle.  Output is drained by
libgossh in the background, so reading stdout to the end before stderr never
deadlocks.  Reads move up to 256 KiB per C call; the file objects buffer
what they read for ``readline``.
"""

import ctypes
import socket
import threading

from . import _lib
from ._lib import call, lib
from .ssh_exception import SSHException, SSHTimeout

__all__ = ["Channel", "ChannelFile", "ChannelStderrFile", "ChannelStdinFile"]

CHUNK = 256 * 1024


def _timeout_ms(t):
    """paramiko timeout (seconds or None) -> the C API's timeout_ms."""
    if t is None:
        return -1
    t = float(t)
    if t <= 0:
        return 0
    return max(1, int(t * 1000 + 0.5))


class _ReadBuf:
    __slots__ = ("lock", "buf")

    def __init__(self):
        self.lock = threading.Lock()
        self.buf = None


class Channel:
    """A session channel running one command (paramiko.Channel)."""

    def __init__(self, handle, client=None, chanid=0):
        self._handle = handle
        # Keep the client (and with it the connection) alive as long as a
        # channel on it is in use, as paramiko's transport thread does.
        self._client = client
        self.chanid = chanid
        self._timeout = None
        self._bufs = {_lib.STREAM_STDOUT: _ReadBuf(), _lib.STREAM_STDERR: _ReadBuf()}
        self.closed = False
        self.eof_sent = False

    # -- helpers --------------------------------------------------------------

    def _h(self):
        h = self._handle
        if h is None:
            raise SSHException("Channel is closed")
        return h

    def get_id(self):
        return self.chanid

    def __repr__(self):
        return "<gossh.Channel {}{}>".format(self.chanid, " (closed)" if self.closed else "")

    # -- timeouts -------------------------------------------------------------

    def settimeout(self, timeout):
        """Seconds a blocking read or write may wait (None: forever; 0:
        non-blocking).  A read that times out raises socket.timeout."""
        self._timeout = None if timeout is None else float(timeout)

    def gettimeout(self):
        return self._timeout

    def setblocking(self, blocking):
        self.settimeout(None if blocking else 0.0)

    # -- reading --------------------------------------------------------------

    def _read(self, stream, nbytes):
        """One C read of up to nbytes from stream; b"" at end of stream."""
        if nbytes <= 0:
            return b""
        cap = min(int(nbytes), CHUNK)
        tmo = _timeout_ms(self._timeout)
        n = ctypes.c_size_t(0)
        # One reusable 256 KiB buffer per stream; its lock serialises
        # concurrent readers of the same stream only.
        st = self._bufs[stream]
        try:
            with st.lock:
                if st.buf is None:
                    st.buf = ctypes.create_string_buffer(CHUNK)
                buf = st.buf
                call(lib.gossh_channel_read, self._h(), stream, buf, cap, tmo,
                     ctypes.byref(n))
                return ctypes.string_at(buf, n.value)
        except SSHTimeout:
            raise  # a socket.timeout, as paramiko raises
        except SSHException as e:
            # After close, paramiko reads return b"" (EOF) rather than fail.
            if self.closed or getattr(e, "gossh_code", None) == _lib.E_CLOSED:
                return b""
            raise

    def recv(self, nbytes):
        """Up to nbytes of the command's stdout; b"" when it has ended.
        Raises socket.timeout if a timeout is set and nothing arrived."""
        return self._read(_lib.STREAM_STDOUT, nbytes)

    def recv_stderr(self, nbytes):
        """As recv, from the command's stderr."""
        return self._read(_lib.STREAM_STDERR, nbytes)

    def _ready(self, stream):
        if self._handle is None:
            return False
        return lib.gossh_channel_read_ready(self._handle, stream) > 0

    def recv_ready(self):
        """True if a recv() would return at once."""
        return self._ready(_lib.STREAM_STDOUT)

    def recv_stderr_ready(self):
        return self._ready(_lib.STREAM_STDERR)

    # -- writing --------------------------------------------------------------

    def sendall(self, data):
        """Writes all of data (bytes or str) to the command's stdin."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        data = bytes(data)
        if self.closed:
            raise socket.error("Socket is closed")
        call(lib.gossh_channel_write, self._h(), data, len(data), _timeout_ms(self._timeout))

    def send(self, data):
        """Writes data to stdin; returns the number of bytes sent (all)."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        self.sendall(data)
        return len(data)

    def sendall_stderr(self, data):
        raise NotImplementedError("gossh: a client cannot write to a command's stderr")

    send_stderr = sendall_stderr

    def shutdown_write(self):
        """Sends EOF: the command's stdin ends.  Repeats are no-ops."""
        if self._handle is None or self.eof_sent:
            return
        self.eof_sent = True
        call(lib.gossh_channel_send_eof, self._handle)

    def shutdown(self, how):
        """paramiko's shutdown: 1 or 2 stop writing (send EOF); reading stops
        with close()."""
        if how in (1, 2):
            self.shutdown_write()

    def shutdown_read(self):
        pass

    # -- exit status ----------------------------------------------------------

    def exit_status_ready(self):
        if self._handle is None:
            return True
        return lib.gossh_channel_exit_status_ready(self._handle) == 1

    def recv_exit_status(self):
        """Waits for the command to finish and returns its exit status (-1 if
        the server sent none).  Output not read yet stays readable."""
        st = ctypes.c_int(-1)
        try:
            call(lib.gossh_channel_exit_status, self._h(), -1, ctypes.byref(st))
        except SSHException as e:
            if getattr(e, "gossh_code", None) == _lib.E_CLOSED:
                return -1
            raise
        return st.value

    # -- files ------------------------------------------------------------------

    def makefile(self, mode="r", bufsize=-1):
        return ChannelFile(self, mode, bufsize)

    def makefile_stderr(self, mode="r", bufsize=-1):
        return ChannelStderrFile(self, mode, bufsize)

    def makefile_stdin(self, mode="w", bufsize=-1):
        return ChannelStdinFile(self, mode, bufsize)

    def fileno(self):
        raise NotImplementedError("gossh: channels have no file descriptor")

    def get_pty(self, *args, **kwargs):
        raise NotImplementedError("gossh: pseudo-terminals are not supported yet")

    def invoke_shell(self):
        raise NotImplementedError("gossh: interactive shells are not supported yet")

    def exec_command(self, command):
        raise NotImplementedError("gossh: use SSHClient.exec_command")

    # -- lifetime -----------------------------------------------------------

    def close(self):
        """Closes the channel.  Safe to call twice."""
        self.closed = True
        h = self._handle
        if h is not None:
            err = _lib.error_p()
            lib.gossh_channel_close(h, ctypes.byref(err))
            if err:
                lib.gossh_error_free(err)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        h, self._handle = getattr(self, "_handle", None), None
        if h is not None:
            try:
                lib.gossh_channel_free(h)
            except Exception:  # interpreter shutdown
                pass


class ChannelFile:
    """A file over a channel's stdout (paramiko.ChannelFile).

    ``read()`` returns bytes; ``readline()``, ``readlines()`` and iteration
    return str lines (UTF-8) unless the mode contains "b", as paramiko's
    buffered files do.
    """

    _stream = _lib.STREAM_STDOUT

    def __init__(self, channel, mode="r", bufsize=-1):
        self.channel = channel
        self._mode = mode
        self._binary = "b" in mode
        self._rbuf = bytearray()
        self._eof = False
        self._closed = False
        self.newlines = None

    def __repr__(self):
        return "<gossh.{} from {!r}>".format(type(self).__name__, self.channel)

    @property
    def closed(self):
        return self._closed

    def readable(self):
        return "r" in self._mode

    def writable(self):
        return "w" in self._mode or "a" in self._mode or "+" in self._mode

    def seekable(self):
        return False

    def _fill(self):
        """Reads one chunk into the buffer; False at end of stream."""
        if self._eof:
            return False
        data = self.channel._read(self._stream, CHUNK)
        if not data:
            self._eof = True
            return False
        self._rbuf += data
        return True

    def read(self, size=None):
        """Reads size bytes (fewer at end of stream), or everything up to
        the end if size is None or negative.  Returns bytes."""
        if self._closed:
            raise IOError("File is closed")
        if size is None or size < 0:
            chunks = [bytes(self._rbuf)]
            self._rbuf = bytearray()
            while not self._eof:
                data = self.channel._read(self._stream, CHUNK)
                if not data:
                    self._eof = True
                    break
                chunks.append(data)
            return b"".join(chunks)
        while len(self._rbuf) < size and self._fill():
            pass
        out = bytes(self._rbuf[:size])
        del self._rbuf[:size]
        return out

    def _line(self, b):
        return b if self._binary else b.decode("utf-8", "replace")

    def readline(self, size=None):
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

    def readlines(self, sizehint=None):
        lines, total = [], 0
        while True:
            line = self.readline()
            if not line:
                break
            lines.append(line)
            total += len(line)
            if sizehint is not None and sizehint > 0 and total >= sizehint:
                break
        return lines

    def __iter__(self):
        return self

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def readinto(self, buff):
        data = self.read(len(buff))
        buff[: len(data)] = data
        return len(data)

    def write(self, data):
        raise IOError("File not open for writing")

    def writelines(self, seq):
        for line in seq:
            self.write(line)

    def flush(self):
        pass

    def close(self):
        self._closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class ChannelStderrFile(ChannelFile):
    """A file over a channel's stderr (paramiko.ChannelStderrFile)."""

    _stream = _lib.STREAM_STDERR


class ChannelStdinFile(ChannelFile):
    """A file over a command's stdin (paramiko.ChannelStdinFile): ``close()``
    sends EOF."""

    def __init__(self, channel, mode="wb", bufsize=-1):
        ChannelFile.__init__(self, channel, mode, bufsize)

    def readable(self):
        return False

    def writable(self):
        return True

    def read(self, size=None):
        raise IOError("File not open for reading")

    def readline(self, size=None):
        raise IOError("File not open for reading")

    def write(self, data):
        """Writes bytes or str (UTF-8) to the command's stdin."""
        if self._closed:
            raise IOError("File is closed")
        if isinstance(data, str):
            data = data.encode("utf-8")
        self.channel.sendall(data)
        return len(data)

    def close(self):
        if self._closed:
            return
        self._closed = True
        self.channel.shutdown_write()
