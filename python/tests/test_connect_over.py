"""connect(sock=...): a socket, a ProxyCommand, a Channel of another client
(Fabric's gateway) and any object with send/recv/close; gossh.ProxyCommand
used directly.  Against the test sshd."""

import os
import socket
import threading
import time

import pytest

import gossh
from gossh.proxy import ProxyCommand
from gossh.ssh_exception import ProxyCommandFailure


def _run(client, command):
    _, out, _ = client.exec_command(command, timeout=10)
    return out.read().decode()


def _nc(env):
    return "nc {} {}".format(env.host, env.port)


needs_nc = pytest.mark.skipif(
    not any(os.access(os.path.join(d, "nc"), os.X_OK) for d in os.environ.get("PATH", "").split(":")),
    reason="nc not installed (Debian: netcat-openbsd)")


def test_sock_socket(env, client):
    s = socket.create_connection((env.host, env.port), timeout=10)
    client.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519"), sock=s))
    s.close()  # the library holds its own duplicate
    assert _run(client, "echo sock") == "sock\n"


@needs_nc
def test_sock_proxycommand_runs_in_the_library(env, client):
    proxy = ProxyCommand(_nc(env))
    client.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519"), sock=proxy))
    assert _run(client, "echo proxied") == "proxied\n"
    # The library ran the command: no Python process, no pumping thread.
    assert proxy._process is None
    assert client._sock_bridge is None


def test_sock_proxycommand_failure(env, client):
    proxy = gossh.ProxyCommand("sh -c 'echo no route to the moon >&2; exit 3'")
    with pytest.raises(ProxyCommandFailure) as info:
        client.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519"), sock=proxy))
    assert "no route to the moon" in str(info.value.error)
    assert isinstance(info.value, gossh.SSHException)


def test_proxycommand_percent_is_literal(env, client, tmp_path):
    # paramiko runs the words as they are: no shell, no %-tokens.
    out = tmp_path / "100%h"
    proxy = ProxyCommand("sh -c 'echo x > \"$0\"; exit 1' {}".format(out))
    with pytest.raises(ProxyCommandFailure):
        client.connect(**env.connect_kwargs(sock=proxy))
    assert out.exists()


@needs_nc
def test_proxycommand_used_directly(env):
    p = ProxyCommand(_nc(env))
    p.settimeout(10)
    banner = p.recv(200)
    assert banner.startswith(b"SSH-2.0-")
    assert p.send(b"SSH-2.0-test\r\n") == len(b"SSH-2.0-test\r\n")
    proc = p.process
    assert not p.closed
    p.close()
    assert p.closed and proc.returncode is not None  # reaped
    assert proc.stdout.closed and proc.stdin.closed
    p.close()  # twice is fine
    with pytest.raises(ProxyCommandFailure):
        p.send(b"x")


def test_proxycommand_recv_timeout(env):
    with ProxyCommand("sleep 30") as p:
        p.settimeout(0.2)
        with pytest.raises(socket.timeout):
            p.recv(10)


def test_sock_channel_fabric_gateway(env, client):
    import gc

    gw = gossh.SSHClient()
    gw.load_host_keys(env.known_hosts)
    gw.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519")))
    try:
        # Fabric keeps no reference to the channel: the client must.
        client.connect(**env.connect_kwargs(
            key_filename=env.key("id_ed25519"),
            sock=gw.get_transport().open_channel("direct-tcpip", (env.host, env.port), ("", 0))))
        gc.collect()
        assert _run(client, "echo gateway") == "gateway\n"
        # Closing the gateway ends the connection through it.
        gw.close()
        with pytest.raises(gossh.SSHException):
            _run(client, "true")
    finally:
        gw.close()


class SocketLike:
    """Not a socket: send, recv and close only (as a user's wrapper)."""

    def __init__(self, sock):
        self._s = sock
        self.closed = False

    def send(self, data):
        return self._s.send(data)

    def recv(self, n):
        return self._s.recv(n)

    def close(self):
        self.closed = True
        self._s.close()


