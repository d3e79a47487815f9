"""paramiko.auth_strategy: authentication as a list of sources tried in
order (Fabric's ``OpenSSHAuthStrategy`` builds on it).

``SSHClient.connect(auth_strategy=s)`` runs the key exchange in libgossh,
then ``s.authenticate(transport)``, whose sources call the Transport's
``auth_none`` / ``auth_password`` / ``auth_publickey``: one attempt each, made
by libgossh.  The order is the strategy's (the caller's), as in paramiko."""

from __future__ import annotations

from collections import namedtuple
from typing import TYPE_CHECKING, Any, Callable, Iterator

from .ssh_exception import AuthenticationException
from .util import get_logger

if TYPE_CHECKING:
    from pathlib import Path

    from .config import SSHConfig
    from .pkey import PKey
    from .transport import Transport

__all__ = [
    "AuthSource", "NoneAuth", "Password", "PrivateKey", "InMemoryPrivateKey",
    "OnDiskPrivateKey", "SourceResult", "AuthResult", "AuthFailure", "AuthStrategy",
]


class AuthSource:
    """One way to authenticate (a password, a key, ...), for ``username``."""

    def __init__(self, username: str) -> None:
        self.username = username

    def _repr(self, **kwargs: Any) -> str:
        pairs = ", ".join("{}={!r}".format(k, v) for k, v in kwargs.items())
        return "{}({})".format(type(self).__name__, pairs)

    def __repr__(self) -> str:
        return self._repr()

    def authenticate(self, transport: Transport) -> list[str]:
        """One attempt; returns the methods allowed next ([]: success)."""
        raise NotImplementedError


class NoneAuth(AuthSource):
    """The "none" method (RFC 4252 section 5.2)."""

    def authenticate(self, transport: Transport) -> list[str]:
        """transport.auth_none(username)."""
        return transport.auth_none(self.username)


class Password(AuthSource):
    """A password, asked for only when tried: ``password_getter()``."""

    def __init__(self, username: str, password_getter: Callable[[], str]) -> None:
        super().__init__(username=username)
        self.password_getter = password_getter

    def __repr__(self) -> str:
        return self._repr(user=self.username)

    def authenticate(self, transport: Transport) -> list[str]:
        """transport.auth_password with the getter's password."""
        return transport.auth_password(self.username, self.password_getter())


class PrivateKey(AuthSource):
    """A private key in ``self.pkey`` (set by subclasses)."""

    pkey: PKey

    def authenticate(self, transport: Transport) -> list[str]:
        """transport.auth_publickey(username, pkey)."""
        return transport.auth_publickey(self.username, self.pkey)


class InMemoryPrivateKey(PrivateKey):
    """A loaded (decrypted) PKey."""

    def __init__(self, username: str, pkey: PKey) -> None:
        super().__init__(username=username)
        self.pkey = pkey

    def __repr__(self) -> str:
        rep = self._repr(pkey=self.pkey)
        if type(self.pkey).__name__ == "AgentKey":
            rep += " [agent]"
        return rep


class OnDiskPrivateKey(PrivateKey):
    """A key loaded from ``path``; ``source`` says where the path came from:
    "ssh-config", "python-config" or "implicit-home"."""

    def __init__(self, username: str, source: str, path: Path | str, pkey: PKey) -> None:
        super().__init__(username=username)
        allowed = ("ssh-config", "python-config", "implicit-home")
        if source not in allowed:
            raise ValueError("source argument must be one of: {!r}".format(allowed))
        self.source = source
        self.path = path
        self.pkey = pkey

    def __repr__(self) -> str:
        return self._repr(key=self.pkey, source=self.source, path=str(self.path))


SourceResult = namedtuple("SourceResult", ["source", "result"])


class AuthResult(list[SourceResult]):
    """The SourceResults of one strategy's attempts (a list), with
    ``strategy``.  A result is the Transport method's return value (the
    methods allowed next; [] means success) or the exception raised."""

    def __init__(self, strategy: AuthStrategy, *args: Any, **kwargs: Any) -> None:
        self.strategy = strategy
        super().__init__(*args, **kwargs)

    def __str__(self) -> str:
        return "\n".join("{} -> {}".format(x.source, x.result or "success") for x in self)


class AuthFailure(AuthenticationException):
    """Every source failed: ``result`` is the AuthResult."""

    def __init__(self, result: AuthResult) -> None:
        self.result = result

    def __str__(self) -> str:
        return "\n" + str(self.result)


class AuthStrategy:
    """Tries the sources ``get_sources()`` yields until one succeeds."""

    def __init__(self, ssh_config: SSHConfig) -> None:
        self.ssh_config = ssh_config
        self.log = get_logger(__name__)

    def get_sources(self) -> Iterator[AuthSource]:
        """The sources to try, in order (subclasses define it)."""
        raise NotImplementedError

    def authenticate(self, transport: Transport) -> list[SourceResult]:
        """Tries each source until one succeeds; raises AuthFailure if none
        does.  Returns the AuthResult."""
        succeeded = False
        overall = AuthResult(strategy=self)
        for source in self.get_sources():
            self.log.debug("Trying %s", source)
            try:
                result: Any = source.authenticate(transport)
                succeeded = True
            except Exception as e:  # noqa: BLE001 - recorded in the result
                result = e
                self.log.info("Authentication via %s failed with %s", source,
                              type(e).__name__)
            overall.append(SourceResult(source, result))
            if succeeded:
                break
        if not succeeded:
            raise AuthFailure(result=overall)
        return overall
