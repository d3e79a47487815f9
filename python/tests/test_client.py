"""Client lifetime, connection errors and timeouts."""

import socket
import threading

import pytest

import gossh
from conftest import HANG_GUARD, run_with_deadline


def test_close_twice(connected):
    assert connected.get_transport().is_active()
    connected.close()
    connected.close()
    assert connected.get_transport() is None


def test_use_after_close(connected):
    connected.close()
    with pytest.raises(gossh.SSHException):
        connected.exec_command("true")


def test_exec_before_connect():
    c = gossh.SSHClient()
    assert c.get_transport() is None
    with pytest.raises(gossh.SSHException):
        c.exec_command("true")
    c.close()


def test_context_manager(env):
    with gossh.SSHClient() as c:
        c.load_host_keys(env.known_hosts)
        c.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519")))
        t = c.get_transport()
        assert t.is_active()
    assert not t.is_active()


def test_channel_outlives_client_reference(env):
    def start():
        c = gossh.SSHClient()
        c.load_host_keys(env.known_hosts)
        c.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519")))
        return c.exec_command("echo still here")

    _, out, _ = start()  # the client object is no longer referenced here
    assert out.read() == b"still here\n"


def test_closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    c = gossh.SSHClient()
    with pytest.raises(gossh.NoValidConnectionsError) as ei:
        c.connect("127.0.0.1", port=port, username="x", password="y",
                  allow_agent=False, look_for_keys=False, timeout=5)
    assert isinstance(ei.value, socket.error)
    assert ("127.0.0.1", port) in ei.value.errors
    assert c.get_transport() is None
    c.close()


def test_banner_timeout():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(5)
    port = srv.getsockname()[1]
    accepted = []
    stop = threading.Event()

    def accept():
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
                accepted.append(conn)  # accept and never speak
            except socket.timeout:
                pass
            except OSError:
                break

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    c = gossh.SSHClient()
    try:
        # The server never speaks: only the banner timeout ends connect.
        with pytest.raises(socket.timeout) as ei:
            run_with_deadline(lambda: c.connect("127.0.0.1", port=port, username="x", password="y",
                                                allow_agent=False, look_for_keys=False,
                                                banner_timeout=1), HANG_GUARD)
        assert isinstance(ei.value, gossh.SSHException)
    finally:
        stop.set()
        t.join()
        for conn in accepted:
            conn.close()
        srv.close()
        c.close()


def test_unsupported_connect_options(env):
    c = gossh.SSHClient()
    for kw in (dict(gss_auth=True), dict(compress=True),
               dict(disabled_algorithms={"ciphers": ["aes128-ctr"]})):
        with pytest.raises(NotImplementedError):
            c.connect(**env.connect_kwargs(**kw))
    c.close()


def test_connect_twice(connected, env):
    with pytest.raises((ValueError, gossh.SSHException)):
        connected.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519")))


def test_reconnect_after_close(env, connected):
    connected.close()
    # paramiko lets a closed client connect again; host keys stay loaded.
    connected.connect(**env.connect_kwargs(key_filename=env.key("id_ecdsa")))
    _, out, _ = connected.exec_command("echo again")
    assert out.read() == b"again\n"
