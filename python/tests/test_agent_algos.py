"""gossh.agent (Agent, AgentKey, AgentRequestHandler, forward_agent,
identities_only) against a real ssh-agent, and the algorithm options
(disabled_algorithms, explicit lists, compress, the ed25519 preference, the
ssh-rsa retry) against the test sshd and a second one."""

import logging
import os
import socket
import subprocess
import time

import pytest

import gossh
from gossh.agent import Agent, AgentKey, AgentRequestHandler

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def agent_sock(env, tmp_path):
    """A real ssh-agent holding id_ed25519 and id_rsa; yields its socket."""
    sock = str(tmp_path / "agent.sock")
    proc = subprocess.Popen(["ssh-agent", "-D", "-a", sock], stdout=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL)
    try:
        deadline = time.time() + 30  # a hang guard: ends once the socket exists
        while not os.path.exists(sock) and time.time() < deadline and proc.poll() is None:
            time.sleep(0.02)
        for k in ("id_ed25519", "id_rsa"):
            subprocess.run(["ssh-add", env.key(k)], env=dict(os.environ, SSH_AUTH_SOCK=sock),
                           check=True, stdin=subprocess.DEVNULL, capture_output=True)
        yield sock
    finally:
        proc.kill()
        proc.wait()


def _pub(env, name):
    with open(env.key(name + ".pub")) as f:
        return gossh.PKey.from_public_text(f.read())


def test_agent_keys_and_signing(env, agent_sock, monkeypatch):
    monkeypatch.setenv("SSH_AUTH_SOCK", agent_sock)
    agent = Agent()
    keys = agent.get_keys()
    assert isinstance(keys, tuple) and len(keys) == 2
    ed, rsa = keys
    assert isinstance(ed, AgentKey) and isinstance(ed, gossh.PKey)
    assert ed.get_name() == "ssh-ed25519" and rsa.get_name() == "ssh-rsa"
    assert ed.comment == "gossh-test"
    assert ed.asbytes() == _pub(env, "id_ed25519").asbytes()
    assert ed.get_fingerprint() == _pub(env, "id_ed25519").get_fingerprint()
    assert len(ed.get_fingerprint()) == 16
    assert ed.fingerprint.startswith("SHA256:")
    assert ed.get_bits() == 256 and rsa.get_bits() == 3072
    assert ed.algorithm_name == "ED25519" and rsa.algorithm_name == "RSA"
    assert isinstance(ed.inner_key, gossh.Ed25519Key)
    assert ed == _pub(env, "id_ed25519")
    for key, algorithm in ((ed, None), (rsa, None), (rsa, "rsa-sha2-256"), (rsa, "rsa-sha2-512")):
        sig = key.sign_ssh_data(b"data", algorithm)
        assert key.inner_key.verify_ssh_sig(b"data", sig)
        if algorithm:
            assert sig[4:4 + len(algorithm)] == algorithm.encode()
    with pytest.raises(gossh.SSHException):
        ed.sign_ssh_data(b"data", "rsa-sha2-512")
    agent.close()
    assert agent.get_keys() == ()
    # gossh's extension: another socket.
    assert len(Agent(agent_sock).get_keys()) == 2


def test_no_agent_is_no_keys(env, tmp_path, monkeypatch, agent_sock):
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    assert Agent().get_keys() == ()
    assert Agent(str(tmp_path / "none")).get_keys() == ()
    assert gossh.Agent is Agent
    assert gossh.agent.get_agent_connection() is None
    # A key whose agent went away: SSHException saying so, not a network error.
    key = Agent(agent_sock).get_keys()[0]
    key.agent._socket = str(tmp_path / "none")
    with pytest.raises(gossh.SSHException, match="agent"):
        key.sign_ssh_data(b"data")
    with pytest.raises(NotImplementedError):
        gossh.agent.AgentServerProxy(None)
    assert gossh.agent.ALGORITHM_FLAG_MAP["rsa-sha2-512"] == 4


def test_agent_key_as_pkey(env, agent_sock, monkeypatch):
    """paramiko programs (sshtunnel, Fabric) pass agent keys as pkey."""
    monkeypatch.setenv("SSH_AUTH_SOCK", agent_sock)
    ed, rsa = Agent().get_keys()
    for k in (ed, rsa):
        c = gossh.SSHClient()
        c.load_host_keys(env.known_hosts)
        try:
            c.connect(**env.connect_kwargs(pkey=k))
            _, stdout, _ = c.exec_command("echo agent")
            assert stdout.read() == b"agent\n"
        finally:
            c.close()
    t = gossh.Transport((env.host, env.port))
    try:
        t.connect(username=env.user, pkey=rsa)
        assert t.is_authenticated()
    finally:
        t.close()
    with pytest.raises(gossh.SSHException):
        ed.write_private_key_file(os.path.join(os.path.dirname(agent_sock), "out"))


