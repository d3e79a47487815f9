"""SSHClient, paramiko's high-level client, over libgossh.

Every SSH decision (auth order, host-key checks, timeouts) is made in
libgossh; this module translates paramiko's arguments into connect options
and libgossh's errors into paramiko's exceptions.
"""

from __future__ import annotations

import ctypes
import getpass
import inspect
import logging
import operator
import os
import threading
import weakref
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence

from . import _algorithms
from . import _lib
from . import _sock
from ._lib import call, lib
from . import log as _gossh_log
from .channel import Channel, _request_ms
from .hostkeys import HostKeys
from .pkey import PKey
from .policy import AutoAddPolicy, MissingHostKeyPolicy, RejectPolicy, WarningPolicy
from binascii import hexlify  # noqa: F401 - paramiko.client exports it
from .util import retry_on_signal  # noqa: F401 - paramiko.client exports it
from .ssh_exception import SSHException
from .transport import Transport

if TYPE_CHECKING:
    from _typeshed import StrOrBytesPath

    from ._sock import SocketLike
    from .auth_strategy import AuthStrategy
    from .channel import ChannelFile, ChannelStderrFile, ChannelStdinFile
    from .sftp_client import SFTPClient

__all__ = ["SSHClient", "Transport", "MissingHostKeyPolicy", "AutoAddPolicy", "RejectPolicy",
           "WarningPolicy"]

_log = logging.getLogger("paramiko.transport")


def _bool(v: object) -> str:
    return "1" if v else "0"


def _seconds(v: float | str | bytes) -> str:
    # Text goes to the library as it is: its message names the option and
    # never repeats the value (float("<a password>") would).
    if isinstance(v, bytes):
        v = v.decode("utf-8", "replace")
    if isinstance(v, str):
        return v
    return repr(float(v))


class _DefaultPort(int):
    """connect()'s default port, 22: an int that is told apart from a 22
    the caller passed (``port is _DEFAULT_PORT``), so that an ssh_config's
    Port applies only when the caller gave none."""

    def __repr__(self) -> str:
        return "22"


_DEFAULT_PORT = _DefaultPort(22)


def _port_text(port: int | float | str | bytes) -> str:
    """The text of connect()'s port: text as it is (the library parses it
    and never repeats it, where int("<a password>") would), an integral
    number as digits.  A TypeError names only the type."""
    if isinstance(port, bytes):
        port = port.decode("utf-8", "replace")
    if isinstance(port, str):
        return port
    if isinstance(port, float) and port.is_integer():
        return str(int(port))
    return str(operator.index(port))  # type: ignore[arg-type]


