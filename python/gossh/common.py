"""paramiko.common: the SSH protocol's message numbers and the constants
paramiko programs import (AUTH_*, OPEN_*, DEFAULT_WINDOW_SIZE, io_sleep,
the log levels).  Values only: gossh's protocol work happens in libgossh."""

import logging
import struct


def byte_chr(c):
    assert isinstance(c, int)
    return struct.pack("B", c)


def byte_mask(c, mask):
    assert isinstance(c, int)
    return struct.pack("B", c & mask)


def byte_ord(c):
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
