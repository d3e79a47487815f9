"""SSH agent support, as paramiko's ``paramiko.agent``: ``Agent`` lists the
keys of the local agent (``SSH_AUTH_SOCK``), ``AgentKey`` signs with one, and
``AgentRequestHandler(channel)`` forwards the agent on a session channel.

The agent protocol itself runs in libgossh (gossh_agent_list,
gossh_agent_sign, gossh_channel_request_forward_agent): each call connects
to the agent for that call, so an ``Agent`` holds no connection and
``close()`` only forgets its keys.  Forwarding is served by the library, which
connects each channel the server opens to the local agent; no Python thread
is involved.
"""

from __future__ import annotations

import base64
import ctypes
import logging
import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import socket as _socket_mod


    from typing_extensions import Self

    from .channel import Channel

from . import _lib
from ._lib import call, lib
from .pkey import PKey, UnknownKeyType
from .ssh_exception import SSHException

__all__ = ["Agent", "AgentKey", "AgentRequestHandler", "AgentSSH", "get_agent_connection"]

# paramiko's protocol constants (the library speaks the protocol; these are
# for programs that import them).
cSSH2_AGENTC_REQUEST_IDENTITIES = 11
SSH2_AGENT_IDENTITIES_ANSWER = 12
cSSH2_AGENTC_SIGN_REQUEST = 13
SSH2_AGENT_SIGN_RESPONSE = 14
SSH_AGENT_RSA_SHA2_256 = 2
SSH_AGENT_RSA_SHA2_512 = 4
ALGORITHM_FLAG_MAP = {
    "rsa-sha2-256": SSH_AGENT_RSA_SHA2_256,
    "rsa-sha2-256-cert-v01@openssh.com": SSH_AGENT_RSA_SHA2_256,
    "rsa-sha2-512": SSH_AGENT_RSA_SHA2_512,
    "rsa-sha2-512-cert-v01@openssh.com": SSH_AGENT_RSA_SHA2_512,
}

_log = logging.getLogger("paramiko.agent")


def _agent_socket(path: str | None = None) -> str | None:
    """The agent socket: path, else SSH_AUTH_SOCK as Python sees it now (the
    library's own copy of the environment dates from its loading)."""
    return path or os.environ.get("SSH_AUTH_SOCK") or None


def _list_keys(socket: str | None) -> list[tuple[bytes, str]]:
    """(blob, comment) pairs of the agent at socket; [] when there is none."""
    p = _lib.owned_str_p()
    try:
        call(lib.gossh_agent_list, _lib.enc(socket), ctypes.byref(p))
    except SSHException as e:
        if getattr(e, "reason", None) not in ("agent", "no_agent"):
            raise  # an agent that answers nonsense: paramiko raises too
        _log.debug("no SSH agent: %s", e)  # paramiko: no agent, no keys
        return []
    out: list[tuple[bytes, str]] = []
    for line in _lib.take_string(p).splitlines():  # type: ignore[union-attr]
        parts = line.split(" ", 2)
        if len(parts) < 2:
            continue
        out.append((base64.b64decode(parts[1]), parts[2] if len(parts) > 2 else ""))
    return out


def get_agent_connection() -> _socket_mod.socket | None:
    """paramiko's: a socket connected to the local agent (SSH_AUTH_SOCK), or
    None when there is none."""
    import socket as _socket

    path = _agent_socket()
    if not path:
        return None
    conn = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        conn.connect(path)
    except OSError:
        conn.close()
        return None
    return conn


class _ServerSide:
    """paramiko's agent proxies for servers and hand-made forwarding: gossh
    is a client whose library serves forwarding itself."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(
            "gossh: {} is not supported; forwarding is served by the library "
            "(AgentRequestHandler, connect(forward_agent=True))".format(type(self).__name__))


class AgentProxyThread(_ServerSide):
    pass


class AgentLocalProxy(_ServerSide):
    pass


class AgentRemoteProxy(_ServerSide):
    pass


class AgentClientProxy(_ServerSide):
    pass


class AgentServerProxy(_ServerSide):
    pass


class AgentSSH:
    """paramiko's base of Agent: holds the keys listed."""

    def __init__(self) -> None:
        self._conn: str | None = None
        self._keys: tuple[AgentKey, ...] = ()
        self._socket: str | None = None

    def get_keys(self) -> tuple[AgentKey, ...]:
        """The keys the agent held when it was opened, a tuple of AgentKey."""
        return self._keys

    def _connect(self, socket: str) -> None:
        self._socket = socket
        self._conn = socket
        self._keys = tuple(AgentKey(self, blob, comment) for blob, comment in _list_keys(socket))

    def _close(self) -> None:
        self._conn = None
        self._keys = ()


