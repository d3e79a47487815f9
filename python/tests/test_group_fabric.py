"""gossh.ThreadingGroup (Fabric's group API, issue 13) against the real sshd:
good hosts as many names for the same 127.0.0.1:port, next to a command
that exits 1, a port where nothing listens and an unknown host key."""

import os
import socket
import tempfile
import threading

import pytest

import gossh
from gossh.group import (CommandTimedOut, GroupException, GroupResult, Host, Result,
                         ThreadingGroup, UnexpectedExit, derive_shorthand)
from gossh.ssh_exception import NoValidConnectionsError, SSHException

from conftest import HANG_GUARD


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def group(env, hosts, known_hosts=None, **kw):
    args = dict(connect_kwargs=dict(key_filename=env.key("id_ed25519"), allow_agent=False,
                                    look_for_keys=False),
                known_hosts=known_hosts or env.known_hosts, connect_timeout=HANG_GUARD,
                pool_size=8)
    args.update(kw)
    return ThreadingGroup(*hosts, **args)


def good(env, n):
    return ["%s@%s:%d" % (env.user, env.host, env.port)] * n


def test_run_on_good_hosts_returns_group_result(env):
    hosts = good(env, 12)
    with group(env, hosts) as g:
        assert len(g) == 12 and all(isinstance(m, Host) for m in g)
        assert g[0].host == env.host and g[0].port == env.port and g[0].user == env.user
        for _ in range(3):  # connections are kept and reused
            res = g.run("echo out; echo err >&2", hide=True)
            assert isinstance(res, GroupResult) and list(res) == list(g)
            assert res.failed == {} and len(res.succeeded) == 12
            for m, r in res.items():
                assert isinstance(r, Result) and r.connection is m and r.host is m
                assert r.stdout == "out\n" and r.stderr == "err\n"
                assert r.exited == r.return_code == 0 and r.ok and not r.failed and r
                assert r.command == "echo out; echo err >&2"


@pytest.fixture
def mixed(env, tmp_path, sshd_variant):
    """(kinds, host strings, known_hosts) for a mix of hosts: "good" (the
    harness's sshd), "exit1" (a second sshd whose sessions have
    GOSSH_EXIT=1, by SetEnv, so that one command exits 1 there only),
    "refused" (a port where nothing listens) and "unknown" (a third sshd
    whose port known_hosts does not list)."""
    exit1 = sshd_variant({"SetEnv": "GOSSH_EXIT=1"})
    unknown = sshd_variant({})
    refused = free_port()
    known = tmp_path / "known_hosts"
    lines = open(env.known_hosts).read().splitlines()
    prefix = "[%s]:%d " % (env.host, env.port)
    extra = ["[%s]:%d %s" % (env.host, exit1, l[len(prefix):]) for l in lines if l.startswith(prefix)]
    assert extra, "the harness's known_hosts has no line for its sshd"
    known.write_text("\n".join(lines + extra) + "\n")
    ports = {"good": env.port, "exit1": exit1, "refused": refused, "unknown": unknown}
    kinds = ["good", "exit1", "refused", "unknown", "good"] * 5
    hosts = ["%s@%s:%d" % (env.user, env.host, ports[k]) for k in kinds]
    return kinds, hosts, known


CMD = "echo ran; exit ${GOSSH_EXIT:-0}"


def check_value(m, k, v, warn=False):
    if k == "good" or (k == "exit1" and warn):
        assert isinstance(v, Result) and v.stdout == "ran\n" and v.connection is m, v
        assert v.exited == (1 if k == "exit1" else 0)
    elif k == "exit1":
        assert isinstance(v, UnexpectedExit) and v.result.exited == 1, v
        assert v.result.stdout == "ran\n" and v.result.connection is m
        assert "Exit code: 1" in str(v) and CMD in str(v)
    elif k == "refused":
        assert isinstance(v, NoValidConnectionsError), v
    else:
        assert isinstance(v, SSHException) and not isinstance(v, NoValidConnectionsError), v
        assert "not found in known_hosts" in str(v)


