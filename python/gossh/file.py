"""paramiko.file: ``BufferedFile``, Python-style buffering over a simpler
stream (the base of ``SFTPFile``).

It behaves as paramiko's: ``read`` returns bytes; ``readline``, iteration
and ``readlines`` return str (decoded as UTF-8) unless the mode has "b";
``write`` takes bytes or str (encoded as UTF-8); ``bufsize`` <= 0 (the
default) writes through, 1 buffers writes by line, > 1 by that many bytes;
"U" in the mode makes ``readline`` accept \\r and \\r\\n as line ends.
Subclasses implement ``_read``, ``_write`` and ``_get_size``.
"""

from __future__ import annotations

from io import BytesIO
from types import TracebackType
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["BufferedFile"]

_LF = b"\n"
_CR = b"\r"
_CRLF = b"\r\n"
_LF_VALUE = ord(_LF)
_CR_VALUE = ord(_CR)


def _text(line: bytes) -> str:
    return line.decode("utf-8")


class BufferedFile:
    """Reusable base class for file-like objects with Python buffering
    (paramiko.BufferedFile).  Works as a context manager; iterating yields
    lines."""

    _DEFAULT_BUFSIZE = 8192
    # How much read() without a size asks _read for at a time (paramiko:
    # _DEFAULT_BUFSIZE).  A subclass whose _read costs a call into a library
    # raises it.
    _READ_ALL_CHUNK = _DEFAULT_BUFSIZE

    SEEK_SET = 0
    SEEK_CUR = 1
    SEEK_END = 2

    FLAG_READ = 0x1
    FLAG_WRITE = 0x2
    FLAG_APPEND = 0x4
    FLAG_BINARY = 0x10
    FLAG_BUFFERED = 0x20
    FLAG_LINE_BUFFERED = 0x40
    FLAG_UNIVERSAL_NEWLINE = 0x80

    def __init__(self) -> None:
        self.newlines: bytes | tuple[bytes, ...] | None = None
        self._flags = 0
        self._bufsize = self._DEFAULT_BUFSIZE
        self._wbuffer = BytesIO()
        self._rbuffer = bytes()
        self._at_trailing_cr = False
        self._closed = False
        # _pos: the position the user sees; _realpos: the stream's position
        # (ahead of _pos by what sits in the read buffer).
        self._pos = self._realpos = 0
        self._size = 0

    def __del__(self) -> None:
        self.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        type: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __iter__(self) -> Self:
        if self._closed:
            raise ValueError("I/O operation on closed file")
        return self

    # Lines (readline, readlines, iteration) are str, or bytes when the mode
    # has "b": typed Any, as types-paramiko types them.
    def __next__(self) -> Any:
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def close(self) -> None:
        """Writes out the write buffer; later reads and writes fail."""
        self.flush()
        self._closed = True

    def flush(self) -> None:
        """Writes out the write buffer (does nothing unbuffered)."""
        self._write_all(self._wbuffer.getvalue())
        self._wbuffer = BytesIO()

    def readable(self) -> bool:
        """True if the mode allows reading."""
        return (self._flags & self.FLAG_READ) == self.FLAG_READ

    def writable(self) -> bool:
        """True if the mode allows writing."""
        return (self._flags & self.FLAG_WRITE) == self.FLAG_WRITE

    def seekable(self) -> bool:
        """False here; SFTPFile can seek."""
        return False

    def readinto(self, buff: bytearray | memoryview) -> int:
        """Reads up to len(buff) bytes into buff; returns how many."""
        data = self.read(len(buff))
        buff[: len(data)] = data
        return len(data)

    def _check_readable(self, what: str = "File is not open for reading") -> None:
        if self._closed:
            raise IOError("File is closed")
        if not (self._flags & self.FLAG_READ):
            raise IOError(what)

    def _fill(self, n: int) -> bytes:
        """One _read of n bytes; b"" at the end (None and EOFError too)."""
        try:
            data = self._read(n)
        except EOFError:
            data = None
        return data or b""

    def read(self, size: int | None = None) -> bytes:
        """At most size bytes (all the rest if size is None or negative), as
        bytes whatever the mode; b"" at the end of the file."""
        self._check_readable()
        if size is None or size < 0:
            everything = bytearray(self._rbuffer)
            self._rbuffer = bytes()
            self._pos += len(everything)
            while True:
                data = self._fill(self._READ_ALL_CHUNK)
                if not data:
                    break
                everything.extend(data)
                self._realpos += len(data)
                self._pos += len(data)
            return bytes(everything)
        if size <= len(self._rbuffer):
            result = self._rbuffer[:size]
            self._rbuffer = self._rbuffer[size:]
            self._pos += len(result)
            return result
        while len(self._rbuffer) < size:
            want = size - len(self._rbuffer)
            if self._flags & self.FLAG_BUFFERED:
                want = max(self._bufsize, want)
            data = self._fill(want)
            if not data:
                break
            self._rbuffer += data
            self._realpos += len(data)
        result = self._rbuffer[:size]
        self._rbuffer = self._rbuffer[size:]
        self._pos += len(result)
        return result

    def readline(self, size: int | None = None) -> Any:
        """One line, its line end kept (absent on a last incomplete line); at
        most size bytes if size >= 0; "" (b"" with "b") at the end.  str
        decoded as UTF-8 unless the mode has "b"."""
        self._check_readable("File not open for reading")
        universal = self._flags & self.FLAG_UNIVERSAL_NEWLINE
        line = self._rbuffer
        truncated = False
        while True:
            if self._at_trailing_cr and universal and len(line) > 0:
                # The last line ended with \r: a \n that follows belongs to it.
                if line[0] == _LF_VALUE:
                    line = line[1:]
                    self._record_newline(_CRLF)
                else:
                    self._record_newline(_CR)
                self._at_trailing_cr = False
            if size is not None and size >= 0:
                if len(line) >= size:
                    self._rbuffer = line[size:]
                    line = line[:size]
                    truncated = True
                    break
                n = size - len(line)
            else:
                n = self._bufsize
            if _LF in line or (universal and _CR in line):
                break
            data = self._fill(n)
            if not data:
                self._rbuffer = bytes()
                self._pos += len(line)
                return self._out(line)
            line += data
            self._realpos += len(data)
        pos = line.find(_LF)
        if universal:
            rpos = line.find(_CR)
            if rpos >= 0 and (rpos < pos or pos < 0):
                pos = rpos
        if pos == -1:
            # only reached for a line cut at size without a line end
            self._pos += len(line)
            return self._out(line)
        xpos = pos + 1
        if line[pos] == _CR_VALUE and xpos < len(line) and line[xpos] == _LF_VALUE:
            xpos += 1
        if truncated:
            self._rbuffer = line[xpos:] + self._rbuffer
        else:
            self._rbuffer = line[xpos:]
        lf = line[pos:xpos]
        line = line[:pos] + _LF
        if len(self._rbuffer) == 0 and lf == _CR:
            # a \n may follow in the next read: note it and eat it then
            self._at_trailing_cr = True
        else:
            self._record_newline(lf)
        self._pos += len(line)
        return self._out(line)

    def _out(self, line: bytes) -> Any:
        return line if self._flags & self.FLAG_BINARY else _text(line)

    def readlines(self, sizehint: int | None = None) -> list[Any]:
        """The remaining lines (about sizehint bytes of them if given)."""
        lines: list[Any] = []
        count = 0
        while True:
            line = self.readline()
            if len(line) == 0:
                break
            lines.append(line)
            count += len(line)
            if sizehint is not None and count >= sizehint:
                break
        return lines

    def seek(self, offset: int, whence: int = 0) -> None:
        """Raises IOError: this stream cannot seek (SFTPFile can)."""
        raise IOError("File does not support seeking.")

    def tell(self) -> int:
        """The position the reader or writer is at."""
        return self._pos

    def write(self, data: str | bytes | bytearray | memoryview) -> None:
        """Writes bytes (or str, encoded as UTF-8); buffered as bufsize says
        (flush or close writes the rest)."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        if self._closed:
            raise IOError("File is closed")
        if not (self._flags & self.FLAG_WRITE):
            raise IOError("File not open for writing")
        if not (self._flags & self.FLAG_BUFFERED):
            self._write_all(data)
            return
        self._wbuffer.write(data)
        if self._flags & self.FLAG_LINE_BUFFERED:
            last_nl = bytes(data).rfind(_LF)
            if last_nl >= 0:
                wbuf = self._wbuffer.getvalue()
                last_nl += len(wbuf) - len(data)
                self._write_all(wbuf[: last_nl + 1])
                self._wbuffer = BytesIO()
                self._wbuffer.write(wbuf[last_nl + 1:])
            return
        if self._wbuffer.tell() >= self._bufsize:
            self.flush()

    def writelines(self, sequence: Iterable[str | bytes]) -> None:
        """Writes each item (no line ends added)."""
        for line in sequence:
            self.write(line)

    def xreadlines(self) -> Self:
        """The file itself (an iterator over its lines), as paramiko."""
        return self

    @property
    def closed(self) -> bool:
        """True after close()."""
        return self._closed

    # -- for subclasses ----------------------------------------------------------

    def _read(self, size: int) -> bytes | None:
        """Up to size bytes from the stream; b"", None or EOFError at its
        end."""
        raise EOFError()

    def _write(self, data: memoryview) -> int:
        """Writes some of data (a memoryview); returns how many bytes."""
        raise IOError("write not implemented")

    def _get_size(self) -> int:
        """The stream's size (append mode starts there)."""
        return 0

    # -- internals -----------------------------------------------------------------

    def _set_mode(self, mode: str = "r", bufsize: int = -1) -> None:
        self._bufsize = self._DEFAULT_BUFSIZE
        if bufsize < 0:
            bufsize = 0
        if bufsize == 1:
            # line buffering applies to writes only
            self._flags |= self.FLAG_BUFFERED | self.FLAG_LINE_BUFFERED
        elif bufsize > 1:
            self._bufsize = bufsize
            self._flags |= self.FLAG_BUFFERED
            self._flags &= ~self.FLAG_LINE_BUFFERED
        elif bufsize == 0:
            self._flags &= ~(self.FLAG_BUFFERED | self.FLAG_LINE_BUFFERED)
        if "r" in mode or "+" in mode:
            self._flags |= self.FLAG_READ
        if "w" in mode or "+" in mode:
            self._flags |= self.FLAG_WRITE
        if "a" in mode:
            self._flags |= self.FLAG_WRITE | self.FLAG_APPEND
            self._size = self._get_size()
            self._pos = self._realpos = self._size
        if "b" in mode:
            self._flags |= self.FLAG_BINARY
        if "U" in mode:
            self._flags |= self.FLAG_UNIVERSAL_NEWLINE
            self.newlines = None

    def _write_all(self, raw_data: bytes | bytearray | memoryview) -> None:
        data = memoryview(raw_data)
        while len(data) > 0:
            count = self._write(data)
            data = data[count:]
            if self._flags & self.FLAG_APPEND:
                self._size += count
                self._pos = self._realpos = self._size
            else:
                self._pos += count
                self._realpos += count

    def _record_newline(self, newline: bytes) -> None:
        if not (self._flags & self.FLAG_UNIVERSAL_NEWLINE):
            return
        if self.newlines is None:
            self.newlines = newline
        elif self.newlines != newline and isinstance(self.newlines, bytes):
            self.newlines = (self.newlines, newline)
        elif newline not in self.newlines:
            self.newlines += (newline,)  # type: ignore[operator]

