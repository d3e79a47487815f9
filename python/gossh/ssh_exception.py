"""paramiko's exception classes, with the same names, arguments and inheritance.

A program that catches ``paramiko.SSHException`` (or any subclass) catches
the same condition from gossh.
"""

import socket

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
    """Exception raised by failures in SSH2 protocol negotiation or logic errors."""


class AuthenticationException(SSHException):
    """Authentication failed for some reason."""


class PasswordRequiredException(AuthenticationException):
    """A private key is encrypted and no password (passphrase) was given."""


class BadAuthenticationType(AuthenticationException):
    """The server does not allow the authentication type we tried.

    ``allowed_types`` lists the methods the server does allow.
    """

    allowed_types = []

    def __init__(self, explanation, types):
        AuthenticationException.__init__(self, explanation, types)
        self.explanation = explanation
        self.allowed_types = types

    def __str__(self):
        return "{}; allowed types: {!r}".format(self.explanation, self.allowed_types)


class PartialAuthentication(AuthenticationException):
    """An internal exception thrown in the case of partial authentication."""

    allowed_types = []

    def __init__(self, types):
        AuthenticationException.__init__(self, types)
        self.allowed_types = types

    def __str__(self):
        return "Partial authentication; allowed types: {!r}".format(self.allowed_types)


class UnableToAuthenticate(AuthenticationException):
    pass


class ChannelException(SSHException):
    """A channel could not be opened, or the server refused a request on it.

    ``code`` is the error code, ``text`` its description.
    """

    def __init__(self, code, text):
        SSHException.__init__(self, code, text)
        self.code = code
        self.text = text

    def __str__(self):
        return "ChannelException({!r}, {!r})".format(self.code, self.text)


class BadHostKeyException(SSHException):
    """The host key given by the server did not match the one we expected.

    ``hostname``, ``key`` (the key the server presented) and ``expected_key``
    (the key recorded in known_hosts) are PKey objects as in paramiko.
    """

    def __init__(self, hostname, got_key, expected_key):
        SSHException.__init__(self, hostname, got_key, expected_key)
        self.hostname = hostname
        self.key = got_key
        self.expected_key = expected_key

    def __str__(self):
        msg = "Host key for server '{}' does not match: got '{}', expected '{}'"
        return msg.format(
            self.hostname, self.key.get_base64(), self.expected_key.get_base64()
        )


class IncompatiblePeer(SSHException):
    """The server and client could not agree on algorithms."""


class ProxyCommandFailure(SSHException):
    """The "ProxyCommand" found in the .ssh/config file returned an error."""

    def __init__(self, command, error):
        SSHException.__init__(self, command, error)
        self.command = command
        self.error = error

    def __str__(self):
        return 'ProxyCommand("{}") returned nonzero exit status: {}'.format(
            self.command, self.error
        )


class NoValidConnectionsError(socket.error):
    """No connection could be made to any address of the host.

    ``errors`` maps ``(address, port)`` to the exception each attempt raised,
    as in paramiko.
    """

    def __init__(self, errors):
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

    def __reduce__(self):
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

    stage = None


class AuthenticationTimeout(AuthenticationException, SSHTimeout):
    """The key exchange or authentication did not finish within
    ``auth_timeout``: paramiko's ``AuthenticationException("Authentication
    timeout.")``.  gossh-specific: it is also an ``SSHTimeout`` (so a
    ``socket.timeout``), with ``stage`` "auth"."""

    def __init__(self, message="Authentication timeout."):
        super().__init__(message)