def test_mixed_hosts_raise_group_exception_with_every_result(env, mixed):
    kinds, hosts, known = mixed
    with group(env, hosts, known_hosts=known) as g:
        for _ in range(3):
            with pytest.raises(GroupException) as ei:
                g.run(CMD, hide=True)
            res = ei.value.result
            assert isinstance(res, GroupResult) and list(res) == list(g)
            for m, k in zip(g, kinds):
                check_value(m, k, res[m])
            assert set(res.succeeded) == {m for m, k in zip(g, kinds) if k == "good"}
            assert set(res.failed) == {m for m, k in zip(g, kinds) if k != "good"}
            assert "15 of 25 hosts failed" in str(ei.value)


def test_warn_makes_exit_status_a_result_but_not_a_failed_connect(env, mixed):
    kinds, hosts, known = mixed
    with group(env, hosts, known_hosts=known) as g:
        with pytest.raises(GroupException) as ei:
            g.run(CMD, hide=True, warn=True)
        res = ei.value.result
        for m, k in zip(g, kinds):
            check_value(m, k, res[m], warn=True)
        assert len(res.succeeded) == 15 and len(res.failed) == 10
        exited = sorted(r.exited for r in res.succeeded.values())
        assert exited == [0] * 10 + [1] * 5
        assert not any(r for r in res.succeeded.values() if r.exited == 1)  # falsy: not ok
    only_good = [h for h, k in zip(hosts, kinds) if k in ("good", "exit1")]
    with group(env, only_good, known_hosts=known) as g:
        res = g.run(CMD, hide=True, warn=True)  # nothing raised: every host ran
        assert len(res.succeeded) == len(only_good) and res.failed == {}


def gate_dir():
    """A directory the sshd's user can write and the test can read (the
    harness's directory is 755; pytest's tmp_path is not reachable)."""
    d = tempfile.mkdtemp(prefix="gate-", dir=os.environ["GOSSH_TEST_DIR"])
    os.chmod(d, 0o777)
    return d


def gated(d):
    """A command that makes a token file in d, waits until the test creates
    token.go (at most ~30 s, so that nothing outlives the test), and prints
    the token: the test decides when each host finishes."""
    return ('t=$(mktemp %s/XXXXXX) || exit 3; i=0; '
            'while [ ! -e "$t.go" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done; '
            'echo "$t"' % d)


def wait_tokens(d, n):
    import time
    for _ in range(HANG_GUARD * 20):
        names = [f for f in os.listdir(d) if not f.endswith(".go")]
        if len(names) >= n:
            return sorted(os.path.join(d, f) for f in names)
        time.sleep(0.05)
    pytest.fail("the hosts' commands did not start")


def test_run_iter_yields_each_host_as_it_finishes(env):
    n = 6
    with group(env, good(env, n), pool_size=n) as g:
        for rnd in range(3):
            d = gate_dir()
            it = g.run_iter(gated(d), hide=True)
            tokens = wait_tokens(d, n)
            order = tokens[::-1] if rnd % 2 else tokens[1::2] + tokens[0::2]
            got = []
            for t in order:
                # only this host may finish now: the next value must be its
                open(t + ".go", "w").close()
                m, v = next(it)
                assert isinstance(v, Result) and v.ok, v
                assert v.stdout == t + "\n" and v.connection is m
                got.append(m)
            assert sorted(got, key=lambda m: m.index) == list(g)
            with pytest.raises(StopIteration):
                next(it)


