"""paramiko.common: the SSH protocol's message numbers and the constants
paramiko programs import (AUTH_*, OPEN_*, DEFAULT_WINDOW_SIZE, io_sleep,
the log levels).  Values only: gossh's protocol work happens in libgossh."""

from __future__ import annotations

import logging
import struct
from typing import TYPE_CHECKING


def byte_chr(c: int) -> bytes:
    """The one byte of value c."""
    assert isinstance(c, int)
    return struct.pack("B", c)


def byte_mask(c: int, mask: int) -> bytes:
    """The one byte of value c & mask."""
    assert isinstance(c, int)
    return struct.pack("B", c & mask)


def byte_ord(c: int | str | bytes) -> int:
    """c as a number (an int as it is)."""
    if not isinstance(c, int):
        c = ord(c)
    return c


# RFC 4250 message numbers (as paramiko names them).
_MSGS = {
    "DISCONNECT": 1, "IGNORE": 2, "UNIMPLEMENTED": 3, "DEBUG": 4,
    "SERVICE_REQUEST": 5, "SERVICE_ACCEPT": 6, "EXT_INFO": 7,
    "KEXINIT": 20, "NEWKEYS": 21,
    "USERAUTH_REQUEST": 50, "USERAUTH_FAILURE": 51, "USERAUTH_SUCCESS": 52,
    "USERAUTH_BANNER": 53, "USERAUTH_PK_OK": 60, "USERAUTH_INFO_REQUEST": 60,
    "USERAUTH_INFO_RESPONSE": 61, "USERAUTH_GSSAPI_RESPONSE": 60,
    "USERAUTH_GSSAPI_TOKEN": 61, "USERAUTH_GSSAPI_EXCHANGE_COMPLETE": 63,
    "USERAUTH_GSSAPI_ERROR": 64, "USERAUTH_GSSAPI_ERRTOK": 65, "USERAUTH_GSSAPI_MIC": 66,
    "GLOBAL_REQUEST": 80, "REQUEST_SUCCESS": 81, "REQUEST_FAILURE": 82,
    "CHANNEL_OPEN": 90, "CHANNEL_OPEN_SUCCESS": 91, "CHANNEL_OPEN_FAILURE": 92,
    "CHANNEL_WINDOW_ADJUST": 93, "CHANNEL_DATA": 94, "CHANNEL_EXTENDED_DATA": 95,
    "CHANNEL_EOF": 96, "CHANNEL_CLOSE": 97, "CHANNEL_REQUEST": 98,
    "CHANNEL_SUCCESS": 99, "CHANNEL_FAILURE": 100,
}
for _n, _v in _MSGS.items():
    globals()["MSG_" + _n] = _v
    globals()["cMSG_" + _n] = byte_chr(_v)
del _n, _v

