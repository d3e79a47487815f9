"""paramiko's tests/test_file.py: BufferedFile (the base of SFTPFile) over an
in-memory loopback stream; no server needed."""

from io import BytesIO

import pytest

from gossh.file import BufferedFile

linefeed_byte, crlf, cr_byte = b"\n", b"\r\n", b"\r"


class LoopbackFile(BufferedFile):
    """A BufferedFile that reads back what was written into it."""

    def __init__(self, mode="r", bufsize=-1):
        BufferedFile.__init__(self)
        self._set_mode(mode, bufsize)
        self.buffer = BytesIO()
        self.offset = 0

    def _read(self, size):
        data = self.buffer.getvalue()[self.offset: self.offset + size]
        self.offset += len(data)
        return data

    def _write(self, data):
        self.buffer.write(data)
        return len(data)


def test_simple():
    f = LoopbackFile("r")
    with pytest.raises(IOError):
        f.write(b"hi")
    f.close()
    f = LoopbackFile("w")
    with pytest.raises(IOError):
        f.read(1)
    f.close()


def test_readline():
    f = LoopbackFile("r+U")
    f.write(b"First line.\nSecond line.\r\nThird line.\n"
            + b"Fourth line.\nFinal line non-terminated.")
    assert f.readline() == "First line.\n"
    assert f.readline() == "Second line.\n"
    assert f.readline(7) == "Third l"
    assert f.readline() == "ine.\n"
    assert f.readline(39) == "Fourth line.\n"
    assert f.readline() == "Final line non-terminated."
    assert f.readline() == ""
    f.close()
    with pytest.raises(IOError):
        f.readline()
    assert linefeed_byte in f.newlines
    assert crlf in f.newlines
    assert cr_byte not in f.newlines


def test_lf():
    f = LoopbackFile("r+U")
    f.write(b"First line.\r")
    assert f.readline() == "First line.\n"
    f.write(b"\nSecond.\r\n")
    assert f.readline() == "Second.\n"
    f.close()
    assert f.newlines == crlf


def test_write():
    f = LoopbackFile("r+", 1)
    f.write(b"Complete line.\nIncomplete line.")
    assert f.readline() == "Complete line.\n"
    assert f.readline() == ""
    f.write("..\n")
    assert f.readline() == "Incomplete line...\n"
    f.close()


def test_flush():
    f = LoopbackFile("r+", 512)
    f.write("Not\nquite\n512 bytes.\n")
    assert f.read(1) == b""
    f.flush()
    assert f.read(6) == b"Not\nqu"
    assert f.read(4) == b"ite\n"
    assert f.read(5) == b"512 b"
    assert f.read(9) == b"ytes.\n"
    assert f.read(3) == b""
    f.close()


def test_buffering_flushes():
    f = LoopbackFile("r+", 16)
    f.write(b"Too small.")
    assert f.read(4) == b""
    f.write(b"  ")
    assert f.read(4) == b""
    f.write(b"Enough.")
    assert f.read(20) == b"Too small.  Enough."
    f.close()


def test_read_all():
    f = LoopbackFile("r+", 16)
    f.write(b"The first thing you need to do is open your eyes. ")
    f.write(b"Then, you need to close them again.\n")
    assert f.read(-1) == (b"The first thing you need to do is open your eyes. Then, you "
                          b"need to close them again.\n")
    f.close()


def test_readable():
    f = LoopbackFile("r")
    assert f.readable() and not f.writable() and not f.seekable()
    f.close()


def test_writable():
    f = LoopbackFile("w")
    assert f.writable() and not f.readable() and not f.seekable()
    f.close()


def test_readinto():
    data = bytearray(5)
    f = LoopbackFile("r+")
    f._write(b"hello")
    f.readinto(data)
    assert data == b"hello"
    f.close()


def test_write_bad_type():
    with LoopbackFile("wb") as f:
        with pytest.raises(TypeError):
            f.write(object())


def test_write_unicode_as_binary():
    text = "\xa7 why is writing text to a binary file allowed?\n"
    with LoopbackFile("rb+") as f:
        f.write(text)
        assert f.read() == text.encode("utf-8")


def test_write_bytearray():
    with LoopbackFile("rb+") as f:
        f.write(bytearray(12))
        assert f.read() == 12 * b"\0"


def test_write_memoryview():
    data = 3 * b"pretend giant block of data\n"
    with LoopbackFile("rb+") as f:
        view = memoryview(data)
        for offset in range(0, len(data), 8):
            f.write(view[offset: offset + 8])
        assert f.read() == data


def test_binary_readline_is_bytes_and_iteration():
    with LoopbackFile("rb+") as f:
        f.write(b"a\nb\n")
        assert list(f) == [b"a\n", b"b\n"]
    with LoopbackFile("r+") as f:
        f.write(b"a\nb\n")
        assert f.readlines() == ["a\n", "b\n"]
