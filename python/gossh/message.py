"""paramiko.message: ``Message``, an SSH wire-format buffer (RFC 4251
section 5 types).  Pure Python: gossh uses it for nothing on the wire,
programs use it to build or parse key blobs and agent messages."""

from __future__ import annotations

import struct
from io import BytesIO
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:
    from typing_extensions import Self

from . import util

__all__ = ["Message"]


class Message:
    """An SSH message: write with ``add_*``, read with ``get_*``."""

    big_int = 0xFF000000

    def __init__(self, content: bytes | None = None) -> None:
        if content is not None:
            self.packet = BytesIO(content)
        else:
            self.packet = BytesIO()

    def __bytes__(self) -> bytes:
        return self.asbytes()

    def __repr__(self) -> str:
        return "paramiko.Message(" + repr(self.packet.getvalue()) + ")"

    def asbytes(self) -> bytes:
        """The message's bytes."""
        return self.packet.getvalue()

    def rewind(self) -> None:
        """Goes back to the start for reading."""
        self.packet.seek(0)

    def get_remainder(self) -> bytes:
        """The bytes not read yet (the position stays)."""
        position = self.packet.tell()
        remainder = self.packet.read()
        self.packet.seek(position)
        return remainder

    def get_so_far(self) -> bytes:
        """The bytes read so far."""
        position = self.packet.tell()
        self.rewind()
        return self.packet.read(position)

    def get_bytes(self, n: int) -> bytes:
        """The next n bytes (zero-padded if the message is shorter)."""
        b = self.packet.read(n)
        max_pad_size = 1 << 20  # paramiko pads short reads with zeros
        if len(b) < n < max_pad_size:
            return b + b"\x00" * (n - len(b))
        return b

    def get_byte(self) -> bytes:
        """The next byte."""
        return self.get_bytes(1)

    def get_boolean(self) -> bool:
        """The next byte as a boolean."""
        return self.get_bytes(1) != b"\x00"

    def get_adaptive_int(self) -> int:
        """paramiko's adaptive int (a uint32, or an mpint after 0xff)."""
        byte = self.get_bytes(1)
        if byte == b"\xff":
            return util.inflate_long(self.get_binary())
        byte += self.get_bytes(3)
        return int(struct.unpack(">I", byte)[0])

    def get_int(self) -> int:
        """The next uint32."""
        return int(struct.unpack(">I", self.get_bytes(4))[0])

    def get_size(self) -> int:
        """The next uint32 (a length)."""
        return self.get_int()

    def get_int64(self) -> int:
        """The next uint64."""
        return int(struct.unpack(">Q", self.get_bytes(8))[0])

    def get_mpint(self) -> int:
        """The next mpint."""
        return util.inflate_long(self.get_binary())

    def get_string(self) -> bytes:
        """The next string (bytes)."""
        return self.get_bytes(self.get_int())

    def get_text(self) -> str:
        """The next string, decoded as UTF-8."""
        return self.get_string().decode("utf-8", "replace")

    def get_binary(self) -> bytes:
        """The next string (bytes)."""
        return self.get_bytes(self.get_int())

    def get_list(self) -> list[str]:
        """The next name-list."""
        return self.get_text().split(",")

    def add_bytes(self, b: bytes) -> Self:
        """Appends raw bytes."""
        self.packet.write(b)
        return self

    def add_byte(self, b: bytes) -> Self:
        """Appends one raw byte."""
        self.packet.write(b)
        return self

    def add_boolean(self, b: bool) -> Self:
        """Appends a boolean byte."""
        self.packet.write(b"\x01" if b else b"\x00")
        return self

    def add_int(self, n: int) -> Self:
        """Appends a uint32."""
        self.packet.write(struct.pack(">I", n))
        return self

    def add_adaptive_int(self, n: int) -> Self:
        """Appends paramiko's adaptive int."""
        if n >= Message.big_int:
            self.packet.write(b"\xff")
            self.add_string(util.deflate_long(n))
        else:
            self.packet.write(struct.pack(">I", n))
        return self

    def add_int64(self, n: int) -> Self:
        """Appends a uint64."""
        self.packet.write(struct.pack(">Q", n))
        return self

    def add_mpint(self, z: int) -> Self:
        """Appends an mpint."""
        self.add_string(util.deflate_long(z))
        return self

    def add_string(self, s: str | bytes | Message) -> Self:
        """Appends a string (str as UTF-8)."""
        data = util.asbytes(s)
        self.add_int(len(data))
        self.packet.write(data)
        return self

    def add_list(self, items: Iterable[str]) -> Self:
        """Appends a name-list."""
        self.add_string(",".join(items))
        return self

    def _add(self, i: Any) -> Self:
        if type(i) is bool:
            return self.add_boolean(i)
        elif isinstance(i, int):
            return self.add_adaptive_int(i)
        elif isinstance(i, list):
            return self.add_list(i)
        else:
            return self.add_string(i)

    def add(self, *seq: Any) -> None:
        """Appends each item by its type (bool, int, list, string)."""
        for item in seq:
            self._add(item)
