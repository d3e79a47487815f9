"""Fixtures shared by the SFTP tests (imported by test_sftp*.py).

``sftp`` is an SFTPClient on a connection to the test sshd, with
``sftp.FOLDER``: a fresh directory, relative to the session's start
directory (the test user's home), as paramiko's tests have it.
``sftp.LOCAL`` is that folder's path on this machine (the test sshd runs on
127.0.0.1), used only to check results independently of SFTP.
"""

import importlib
import os
import shutil
import uuid

import pytest

# GOSSH_SFTP_REFERENCE=paramiko runs the ported paramiko tests
# (test_sftp.py, test_sftp_big.py) against paramiko itself, with paramiko on
# PYTHONPATH: proof that they check what paramiko does.
impl = importlib.import_module(os.environ.get("GOSSH_SFTP_REFERENCE") or "gossh")


def _connect(env):
    c = impl.SSHClient()
    c.load_host_keys(env.known_hosts)
    c.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519")))
    return c


@pytest.fixture(scope="module")
def ssh(env):
    """One connection for a test module's SFTP sessions."""
    c = _connect(env)
    yield c
    c.close()


def _cleanup(ssh, home, folder):
    local = os.path.join(home, folder)
    if os.path.isdir(local):
        # Root may meet a directory the test user made unreadable.
        for dirpath, dirnames, _ in os.walk(local):
            for d in dirnames:
                try:
                    os.chmod(os.path.join(dirpath, d), 0o700)
                except OSError:
                    pass
        shutil.rmtree(local, ignore_errors=True)
    if os.path.exists(local) and ssh.get_transport() is not None:
        _, out, _ = ssh.exec_command("chmod -R u+rwx '{0}'; rm -rf '{0}'".format(local))
        out.channel.recv_exit_status()


@pytest.fixture
def sftp(ssh):
    s = ssh.open_sftp()
    s.FOLDER = "gossh-py-sftp-" + uuid.uuid4().hex[:12]
    s.mkdir(s.FOLDER)
    home = s.normalize(".")
    s.HOME = home
    s.LOCAL = os.path.join(home, s.FOLDER)
    yield s
    try:
        s.close()
    finally:
        _cleanup(ssh, home, s.FOLDER)


@pytest.fixture
def own_ssh(env):
    """A connection of the test's own (for tests that close it)."""
    c = _connect(env)
    yield c
    c.close()
