"""paramiko's Transport over gossh: connection facts, keepalive, channels,
direct-tcpip, remote port forwarding, logging and timeouts."""

import logging
import socket
import threading
import time

import pytest

import gossh
from conftest import HANG_GUARD, run_with_deadline


def known_server_key(env, key_type):
    """The host key of the test server of key_type from known_hosts."""
    with open(env.known_hosts) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[1] == key_type:
                return gossh.PKey.from_public_text(parts[1] + " " + parts[2])
    return None


class EchoServer:
    """A TCP echo server on 127.0.0.1, one thread per connection."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(50)
        self.port = self.sock.getsockname()[1]
        self.peers = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, addr = self.sock.accept()
            except OSError:
                return
            self.peers.append(addr)
            threading.Thread(target=self._echo, args=(conn,), daemon=True).start()

    @staticmethod
    def _echo(conn):
        with conn:
            while True:
                data = conn.recv(65536)
                if not data:
                    return
                conn.sendall(data)

    def close(self):
        self.sock.close()


@pytest.fixture
def echo():
    s = EchoServer()
    yield s
    s.close()


def recv_exactly(chan, n, timeout=HANG_GUARD):
    chan.settimeout(timeout)
    out = b""
    while len(out) < n:
        data = chan.recv(n - len(out))
        if not data:
            break
        out += data
    return out


# -- facts ----------------------------------------------------------------------


def test_transport_facts(env, connected):
    t = connected.get_transport()
    assert t is connected.get_transport()
    assert t.is_active() and t.active and t.is_authenticated()
    host, port = t.getpeername()
    assert host == "127.0.0.1" and port == env.port and isinstance(port, int)
    assert t.get_username() == env.user
    assert t.get_banner() is None  # the test sshd sends no banner
    assert t.remote_version.startswith("SSH-2.0-OpenSSH")
    assert t.local_version.startswith("SSH-2.0-")
    assert t.local_cipher and t.remote_cipher
    assert t.kex_name and t.host_key_type
    if "gcm" in t.local_cipher or "chacha20" in t.local_cipher:
        assert t.local_mac == ""
    else:
        assert t.local_mac
    opts = t.get_security_options()
    assert t.local_cipher in opts.ciphers and opts.kex == (t.kex_name,)
    assert t.local_compression == t.remote_compression == "none"
    assert t.get_log_channel() == "paramiko"
    assert "gossh.Transport" in repr(t)


def test_remote_server_key(env, connected):
    t = connected.get_transport()
    key = t.get_remote_server_key()
    assert isinstance(key, gossh.PKey)
    assert not key.can_sign()
    assert key == known_server_key(env, key.get_name())
    assert key.get_name() in t.host_key_type or t.host_key_type.startswith("rsa-sha2")


def test_transport_after_close(connected):
    t = connected.get_transport()
    t.close()
    assert not t.is_active() and not t.is_authenticated()
    assert connected.get_transport() is None
    with pytest.raises(gossh.SSHException):
        t.open_session()
    with pytest.raises(gossh.SSHException):
        t.get_remote_server_key()


def test_keepalive_and_ignore(connected):
    t = connected.get_transport()
    t.set_keepalive(0.2)
    t.send_ignore()
    t.send_ignore(byte_count=32)
    time.sleep(0.8)  # several keepalives answered
    assert t.is_active()
    _, out, _ = connected.exec_command("echo alive")
    assert out.read() == b"alive\n"
    t.set_keepalive(0)


def test_auth_methods_on_a_connected_clients_transport(connected):
    # SSHClient.connect authenticated it: the auth steps are for a
    # hand-built Transport (test_transport_handbuilt.py).
    with pytest.raises(gossh.SSHException):
        connected.get_transport().auth_password("u", "p")


# -- channels -------------------------------------------------------------------


def test_open_channel_session(connected):
    t = connected.get_transport()
    chan = t.open_channel("session", window_size=1 << 20, max_packet_size=32768, timeout=5)
    chan.exec_command("echo via open_channel")
    assert recv_exactly(chan, 100) == b"via open_channel\n"
    assert chan.recv_exit_status() == 0


def test_open_channel_unknown_kind(connected):
    with pytest.raises(NotImplementedError):
        connected.get_transport().open_channel("x11")


def test_direct_tcpip(connected, echo):
    t = connected.get_transport()
    chan = t.open_channel("direct-tcpip", ("127.0.0.1", echo.port), ("127.0.0.1", 5555))
    chan.sendall(b"ping over ssh")
    assert recv_exactly(chan, 13) == b"ping over ssh"
    chan.close()


def test_direct_tcpip_to_sshd_banner(env, connected):
    chan = connected.get_transport().open_channel("direct-tcpip", (env.host, env.port),
                                                  ("127.0.0.1", 0))
    chan.settimeout(10)
    assert chan.recv(100).startswith(b"SSH-2.0-")
    chan.close()


def test_direct_tcpip_refused(connected):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nobody listens there
    with pytest.raises(gossh.ChannelException):
        connected.get_transport().open_channel("direct-tcpip", ("127.0.0.1", port),
                                               ("127.0.0.1", 0))


def test_many_direct_tcpip_with_select(connected, echo):
    import selectors

    t = connected.get_transport()
    chans = [t.open_channel("direct-tcpip", ("127.0.0.1", echo.port), ("127.0.0.1", 0))
             for _ in range(20)]
    for i, c in enumerate(chans):
        c.sendall("msg{}".format(i).encode())
    sel = selectors.DefaultSelector()
    for c in chans:
        sel.register(c, selectors.EVENT_READ)
    got = {}
    deadline = time.monotonic() + HANG_GUARD
    while len(got) < len(chans) and time.monotonic() < deadline:
        for key, _ in sel.select(HANG_GUARD):
            got[key.fileobj] = key.fileobj.recv(100)
            sel.unregister(key.fileobj)
    sel.close()
    assert [got.get(c) for c in chans] == ["msg{}".format(i).encode() for i in range(20)]
    for c in chans:
        c.close()


# -- remote port forwarding -----------------------------------------------------


def test_port_forward_accept(connected):
    t = connected.get_transport()
    port = t.request_port_forward("127.0.0.1", 0)
    assert port > 0
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        chan = t.accept(10)
        assert chan is not None
        assert chan.origin_addr == s.getsockname()
        s.sendall(b"to the client")
        assert recv_exactly(chan, 13) == b"to the client"
        chan.sendall(b"and back")
        s.settimeout(5)
        assert s.recv(100) == b"and back"
        chan.close()
    finally:
        s.close()
    assert t.accept(0.2) is None  # nothing more waiting
    t.cancel_port_forward("127.0.0.1", port)
    time.sleep(0.2)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_port_forward_handler(connected):
    t = connected.get_transport()
    calls = []
    served = threading.Event()

    def handler(chan, origin, server):
        calls.append((origin, server))
        chan.sendall(b"hello from handler")
        chan.close()
        served.set()

    port = t.request_port_forward("127.0.0.1", 0, handler=handler)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.settimeout(5)
        data = b""
        while len(data) < 18:
            chunk = s.recv(100)
            if not chunk:
                break
            data += chunk
        assert data == b"hello from handler"
        origin = s.getsockname()
    assert served.wait(5)
    assert calls == [(origin, ("127.0.0.1", port))]
    t.cancel_port_forward("127.0.0.1", port)


def test_port_forward_handler_on_default_address(connected):
    # address "" (the library listens on localhost): the handler registered
    # under ("", port) gets the connection. The library reports the
    # forwarding as it was asked for, so the binding matches it exactly
    # (it used to guess by port alone, which picks the wrong handler when
    # two forwardings share a port on different addresses).
    t = connected.get_transport()
    got = []
    served = threading.Event()

    def handler(chan, origin, server):
        got.append(server)
        chan.close()
        served.set()

    for _ in range(5):
        served.clear()
        got.clear()
        port = t.request_port_forward("", 0, handler=handler)
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            assert served.wait(5)
        assert got == [("", port)]
        t.cancel_port_forward("", port)


def test_accept_ends_when_transport_closes(connected):
    t = connected.get_transport()
    t.request_port_forward("127.0.0.1", 0)
    threading.Timer(0.3, connected.close).start()
    # accept() has no timeout here: only the close can end it.
    assert run_with_deadline(t.accept, HANG_GUARD) is None


def test_cancel_unknown_forward(connected):
    with pytest.raises((ValueError, gossh.SSHException)):
        connected.get_transport().cancel_port_forward("127.0.0.1", 1)


# -- logging --------------------------------------------------------------------


def test_log_records_under_paramiko_transport(env, client, caplog):
    caplog.set_level(logging.DEBUG, logger="paramiko")
    client.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519")))
    _, out, _ = client.exec_command("true")
    out.read()
    names = {r.name for r in caplog.records}
    msgs = [r.getMessage() for r in caplog.records if r.name == "paramiko.transport"]
    assert any("connecting" in m for m in msgs), msgs
    assert any("authenticated" in m for m in msgs), msgs
    assert "paramiko.channel" in names
    assert all(n.startswith("paramiko.") for n in names if n.startswith(("gossh", "paramiko")))


def test_log_never_shows_password(env, client, caplog):
    caplog.set_level(logging.DEBUG)
    secret = "s3cret-Pa55word-{}".format(time.monotonic_ns())
    with pytest.raises(gossh.AuthenticationException):
        client.connect(**env.connect_kwargs(password=secret))
    assert caplog.records  # something was logged
    assert not any(secret in r.getMessage() for r in caplog.records)
    if env.password:
        caplog.clear()
        client.connect(**env.connect_kwargs(password=env.password))
        assert any("authenticated" in r.getMessage() for r in caplog.records)
        assert not any(env.password in r.getMessage() for r in caplog.records)


def test_set_log_channel(connected, caplog):
    caplog.set_level(logging.DEBUG)
    t = connected.get_transport()
    t.set_log_channel("myapp.ssh")
    assert t.get_log_channel() == "myapp.ssh"
    _, out, _ = connected.exec_command("true")
    out.read()
    connected.close()
    names = {r.name for r in caplog.records}
    assert "myapp.ssh.channel" in names, names
    assert "myapp.ssh.transport" in names, names  # "closing connection"


def test_log_level_filter(env, client, caplog):
    caplog.set_level(logging.WARNING, logger="paramiko")
    client.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519")))
    assert not [r for r in caplog.records if r.name.startswith("paramiko")
                and r.levelno < logging.WARNING]


# -- timeouts -------------------------------------------------------------------


class SilentServer:
    """Accepts connections; optionally sends a banner; then never speaks."""

    def __init__(self, banner=None):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.banner = banner
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            if self.banner:
                conn.sendall(self.banner)

    def close(self):
        self.sock.close()
        for c in self.conns:
            c.close()


@pytest.mark.parametrize("banner,kw", [
    (None, dict(banner_timeout=1)),
    (b"SSH-2.0-Silent\r\n", dict(auth_timeout=1)),
    (None, dict(timeout=1, banner_timeout=2)),  # timeout is the TCP connect's only
])
def test_connect_timeouts(banner, kw):
    srv = SilentServer(banner)
    c = gossh.SSHClient()
    try:
        # The server stays silent: only the timeout under test ends connect.
        with pytest.raises(socket.timeout):
            run_with_deadline(lambda: c.connect("127.0.0.1", port=srv.port, username="x",
                                                password="y", allow_agent=False,
                                                look_for_keys=False, **kw), HANG_GUARD)
    finally:
        c.close()
        srv.close()


def test_log_level_given_to_libgossh_follows_logging(env, client, caplog):
    from gossh import log

    caplog.set_level(logging.DEBUG, logger="paramiko.channel")
    client.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519")))
    assert log._level == logging.DEBUG  # worked out again at connect()
    _, out, _ = client.exec_command("true")
    out.read()
    assert any(r.name == "paramiko.channel" for r in caplog.records)


def test_log_channel_default_after_reconnect(env, connected, caplog):
    connected.get_transport().set_log_channel("other")
    connected.close()
    caplog.set_level(logging.INFO, logger="paramiko")
    connected.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519")))
    t = connected.get_transport()
    assert t.get_log_channel() == "paramiko"
    assert any(r.name == "paramiko.transport" and "authenticated" in r.getMessage()
               for r in caplog.records)
    with t:
        assert t.is_active()
    assert not t.is_active()


# -- a server that stops answering ----------------------------------------------


def _descendants(pid):
    """PIDs of all descendants of pid (from /proc)."""
    import os

    children = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/{}/stat".format(name)) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(name))
    out, todo = set(), [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            if c not in out:
                out.add(c)
                todo.append(c)
    return out


def test_keepalive_ends_reads_when_server_stalls(env, client):
    import os
    import signal

    master = int(os.environ.get("GOSSH_TEST_SSHD_PID") or 0)
    if not master:
        pytest.skip("GOSSH_TEST_SSHD_PID not set")
    before = _descendants(master)
    client.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519")))
    _, out, _ = client.exec_command("sleep 60")
    ours = _descendants(master) - before
    if not ours:
        pytest.skip("cannot find the sshd processes serving this connection")
    client.get_transport().set_keepalive(0.2)
    for pid in ours:
        os.kill(pid, signal.SIGSTOP)  # the server stops answering, the socket stays open
    try:
        # The stopped server sends nothing: only the keepalive can end the read.
        with pytest.raises(gossh.SSHException):
            run_with_deadline(out.read, HANG_GUARD)
        assert not client.get_transport().is_active()
    finally:
        for pid in ours:
            try:
                os.kill(pid, signal.SIGCONT)
            except OSError:
                pass
