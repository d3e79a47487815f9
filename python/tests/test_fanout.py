"""gossh.ParallelSSHClient (fan-out, issue 13) against the real sshd: many
hosts as names for the same 127.0.0.1:port, next to a port where nothing
listens, a wrong key and an unknown host key."""

import os
import socket
import threading

import pytest

import gossh
from gossh.fanout import HostConfig, ParallelSSHClient
from gossh.ssh_exception import (AuthenticationException, NoValidConnectionsError,
                                 SSHException)

from conftest import HANG_GUARD


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def make(env, n, configs=None, **kw):
    args = dict(user=env.user, port=env.port, pkey=env.key("id_ed25519"), allow_agent=False,
                known_hosts=env.known_hosts, timeout=HANG_GUARD, pool_size=10)
    args.update(kw)
    return ParallelSSHClient([env.host] * n, host_config=configs, **args)


def test_run_command_on_many_hosts_with_host_args_and_reuse(env):
    n = 30
    with make(env, n) as client:
        for rnd in range(2):
            out = client.run_command("echo hello %s; echo err >&2; exit %d",
                                     host_args=[("h%d" % i, i % 4) for i in range(n)])
            client.join(out, timeout=HANG_GUARD)
            assert len(out) == n
            for i, o in enumerate(out):
                assert o.host == env.host and o.exception is None
                assert list(o.stdout) == ["hello h%d" % i]
                assert list(o.stderr) == ["err"]
                assert o.exit_code == i % 4
                assert o.reused is (rnd == 1)


def test_mixed_hosts_collect_all(env):
    refused = free_port()
    kinds = ["good", "badkey", "refused", "good"] * 10
    configs = []
    for k in kinds:
        if k == "badkey":
            configs.append(HostConfig(private_key=env.key("id_wrong"), password="wrong"))
        elif k == "refused":
            configs.append(HostConfig(port=refused))
        else:
            configs.append(HostConfig())
    with make(env, len(kinds), configs) as client:
        for _ in range(3):
            out = client.run_command("echo ok", stop_on_errors=False)
            client.join(out, timeout=HANG_GUARD)
            for k, o in zip(kinds, out):
                if k == "good":
                    assert o.exception is None and o.exit_code == 0 and list(o.stdout) == ["ok"]
                elif k == "badkey":
                    assert isinstance(o.exception, AuthenticationException), o.exception
                    assert o.exit_code is None
                else:
                    assert isinstance(o.exception, NoValidConnectionsError), o.exception


def test_unknown_host_key_is_rejected_per_host(env, tmp_path):
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    with make(env, 5, known_hosts=empty) as client:
        out = client.run_command("echo never", stop_on_errors=False)
        client.join(out, timeout=HANG_GUARD)
        for o in out:
            assert isinstance(o.exception, SSHException)
            assert "not found in known_hosts" in str(o.exception)
            assert list(o.stdout) == []
        # the default: the first error is raised, the rest not started
        with pytest.raises(SSHException, match="not found in known_hosts"):
            client.run_command("echo never")


def test_python_policies_decide_per_host(env, tmp_path):
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    seen = []

    class Only(gossh.MissingHostKeyPolicy):
        def missing_host_key(self, client, hostname, key):
            seen.append((hostname, key.get_name()))
            if len(seen) % 2 == 0:
                raise SSHException("not this one")

    with make(env, 6, known_hosts=empty, missing_host_key_policy=Only(), pool_size=1) as client:
        out = client.run_command("echo yes", stop_on_errors=False)
        client.join(out, timeout=HANG_GUARD)
        accepted = [o for o in out if o.exception is None]
        assert len(seen) == 6 and len(accepted) == 3
        assert all(list(o.stdout) == ["yes"] for o in accepted)
        assert all("not found in known_hosts" in str(o.exception) for o in out if o not in accepted)
    with make(env, 2, known_hosts=empty, missing_host_key_policy=gossh.WarningPolicy) as client:
        with pytest.warns(UserWarning, match="Unknown"):
            out = client.run_command("echo warned")
        assert [list(o.stdout) for o in out] == [["warned"], ["warned"]]
    with pytest.raises(TypeError):
        make(env, 1, missing_host_key_policy=object())


