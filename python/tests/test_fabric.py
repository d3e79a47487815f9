"""Fabric (pinned: fabric==3.2.3, invoke==2.2.1; .ci/run installs them) runs
on gossh through gossh.install_as_paramiko(), against the test sshd:
Connection.run, and put/get over SFTP.

Fabric imports paramiko.config (SSHConfig) and paramiko.agent (Agent,
AgentRequestHandler): gossh.config and gossh.agent come from other branches
(sshconfig, agent-algos), and the test skips, saying which is missing, until
they are there."""

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap

import pytest

from conftest import HANG_GUARD

PYDIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FABRIC_PIN = "fabric==3.2.3"

SCRIPT = textwrap.dedent(
    """
    import os, sys
    sys.path.insert(0, {pydir!r})
    import gossh
    gossh.install_as_paramiko()
    import fabric, paramiko
    assert paramiko is gossh
    e = os.environ
    kw = dict(key_filename=os.path.join(e["GOSSH_TEST_KEYDIR"], "id_ed25519"),
              allow_agent=False, look_for_keys=False)
    c = fabric.Connection(e["GOSSH_TEST_HOST"], user=e["GOSSH_TEST_USER"],
                          port=int(e["GOSSH_TEST_PORT"]), connect_kwargs=kw,
                          connect_timeout=10)
    c.client.load_host_keys(e["GOSSH_TEST_KNOWN_HOSTS"])
    assert isinstance(c.client, gossh.SSHClient)
    for i in range(5):
        r = c.run("echo fabric-$((6*7)) {{}}".format(i), hide=True)
        assert r.stdout == "fabric-42 {{}}\\n".format(i) and r.exited == 0, (r.stdout, r.exited)
    r = c.run("echo to-stderr >&2; exit 3", hide=True, warn=True)
    assert r.exited == 3 and r.stderr == "to-stderr\\n", (r.exited, r.stderr)
    r = c.run("cat", in_stream=__import__("io").StringIO("from stdin\\n"), hide=True)
    assert r.stdout == "from stdin\\n", repr(r.stdout)
    if {sftp!r}:
        work = {work!r}
        local = os.path.join(work, "up.bin")
        data = os.urandom(300000)
        open(local, "wb").write(data)
        remote = os.path.join(work, "remote.bin")
        c.put(local, remote=remote)
        back = os.path.join(work, "down.bin")
        c.get(remote, local=back)
        assert open(back, "rb").read() == data
        print("sftp ok")
    c.close()
    print("fabric ok")
    """
)


def _skip_reasons():
    if importlib.util.find_spec("fabric") is None:
        return "Fabric is not installed: `python3 -m pip install {}` (.ci/run does)".format(
            FABRIC_PIN)
    missing = [m for m, branch in (("config", "sshconfig"), ("agent", "agent-algos"))
               if importlib.util.find_spec("gossh." + m) is None]
    if missing:
        return ("Fabric imports paramiko.config and paramiko.agent; this branch lacks {} "
                "(from branches sshconfig / agent-algos)".format(
                    ", ".join("gossh." + m for m in missing)))
    return None


def test_fabric_run_put_get(env, request):
    reason = _skip_reasons()
    if reason:
        pytest.skip(reason)
    import gossh

    sftp = hasattr(gossh.SSHClient, "open_sftp")
    # The test user (when the tests run as root) writes here over SFTP: not
    # under tmp_path, whose parents (pytest-of-root) it cannot enter.
    work = tempfile.mkdtemp(prefix="gossh-fabric-")
    request.addfinalizer(lambda: shutil.rmtree(work, ignore_errors=True))
    os.chmod(work, 0o777)
    script = SCRIPT.format(pydir=PYDIR, sftp=sftp, work=work)
    p = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                       timeout=HANG_GUARD)
    assert p.returncode == 0, "stdout:\n{}\nstderr:\n{}".format(p.stdout, p.stderr)
    assert "fabric ok" in p.stdout
    if sftp:
        assert "sftp ok" in p.stdout
    else:
        pytest.skip("Connection.run passed; put/get need SSHClient.open_sftp (branch sftp-py)")
