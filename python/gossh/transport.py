"""paramiko's ``Transport``: the connection under an ``SSHClient``, or one
built by hand.

``SSHClient.get_transport()`` returns the transport of a connected client.
Built by hand, as sshtunnel, pysftp and netmiko do::

    t = gossh.Transport(("host", 22))      # or a socket, "host:port", a
    t.start_client()                      # ProxyCommand, a Channel, ...
    key = t.get_remote_server_key()
    t.auth_publickey("me", pkey)          # or auth_password, auth_none
    chan = t.open_session()

or ``t.connect(hostkey=..., username=..., password=... or pkey=...)``.
``start_client`` returns once the server has proved its host key; each
``auth_*`` call is one attempt made by libgossh (the order, the checks and
the timeouts are the library's).  As paramiko's, a hand-built Transport
checks no host key unless ``connect(hostkey=)`` names one; the library logs
a warning for a key nothing checked.

It offers what a paramiko client program uses of a transport: state and
peer, the negotiated algorithms, keepalives, opening session and
direct-tcpip channels, remote port forwarding with ``accept()`` or a
handler, and the log channel.
"""

from __future__ import annotations

import ctypes
import getpass
import logging
import math
import os
import queue
import socket
import threading
import time
import weakref
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, NoReturn, Tuple

from . import _algorithms
from . import _lib
from ._lib import call, lib
from .channel import Channel, _request_ms
from .ssh_exception import SSHException, SSHTimeout

if TYPE_CHECKING:
    from typing_extensions import Self

    from ._sock import SocketLike
    from .client import SSHClient
    from .pkey import PKey
    from .server import ServerInterface
    from .sftp_client import SFTPClient

# request_port_forward's handler(channel, (origin_addr, origin_port),
# (server_addr, server_port))
_PortForwardHandler = Callable[["Channel", Tuple[str, int], Tuple[str, int]], object]

__all__ = ["Transport", "SecurityOptions", "ServiceRequestingTransport"]

_log = logging.getLogger("paramiko.transport")

# How long one accept call of the forwarding thread waits, so that it notices
# a cancelled forwarding or a dropped client within this time.
_ACCEPT_SLICE_MS = 250


class SecurityOptions:
    """What was negotiated on this connection, with paramiko's
    ``SecurityOptions`` attribute names.  paramiko lists the algorithms a
    transport *offers*; gossh tells the ones *in use*, one per tuple, and
    they cannot be changed here."""

    def __init__(self, transport: Transport) -> None:
        self.ciphers = tuple(sorted({transport.local_cipher, transport.remote_cipher} - {""}))
        self.digests = tuple(sorted({transport.local_mac, transport.remote_mac} - {""}))
        self.key_types = (transport.host_key_type,) if transport.host_key_type else ()
        self.kex = (transport.kex_name,) if transport.kex_name else ()
        self.compression = ("none",)

    def __repr__(self) -> str:
        return "<gossh.SecurityOptions ciphers={} digests={} key_types={} kex={}>".format(
            self.ciphers, self.digests, self.key_types, self.kex)