def test_stop_on_errors_raises_the_failing_hosts_error(env):
    configs = [HostConfig(), HostConfig(port=free_port())] + [HostConfig()] * 10
    with make(env, len(configs), configs, pool_size=1) as client:
        with pytest.raises(NoValidConnectionsError):
            client.run_command("true")
        out = client._outputs
        assert out[0].exception is None and out[0].exit_code == 0
        for o in out[2:]:
            assert isinstance(o.exception, SSHException) and "not run" in str(o.exception)


def test_output_streams_while_the_command_runs(env):
    with make(env, 3) as client:
        out = client.run_command("echo first; read x; echo never", stop_on_errors=False)
        got = []
        t = threading.Thread(target=lambda: got.extend(next(o.stdout) for o in out))
        t.start()
        t.join(HANG_GUARD)
        # The first line arrived while each command still waits on stdin.
        assert got == ["first"] * 3
        assert all(o.exit_code is None for o in out)
        client.cancel()
        client.join(out, timeout=HANG_GUARD)
        for o in out:
            assert isinstance(o.exception, SSHException) and "cancel" in str(o.exception)


def test_readers_of_every_host_at_once_share_one_run(env):
    # One run's hosts share one condition for their streams and completion:
    # a reader per stream, all waiting at once while the commands run, must
    # each be woken for their own host's line (a wake meant for one reader
    # taken by another would leave it waiting), and a join at the end.
    # Repeated.
    n = 12
    with make(env, n, pool_size=n) as client:
        for _ in range(5):
            out = client.run_command("sleep 0.2; echo out%s; echo err%s >&2; read x",
                                     host_args=[(i, i) for i in range(n)], stop_on_errors=False)
            got = {}
            readers = [threading.Thread(target=lambda k=k, i=i, it=it: got.__setitem__((k, i), next(it)))
                       for i, o in enumerate(out) for k, it in (("out", o.stdout), ("err", o.stderr))]
            for t in readers:
                t.start()
            for t in readers:
                t.join(HANG_GUARD)
                assert not t.is_alive()
            assert got == {(k, i): "%s%d" % (k, i) for i in range(n) for k in ("out", "err")}
            assert not any(o._done() for o in out)  # the commands still wait on stdin
            client.cancel()
            client.join(out, timeout=HANG_GUARD)
            assert all(isinstance(o.exception, SSHException) for o in out)


def test_command_timeout(env):
    with make(env, 2) as client:
        out = client.run_command("echo started; exec sleep 60", stop_on_errors=False, timeout=0.5)
        client.join(out, timeout=HANG_GUARD)
        for o in out:
            assert isinstance(o.exception, gossh.ssh_exception.SSHException)
            assert getattr(o.exception, "stage", None) == "command"
            assert list(o.stdout) == ["started"]


def test_keys_per_host_as_objects_and_text(env):
    """Hosts whose keys are PKey objects and key text, changing from host to
    host (the options base the hosts share is rebuilt when the keys change):
    each host authenticates, or not, with its own key."""
    good = gossh.Ed25519Key.from_private_key_file(env.key("id_ed25519"))
    with open(env.key("id_ed25519"), "rb") as f:
        good_text = f.read()
    wrong = gossh.PKey.from_private_key_file(env.key("id_wrong"))
    keys = [good, good, good_text, good_text, wrong, good, wrong, wrong, good_text]
    configs = [HostConfig(private_key=k) for k in keys]
    with make(env, len(keys), configs, pkey=None, look_for_keys=False) as client:
        out = client.run_command("echo ok", stop_on_errors=False)
        client.join(out, timeout=HANG_GUARD)
        for k, o in zip(keys, out):
            if k is wrong:
                assert isinstance(o.exception, AuthenticationException), o.exception
            else:
                assert o.exception is None and o.exit_code == 0 and list(o.stdout) == ["ok"]