def test_sock_object_bridged(env, client):
    obj = SocketLike(socket.create_connection((env.host, env.port), timeout=10))
    client.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519"), sock=obj))
    assert _run(client, "echo bridged; head -c 300000 /dev/zero | wc -c") == "bridged\n300000\n"
    client.close()
    deadline = time.monotonic() + 10
    while not obj.closed and time.monotonic() < deadline:
        time.sleep(0.02)
    assert obj.closed  # closed with the connection, as paramiko's Transport does


def test_sock_object_banner_timeout(env):
    # A peer that never speaks: the banner timeout holds over the bridge,
    # again and again, at once.
    errors = []

    def one():
        a, b = socket.socketpair()
        c = gossh.SSHClient()
        try:
            c.connect(**env.connect_kwargs(sock=SocketLike(a), banner_timeout=0.3))
            errors.append("connected")
        except socket.timeout as e:
            if getattr(e, "stage", None) != "banner":
                errors.append(repr(e))
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))
        finally:
            c.close()
            b.close()

    threads = [threading.Thread(target=one) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors


def test_sock_bad_type(env, client):
    with pytest.raises(TypeError):
        client.connect(**env.connect_kwargs(sock=42))


def _children():
    me = str(os.getpid())
    n = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as f:
                stat = f.read()
        except OSError:
            continue
        if stat[stat.rindex(")") + 1:].split()[1] == me:
            n += 1
    return n


def _settle(f, want):
    deadline = time.monotonic() + 20
    got = f()
    while got > want and time.monotonic() < deadline:
        time.sleep(0.05)
        got = f()
    return got


@needs_nc
def test_proxycommand_leaks_nothing(env):
    def fds():
        return len(os.listdir("/proc/self/fd"))

    def once():
        c = gossh.SSHClient()
        c.load_host_keys(env.known_hosts)
        c.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519"), sock=ProxyCommand(_nc(env))))
        c.close()

    once()
    kids, before = _settle(_children, 0), fds()
    for _ in range(10):
        once()
    assert _settle(_children, kids) <= kids
    assert _settle(fds, before) <= before


def _gateway(env, known_hosts=None, sock=None):
    gw = gossh.SSHClient()
    gw.load_host_keys(known_hosts or env.known_hosts)
    gw.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519"), sock=sock))
    return gw


def _hop(gw, host, port):
    return gw.get_transport().open_channel("direct-tcpip", (host, port), ("", 0))


def test_sock_channel_two_hops_and_a_wrong_middle_key(env, client, tmp_path):
    gw1 = _gateway(env)
    try:
        gw2 = _gateway(env, sock=_hop(gw1, env.host, env.port))
        try:
            client.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519"),
                                                sock=_hop(gw2, env.host, env.port)))
            assert _run(client, "echo two hops") == "two hops\n"
        finally:
            gw2.close()
        # The middle hop's client knows another key for the server.
        with pytest.raises(gossh.BadHostKeyException):
            _gateway(env, known_hosts=env.key("known_hosts_wrong"), sock=_hop(gw1, env.host, env.port))
    finally:
        gw1.close()


def test_sock_channel_banner_timeout(env):
    # The gateway reaches a listener that never speaks: the banner timeout
    # holds over the channel, again and again.
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    gw = _gateway(env)
    try:
        for _ in range(10):
            c = gossh.SSHClient()
            try:
                with pytest.raises(socket.timeout) as info:
                    c.connect(**env.connect_kwargs(hostname="127.0.0.1", port=srv.getsockname()[1],
                                                   banner_timeout=0.2, sock=_hop(gw, *srv.getsockname())))
                assert info.value.stage == "banner"
            finally:
                c.close()
        assert _run(gw, "echo alive") == "alive\n"
    finally:
        gw.close()
        srv.close()
