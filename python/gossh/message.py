"""paramiko.message: ``Message``, an SSH wire-format buffer (RFC 4251
section 5 types).  Pure Python: gossh uses it for nothing on the wire,
programs use it to build or parse key blobs and agent messages."""

import struct
from io import BytesIO

from . import util

__all__ = ["Message"]


class Message:
    """An SSH message: write with ``add_*``, read with ``get_*``."""

    big_int = 0xFF000000

    def __init__(self, content=None):
        if content is not None:
            self.packet = BytesIO(content)
        else:
            self.packet = BytesIO()

    def __bytes__(self):
        return self.asbytes()

    def __repr__(self):
        return "paramiko.Message(" + repr(self.packet.getvalue()) + ")"

    def asbytes(self):
        return self.packet.getvalue()

    def rewind(self):
        self.packet.seek(0)

    def get_remainder(self):
        position = self.packet.tell()
        remainder = self.packet.read()
        self.packet.seek(position)
        return remainder

    def get_so_far(self):
        position = self.packet.tell()
        self.rewind()
        return self.packet.read(position)

    def get_bytes(self, n):
        b = self.packet.read(n)
        max_pad_size = 1 << 20  # paramiko pads short reads with zeros
        if len(b) < n < max_pad_size:
            return b + b"\x00" * (n - len(b))
        return b

    def get_byte(self):
        return self.get_bytes(1)

    def get_boolean(self):
        return self.get_bytes(1) != b"\x00"

    def get_adaptive_int(self):
        byte = self.get_bytes(1)
        if byte == b"\xff":
            return util.inflate_long(self.get_binary())
        byte += self.get_bytes(3)
        return struct.unpack(">I", byte)[0]

    def get_int(self):
        return struct.unpack(">I", self.get_bytes(4))[0]

    def get_size(self):
        return self.get_int()

    def get_int64(self):
        return struct.unpack(">Q", self.get_bytes(8))[0]

    def get_mpint(self):
        return util.inflate_long(self.get_binary())

    def get_string(self):
        return self.get_bytes(self.get_int())

    def get_text(self):
        return self.get_string().decode("utf-8", "replace")

    def get_binary(self):
        return self.get_bytes(self.get_int())

    def get_list(self):
        return self.get_text().split(",")

    def add_bytes(self, b):
        self.packet.write(b)
        return self

    def add_byte(self, b):
        self.packet.write(b)
        return self

    def add_boolean(self, b):
        self.packet.write(b"\x01" if b else b"\x00")
        return self

    def add_int(self, n):
        self.packet.write(struct.pack(">I", n))
        return self

    def add_adaptive_int(self, n):
        if n >= Message.big_int:
            self.packet.write(b"\xff")
            self.add_string(util.deflate_long(n))
        else:
            self.packet.write(struct.pack(">I", n))
        return self

    def add_int64(self, n):
        self.packet.write(struct.pack(">Q", n))
        return self

    def add_mpint(self, z):
        self.add_string(util.deflate_long(z))
        return self

    def add_string(self, s):
        s = util.asbytes(s)
        self.add_int(len(s))
        self.packet.write(s)
        return self

    def add_list(self, items):
        self.add_string(",".join(items))
        return self

    def _add(self, i):
        if type(i) is bool:
            return self.add_boolean(i)
        elif isinstance(i, int):
            return self.add_adaptive_int(i)
        elif isinstance(i, list):
            return self.add_list(i)
        else:
            return self.add_string(i)

    def add(self, *seq):
        for item in seq:
            self._add(item)