class Transport:
    """The SSH connection of an SSHClient (paramiko.Transport).

    Attributes set at connect: ``local_version``, ``remote_version``,
    ``local_cipher``, ``remote_cipher``, ``local_mac``, ``remote_mac`` (""
    for AEAD ciphers such as chacha20-poly1305 and aes-gcm),
    ``host_key_type``, ``kex_name``, ``local_compression`` and
    ``remote_compression`` ("none").
    """

    # Attributes paramiko programs and paramiko's client tests read.  The
    # timeouts are informational: gossh's are connect()'s arguments, enforced
    # in libgossh.
    server_mode = False
    gss_kex_used = False
    banner_timeout = 15
    handshake_timeout = 15
    auth_timeout = 30
    channel_timeout = 60 * 60
    clear_to_send_timeout = 30
    default_window_size = 2 * 1024 * 1024  # x/crypto/ssh's fixed window
    default_max_packet_size = 2 ** 15

    def __init__(
        self,
        sock: SocketLike | str | bytes | tuple[str, int] | SSHClient,
        default_window_size: int | None = None,
        default_max_packet_size: int | None = None,
        gss_kex: bool = False,
        gss_deleg_creds: bool = True,
        disabled_algorithms: Mapping[str, Iterable[str]] | None = None,
        server_sig_algs: bool = True,
        strict_kex: bool = True,
        packetizer_class: Any = None,
    ) -> None:
        """sock: (host, port), "host:port", a socket, a ProxyCommand, a
        Channel or an object with send, recv and close (SSHClient passes
        itself)."""
        from .client import SSHClient

        self._log_channel = "paramiko"  # SSHClient sets it on every handle
        self._fwd_lock = threading.Lock()
        # (address, bound port) -> handler or None
        self._forwards: dict[tuple[str, int], _PortForwardHandler | None] = {}
        self._accept_queue: queue.Queue[Channel] = queue.Queue()
        self._accept_thread: threading.Thread | None = None
        self._accept_stop = threading.Event()
        self._standalone = not isinstance(sock, SSHClient)
        self._started = False
        # start_client()'s timeout while the user is not known yet
        self._deferred: tuple[float | None] | None = None
        self._username: str | None = None
        self._expected_key: str | None = None
        self._client: SSHClient
        self.sock: Any
        self.hostname: str
        self._port: int
        if not self._standalone:
            self._client = sock  # type: ignore[assignment]
            self.sock = None
            self._load_info()
            return
        if gss_kex:
            raise NotImplementedError("gossh: GSS-API key exchange is not supported")
        # Checked now (TypeError, ValueError for an unknown category); the
        # library checks the names at start_client.
        self._algorithm_options = _algorithms.options(disabled_algorithms)
        # Checked now, as paramiko connects a (host, port) here: a wrong
        # argument fails at construction, not at start_client.
        self.sock, self.hostname, self._port = _transport_sock(sock)
        self._client = SSHClient()
        self._load_info()

    def _load_info(self) -> None:
        """The facts of the connection, as attributes (paramiko's)."""
        self.local_version = self._info_or("client_version", "")
        self.remote_version = self._info_or("server_version", "")
        self.local_cipher = self._info_or("cipher_out", "")
        self.remote_cipher = self._info_or("cipher_in", "")
        self.local_mac = self._info_or("mac_out", "")
        self.remote_mac = self._info_or("mac_in", "")
        self.host_key_type = self._info_or("host_key_algorithm", "")
        self.kex_name = self._info_or("kex", "")
        self.local_compression = self.remote_compression = "none"
        self.server_mode = False

    # -- helpers --------------------------------------------------------------

    def _h(self) -> Any:
        c = self._client
        h = c._handle if c is not None else None
        if h is None or c._closed:
            raise SSHException("SSH session not active")
        return h

    def _info(self, name: str) -> str:
        p = _lib.owned_str_p()
        call(lib.gossh_client_info, self._h(), name.encode(), ctypes.byref(p))
        return _lib.take_string(p) or ""

    def _info_or(self, name: str, default: Any = None) -> Any:
        try:
            return self._info(name)
        except Exception:  # noqa: BLE001 - closed or not connected
            return default

    def _channel(self, handle: Any) -> Channel:
        return Channel(handle, self._client, transport=self)

    # -- state --------------------------------------------------------------

    def is_active(self) -> bool:
        """True while the connection is up (for a hand-built transport: from
        start_client on, until it closes or fails)."""
        c = self._client
        h = c._handle if c is not None else None
        if h is None or c._closed:
            return False
        if lib.gossh_client_is_active(h) == 1:
            return True
        # Started, not yet authenticated: up while the server key is known
        # (or while the start waits for the user).
        if self._standalone and self._deferred is not None:
            return True
        return (self._standalone or self._stepwise) and self._started and bool(
            self._info_or("server_key"))

    @property
    def active(self) -> bool:
        """is_active() (paramiko's attribute)."""
        return self.is_active()

    def is_authenticated(self) -> bool:
        """True once authentication succeeded."""
        c = self._client
        h = c._handle if c is not None else None
        return bool(h is not None and lib.gossh_client_is_authenticated(h) == 1)

    def getpeername(self) -> tuple[str, int]:
        """(address, port) of the server, as the socket's getpeername()."""
        if self._standalone and not self.is_authenticated():
            return (self.hostname, self._port)
        host = self._info_or("peer_host")
        port = self._info_or("peer_port")
        if host and port:
            try:
                return (host, int(port))
            except ValueError:
                pass
        return self._client._peer  # type: ignore[return-value]

    def get_username(self) -> str | None:
        """The name we authenticated as (None before authentication)."""
        return self._info_or("username") or self._client._username

    def get_banner(self) -> bytes | None:
        """The server's pre-authentication banner as bytes, or None."""
        b = self._info_or("banner")
        return b.encode("utf-8") if b else None

    def get_remote_server_key(self) -> PKey:
        """The server's host key, as a public-only PKey."""
        from .pkey import PKey

        if self._standalone:
            self._ensure_started()
        text = self._info("server_key")
        if not text:
            raise SSHException("No existing session")
        return PKey.from_public_text(text)

    def get_security_options(self) -> SecurityOptions:
        """The negotiated algorithms (see SecurityOptions)."""
        return SecurityOptions(self)

    # -- keepalive ------------------------------------------------------------

    def set_keepalive(self, interval: float) -> None:
        """Sends a keepalive every interval seconds (0 turns them off).  Three
        unanswered keepalives in a row close the connection, so calls blocked
        on it end instead of hanging.  A negative interval raises ValueError
        (the library's GOSSH_E_INVALID)."""
        # Rounded to milliseconds, never to 0 (off) from a positive or a
        # negative interval: the library refuses a negative one.
        v = float(interval or 0)
        ms = 0 if v == 0 else int(math.copysign(max(1, int(abs(v) * 1000 + 0.5)), v))
        call(lib.gossh_client_set_keepalive, self._h(), ms)

    def send_ignore(self, byte_count: int | None = None) -> None:
        """Sends a message the server discards (keeps NAT state alive).
        byte_count is accepted for paramiko's signature and ignored."""
        call(lib.gossh_client_send_ignore, self._h())

    # -- channels -------------------------------------------------------------

    def open_session(
        self,
        window_size: int | None = None,
        max_packet_size: int | None = None,
        timeout: float | None = None,
    ) -> Channel:
        """Opens a session channel (then get_pty, exec_command,
        invoke_shell, invoke_subsystem).  timeout bounds the open (default:
        connect()'s channel_timeout).  window_size and max_packet_size are
        accepted and ignored (x/crypto/ssh chooses them)."""
        return self.open_channel("session", window_size=window_size,
                                 max_packet_size=max_packet_size, timeout=timeout)

    def open_channel(
        self,
        kind: str,
        dest_addr: tuple[str, int] | None = None,
        src_addr: tuple[str, int] | None = None,
        window_size: int | None = None,
        max_packet_size: int | None = None,
        timeout: float | None = None,
    ) -> Channel:
        """Opens a "session" or "direct-tcpip" channel.  For direct-tcpip,
        dest_addr is (host, port) the server connects to and src_addr
        (host, port) the origin it reports.  Raises ChannelException if the
        server refuses, socket.timeout (SSHTimeout) if timeout passes."""
        h = self._h()
        out = _lib.channel_p()
        ms = _request_ms(timeout)  # none given: connect()'s channel_timeout
        if kind == "session":
            call(lib.gossh_client_open_session, h, ms, ctypes.byref(out))
        elif kind == "direct-tcpip":
            if not dest_addr:
                raise ValueError("direct-tcpip needs dest_addr=(host, port)")
            src_host, src_port = src_addr if src_addr else (None, 0)
            call(lib.gossh_client_open_direct_tcpip, h, _lib.enc(dest_addr[0]),
                 int(dest_addr[1]), _lib.enc(src_host), int(src_port or 0), ms,
                 ctypes.byref(out))
        else:
            raise NotImplementedError(
                "gossh: open_channel({!r}) is not supported; use 'session' or "
                "'direct-tcpip'".format(kind))
        chan = self._channel(out)
        if kind == "direct-tcpip":
            chan.origin_addr = tuple(src_addr) if src_addr else None  # type: ignore[assignment]
        return chan

    def open_forwarded_tcpip_channel(
        self, src_addr: tuple[str, int], dest_addr: tuple[str, int]
    ) -> Channel:
        """Server-side: raises NotImplementedError."""
        raise NotImplementedError("gossh: forwarded-tcpip channels are opened by the server")

    def open_x11_channel(self, src_addr: tuple[str, int] | None = None) -> Channel:
        """Not supported: raises NotImplementedError."""
        raise NotImplementedError("gossh: X11 forwarding is not supported")

    def open_forward_agent_channel(self) -> Channel:
        """Not supported here: raises NotImplementedError (see
        AgentRequestHandler)."""
        raise NotImplementedError("gossh: agent forwarding is not supported")

    # -- remote port forwarding --------------------------------------------

    def request_port_forward(
        self, address: str, port: int, handler: _PortForwardHandler | None = None
    ) -> int:
        """Asks the server to listen on (address, port) (port 0: the server
        picks) and forward connections to us.  Returns the port bound.  A
        port outside 0..65535 raises ValueError (GOSSH_E_INVALID).

        With a handler, ``handler(channel, (origin_addr, origin_port),
        (server_addr, server_port))`` is called for each connection on a
        daemon thread, as paramiko; without one, take them with accept().
        """
        bound = ctypes.c_int(0)
        call(lib.gossh_client_request_port_forward, self._h(), _lib.enc(address),
             int(port), ctypes.byref(bound))
        with self._fwd_lock:
            self._forwards[(address or "", bound.value)] = handler
            self._start_accepting()
        return int(bound.value)

    def cancel_port_forward(self, address: str, port: int) -> None:
        """Stops a forwarding made by request_port_forward (its bound port)."""
        with self._fwd_lock:
            self._forwards.pop((address or "", int(port)), None)
        call(lib.gossh_client_cancel_port_forward, self._h(), _lib.enc(address), int(port))

    def accept(self, timeout: float | None = None) -> Channel | None:
        """The next forwarded connection that has no handler, as a Channel,
        or None if timeout (seconds) passes first or the transport closes."""
        deadline = None if timeout is None else time.monotonic() + float(timeout)
        while True:
            wait = 0.25
            if deadline is not None:
                wait = min(wait, deadline - time.monotonic())
                if wait <= 0:
                    wait = 0
            try:
                return self._accept_queue.get(timeout=wait) if wait > 0 else \
                    self._accept_queue.get_nowait()
            except queue.Empty:
                pass
            if not self.is_active():
                return None  # closed: nothing more will come
            if deadline is not None and time.monotonic() >= deadline:
                return None

    def _start_accepting(self) -> None:
        t = self._accept_thread
        if t is not None and t.is_alive():
            return
        self._accept_stop.clear()
        t = threading.Thread(target=_accept_loop, args=(weakref.ref(self),),
                             name="gossh-forward-accept", daemon=True)
        self._accept_thread = t
        t.start()

    def _dispatch(self, handle: Any) -> None:
        """Hands one forwarded channel to its handler or the accept queue."""
        chan = self._channel(handle)
        origin = chan._addr("origin")
        dest = chan._addr("dest")
        chan.origin_addr = origin
        with self._fwd_lock:
            # The library reports the forwarding as it was asked for.
            handler = self._forwards.get(dest)
        if handler is None:
            self._accept_queue.put(chan)
            return
        try:
            handler(chan, origin, dest)
        except Exception:  # noqa: BLE001 - a handler's bug must not stop forwarding
            _log.exception("gossh: port-forward handler raised")

    # -- SFTP -----------------------------------------------------------------

    def open_sftp_client(self) -> SFTPClient:
        """Opens an SFTP session on this connection (an SFTPClient), as
        paramiko's; SFTPClient.from_transport(self) does the same."""
        from .sftp_client import SFTPClient

        return SFTPClient.from_transport(self)

    # -- log channel ----------------------------------------------------------

    # Server side: gossh is a client library.
    def start_server(
        self, event: threading.Event | None = None, server: ServerInterface | None = None
    ) -> NoReturn:
        """Server-side: raises NotImplementedError."""
        from ._unsupported import unsupported

        raise unsupported("Transport.start_server (an SSH server)")

    def add_server_key(self, key: PKey) -> NoReturn:
        """Server-side: raises NotImplementedError."""
        from ._unsupported import unsupported

        raise unsupported("Transport.add_server_key (an SSH server)")

    def get_server_key(self) -> None:
        """Server-side: always None."""
        return None

    def set_subsystem_handler(
        self, name: str, handler: type, *args: Any, **kwargs: Any
    ) -> NoReturn:
        """Server-side: raises NotImplementedError."""
        from ._unsupported import unsupported

        raise unsupported("Transport.set_subsystem_handler (an SSH server)")

    @staticmethod
    def load_server_moduli(filename: str | None = None) -> bool:
        """Server-side: always False."""
        return False

    def set_log_channel(self, name: str) -> None:
        """Names this connection's log records "<name>.transport" and
        "<name>.channel" (default "paramiko")."""
        from . import log

        call(lib.gossh_client_set_log_channel, self._h(), _lib.enc(name))
        self._log_channel = name
        log.refresh(name)

    def get_log_channel(self) -> str:
        """The log channel's name (see set_log_channel)."""
        return self._log_channel

    def set_hexdump(self, hexdump: bool) -> None:
        """Accepted and ignored (the library logs no packets)."""
        pass

    def get_hexdump(self) -> bool:
        """Always False."""
        return False

    def use_compression(self, compress: bool = True) -> None:
        """Only compress=False: x/crypto/ssh has no compression."""
        if compress:
            raise NotImplementedError("gossh: x/crypto/ssh offers no compression")

    # -- a hand-built transport: start, then authenticate --------------------

    def start_client(
        self, event: threading.Event | None = None, timeout: float | None = None
    ) -> None:
        """Connects over the transport's sock and runs the key exchange:
        returns once the server has proved its host key (see
        get_remote_server_key), before authentication.  timeout (seconds)
        bounds the banner and the key exchange.  With event, sets it when
        done (failed or not), as paramiko.

        x/crypto/ssh fixes the user name when the key exchange starts.
        Through connect(username=...) it is known; after a bare
        start_client() the exchange waits for the first auth_* call (which
        names the user) or get_remote_server_key() (which starts it as the
        local user), so its errors arrive there."""
        if not self._standalone:
            raise SSHException("gossh: this transport belongs to a connected SSHClient")
        if self._started or self._deferred is not None:
            raise SSHException("start_client() was already called on this transport")
        try:
            if self._username is None:
                self._deferred = (timeout,)
            else:
                self._start(timeout)
        finally:
            if event is not None:
                event.set()

    def _ensure_started(self, username: str | None = None) -> None:
        """Starts a start_client() that waited for the user."""
        if self._deferred is not None and not self._started:
            (timeout,) = self._deferred
            self._username = username or getpass.getuser()
            self._deferred = None
            self._start(timeout)

    def _start(self, timeout: float | None) -> None:
        if not self._standalone:
            raise SSHException("gossh: this transport belongs to a connected SSHClient")
        if self._started:
            raise SSHException("start_client() was already called on this transport")
        from . import _sock

        c = self._client
        if self._expected_key is None:
            # paramiko's Transport checks no host key; the library logs that
            # an unchecked key was accepted.
            c.set_missing_host_key_policy(_AcceptUnchecked())  # type: ignore[arg-type]
        opts = _lib.options_p()
        call(lib.gossh_options_new, ctypes.byref(opts))
        try:
            def setopt(name: str, value: object) -> None:
                call(lib.gossh_options_set, opts, name.encode(), _lib.enc(value))

            setopt("hostname", self.hostname)
            setopt("port", str(self._port))
            setopt("username", self._username)
            setopt("step_auth", "1")
            setopt("allow_agent", "0")
            setopt("look_for_keys", "0")
            if self._expected_key is not None:
                setopt("host_key", self._expected_key)
            for name, value in self._algorithm_options:
                setopt(name, value)
            # For AgentRequestHandler: the agent SSH_AUTH_SOCK names now
            # (the library's copy of the environment dates from its loading).
            if os.environ.get("SSH_AUTH_SOCK"):
                setopt("agent_socket", os.environ["SSH_AUTH_SOCK"])
            if timeout is not None:
                setopt("banner_timeout", repr(float(timeout)))
                setopt("auth_timeout", repr(float(timeout)))
            c._sock_bridge = _sock.connect(c._h(), opts, self.sock, setopt)
        finally:
            lib.gossh_options_free(opts)
        self._started = True
        c._connected = True
        c._peer = (self.hostname, self._port)

    def connect(
        self,
        hostkey: PKey | None = None,
        username: str = "",
        password: str | None = None,
        pkey: PKey | None = None,
        gss_host: str | None = None,
        gss_auth: bool = False,
        gss_kex: bool = False,
        gss_deleg_creds: bool = True,
        gss_trust_dns: bool = True,
    ) -> None:
        """paramiko's Transport.connect: start_client (the server must
        present hostkey, if given: BadHostKeyException otherwise), then
        auth_publickey(username, pkey) if pkey, else
        auth_password(username, password) if password."""
        if gss_auth or gss_kex:
            raise NotImplementedError("gossh: GSS-API authentication is not supported")
        if hostkey is not None:
            self._expected_key = "{} {}".format(hostkey.get_name(), hostkey.get_base64())
        self._username = username or getpass.getuser()
        self.start_client()
        if pkey is not None:
            self.auth_publickey(username, pkey)
        elif password is not None:
            self.auth_password(username, password)

    _stepwise = False  # SSHClient.connect authenticating through auth_* calls

    def _auth(self, fn: Any, username: str, *args: Any) -> list[str]:
        if not (self._standalone or self._stepwise):
            raise SSHException("gossh: this transport is authenticated by SSHClient.connect()")
        self._ensure_started(username)
        if not self._started:
            raise SSHException("No existing session")
        if username and username != self._username:
            raise SSHException(
                "gossh: this transport authenticates as {!r}, not {!r}: x/crypto/ssh fixes "
                "the user when the key exchange starts (give it to Transport.connect(username=), "
                "or call auth_* before get_remote_server_key)".format(self._username, username))
        args = (_lib.enc(username),) + args
        remaining = _lib.owned_str_p()
        call(fn, self._client._h(), *args, ctypes.byref(remaining))
        more = _lib.take_string(remaining)
        if not more:
            self._authenticated()
            return []
        return more.split(",")

    def _authenticated(self) -> None:
        self._load_info()
        self._client._username = self.get_username()
        self._client._transport = self

    def auth_none(self, username: str) -> list[str]:
        """Tries the "none" method.  Returns [] if the server let us in;
        raises BadAuthenticationType (its ``allowed_types`` lists the
        methods the server takes) otherwise, as paramiko."""
        return self._auth(lib.gossh_client_auth_none, username)

    def auth_password(
        self,
        username: str,
        password: str,
        event: threading.Event | None = None,
        fallback: bool = True,
    ) -> list[str]:
        """One password attempt.  Returns [] when authenticated, or the
        methods the server wants next (partial success).  Raises
        AuthenticationException for a wrong password, BadAuthenticationType
        if the server takes no passwords.  A server that takes only
        keyboard-interactive gets the password as the answer to its prompts
        (paramiko's fallback; the library always falls back)."""
        try:
            return self._auth(lib.gossh_client_auth_password, username, _lib.enc(password))
        finally:
            if event is not None:
                event.set()

    def auth_publickey(
        self, username: str, key: PKey, event: threading.Event | None = None
    ) -> list[str]:
        """One attempt with the private key ``key`` (a PKey), with
        auth_password's results."""
        if getattr(key, "_handle", None) is None:
            raise SSHException("gossh: auth_publickey needs a private key (a PKey with its key loaded)")
        try:
            return self._auth(lib.gossh_client_auth_publickey, username, key._handle)
        finally:
            if event is not None:
                event.set()

    def _auth_unsupported(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise NotImplementedError(
            "gossh: keyboard-interactive and GSS-API steps are not supported on a "
            "Transport; use auth_password, auth_publickey or auth_none")

    auth_interactive = auth_interactive_dumb = _auth_unsupported
    auth_gssapi_with_mic = auth_gssapi_keyex = _auth_unsupported

    # -- lifetime -----------------------------------------------------------

    def close(self) -> None:
        """Closes the connection (and so the SSHClient's); a hand-built
        transport also closes its sock, as paramiko."""
        self._accept_stop.set()
        self._client.close()
        if self._standalone and self.sock is not None and hasattr(self.sock, "close"):
            try:
                self.sock.close()
            except Exception:  # noqa: BLE001
                pass

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "active" if self.is_active() else "inactive"
        peer = self._client._peer
        return "<gossh.Transport {} ({}; cipher {})>".format(peer, state, self.local_cipher)


class _AcceptUnchecked:
    """A hand-built Transport's host-key "policy": paramiko's checks
    nothing (the caller compares get_remote_server_key(), or gives
    connect(hostkey=))."""

    def missing_host_key(self, client: SSHClient, hostname: str, key: PKey) -> None:
        """Accepts every key (nothing checked)."""
        return None


def _transport_sock(sock: Any) -> tuple[Any, str, int]:
    """paramiko's Transport(sock) argument: (host, port), "host:port" or
    "host", or an object to connect over (a socket, a ProxyCommand, a
    Channel, anything with send/recv/close).  Returns (sock, hostname,
    port); a (host, port) is connected here, as paramiko does.  Anything
    else is a TypeError that says what is wanted."""
    from . import _sock

    if isinstance(sock, bytes):
        sock = sock.decode("utf-8")
    if isinstance(sock, str):
        host, _, portstr = sock.partition(":")
        sock = (host, int(portstr) if portstr else 22)
    if isinstance(sock, tuple):
        if len(sock) != 2 or not isinstance(sock[0], str) or not isinstance(sock[1], int) \
                or isinstance(sock[1], bool):
            raise TypeError("Transport((host, port)): want a host name and an integer port, not {!r}"
                            .format(sock))
        host, port = sock
        try:
            s = socket.create_connection((host, port))
        except OSError as e:
            raise SSHException("Unable to connect to {}: {}".format(host, e)) from e
        return s, host, port
    try:
        _sock.kind_of(sock)
    except TypeError:
        raise TypeError(
            "Transport(sock): sock must be (host, port), 'host:port', a socket, a "
            "ProxyCommand, a Channel or an object with send, recv and close; not {}"
            .format(type(sock).__name__)) from None
    host, port = "unknown", 22
    if isinstance(sock, socket.socket):
        try:
            peer = sock.getpeername()
            host, port = peer[0], peer[1]
        except (OSError, IndexError, TypeError):
            pass
    return sock, host, port


def _accept_loop(ref: weakref.ReferenceType[Transport]) -> None:
    """Takes forwarded connections in slices of _ACCEPT_SLICE_MS and hands
    them out; ends when the transport closes, its last forwarding is
    cancelled or the Transport object goes away."""
    while True:
        t = ref()
        if t is None or t._accept_stop.is_set():
            return
        c = t._client
        h = c._handle
        if h is None or c._closed:
            return
        with t._fwd_lock:
            if not t._forwards:
                t._accept_thread = None  # request_port_forward starts a new one
                return
        out = _lib.channel_p()
        del t, c  # do not keep the transport alive while waiting
        try:
            call(lib.gossh_client_accept_forward, h, _ACCEPT_SLICE_MS, ctypes.byref(out))
        except SSHTimeout:
            continue
        except SSHException as e:
            if getattr(e, "gossh_code", None) in (
                    _lib.E_CLOSED, _lib.E_NOT_CONNECTED, _lib.E_BADHANDLE):
                return
            _log.warning("gossh: accepting a forwarded connection failed: %s", e)
            continue
        except Exception:  # noqa: BLE001
            return
        t = ref()
        if t is None:
            lib.gossh_channel_free(out)
            return
        try:
            t._dispatch(out)
        except Exception:  # noqa: BLE001
            _log.exception("gossh: dispatching a forwarded connection failed")
        del t


class ServiceRequestingTransport(Transport):
    """paramiko 3.2's Transport that authenticates in the RFC 4252 way; in
    gossh every Transport authenticates through libgossh, so it is
    Transport."""
