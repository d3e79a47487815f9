"""gossh.HostKeys (paramiko's known_hosts store) and SSHClient's host-key
surface: get_host_keys() is the live store, loads merge, policies."""

import logging
import os
import subprocess
import threading
import warnings

import pytest

import gossh


def name_of(env):
    return "[{}]:{}".format(env.host, env.port)


def server_lines(env):
    """The harness's known_hosts lines for this server (other tests may have
    added lines for other servers to the file)."""
    return [l for l in open(env.known_hosts).read().splitlines()
            if l.startswith(name_of(env) + " ")]


def server_keys(env):
    """The server's keys from the harness's known_hosts: {type: PKey}."""
    out = {}
    for line in server_lines(env):
        parts = line.split()
        out[parts[1]] = gossh.PKey.from_public_text(" ".join(parts[1:3]))
    return out


@pytest.fixture
def known_hosts(env, tmp_path):
    """A known_hosts file with only this server's lines."""
    f = tmp_path / "known_hosts_server"
    f.write_text("\n".join(server_lines(env)) + "\n")
    return str(f)


def wrong_key(env):
    parts = open(env.key("known_hosts_wrong")).read().split()
    return gossh.PKey.from_public_text(" ".join(parts[1:3]))


def test_mapping_interface(env, known_hosts):
    hk = gossh.HostKeys(known_hosts)
    name = name_of(env)
    keys = server_keys(env)
    assert len(hk) == 1 and hk.keys() == [name] and list(hk) == [name]
    assert name in hk and "nobody" not in hk
    sub = hk[name]
    assert sorted(sub.keys()) == sorted(keys)
    assert isinstance(sub["ssh-ed25519"], gossh.Ed25519Key)
    assert sub["ssh-ed25519"] == keys["ssh-ed25519"]
    assert hk.get("nobody") is None and hk.lookup("nobody") is None
    with pytest.raises(KeyError):
        hk["nobody"]
    assert hk.check(name, keys["ssh-ed25519"])
    assert not hk.check(name, wrong_key(env))
    assert not hk.check("nobody", keys["ssh-ed25519"])
    assert [h for h, _ in hk.items()] == [name] and len(hk.values()) == 1

    # add replaces the key of the same type
    hk.add(name, "ssh-ed25519", wrong_key(env))
    assert hk.check(name, wrong_key(env)) and not hk.check(name, keys["ssh-ed25519"])
    # del of one key type, then of the host
    del hk[name]["ssh-ed25519"]
    assert "ssh-ed25519" not in hk[name]
    with pytest.raises(KeyError):
        del hk[name]["ssh-ed25519"]
    hk[name]["ssh-ed25519"] = keys["ssh-ed25519"]  # item assignment on the sub-dict
    assert hk.check(name, keys["ssh-ed25519"])
    del hk[name]
    assert name not in hk and len(hk) == 0
    with pytest.raises(KeyError):
        del hk[name]
    hk["other.example"] = {"ssh-ed25519": keys["ssh-ed25519"]}
    assert hk.check("other.example", keys["ssh-ed25519"])
    hk.clear()
    assert len(hk) == 0 and hk.to_text() == ""
    with pytest.raises(ValueError):
        hk.add("x", "ssh-rsa", keys["ssh-ed25519"])


def test_hash_host_and_hashed_entries(env, tmp_path, known_hosts):
    h = gossh.HostKeys.hash_host("example.com")
    assert h.startswith("|1|")
    assert gossh.HostKeys.hash_host("example.com", h) == h
    salt = h.split("|")[2]
    assert gossh.HostKeys.hash_host("example.com", salt) == h
    with pytest.raises(ValueError):
        gossh.HostKeys.hash_host("x", "not base64!")

    # a file hashed by ssh-keygen -H: keys() are the hashes, lookups match,
    # save writes the lines back unchanged
    f = tmp_path / "kh"
    f.write_text(open(known_hosts).read())
    subprocess.run(["ssh-keygen", "-H", "-f", str(f)], check=True, capture_output=True)
    hashed = f.read_text()
    hk = gossh.HostKeys(str(f))
    assert all(k.startswith("|1|") for k in hk.keys()) and len(hk) == 3
    assert name_of(env) in hk
    assert sorted(hk[name_of(env)].keys()) == sorted(server_keys(env))
    out = tmp_path / "out"
    hk.add("new.example", "ssh-ed25519", wrong_key(env))
    hk.save(str(out))
    text = out.read_text()
    for line in hashed.splitlines():
        if line and not line.startswith("#"):
            assert line in text
    assert text.rstrip().endswith("new.example " + wrong_key(env).get_name() + " " + wrong_key(env).get_base64())
    # ssh-keygen finds our entry
    r = subprocess.run(["ssh-keygen", "-F", "new.example", "-f", str(out)], capture_output=True, text=True)
    assert "found: line" in r.stdout


