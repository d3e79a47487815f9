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


def test_authentication_failed_in_paramikos_words(env):
    c = _client()
    try:
        with pytest.raises(gossh.AuthenticationException) as ei:
            c.connect(**env.connect_kwargs(key_filename=env.key("id_wrong")))
        assert type(ei.value) is gossh.AuthenticationException
        assert str(ei.value) == "Authentication failed."
        assert "publickey" in ei.value.detail  # the library's words, with the allowed methods
        with pytest.raises(gossh.SSHException) as ei:
            c.connect(**env.connect_kwargs())
        assert str(ei.value) == "No authentication methods available"
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


# -- SSHClient subclasses overriding _auth; auth_strategy ---------------------------


def test_subclass_overriding_auth_is_called_with_paramikos_arguments(env):
    seen = []

    class KeyOnly(gossh.SSHClient):
        def _auth(self, username, password, pkey, key_filenames, allow_agent, look_for_keys,
                  gss_auth, gss_kex, gss_deleg_creds, gss_host, passphrase):
            seen.append((username, password, key_filenames, allow_agent, look_for_keys, gss_auth,
                         passphrase))
            t = self._transport
            assert t.is_active() and not t.is_authenticated()
            assert t.get_remote_server_key() is not None
            assert t.auth_publickey(username, gossh.PKey.from_path(key_filenames[0])) == []

    for _ in range(10):
        c = KeyOnly()
        c.load_host_keys(env.known_hosts)
        c.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519"), password="pw"))
        _, out, _ = c.exec_command("echo authed-by-override")
        assert out.read() == b"authed-by-override\n"
        assert c.get_transport().is_authenticated()
        c.close()
    assert seen[0] == (env.user, "pw", [env.key("id_ed25519")], False, False, False, None)


def test_netmiko_style_noauth_subclass(env):
    # netmiko's SSHClient_noauth: auth_none only.  The test sshd wants a
    # key, so the server's answer (BadAuthenticationType) comes through and
    # the client is closed.
    class NoAuth(gossh.SSHClient):
        def _auth(self, username, *args):
            self._transport.auth_none(username)

    c = NoAuth()
    c.load_host_keys(env.known_hosts)
    with pytest.raises(gossh.BadAuthenticationType) as ei:
        c.connect(**env.connect_kwargs())
    assert "publickey" in ei.value.allowed_types
    assert c.get_transport() is None


def test_subclass_calling_super_auth(env):
    class Logged(gossh.SSHClient):
        calls = 0

        def _auth(self, *args):
            Logged.calls += 1
            return super()._auth(*args)

    c = Logged()
    c.load_host_keys(env.known_hosts)
    c.connect(**env.connect_kwargs(key_filename=[env.key("id_wrong"), env.key("id_ed25519")]))
    assert Logged.calls == 1 and c.get_transport().is_authenticated()
    c.close()
    c = Logged()
    c.load_host_keys(env.known_hosts)
    with pytest.raises(gossh.AuthenticationException):
        c.connect(**env.connect_kwargs(key_filename=env.key("id_wrong")))


def test_auth_strategy(env):
    from gossh.auth_strategy import (AuthFailure, AuthResult, AuthStrategy, InMemoryPrivateKey,
                                     NoneAuth, OnDiskPrivateKey, Password)

    wrong = gossh.PKey.from_path(env.key("id_wrong"))
    good = gossh.PKey.from_path(env.key("id_ed25519"))

    class Strategy(AuthStrategy):
        def __init__(self, sources):
            super().__init__(ssh_config=None)
            self.sources = sources

        def get_sources(self):
            return iter(self.sources)

    u = env.user
    asked = []
    ok = Strategy([NoneAuth(u), Password(u, lambda: asked.append(1) or "wrong-pw"),
                   InMemoryPrivateKey(u, wrong),
                   OnDiskPrivateKey(u, "python-config", env.key("id_ed25519"), good)])
    c = gossh.SSHClient()
    c.load_host_keys(env.known_hosts)
    c.connect(env.host, port=env.port, username=u, auth_strategy=ok, timeout=10)
    _, out, _ = c.exec_command("echo strategy")
    assert out.read() == b"strategy\n"
    c.close()
    assert asked == [1]  # the password is asked for only when tried

    bad = Strategy([NoneAuth(u), InMemoryPrivateKey(u, wrong)])
    c = gossh.SSHClient()
    c.load_host_keys(env.known_hosts)
    with pytest.raises(AuthFailure) as ei:
        c.connect(env.host, port=env.port, username=u, auth_strategy=bad, timeout=10)
    result = ei.value.result
    assert isinstance(result, AuthResult) and result.strategy is bad
    assert [type(r.result) for r in result] == [gossh.BadAuthenticationType,
                                                 gossh.AuthenticationException]
    assert isinstance(ei.value, gossh.AuthenticationException)
    assert "InMemoryPrivateKey" in str(ei.value)


def test_gss_arguments_accepted_when_false(env, connected):
    t = connected.get_transport()
    assert t.gss_kex_used is False and t.server_mode is False
    c = gossh.SSHClient()
    c.load_host_keys(env.known_hosts)
    c.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519"), gss_auth=False,
                                   gss_kex=False, gss_deleg_creds=True, gss_host=None,
                                   gss_trust_dns=True))
    c.close()
    with pytest.raises(NotImplementedError, match="GSS"):
        gossh.SSHClient().connect("127.0.0.1", gss_auth=True)
