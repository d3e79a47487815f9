"""paramiko.auth_handler: paramiko's internal authentication engine.  In
gossh authentication happens in libgossh (SSHClient.connect, the
Transport.auth_* calls); these names raise NotImplementedError when used."""

from ._unsupported import Unsupported

__all__ = ["AuthHandler", "AuthOnlyHandler", "GssapiWithMicAuthHandler"]


class AuthHandler(Unsupported):
    _what = "AuthHandler (authentication runs in libgossh; use Transport.auth_*)"


class AuthOnlyHandler(AuthHandler):
    pass


class GssapiWithMicAuthHandler(Unsupported):
    _what = "GSS-API authentication"
