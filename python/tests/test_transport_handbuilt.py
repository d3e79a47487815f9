"""paramiko's hand-built Transport, as sshtunnel, pysftp and netmiko use it:
Transport(sock or (host, port)), start_client, get_remote_server_key,
auth_none / auth_password / auth_publickey, connect(hostkey=...),
open_session.  Against the test sshd."""

import socket
import threading

import pytest

import gossh
from gossh.ssh_exception import AuthenticationException, BadAuthenticationType, BadHostKeyException


def _known(env, key_type):
    with open(env.known_hosts) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[1] == key_type:
                return gossh.PKey.from_public_text(parts[1] + " " + parts[2])
    return None


def _run(t, command):
    chan = t.open_session(timeout=10)
    chan.exec_command(command)
    out = b""
    while True:
        data = chan.recv(4096)
        if not data:
            break
        out += data
    chan.close()
    return out.decode()


def test_start_client_then_auth_steps(env):
    t = gossh.Transport((env.host, env.port))
    try:
        event = threading.Event()
        t.start_client(event=event, timeout=10)
        assert event.is_set()
        assert t.is_active() and not t.is_authenticated()
        # The exchange starts with the first auth_* (x/crypto fixes the
        # user then); the key is known from then on.
        with pytest.raises(BadAuthenticationType) as info:
            t.auth_none(env.user)
        assert "publickey" in info.value.allowed_types
        key = t.get_remote_server_key()
        assert key.asbytes() == _known(env, key.get_name()).asbytes()
        with pytest.raises(gossh.SSHException):
            t.auth_none(env.user + "x")  # another user than the one started with
        with pytest.raises(AuthenticationException):
            t.auth_publickey(env.user, gossh.Ed25519Key.from_private_key_file(env.key("id_wrong")))
        assert t.auth_publickey(env.user, gossh.Ed25519Key.from_private_key_file(env.key("id_ed25519"))) == []
        assert t.is_authenticated()
        assert t.get_username() == env.user
        assert _run(t, "echo handbuilt") == "handbuilt\n"
        with pytest.raises(gossh.SSHException):
            t.start_client()
    finally:
        t.close()
    assert not t.is_active()


def test_connect_with_hostkey_over_a_socket(env):
    s = socket.create_connection((env.host, env.port), timeout=10)
    t = gossh.Transport(s)
    try:
        # The key the server shows first when asked for ed25519.
        right = _known(env, "ssh-ed25519")
        t.connect(hostkey=right, username=env.user,
                  pkey=gossh.Ed25519Key.from_private_key_file(env.key("id_ed25519")))
        assert t.is_authenticated()
        assert t.sock is s
        assert _run(t, "echo sock") == "sock\n"
    finally:
        t.close()
    assert s.fileno() == -1  # closed with the transport, as paramiko


def test_connect_wrong_hostkey(env):
    wrong = gossh.PKey.from_public_text(open(env.key("id_wrong.pub")).read())
    t = gossh.Transport("{}:{}".format(env.host, env.port))
    try:
        with pytest.raises(BadHostKeyException):
            t.connect(hostkey=wrong, username=env.user,
                      pkey=gossh.Ed25519Key.from_private_key_file(env.key("id_ed25519")))
    finally:
        t.close()


@pytest.mark.skipif(not __import__("os").environ.get("GOSSH_TEST_PASSWORD"), reason="password auth needs root")
def test_pysftp_pattern_password(env):
    t = gossh.Transport((env.host, env.port))
    try:
        with pytest.raises(AuthenticationException):
            t.connect(username=env.user, password="wrong")
        # A second attempt on the same transport.
        assert t.auth_password(env.user, env.password) == []
    finally:
        t.close()
    t = gossh.Transport((env.host, env.port))
    try:
        t.connect(username=env.user, password=env.password)
        assert t.is_authenticated()
    finally:
        t.close()


def test_wrong_arguments_fail_at_construction(env):
    for bad in (42, None, ("host",), ("host", "22"), ("host", 22, 1), object()):
        with pytest.raises(TypeError) as info:
            gossh.Transport(bad)
        assert "Transport" in str(info.value)
    # A closed port: paramiko connects at construction.
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    with pytest.raises(gossh.SSHException):
        gossh.Transport(("127.0.0.1", port))


def test_key_before_auth_starts_as_the_local_user(env):
    # get_remote_server_key before any auth_* starts the exchange (as the
    # local user, the only name known), as paramiko's start_client would.
    t = gossh.Transport((env.host, env.port))
    try:
        t.start_client(timeout=10)
        assert t.get_remote_server_key().get_name()
    finally:
        t.close()


def test_auth_before_start(env):
    t = gossh.Transport((env.host, env.port))
    try:
        with pytest.raises(gossh.SSHException):
            t.auth_password(env.user, "x")
    finally:
        t.close()


def test_start_client_timeout_against_a_silent_server():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(5)
    try:
        for _ in range(5):
            t = gossh.Transport(srv.getsockname())
            try:
                with pytest.raises(socket.timeout):
                    t.start_client(timeout=0.3)
                    t.auth_password("u", "p")
            finally:
                t.close()
    finally:
        srv.close()