if TYPE_CHECKING:
    # What the loop above defines, for type checkers.
    MSG_DISCONNECT: int
    cMSG_DISCONNECT: bytes
    MSG_IGNORE: int
    cMSG_IGNORE: bytes
    MSG_UNIMPLEMENTED: int
    cMSG_UNIMPLEMENTED: bytes
    MSG_DEBUG: int
    cMSG_DEBUG: bytes
    MSG_SERVICE_REQUEST: int
    cMSG_SERVICE_REQUEST: bytes
    MSG_SERVICE_ACCEPT: int
    cMSG_SERVICE_ACCEPT: bytes
    MSG_EXT_INFO: int
    cMSG_EXT_INFO: bytes
    MSG_KEXINIT: int
    cMSG_KEXINIT: bytes
    MSG_NEWKEYS: int
    cMSG_NEWKEYS: bytes
    MSG_USERAUTH_REQUEST: int
    cMSG_USERAUTH_REQUEST: bytes
    MSG_USERAUTH_FAILURE: int
    cMSG_USERAUTH_FAILURE: bytes
    MSG_USERAUTH_SUCCESS: int
    cMSG_USERAUTH_SUCCESS: bytes
    MSG_USERAUTH_BANNER: int
    cMSG_USERAUTH_BANNER: bytes
    MSG_USERAUTH_PK_OK: int
    cMSG_USERAUTH_PK_OK: bytes
    MSG_USERAUTH_INFO_REQUEST: int
    cMSG_USERAUTH_INFO_REQUEST: bytes
    MSG_USERAUTH_INFO_RESPONSE: int
    cMSG_USERAUTH_INFO_RESPONSE: bytes
    MSG_USERAUTH_GSSAPI_RESPONSE: int
    cMSG_USERAUTH_GSSAPI_RESPONSE: bytes
    MSG_USERAUTH_GSSAPI_TOKEN: int
    cMSG_USERAUTH_GSSAPI_TOKEN: bytes
    MSG_USERAUTH_GSSAPI_EXCHANGE_COMPLETE: int
    cMSG_USERAUTH_GSSAPI_EXCHANGE_COMPLETE: bytes
    MSG_USERAUTH_GSSAPI_ERROR: int
    cMSG_USERAUTH_GSSAPI_ERROR: bytes
    MSG_USERAUTH_GSSAPI_ERRTOK: int
    cMSG_USERAUTH_GSSAPI_ERRTOK: bytes
    MSG_USERAUTH_GSSAPI_MIC: int
    cMSG_USERAUTH_GSSAPI_MIC: bytes
    MSG_GLOBAL_REQUEST: int
    cMSG_GLOBAL_REQUEST: bytes
    MSG_REQUEST_SUCCESS: int
    cMSG_REQUEST_SUCCESS: bytes
    MSG_REQUEST_FAILURE: int
    cMSG_REQUEST_FAILURE: bytes
    MSG_CHANNEL_OPEN: int
    cMSG_CHANNEL_OPEN: bytes
    MSG_CHANNEL_OPEN_SUCCESS: int
    cMSG_CHANNEL_OPEN_SUCCESS: bytes
    MSG_CHANNEL_OPEN_FAILURE: int
    cMSG_CHANNEL_OPEN_FAILURE: bytes
    MSG_CHANNEL_WINDOW_ADJUST: int
    cMSG_CHANNEL_WINDOW_ADJUST: bytes
    MSG_CHANNEL_DATA: int
    cMSG_CHANNEL_DATA: bytes
    MSG_CHANNEL_EXTENDED_DATA: int
    cMSG_CHANNEL_EXTENDED_DATA: bytes
    MSG_CHANNEL_EOF: int
    cMSG_CHANNEL_EOF: bytes
    MSG_CHANNEL_CLOSE: int
    cMSG_CHANNEL_CLOSE: bytes
    MSG_CHANNEL_REQUEST: int
    cMSG_CHANNEL_REQUEST: bytes
    MSG_CHANNEL_SUCCESS: int
    cMSG_CHANNEL_SUCCESS: bytes
    MSG_CHANNEL_FAILURE: int
    cMSG_CHANNEL_FAILURE: bytes

HIGHEST_USERAUTH_MESSAGE_ID = 79

MSG_NAMES = {v: n.lower().replace("_", "-") for n, v in _MSGS.items()}
MSG_NAMES.update({30: "kex30", 31: "kex31", 32: "kex32", 33: "kex33", 34: "kex34",
                  40: "kex40", 41: "kex41", 60: "userauth-60(pk-ok/info-request)",
                  61: "userauth-info-response"})

AUTH_SUCCESSFUL, AUTH_PARTIALLY_SUCCESSFUL, AUTH_FAILED = range(3)

(
    OPEN_SUCCEEDED,
    OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED,
    OPEN_FAILED_CONNECT_FAILED,
    OPEN_FAILED_UNKNOWN_CHANNEL_TYPE,
    OPEN_FAILED_RESOURCE_SHORTAGE,
) = range(0, 5)

CONNECTION_FAILED_CODE = {
    1: "Administratively prohibited",
    2: "Connect failed",
    3: "Unknown channel type",
    4: "Resource shortage",
}

DISCONNECT_SERVICE_NOT_AVAILABLE = 7
DISCONNECT_AUTH_CANCELLED_BY_USER = 13
DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE = 14

zero_byte = byte_chr(0)
one_byte = byte_chr(1)
four_byte = byte_chr(4)
max_byte = byte_chr(0xFF)
cr_byte = byte_chr(13)
linefeed_byte = byte_chr(10)
crlf = cr_byte + linefeed_byte
cr_byte_value = 13
linefeed_byte_value = 10

xffffffff = 0xFFFFFFFF
x80000000 = 0x80000000
o666 = 0o666
o660 = 0o660
o644 = 0o644
o600 = 0o600
o777 = 0o777
o700 = 0o700
o70 = 0o70

DEBUG = logging.DEBUG
INFO = logging.INFO
WARNING = logging.WARNING
ERROR = logging.ERROR
CRITICAL = logging.CRITICAL

# paramiko's polling interval; gossh does not poll, programs read it.
io_sleep = 0.01

# Informational: x/crypto/ssh's channel window is fixed at 2 MiB.
DEFAULT_WINDOW_SIZE = 64 * 2 ** 15
DEFAULT_MAX_PACKET_SIZE = 2 ** 15
MIN_WINDOW_SIZE = 2 ** 15
MIN_PACKET_SIZE = 2 ** 12
MAX_WINDOW_SIZE = 2 ** 32 - 1