def test_a_hosts_exception_is_what_connect_raises(env, tmp_path):
    """The exception a failed host's output carries (built from the error in
    its gossh_group_result_info) is the one SSHClient.connect raises for the
    same failure: class, message and the details paramiko's exceptions
    hold."""
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    refused = free_port()
    cases = [
        (dict(port=refused), env.known_hosts),
        ({}, str(empty)),
        (dict(key_filename=env.key("id_wrong"), password="wrong"), env.known_hosts),
    ]
    for kw, known_hosts in cases:
        hc = HostConfig(port=kw.get("port"), password=kw.get("password"),
                        private_key=kw.get("key_filename"))
        with make(env, 1, [hc], known_hosts=known_hosts) as client:
            out = client.run_command("true", stop_on_errors=False)
            client.join(out, timeout=HANG_GUARD)
            got = out[0].exception
        c = gossh.SSHClient()
        c.load_host_keys(known_hosts)
        with pytest.raises(Exception) as want:
            c.connect(**env.connect_kwargs(**dict(dict(key_filename=env.key("id_ed25519")), **kw)))
        c.close()
        assert type(got) is type(want.value), (got, want.value)
        assert str(got) == str(want.value) or isinstance(got, NoValidConnectionsError)
        assert getattr(got, "gossh_code", None) == getattr(want.value, "gossh_code", None)
        for attr in ("hostname", "allowed_types", "detail"):
            assert getattr(got, attr, None) == getattr(want.value, attr, None), attr
        # NoValidConnectionsError: the same addresses
        assert sorted(getattr(got, "errors", {})) == sorted(getattr(want.value, "errors", {}))


def test_a_refused_option_names_itself(env):
    with pytest.raises(ValueError) as e:  # GOSSH_E_INVALID, as gossh_options_set's
        make(env, 3, [HostConfig(), HostConfig(port=70000), HostConfig()])
    assert "port" in str(e.value)


def test_bad_input(env):
    with pytest.raises(ValueError):
        ParallelSSHClient(["a", "b"], host_config=[HostConfig()])
    with pytest.raises(ValueError):
        ParallelSSHClient([env.host], pool_size=0)
    with make(env, 2) as client:
        with pytest.raises(ValueError):
            client.run_command("echo %s", host_args=[("x",)])
    client.close()
    client.close()
    with pytest.raises(SSHException):
        client.run_command("true")


def test_copy_file_and_copy_remote_file(env, tmp_path):
    src = tmp_path / "src%h"  # a % in a local path stays as it is
    data = bytes(range(256)) * 1000 + b"tail"
    src.write_bytes(data)
    remote = "gossh-fanout-py-%d" % os.getpid()
    with make(env, 1) as one:  # one host: the same path on one server from many would race
        out = one.copy_file(str(src), remote)
        assert out[0].exception is None and out[0].transferred == len(data)
    hosts = 6
    configs = [HostConfig(alias="a%d" % i) for i in range(hosts)]
    with make(env, hosts, configs) as client:
        # every host writes its own local file: local_file + "_" + alias
        out = client.copy_remote_file(remote, str(tmp_path / "got"), stop_on_errors=False)
        assert all(o.exception is None for o in out), [o.exception for o in out]
        for i in range(hosts):
            assert (tmp_path / ("got_a%d" % i)).read_bytes() == data
        out = client.copy_remote_file(remote + "-missing", str(tmp_path / "none"),
                                      stop_on_errors=False)
        assert all(isinstance(o.exception, IOError) for o in out), [o.exception for o in out]
        client.run_command("rm -f " + remote)
    with make(env, 2) as dup:  # two hosts of one name would write one local file
        with pytest.raises(ValueError, match="same local file"):
            dup.copy_remote_file(remote, str(tmp_path / "dup"))
