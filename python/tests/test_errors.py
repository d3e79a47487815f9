"""The error-code -> exception table (no server round trip needed)."""

import socket

import pytest

import gossh
from gossh import _lib

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGwDDhZDfyzOdgKAT6jc3IUhqyyRBVxmWibJRJS0MRBA"
KEY2 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA9GiXNVWjfylmUeSUU3y1ldtVRAzLzFsd2AhT7bK2SV"


def make(code, **details):
    return _lib.make_exception(code, "msg", lambda name: details.get(name))


@pytest.mark.parametrize("code,cls", [
    (_lib.E_AUTH, gossh.AuthenticationException),
    (_lib.E_BADAUTHTYPE, gossh.BadAuthenticationType),
    (_lib.E_PASSWORD_REQUIRED, gossh.PasswordRequiredException),
    (_lib.E_HOSTKEY_UNKNOWN, gossh.SSHException),
    (_lib.E_HOSTKEY_MISMATCH, gossh.BadHostKeyException),
    (_lib.E_CONNECT, gossh.NoValidConnectionsError),
    (_lib.E_TIMEOUT, gossh.SSHTimeout),
    (_lib.E_CLOSED, gossh.SSHException),
    (_lib.E_CHANNEL, gossh.ChannelException),
    (_lib.E_PROTOCOL, gossh.SSHException),
    (_lib.E_KEY, gossh.SSHException),
    (_lib.E_BADHANDLE, gossh.SSHException),
    (_lib.E_INTERNAL, gossh.SSHException),
    (_lib.E_NOT_CONNECTED, gossh.SSHException),
    (_lib.E_INVALID, ValueError),
    (_lib.E_IO, OSError),
])
def test_code_maps_to_class(code, cls):
    assert type(make(code)) is cls


def test_bad_auth_type_details():
    e = make(_lib.E_BADAUTHTYPE, allowed_types="publickey,password")
    assert e.allowed_types == ["publickey", "password"]
    assert isinstance(e, gossh.AuthenticationException)


def test_hostkey_unknown_message():
    e = make(_lib.E_HOSTKEY_UNKNOWN, hostname="[h]:2222")
    assert str(e) == "Server '[h]:2222' not found in known_hosts"


def test_hostkey_mismatch_details():
    e = make(_lib.E_HOSTKEY_MISMATCH, hostname="h", key=KEY, expected_key=KEY2)
    assert e.hostname == "h"
    assert e.key.get_base64() == KEY.split()[1]
    assert e.expected_key.get_base64() == KEY2.split()[1]
    assert isinstance(e.key, gossh.Ed25519Key)


def test_timeout_is_both():
    e = make(_lib.E_TIMEOUT, stage="banner")
    assert isinstance(e, socket.timeout) and isinstance(e, gossh.SSHException)
    assert e.stage == "banner"


def test_connect_errors_dict():
    # The library splits the address (details host and port); the binding
    # no longer parses "address".
    e = make(_lib.E_CONNECT, address="10.0.0.1:2222", host="10.0.0.1", port="2222")
    assert list(e.errors) == [("10.0.0.1", 2222)]
    assert "Unable to connect to port 2222 on 10.0.0.1" in str(e)
    e6 = make(_lib.E_CONNECT, address="[::1]:22", host="::1", port="22")
    assert list(e6.errors) == [("::1", 22)]


def test_real_error_object_round_trip():
    # An error object from the library itself: options_set with a bad name.
    import ctypes
    opts = _lib.options_p()
    _lib.call(_lib.lib.gossh_options_new, ctypes.byref(opts))
    try:
        with pytest.raises(ValueError) as ei:
            _lib.call(_lib.lib.gossh_options_set, opts, b"no_such_option", b"1")
        assert "no_such_option" in str(ei.value)
    finally:
        _lib.lib.gossh_options_free(opts)
    _lib.lib.gossh_options_free(opts)  # a second free is a no-op


def test_code_names_come_from_the_library():
    # gossh_code_name (the C API) owns the table; the binding keeps no copy.
    assert _lib.code_name(_lib.E_AUTH) == "GOSSH_E_AUTH"
    assert _lib.code_name(0) == "GOSSH_OK"
    for bad in (1, 7, -1000, 2 ** 31 - 1, -(2 ** 31), 2 ** 40, "x"):
        assert _lib.code_name(bad) == "GOSSH_E_UNKNOWN"
    # consecutive from 0 down, each name's number as gossh.h defines it
    assert sorted(_lib.CODES.values(), reverse=True) == list(range(0, -len(_lib.CODES), -1))
    assert _lib.CODES["GOSSH_E_INVALID"] == -1 and _lib.CODES["GOSSH_E_IO"] == -16
    assert all(_lib.code_name(c) == n for n, c in _lib.CODES.items())


def test_message_without_error_object_names_the_code():
    with pytest.raises(gossh.AuthenticationException) as ei:
        _lib._check(_lib.E_AUTH, None)
    assert "GOSSH_E_AUTH" in str(ei.value) and ei.value.gossh_code == _lib.E_AUTH


def test_hostkeys_check_of_unparsable_key_says_why():
    # gossh_hostkeys_check takes err: a key text that does not parse is an
    # error with the library's message, not a bare code.
    hk = gossh.HostKeys()
    with pytest.raises(gossh.SSHException, match="base64"):
        _lib.call(_lib.lib.gossh_hostkeys_check, hk._handle, b"h", b"ssh-ed25519 !!!")
    hk.add("h", "ssh-ed25519", gossh.PKey.from_public_text(KEY))
    assert hk.check("h", gossh.PKey.from_public_text(KEY))
    assert not hk.check("h", gossh.PKey.from_public_text(KEY2))