class Agent(AgentSSH):
    """The local SSH agent (``SSH_AUTH_SOCK``).  With no agent, or one that
    does not answer, ``get_keys()`` is an empty tuple, as paramiko's.

    gossh extension: ``Agent(socket_path)`` names another agent socket."""

    def __init__(self, socket_path: str | None = None) -> None:
        AgentSSH.__init__(self)
        sock = _agent_socket(socket_path)
        if sock:
            self._connect(sock)

    def close(self) -> None:
        """Forgets the keys (the library holds no connection between calls)."""
        self._close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AgentKey(PKey):
    """A key held by the agent: its public half, and signing by the agent.
    ``inner_key`` is the public key as its own PKey class (RSAKey, ...).
    It can be given as ``pkey`` to ``SSHClient.connect`` and
    ``Transport.auth_publickey``/``connect``: the agent signs."""

    def __init__(self, agent: AgentSSH, blob: bytes, comment: str = "") -> None:
        PKey.__init__(self)
        self.agent = agent
        self.blob = bytes(blob)
        self.comment = comment
        self._set_public(None, self.blob)
        self.name = self._type
        # The library's key whose private half is the agent's: it logs in as
        # a pkey (connect(pkey=...), Transport.auth_publickey), signing
        # through the agent, which it asks only when a signature is needed.
        h = _lib.key_p()
        call(lib.gossh_agent_key, _lib.enc(getattr(agent, "_socket", None) or _agent_socket()),
             self.blob, len(self.blob), ctypes.byref(h))
        self._handle = h
        self.inner_key: PKey | None = None
        try:
            self.inner_key = PKey.from_type_string(self.name, self.blob)  # type: ignore[arg-type]
        except (UnknownKeyType, SSHException):
            _log.debug("Unable to derive inner_key for agent key of type %r", self.name)

    def asbytes(self) -> bytes:
        """The public key blob."""
        return self.blob

    def get_name(self) -> str:
        """The SSH key type name."""
        return self.name  # type: ignore[return-value]

    def get_bits(self) -> int:
        """The key's size in bits."""
        if self.inner_key is not None:
            return self.inner_key.get_bits()
        return PKey.get_bits(self)

    def sign_ssh_data(self, data: bytes | str, algorithm: str | None = None) -> bytes:
        """The agent's signature of data, as the SSH signature blob (string
        algorithm, string signature), as paramiko's.  algorithm: None (the
        key's own; "ssh-rsa" for RSA), "rsa-sha2-256" or "rsa-sha2-512".
        Raises SSHException when the agent cannot sign (it lost the key, its
        user declined, there is no agent any more)."""
        if isinstance(data, str):
            data = data.encode()
        raw = bytes(data)
        sig, n = ctypes.c_void_p(), ctypes.c_size_t()
        socket = getattr(self.agent, "_socket", None) or _agent_socket()
        try:
            call(lib.gossh_agent_sign, _lib.enc(socket), self.blob, len(self.blob), raw, len(raw),
                 _lib.enc(algorithm), ctypes.byref(sig), ctypes.byref(n))
        except ValueError as e:
            raise SSHException("key cannot be used for signing: {}".format(e)) from None
        return _lib.take_bytes(sig, n.value)

    def __repr__(self) -> str:
        return "<AgentKey {} {} {!r}>".format(self.name, self.fingerprint, self.comment)


class AgentRequestHandler:
    """Forwards the local agent on a session channel, before its command or
    shell, as paramiko's::

        session = client.get_transport().open_session()
        AgentRequestHandler(session)
        session.exec_command("ssh-add -l")

    A server that refuses is logged, not raised (OpenSSH forwards once per
    connection and refuses a second request; the first stays in force for
    every session).  ``accepted`` tells whether the server agreed."""

    def __init__(self, chanClient: Channel) -> None:
        self._chan: Channel | None = chanClient
        self.accepted = chanClient.request_forward_agent(None)

    def close(self) -> None:
        """Nothing to release: the library serves the forwarded channels."""
        self._chan = None

    def __del__(self) -> None:
        self.close()
