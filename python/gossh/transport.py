"""paramiko's ``Transport``: the connection under an ``SSHClient``.

Returned by ``SSHClient.get_transport()`` after connect(); not constructed
directly (gossh connects through ``SSHClient.connect``).  It offers what a
paramiko client program uses of a transport: state and peer, the negotiated
algorithms, keepalives, opening session and direct-tcpip channels, remote
port forwarding with ``accept()`` or a handler, and the log channel.
"""

import ctypes
import logging
import math
import queue
import threading
import time
import weakref

from . import _lib
from ._lib import call, lib
from .channel import Channel, _request_ms
from .ssh_exception import SSHException, SSHTimeout

__all__ = ["Transport", "SecurityOptions"]

_log = logging.getLogger("paramiko.transport")

# How long one accept call of the forwarding thread waits, so that it notices
# a cancelled forwarding or a dropped client within this time.
_ACCEPT_SLICE_MS = 250


class SecurityOptions:
    """What was negotiated on this connection, with paramiko's
    ``SecurityOptions`` attribute names.  paramiko lists the algorithms a
    transport *offers*; gossh tells the ones *in use*, one per tuple, and
    they cannot be changed here."""

    def __init__(self, transport):
        self.ciphers = tuple(sorted({transport.local_cipher, transport.remote_cipher} - {""}))
        self.digests = tuple(sorted({transport.local_mac, transport.remote_mac} - {""}))
        self.key_types = (transport.host_key_type,) if transport.host_key_type else ()
        self.kex = (transport.kex_name,) if transport.kex_name else ()
        self.compression = ("none",)

    def __repr__(self):
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

    def __init__(self, client):
        self._client = client
        self._log_channel = "paramiko"  # SSHClient sets it on every handle
        self._fwd_lock = threading.Lock()
        self._forwards = {}  # (address, bound port) -> handler or None
        self._accept_queue = queue.Queue()
        self._accept_thread = None
        self._accept_stop = threading.Event()
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

    def _h(self):
        c = self._client
        h = c._handle if c is not None else None
        if h is None or c._closed:
            raise SSHException("SSH session not active")
        return h

    def _info(self, name):
        p = _lib.owned_str_p()
        call(lib.gossh_client_info, self._h(), name.encode(), ctypes.byref(p))
        return _lib.take_string(p) or ""

    def _info_or(self, name, default=None):
        try:
            return self._info(name)
        except Exception:  # noqa: BLE001 - closed or not connected
            return default

    def _channel(self, handle):
        return Channel(handle, self._client, transport=self)

    # -- state --------------------------------------------------------------

    def is_active(self):
        """True while the connection is up."""
        c = self._client
        h = c._handle if c is not None else None
        return bool(h is not None and lib.gossh_client_is_active(h) == 1)

    @property
    def active(self):
        return self.is_active()

    def is_authenticated(self):
        c = self._client
        h = c._handle if c is not None else None
        return bool(h is not None and lib.gossh_client_is_authenticated(h) == 1)

    def getpeername(self):
        """(address, port) of the server, as the socket's getpeername()."""
        host = self._info_or("peer_host")
        port = self._info_or("peer_port")
        if host and port:
            try:
                return (host, int(port))
            except ValueError:
                pass
        return self._client._peer

    def get_username(self):
        """The name we authenticated as (None before authentication)."""
        return self._info_or("username") or self._client._username

    def get_banner(self):
        """The server's pre-authentication banner as bytes, or None."""
        b = self._info_or("banner")
        return b.encode("utf-8") if b else None

    def get_remote_server_key(self):
        """The server's host key, as a public-only PKey."""
        from .pkey import PKey

        text = self._info("server_key")
        if not text:
            raise SSHException("No existing session")
        return PKey.from_public_text(text)

    def get_security_options(self):
        return SecurityOptions(self)

    # -- keepalive ------------------------------------------------------------

    def set_keepalive(self, interval):
        """Sends a keepalive every interval seconds (0 turns them off).  Three
        unanswered keepalives in a row close the connection, so calls blocked
        on it end instead of hanging.  A negative interval raises ValueError
        (the library's GOSSH_E_INVALID)."""
        # Rounded to milliseconds, never to 0 (off) from a positive or a
        # negative interval: the library refuses a negative one.
        v = float(interval or 0)
        ms = 0 if v == 0 else int(math.copysign(max(1, int(abs(v) * 1000 + 0.5)), v))
        call(lib.gossh_client_set_keepalive, self._h(), ms)

    def send_ignore(self, byte_count=None):
        """Sends a message the server discards (keeps NAT state alive).
        byte_count is accepted for paramiko's signature and ignored."""
        call(lib.gossh_client_send_ignore, self._h())

    # -- channels -------------------------------------------------------------

    def open_session(self, window_size=None, max_packet_size=None, timeout=None):
        """Opens a session channel (then get_pty, exec_command,
        invoke_shell, invoke_subsystem).  timeout bounds the open (default:
        connect()'s channel_timeout).  window_size and max_packet_size are
        accepted and ignored (x/crypto/ssh chooses them)."""
        return self.open_channel("session", window_size=window_size,
                                 max_packet_size=max_packet_size, timeout=timeout)

    def open_channel(self, kind, dest_addr=None, src_addr=None, window_size=None,
                     max_packet_size=None, timeout=None):
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
            chan.origin_addr = tuple(src_addr) if src_addr else None
        return chan

    def open_forwarded_tcpip_channel(self, src_addr, dest_addr):
        raise NotImplementedError("gossh: forwarded-tcpip channels are opened by the server")

    def open_x11_channel(self, src_addr=None):
        raise NotImplementedError("gossh: X11 forwarding is not supported")

    def open_forward_agent_channel(self):
        raise NotImplementedError("gossh: agent forwarding is not supported")

    # -- remote port forwarding --------------------------------------------

    def request_port_forward(self, address, port, handler=None):
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
        return bound.value

    def cancel_port_forward(self, address, port):
        """Stops a forwarding made by request_port_forward (its bound port)."""
        with self._fwd_lock:
            self._forwards.pop((address or "", int(port)), None)
        call(lib.gossh_client_cancel_port_forward, self._h(), _lib.enc(address), int(port))

    def accept(self, timeout=None):
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

    def _start_accepting(self):
        t = self._accept_thread
        if t is not None and t.is_alive():
            return
        self._accept_stop.clear()
        t = threading.Thread(target=_accept_loop, args=(weakref.ref(self),),
                             name="gossh-forward-accept", daemon=True)
        self._accept_thread = t
        t.start()

    def _dispatch(self, handle):
        """Hands one forwarded channel to its handler or the accept queue."""
        chan = self._channel(handle)
        origin = chan._addr("origin")
        dest = chan._addr("dest")
        chan.origin_addr = origin
        with self._fwd_lock:
            handler = self._forwards.get(dest)
            if handler is None:
                for (addr, port), h in self._forwards.items():
                    if port == dest[1] and h is not None:
                        handler = h
                        break
        if handler is None:
            self._accept_queue.put(chan)
            return
        try:
            handler(chan, origin, dest)
        except Exception:  # noqa: BLE001 - a handler's bug must not stop forwarding
            _log.exception("gossh: port-forward handler raised")

    # -- SFTP -----------------------------------------------------------------

    def open_sftp_client(self):
        """Opens an SFTP session on this connection (an SFTPClient), as
        paramiko's; SFTPClient.from_transport(self) does the same."""
        from .sftp_client import SFTPClient

        return SFTPClient.from_transport(self)

    # -- log channel ----------------------------------------------------------

    def set_log_channel(self, name):
        """Names this connection's log records "<name>.transport" and
        "<name>.channel" (default "paramiko")."""
        from . import log

        call(lib.gossh_client_set_log_channel, self._h(), _lib.enc(name))
        self._log_channel = name
        log.refresh(name)

    def get_log_channel(self):
        return self._log_channel

    def set_hexdump(self, hexdump):
        pass

    def get_hexdump(self):
        return False

    def use_compression(self, compress=True):
        if compress:
            raise NotImplementedError("gossh: x/crypto/ssh offers no compression")

    # -- authentication (done by SSHClient.connect) ---------------------------

    def _auth_unsupported(self, *args, **kwargs):
        raise NotImplementedError(
            "gossh: authenticate through SSHClient.connect(); the Transport "
            "auth_* methods are not supported")

    auth_password = auth_publickey = auth_interactive = auth_none = _auth_unsupported
    auth_interactive_dumb = auth_gssapi_with_mic = auth_gssapi_keyex = _auth_unsupported

    # -- lifetime -----------------------------------------------------------

    def close(self):
        """Closes the connection (and so the SSHClient's)."""
        self._accept_stop.set()
        self._client.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        state = "active" if self.is_active() else "inactive"
        peer = self._client._peer
        return "<gossh.Transport {} ({}; cipher {})>".format(peer, state, self.local_cipher)


def _accept_loop(ref):
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