def _ssh_add_l(client, forward=False):
    chan = client.get_transport().open_session()
    handler = AgentRequestHandler(chan) if forward else None
    chan.exec_command("ssh-add -l")
    out = b""
    while True:
        b = chan.recv(4096)
        if not b:
            break
        out += b
    status = chan.recv_exit_status()
    chan.close()
    return out.decode(), status, handler


def test_agent_forwarding(env, client, agent_sock, monkeypatch):
    monkeypatch.setenv("SSH_AUTH_SOCK", agent_sock)
    fp = _pub(env, "id_ed25519").fingerprint
    client.connect(**env.connect_kwargs(allow_agent=True))  # the agent's keys log in
    out, status, _ = _ssh_add_l(client)
    assert status == 2, out  # nothing forwarded
    out, status, handler = _ssh_add_l(client, forward=True)
    assert status == 0 and fp in out and handler.accepted
    handler.close()
    # OpenSSH forwards once per connection: a second request is refused
    # (logged), the forwarding stays.
    out, status, handler = _ssh_add_l(client, forward=True)
    assert status == 0 and fp in out and not handler.accepted
    client.close()

    c = gossh.SSHClient()
    c.load_host_keys(env.known_hosts)
    c.connect(**env.connect_kwargs(key_filename=env.key("id_ecdsa"), forward_agent=True))
    try:
        _, stdout, _ = c.exec_command("ssh-add -l")
        assert fp in stdout.read().decode()
        assert stdout.channel.recv_exit_status() == 0
    finally:
        c.close()


def test_identities_only(env, agent_sock, monkeypatch):
    monkeypatch.setenv("SSH_AUTH_SOCK", agent_sock)

    def connect(**kw):
        c = gossh.SSHClient()
        c.load_host_keys(env.known_hosts)
        try:
            c.connect(**env.connect_kwargs(allow_agent=True, key_filename=env.key("id_wrong"), **kw))
        finally:
            c.close()

    connect()  # the agent's keys after the wrong one
    with pytest.raises(gossh.AuthenticationException):
        connect(identities_only=True)


def _negotiated(env, **kw):
    c = gossh.SSHClient()
    c.set_missing_host_key_policy(gossh.AutoAddPolicy())
    try:
        c.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519"), **kw))
        return c.get_transport(), c.get_host_keys()
    finally:
        c.close()


def test_ed25519_preferred_for_unknown_host(env):
    t, keys = _negotiated(env)
    assert t.host_key_type == "ssh-ed25519"
    name = "[{}]:{}".format(env.host, env.port)
    assert list(keys[name].keys()) == ["ssh-ed25519"]


def test_disabled_algorithms_and_lists(env, caplog):
    t, _ = _negotiated(env, disabled_algorithms={"keys": ["ssh-ed25519"], "ciphers": ["aes128-gcm@openssh.com"]})
    assert t.host_key_type == "ecdsa-sha2-nistp256"
    assert t.local_cipher != "aes128-gcm@openssh.com"
    t, _ = _negotiated(env, ciphers=["aes256-ctr", "aes128-ctr"], macs="hmac-sha2-512", kex=["ecdh-sha2-nistp521"],
                       host_key_algorithms=["rsa-sha2-512"])
    assert (t.local_cipher, t.local_mac, t.kex_name, t.host_key_type) == (
        "aes256-ctr", "hmac-sha2-512", "ecdh-sha2-nistp521", "rsa-sha2-512")
    with caplog.at_level(logging.INFO, logger="paramiko.transport"):
        _negotiated(env, compress=True)
    assert "compression" in caplog.text
    with pytest.raises(ValueError, match="name 2 of the ciphers list") as e:
        _negotiated(env, ciphers=["aes128-ctr", "rot13"])
    assert "rot13" not in str(e.value)  # never echoed: it might be a password
    with pytest.raises(ValueError, match="category"):
        _negotiated(env, disabled_algorithms={"cipher": ["aes128-ctr"]})
    with pytest.raises(ValueError, match="ciphers"):
        _negotiated(env, disabled_algorithms={"ciphers": ["no-such-cipher"]})
    with pytest.raises(TypeError):
        _negotiated(env, disabled_algorithms=["ciphers"])
    # Names only paramiko implements may be disabled.
    _negotiated(env, disabled_algorithms={"ciphers": ["blowfish-cbc"], "keys": ["ssh-dss"]})
    # pubkeys: an ed25519 key that may not sign is not offered.
    with pytest.raises(gossh.AuthenticationException):
        _negotiated(env, disabled_algorithms={"pubkeys": ["ssh-ed25519"]})


def test_handbuilt_transport_disabled_algorithms(env):
    t = gossh.Transport((env.host, env.port), disabled_algorithms={"keys": ["ssh-ed25519", "ecdsa-sha2-nistp256"]})
    try:
        t.start_client(timeout=10)
        assert t.get_remote_server_key().get_name() == "ssh-rsa"
    finally:
        t.close()
    with pytest.raises(ValueError):
        gossh.Transport((env.host, env.port), disabled_algorithms={"nope": []})


