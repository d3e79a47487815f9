"""paramiko's exception classes, with the same names, arguments and inheritance.

A program that catches ``paramiko.SSHException`` (or any subclass) catches
the same condition from gossh.
"""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING, Mapping, Tuple, Union

if TYPE_CHECKING:
    from .pkey import PKey

__all__ = [
    "SSHException",
    "AuthenticationTimeout",
    "AuthenticationException",
    "PasswordRequiredException",
    "BadAuthenticationType",
    "PartialAuthentication",
    "UnableToAuthenticate",
    "ChannelException",
    "BadHostKeyException",
    "IncompatiblePeer",
    "ProxyCommandFailure",
    "NoValidConnectionsError",
    "CouldNotCanonicalize",
    "ConfigParseError",
    "MessageOrderError",
    "SSHTimeout",
]


class SSHException(Exception):
    """Exception raised by failures in SSH2 protocol negotiation or logic errors.

    gossh sets ``gossh_code`` (the library's GOSSH_E_* number) on the
    exceptions its calls raise."""

    gossh_code: int


class AuthenticationException(SSHException):
    """Authentication failed for some reason.

    gossh sets ``detail`` (the library's message, which names the methods
    the server allows) where it has one."""

    detail: str


class PasswordRequiredException(AuthenticationException):
    """A private key is encrypted and no password (passphrase) was given."""


class BadAuthenticationType(AuthenticationException):
    """The server does not allow the authentication type we tried.

    ``allowed_types`` lists the methods the server does allow.
    """

    allowed_types: list[str] = []

    def __init__(self, explanation: str, types: list[str]) -> None:
        AuthenticationException.__init__(self, explanation, types)
        self.explanation = explanation
        self.allowed_types = types

    def __str__(self) -> str:
        return "{}; allowed types: {!r}".format(self.explanation, self.allowed_types)


class PartialAuthentication(AuthenticationException):
    """An internal exception thrown in the case of partial authentication."""

    allowed_types: list[str] = []

    def __init__(self, types: list[str]) -> None:
        AuthenticationException.__init__(self, types)
        self.allowed_types = types

    def __str__(self) -> str:
        return "Partial authentication; allowed types: {!r}".format(self.allowed_types)


class UnableToAuthenticate(AuthenticationException):
    pass


class ChannelException(SSHException):
    """A channel could not be opened, or the server refused a request on it.

    ``code`` is the error code, ``text`` its description.
    """

    def __init__(self, code: int, text: str) -> None:
        SSHException.__init__(self, code, text)
        self.code = code
        self.text = text

    def __str__(self) -> str:
        return "ChannelException({!r}, {!r})".format(self.code, self.text)


class BadHostKeyException(SSHException):
    """The host key given by the server did not match the one we expected.

    ``hostname``, ``key`` (the key the server presented) and ``expected_key``
    (the key recorded in known_hosts) are PKey objects as in paramiko.
    """

    def __init__(
        self, hostname: str, got_key: PKey | None, expected_key: PKey | None
    ) -> None:
        SSHException.__init__(self, hostname, got_key, expected_key)
        self.hostname = hostname
        self.key = got_key
        self.expected_key = expected_key

    def __str__(self) -> str:
        msg = "Host key for server '{}' does not match: got '{}', expected '{}'"
        return msg.format(
            self.hostname, self.key.get_base64(), self.expected_key.get_base64()  # type: ignore[union-attr]
        )


class IncompatiblePeer(SSHException):
    """The server and client could not agree on algorithms."""


class ProxyCommandFailure(SSHException):
    """The "ProxyCommand" found in the .ssh/config file returned an error."""

    def __init__(self, command: str, error: str) -> None:
        SSHException.__init__(self, command, error)
        self.command = command
        self.error = error

    def __str__(self) -> str:
        return 'ProxyCommand("{}") returned nonzero exit status: {}'.format(
            self.command, self.error
        )


# An address as socket.getaddrinfo gives it: (host, port) for IPv4,
# (host, port, flowinfo, scope_id) for IPv6.
_Address = Union[Tuple[str, int], Tuple[str, int, int, int]]


class NoValidConnectionsError(socket.error):
    """No connection could be made to any address of the host.

    ``errors`` maps ``(address, port)`` to the exception each attempt raised,
    as in paramiko.
    """

    def __init__(self, errors: Mapping[_Address, Exception]) -> None:
        addrs = sorted(errors.keys())
        body = ", ".join([x[0] for x in addrs[:-1]])
        tail = addrs[-1][0] if addrs else "?"
        port = addrs[0][1] if addrs else "?"
        if body:
            msg = "Unable to connect to port {0} on {1} or {2}"
        else:
            msg = "Unable to connect to port {0} on {2}"
        super().__init__(None, msg.format(port, body, tail))
        self.errors = errors

    def __reduce__(self) -> tuple[type, tuple[Mapping[_Address, Exception]]]:
        return (self.__class__, (self.errors,))


class CouldNotCanonicalize(SSHException):
    pass


class ConfigParseError(SSHException):
    pass


class MessageOrderError(SSHException):
    pass


class SSHTimeout(SSHException, socket.timeout):
    """A timeout (TCP connect, banner, authentication, a channel read or write).

    gossh-specific: it is both an ``SSHException`` and a ``socket.timeout``
    (``TimeoutError``), so code written for paramiko catches it with either
    ``except``.  ``stage`` names what timed out ("connect", "banner", "auth",
    "read", "write", "wait") when the library said.
    """

    stage: str | None = None


class AuthenticationTimeout(AuthenticationException, SSHTimeout):
    """The key exchange or authentication did not finish within
    ``auth_timeout``: paramiko's ``AuthenticationException("Authentication
    timeout.")``.  gossh-specific: it is also an ``SSHTimeout`` (so a
    ``socket.timeout``), with ``stage`` "auth"."""

    def __init__(self, message: str = "Authentication timeout.") -> None:
        super().__init__(message)