def test_stopping_run_iter_early_cancels_the_rest(env):
    n = 5
    with group(env, good(env, n), pool_size=n) as g:
        for _ in range(20):
            d = gate_dir()
            it = g.run_iter(gated(d), hide=True)
            first = wait_tokens(d, n)[0]
            open(first + ".go", "w").close()
            m, v = next(it)
            assert isinstance(v, Result) and v.stdout == first + "\n"
            it.close()  # the other hosts are cancelled and the run ends
            res = g.run("echo again", hide=True)
            assert [r.stdout for r in res.values()] == ["again\n"] * n
            for t in wait_tokens(d, n):
                open(t + ".go", "w").close()  # let any cancelled command end now


def test_one_run_at_a_time_and_a_replaced_iterator_says_so(env):
    n = 3
    with group(env, good(env, n), pool_size=n) as g:
        for _ in range(5):
            d = gate_dir()
            it = g.run_iter(gated(d), hide=True)
            tokens = wait_tokens(d, n)
            with pytest.raises(SSHException, match="still running"):
                g.run("true", hide=True)
            for t in tokens:
                open(t + ".go", "w").close()
            # the run ends untaken; a new run replaces it and the old
            # iterator, never started, reports that instead of handing out
            # the new run's values as its own
            res = _run_when_ended(g)
            assert len(res.succeeded) == n
            with pytest.raises(SSHException, match="replaced"):
                next(it)


def _run_when_ended(g):
    """g.run once the previous run has ended by itself (a bounded poll)."""
    import time
    for _ in range(HANG_GUARD * 20):
        try:
            return g.run("echo next", hide=True)
        except SSHException as e:
            if "still running" not in str(e):
                raise
        time.sleep(0.05)
    pytest.fail("the previous run did not end")


def test_cancel_ends_every_running_host(env):
    n = 4
    with group(env, good(env, n), pool_size=n) as g:
        d = gate_dir()
        it = g.run_iter(gated(d), hide=True)
        wait_tokens(d, n)
        g.cancel()
        values = [v for _, v in it]
        assert len(values) == n
        assert all(isinstance(v, SSHException) and "cancel" in str(v) for v in values), values
        for t in wait_tokens(d, n):
            open(t + ".go", "w").close()


def test_close_from_another_thread_ends_the_iteration(env):
    n = 3
    for _ in range(10):
        g = group(env, good(env, n), pool_size=n)
        d = gate_dir()
        it = g.run_iter(gated(d), hide=True)
        wait_tokens(d, n)
        closer = threading.Thread(target=g.close)
        closer.start()
        values = []
        try:
            for _, v in it:
                values.append(v)
        except SSHException as e:  # the handle went away under the loop
            values.append(e)
        closer.join(HANG_GUARD)
        assert not closer.is_alive()
        assert values and all(isinstance(v, SSHException) for v in values), values
        for t in wait_tokens(d, n):
            open(t + ".go", "w").close()
        with pytest.raises(SSHException):
            g.run("true")


def test_output_is_shown_unless_hidden(env, capsys):
    with group(env, good(env, 3)) as g:
        g.run("echo out; echo err >&2; printf 'no newline'")
        cap = capsys.readouterr()
        assert sorted(cap.out.splitlines()) == sorted(["out", "no newline"] * 3)
        assert cap.err.splitlines() == ["err"] * 3
        g.run("echo out; echo err >&2", hide="out")
        cap = capsys.readouterr()
        assert cap.out == "" and cap.err == "err\n" * 3
        g.run("echo out; echo err >&2", hide="stderr", echo=True)
        cap = capsys.readouterr()
        assert cap.out.splitlines() == ["echo out; echo err >&2"] + ["out"] * 3
        assert cap.err == ""
        res = g.run("echo out; echo err >&2", hide=True)
        cap = capsys.readouterr()
        assert cap.out == cap.err == ""
        assert all(r.stdout == "out\n" and r.hide == ("stdout", "stderr") for r in res.values())


