"""Behaviour that paramiko programs rely on (issue 11): exact exception
types and messages, env requests without a reply, logging levels, SSHClient
subclasses overriding _auth, attributes paramiko's tests read."""

import logging
import socket
import threading

import pytest

import gossh
from conftest import HANG_GUARD, run_with_deadline


def _client():
    c = gossh.SSHClient()
    c.set_missing_host_key_policy(gossh.AutoAddPolicy())
    return c


# -- exceptions ---------------------------------------------------------------


@pytest.mark.parametrize("with_key", [False, True])
def test_password_to_publickey_only_server_is_bad_auth_type(env, sshd_variant, with_key):
    port = sshd_variant({"PasswordAuthentication": "no", "KbdInteractiveAuthentication": "no"})
    kw = env.connect_kwargs(port=port, password="not-used")
    if with_key:
        kw["key_filename"] = env.key("id_wrong")
    c = _client()
    try:
        with pytest.raises(gossh.BadAuthenticationType) as ei:
            c.connect(**kw)
        assert ei.value.allowed_types == ["publickey"]
        assert str(ei.value) == "Bad authentication type; allowed types: ['publickey']"
        assert isinstance(ei.value, gossh.AuthenticationException)
    finally:
        c.close()


class BannerThenSilence:
    """Sends an SSH banner, then says nothing more."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            conn.sendall(b"SSH-2.0-Silent\r\n")

    def close(self):
        self.sock.close()
        for c in self.conns:
            c.close()


def test_auth_timeout_is_authentication_exception():
    srv = BannerThenSilence()
    c = _client()
    try:
        with pytest.raises(gossh.AuthenticationException) as ei:
            run_with_deadline(lambda: c.connect("127.0.0.1", port=srv.port, username="x",
                                                password="y", allow_agent=False,
                                                look_for_keys=False, auth_timeout=1),
                              HANG_GUARD)
        e = ei.value
        assert str(e) == "Authentication timeout."
        # gossh's timeout type too: socket.timeout handlers keep working.
        assert isinstance(e, socket.timeout) and isinstance(e, gossh.SSHTimeout)
        assert e.stage == "auth"
    finally:
        c.close()
        srv.close()


# -- env requests ask no reply ------------------------------------------------


def test_environment_refused_by_server_does_not_raise(env, sshd_variant, caplog):
    port = sshd_variant({"AcceptEnv": None})  # OpenSSH's default: accepts none
    caplog.set_level(logging.DEBUG, logger="paramiko.channel")
    c = _client()
    c.connect(**env.connect_kwargs(port=port, key_filename=env.key("id_ed25519")))
    try:
        for i in range(20):
            _, out, _ = c.exec_command('echo "[$GOSSH_REFUSED]"',
                                       environment={"GOSSH_REFUSED": "x", "A_%d" % i: "y"})
            assert out.read() == b"[]\n"
            assert out.channel.recv_exit_status() == 0
        chan = c.get_transport().open_session()
        chan.set_environment_variable("GOSSH_REFUSED", "x")
        chan.update_environment({"OTHER": "1"})
        chan.exec_command("echo ok")
        assert chan.makefile("rb").read() == b"ok\n"
        assert any(r.levelno == logging.DEBUG and "sent env GOSSH_REFUSED" in r.getMessage()
                   for r in caplog.records)
    finally:
        c.close()


def test_environment_accepted_still_arrives(connected):
    _, out, _ = connected.exec_command('echo "$GOSSH_OK"', environment={"GOSSH_OK": "yes"})
    assert out.read() == b"yes\n"


# -- channel files --------------------------------------------------------------


def test_makefile_wb_writes_through_sendall_on_a_shell(connected):
    chan = connected.invoke_shell()
    stdin = chan.makefile("wb")
    stdout = chan.makefile("rb")
    stdin.write(b"echo shell-$((40+2))\n")
    stdin.write("exit\n")  # str as UTF-8, as paramiko's BufferedFile
    stdin.flush()
    out = stdout.read()
    assert b"shell-42" in out
    with pytest.raises(IOError, match="not open for writing"):
        chan.makefile("r").write(b"x")


def test_channel_file_reads_through_public_recv(connected):
    class Wrapped:
        """A channel-like object (as programs wrap channels)."""

        def __init__(self, chan):
            self.chan = chan
            self.calls = 0

        def recv(self, n):
            self.calls += 1
            return self.chan.recv(n)

        def recv_stderr(self, n):
            return self.chan.recv_stderr(n)

    _, out, _ = connected.exec_command("printf 'a\\nb\\n'; printf err >&2")
    w = Wrapped(out.channel)
    f = gossh.ChannelFile(w, "r")
    assert f.readline() == "a\n" and f.read() == b"b\n" and w.calls >= 1
    assert gossh.ChannelStderrFile(w, "rb").read() == b"err"


# -- HostKeys as paramiko's mapping ---------------------------------------------


def test_hostkeys_empty_entry_then_add(env):
    key = gossh.PKey.from_path(env.key("id_ed25519"))
    pub = gossh.PKey.from_type_string(key.get_name(), key.asbytes())
    hk = gossh.HostKeys()
    hk["secure.example.com"] = {"ssh-ed25519": pub}
    hk["fake.example.com"] = {}
    assert "fake.example.com" in hk and len(hk) == 2
    assert len(hk["fake.example.com"]) == 0
    hk["fake.example.com"]["ssh-ed25519"] = pub
    assert len(hk) == 2
    assert [len(v) for v in hk.values()] == [1, 1]
    assert hk["fake.example.com"]["ssh-ed25519"] == pub
    hk["other"] = {}
    del hk["other"]
    assert "other" not in hk and len(hk) == 2


# -- logging levels as paramiko's --------------------------------------------------


class AcceptAll(gossh.MissingHostKeyPolicy):
    def missing_host_key(self, client, hostname, key):
        pass


@pytest.mark.parametrize("policy", [AcceptAll, gossh.WarningPolicy, gossh.AutoAddPolicy])
def test_accepted_host_key_is_no_warning(env, caplog, policy):
    import warnings

    caplog.set_level(logging.DEBUG, logger="paramiko")
    c = gossh.SSHClient()  # no known hosts: the policy decides
    c.set_missing_host_key_policy(policy())
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        c.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519")))
        c.close()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    ours = [x for x in w if "host key" in str(x.message)]
    if policy is gossh.WarningPolicy:
        assert len(ours) == 1 and str(ours[0].message).startswith("Unknown ")
    else:
        assert ours == []
    assert any(r.levelno == logging.DEBUG and "host key for" in r.getMessage()
               for r in caplog.records)
