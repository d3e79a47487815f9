"""Host-key checking and missing-host-key policies."""

import os
import warnings

import pytest

import gossh


def test_unknown_host_rejected_by_default(env):
    c = gossh.SSHClient()
    with pytest.raises(gossh.SSHException) as ei:
        c.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519")))
    assert not isinstance(ei.value, gossh.BadHostKeyException)
    assert "not found in known_hosts" in str(ei.value)
    assert c.get_transport() is None
    with pytest.raises(gossh.SSHException):
        c.exec_command("true")
    c.close()


def test_reject_policy_explicit(env):
    c = gossh.SSHClient()
    c.set_missing_host_key_policy(gossh.RejectPolicy)
    with pytest.raises(gossh.SSHException):
        c.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519")))
    c.close()


def test_auto_add_policy_saves_key(env, tmp_path):
    kh = tmp_path / "known_hosts"
    c = gossh.SSHClient()
    c.load_host_keys(str(kh))  # missing file: created on save
    c.set_missing_host_key_policy(gossh.AutoAddPolicy())
    c.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519")))
    assert c.get_transport().is_active()
    c.close()
    assert kh.exists()
    lines = [l for l in kh.read_text().splitlines() if l.strip() and not l.startswith("#")]
    assert lines, "AutoAddPolicy did not save the host key"
    assert any("[{}]:{}".format(env.host, env.port) in l for l in lines), lines

    # The saved file now lets a default (reject) client in.
    c2 = gossh.SSHClient()
    c2.load_host_keys(str(kh))
    c2.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519")))
    c2.close()


def test_auto_add_policy_class(env):
    c = gossh.SSHClient()
    c.set_missing_host_key_policy(gossh.AutoAddPolicy)  # a class, as paramiko allows
    c.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519")))
    c.close()


def test_save_host_keys(env, tmp_path):
    c = gossh.SSHClient()
    c.set_missing_host_key_policy(gossh.AutoAddPolicy())
    c.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519")))
    out = tmp_path / "saved"
    c.save_host_keys(str(out))
    c.close()
    assert "[{}]:{}".format(env.host, env.port) in out.read_text()


class Boom(Exception):
    pass


class RaisingPolicy(gossh.MissingHostKeyPolicy):
    def __init__(self):
        self.seen = []
        self.exc = Boom("no thanks")

    def missing_host_key(self, client, hostname, key):
        self.seen.append((client, hostname, key))
        raise self.exc


def test_custom_policy_exception_propagates(env):
    c = gossh.SSHClient()
    pol = RaisingPolicy()
    c.set_missing_host_key_policy(pol)
    with pytest.raises(Boom) as ei:
        c.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519")))
    assert ei.value is pol.exc
    assert c.get_transport() is None
    (client, hostname, key), = pol.seen
    assert client is c
    assert hostname == "[{}]:{}".format(env.host, env.port)
    assert isinstance(key, gossh.PKey)
    # The key handed to the policy is one of the server's known keys.
    known = open(env.known_hosts).read()
    assert key.get_base64() in known
    assert key.fingerprint.startswith("SHA256:")
    c.close()


class AcceptPolicy(gossh.MissingHostKeyPolicy):
    def __init__(self):
        self.keys = []

    def missing_host_key(self, client, hostname, key):
        self.keys.append(key)


def test_custom_policy_accepts(env):
    c = gossh.SSHClient()
    pol = AcceptPolicy()
    c.set_missing_host_key_policy(pol)
    c.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519")))
    assert len(pol.keys) == 1
    _, out, _ = c.exec_command("echo accepted")
    assert out.read() == b"accepted\n"
    c.close()


def test_warning_policy(env):
    c = gossh.SSHClient()
    c.set_missing_host_key_policy(gossh.WarningPolicy())
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        c.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519")))
    assert any("Unknown" in str(x.message) and "host key for" in str(x.message) for x in w), \
        [str(x.message) for x in w]
    assert c.get_transport().is_active()
    c.close()


def test_bad_host_key(env):
    c = gossh.SSHClient()
    c.load_host_keys(env.key("known_hosts_wrong"))
    with pytest.raises(gossh.BadHostKeyException) as ei:
        c.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519")))
    e = ei.value
    assert env.host in e.hostname
    assert isinstance(e.key, gossh.PKey) and isinstance(e.expected_key, gossh.PKey)
    assert e.key != e.expected_key
    assert e.expected_key.get_base64() in open(env.key("known_hosts_wrong")).read()
    assert e.key.get_base64() in open(env.known_hosts).read()
    assert "does not match" in str(e)
    assert c.get_transport() is None
    c.close()


def test_load_system_host_keys(env):
    c = gossh.SSHClient()
    c.load_system_host_keys(env.known_hosts)
    c.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519")))
    c.close()


def test_load_missing_system_host_keys_file(env, tmp_path):
    c = gossh.SSHClient()
    with pytest.raises(IOError):
        c.load_system_host_keys(str(tmp_path / "nope"))
    c.close()


class CountingAutoAdd(gossh.AutoAddPolicy):
    """A subclass runs through the callback; AutoAddPolicy's own
    missing_host_key asks libgossh to add the key."""

    calls = 0

    def missing_host_key(self, client, hostname, key):
        CountingAutoAdd.calls += 1
        super().missing_host_key(client, hostname, key)


def test_auto_add_subclass_adds_key(env, tmp_path):
    c = gossh.SSHClient()
    c.set_missing_host_key_policy(CountingAutoAdd())
    c.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519")))
    assert CountingAutoAdd.calls == 1
    out = tmp_path / "saved"
    c.save_host_keys(str(out))
    c.close()
    assert "[{}]:{}".format(env.host, env.port) in out.read_text()