class SSHClient(_lib.NativeHandle):
    """A high-level SSH client (paramiko.SSHClient).

    ::

        client = SSHClient()
        client.load_system_host_keys()
        client.connect("host", username="me")
        stdin, stdout, stderr = client.exec_command("ls")

    The default missing-host-key policy is RejectPolicy.  Closing is
    idempotent; the client also closes when garbage-collected.
    """

    _close_fn = "gossh_client_close"
    _free_fn = "gossh_client_free"

    def __init__(self) -> None:
        _gossh_log.install()
        h = _lib.client_p()
        call(lib.gossh_client_new, ctypes.byref(h))
        self._handle = h
        self._lock = threading.Lock()
        self._log_channel = _gossh_log.DEFAULT_CHANNEL
        call(lib.gossh_client_set_log_channel, h, _lib.enc(self._log_channel))
        self._policy: MissingHostKeyPolicy = RejectPolicy()
        self._policy_cb: Any = None  # the CFUNCTYPE object, kept alive for Go
        self._policy_exc: BaseException | None = None
        self._policy_add = False
        self._host_keys_filename: StrOrBytesPath | None = None
        self._host_keys_view: HostKeys | None = None  # get_host_keys(): the live store
        self._system_host_keys_filenames: list[str | None] = []
        self._connected = False
        self._closed = False
        self._peer: tuple[str, int] | None = None
        self._username: str | None = None
        self._transport: Transport | None = None
        self._sock_bridge: Any = None  # connect(sock=<socket-like object>)'s pump

    # -- host keys --------------------------------------------------------------

    def load_system_host_keys(self, filename: str | None = None) -> None:
        """Loads known_hosts entries that are never saved back.  Without a
        filename, ~/.ssh/known_hosts (silently ignored when missing)."""
        path = _lib.enc(os.path.expanduser(filename) if filename else None)
        call(lib.gossh_client_load_system_host_keys, self._h(), path)
        self._system_host_keys_filenames.append(filename)

    def load_host_keys(self, filename: StrOrBytesPath) -> None:
        """Loads a known_hosts file and remembers it: AutoAddPolicy and
        save_host_keys() write to it.  A missing file is created on save."""
        call(lib.gossh_client_load_host_keys, self._h(), _lib.enc(filename))
        self._host_keys_filename = filename

    def save_host_keys(self, filename: StrOrBytesPath) -> None:
        """Writes the (non-system) host keys to filename, known_hosts format."""
        call(lib.gossh_client_save_host_keys, self._h(), _lib.enc(filename))

    def get_host_keys(self) -> HostKeys:
        """The client's own host keys (not the system ones) as a HostKeys
        bound to the live store: keys added or removed through it count at
        the next connect, and AutoAddPolicy adds to it.  It may be used from
        inside a missing-host-key policy."""
        view = self._host_keys_view
        if view is None:
            hk = _lib.hostkeys_p()
            call(lib.gossh_client_get_host_keys, self._h(), ctypes.byref(hk))
            view = self._host_keys_view = HostKeys._bind(hk)
        return view

    @property
    def _host_keys(self) -> HostKeys:
        return self.get_host_keys()

    @property
    def _system_host_keys(self) -> HostKeys:
        """paramiko's attribute: the system host keys (never saved)."""
        hk = _lib.hostkeys_p()
        call(lib.gossh_client_get_system_host_keys, self._h(), ctypes.byref(hk))
        return HostKeys._bind(hk)

    def _add_host_key(self, hostname: str, key: PKey) -> None:
        # Called by AutoAddPolicy.missing_host_key (a subclass run through the
        # callback): libgossh adds the key when the callback answers
        # GOSSH_HOSTKEY_ACCEPT_ADD.
        self._policy_add = True

    # -- policy -----------------------------------------------------------------

    def set_missing_host_key_policy(
        self, policy: type[MissingHostKeyPolicy] | MissingHostKeyPolicy
    ) -> None:
        """Sets the policy for servers whose key is not known: a
        MissingHostKeyPolicy class or instance (RejectPolicy by default)."""
        if inspect.isclass(policy):
            policy = policy()
        if type(policy) is RejectPolicy:
            call(lib.gossh_client_set_policy, self._h(), _lib.POLICY_REJECT)
            self._policy_cb = None
        elif type(policy) is AutoAddPolicy:
            call(lib.gossh_client_set_policy, self._h(), _lib.POLICY_AUTOADD)
            self._policy_cb = None
        else:
            if not hasattr(policy, "missing_host_key"):
                raise TypeError("policy must have a missing_host_key method")
            cb = _lib.HOSTKEY_CB(self._make_callback(policy))
            call(lib.gossh_client_set_policy_callback, self._h(), cb, None)
            # Keep the callback alive for as long as Go may call it: until
            # another policy is set or the client is freed.
            self._policy_cb = cb
        self._policy = policy

    def _make_callback(
        self, policy: MissingHostKeyPolicy
    ) -> Callable[[bytes, bytes, bytes, bytes, Any], int]:
        # A weak reference: the client holds the callback, and a cycle would
        # keep an unclosed client's connection open until the cyclic GC ran.
        ref = weakref.ref(self)

        def on_missing_host_key(
            hostname: bytes, key_type: bytes, key_base64: bytes, fingerprint: bytes, userdata: Any
        ) -> int:
            # A Python exception must never escape into C: ctypes would
            # return garbage.  Anything raised rejects the key and is raised
            # again from connect().
            self = ref()
            if self is None:
                return _lib.HOSTKEY_REJECT
            try:
                host = hostname.decode("utf-8", "replace")
                key = PKey.from_public_text(
                    "{} {}".format(key_type.decode("ascii"), key_base64.decode("ascii"))
                )
                self._policy_add = False
                policy.missing_host_key(self, host, key)
                return _lib.HOSTKEY_ACCEPT_ADD if self._policy_add else _lib.HOSTKEY_ACCEPT
            except BaseException as e:  # noqa: BLE001
                self._policy_exc = e
                return _lib.HOSTKEY_REJECT

        return on_missing_host_key

    # -- connecting -------------------------------------------------------------

    def _h(self) -> Any:
        h = self._handle
        if h is None:
            raise SSHException("SSH client is closed")
        return h

    def connect(
        self,
        hostname: str,
        port: int = _DEFAULT_PORT,
        username: str | None = None,
        password: str | None = None,
        pkey: PKey | None = None,
        key_filename: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
        timeout: float | None = None,
        allow_agent: bool = True,
        look_for_keys: bool = True,
        compress: bool = False,
        sock: SocketLike | None = None,
        gss_auth: bool = False,
        gss_kex: bool = False,
        gss_deleg_creds: bool = True,
        gss_host: str | None = None,
        banner_timeout: float | None = None,
        auth_timeout: float | None = None,
        channel_timeout: float | None = None,
        gss_trust_dns: bool = True,
        passphrase: str | None = None,
        disabled_algorithms: Mapping[str, Iterable[str]] | None = None,
        transport_factory: Callable[..., Transport] | None = None,
        auth_strategy: AuthStrategy | None = None,
        ssh_config: bool | str | os.PathLike[str] | None = None,
        *,
        forward_agent: bool = False,
        identities_only: bool = False,
        ciphers: str | Iterable[str] | None = None,
        kex: str | Iterable[str] | None = None,
        macs: str | Iterable[str] | None = None,
        host_key_algorithms: str | Iterable[str] | None = None,
        pubkey_algorithms: str | Iterable[str] | None = None,
    ) -> None:
        """Connects to an SSH server and authenticates, as paramiko's
        connect(): pkey, then key_filename, then the agent (allow_agent),
        then ~/.ssh/id_* (look_for_keys), then password.

        Raises BadHostKeyException, AuthenticationException (and its
        subclasses), SSHException, NoValidConnectionsError or a timeout
        (SSHTimeout: both SSHException and socket.timeout).

        ssh_config (gossh only; paramiko never applies an ssh_config): True
        for ~/.ssh/config and /etc/ssh/ssh_config, or the path of a file;
        hostname is then resolved as ssh does (HostName, User, Port,
        IdentityFile, ...), the arguments given here winning over the file.

        disabled_algorithms is paramiko's dict ("ciphers", "macs", "keys",
        "pubkeys", "kex"); compress=True is accepted and logged (the library
        has no compression).  gossh's keyword-only extensions:
        forward_agent (ask for agent forwarding on every session, as
        ``AgentRequestHandler`` on each), identities_only (OpenSSH's: with
        pkey or key_filename given, only agent keys that are one of them
        are offered and ~/.ssh is not searched), and explicit algorithm
        lists ciphers, kex, macs, host_key_algorithms, pubkey_algorithms
        (a list or a comma string).  An algorithm name the library does not
        implement raises ValueError.
        """
        unsupported: list[str] = []
        if sock is not None:
            _sock.kind_of(sock)  # a TypeError now for an object that can carry nothing
        if gss_auth or gss_kex:
            unsupported.append("gss_auth/gss_kex (GSS-API; paramiko 4 made it optional)")
        if transport_factory is not None:
            unsupported.append("transport_factory")
        if unsupported:
            raise NotImplementedError(
                "gossh: connect() does not support " + ", ".join(unsupported)
            )
        if self._closed:
            # paramiko allows close() then connect(): the library's client
            # connects again, keeping its host keys and policy.  A new
            # connection logs under the client's channel (as a new Transport).
            call(lib.gossh_client_set_log_channel, self._h(), _lib.enc(self._log_channel))
            self._closed = self._connected = False

        # Authentication in steps, through the Transport's auth_* calls
        # (each one attempt made by libgossh), when the caller decides the
        # order: an auth_strategy, or a subclass overriding _auth (netmiko's
        # SSHClient_noauth), called as paramiko calls it.
        stepwise = auth_strategy is not None or type(self)._auth is not SSHClient._auth
        if key_filename is not None and isinstance(key_filename, (str, bytes, os.PathLike)):
            key_filename = [key_filename]
        if stepwise and username is None:
            username = getpass.getuser()

        opts = _lib.options_p()
        call(lib.gossh_options_new, ctypes.byref(opts))
        try:
            def setopt(name: str, value: object) -> None:
                call(lib.gossh_options_set, opts, name.encode(), _lib.enc(value))

            setopt("hostname", hostname)
            # Only options the caller gave are set, so that an ssh_config's
            # values apply to the others (port=22 given explicitly counts).
            if port is not _DEFAULT_PORT:
                setopt("port", _port_text(port))
            if ssh_config is True:
                setopt("ssh_config", "default")
            elif ssh_config not in (None, False):
                setopt("ssh_config", os.fspath(ssh_config))  # type: ignore[arg-type]
            if username is not None:
                setopt("username", username)
            if stepwise:
                setopt("step_auth", "1")
            else:
                if password is not None:
                    setopt("password", password)
                if passphrase is not None:
                    setopt("passphrase", passphrase)
                for path in key_filename or ():
                    setopt("key_filename", os.fspath(path))
            if stepwise:
                # the steps are the caller's: the library tries nothing itself
                setopt("allow_agent", "0")
                setopt("look_for_keys", "0")
            else:
                if allow_agent is not True:
                    setopt("allow_agent", _bool(allow_agent))
                if look_for_keys is not True:
                    setopt("look_for_keys", _bool(look_for_keys))
            # The library's copy of the environment dates from its loading:
            # the agent is the one SSH_AUTH_SOCK names now, as for paramiko.
            if os.environ.get("SSH_AUTH_SOCK"):
                setopt("agent_socket", os.environ["SSH_AUTH_SOCK"])
            if compress:
                setopt("compress", "1")
            if forward_agent:
                setopt("forward_agent", "1")
            if identities_only:
                setopt("identities_only", "1")
            for name, value in _algorithms.options(disabled_algorithms, ciphers, kex, macs,
                                                   host_key_algorithms, pubkey_algorithms):
                setopt(name, value)
            if timeout is not None:
                setopt("timeout", _seconds(timeout))
            if banner_timeout is not None:
                setopt("banner_timeout", _seconds(banner_timeout))
            if auth_timeout is not None:
                setopt("auth_timeout", _seconds(auth_timeout))
            if channel_timeout is not None:
                setopt("channel_timeout", _seconds(channel_timeout))
            if pkey is not None and not stepwise:
                if getattr(pkey, "_handle", None) is None:
                    raise SSHException("gossh: pkey has no private key loaded")
                call(lib.gossh_options_add_key, opts, pkey._handle)

            self._policy_exc = None
            _gossh_log.refresh()  # the log level for the logging config in force now
            try:
                if sock is None:
                    call(lib.gossh_client_connect, self._h(), opts)
                else:
                    self._sock_bridge = _sock.connect(self._h(), opts, sock, setopt)
            except Exception:
                exc, self._policy_exc = self._policy_exc, None
                if exc is not None:
                    # The policy rejected the key by raising: raise that.
                    raise exc from None
                raise
        finally:
            lib.gossh_options_free(opts)

        self._connected = True
        self._peer = (hostname, int(port))
        self._username = username
        self._transport = Transport(self)
        if stepwise:
            t = self._transport
            t._stepwise, t._started, t._username = True, True, username
            try:
                if auth_strategy is not None:
                    auth_strategy.authenticate(t)
                else:
                    self._auth(username, password, pkey, key_filename,  # type: ignore[arg-type]
                               allow_agent,
                               look_for_keys, gss_auth, gss_kex, gss_deleg_creds, gss_host,
                               passphrase)
            except BaseException:
                self.close()
                raise

    def _auth(
        self,
        username: str,
        password: str | None,
        pkey: PKey | None,
        key_filenames: Sequence[str | os.PathLike[str]] | None,
        allow_agent: bool,
        look_for_keys: bool,
        gss_auth: bool,
        gss_kex: bool,
        gss_deleg_creds: bool,
        gss_host: str | None,
        passphrase: str | None,
    ) -> None:
        """paramiko's authentication step, called by connect() with
        paramiko's arguments when a subclass overrides it (netmiko's
        SSHClient_noauth) and that override calls it through super():
        pkey, then each of key_filenames (with its -cert.pub), then the
        ~/.ssh/id_* keys (look_for_keys), then password, each one attempt
        through the Transport's auth_* calls.  Without an override,
        connect() lets libgossh run the same chain in one call (plus the
        agent, which this step does not try)."""
        t: Transport = self._transport  # type: ignore[assignment]
        saved: Exception | None = None
        keys = [pkey] if pkey is not None else []
        paths: list[str | os.PathLike[str]] = list(key_filenames or [])
        if look_for_keys:
            for name in ("id_rsa", "id_ecdsa", "id_ed25519"):
                p = os.path.expanduser(os.path.join("~", ".ssh", name))
                if os.path.isfile(p):
                    paths.append(p)
        for path in paths:
            try:
                keys.append(PKey.from_path(path, passphrase if passphrase is not None else password))
            except Exception as e:  # noqa: BLE001 - paramiko saves and goes on
                saved = e
        for key in keys:
            try:
                if not t.auth_publickey(username, key):
                    return
            except SSHException as e:
                saved = e
        if password is not None:
            try:
                if not t.auth_password(username, password):
                    return
            except SSHException as e:
                saved = e
        if saved is not None:
            raise saved
        raise SSHException("No authentication methods available")

    def get_transport(self) -> Transport | None:
        """The Transport of a connected client, None before connect() and
        after close(), as paramiko."""
        return self._transport

    # -- commands ---------------------------------------------------------------

    def _start(
        self,
        fields: list[tuple[str, str]],
        environment: Mapping[str, str] | None,
        timeout: float | None = None,
    ) -> Channel:
        """Opens a session channel and starts it in one library call
        (gossh_client_start): the library makes the requests, in its order.
        fields are the spec's (name, value) pairs."""
        if self._closed or not self._connected or self._transport is None:
            raise SSHException("SSH session not active")
        spec = _lib.session_spec_p()
        call(lib.gossh_session_spec_new, ctypes.byref(spec))
        try:
            fields.append(("timeout", str(_request_ms(timeout))))
            for name, value in fields:
                call(lib.gossh_session_spec_set, spec, name.encode(), _lib.enc(value))
            for name, value in (environment or {}).items():
                call(lib.gossh_session_spec_set_env, spec, _lib.enc(name), _lib.enc(value))
            ch = _lib.channel_p()
            call(lib.gossh_client_start, self._h(), spec, ctypes.byref(ch))
        finally:
            lib.gossh_session_spec_free(spec)
        return Channel(ch, self, transport=self._transport)

    def exec_command(
        self,
        command: str | bytes,
        bufsize: int = -1,
        timeout: float | None = None,
        get_pty: bool = False,
        environment: Mapping[str, str] | None = None,
    ) -> tuple[ChannelStdinFile, ChannelFile, ChannelStderrFile]:
        """Runs command on the server; returns (stdin, stdout, stderr) files,
        as paramiko: open_session(timeout), get_pty() if get_pty,
        update_environment(environment), settimeout(timeout), exec_command.

        ``timeout`` bounds opening the channel and each request, and is then
        the channel's timeout, so a read waiting longer raises socket.timeout.
        """
        if isinstance(command, bytes):
            command = command.decode("utf-8")
        fields = [("command", command)]
        if get_pty:
            fields.append(("pty", "1"))
        chan = self._start(fields, environment, timeout)
        chan.settimeout(timeout)
        return (
            chan.makefile_stdin("wb", bufsize),
            chan.makefile("r", bufsize),
            chan.makefile_stderr("r", bufsize),
        )

    def invoke_shell(
        self,
        term: str = "vt100",
        width: int = 80,
        height: int = 24,
        width_pixels: int = 0,
        height_pixels: int = 0,
        environment: Mapping[str, str] | None = None,
    ) -> Channel:
        """Starts an interactive shell on a pseudo-terminal; returns its
        Channel."""
        return self._start([("shell", "1"), ("term", term or ""), ("cols", str(int(width))),
                            ("rows", str(int(height))), ("width_pixels", str(int(width_pixels))),
                            ("height_pixels", str(int(height_pixels)))], environment)

    def open_sftp(self) -> SFTPClient:
        """Opens an SFTP session on this connection: an SFTPClient
        (paramiko's open_sftp)."""
        if self._closed or not self._connected or self._transport is None:
            raise SSHException("SSH session not active")
        return self._transport.open_sftp_client()

    # -- lifetime -----------------------------------------------------------

    def close(self) -> None:
        """Closes the connection and its channels.  Safe to call twice."""

        self._closed = True
        self._transport = None
        self._close_native()
        bridge, self._sock_bridge = self._sock_bridge, None
        if bridge is not None:
            bridge.close()
