"""examples/python/fanout_dask.py (issue 13, fan-out past one machine): the
example, run as a program, shards 40 host entries over a Dask LocalCluster
of two spawned worker processes, each running gossh's ParallelSSHClient on
its share against the real sshd, and every host's result comes back."""

import json
import os
import socket
import subprocess
import sys

import pytest

from conftest import HANG_GUARD

pytest.importorskip(
    "distributed",
    reason="dask distributed is not installed (the Dask example's test needs it; "
           ".ci/run installs the pinned version)")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(ROOT, "examples", "python", "fanout_dask.py")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_dask_example_runs_every_host_on_two_spawned_workers(env):
    refused = free_port()
    hosts = []
    for i in range(40):
        if i % 10 == 7:  # four entries where nothing listens
            hosts.append("%s@127.0.0.1:%d" % (env.user, refused))
        else:  # the harness's sshd, 36 times
            hosts.append("%s@%s:%d" % (env.user, env.host, env.port))
    e = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"),
             GOSSH_DEMO_KEY=env.key("id_ed25519"), GOSSH_DEMO_KNOWN_HOSTS=env.known_hosts)
    e.pop("GOSSH_DASK_SCHEDULER", None)
    p = subprocess.Popen([sys.executable, EXAMPLE, "--json", "--command",
                          "echo dask-ok; echo e >&2", "--timeout", "20"] + hosts,
                         env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = p.communicate(timeout=HANG_GUARD * 5)
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
    assert p.returncode == 1, err[-3000:]  # the refused entries failed
    results = json.loads(out)
    assert [r["index"] for r in results] == list(range(40))
    assert [r["host"] for r in results] == hosts
    for i, r in enumerate(results):
        if i % 10 == 7:
            assert r["error"] and r["error"].startswith("NoValidConnectionsError"), r
            assert r["exit_code"] is None and r["stdout"] == []
        else:
            assert r["error"] is None, r
            assert r["exit_code"] == 0 and r["stdout"] == ["dask-ok"] and r["stderr"] == ["e"], r
    pids = {r["worker_pid"] for r in results}
    # two worker processes, neither of them the caller
    assert len(pids) == 2 and p.pid not in pids and os.getpid() not in pids


def test_dask_example_text_output_and_exit_status(env):
    e = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"),
             GOSSH_DEMO_KEY=env.key("id_ed25519"), GOSSH_DEMO_KNOWN_HOSTS=env.known_hosts)
    e.pop("GOSSH_DASK_SCHEDULER", None)
    p = subprocess.run([sys.executable, EXAMPLE, "--repeat", "4", "--command", "echo fine"],
                       env=e, capture_output=True, text=True, timeout=HANG_GUARD * 5)
    assert p.returncode == 0, p.stderr[-3000:]
    lines = p.stdout.splitlines()
    assert lines[-1] == "4 hosts, 0 failed"
    assert len(lines) == 5 and all(line.endswith("exit 0: fine") for line in lines[:4])