@pytest.fixture
def rsa_only_sshd(env, tmp_path):
    """A second sshd that takes only ssh-rsa signatures; yields (port, known_hosts)."""
    kh = str(tmp_path / "known_hosts")
    for _ in range(5):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        proc = subprocess.Popen([os.path.join(ROOT, "testenv", "extra-sshd.sh"), str(port), kh,
                                 "-o", "PubkeyAcceptedAlgorithms=ssh-rsa"], stdin=subprocess.DEVNULL)
        deadline = time.time() + 60  # a hang guard: ends once it listens, or exits
        while time.time() < deadline and proc.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            proc.kill()
            proc.wait()
            continue
        try:
            yield port, kh
        finally:
            proc.kill()
            proc.wait()
        return
    pytest.fail("could not start a second sshd")


def test_rsa_key_against_ssh_rsa_only_server(env, rsa_only_sshd):
    port, kh = rsa_only_sshd

    def connect(**kw):
        c = gossh.SSHClient()
        c.load_host_keys(kh)
        try:
            c.connect(**env.connect_kwargs(port=port, key_filename=env.key("id_rsa"), **kw))
            _, stdout, _ = c.exec_command("echo ok")
            return stdout.read()
        finally:
            c.close()

    assert connect() == b"ok\n"
    with pytest.raises(gossh.AuthenticationException):
        connect(pubkey_algorithms=["rsa-sha2-512", "rsa-sha2-256"])


@pytest.fixture
def dropbear(env, tmp_path):
    """Dropbear (Debian's dropbear-bin) with only an ed25519 host key; yields
    its port. It reads only ~/.ssh/authorized_keys, so the test user logs in
    by password, which the harness sets only as root."""
    import shutil

    binary = shutil.which("dropbear") or ("/usr/sbin/dropbear" if os.path.exists("/usr/sbin/dropbear") else None)
    if binary is None or shutil.which("dropbearkey") is None:
        pytest.skip("dropbear not installed (dropbear-bin; .ci/run installs it)")
    if os.getuid() != 0 or not env.password:
        pytest.skip("dropbear logs the test user in by password: root only")
    hk = str(tmp_path / "ed25519_host_key")
    subprocess.run(["dropbearkey", "-t", "ed25519", "-f", hk], check=True, capture_output=True)
    for _ in range(5):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        proc = subprocess.Popen([binary, "-F", "-E", "-r", hk, "-P", str(tmp_path / "pid"),
                                 "-p", "127.0.0.1:{}".format(port)],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30  # a hang guard: ends once it listens, or exits
        while time.time() < deadline and proc.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            proc.kill()
            proc.wait()
            continue
        try:
            yield port
        finally:
            proc.kill()
            proc.wait()
        return
    pytest.fail("could not start dropbear")


def test_dropbear_ed25519_only(env, dropbear, tmp_path):
    kh = str(tmp_path / "known_hosts")
    kwargs = env.connect_kwargs(port=dropbear, password=env.password)
    c = gossh.SSHClient()
    c.set_missing_host_key_policy(gossh.AutoAddPolicy())
    c.load_host_keys(kh)  # a missing file: AutoAddPolicy saves here
    c.connect(**kwargs)  # 1: the handshake with an unknown host
    _, stdout, _ = c.exec_command("echo dropbear-ok")
    assert stdout.read() == b"dropbear-ok\n"  # 2: exec
    c.close()
    c = gossh.SSHClient()
    c.load_host_keys(kh)
    c.connect(**kwargs)  # 3: the recorded ed25519 key is accepted
    c.close()
    wrong = gossh.Ed25519Key.generate()
    c = gossh.SSHClient()
    c.get_host_keys().add("[127.0.0.1]:{}".format(dropbear), "ssh-ed25519", wrong)
    with pytest.raises(gossh.BadHostKeyException):  # 4: a different key is refused
        c.connect(**kwargs)
    c.close()


def test_handbuilt_transport_forwards_the_agent(env, agent_sock, monkeypatch):
    """sshtunnel's and Fabric's way: a hand-built Transport, an agent key as
    pkey, AgentRequestHandler on a session."""
    monkeypatch.setenv("SSH_AUTH_SOCK", agent_sock)
    ed = Agent().get_keys()[0]
    t = gossh.Transport((env.host, env.port))
    try:
        t.connect(username=env.user, pkey=ed)
        chan = t.open_session()
        assert AgentRequestHandler(chan).accepted
        chan.exec_command("ssh-add -l")
        out = b""
        while True:
            b = chan.recv(4096)
            if not b:
                break
            out += b
        assert ed.fingerprint in out.decode()
    finally:
        t.close()


def test_handbuilt_transport_rsa_against_ssh_rsa_only_server(env, rsa_only_sshd):
    port, _ = rsa_only_sshd
    t = gossh.Transport((env.host, port))
    try:
        t.connect(username=env.user, pkey=gossh.RSAKey.from_private_key_file(env.key("id_rsa")))
        assert t.is_authenticated()
    finally:
        t.close()