def test_malformed_lines_are_skipped_and_logged(env, tmp_path, caplog, known_hosts):
    f = tmp_path / "kh"
    good = open(known_hosts).read()
    f.write_text("garbage line\n" + good + "host\tssh-ed25519 !!!\n@cert-authority *.example.com "
                 + " ".join(good.split()[1:3]) + "\n")
    with caplog.at_level(logging.WARNING):
        hk = gossh.HostKeys(str(f))
    assert len(hk) == 1 and hk.check(name_of(env), server_keys(env)["ssh-ed25519"])
    msgs = [r.getMessage() for r in caplog.records if r.name.endswith(".hostkeys")]
    assert any(str(f) + ":1:" in m for m in msgs), msgs
    assert any(str(f) + ":5:" in m for m in msgs), msgs
    assert "@cert-authority" in hk.to_text()  # markers are kept
    with pytest.raises(IOError):
        hk.load(str(tmp_path / "missing"))


def test_host_key_entry():
    e = gossh.HostKeyEntry.from_line("a,b ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIb8dPtBVvG0wkRBqV7eK6yTv7m2g/SmyQQOzq5mE2tu")
    assert e.hostnames == ["a", "b"] and e.key.get_name() == "ssh-ed25519"
    assert e.to_line().startswith("a,b ssh-ed25519 AAAA")
    assert gossh.HostKeyEntry.from_line("# comment") is None
    assert gossh.HostKeyEntry.from_line("bad line") is None


def test_get_host_keys_is_the_live_store(env):
    c = gossh.SSHClient()
    hk = c.get_host_keys()
    assert c.get_host_keys() is hk and len(hk) == 0
    with pytest.raises(gossh.SSHException):
        c.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519")))
    for t, k in server_keys(env).items():
        hk.add(name_of(env), t, k)
    c.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519")))
    c.close()
    # kept across close() and connect(), as paramiko
    assert c.get_host_keys() is hk and len(hk) == 1
    c.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519")))
    c.close()
    del hk[name_of(env)]
    with pytest.raises(gossh.SSHException):
        c.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519")))
    c.close()


def test_load_host_keys_merges_and_saves(env, tmp_path, known_hosts):
    c = gossh.SSHClient()
    c.load_host_keys(env.key("known_hosts_wrong"))
    with pytest.raises(gossh.BadHostKeyException):
        c.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519")))
    c.close()
    c.load_host_keys(known_hosts)  # new replaces old for the same host and type
    c.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519")))
    c.close()
    out = tmp_path / "saved"
    c.save_host_keys(str(out))
    assert sorted(l.split()[1] for l in out.read_text().splitlines()) == sorted(server_keys(env))


def test_system_host_keys_never_saved(env, tmp_path, monkeypatch, known_hosts):
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.ssh/known_hosts: silently ignored
    c = gossh.SSHClient()
    c.load_system_host_keys()
    c.load_system_host_keys(known_hosts)
    kh = tmp_path / "mine"
    c.load_host_keys(str(kh))
    c.set_missing_host_key_policy(gossh.AutoAddPolicy())
    c.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519")))
    c.close()
    assert len(c.get_host_keys()) == 0 and len(c._system_host_keys) == 1
    assert not kh.exists() or kh.read_text() == ""


def test_autoadd_adds_to_live_store(env, tmp_path):
    kh = tmp_path / "kh"
    c = gossh.SSHClient()
    c.load_host_keys(str(kh))
    c.set_missing_host_key_policy(gossh.AutoAddPolicy)
    c.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519")))
    c.close()
    assert name_of(env) in c.get_host_keys()
    assert gossh.HostKeys(str(kh)).keys() == [name_of(env)]


class AddingPolicy(gossh.MissingHostKeyPolicy):
    """Adds the key itself through get_host_keys(), then accepts."""

    def missing_host_key(self, client, hostname, key):
        client.get_host_keys().add(hostname, key.get_name(), key)
        assert client.get_host_keys().check(hostname, key)


def test_custom_policy_adding_to_store_does_not_deadlock(env):
    c = gossh.SSHClient()
    c.set_missing_host_key_policy(AddingPolicy())
    done = []
    t = threading.Thread(target=lambda: done.append(
        c.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519")))), daemon=True)
    t.start()
    t.join(60)  # a hang guard: connect returns at once unless it deadlocks
    assert done, "connect hung: a policy that adds to the store deadlocks"
    assert name_of(env) in c.get_host_keys()
    c.close()


def test_warning_policy_logs_type_and_fingerprint(env, caplog):
    # The warning is warnings.warn's (once, as paramiko); the log record of
    # the accepted key is at debug level (test_dropin.py).
    c = gossh.SSHClient()
    c.set_missing_host_key_policy(gossh.WarningPolicy)
    with warnings.catch_warnings(record=True) as w, caplog.at_level(logging.DEBUG):
        warnings.simplefilter("always")
        c.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519")))
    c.close()
    assert any("Unknown" in str(x.message) for x in w)
    recs = [r.getMessage() for r in caplog.records if "host key for" in r.getMessage()]
    assert recs and any(t in recs[0] for t in server_keys(env)), recs


def test_revoked_key_is_refused(env, tmp_path, known_hosts):
    f = tmp_path / "kh"
    lines = open(known_hosts).read()
    f.write_text(lines + "".join("@revoked * " + " ".join(l.split()[1:3]) + "\n"
                                 for l in lines.splitlines() if l.strip()))
    c = gossh.SSHClient()
    c.load_host_keys(str(f))
    with pytest.raises(gossh.BadHostKeyException) as ei:
        c.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519")))
    assert "revoked" in str(ei.value.message if hasattr(ei.value, "message") else ei.value)
    assert ei.value.expected_key is None and ei.value.key is not None
    c.close()