def test_env_pty_signal_and_command_timeout(env):
    with group(env, good(env, 2)) as g:
        res = g.run('echo "$GOSSH_X"', env={"GOSSH_X": "y z"}, hide=True)
        assert [r.stdout for r in res.values()] == ["y z\n"] * 2
        res = g.run("tty >/dev/null && echo tty", pty=True, hide=True)
        assert [r.stdout.strip() for r in res.values()] == ["tty"] * 2
        res = g.run("echo dying; kill -TERM $$", hide=True, warn=True)
        for r in res.values():
            assert r.signal == "TERM" and r.exited == -1 and not r.ok and r.stdout == "dying\n"
        with pytest.raises(GroupException) as ei:
            g.run("kill -TERM $$", hide=True)
        assert all(isinstance(v, UnexpectedExit) and "signal: TERM" in str(v)
                   for v in ei.value.result.values())
        with pytest.raises(GroupException) as ei:
            g.run("echo started; exec sleep 60", timeout=0.5, hide=True)
        for m, v in ei.value.result.items():
            assert isinstance(v, CommandTimedOut) and v.timeout == 0.5, v
            assert v.result.stdout == "started\n" and v.result.connection is m


def test_unknown_hosts_under_policies(env, tmp_path):
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    with group(env, good(env, 3), known_hosts=empty) as g:
        with pytest.raises(GroupException) as ei:
            g.run("echo never", hide=True)
        assert len(ei.value.result.failed) == 3
    with group(env, good(env, 2), known_hosts=empty,
               missing_host_key_policy=gossh.WarningPolicy) as g:
        with pytest.warns(UserWarning, match="Unknown"):
            res = g.run("echo warned", hide=True)
        assert [r.stdout for r in res.values()] == ["warned\n"] * 2
    with group(env, good(env, 2), known_hosts=empty,
               missing_host_key_policy=gossh.AutoAddPolicy()) as g:
        assert len(g.run("true", hide=True).succeeded) == 2


def test_bad_input(env):
    with pytest.raises(ValueError):
        ThreadingGroup("u@h:notaport")
    with pytest.raises(ValueError):
        ThreadingGroup("@:22")
    with pytest.raises(ValueError, match="user"):
        ThreadingGroup("u@h", user="v")
    with pytest.raises(ValueError, match="port"):
        ThreadingGroup("h:2222", port=22)
    with pytest.raises(NotImplementedError, match="gateway"):
        ThreadingGroup("h", gateway="jump")
    with pytest.raises(TypeError, match="nonsense"):
        ThreadingGroup("h", connect_kwargs={"nonsense": 1})
    with pytest.raises(TypeError):
        ThreadingGroup(42)
    with pytest.raises(TypeError):
        ThreadingGroup("h", missing_host_key_policy=object())
    with pytest.raises(ValueError):
        ThreadingGroup("h", pool_size=0)
    assert derive_shorthand("u@h:22") == ("u", "h", 22)
    assert derive_shorthand("a@b@h") == ("a@b", "h", None)
    assert derive_shorthand("::1") == (None, "::1", None)
    with group(env, good(env, 1)) as g:
        with pytest.raises(NotImplementedError, match="watchers"):
            g.run("true", watchers=[])
        with pytest.raises(TypeError, match="bogus"):
            g.run("true", bogus=1)
        with pytest.raises(ValueError):
            g.run("true", hide="sometimes")
        assert g.run("echo still", hide=True)[g[0]].stdout == "still\n"
    g.close()
    g.close()
    with pytest.raises(SSHException):
        g.run("true")


def test_empty_group(env):
    with ThreadingGroup() as g:
        assert len(g) == 0
        with pytest.raises(ValueError):
            g.run("true")


def test_a_dropped_group_is_freed_without_the_cyclic_gc(env):
    import gc
    import weakref
    g = group(env, good(env, 2), missing_host_key_policy=gossh.WarningPolicy())
    g.run("echo shown")  # the output callback is installed
    gc.disable()
    try:
        ref = weakref.ref(g)
        del g
        assert ref() is None  # freed (and its connections closed) at once
    finally:
        gc.enable()
